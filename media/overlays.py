"""Still images drawn with Pillow for the render: OCOP stars + price badge, intro/outro cards.

Sizes are given for the 1080-wide design canvas and scaled to the profile's frame, so a
small preview render looks like the full one.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import fontpkg_be_vietnam_pro
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from media import recipe

FONTS_DIR = fontpkg_be_vietnam_pro.ROOT / "files"
FONT_FAMILY = fontpkg_be_vietnam_pro.FAMILY
DESIGN_WIDTH = 1080
GOLD = (255, 196, 37, 255)
WHITE = (255, 255, 255, 255)
PRICE_RED = (214, 40, 40, 255)
BADGE_GREEN = (20, 70, 45, 215)


def price_label(price_dong: int) -> str:
    """95000 → '95.000 ₫' (the same form as the app's ``formatting.vnd``)."""
    sign = "-" if price_dong < 0 else ""
    return f"{sign}{abs(int(price_dong)):,} ₫".replace(",", ".")


def font(size: int, weight: str = "Bold") -> ImageFont.FreeTypeFont:
    """Be Vietnam Pro at ``size`` px (weights: Regular, Medium, SemiBold, Bold, ...)."""
    return ImageFont.truetype(str(FONTS_DIR / f"BeVietnamPro-{weight}.ttf"), max(size, 6))


def _hex(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _star(center: tuple[float, float], radius: float) -> list[tuple[float, float]]:
    cx, cy = center
    points = []
    for index in range(10):
        r = radius if index % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + index * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def badge_image(badge: recipe.Badge, path: Path, *, frame_width: int) -> Path:
    """Draw the stars row and the price tag as a transparent PNG at ``path``."""
    scale = frame_width / DESIGN_WIDTH
    pad = round(22 * scale)
    rows: list[tuple[str, int]] = []
    star_size = round(54 * scale)
    label_font = font(round(40 * scale))
    price_font = font(round(64 * scale))
    label = unicodedata.normalize("NFC", badge.label or ("OCOP" if badge.stars else ""))
    price = price_label(badge.price_dong) if badge.price_dong is not None else ""

    stars_width = 0
    if badge.stars:
        stars_width = badge.stars * star_size + (badge.stars - 1) * round(6 * scale)
        if label:
            stars_width += round(16 * scale) + round(label_font.getlength(label))
        rows.append(("stars", star_size))
    elif label:
        stars_width = round(label_font.getlength(label))
        rows.append(("label", round(48 * scale)))
    price_width = 0
    if price:
        price_width = round(price_font.getlength(price)) + 2 * pad  # inner padding of the tag
        rows.append(("price", round(92 * scale)))

    width = max(stars_width + 2 * pad, price_width + 2 * pad, 1)
    height = sum(row_height for _, row_height in rows) + pad * (len(rows) + 1)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=round(24 * scale), fill=BADGE_GREEN
    )
    y = pad
    for kind, row_height in rows:
        if kind == "stars":
            x = pad
            for _ in range(badge.stars or 0):
                draw.polygon(_star((x + star_size / 2, y + star_size / 2), star_size / 2), GOLD)
                x += star_size + round(6 * scale)
            if label:
                draw.text(
                    (x + round(10 * scale), y + star_size / 2),
                    label,
                    font=label_font,
                    fill=WHITE,
                    anchor="lm",
                )
        elif kind == "label":
            draw.text((pad, y + row_height / 2), label, font=label_font, fill=WHITE, anchor="lm")
        else:
            draw.rounded_rectangle(
                (pad, y, width - pad, y + row_height), radius=round(16 * scale), fill=PRICE_RED
            )
            draw.text(
                (width / 2, y + row_height / 2), price, font=price_font, fill=WHITE, anchor="mm"
            )
        y += row_height + pad
    image.save(path, format="PNG")
    return path


def _wrap(text: str, face: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        words = paragraph.split()
        line = ""
        for word in words:
            candidate = f"{line} {word}".strip()
            if not line or face.getlength(candidate) <= max_width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def card_image(card: recipe.Card, path: Path, *, width: int, height: int) -> Path:
    """Draw an intro/outro card (title, optional subtitle) filling the frame, as PNG."""
    scale = width / DESIGN_WIDTH
    image = Image.new("RGB", (width, height), _hex(card.background))
    draw = ImageDraw.Draw(image)
    title_font = font(round(84 * scale))
    subtitle_font = font(round(52 * scale), "Medium")
    max_width = round(width * 0.84)
    title_lines = _wrap(unicodedata.normalize("NFC", card.title), title_font, max_width)
    subtitle_lines = (
        _wrap(unicodedata.normalize("NFC", card.subtitle), subtitle_font, max_width)
        if card.subtitle
        else []
    )
    title_step = round(110 * scale)
    subtitle_step = round(70 * scale)
    gap = round(48 * scale) if subtitle_lines else 0
    block = len(title_lines) * title_step + gap + len(subtitle_lines) * subtitle_step
    y = (height - block) / 2
    for line in title_lines:
        draw.text((width / 2, y + title_step / 2), line, font=title_font, fill=WHITE, anchor="mm")
        y += title_step
    y += gap
    for line in subtitle_lines:
        draw.text(
            (width / 2, y + subtitle_step / 2),
            line,
            font=subtitle_font,
            fill=(235, 235, 220),
            anchor="mm",
        )
        y += subtitle_step
    image.save(path, format="PNG")
    return path
