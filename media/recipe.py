"""The edit recipe: versioned JSON parsed into frozen dataclasses, validated field by field.

A recipe is a timeline: an optional intro card, clips (video trims or still photos with
pan/zoom) played one after the other, an optional outro card; over it captions (times on
the whole timeline), a logo, an OCOP stars badge with the price, and background music.

Shape of version 1 (``to_dict`` writes exactly this)::

    {"version": 1, "profile": "tiktok", "output_name": "...",
     "clips": [{"kind": "video", "asset": "a1", "in": 2.0, "out": 8.5, "speed": 1.0,
                "mute": false, "crop": {"mode": "center"}, "role": "footage"},
               {"kind": "photo", "asset": "p1", "duration": 3.0, "motion": "zoom_in"}],
     "captions": [{"text": "...", "start": 0.5, "end": 3.0,
                   "style": {"preset": "bottom", "size": 64, "color": "#FFFFFF", "outline": 4}}],
     "logo": {"asset": "l1", "position": "tr", "scale": 0.18},
     "badge": {"stars": 4, "price_dong": 95000, "label": "OCOP"},
     "music": {"asset": "m1", "volume": 0.5, "duck": true, "start": 0.0},
     "intro": {"title": "...", "subtitle": "...", "duration": 2.0, "background": "#1F4D3A"},
     "outro": {...}}

``crop.x`` (manual mode) is the centre of the 9:16 window as a fraction of the source width;
``crop.smart_x_expr`` (smart mode) is an ffmpeg ``crop`` x expression in pixels of the
frame it crops, with ``t`` the source clip's own time in seconds.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from media import errors, overlays, profiles

VERSION = 1
CROP_MODES = ("center", "smart", "manual", "fit_blur")
MOTIONS = ("zoom_in", "zoom_out", "pan_left", "pan_right", "none")
CAPTION_PRESETS = ("bottom", "top", "center", "title")
LOGO_POSITIONS = ("tl", "tr", "bl", "br")
SPEED_RANGE = (0.5, 2.0)
PHOTO_DURATION_RANGE = (0.5, 30.0)
CARD_DURATION_RANGE = (1.0, 5.0)
CAPTION_MAX_CHARS = 200
MAX_CLIPS = 50
MAX_CAPTIONS = 50
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_OUTPUT_NAME = re.compile(r"^[\w\- .]{1,80}$")
# Arithmetic and function calls only (e.g. ``if(lt(t,2),0,(iw-ow)/2)``); the value is
# escaped into the graph anyway, this keeps stored recipes to what analysis produces.
_EXPRESSION = re.compile(r"^[A-Za-z0-9_.,+\-*/^()\s]*[A-Za-z0-9)]\s*$")
_PLACEHOLDER = re.compile(r"\{(name|price|stars|where_to_buy)\}")


@dataclasses.dataclass(frozen=True)
class Crop:
    mode: str = "center"
    x: float | None = None
    smart_x_expr: str | None = None


@dataclasses.dataclass(frozen=True)
class VideoClip:
    asset: str
    in_: float
    out: float
    crop: Crop = Crop()
    speed: float = 1.0
    mute: bool = False
    role: str | None = None

    @property
    def duration(self) -> float:
        """Seconds on the output timeline (after speed)."""
        return (self.out - self.in_) / self.speed


@dataclasses.dataclass(frozen=True)
class PhotoClip:
    asset: str
    duration: float
    motion: str = "zoom_in"
    role: str | None = None


Clip = VideoClip | PhotoClip


@dataclasses.dataclass(frozen=True)
class CaptionStyle:
    preset: str = "bottom"
    size: int | None = None
    color: str | None = None
    outline: float | None = None


@dataclasses.dataclass(frozen=True)
class Caption:
    text: str
    start: float
    end: float
    style: CaptionStyle = CaptionStyle()


@dataclasses.dataclass(frozen=True)
class Logo:
    asset: str
    position: str = "tr"
    scale: float = 0.18
    role: str | None = "logo"


@dataclasses.dataclass(frozen=True)
class Badge:
    stars: int | None = None
    price_dong: int | None = None
    label: str | None = None


@dataclasses.dataclass(frozen=True)
class Music:
    asset: str
    volume: float = 0.5
    duck: bool = True
    start: float = 0.0
    role: str | None = "music"


@dataclasses.dataclass(frozen=True)
class Card:
    title: str
    subtitle: str | None = None
    duration: float = 3.0
    background: str = "#1F4D3A"


@dataclasses.dataclass(frozen=True)
class Recipe:
    profile: str
    clips: tuple[Clip, ...]
    captions: tuple[Caption, ...] = ()
    logo: Logo | None = None
    badge: Badge | None = None
    music: Music | None = None
    intro: Card | None = None
    outro: Card | None = None
    output_name: str | None = None
    version: int = VERSION


def duration(recipe: Recipe) -> float:
    """Length of the rendered video in seconds: intro + clips + outro."""
    total = sum(clip.duration for clip in recipe.clips)
    for card in (recipe.intro, recipe.outro):
        if card is not None:
            total += card.duration
    return total


def body_span(recipe: Recipe) -> tuple[float, float]:
    """Start and end (seconds) of the clips on the timeline, between intro and outro."""
    start = recipe.intro.duration if recipe.intro else 0.0
    return start, start + sum(clip.duration for clip in recipe.clips)


# --- parsing ---------------------------------------------------------------------------


class _Fields:
    """Collects every problem with its path so the editor can show them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, code: str, message: str, **params: Any) -> None:
        self.errors.setdefault(path, []).append(errors.Problem(code, message, params))

    def mapping(self, data: Any, path: str) -> Mapping[str, Any] | None:
        if not isinstance(data, Mapping):
            self.add(path, "object", "must be an object")
            return None
        return data

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        lo: float | None = None,
        hi: float | None = None,
        default: float | None = None,
        required: bool = True,
    ) -> float | None:
        full = f"{path}.{key}" if path else key
        value = data.get(key)
        if value is None:
            if default is not None or not required:
                return default
            self.add(full, "required", "is required")
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.add(full, "number", "must be a number")
            return None
        if lo is not None and value < lo:
            self.add(full, "min", f"must be at least {lo:g}", value=errors.number(lo))
            return None
        if hi is not None and value > hi:
            self.add(full, "max", f"must be at most {hi:g}", value=errors.number(hi))
            return None
        return float(value)

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        lo: int | None = None,
        hi: int | None = None,
        required: bool = True,
    ) -> int | None:
        full = f"{path}.{key}" if path else key
        value = data.get(key)
        if value is None:
            if required:
                self.add(full, "required", "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(full, "integer", "must be a whole number")
            return None
        if lo is not None and value < lo:
            self.add(full, "min", f"must be at least {lo}", value=lo)
            return None
        if hi is not None and value > hi:
            self.add(full, "max", f"must be at most {hi}", value=hi)
            return None
        return value

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        max_chars: int,
        required: bool = True,
    ) -> str | None:
        full = f"{path}.{key}" if path else key
        value = data.get(key)
        if value is None:
            if required:
                self.add(full, "required", "is required")
            return None
        if not isinstance(value, str):
            self.add(full, "text", "must be text")
            return None
        value = unicodedata.normalize("NFC", value).strip()
        if not value:
            if required:
                self.add(full, "not_empty", "must not be empty")
            return None
        if len(value) > max_chars:
            self.add(
                full,
                "max_chars",
                f"must be at most {max_chars} characters (it has {len(value)})",
                max=max_chars,
                length=len(value),
            )
            return None
        return value

    def choice(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        choices: Sequence[str],
        *,
        default: str | None = None,
    ) -> str | None:
        full = f"{path}.{key}" if path else key
        value = data.get(key, default)
        if value is None:
            self.add(full, "required", "is required")
            return None
        if value not in choices:
            self.add(full, "one_of", f"must be one of {', '.join(choices)}", values=list(choices))
            return None
        return str(value)

    def boolean(self, data: Mapping[str, Any], key: str, path: str, *, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(f"{path}.{key}", "boolean", "must be true or false")
            return default
        return value

    def color(self, data: Mapping[str, Any], key: str, path: str, *, default: str | None) -> Any:
        value = data.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str) or not _COLOR.match(value):
            self.add(f"{path}.{key}", "colour", "must be a colour like #FFCC00")
            return default
        return value.upper()

    def asset(self, data: Mapping[str, Any], path: str) -> str | None:
        value = data.get("asset")
        if value is None:
            self.add(f"{path}.asset", "required", "is required")
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.add(f"{path}.asset", "asset_id", "must be an asset id")
            return None
        return value.strip()

    def role(self, data: Mapping[str, Any], path: str, default: str | None) -> str | None:
        value = data.get("role", default)
        if value is None:
            return None
        if not isinstance(value, str) or not re.match(r"^[a-z][a-z0-9_]{0,30}$", value):
            self.add(f"{path}.role", "role", "must be a short lowercase name like photo or logo")
            return default
        return value


def _asset_facts(assets: Mapping[str, Any] | None, asset_id: str) -> tuple[bool, float | None, Any]:
    """(known, duration, kind) of an asset from a durations map or AssetInfo-like objects."""
    if assets is None:
        return True, None, None
    if asset_id not in assets:
        return False, None, None
    info = assets[asset_id]
    if info is None or isinstance(info, int | float):
        return True, (float(info) if info is not None else None), None
    return True, getattr(info, "duration", None), getattr(info, "kind", None)


def _kind_name(kind: Any) -> str | None:
    if kind is None:
        return None
    return str(getattr(kind, "value", kind))


def _check_asset(
    fields: _Fields, assets: Mapping[str, Any] | None, asset_id: str, path: str, kinds: set[str]
) -> float | None:
    known, asset_duration, kind = _asset_facts(assets, asset_id)
    if not known:
        fields.add(f"{path}.asset", "unknown_asset", f"unknown asset {asset_id}", asset=asset_id)
        return None
    name = _kind_name(kind)
    if name is not None and name not in kinds:
        fields.add(
            f"{path}.asset",
            "asset_kind",
            f"must be {' or '.join(sorted(kinds))}, not {name}",
            expected=sorted(kinds),
            got=name,
        )
    return asset_duration


def _parse_clip(
    fields: _Fields, raw: Any, path: str, assets: Mapping[str, Any] | None
) -> Clip | None:
    data = fields.mapping(raw, path)
    if data is None:
        return None
    kind = data.get("kind")
    if kind is None:
        kind = "photo" if "in" not in data and ("duration" in data or "motion" in data) else "video"
    if kind not in ("video", "photo"):
        fields.add(f"{path}.kind", "clip_kind", "must be video or photo")
        return None
    asset_id = fields.asset(data, path)
    role = fields.role(data, path, None)
    if kind == "photo":
        lo, hi = PHOTO_DURATION_RANGE
        seconds = fields.number(data, "duration", path, lo=lo, hi=hi)
        motion = fields.choice(data, "motion", path, MOTIONS, default="zoom_in")
        if asset_id is not None:
            _check_asset(fields, assets, asset_id, path, {"image"})
        if asset_id is None or seconds is None or motion is None:
            return None
        return PhotoClip(asset=asset_id, duration=seconds, motion=motion, role=role)

    start = fields.number(data, "in", path, lo=0)
    end = fields.number(data, "out", path, lo=0)
    speed = fields.number(data, "speed", path, lo=SPEED_RANGE[0], hi=SPEED_RANGE[1], default=1.0)
    mute = fields.boolean(data, "mute", path, default=False)
    crop = _parse_crop(fields, data.get("crop", {}), f"{path}.crop")
    if start is not None and end is not None and start >= end:
        fields.add(f"{path}.out", "after_in", "must be after in")
        end = None
    if asset_id is not None:
        asset_duration = _check_asset(fields, assets, asset_id, path, {"video"})
        # Half a frame of slack: probed durations round.
        if asset_duration is not None and end is not None and end > asset_duration + 0.02:
            fields.add(
                f"{path}.out",
                "past_clip_end",
                f"is past the end of the clip ({asset_duration:.2f} s)",
                seconds=errors.number(asset_duration),
            )
            end = None
        if asset_duration is not None and start is not None and start >= asset_duration:
            fields.add(
                f"{path}.in",
                "past_clip_end",
                f"is past the end of the clip ({asset_duration:.2f} s)",
                seconds=errors.number(asset_duration),
            )
            start = None
    if asset_id is None or start is None or end is None or speed is None or crop is None:
        return None
    return VideoClip(
        asset=asset_id, in_=start, out=end, crop=crop, speed=speed, mute=mute, role=role
    )


def _parse_crop(fields: _Fields, raw: Any, path: str) -> Crop | None:
    data = fields.mapping(raw, path)
    if data is None:
        return None
    mode = fields.choice(data, "mode", path, CROP_MODES, default="center")
    x = fields.number(data, "x", path, lo=0, hi=1, required=False)
    expr = data.get("smart_x_expr")
    if mode == "manual" and x is None and "x" not in data:
        fields.add(f"{path}.x", "crop_x", "is required for a manual crop")
    if expr is not None and (
        not isinstance(expr, str) or not _EXPRESSION.match(expr) or len(expr) > 8000
    ):
        fields.add(f"{path}.smart_x_expr", "expression", "must be an ffmpeg expression")
        expr = None
    if mode is None:
        return None
    if mode == "smart" and not expr:
        # No analysis yet: a smart crop without keyframes is a centre crop.
        return Crop(mode="smart", x=None, smart_x_expr=None)
    return Crop(
        mode=mode,
        x=x if mode == "manual" else None,
        smart_x_expr=expr.strip() if mode == "smart" and expr else None,
    )


def _parse_caption(fields: _Fields, raw: Any, path: str) -> Caption | None:
    data = fields.mapping(raw, path)
    if data is None:
        return None
    text = fields.text(data, "text", path, max_chars=CAPTION_MAX_CHARS)
    start = fields.number(data, "start", path, lo=0)
    end = fields.number(data, "end", path, lo=0)
    if start is not None and end is not None and end <= start:
        fields.add(f"{path}.end", "after_start", "must be after start")
        end = None
    style_path = f"{path}.style"
    style_data = fields.mapping(data.get("style", {}), style_path)
    style = None
    if style_data is not None:
        preset = fields.choice(style_data, "preset", style_path, CAPTION_PRESETS, default="bottom")
        size = fields.integer(style_data, "size", style_path, lo=16, hi=200, required=False)
        color = fields.color(style_data, "color", style_path, default=None)
        outline = fields.number(style_data, "outline", style_path, lo=0, hi=12, required=False)
        if preset is not None:
            style = CaptionStyle(preset=preset, size=size, color=color, outline=outline)
    if text is None or start is None or end is None or style is None:
        return None
    return Caption(text=text, start=start, end=end, style=style)


def _parse_card(fields: _Fields, raw: Any, path: str) -> Card | None:
    data = fields.mapping(raw, path)
    if data is None:
        return None
    title = fields.text(data, "title", path, max_chars=80)
    subtitle = fields.text(data, "subtitle", path, max_chars=120, required=False)
    lo, hi = CARD_DURATION_RANGE
    seconds = fields.number(data, "duration", path, lo=lo, hi=hi, default=3.0)
    background = fields.color(data, "background", path, default="#1F4D3A")
    if title is None or seconds is None:
        return None
    return Card(title=title, subtitle=subtitle, duration=seconds, background=background)


def parse(
    data: Any, assets: Mapping[str, Any] | None = None, *, enforce_limits: bool = True
) -> Recipe:
    """Validate ``data`` into a Recipe, or raise RecipeInvalid listing every bad field.

    ``assets`` maps asset ids to their duration in seconds (or to objects with ``duration``
    and ``kind``, such as ``compile.AssetInfo``); with it, unknown assets and trims past
    the end of a clip are refused. ``enforce_limits`` adds the platform's duration and size
    limits (a draft being edited may skip them).
    """
    fields = _Fields()
    root = fields.mapping(data, "recipe")
    if root is None:
        raise errors.RecipeInvalid("The recipe is not a JSON object.", fields=fields.errors)

    version = root.get("version")
    if version != VERSION:
        fields.add("version", "version", f"must be {VERSION}", version=VERSION)
    profile_name = fields.choice(root, "profile", "", tuple(profiles.PROFILES), default="tiktok")

    output_name = root.get("output_name")
    if output_name is not None:
        if isinstance(output_name, str):
            output_name = unicodedata.normalize("NFC", output_name).strip()
        if not isinstance(output_name, str) or not _OUTPUT_NAME.match(output_name):
            fields.add(
                "output_name", "output_name", "use up to 80 letters, digits, spaces, dots or dashes"
            )
            output_name = None

    clips: list[Clip] = []
    raw_clips = root.get("clips")
    if not isinstance(raw_clips, list) or not raw_clips:
        fields.add("clips", "clips_required", "add at least one clip or photo")
    elif len(raw_clips) > MAX_CLIPS:
        fields.add("clips", "clips_max", f"at most {MAX_CLIPS} clips", max=MAX_CLIPS)
    else:
        for index, raw in enumerate(raw_clips):
            clip = _parse_clip(fields, raw, f"clips[{index}]", assets)
            if clip is not None:
                clips.append(clip)

    intro = _parse_card(fields, root["intro"], "intro") if root.get("intro") else None
    outro = _parse_card(fields, root["outro"], "outro") if root.get("outro") else None

    captions: list[Caption] = []
    raw_captions = root.get("captions", [])
    if not isinstance(raw_captions, list):
        fields.add("captions", "list", "must be a list")
    elif len(raw_captions) > MAX_CAPTIONS:
        fields.add("captions", "captions_max", f"at most {MAX_CAPTIONS} captions", max=MAX_CAPTIONS)
    else:
        for index, raw in enumerate(raw_captions):
            caption = _parse_caption(fields, raw, f"captions[{index}]")
            if caption is not None:
                captions.append(caption)

    logo = None
    if root.get("logo") is not None:
        logo = _parse_logo(fields, root["logo"], assets)
    badge = None
    if root.get("badge") is not None:
        badge = _parse_badge(fields, root["badge"])
    music = None
    if root.get("music") is not None:
        music = _parse_music(fields, root["music"], assets)

    timeline_known = not any(path.startswith(("clips", "intro", "outro")) for path in fields.errors)
    recipe = Recipe(
        profile=profile_name or "tiktok",
        clips=tuple(clips),
        captions=tuple(captions),
        logo=logo,
        badge=badge,
        music=music,
        intro=intro,
        outro=outro,
        output_name=output_name,
    )
    if timeline_known:
        total = duration(recipe)
        for index, caption in enumerate(recipe.captions):
            if caption.start >= total:
                fields.add(
                    f"captions[{index}].start",
                    "past_video_end",
                    f"is after the video's end ({total:.1f} s)",
                    seconds=errors.number(round(total, 1)),
                )
            elif caption.end > total + 0.05:
                fields.add(
                    f"captions[{index}].end",
                    "past_video_end",
                    f"is after the video's end ({total:.1f} s)",
                    seconds=errors.number(round(total, 1)),
                )
        if enforce_limits and profile_name is not None:
            for problem in profiles.check(total, profile_name):
                fields.errors.setdefault("duration", []).append(problem)
    if fields.errors:
        raise errors.RecipeInvalid(_summary(fields.errors), fields=fields.errors)
    return recipe


def _parse_logo(fields: _Fields, raw: Any, assets: Mapping[str, Any] | None) -> Logo | None:
    data = fields.mapping(raw, "logo")
    if data is None:
        return None
    asset_id = fields.asset(data, "logo")
    position = fields.choice(data, "position", "logo", LOGO_POSITIONS, default="tr")
    scale = fields.number(data, "scale", "logo", lo=0.05, hi=0.5, default=0.18)
    role = fields.role(data, "logo", "logo")
    if asset_id is not None:
        _check_asset(fields, assets, asset_id, "logo", {"image"})
    if asset_id is None or position is None or scale is None:
        return None
    return Logo(asset=asset_id, position=position, scale=scale, role=role)


def _parse_badge(fields: _Fields, raw: Any) -> Badge | None:
    data = fields.mapping(raw, "badge")
    if data is None:
        return None
    stars = fields.integer(data, "stars", "badge", lo=3, hi=5, required=False)
    price = fields.integer(data, "price_dong", "badge", lo=0, hi=10**11, required=False)
    label = fields.text(data, "label", "badge", max_chars=40, required=False)
    if data.get("stars") is None and data.get("price_dong") is None:
        fields.add("badge", "badge_content", "needs stars, a price or both")
        return None
    return Badge(stars=stars, price_dong=price, label=label)


def _parse_music(fields: _Fields, raw: Any, assets: Mapping[str, Any] | None) -> Music | None:
    data = fields.mapping(raw, "music")
    if data is None:
        return None
    asset_id = fields.asset(data, "music")
    volume = fields.number(data, "volume", "music", lo=0, hi=1, default=0.5)
    duck = fields.boolean(data, "duck", "music", default=True)
    start = fields.number(data, "start", "music", lo=0, default=0.0)
    role = fields.role(data, "music", "music")
    if asset_id is not None:
        music_duration = _check_asset(fields, assets, asset_id, "music", {"audio", "video"})
        if music_duration is not None and start is not None and start >= music_duration:
            fields.add(
                "music.start",
                "past_music_end",
                f"is past the end of the music ({music_duration:.1f} s)",
                seconds=errors.number(round(music_duration, 1)),
            )
    if asset_id is None or volume is None or start is None:
        return None
    return Music(asset=asset_id, volume=volume, duck=duck, start=start, role=role)


def _summary(field_errors: Mapping[str, list[str]]) -> str:
    first = next(iter(field_errors.items()))
    more = len(field_errors) - 1
    text = f"{first[0]}: {first[1][0]}"
    return f"The recipe has problems: {text}" + (f" (and {more} more)" if more else "")


# --- serialising -----------------------------------------------------------------------


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def _clip_dict(clip: Clip) -> dict[str, Any]:
    if isinstance(clip, PhotoClip):
        return _drop_none(
            {
                "kind": "photo",
                "asset": clip.asset,
                "duration": clip.duration,
                "motion": clip.motion,
                "role": clip.role,
            }
        )
    crop = _drop_none({"mode": clip.crop.mode, "x": clip.crop.x, "smart_x_expr": None})
    if clip.crop.smart_x_expr is not None:
        crop["smart_x_expr"] = clip.crop.smart_x_expr
    return _drop_none(
        {
            "kind": "video",
            "asset": clip.asset,
            "in": clip.in_,
            "out": clip.out,
            "speed": clip.speed,
            "mute": clip.mute,
            "crop": crop,
            "role": clip.role,
        }
    )


def to_dict(recipe: Recipe) -> dict[str, Any]:
    """The JSON form of ``recipe``; ``parse(to_dict(r)) == r``."""
    data: dict[str, Any] = {
        "version": recipe.version,
        "profile": recipe.profile,
        "clips": [_clip_dict(clip) for clip in recipe.clips],
        "captions": [
            {
                "text": caption.text,
                "start": caption.start,
                "end": caption.end,
                "style": _drop_none(dataclasses.asdict(caption.style)),
            }
            for caption in recipe.captions
        ],
    }
    if recipe.output_name is not None:
        data["output_name"] = recipe.output_name
    if recipe.logo is not None:
        data["logo"] = _drop_none(dataclasses.asdict(recipe.logo))
    if recipe.badge is not None:
        data["badge"] = _drop_none(dataclasses.asdict(recipe.badge))
    if recipe.music is not None:
        data["music"] = _drop_none(dataclasses.asdict(recipe.music))
    for name in ("intro", "outro"):
        card = getattr(recipe, name)
        if card is not None:
            data[name] = _drop_none(dataclasses.asdict(card))
    return data


# --- templates -------------------------------------------------------------------------


def apply_template(template: Mapping[str, Any], product: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a template recipe dict made for another product.

    ``product`` may hold ``name``, ``price_dong``, ``stars``, ``where_to_buy`` (list of
    shop names) and ``assets`` (role → asset id, or role → list of ids used in turn by the
    clips having that role, e.g. ``{"photo": ["p7", "p8"], "logo": "l2"}``).

    - ``{name}``, ``{price}``, ``{stars}`` and ``{where_to_buy}`` in captions, card texts and
      the badge label are filled in (other braces are left alone);
    - the badge takes the product's stars and price; without either it is dropped;
    - clips, logo and music whose ``role`` is in ``assets`` take the product's asset.
    The result is a plain dict: ``parse`` it to validate.
    """
    result: dict[str, Any] = copy.deepcopy(dict(template))
    price = product.get("price_dong")
    stars = product.get("stars")
    values = {
        "name": str(product.get("name") or ""),
        "price": overlays.price_label(price) if isinstance(price, int) else "",
        "stars": f"{stars}★" if isinstance(stars, int) else "",
        "where_to_buy": " · ".join(product.get("where_to_buy") or []),
    }

    def fill(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        filled = _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
        return unicodedata.normalize("NFC", re.sub(r"[ \t]{2,}", " ", filled).strip())

    for caption in result.get("captions") or []:
        if isinstance(caption, dict):
            caption["text"] = fill(caption.get("text"))
    for name in ("intro", "outro"):
        card = result.get(name)
        if isinstance(card, dict):
            card["title"] = fill(card.get("title"))
            if card.get("subtitle") is not None:
                card["subtitle"] = fill(card["subtitle"]) or None
                if card["subtitle"] is None:
                    del card["subtitle"]

    if "badge" in result or "stars" in product or "price_dong" in product:
        badge = dict(result.get("badge") or {})
        badge["stars"] = stars if isinstance(stars, int) and 3 <= stars <= 5 else None
        badge["price_dong"] = price if isinstance(price, int) else None
        if badge.get("label") is not None:
            badge["label"] = fill(badge["label"]) or None
        badge = _drop_none(badge)
        if badge.get("stars") is None and badge.get("price_dong") is None:
            result.pop("badge", None)
        else:
            result["badge"] = badge

    by_role: Mapping[str, Any] = product.get("assets") or {}
    used: dict[str, int] = {}

    def asset_for(role: Any, current: Any) -> Any:
        if not isinstance(role, str) or role not in by_role:
            return current
        choice = by_role[role]
        if isinstance(choice, list | tuple):
            if not choice:
                return current
            index = used.get(role, 0)
            used[role] = index + 1
            return choice[index % len(choice)]
        return choice

    for clip in result.get("clips") or []:
        if isinstance(clip, dict):
            clip["asset"] = asset_for(clip.get("role"), clip.get("asset"))
            if clip.get("crop", {}).get("smart_x_expr") and clip.get("role") in by_role:
                # Keyframes belonged to the template's footage, not the product's.
                clip["crop"] = {"mode": "center"}
    for name, default_role in (("logo", "logo"), ("music", "music")):
        item = result.get(name)
        if isinstance(item, dict):
            item["asset"] = asset_for(item.get("role", default_role), item.get("asset"))
    return result
