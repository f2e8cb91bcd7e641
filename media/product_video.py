"""One-click product video: 15 s vertical, no footage, from a product's photos and story.

Pan/zoom over the photos, two or three captions cut from the story, the OCOP stars badge
with the price, and an outro card saying where to buy. The result is an ordinary recipe
dict (photos carry ``role: "photo"``), so the seller can edit it or save it as a template.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from media import errors, overlays
from media import recipe as recipe_mod

TOTAL_SECONDS = 15.0
OUTRO_SECONDS = 3.0
MAX_PHOTOS = 6
CAPTION_CHARS = 60
MOTIONS = ("zoom_in", "pan_right", "zoom_out", "pan_left")
OUTRO_BACKGROUND = "#1F4D3A"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–-") + "…"


def story_captions(story: str, name: str, *, count: int = 3) -> list[str]:
    """Two or three short caption lines (≤ 60 characters) from the story's sentences."""
    story = unicodedata.normalize("NFC", story or "")
    sentences = [part.strip() for part in _SENTENCE_END.split(story) if part.strip()]
    lines = [_shorten(sentence.rstrip("."), CAPTION_CHARS) for sentence in sentences]
    lines = [line for line in lines if line][:count]
    if len(lines) < 2:
        title = _shorten(unicodedata.normalize("NFC", name), CAPTION_CHARS)
        lines = [title, *lines] if title else lines
    return lines[:count]


def recipe_for_product(
    photos: list[str],
    story: str,
    name: str,
    stars: int | None,
    price_dong: int | None,
    where_to_buy: list[str],
    profile: str = "tiktok",
) -> dict[str, Any]:
    """A recipe dict for a 15 s video of the product; valid under ``recipe.parse``."""
    if not photos:
        raise errors.RecipeInvalid(
            "A product video needs at least one photo.",
            fields={
                "photos": [
                    errors.Problem("photos_required", "add at least one photo of the product")
                ]
            },
        )
    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    chosen = photos[:MAX_PHOTOS]
    body = TOTAL_SECONDS - OUTRO_SECONDS
    each = round(body / len(chosen), 3)
    clips = []
    for index, asset in enumerate(chosen):
        # The last photo absorbs rounding so the total is exactly 15 s.
        seconds = each if index < len(chosen) - 1 else round(body - each * (len(chosen) - 1), 3)
        clips.append(
            {
                "kind": "photo",
                "asset": str(asset),
                "duration": seconds,
                "motion": MOTIONS[index % len(MOTIONS)] if len(chosen) > 1 else "zoom_in",
                "role": "photo",
            }
        )

    lines = story_captions(story, name or "")
    captions = []
    if lines:
        span = body / len(lines)
        for index, line in enumerate(lines):
            start = index * span + (0.4 if index == 0 else 0.15)
            captions.append(
                {
                    "text": line,
                    "start": round(start, 2),
                    "end": round((index + 1) * span - 0.15, 2),
                    "style": {"preset": "bottom"},
                }
            )

    data: dict[str, Any] = {
        "version": recipe_mod.VERSION,
        "profile": profile,
        "clips": clips,
        "captions": captions,
    }
    valid_stars = stars if isinstance(stars, int) and 3 <= stars <= 5 else None
    if valid_stars is not None or price_dong is not None:
        badge: dict[str, Any] = {}
        if valid_stars is not None:
            badge["stars"] = valid_stars
            badge["label"] = "OCOP"
        if price_dong is not None:
            badge["price_dong"] = int(price_dong)
        data["badge"] = badge

    shops = [" ".join(shop.split()) for shop in where_to_buy if shop and shop.strip()]
    subtitle = _shorten("Mua tại " + " · ".join(shops), 120) if shops else None
    if subtitle is None and price_dong is not None:
        subtitle = overlays.price_label(int(price_dong))
    outro: dict[str, Any] = {
        "title": _shorten(name or "Sản phẩm OCOP", 80),
        "duration": OUTRO_SECONDS,
        "background": OUTRO_BACKGROUND,
    }
    if subtitle:
        outro["subtitle"] = subtitle
    data["outro"] = outro
    return data
