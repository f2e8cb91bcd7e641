"""The edit recipe: versioned JSON parsed into frozen dataclasses, validated field by field.

The schema is declared once, on the dataclasses: every field carries a ``Spec`` (JSON name,
type, bounds, choices, help). One walker reads it (``parse``), writes it (``to_dict``) and
documents it (``json_schema``, which the app's OpenAPI document and editor form use); the
checks between fields (out after in, trims within the clip, assets of the right kind) are
the ``_CHECKS`` hooks.

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
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

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


# --- the schema ------------------------------------------------------------------------
# Each field of the recipe's dataclasses carries a ``Spec``: its JSON name, type, bounds,
# choices and a line of help. One walker reads it (``parse``), writes it (``to_dict``) and
# documents it (``json_schema``), so a bound is stated here only.


@dataclasses.dataclass(frozen=True)
class Spec:
    """How one recipe field is read, written and documented.

    ``type``: ``number``, ``integer``, ``text``, ``choice``, ``boolean``, ``colour``,
    ``asset``, ``role``, ``expression``, ``name``, ``version``, ``object`` (``item``: a
    dataclass), ``list`` (``item``: a dataclass or ``Clip``). A field is required when its
    dataclass field has no default; ``None`` is allowed when its annotation says so.
    """

    type: str
    help: str = ""
    key: str | None = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    max_chars: int | None = None
    item: Any = None
    min_items: int = 0
    max_items: int | None = None
    # list codes: (not a list or too few items, too many items)
    codes: tuple[str, str] = ("list", "")
    # an optional object that is left out when empty (``{}``) as well as when null
    skip_empty: bool = False


def _f(spec_type: str, help: str = "", default: Any = dataclasses.MISSING, **spec: Any) -> Any:
    """A dataclass field carrying its ``Spec``."""
    return dataclasses.field(default=default, metadata={"spec": Spec(spec_type, help, **spec)})


@dataclasses.dataclass(frozen=True, kw_only=True)
class Crop:
    mode: str = _f(
        "choice",
        "How the frame is cut to 9:16: centre, smart (follows the subject, x from analysis), "
        "manual (x) or fit with a blurred background.",
        "center",
        choices=CROP_MODES,
    )
    x: float | None = _f(
        "number", "Manual mode: centre of the window as a fraction of the source width.",
        None, lo=0, hi=1,
    )  # fmt: skip
    smart_x_expr: str | None = _f(
        "expression",
        "Smart mode: an ffmpeg crop x expression in pixels, t the source clip's own time.",
        None,
        max_chars=8000,
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoClip:
    KIND: ClassVar[str] = "video"
    asset: str = _f("asset", "Id of a video asset.")
    role: str | None = _f("role", "Role a template fills with a product's asset.", None)
    in_: float = _f("number", "Start in the source, seconds.", key="in", lo=0)
    out: float = _f("number", "End in the source, seconds (after in).", lo=0)
    speed: float = _f("number", "Playback speed.", 1.0, lo=SPEED_RANGE[0], hi=SPEED_RANGE[1])
    mute: bool = _f("boolean", "Drop the clip's own sound.", False)
    crop: Crop = _f("object", "Cut to the output frame.", Crop(), item=Crop)

    @property
    def duration(self) -> float:
        """Seconds on the output timeline (after speed)."""
        return (self.out - self.in_) / self.speed


@dataclasses.dataclass(frozen=True, kw_only=True)
class PhotoClip:
    KIND: ClassVar[str] = "photo"
    asset: str = _f("asset", "Id of an image asset.")
    role: str | None = _f("role", "Role a template fills with a product's asset.", None)
    duration: float = _f(
        "number", "Seconds on screen.", lo=PHOTO_DURATION_RANGE[0], hi=PHOTO_DURATION_RANGE[1]
    )
    motion: str = _f("choice", "Pan or zoom over the still.", "zoom_in", choices=MOTIONS)


Clip = VideoClip | PhotoClip


@dataclasses.dataclass(frozen=True, kw_only=True)
class CaptionStyle:
    preset: str = _f("choice", "Place and look of the text.", "bottom", choices=CAPTION_PRESETS)
    size: int | None = _f("integer", "Font size in pixels.", None, lo=16, hi=200)
    color: str | None = _f("colour", "Text colour, #RRGGBB.", None)
    outline: float | None = _f("number", "Outline width in pixels.", None, lo=0, hi=12)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Caption:
    text: str = _f("text", "The words shown.", max_chars=CAPTION_MAX_CHARS)
    start: float = _f("number", "Start on the whole timeline, seconds.", lo=0)
    end: float = _f("number", "End on the whole timeline, seconds (after start).", lo=0)
    style: CaptionStyle = _f("object", "Look of the caption.", CaptionStyle(), item=CaptionStyle)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Logo:
    asset: str = _f("asset", "Id of an image asset.")
    position: str = _f("choice", "Corner.", "tr", choices=LOGO_POSITIONS)
    scale: float = _f("number", "Width as a fraction of the frame's.", 0.18, lo=0.05, hi=0.5)
    role: str | None = _f("role", "Role a template fills with a product's asset.", "logo")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Badge:
    stars: int | None = _f("integer", "OCOP stars (a valid certificate's).", None, lo=3, hi=5)
    price_dong: int | None = _f("integer", "Price in đồng.", None, lo=0, hi=10**11)
    label: str | None = _f("text", "Short label.", None, max_chars=40)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Music:
    asset: str = _f("asset", "Id of an audio (or video) asset with sound.")
    volume: float = _f("number", "Music volume.", 0.5, lo=0, hi=1)
    duck: bool = _f("boolean", "Lower the music under the clips' speech.", True)
    start: float = _f("number", "Seconds into the music to start from.", 0.0, lo=0)
    role: str | None = _f("role", "Role a template fills with a product's asset.", "music")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Card:
    title: str = _f("text", "Title.", max_chars=80)
    subtitle: str | None = _f("text", "Second line.", None, max_chars=120)
    duration: float = _f(
        "number", "Seconds.", 3.0, lo=CARD_DURATION_RANGE[0], hi=CARD_DURATION_RANGE[1]
    )
    background: str = _f("colour", "Background colour, #RRGGBB.", "#1F4D3A")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Recipe:
    version: int = _f("version", "Recipe format version.", VERSION)
    profile: str = _f("choice", "Target platform.", "tiktok", choices=tuple(profiles.PROFILES))
    output_name: str | None = _f(
        "name", "File name of the output: up to 80 letters, digits, spaces, dots or dashes.", None
    )
    clips: tuple[Clip, ...] = _f(
        "list",
        "Video trims and photos, played one after the other.",
        item=Clip,
        min_items=1,
        max_items=MAX_CLIPS,
        codes=("clips_required", "clips_max"),
    )
    intro: Card | None = _f("object", "Opening card.", None, item=Card, skip_empty=True)
    outro: Card | None = _f("object", "Closing card.", None, item=Card, skip_empty=True)
    captions: tuple[Caption, ...] = _f(
        "list",
        "Burnt-in captions, timed on the whole timeline.",
        (),
        item=Caption,
        max_items=MAX_CAPTIONS,
        codes=("list", "captions_max"),
    )
    logo: Logo | None = _f("object", "Logo in a corner.", None, item=Logo)
    badge: Badge | None = _f("object", "OCOP stars and price badge.", None, item=Badge)
    music: Music | None = _f("object", "Background music.", None, item=Music)


def spec(cls: type, name: str) -> Spec:
    """The ``Spec`` of field ``name`` of recipe dataclass ``cls`` (e.g. for a form)."""
    for found in dataclasses.fields(cls):
        if found.name == name:
            result: Spec = found.metadata["spec"]
            return result
    raise KeyError(name)


def default(cls: type, name: str) -> Any:
    """The default of field ``name`` of recipe dataclass ``cls``."""
    for found in dataclasses.fields(cls):
        if found.name == name:
            if found.default is dataclasses.MISSING:
                raise KeyError(f"{name} has no default")
            return found.default
    raise KeyError(name)


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


def limit_problems(recipe: Recipe) -> list[errors.Problem]:
    """The platform limits (duration, size) the recipe's profile sets that it breaks."""
    return list(profiles.check(duration(recipe), recipe.profile))


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

    def _present(
        self, data: Mapping[str, Any], key: str, path: str, required: bool, default: Any = None
    ) -> tuple[str, Any]:
        """The field's full path and value (``default`` when the key is absent); a value
        missing where one is required is a problem."""
        full = f"{path}.{key}" if path else key
        value = data.get(key, default)
        if value is None and required:
            self.add(full, "required", "is required")
        return full, value

    def _within(
        self, full: str, value: float, lo: float | None, hi: float | None, spec: str
    ) -> bool:
        """Whether ``value`` keeps its bounds (shown in messages with the format ``spec``);
        a bound it passes is a problem."""
        if lo is not None and value < lo:
            self.add(full, "min", f"must be at least {lo:{spec}}", value=errors.number(lo))
            return False
        if hi is not None and value > hi:
            self.add(full, "max", f"must be at most {hi:{spec}}", value=errors.number(hi))
            return False
        return True

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        spec: Spec,
        default: float | None,
        required: bool,
    ) -> float | None:
        """A number within ``spec.lo`` and ``spec.hi``; ``default`` when missing, if any."""
        full, value = self._present(data, key, path, required and default is None)
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.add(full, "number", "must be a number")
            return None
        return float(value) if self._within(full, value, spec.lo, spec.hi, "g") else None

    def integer(
        self, data: Mapping[str, Any], key: str, path: str, spec: Spec, required: bool
    ) -> int | None:
        """A whole number within ``spec.lo`` and ``spec.hi`` (whole too)."""
        full, value = self._present(data, key, path, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(full, "integer", "must be a whole number")
            return None
        return value if self._within(full, value, _int(spec.lo), _int(spec.hi), "") else None

    def text(
        self, data: Mapping[str, Any], key: str, path: str, spec: Spec, required: bool
    ) -> str | None:
        """Text (NFC, stripped) of at most ``spec.max_chars`` characters."""
        max_chars = spec.max_chars
        assert max_chars is not None
        full, value = self._present(data, key, path, required)
        if value is None:
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
        self, data: Mapping[str, Any], key: str, path: str, spec: Spec, default: str | None
    ) -> str | None:
        """One of ``spec.choices``; ``default`` when missing, if any."""
        choices = spec.choices
        full, value = self._present(data, key, path, True, default)
        if value is None:
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
        if not isinstance(value, str) or not _ROLE.match(value):
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


# --- the walker: parsing -----------------------------------------------------------------

_Assets = Mapping[str, Any] | None
_ROLE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_LIST_MESSAGES = {"clips_required": "add at least one clip or photo", "list": "must be a list"}


def _specs(cls: type) -> list[tuple[str, Spec, Any, bool]]:
    """(attribute, spec, default or MISSING, None allowed) of each field of ``cls``, in order."""
    return [
        (found.name, found.metadata["spec"], found.default, "None" in str(found.type))
        for found in dataclasses.fields(cls)
    ]


def _read_value(
    fields: _Fields,
    data: Mapping[str, Any],
    name: str,
    spec: Spec,
    default: Any,
    path: str,
    assets: _Assets,
) -> Any:
    key = spec.key or name
    full = f"{path}.{key}" if path else key
    required = default is dataclasses.MISSING
    fallback = None if required else default
    kind = spec.type
    if kind == "number":
        return fields.number(data, key, path, spec, fallback, required)
    if kind == "integer":
        return fields.integer(data, key, path, spec, required)
    if kind == "text":
        return fields.text(data, key, path, spec, required)
    if kind == "choice":
        return fields.choice(data, key, path, spec, fallback)
    if kind == "boolean":
        return fields.boolean(data, key, path, default=bool(fallback))
    if kind == "colour":
        return fields.color(data, key, path, default=fallback)
    if kind == "asset":
        return fields.asset(data, path)
    if kind == "role":
        return fields.role(data, path, fallback)
    if kind == "expression":
        return _expression(fields, data.get(key), full, spec)
    if kind == "name":
        return _output_name(fields, data.get(key), full)
    if kind == "version":
        if data.get(key) != VERSION:
            fields.add(full, "version", f"must be {VERSION}", version=VERSION)
        return VERSION
    if kind == "object":
        if fallback is None:  # an optional part: absent when null (or empty, for cards)
            raw = data.get(key)
            if (not raw) if spec.skip_empty else raw is None:
                return None
        else:
            raw = data.get(key, {})
        return _read_object(fields, spec.item, raw, full, assets)
    if kind == "list":
        return _read_list(fields, data.get(key, None if required else []), full, key, spec, assets)
    raise ValueError(f"unknown field type {kind}")


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _expression(fields: _Fields, value: Any, full: str, spec: Spec) -> str | None:
    if value is None:
        return None
    limit = spec.max_chars or 0
    if not isinstance(value, str) or not _EXPRESSION.match(value) or len(value) > limit:
        fields.add(full, "expression", "must be an ffmpeg expression")
        return None
    return value


def _output_name(fields: _Fields, value: Any, full: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
    if not isinstance(value, str) or not _OUTPUT_NAME.match(value):
        fields.add(full, "output_name", "use up to 80 letters, digits, spaces, dots or dashes")
        return None
    return value


def _read_list(
    fields: _Fields, raw: Any, full: str, key: str, spec: Spec, assets: _Assets
) -> tuple[Any, ...]:
    too_few, too_many = spec.codes
    if not isinstance(raw, list) or len(raw) < spec.min_items:
        fields.add(full, too_few, _LIST_MESSAGES[too_few])
        return ()
    if spec.max_items is not None and len(raw) > spec.max_items:
        fields.add(full, too_many, f"at most {spec.max_items} {key}", max=spec.max_items)
        return ()
    items = []
    for index, item in enumerate(raw):
        path = f"{full}[{index}]"
        if spec.item is Clip:
            found = _read_clip(fields, item, path, assets)
        else:
            found = _read_object(fields, spec.item, item, path, assets)
        if found is not None:
            items.append(found)
    return tuple(items)


def _read_clip(fields: _Fields, raw: Any, path: str, assets: _Assets) -> Clip | None:
    data = fields.mapping(raw, path)
    if data is None:
        return None
    kind = data.get("kind")
    if kind is None:
        kind = "photo" if "in" not in data and ("duration" in data or "motion" in data) else "video"
    if kind not in (VideoClip.KIND, PhotoClip.KIND):
        fields.add(f"{path}.kind", "clip_kind", "must be video or photo")
        return None
    clip: Clip | None = _read_object(
        fields, PhotoClip if kind == PhotoClip.KIND else VideoClip, data, path, assets
    )
    return clip


def _read_fields(
    fields: _Fields, cls: type, data: Mapping[str, Any], path: str, assets: _Assets
) -> dict[str, Any]:
    return {
        name: _read_value(fields, data, name, spec, default, path, assets)
        for name, spec, default, _ in _specs(cls)
    }


def _read_object(fields: _Fields, cls: type, raw: Any, path: str, assets: _Assets) -> Any:
    """One dataclass from ``raw``: every field read by its spec, then the checks between
    fields (``_CHECKS``); None when a field that may not be None is missing or bad."""
    data = fields.mapping(raw, path)
    if data is None:
        return None
    values = _read_fields(fields, cls, data, path, assets)
    check = _CHECKS.get(cls)
    if check is not None and not check(fields, values, data, path, assets):
        return None
    if any(values[name] is None for name, _, _, nullable in _specs(cls) if not nullable):
        return None
    return cls(**values)


# --- checks between fields ---------------------------------------------------------------


def _check_video(
    fields: _Fields, values: dict[str, Any], data: Mapping[str, Any], path: str, assets: _Assets
) -> bool:
    start, end, asset_id = values["in_"], values["out"], values["asset"]
    if start is not None and end is not None and start >= end:
        fields.add(f"{path}.out", "after_in", "must be after in")
        values["out"] = end = None
    if asset_id is not None:
        asset_duration = _check_asset(fields, assets, asset_id, path, {"video"})
        if asset_duration is not None:
            # (key, attribute) of each trim past the clip's end; half a frame of slack for
            # the out point: probed durations round.
            past = [("out", "out")] if end is not None and end > asset_duration + 0.02 else []
            if start is not None and start >= asset_duration:
                past.append(("in", "in_"))
            for key, attribute in past:
                fields.add(
                    f"{path}.{key}",
                    "past_clip_end",
                    f"is past the end of the clip ({asset_duration:.2f} s)",
                    seconds=errors.number(asset_duration),
                )
                values[attribute] = None
    return True


def _check_image(
    fields: _Fields, values: dict[str, Any], data: Mapping[str, Any], path: str, assets: _Assets
) -> bool:
    if values["asset"] is not None:
        _check_asset(fields, assets, values["asset"], path, {"image"})
    return True


def _check_crop(
    fields: _Fields, values: dict[str, Any], data: Mapping[str, Any], path: str, assets: _Assets
) -> bool:
    mode, expr = values["mode"], values["smart_x_expr"]
    if mode == "manual" and values["x"] is None and "x" not in data:
        fields.add(f"{path}.x", "crop_x", "is required for a manual crop")
    # x belongs to a manual crop, the expression to a smart one; a smart crop without
    # keyframes (no analysis yet) is a centre crop.
    values["x"] = values["x"] if mode == "manual" else None
    values["smart_x_expr"] = expr.strip() if mode == "smart" and expr else None
    return True


def _check_caption(
    fields: _Fields, values: dict[str, Any], data: Mapping[str, Any], path: str, assets: _Assets
) -> bool:
    start, end = values["start"], values["end"]
    if start is not None and end is not None and end <= start:
        fields.add(f"{path}.end", "after_start", "must be after start")
        values["end"] = None
    return True


def _check_badge(
    fields: _Fields, values: dict[str, Any], data: Mapping[str, Any], path: str, assets: _Assets
) -> bool:
    if data.get("stars") is None and data.get("price_dong") is None:
        fields.add(path, "badge_content", "needs stars, a price or both")
        return False
    return True


def _check_music(
    fields: _Fields, values: dict[str, Any], data: Mapping[str, Any], path: str, assets: _Assets
) -> bool:
    asset_id, start = values["asset"], values["start"]
    if asset_id is not None:
        music_duration = _check_asset(fields, assets, asset_id, path, {"audio", "video"})
        if music_duration is not None and start is not None and start >= music_duration:
            fields.add(
                f"{path}.start",
                "past_music_end",
                f"is past the end of the music ({music_duration:.1f} s)",
                seconds=errors.number(round(music_duration, 1)),
            )
    return True


_Check = Callable[[_Fields, dict[str, Any], Mapping[str, Any], str, _Assets], bool]
_CHECKS: dict[type, _Check] = {
    VideoClip: _check_video,
    PhotoClip: _check_image,
    Crop: _check_crop,
    Caption: _check_caption,
    Logo: _check_image,
    Badge: _check_badge,
    Music: _check_music,
}


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
    values = _read_fields(fields, Recipe, root, "", assets)
    values["profile"] = values["profile"] or default(Recipe, "profile")
    timeline_known = not any(path.startswith(("clips", "intro", "outro")) for path in fields.errors)
    recipe = Recipe(**values)
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
        if enforce_limits and "profile" not in fields.errors:
            for problem in limit_problems(recipe):
                fields.errors.setdefault("duration", []).append(problem)
    if fields.errors:
        raise errors.RecipeInvalid(_summary(fields.errors), fields=fields.errors)
    return recipe


def _summary(field_errors: Mapping[str, list[str]]) -> str:
    first = next(iter(field_errors.items()))
    more = len(field_errors) - 1
    text = f"{first[0]}: {first[1][0]}"
    return f"The recipe has problems: {text}" + (f" (and {more} more)" if more else "")


# --- serialising -------------------------------------------------------------------------


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def _dump(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        kind = getattr(type(value), "KIND", None)
        if kind is not None:
            out["kind"] = kind
        for name, spec, _, _ in _specs(type(value)):
            item = getattr(value, name)
            if item is not None:
                out[spec.key or name] = _dump(item)
        return out
    return value


def to_dict(recipe: Recipe) -> dict[str, Any]:
    """The JSON form of ``recipe`` (``None`` fields left out); ``parse(to_dict(r)) == r``."""
    data: dict[str, Any] = _dump(recipe)
    return data


# --- documenting ---------------------------------------------------------------------------


def json_schema() -> dict[str, Any]:
    """The recipe as a JSON Schema, in the subset OpenAPI 3.0 reads (``nullable``, no
    ``const``). ``parse`` checks more than a schema can say (out after in, trims within the
    clip, captions on the timeline, the platform's limits)."""
    schema = _object_schema(Recipe)
    schema["title"] = "Recipe"
    schema["description"] = (
        f"Edit recipe version {VERSION}: optional intro card, clips (video trims or photos), "
        "optional outro card; captions on the whole timeline, logo, OCOP badge and music."
    )
    return schema


def _object_schema(cls: type) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    kind = getattr(cls, "KIND", None)
    if kind is not None:
        properties["kind"] = {
            "type": "string",
            "enum": [kind],
            "description": "Clip kind (without it: photo when there is a duration or motion "
            "and no in, else video).",
        }
    for name, spec, default_value, nullable in _specs(cls):
        key = spec.key or name
        prop = _field_schema(spec)
        if spec.help:
            prop["description"] = spec.help
        if default_value is dataclasses.MISSING or spec.type == "version":
            required.append(key)
        elif default_value is not None and isinstance(default_value, str | int | float | bool):
            prop["default"] = default_value
        if nullable:
            prop["nullable"] = True
        properties[key] = prop
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _field_schema(spec: Spec) -> dict[str, Any]:
    kind = spec.type
    schema: dict[str, Any]
    if kind in ("number", "integer"):
        schema = {"type": kind}
        if spec.lo is not None:
            schema["minimum"] = _int(spec.lo) if kind == "integer" else spec.lo
        if spec.hi is not None:
            schema["maximum"] = _int(spec.hi) if kind == "integer" else spec.hi
    elif kind == "text":
        schema = {"type": "string", "maxLength": spec.max_chars}
    elif kind == "choice":
        schema = {"type": "string", "enum": list(spec.choices)}
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind == "colour":
        schema = {"type": "string", "pattern": _COLOR.pattern}
    elif kind == "asset":
        schema = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]}
    elif kind == "role":
        schema = {"type": "string", "pattern": _ROLE.pattern}
    elif kind == "expression":
        schema = {"type": "string", "maxLength": spec.max_chars, "pattern": _EXPRESSION.pattern}
    elif kind == "name":
        schema = {"type": "string", "pattern": _OUTPUT_NAME.pattern}
    elif kind == "version":
        schema = {"type": "integer", "enum": [VERSION]}
    elif kind == "object":
        schema = _object_schema(spec.item)
    elif kind == "list":
        if spec.item is Clip:
            items = {"oneOf": [_object_schema(VideoClip), _object_schema(PhotoClip)]}
        else:
            items = _object_schema(spec.item)
        schema = {"type": "array", "items": items}
        if spec.min_items:
            schema["minItems"] = spec.min_items
        if spec.max_items is not None:
            schema["maxItems"] = spec.max_items
    else:
        raise ValueError(f"unknown field type {kind}")
    return schema


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
