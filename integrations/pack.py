"""Listing packs for channels without a seller API (Postmart, Voso).

A pack is a zip the seller opens next to the marketplace's web seller centre:

- ``san-pham.csv``: UTF-8 with a BOM (so Excel shows Vietnamese right), one header row
  with the seller centre's Vietnamese field labels in the order the form asks for them,
  then one row per SKU;
- ``mo-ta.txt``: the description verbatim (copying a multi-line cell out of Excel wraps
  it in quotes, so the checklist points here for that field);
- ``anh/01.jpg``, ``anh/02.jpg``…: the images, EXIF orientation applied, RGB, padded
  white to a square within the channel's pixel limits and re-encoded until under its
  byte limit;
- ``HUONG-DAN.txt``: a Vietnamese step-by-step checklist ending with pasting the live
  product URL back into the toolkit.

Everything is checked and every image encoded in memory first; any problem raises one
``errors.ValidationFailed`` listing them all, and nothing is written. The zip is then
written to a temporary file in the destination folder and moved into place with
``os.replace``, so a failure never leaves a partial pack behind.

No network here, by design: these channels publish no API.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import enum
import io
import os
import re
import tempfile
import time
import unicodedata
import urllib.parse
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from PIL import Image, ImageOps, UnidentifiedImageError

from integrations import base, errors

CSV_NAME = "san-pham.csv"
DESCRIPTION_NAME = "mo-ta.txt"
CHECKLIST_NAME = "HUONG-DAN.txt"
IMAGE_DIR = "anh"

# Excel reads a cell starting with one of these as a formula (CSV injection); such cells
# get a leading apostrophe, as OWASP advises, and the checklist tells the seller to drop it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# C0/C1 control characters other than tab and newline never belong in a listing.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Source(enum.StrEnum):
    """Where a CSV column's value comes from in a ``base.ListingDraft``.

    Product-level sources repeat on every row; SKU-level ones vary per row.
    """

    TITLE = "title"
    CATEGORY = "category_id"
    BRAND = "brand"
    DESCRIPTION = "description"
    PRODUCT_CODE = "product_code"
    ATTRIBUTES = "attributes"
    WEIGHT_GRAMS = "weight_grams"
    IMAGES = "images"
    VARIANT_NAME = "name"
    SELLER_SKU = "seller_sku"
    PRICE = "price"
    STOCK = "stock"


# Plain English names for messages (the app translates by field key; labels stay Vietnamese).
WORDS: dict[Source, str] = {
    Source.TITLE: "title",
    Source.CATEGORY: "category",
    Source.BRAND: "brand",
    Source.DESCRIPTION: "description",
    Source.PRODUCT_CODE: "product code",
    Source.ATTRIBUTES: "attributes",
    Source.WEIGHT_GRAMS: "weight (grams)",
    Source.IMAGES: "images",
    Source.VARIANT_NAME: "variant name",
    Source.SELLER_SKU: "SKU code",
    Source.PRICE: "price (đồng)",
    Source.STOCK: "stock",
}
SKU_SOURCES = frozenset({Source.VARIANT_NAME, Source.SELLER_SKU, Source.PRICE, Source.STOCK})
NUMBER_SOURCES = frozenset({Source.PRICE, Source.STOCK, Source.WEIGHT_GRAMS})
MULTILINE_SOURCES = frozenset({Source.DESCRIPTION})


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """One field of the seller centre's product form, in the order the form asks for it.

    Lengths count Unicode code points after NFC normalisation (what a browser's
    ``maxlength`` counts for Vietnamese typed with precomposed letters).
    """

    source: Source
    label: str  # Vietnamese label as the seller centre shows it; the CSV header
    required: bool = True
    min_len: int = 0
    max_len: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    hint: str = ""  # extra words for the checklist


@dataclasses.dataclass(frozen=True)
class ImageSpec:
    """What the seller centre accepts for product images."""

    min_count: int = 1
    max_count: int = 9
    min_px: int = 500  # a source whose longer side is smaller is refused (no upscaling)
    max_px: int = 1200  # output side never exceeds this
    max_bytes: int = 1_000_000
    start_quality: int = 90
    min_quality: int = 50
    quality_step: int = 5

    def __post_init__(self) -> None:
        if not (0 < self.min_px <= self.max_px):
            raise ValueError("ImageSpec needs 0 < min_px <= max_px")
        if not (0 < self.min_count <= self.max_count):
            raise ValueError("ImageSpec needs 0 < min_count <= max_count")
        if not (1 <= self.min_quality <= self.start_quality <= 95):
            raise ValueError("ImageSpec needs 1 <= min_quality <= start_quality <= 95")


@dataclasses.dataclass(frozen=True)
class PackSpec:
    """A channel's pack: its form fields in order, its image rules, checklist words."""

    channel_title: str
    fields: tuple[FieldSpec, ...]
    images: ImageSpec
    url_example: str  # what a live product URL looks like, for the checklist
    sku_max: int = 50
    seller_centre_name: str = "Kênh Người Bán"  # what the channel calls its seller side

    def __post_init__(self) -> None:
        sources = [f.source for f in self.fields]
        if len(set(sources)) != len(sources):
            raise ValueError("a source may appear only once in a pack's fields")
        if Source.SELLER_SKU not in sources:
            raise ValueError("a pack needs the seller SKU column to tell its rows apart")


Problems = dict[str, list[errors.Problem | str]]


class ImageRefused(ValueError):
    """An image the pack cannot use: ``code`` and ``params`` say why (English text: logs)."""

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params

    def problem(self) -> errors.Problem:
        return errors.Problem(self.code, self.params, str(self))


# --- checks -------------------------------------------------------------------------


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _value(draft: base.ListingDraft, sku: base.Sku, source: Source) -> object:
    """A source's value: each source is named after its attribute on the SKU or the draft."""
    if source is Source.ATTRIBUTES:
        return "; ".join(f"{k}: {v}" for k, v in draft.attributes.items())
    return getattr(sku if source in SKU_SOURCES else draft, source.value)


def _text_value(draft: base.ListingDraft, sku: base.Sku, source: Source) -> str:
    value = _value(draft, sku, source)
    if not isinstance(value, str):
        raise ValueError(f"{source} is not a text field")  # pragma: no cover
    return value


def _number_value(draft: base.ListingDraft, sku: base.Sku, source: Source) -> int:
    value = _value(draft, sku, source)
    if not isinstance(value, int):
        raise ValueError(f"{source} is not a number field")  # pragma: no cover
    return value


def _clean_text(value: str, source: Source) -> str:
    value = nfc(value)
    if source in MULTILINE_SOURCES:
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value.strip()


def _sku_key(sku: base.Sku, index: int) -> str:
    return f"skus.{sku.seller_sku.strip() or index + 1}"


def check_fields(draft: base.ListingDraft, spec: PackSpec) -> Problems:
    """Every problem with the draft's text, numbers, SKUs and image count (files not opened)."""
    problems: Problems = {}

    def add(key: str, code: str, message: str, **params: Any) -> None:
        problem = errors.Problem(code, params, message)
        if problem not in problems.setdefault(key, []):
            problems[key].append(problem)

    if not draft.skus:
        add("skus", "skus_missing", "at least one SKU")
    if len(draft.skus) > spec.sku_max:
        add("skus", "skus_too_many", f"at most {spec.sku_max} SKUs", max=spec.sku_max)
    seen: set[str] = set()
    for sku in draft.skus:
        code = nfc(sku.seller_sku.strip())
        if code and code in seen:
            add("skus", "sku_repeated", f"SKU {code} appears more than once", sku=code)
        seen.add(code)

    sources = {f.source for f in spec.fields}
    if Source.VARIANT_NAME in sources and len(draft.skus) > 1:
        for i, sku in enumerate(draft.skus):
            if not sku.name.strip():
                add(
                    f"{_sku_key(sku, i)}.name",
                    "variant_name_missing",
                    "each SKU needs a variant name when there are several",
                )

    # product-level fields are checked once; SKU-level ones once per SKU
    first = draft.skus[0] if draft.skus else base.Sku(seller_sku="", price=0, stock=0)
    for field in spec.fields:
        if field.source is Source.IMAGES:
            continue
        words = WORDS[field.source]
        targets = (
            [(f"{_sku_key(s, i)}.{field.source}", s) for i, s in enumerate(draft.skus)]
            if field.source in SKU_SOURCES
            else [(str(field.source), first)]
        )
        for key, sku in targets:
            if field.source in NUMBER_SOURCES:
                number = _number_value(draft, sku, field.source)
                low, high = field.min_value, field.max_value
                if (low is not None and number < low) or (high is not None and number > high):
                    range_code, limits = _range_problem(low, high)
                    add(key, range_code, f"{words} must be {_range_words(low, high)}", **limits)
                continue
            raw = _text_value(draft, sku, field.source)
            text = _clean_text(raw, field.source)
            if not text:
                if field.required:
                    add(key, "required", f"{words} is required")
                continue
            if _CONTROL.search(text):
                add(key, "control_characters", f"{words} contains control characters")
            if field.source not in MULTILINE_SOURCES and ("\n" in text or "\r" in text):
                add(key, "one_line", f"{words} must be on one line")
            if len(text) < field.min_len or (
                field.max_len is not None and len(text) > field.max_len
            ):
                length_code, limits = _length_problem(field.min_len, field.max_len)
                add(
                    key,
                    length_code,
                    f"{words} must be {_len_words(field.min_len, field.max_len)} (now {len(text)})",
                    **limits,
                )

    count = len(draft.images)
    image_rules = spec.images
    if not (image_rules.min_count <= count <= image_rules.max_count):
        add(
            "images",
            "images_count",
            f"needs {image_rules.min_count}–{image_rules.max_count} images (now {count})",
            min=image_rules.min_count,
            max=image_rules.max_count,
        )
    return problems


def _range_problem(low: int | None, high: int | None) -> tuple[str, dict[str, int]]:
    """The problem code and params of a number outside [low, high] (either may be open)."""
    if low is not None and high is not None:
        return "number_range", {"min": low, "max": high}
    if low is not None:
        return "number_min", {"min": low}
    return "number_max", {"max": high or 0}


def _length_problem(low: int, high: int | None) -> tuple[str, dict[str, int]]:
    if high is None:
        return "text_too_short", {"min": low}
    if low:
        return "text_length", {"min": low, "max": high}
    return "text_too_long", {"max": high}


def _range_words(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}"


def _len_words(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} characters"
    if low:
        return f"{low}–{high} characters"
    return f"at most {high} characters"


# --- images -------------------------------------------------------------------------


def check_images(draft: base.ListingDraft, spec: PackSpec) -> Problems:
    """Cheap per-image checks (readable, big enough) without decoding the pixels."""
    problems: Problems = {}
    if len(draft.images) > spec.images.max_count:
        return problems  # already reported by check_fields; no point opening them
    for index, ref in enumerate(draft.images):
        try:
            with Image.open(ref.path) as opened:
                _check_size(opened.size, spec.images)
        except ValueError as exc:
            problems[f"images.{index + 1}"] = [_image_problem(exc)]
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError, SyntaxError) as exc:
            message = f"not a readable image ({type(exc).__name__})"
            problems[f"images.{index + 1}"] = [errors.Problem("image_unreadable", {}, message)]
    return problems


def _image_problem(exc: ValueError) -> errors.Problem:
    if isinstance(exc, ImageRefused):
        return exc.problem()
    return errors.Problem("image_unreadable", {}, str(exc))


def _check_size(size: tuple[int, int], spec: ImageSpec) -> None:
    if max(size) < spec.min_px:
        raise ImageRefused(
            f"image is {size[0]}×{size[1]} px; the longer side must be at least {spec.min_px} px",
            "image_too_small",
            min=spec.min_px,
        )


def prepare_image(path: str, spec: ImageSpec) -> bytes:
    """The image at ``path`` as a square RGB JPEG within ``spec``; ImageRefused (a ValueError)
    says why not."""
    try:
        with Image.open(path) as opened:
            _check_size(opened.size, spec)
            if opened.format == "JPEG":
                opened.draft("RGB", (spec.max_px, spec.max_px))  # decode at a reduced scale
            upright = ImageOps.exif_transpose(opened)
            rgb = _flatten_rgb(upright)
    except ValueError:
        raise
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ImageRefused(
            f"not a readable image ({type(exc).__name__})", "image_unreadable"
        ) from None

    side = min(max(rgb.size), spec.max_px)
    while True:
        square = _pad_square(rgb, side)
        for quality in range(spec.start_quality, spec.min_quality - 1, -spec.quality_step):
            data = _jpeg(square, quality)
            if len(data) <= spec.max_bytes:
                return data
        smaller = int(side * 0.9)
        if smaller < spec.min_px:
            raise ImageRefused(
                f"cannot get the image under {spec.max_bytes} bytes at {spec.min_px} px or more",
                "image_too_big",
                max=spec.max_bytes // 1024,
            )
        side = smaller


def _flatten_rgb(image: Image.Image) -> Image.Image:
    """RGB on white: transparency is composited, palettes and CMYK converted."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _pad_square(image: Image.Image, side: int) -> Image.Image:
    width, height = image.size
    scale = side / max(width, height)
    fitted = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = image if fitted == image.size else image.resize(fitted, Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (side, side), (255, 255, 255))
    canvas.paste(resized, ((side - fitted[0]) // 2, (side - fitted[1]) // 2))
    return canvas


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # no exif= argument: nothing of the source's metadata (GPS, orientation) is carried over
    image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def image_name(index: int) -> str:
    return f"{IMAGE_DIR}/{index + 1:02d}.jpg"


# --- files --------------------------------------------------------------------------


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(draft: base.ListingDraft, spec: PackSpec) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([f.label for f in spec.fields])
    image_list = ", ".join(image_name(i) for i in range(len(draft.images)))
    for sku in draft.skus:
        row: list[str] = []
        for field in spec.fields:
            if field.source is Source.IMAGES:
                row.append(image_list)
            elif field.source in NUMBER_SOURCES:
                row.append(str(_number_value(draft, sku, field.source)))
            else:
                text = _clean_text(_text_value(draft, sku, field.source), field.source)
                row.append(_cell(text))
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


def render_checklist(
    draft: base.ListingDraft,
    spec: PackSpec,
    *,
    seller_centre_url: str,
    shop_name: str,
) -> str:
    title = _clean_text(draft.title, Source.TITLE)
    lines = [
        f"HƯỚNG DẪN ĐĂNG SẢN PHẨM LÊN {spec.channel_title.upper()}",
        f"Sản phẩm: {title}",
        f"Mã sản phẩm: {nfc(draft.product_code)}",
        f"Gian hàng: {nfc(shop_name)}",
        "",
        "Đánh dấu [x] vào từng bước khi làm xong.",
        "",
        f"[ ] 1. Mở {spec.seller_centre_name}: {seller_centre_url} và đăng nhập tài khoản gian hàng"
        f" {nfc(shop_name)}.",
        "[ ] 2. Vào mục Sản phẩm, chọn Thêm sản phẩm mới (tạo sản phẩm).",
        f"[ ] 3. Mở tệp {CSV_NAME} bằng Excel. Mỗi dòng là một phân loại (SKU). Điền lần lượt"
        " từng trường theo đúng thứ tự sau:",
    ]
    for number, field in enumerate(spec.fields, start=1):
        where = f"cột «{field.label}» trong {CSV_NAME}"
        if field.source is Source.DESCRIPTION:
            where = f"chép nguyên văn từ tệp {DESCRIPTION_NAME}"
        elif field.source is Source.IMAGES:
            where = f"tải ảnh trong thư mục {IMAGE_DIR}/ (xem bước 4)"
        need = "bắt buộc" if field.required else "không bắt buộc"
        limits = _limit_words_vi(field)
        extra = f"; {field.hint}" if field.hint else ""
        per_sku = "; điền cho từng phân loại" if field.source in SKU_SOURCES else ""
        lines.append(
            f"    [ ] 3.{number}. {field.label} ({need}{limits}{per_sku}{extra}): {where}."
        )
    lines.append(
        "    Lưu ý: nếu một ô bắt đầu bằng dấu nháy đơn ('), bỏ dấu nháy đó khi dán"
        " (dấu nháy chỉ để Excel không hiểu nhầm thành công thức)."
    )
    lines.append(
        f"[ ] 4. Tải ảnh lên theo đúng thứ tự (ảnh đầu tiên là ảnh đại diện), tối đa"
        f" {spec.images.max_count} ảnh:"
    )
    for index in range(len(draft.images)):
        lines.append(f"    [ ] {image_name(index)}")
    lines += [
        "[ ] 5. Kiểm tra lại tên, giá, tồn kho từng phân loại rồi bấm Lưu / Gửi duyệt.",
        "[ ] 6. Khi sản phẩm đã được duyệt và hiển thị, mở trang sản phẩm, sao chép đường dẫn"
        " (URL) trên thanh địa chỉ,",
        f"       ví dụ: {spec.url_example}",
        "[ ] 7. Quay lại công cụ, mở sản phẩm này ở kênh"
        f" {spec.channel_title} và dán đường dẫn (hoặc mã sản phẩm) vào ô dành cho sản phẩm"
        " đã đăng, rồi bấm Lưu.",
        "",
        f"Nếu {spec.seller_centre_name} báo lỗi ở trường nào, sửa trong công cụ rồi tạo lại"
        " gói này để hai bên luôn khớp nhau.",
        "",
    ]
    return "\r\n".join(lines)


def _limit_words_vi(field: FieldSpec) -> str:
    if field.source in NUMBER_SOURCES:
        low, high = field.min_value, field.max_value
        if low is not None and high is not None:
            return f", từ {low} đến {high}"
        if low is not None:
            return f", tối thiểu {low}"
        if high is not None:
            return f", tối đa {high}"
        return ""
    if field.max_len is not None and field.min_len:
        return f", {field.min_len}–{field.max_len} ký tự"
    if field.max_len is not None:
        return f", tối đa {field.max_len} ký tự"
    return ""


# --- the builder --------------------------------------------------------------------


def build(
    draft: base.ListingDraft,
    spec: PackSpec,
    out_path: str,
    *,
    seller_centre_url: str,
    shop_name: str,
    clock: Callable[[], float] = time.time,
) -> None:
    """Check everything, encode the images, then write the zip at ``out_path`` atomically.

    Raises ``errors.ValidationFailed`` with every problem found (text fields, SKUs, image
    count and each image by ``images.N``, N from 1) before anything touches the disk.
    An existing file at ``out_path`` is replaced only once the new zip is complete.
    """
    problems = check_fields(draft, spec)
    encoded: list[bytes] = []
    if len(draft.images) <= spec.images.max_count:
        for index, ref in enumerate(draft.images):
            try:
                encoded.append(prepare_image(ref.path, spec.images))
            except ValueError as exc:
                problems.setdefault(f"images.{index + 1}", []).append(_image_problem(exc))
    if problems:
        raise errors.ValidationFailed(
            f"the listing pack for {spec.channel_title} cannot be built", fields=problems
        )

    entries: list[tuple[str, bytes, int]] = [
        (CSV_NAME, render_csv(draft, spec), zipfile.ZIP_DEFLATED),
        (
            DESCRIPTION_NAME,
            _clean_text(draft.description, Source.DESCRIPTION)
            .replace("\n", "\r\n")
            .encode("utf-8-sig"),
            zipfile.ZIP_DEFLATED,
        ),
        *[(image_name(i), data, zipfile.ZIP_STORED) for i, data in enumerate(encoded)],
        (
            CHECKLIST_NAME,
            render_checklist(
                draft, spec, seller_centre_url=seller_centre_url, shop_name=shop_name
            ).encode("utf-8-sig"),
            zipfile.ZIP_DEFLATED,
        ),
    ]
    write_zip_atomically(out_path, entries, clock=clock)


def write_zip_atomically(
    out_path: str,
    entries: Sequence[tuple[str, bytes, int]],
    *,
    clock: Callable[[], float] = time.time,
) -> None:
    """Write (name, data, compression) entries to a temp file beside ``out_path``, then
    ``os.replace`` it into place; the temp file is removed on any failure."""
    target = os.path.abspath(out_path)
    folder = os.path.dirname(target)
    stamp = time.localtime(clock())[:6]
    fd, temp_path = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w") as archive:
                for name, data, compression in entries:
                    info = zipfile.ZipInfo(name, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
                    info.compress_type = compression
                    info.flag_bits |= 0x800  # names are UTF-8
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        raise


# --- the live listing's reference ---------------------------------------------------

MAX_REFERENCE_CHARS = 2048


@dataclasses.dataclass(frozen=True)
class RefRules:
    """How a channel's live product pages are addressed.

    ``product_paths`` are full-match patterns on the URL path with a group named ``id``;
    ``other_pages`` pairs patterns with the words saying what the page is instead.
    """

    channel_title: str
    hosts: frozenset[str]
    product_paths: tuple[re.Pattern[str], ...]
    bare_id: re.Pattern[str]
    other_pages: tuple[tuple[re.Pattern[str], str], ...] = ()


def parse_listing_ref(text: str, rules: RefRules) -> base.RemoteListing:
    """A product URL on the channel's own hosts, or a bare id, as a RemoteListing.

    Anything else (other hosts, look-alike hosts, credentials or odd ports in the URL,
    shop or category pages, other schemes) is ``ValidationFailed(fields={"url": [...]})``.
    """

    def refuse(code: str, message: str, **params: Any) -> errors.ValidationFailed:
        return errors.ValidationFailed(
            f"not a {rules.channel_title} product reference",
            fields={"url": [errors.Problem(code, params, message)]},
        )

    value = nfc(text or "").strip()
    if not value:
        raise refuse(
            "reference_missing", f"paste the {rules.channel_title} product page URL or the id"
        )
    if len(value) > MAX_REFERENCE_CHARS or any(c.isspace() for c in value):
        raise refuse("reference_invalid", "that does not look like a product URL or id")
    if rules.bare_id.fullmatch(value):
        return base.RemoteListing(external_id=value, sku_ids={}, url="")

    candidate = value
    if "://" not in candidate:
        host_part = candidate.split("/", 1)[0].lower()
        if host_part in rules.hosts:
            candidate = "https://" + candidate
    try:
        parts = urllib.parse.urlsplit(candidate)
        port = parts.port
    except ValueError:
        raise refuse("reference_invalid", "that is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise refuse("reference_scheme", f"paste an https:// address on {rules.channel_title}")
    if parts.username is not None or parts.password is not None:
        raise refuse("reference_credentials", "a product URL carries no user name or password")
    host = (parts.hostname or "").rstrip(".")
    if host not in rules.hosts:
        hosts = ", ".join(sorted(rules.hosts))
        raise refuse(
            "reference_host", f"the address is not on {rules.channel_title} ({hosts})", hosts=hosts
        )
    if port not in (None, 80, 443):
        raise refuse("reference_port", "a product URL has no port number")
    for pattern in rules.product_paths:
        match = pattern.fullmatch(parts.path)
        if match:
            url = urllib.parse.urlunsplit(("https", host, parts.path, "", ""))
            return base.RemoteListing(external_id=match.group("id"), sku_ids={}, url=url)
    for pattern, what in rules.other_pages:
        if pattern.fullmatch(parts.path):
            raise refuse("reference_other_page", f"that is {what}, not a product page")
    raise refuse("reference_not_product", f"that is not a {rules.channel_title} product page")


def check_web_url(field: str, url: str) -> None:
    """Refuse a configured address that a browser would not open as a web page."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise errors.ValidationFailed(
            "bad configuration",
            fields={field: [errors.Problem("web_address", {}, "must be an https:// address")]},
            reason="config_invalid",
        )


# --- a pack channel as data ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Limits:
    """The text and number limits of a pack channel's product form.

    The defaults are ``# unconfirmed:`` every one of them: neither Postmart nor Voso
    publishes its limits, so they are chosen at or under what the big Vietnamese
    marketplaces allow, and a pack that passes here is not refused for length there.
    """

    title_min: int = 10
    title_max: int = 100
    description_min: int = 20
    description_max: int = 3000
    sku_code_max: int = 50
    variant_name_max: int = 30
    brand_max: int = 50
    category_max: int = 100
    attributes_max: int = 1000
    price_min: int = 1_000
    price_max: int = 200_000_000
    stock_max: int = 999_999
    weight_min_g: int = 1
    weight_max_g: int = 30_000  # unconfirmed: a parcel limit; these channels ship by post
    sku_max: int = 50

    def field(self, source: Source, label: str, hint: str = "") -> FieldSpec:
        """The form field ``source`` under these limits (whether it is required, its bounds)."""
        bounds: dict[Source, dict[str, Any]] = {
            Source.TITLE: {"min_len": self.title_min, "max_len": self.title_max},
            Source.CATEGORY: {"required": False, "max_len": self.category_max},
            Source.BRAND: {"required": False, "max_len": self.brand_max},
            Source.PRODUCT_CODE: {"max_len": self.sku_code_max},
            Source.DESCRIPTION: {"min_len": self.description_min, "max_len": self.description_max},
            Source.ATTRIBUTES: {"required": False, "max_len": self.attributes_max},
            Source.WEIGHT_GRAMS: {"min_value": self.weight_min_g, "max_value": self.weight_max_g},
            Source.IMAGES: {},
            Source.VARIANT_NAME: {"required": False, "max_len": self.variant_name_max},
            Source.SELLER_SKU: {"max_len": self.sku_code_max},
            Source.PRICE: {"min_value": self.price_min, "max_value": self.price_max},
            Source.STOCK: {"min_value": 0, "max_value": self.stock_max},
        }
        return FieldSpec(source, label, hint=hint, **bounds[source])


CONSERVATIVE_LIMITS = Limits()
CONSERVATIVE_IMAGES = ImageSpec(
    min_count=1,
    max_count=8,  # unconfirmed: image count limit
    min_px=500,  # unconfirmed: smallest longer side accepted
    max_px=1200,  # unconfirmed: output side
    max_bytes=1_000_000,  # unconfirmed: per-image byte limit
)

# unconfirmed: the usual Vietnamese labels of a seller centre's product form, in the usual
# order; a channel names only the labels (and the order) where its form differs.
USUAL_ORDER: tuple[Source, ...] = (
    Source.TITLE,
    Source.CATEGORY,
    Source.BRAND,
    Source.PRODUCT_CODE,
    Source.DESCRIPTION,
    Source.ATTRIBUTES,
    Source.WEIGHT_GRAMS,
    Source.IMAGES,
    Source.VARIANT_NAME,
    Source.SELLER_SKU,
    Source.PRICE,
    Source.STOCK,
)


def moved(order: Sequence[Source], source: Source, *, before: Source) -> tuple[Source, ...]:
    """``order`` with ``source`` moved to just before ``before``."""
    rest = [s for s in order if s is not source]
    at = rest.index(before)
    return (*rest[:at], source, *rest[at:])


USUAL_LABELS: Mapping[Source, str] = {
    Source.TITLE: "Tên sản phẩm",
    Source.CATEGORY: "Danh mục",
    Source.BRAND: "Thương hiệu",
    Source.PRODUCT_CODE: "Mã sản phẩm",
    Source.DESCRIPTION: "Mô tả sản phẩm",
    Source.ATTRIBUTES: "Thông tin thêm",
    Source.WEIGHT_GRAMS: "Khối lượng (gram)",
    Source.IMAGES: "Hình ảnh sản phẩm",
    Source.VARIANT_NAME: "Tên phân loại",
    Source.SELLER_SKU: "Mã SKU",
    Source.PRICE: "Giá bán (đồng)",
    Source.STOCK: "Số lượng tồn kho",
}
USUAL_HINTS: Mapping[Source, str] = {
    Source.ATTRIBUTES: "xuất xứ, hạn sử dụng, chứng nhận OCOP… nếu biểu mẫu có ô tương ứng",
}
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # the words of a product page's address
NUMERIC_ID = re.compile(r"[0-9]{1,12}")


@dataclasses.dataclass(frozen=True)
class PackChannel:
    """Everything one pack channel is: a new one is this data and a one-line adapter class.

    ``labels``, ``hints`` and ``order`` say where its product form differs from the usual
    one; ``hosts`` and ``product_paths`` (full-match on the URL path, group ``id``) say what
    a live product link looks like.
    """

    name: str  # the registry key
    title: str
    seller_centre_url: str  # default of the ``seller_centre_url`` setting
    url_example: str  # a live product URL, for the checklist
    hosts: frozenset[str]
    product_paths: tuple[re.Pattern[str], ...]
    shop_name_help: str = ""  # empty: "As shown on the shop's <title> page"
    seller_centre_help: str = (
        "Where the seller signs in to add products; shown in the pack's checklist"
    )
    other_pages: tuple[tuple[re.Pattern[str], str], ...] = ()
    bare_id: re.Pattern[str] = NUMERIC_ID
    labels: Mapping[Source, str] = dataclasses.field(default_factory=dict)
    hints: Mapping[Source, str] = dataclasses.field(default_factory=dict)
    order: tuple[Source, ...] = USUAL_ORDER
    limits: Limits = CONSERVATIVE_LIMITS
    images: ImageSpec = CONSERVATIVE_IMAGES
    seller_centre_name: str = "Kênh Người Bán"  # what the channel calls its seller side

    def fields(self) -> tuple[FieldSpec, ...]:
        labels = {**USUAL_LABELS, **self.labels}
        hints = {**USUAL_HINTS, **self.hints}
        return tuple(self.limits.field(s, labels[s], hints.get(s, "")) for s in self.order)

    def spec(self) -> PackSpec:
        return PackSpec(
            channel_title=self.title,
            fields=self.fields(),
            images=self.images,
            url_example=self.url_example,
            sku_max=self.limits.sku_max,
            seller_centre_name=self.seller_centre_name,
        )

    def ref_rules(self) -> RefRules:
        return RefRules(
            channel_title=self.title,
            hosts=self.hosts,
            product_paths=self.product_paths,
            bare_id=self.bare_id,
            other_pages=self.other_pages,
        )

    def rules(self) -> base.Rules:
        """The same limits as ``base.Rules``, which the app shows and checks drafts against."""
        limits, images = self.limits, self.images
        return base.Rules(
            title_min=limits.title_min,
            title_max=limits.title_max,
            description_min=limits.description_min,
            description_max=limits.description_max,
            images_min=images.min_count,
            images_max=images.max_count,
            image_min_px=images.min_px,
            image_max_bytes=images.max_bytes,
            price_min=limits.price_min,
            price_max=limits.price_max,
            sku_max=limits.sku_max,
        )

    def config_schema(self) -> tuple[base.ConfigField, ...]:
        return (
            base.ConfigField(
                "shop_name",
                f"Shop name on {self.title}",
                help=self.shop_name_help or f"As shown on the shop's {self.title} page",
            ),
            base.ConfigField(
                "seller_centre_url",
                "Seller centre address",
                required=False,
                default=self.seller_centre_url,
                help=self.seller_centre_help,
            ),
        )


class PackAdapter(base.ChannelAdapter):
    """A channel without a seller API: it builds listing packs and reads back live URLs.

    A subclass sets only ``channel`` (a ``PackChannel``); its name, title, config schema,
    rules, ``SPEC`` and ``REF_RULES`` follow from it. Nothing here opens a connection.
    """

    kind = base.Kind.PACK
    capabilities = frozenset({base.Capability.LISTING_PACK})
    channel: ClassVar[PackChannel]
    SPEC: ClassVar[PackSpec]
    REF_RULES: ClassVar[RefRules]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        channel = cls.__dict__.get("channel")
        if isinstance(channel, PackChannel):
            cls.name = channel.name
            cls.title = channel.title
            cls.config_schema = channel.config_schema()
            cls.rules = channel.rules()
            cls.SPEC = channel.spec()
            cls.REF_RULES = channel.ref_rules()

    def __init__(self, config: Mapping[str, str]) -> None:
        super().__init__(config)
        check_web_url("seller_centre_url", self.config["seller_centre_url"])

    def validate(self, draft: base.ListingDraft) -> Problems:
        """Every problem the pack would refuse, images opened but not re-encoded."""
        problems = check_fields(draft, self.SPEC)
        for key, messages in check_images(draft, self.SPEC).items():
            problems.setdefault(key, []).extend(messages)
        return problems

    def build_pack(self, draft: base.ListingDraft, out_path: str) -> None:
        build(
            draft,
            self.SPEC,
            out_path,
            seller_centre_url=self.config["seller_centre_url"],
            shop_name=self.config["shop_name"],
        )

    def parse_listing_ref(self, text: str) -> base.RemoteListing:
        return parse_listing_ref(text, self.REF_RULES)
