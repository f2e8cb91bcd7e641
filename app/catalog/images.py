"""Product photos and producer logos: checked by content, normalised, stored under MEDIA_ROOT.

An upload is trusted only after Pillow has parsed it as JPEG, PNG or WebP,
verified it and decoded every pixel. What is stored is always re-encoded by
us (EXIF orientation applied, metadata stripped, sRGB, bounded size) under a
server-generated name, written atomically; the database row is committed only
after the files exist, and the files are removed again if the commit fails.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import tempfile
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from app.catalog import service as catalog_service
from app.core import errors, uow
from app.models import accounts, catalog, orgs
from app.producers import service as producers_service

MAX_BYTES = 15 * 1024 * 1024  # per image, below the request limit (MAX_CONTENT_LENGTH)
MAX_PIXELS = 50_000_000  # a 50 MP phone photo decodes to ~150 MB of RGB; more is refused
MAX_IMAGES_PER_PRODUCT = 20
IMAGE_SIZE = 1600  # long side of the stored photo
THUMB_SIZE = 400
LOGO_SIZE = 512
# The only Pillow decoders ever tried on an upload. The JPEG one also opens MPO, the
# multi-picture JPEG some phone cameras write (format "MPO"; its first picture is used).
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_OPTIONS: dict[str, Any] = {"quality": 85, "progressive": True, "optimize": True}
PRODUCTS_DIR = "products"
PRODUCERS_DIR = "producers"
FIELD = "image"

_srgb_profile: ImageCms.ImageCmsProfile | None = None


def media_root(config: Mapping[str, Any]) -> Path:
    """The absolute media folder (a relative MEDIA_ROOT is taken from the working directory)."""
    return Path(config["MEDIA_ROOT"]).resolve()


# --- reading and decoding -------------------------------------------------------


def _refuse(message: str) -> errors.ValidationError:
    return errors.ValidationError(message, fields={FIELD: [message]})


def _not_allowed() -> errors.ValidationError:
    return _refuse(
        _(
            "Chỉ nhận ảnh JPEG, PNG hoặc WebP; tệp này không phải ảnh ở các định dạng đó. "
            "Ảnh HEIC của iPhone hãy đổi sang JPEG trước khi tải lên."
        )
    )


def _too_many_pixels(size: tuple[int, int] | None = None) -> errors.ValidationError:
    limit = MAX_PIXELS // 1_000_000
    if size is None:
        return _refuse(_("Ảnh có quá nhiều điểm ảnh (tối đa %(n)d triệu).", n=limit))
    return _refuse(
        _(
            "Ảnh quá lớn: %(w)d × %(h)d điểm ảnh (tối đa %(n)d triệu điểm ảnh).",
            w=size[0],
            h=size[1],
            n=limit,
        )
    )


def read_upload(upload: IO[bytes] | Any) -> bytes:
    """The uploaded bytes (a werkzeug FileStorage or any binary stream), at most MAX_BYTES."""
    if upload is None:
        raise _refuse(_("Hãy chọn một tệp ảnh."))
    data = upload.read(MAX_BYTES + 1)
    if not data:
        raise _refuse(_("Hãy chọn một tệp ảnh (tệp đang trống)."))
    if len(data) > MAX_BYTES:
        raise _refuse(_("Ảnh quá nặng: tối đa %(n)d MB mỗi ảnh.", n=MAX_BYTES // (1024 * 1024)))
    return data


def decode(data: bytes, box: int = IMAGE_SIZE) -> Image.Image:
    """Parse, verify and fully decode an upload; raise ValidationError(fields={"image"}).

    The result fits in ``box`` × ``box``; a large JPEG is decoded at a reduced
    scale that still covers it (libjpeg's DCT scaling: faster, far less memory).
    """
    try:
        # Pillow warns above Image.MAX_IMAGE_PIXELS and raises above twice that, while
        # reading the header; both mean "too many pixels" here, so the warning is an error.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            if probe.width * probe.height > MAX_PIXELS:
                raise _too_many_pixels(probe.size)
            probe.verify()  # structure and checksums; leaves the object unusable
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            if image.format in ("JPEG", "MPO"):
                image.draft(None, (box, box))
            image.load()  # a truncated file fails here ("image file is truncated")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise _not_allowed() from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError):
        raise _refuse(
            _("Ảnh bị hỏng hoặc chưa tải lên hết. Hãy mở thử trên máy rồi chọn lại tệp.")
        ) from None
    return _normalise(image, box)


def _orient(image: Image.Image) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Corrupt EXIF data" and the like
            oriented = ImageOps.exif_transpose(image)
    except Exception:  # a damaged EXIF block must not refuse an otherwise good photo
        return image
    return oriented if oriented is not None else image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _srgb() -> ImageCms.ImageCmsProfile:
    global _srgb_profile
    if _srgb_profile is None:
        _srgb_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _srgb_profile


def _normalise(image: Image.Image, box: int) -> Image.Image:
    """Within ``box`` × ``box``, upright, in sRGB, mode RGB or RGBA, with no metadata left."""
    target = "RGBA" if _has_alpha(image) else "RGB"
    icc = image.info.get("icc_profile")
    if image.mode.startswith("I"):  # 16-bit greyscale PNG: scale to 8 bits, don't clip
        image = image.point(lambda value: value / 256).convert("L")
    if image.mode not in ("RGB", "RGBA", "CMYK", "L", "LA") or "transparency" in image.info:
        image = image.convert(target)  # palettes and colour keys don't resample well
    # Shrink first: everything after works on at most box × box pixels. A square box
    # fits the photo whichever way its EXIF orientation turns it afterwards.
    image.thumbnail((box, box), Image.Resampling.LANCZOS, reducing_gap=3.0)
    image = _orient(image)
    converted = None
    if icc:
        # Phone photos are often Display P3; stripping the profile without converting
        # would dull their colours, so convert to sRGB (the web's default) first.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError, TypeError):
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode=target)
    image = converted if converted is not None else image.convert(target)
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert("RGB")  # an alpha channel with nothing transparent in it
    image.info = {}
    return image


def _on_white(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A"))
    return flat


def _fit(image: Image.Image, box: int) -> Image.Image:
    fitted = image.copy()
    fitted.thumbnail((box, box), Image.Resampling.LANCZOS, reducing_gap=3.0)
    fitted.info = {}
    return fitted


# --- files ------------------------------------------------------------------------


def _save_atomic(image: Image.Image, target: Path, fmt: str, **options: Any) -> None:
    """Write next to the target, then rename: readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            image.save(out, format=fmt, **options)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp_name, 0o644)  # mkstemp makes 0600; a front web server may serve media
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def _remove(root: Path, *relative: str | None) -> None:
    for name in relative:
        if not name:
            continue
        path = (root / name).resolve()
        if path.is_relative_to(root):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def remove_files(media_root: str | Path, *relative: str | None) -> None:
    """Delete stored files (paths relative to MEDIA_ROOT; anything outside it is left)."""
    _remove(Path(media_root).resolve(), *relative)


def store_logo(upload: IO[bytes] | Any, media_root: str | Path, folder: str) -> str:
    """Check and re-encode an uploaded logo within 512 × 512 (PNG when it has transparency,
    else JPEG) under ``folder``; returns its path relative to MEDIA_ROOT. Producers' and
    clubs' logos are stored this one way."""
    logo = _fit(decode(read_upload(upload), LOGO_SIZE), LOGO_SIZE)
    stem = f"{folder}/logo-{uuid.uuid4().hex}"
    if logo.mode == "RGBA":
        path, fmt, options = f"{stem}.png", "PNG", {"optimize": True}
    else:
        path, fmt, options = f"{stem}.jpg", "JPEG", JPEG_OPTIONS
    _save_atomic(logo, Path(media_root).resolve() / path, fmt, **options)
    return path


# --- product images ---------------------------------------------------------------


def _editable_product(session: so.Session, user: accounts.User, product_id: int) -> catalog.Product:
    return catalog_service.editable_product(session, user, product_id)


def _image_of(product: catalog.Product, image_id: int) -> catalog.ProductImage:
    for image in product.images:
        if image.id == image_id:
            return image
    raise errors.NotFound(_("Không tìm thấy ảnh."))


def _too_many_images() -> errors.ValidationError:
    return _refuse(_("Mỗi sản phẩm có tối đa %(n)d ảnh.", n=MAX_IMAGES_PER_PRODUCT))


def add_product_image(
    session: so.Session,
    user: accounts.User,
    product_id: int,
    upload: IO[bytes] | Any,
    media_root: str | Path,
) -> catalog.ProductImage:
    """Check, resize and store one photo; it goes last (the first photo is the cover).

    A product holds at most ``MAX_IMAGES_PER_PRODUCT`` photos, counted again under a lock on
    the product's row, so parallel uploads cannot go past the cap either.
    """
    product = _editable_product(session, user, product_id)
    if len(product.images) >= MAX_IMAGES_PER_PRODUCT:
        raise _too_many_images()  # before any decoding
    photo = _fit(_on_white(decode(read_upload(upload), IMAGE_SIZE)), IMAGE_SIZE)
    thumb = _fit(photo, THUMB_SIZE)
    root = Path(media_root).resolve()
    name = uuid.uuid4().hex
    path = f"{PRODUCTS_DIR}/{product.id}/{name}.jpg"
    thumb_path = f"{PRODUCTS_DIR}/{product.id}/{name}_thumb.jpg"
    written: list[str] = []
    try:
        with uow.unit_of_work(session):
            for image, relative in ((photo, path), (thumb, thumb_path)):
                _save_atomic(image, root / relative, "JPEG", **JPEG_OPTIONS)
                written.append(relative)
            # Held until the commit (PostgreSQL; SQLite has one writer at a time anyway).
            session.execute(
                sa.select(catalog.Product.id)
                .where(catalog.Product.id == product.id)
                .with_for_update()
            )
            session.refresh(product, ["images"])
            if len(product.images) >= MAX_IMAGES_PER_PRODUCT:
                raise _too_many_images()
            record = catalog.ProductImage(
                position=max((i.position for i in product.images), default=-1) + 1,
                path=path,
                thumb_path=thumb_path,
                width=photo.width,
                height=photo.height,
            )
            product.images.append(record)
    except BaseException:
        _remove(root, *written)
        raise
    return record


def delete_product_image(
    session: so.Session,
    user: accounts.User,
    product_id: int,
    image_id: int,
    media_root: str | Path,
) -> None:
    """Remove a photo and its files; the next one becomes the cover."""
    product = _editable_product(session, user, product_id)
    image = _image_of(product, image_id)
    files = (image.path, image.thumb_path)
    remaining = [i for i in product.images if i is not image]
    with uow.unit_of_work(session):
        product.images.remove(image)
        for position, other in enumerate(remaining):
            other.position = position
    _remove(Path(media_root).resolve(), *files)  # only once the row is gone


@uow.transactional
def move_product_image(
    session: so.Session, user: accounts.User, product_id: int, image_id: int, position: int
) -> list[catalog.ProductImage]:
    """Move a photo to ``position`` (0 = cover; clamped), renumber the rest; the new order."""
    product = _editable_product(session, user, product_id)
    image = _image_of(product, image_id)
    others = sorted(product.images, key=lambda i: (i.position, i.id))
    ordered = [i for i in others if i is not image]
    ordered.insert(max(0, min(position, len(ordered))), image)
    for index, item in enumerate(ordered):
        item.position = index
    return ordered


def set_cover(
    session: so.Session, user: accounts.User, product_id: int, image_id: int
) -> list[catalog.ProductImage]:
    """Make a photo the cover (move it first)."""
    return move_product_image(session, user, product_id, image_id, 0)


# --- producer logos ----------------------------------------------------------------


def _editable_producer(session: so.Session, user: accounts.User, producer_id: int) -> orgs.Producer:
    return producers_service.editable(session, user, producer_id)


def set_producer_logo(
    session: so.Session,
    user: accounts.User,
    producer_id: int,
    upload: IO[bytes] | Any,
    media_root: str | Path,
) -> orgs.Producer:
    """Store a logo within 512 × 512 (PNG when it has transparency, else JPEG)."""
    producer = _editable_producer(session, user, producer_id)
    root = Path(media_root).resolve()
    path = store_logo(upload, root, f"{PRODUCERS_DIR}/{producer.id}")
    old = producer.logo_path
    try:
        producers_service.set_logo(session, producer, path)  # a unit of work of its own
    except BaseException:
        _remove(root, path)
        raise
    _remove(root, old)
    return producer


def delete_producer_logo(
    session: so.Session, user: accounts.User, producer_id: int, media_root: str | Path
) -> orgs.Producer:
    producer = _editable_producer(session, user, producer_id)
    old = producer.logo_path
    producers_service.set_logo(session, producer, None)  # a unit of work of its own
    _remove(Path(media_root).resolve(), old)
    return producer
