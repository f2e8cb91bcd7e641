"""Forms of the video studio pages: the upload, and the editor that writes a recipe.

The editor is a plain server-side form with repeated clip and caption rows (the page adds
rows with a few lines of JS). ``recipe_from_form`` turns it into a recipe dict that
``media.recipe`` validates; ``field_name`` maps the recipe's field paths (``clips[0].in``)
back to the inputs, so each problem is shown next to the right one. The selects' values and
the inputs' defaults come from the recipe's schema (``media.recipe``'s field specs); this
module only adds the words people read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

import flask_wtf
import flask_wtf.file
import wtforms
import wtforms.validators as v
from flask_babel import lazy_gettext as _l

from app.core import formatting, validators
from app.http import forms
from app.models import studio as media_models
from media import profiles
from media import recipe as recipe_mod

Choice = forms.Choice
NEW_ROW = "__i__"  # index placeholder of the blank rows the page's JS copies

_default = recipe_mod.default  # a recipe field's default, from the recipe's schema


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _choices(cls: type, name: str, labels: Mapping[str, Any]) -> list[Choice]:
    """A select's choices for a recipe field: the values the recipe's schema allows, each with
    its label, in the order of ``labels``."""
    values = recipe_mod.spec(cls, name).choices
    if set(values) != set(labels):
        raise RuntimeError(f"the labels of {cls.__name__}.{name} do not match the recipe schema")
    return [Choice(value, label) for value, label in labels.items()]


ROLE_CHOICES = [
    Choice("footage", _l("Đoạn quay (video)")),
    Choice("photo", _l("Ảnh sản phẩm")),
    Choice("logo", _l("Logo")),
    Choice("music", _l("Nhạc nền")),
]
CROP_CHOICES = _choices(
    recipe_mod.Crop,
    "mode",
    {
        "center": _l("Giữa khung"),
        "smart": _l("Thông minh (theo chủ thể)"),
        "manual": _l("Tự chọn vị trí"),
        "fit_blur": _l("Vừa khung, nền mờ"),
    },
)
MOTION_CHOICES = _choices(
    recipe_mod.PhotoClip,
    "motion",
    {
        "zoom_in": _l("Phóng to dần"),
        "zoom_out": _l("Thu nhỏ dần"),
        "pan_left": _l("Lia sang trái"),
        "pan_right": _l("Lia sang phải"),
        "none": _l("Đứng yên"),
    },
)
PRESET_CHOICES = _choices(
    recipe_mod.CaptionStyle,
    "preset",
    {
        "bottom": _l("Dưới"),
        "top": _l("Trên"),
        "center": _l("Giữa"),
        "title": _l("Tiêu đề lớn"),
    },
)
POSITION_CHOICES = _choices(
    recipe_mod.Logo,
    "position",
    {
        "tr": _l("Trên phải"),
        "tl": _l("Trên trái"),
        "br": _l("Dưới phải"),
        "bl": _l("Dưới trái"),
    },
)
KIND_CHOICES = [
    Choice(recipe_mod.VideoClip.KIND, _l("Video")),
    Choice(recipe_mod.PhotoClip.KIND, _l("Ảnh")),
]


def _check_product_id(field: wtforms.Field) -> None:
    """The product picked (optional) must be an id a row can have: a number past 2**31 - 1, or
    no number, names no product (and would never reach the database)."""
    if str(field.data or "").strip() and validators.parse_id(field.data) is None:
        raise v.ValidationError(str(_l("Không tìm thấy sản phẩm.")))


def profile_choices() -> list[Choice]:
    return [
        Choice(name, profiles.get(name).label)
        for name in recipe_mod.spec(recipe_mod.Recipe, "profile").choices
    ]


class UploadForm(forms.Form):
    file = flask_wtf.file.FileField(
        _l("Tệp"), validators=[flask_wtf.file.FileRequired(_l("Hãy chọn một tệp."))]
    )
    role = wtforms.SelectField(_l("Dùng làm"), choices=ROLE_CHOICES, default="footage")
    product_id = wtforms.SelectField(_l("Sản phẩm (không bắt buộc)"), validate_choice=False)
    submit = wtforms.SubmitField(_l("Tải lên"))

    def fill_choices(self, products: Iterable[tuple[int, str]]) -> None:
        self.product_id.choices = [Choice("", _l("— Không gắn sản phẩm —"))] + [
            Choice(str(pid), name) for pid, name in products
        ]

    def validate_product_id(self, field: wtforms.Field) -> None:
        _check_product_id(field)

    def product(self) -> int | None:
        return validators.parse_id(self.product_id.data)


class ClipRow(wtforms.Form):
    kind = wtforms.SelectField(_l("Loại"), choices=KIND_CHOICES, validate_choice=False)
    asset = wtforms.SelectField(_l("Tệp"), validate_choice=False)
    in_ = wtforms.StringField(_l("Từ giây"))
    out = wtforms.StringField(_l("Đến giây"))
    speed = wtforms.StringField(
        _l("Tốc độ"), default=_shown(_default(recipe_mod.VideoClip, "speed"))
    )
    crop_mode = wtforms.SelectField(
        _l("Cắt khung 9:16"), choices=CROP_CHOICES, validate_choice=False
    )
    crop_x = wtforms.StringField(_l("Vị trí (0–1)"))
    duration = wtforms.StringField(_l("Thời lượng ảnh (giây)"))
    motion = wtforms.SelectField(
        _l("Chuyển động ảnh"), choices=MOTION_CHOICES, validate_choice=False
    )
    mute = wtforms.BooleanField(_l("Tắt tiếng"))
    role = wtforms.HiddenField()


class CaptionRow(wtforms.Form):
    text = wtforms.StringField(_l("Chữ"))
    start = wtforms.StringField(_l("Bắt đầu (giây)"))
    end = wtforms.StringField(_l("Kết thúc (giây)"))
    preset = wtforms.SelectField(_l("Vị trí chữ"), choices=PRESET_CHOICES, validate_choice=False)
    color = wtforms.StringField(_l("Màu (#RRGGBB)"))
    size = wtforms.HiddenField()
    outline = wtforms.HiddenField()


class VideoForm(forms.Form):
    title = wtforms.StringField(
        _l("Tên video"),
        validators=[
            v.InputRequired(_l("Hãy đặt tên cho video.")),
            v.Length(max=200, message=_l("Tối đa 200 ký tự.")),
        ],
    )
    product_id = wtforms.SelectField(_l("Sản phẩm"), validate_choice=False)
    profile = wtforms.SelectField(
        _l("Nền tảng"),
        choices=profile_choices(),
        default=_default(recipe_mod.Recipe, "profile"),
        validate_choice=False,
    )
    clips = wtforms.FieldList(wtforms.FormField(ClipRow))
    captions = wtforms.FieldList(wtforms.FormField(CaptionRow))
    logo_asset = wtforms.SelectField(_l("Logo"), validate_choice=False)
    logo_position = wtforms.SelectField(
        _l("Vị trí logo"), choices=POSITION_CHOICES, validate_choice=False
    )
    show_stars = wtforms.BooleanField(_l("Huy hiệu sao OCOP"))
    badge_stars = wtforms.StringField(_l("Số sao"))
    show_price = wtforms.BooleanField(_l("Nhãn giá"))
    badge_price = wtforms.StringField(_l("Giá (đồng)"))
    badge_label = wtforms.StringField(_l("Nhãn"), default="OCOP")
    music_asset = wtforms.SelectField(_l("Nhạc nền"), validate_choice=False)
    music_volume = wtforms.StringField(
        _l("Âm lượng (0–1)"), default=_shown(_default(recipe_mod.Music, "volume"))
    )
    music_duck = wtforms.BooleanField(
        _l("Giảm nhạc khi có tiếng nói"), default=_default(recipe_mod.Music, "duck")
    )
    music_start = wtforms.StringField(
        _l("Bắt đầu nhạc từ giây"), default=_shown(_default(recipe_mod.Music, "start"))
    )
    intro_title = wtforms.StringField(_l("Tiêu đề mở đầu"))
    intro_subtitle = wtforms.StringField(_l("Dòng phụ mở đầu"))
    intro_duration = wtforms.StringField(_l("Thời lượng mở đầu (giây)"), default="2")
    intro_background = wtforms.HiddenField()
    outro_title = wtforms.StringField(_l("Tiêu đề kết thúc"))
    outro_subtitle = wtforms.StringField(_l("Dòng phụ kết thúc"))
    outro_duration = wtforms.StringField(_l("Thời lượng kết thúc (giây)"), default="3")
    outro_background = wtforms.HiddenField()
    submit = wtforms.SubmitField(_l("Lưu video"))

    def fill_choices(
        self, products: Iterable[tuple[int, str]], assets: Iterable[media_models.MediaAsset]
    ) -> None:
        pickable = Pickers.of(assets)
        self.product_id.choices = [Choice("", _l("— Không gắn sản phẩm —"))] + [
            Choice(str(pid), name) for pid, name in products
        ]
        self.logo_asset.choices = [Choice("", _l("— Không có logo —")), *pickable.images]
        self.music_asset.choices = [Choice("", _l("— Không có nhạc —")), *pickable.audio]
        for row in self.clips:
            row.form.asset.choices = pickable.clip_choices()

    def validate_product_id(self, field: wtforms.Field) -> None:
        _check_product_id(field)

    def product(self) -> int | None:
        return validators.parse_id(self.product_id.data)


@dataclasses.dataclass
class Pickers:
    """Ready assets as select choices, by what they can be used for."""

    videos: list[Choice]
    images: list[Choice]
    audio: list[Choice]

    @classmethod
    def of(cls, assets: Iterable[media_models.MediaAsset]) -> Pickers:
        found = cls([], [], [])
        for asset in assets:
            label = f"#{asset.id} {asset.original_name}"
            if asset.duration:
                label += f" ({formatting.seconds(asset.duration)})"
            choice = Choice(str(asset.id), label)
            if asset.kind == media_models.AssetKind.VIDEO:
                found.videos.append(choice)
                found.audio.append(choice)  # a clip's sound can be the music
            elif asset.kind == media_models.AssetKind.IMAGE:
                found.images.append(choice)
            else:
                found.audio.append(choice)
        return found

    def clip_choices(self) -> list[Choice]:
        return [Choice("", _l("— Chọn tệp —")), *self.videos, *self.images]


def blank_clip_row(assets: Iterable[media_models.MediaAsset]) -> ClipRow:
    row = ClipRow(prefix=f"clips-{NEW_ROW}-")
    row.asset.choices = Pickers.of(assets).clip_choices()
    return row


def blank_caption_row() -> CaptionRow:
    return CaptionRow(prefix=f"captions-{NEW_ROW}-")


# --- form → recipe ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    return str(value or "").strip()


def _number(raw: Any) -> Any:
    """A float from what was typed (``1,5`` too); unparsable text is passed on as it is, so
    the recipe reports it at its path; empty is None."""
    text = _text(raw).replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _whole(raw: Any) -> Any:
    """A whole number from what was typed (``95.000`` and ``95 000`` are 95000)."""
    text = re.sub(r"[\s.,_]", "", _text(raw)).removesuffix("đ").removesuffix("₫")
    if not text:
        return None
    return int(text) if text.isdigit() else _text(raw)


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != "":
        data[key] = value


@dataclasses.dataclass
class Built:
    """The recipe dict and, per recipe index, the form row it came from."""

    recipe: dict[str, Any]
    clip_rows: list[int]
    caption_rows: list[int]


def recipe_from_form(form: VideoForm, analyses: Mapping[str, Mapping[str, Any] | None]) -> Built:
    """The recipe the editor describes. Empty rows are left out; a smart crop takes its
    keyframes from the clip's analysis (``analyses``: asset id → analysis dict)."""
    recipe: dict[str, Any] = {"version": recipe_mod.VERSION, "profile": form.profile.data}
    clips: list[dict[str, Any]] = []
    clip_rows: list[int] = []
    for index, entry in enumerate(form.clips):
        row = entry.form
        asset = _text(row.asset.data)
        if not asset:
            continue
        kind = row.kind.data or recipe_mod.VideoClip.KIND
        clip: dict[str, Any] = {"kind": kind, "asset": asset}
        if kind == recipe_mod.PhotoClip.KIND:
            _put(clip, "duration", _number(row.duration.data))
            clip["motion"] = row.motion.data or _default(recipe_mod.PhotoClip, "motion")
        else:
            _put(clip, "in", _number(row.in_.data))
            _put(clip, "out", _number(row.out.data))
            _put(clip, "speed", _number(row.speed.data))
            clip["mute"] = bool(row.mute.data)
            crop: dict[str, Any] = {"mode": row.crop_mode.data or _default(recipe_mod.Crop, "mode")}
            if row.crop_mode.data == "manual":
                _put(crop, "x", _number(row.crop_x.data))
            elif row.crop_mode.data == "smart":
                analysis = analyses.get(asset) or {}
                expr = (analysis.get("crop") or {}).get("x_expr")
                if expr:
                    crop["smart_x_expr"] = expr
            clip["crop"] = crop
        _put(clip, "role", _text(row.role.data))
        clips.append(clip)
        clip_rows.append(index)
    recipe["clips"] = clips

    captions: list[dict[str, Any]] = []
    caption_rows: list[int] = []
    for index, caption_entry in enumerate(form.captions):
        caption_row = caption_entry.form
        if not (
            _text(caption_row.text.data)
            or _text(caption_row.start.data)
            or _text(caption_row.end.data)
        ):
            continue
        caption: dict[str, Any] = {"text": caption_row.text.data or ""}
        _put(caption, "start", _number(caption_row.start.data))
        _put(caption, "end", _number(caption_row.end.data))
        style: dict[str, Any] = {
            "preset": caption_row.preset.data or _default(recipe_mod.CaptionStyle, "preset")
        }
        _put(style, "color", _text(caption_row.color.data))
        _put(style, "size", _whole(caption_row.size.data))
        _put(style, "outline", _number(caption_row.outline.data))
        caption["style"] = style
        captions.append(caption)
        caption_rows.append(index)
    recipe["captions"] = captions

    if _text(form.logo_asset.data):
        recipe["logo"] = {
            "asset": _text(form.logo_asset.data),
            "position": form.logo_position.data or _default(recipe_mod.Logo, "position"),
        }
    if form.show_stars.data or form.show_price.data:
        badge: dict[str, Any] = {}
        if form.show_stars.data:
            _put(badge, "stars", _whole(form.badge_stars.data))
        if form.show_price.data:
            _put(badge, "price_dong", _whole(form.badge_price.data))
        _put(badge, "label", _text(form.badge_label.data))
        recipe["badge"] = badge
    if _text(form.music_asset.data):
        music: dict[str, Any] = {
            "asset": _text(form.music_asset.data),
            "duck": bool(form.music_duck.data),
        }
        _put(music, "volume", _number(form.music_volume.data))
        _put(music, "start", _number(form.music_start.data))
        recipe["music"] = music
    for name in ("intro", "outro"):
        title = _text(getattr(form, f"{name}_title").data)
        if not title:
            continue
        card: dict[str, Any] = {"title": title}
        _put(card, "subtitle", _text(getattr(form, f"{name}_subtitle").data))
        _put(card, "duration", _number(getattr(form, f"{name}_duration").data))
        _put(card, "background", _text(getattr(form, f"{name}_background").data))
        recipe[name] = card
    return Built(recipe, clip_rows, caption_rows)


# --- recipe → form ---------------------------------------------------------------------------


def form_data(
    title: str,
    product_id: int | None,
    recipe: Mapping[str, Any],
    *,
    stars: int | None = None,
    price_dong: int | None = None,
) -> dict[str, Any]:
    """The editor's values for a stored recipe (``stars``/``price_dong``: the product's,
    offered when the recipe has no badge yet)."""
    clips = []
    for clip in recipe.get("clips") or []:
        crop = clip.get("crop") or {}
        clips.append(
            {
                "kind": clip.get("kind", recipe_mod.VideoClip.KIND),
                "asset": _shown(clip.get("asset")),
                "in_": _shown(clip.get("in")),
                "out": _shown(clip.get("out")),
                "speed": _shown(clip.get("speed", _default(recipe_mod.VideoClip, "speed"))),
                "crop_mode": crop.get("mode", _default(recipe_mod.Crop, "mode")),
                "crop_x": _shown(crop.get("x")),
                "duration": _shown(clip.get("duration")),
                "motion": clip.get("motion", _default(recipe_mod.PhotoClip, "motion")),
                "mute": bool(clip.get("mute")),
                "role": clip.get("role") or "",
            }
        )
    captions = []
    for caption in recipe.get("captions") or []:
        style = caption.get("style") or {}
        captions.append(
            {
                "text": caption.get("text", ""),
                "start": _shown(caption.get("start")),
                "end": _shown(caption.get("end")),
                "preset": style.get("preset", _default(recipe_mod.CaptionStyle, "preset")),
                "color": style.get("color") or "",
                "size": _shown(style.get("size")),
                "outline": _shown(style.get("outline")),
            }
        )
    badge = recipe.get("badge") or {}
    logo = recipe.get("logo") or {}
    music = recipe.get("music")
    data: dict[str, Any] = {
        "title": title,
        "product_id": str(product_id) if product_id else "",
        "profile": recipe.get("profile", _default(recipe_mod.Recipe, "profile")),
        "clips": clips,
        "captions": captions,
        "logo_asset": _shown(logo.get("asset")),
        "logo_position": logo.get("position", _default(recipe_mod.Logo, "position")),
        "show_stars": badge.get("stars") is not None,
        "badge_stars": _shown(badge.get("stars", stars)),
        "show_price": badge.get("price_dong") is not None,
        "badge_price": _shown(badge.get("price_dong", price_dong)),
        "badge_label": badge.get("label", "OCOP"),
        "music_asset": _shown((music or {}).get("asset")),
        "music_volume": _shown((music or {}).get("volume", _default(recipe_mod.Music, "volume"))),
        "music_duck": bool((music or {}).get("duck", _default(recipe_mod.Music, "duck"))),
        "music_start": _shown((music or {}).get("start", _default(recipe_mod.Music, "start"))),
    }
    for name, seconds in (("intro", 2), ("outro", 3)):
        card = recipe.get(name) or {}
        data[f"{name}_title"] = card.get("title", "")
        data[f"{name}_subtitle"] = card.get("subtitle", "")
        data[f"{name}_duration"] = _shown(card.get("duration", seconds))
        data[f"{name}_background"] = card.get("background", "")
    return data


# --- recipe field paths → inputs -------------------------------------------------------------

_ROW_PATH = re.compile(r"^(clips|captions)\[(\d+)\](?:\.(.+))?$")
_CLIP_KEYS = {
    "asset": "asset",
    "kind": "kind",
    "in": "in_",
    "out": "out",
    "speed": "speed",
    "mute": "mute",
    "duration": "duration",
    "motion": "motion",
    "crop": "crop_mode",
    "crop.mode": "crop_mode",
    "crop.x": "crop_x",
    "crop.smart_x_expr": "crop_mode",
    "role": "asset",
}
_CAPTION_KEYS = {
    "text": "text",
    "start": "start",
    "end": "end",
    "style": "preset",
    "style.preset": "preset",
    "style.color": "color",
    "style.size": "preset",
    "style.outline": "preset",
}
_TOP_KEYS = {
    "profile": "profile",
    "duration": "profile",  # the platform's limits
    "clips": "clips",
    "captions": "captions",
    "logo": "logo_asset",
    "logo.asset": "logo_asset",
    "logo.position": "logo_position",
    "logo.scale": "logo_asset",
    "badge": "show_stars",
    "badge.stars": "badge_stars",
    "badge.price_dong": "badge_price",
    "badge.label": "badge_label",
    "music": "music_asset",
    "music.asset": "music_asset",
    "music.volume": "music_volume",
    "music.duck": "music_duck",
    "music.start": "music_start",
    "product_id": "product_id",
    "title": "title",
}


def field_name(path: str, built: Built) -> str | None:
    """The input a recipe field path belongs to (``clips[0].in`` → ``clips-2-in_`` when the
    first clip is the form's third row); None when no input matches."""
    match = _ROW_PATH.match(path)
    if match:
        section, index, rest = match.group(1), int(match.group(2)), match.group(3) or ""
        rows = built.clip_rows if section == "clips" else built.caption_rows
        keys = _CLIP_KEYS if section == "clips" else _CAPTION_KEYS
        if index >= len(rows):
            return section
        key = keys.get(rest, "asset" if section == "clips" else "text")
        return f"{section}-{rows[index]}-{key}"
    if path in _TOP_KEYS:
        return _TOP_KEYS[path]
    head, _, rest = path.partition(".")
    if head in ("intro", "outro"):
        return f"{head}_{rest if rest in ('title', 'subtitle', 'duration') else 'title'}"
    return None


def place_errors(
    fields: Mapping[str, list[str]], built: Built
) -> tuple[dict[str, list[str]], list[str]]:
    """Errors by input name, and those that belong to no input (shown above the form)."""
    by_input: dict[str, list[str]] = {}
    general: list[str] = []
    for path, messages in fields.items():
        name = field_name(path, built)
        if name is None:
            general.extend(f"{path}: {message}" for message in messages)
        else:
            by_input.setdefault(name, []).extend(messages)
    return by_input, general
