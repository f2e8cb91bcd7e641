"""Product photos and producer logos: checked by content, normalised, stored, served."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
import werkzeug.datastructures
import werkzeug.test
from PIL import Image, ImageCms

from app import extensions
from app.catalog import images as images_service
from app.models import accounts, catalog, orgs
from tests.support import catalog as builders
from tests.support import detached

Role = accounts.Role
RED, BLUE = (220, 20, 20), (20, 20, 220)


# --- test images ------------------------------------------------------------------------


def _bytes(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def rotated_jpeg() -> bytes:
    """2400 × 1200 as stored (left half red, right half blue) with EXIF orientation 6
    (display rotated 90° clockwise: 1200 × 2400, red on top), a camera make and a comment."""
    image = Image.new("RGB", (2400, 1200), BLUE)
    image.paste(RED, (0, 0, 1200, 1200))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "SecretSoftware"  # Software
    return _bytes(image, "JPEG", exif=exif.tobytes(), comment=b"SecretComment", quality=90)


def large_png() -> bytes:
    image = Image.linear_gradient("L").resize((3000, 2000)).convert("RGB")
    return _bytes(image, "PNG")


def rgba_png() -> bytes:
    """500 × 500, transparent except an opaque red square in the middle."""
    image = Image.new("RGBA", (500, 500), (0, 0, 0, 0))
    image.paste((*RED, 255), (150, 150, 350, 350))
    return _bytes(image, "PNG")


def small_jpeg(color: tuple[int, int, int] = BLUE) -> bytes:
    return _bytes(Image.new("RGB", (320, 240), color), "JPEG")


def noisy_jpeg() -> bytes:
    return _bytes(Image.effect_noise((800, 600), 80).convert("RGB"), "JPEG", quality=95)


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


BAD_UPLOADS = {
    "renamed_text": (b"Day khong phai la anh, chi la van ban.\n" * 20, "anh.jpg"),
    "truncated_jpeg": (noisy_jpeg()[:6000], "hong.jpg"),
    "gif": (_bytes(Image.new("RGB", (60, 40), RED), "GIF"), "dong.gif"),
    "gif_renamed": (_bytes(Image.new("RGB", (60, 40), RED), "GIF"), "dong.jpg"),
    "bomb_over_our_limit": (png_header(9000, 9000), "lon.png"),
    "bomb_over_pillow_warning": (png_header(10_000, 10_000), "lon.png"),
    "bomb_over_pillow_error": (png_header(20_000, 20_000), "lon.png"),
    "too_heavy": (b"\xff\xd8\xff" + b"\x00" * images_service.MAX_BYTES, "nang.jpg"),
    "empty": (b"", "rong.jpg"),
}
BAD_MESSAGES = {
    "renamed_text": "Chỉ nhận ảnh JPEG, PNG hoặc WebP",
    "truncated_jpeg": "Ảnh bị hỏng",
    "gif": "Chỉ nhận ảnh JPEG, PNG hoặc WebP",
    "gif_renamed": "Chỉ nhận ảnh JPEG, PNG hoặc WebP",
    "bomb_over_our_limit": "Ảnh quá lớn: 9000 × 9000 điểm ảnh",
    "bomb_over_pillow_warning": "quá nhiều điểm ảnh",
    "bomb_over_pillow_error": "quá nhiều điểm ảnh",
    "too_heavy": "Ảnh quá nặng: tối đa 15 MB",
    "empty": "Hãy chọn một tệp ảnh",
}


# --- helpers ------------------------------------------------------------------------------


def _media(app) -> Path:
    return Path(app.config["MEDIA_ROOT"])


def _files(app) -> list[str]:
    """Every file under MEDIA_ROOT (temporary ones included), relative."""
    root = _media(app)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _product(app, people, owner: str = "mine", name: str = "Nước mắm cá cơm Trà Cổ") -> int:
    producer_id = people.producer_id if owner == "mine" else people.other_producer_id
    sku = "NM-500" if owner == "mine" else "CHE-100"
    return builders.make_product(
        app, people.username(Role.SELLER), builders.product_data(producer_id, name, (sku,))
    )


def _images(app, product_id: int) -> list[catalog.ProductImage]:
    return detached.rows(
        app,
        sa.select(catalog.ProductImage)
        .where(catalog.ProductImage.product_id == product_id)
        .order_by(catalog.ProductImage.position),
    )


def _image_count(app) -> int:
    with app.app_context():
        return extensions.db.session.scalar(sa.select(sa.func.count(catalog.ProductImage.id)))


def multipart(name: str, *files: tuple[bytes, str]) -> dict[str, object]:
    """A multipart body built in memory (the test client spools big bodies to an unclosed
    temporary file, which ``filterwarnings=error`` turns into a failure elsewhere)."""
    values = werkzeug.datastructures.MultiDict(
        (name, werkzeug.datastructures.FileStorage(io.BytesIO(data), filename))
        for data, filename in files
    )
    boundary, body = werkzeug.test.encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def _api_upload(client, headers, product_id: int, data: bytes, name: str = "anh.jpg"):
    return client.post(
        f"/api/v1/products/{product_id}/images", headers=headers, **multipart("image", (data, name))
    )


def _flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def _open_stored(app, relative: str) -> Image.Image:
    image = Image.open(_media(app) / relative)
    image.load()
    return image


# --- good uploads ---------------------------------------------------------------------


def _web_upload(client: Any, product_id: int, *files: tuple[bytes, str]) -> Any:
    """Photos sent through the product's image form."""
    return client.post(f"/catalog/products/{product_id}/images", **multipart("images", *files))


def test_web_upload_turns_upright_resizes_strips_metadata_and_makes_a_thumbnail(
    app, client, auth, people
) -> None:
    product_id = _product(app, people)
    auth.login(people.username(Role.SELLER))
    response = client.post(
        f"/catalog/products/{product_id}/images",
        **multipart(
            "images",
            (rotated_jpeg(), "dien-thoai.jpg"),
            (large_png(), "lon.png"),
            (rgba_png(), "trong-suot.png"),
        ),
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/catalog/products/{product_id}#images")
    assert ("success", "Đã thêm 3 ảnh.") in _flashes(client)

    rotated, large, transparent = _images(app, product_id)
    assert [i.position for i in (rotated, large, transparent)] == [0, 1, 2]  # first = cover
    # EXIF orientation 6 applied: the 2400 × 1200 source is shown portrait, long side 1600.
    assert (rotated.width, rotated.height) == (800, 1600)
    photo = _open_stored(app, rotated.path)
    assert photo.format == "JPEG" and photo.mode == "RGB" and photo.size == (800, 1600)
    assert photo.info.get("progressive") or photo.info.get("progression")
    top, bottom = photo.getpixel((400, 200)), photo.getpixel((400, 1400))
    assert top[0] > 180 and top[2] < 80  # red on top
    assert bottom[2] > 180 and bottom[0] < 80  # blue below
    # Metadata stripped: no EXIF, no comment, no camera make anywhere in the file.
    assert len(photo.getexif()) == 0
    assert "comment" not in photo.info and "exif" not in photo.info
    raw = (_media(app) / rotated.path).read_bytes()
    assert b"SecretCam" not in raw and b"SecretComment" not in raw
    thumb = _open_stored(app, rotated.thumb_path)
    assert thumb.size == (200, 400)

    assert (large.width, large.height) == (1600, 1067)
    assert max(_open_stored(app, large.thumb_path).size) == 400
    # Transparency becomes white (not black) in the JPEG; a small image is not enlarged.
    flat = _open_stored(app, transparent.path)
    assert flat.size == (500, 500) and flat.mode == "RGB"
    assert min(flat.getpixel((10, 10))) > 245
    assert flat.getpixel((250, 250))[0] > 180

    for image in (rotated, large, transparent):
        assert image.path.startswith(f"products/{product_id}/") and image.path.endswith(".jpg")
        assert image.thumb_path == image.path.removesuffix(".jpg") + "_thumb.jpg"
    assert len(_files(app)) == 6  # no temporary files left behind
    detail = client.get(f"/catalog/products/{product_id}").get_data(as_text=True)
    assert detail.count('data-testid="product-image"') == 3
    assert 'data-testid="cover-badge"' in detail and f'src="/media/{rotated.thumb_path}"' in detail


def test_api_upload_returns_the_image_and_serves_it_with_caching(
    app, client, people, bearer
) -> None:
    product_id = _product(app, people)
    webp = _bytes(Image.new("RGB", (2000, 500), RED), "WEBP")
    response = _api_upload(client, bearer[Role.SELLER], product_id, webp, "anh.webp")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"id", "url", "thumb_url", "width", "height", "position"}
    assert (body["width"], body["height"], body["position"]) == (1600, 400, 0)
    assert body["url"].startswith("http://localhost/media/products/")
    served = client.get(body["url"].removeprefix("http://localhost"))
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.cache_control.max_age == 365 * 24 * 3600
    assert served.cache_control.public and served.cache_control.immutable
    assert Image.open(io.BytesIO(served.get_data())).size == (1600, 400)
    served.close()
    thumb = client.get(body["thumb_url"].removeprefix("http://localhost"))
    assert Image.open(io.BytesIO(thumb.get_data())).size == (400, 100)
    thumb.close()


def test_make_cover_reorders_and_delete_removes_files(app, client, auth, people, bearer) -> None:
    product_id = _product(app, people)
    api = app.test_client()  # bearer token; ``client`` carries the signed-in session
    ids = []
    for color in (RED, BLUE, (20, 200, 20)):
        response = _api_upload(api, bearer[Role.SELLER], product_id, small_jpeg(color))
        assert response.status_code == 201
        ids.append(response.get_json()["id"])
    first, second, third = ids

    auth.login(people.username(Role.SELLER))
    response = client.post(f"/catalog/products/{product_id}/images/{third}/cover")
    assert response.status_code == 302
    assert ("success", "Đã đặt làm ảnh bìa.") in _flashes(client)
    assert [i.id for i in _images(app, product_id)] == [third, first, second]
    assert [i.position for i in _images(app, product_id)] == [0, 1, 2]

    response = api.post(
        f"/api/v1/products/{product_id}/images/{second}/cover", headers=bearer[Role.SELLER]
    )
    assert response.status_code == 200
    assert [(i["id"], i["position"]) for i in response.get_json()] == [
        (second, 0),
        (third, 1),
        (first, 2),
    ]
    with app.app_context():
        product = extensions.db.session.get(catalog.Product, product_id)
        assert product.cover.id == second

    doomed = next(i for i in _images(app, product_id) if i.id == second)
    assert (_media(app) / doomed.path).is_file() and (_media(app) / doomed.thumb_path).is_file()
    response = client.post(f"/catalog/products/{product_id}/images/{second}/delete")
    assert response.status_code == 302
    assert not (_media(app) / doomed.path).exists()
    assert not (_media(app) / doomed.thumb_path).exists()
    remaining = _images(app, product_id)
    assert [(i.id, i.position) for i in remaining] == [(third, 0), (first, 1)]  # next is cover

    response = api.delete(
        f"/api/v1/products/{product_id}/images/{third}", headers=bearer[Role.SELLER]
    )
    assert response.status_code == 204
    assert [i.id for i in _images(app, product_id)] == [first]
    assert len(_files(app)) == 2
    missing = api.delete(
        f"/api/v1/products/{product_id}/images/{third}", headers=bearer[Role.SELLER]
    )
    assert missing.status_code == 404


# --- refused uploads ------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(BAD_UPLOADS))
def test_bad_upload_is_refused_with_a_message_and_leaves_nothing(
    app, client, people, bearer, kind: str
) -> None:
    product_id = _product(app, people)
    data, name = BAD_UPLOADS[kind]
    response = _api_upload(client, bearer[Role.SELLER], product_id, data, name)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert BAD_MESSAGES[kind] in error["fields"]["image"][0]
    assert _files(app) == []
    assert _image_count(app) == 0


def test_web_upload_names_each_refused_file_and_keeps_the_good_ones(
    app, client, auth, people
) -> None:
    product_id = _product(app, people)
    auth.login(people.username(Role.SELLER))
    text, _name = BAD_UPLOADS["renamed_text"]
    response = _web_upload(client, product_id, (text, "gia-mao.jpg"), (small_jpeg(), "ok.jpg"))
    assert response.status_code == 302
    flashes = _flashes(client)
    assert ("success", "Đã thêm 1 ảnh.") in flashes
    assert any(c == "error" and m.startswith("gia-mao.jpg: Chỉ nhận ảnh") for c, m in flashes)
    assert _image_count(app) == 1
    assert len(_files(app)) == 2


def test_web_upload_refuses_a_gif_by_name_before_reading_it(app, client, auth, people) -> None:
    product_id = _product(app, people)
    auth.login(people.username(Role.SELLER))
    gif, name = BAD_UPLOADS["gif"]
    response = _web_upload(client, product_id, (gif, name))
    assert response.status_code == 302
    assert ("error", "Chỉ nhận ảnh JPEG, PNG hoặc WebP.") in _flashes(client)
    assert _image_count(app) == 0 and _files(app) == []


def test_web_upload_needs_the_csrf_token(app_factory, db_url, people, bearer) -> None:
    strict = app_factory(db_url, WTF_CSRF_ENABLED=True)
    product_id = _product(strict, people)
    response = strict.test_client().post(
        f"/catalog/products/{product_id}/images",
        headers=bearer[Role.SELLER],
        **multipart("images", (small_jpeg(), "ok.jpg")),
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert _image_count(strict) == 0 and _files(strict) == []


# --- who may upload ---------------------------------------------------------------------


def test_producer_account_adds_images_only_to_its_own_products(
    app, client, auth, people, bearer
) -> None:
    mine = _product(app, people, "mine")
    theirs = _product(app, people, "theirs", name="Chè Tân Cương")
    headers = bearer[Role.PRODUCER]
    assert _api_upload(client, headers, mine, small_jpeg()).status_code == 201
    refused = _api_upload(client, headers, theirs, small_jpeg())
    assert refused.status_code == 404  # another producer's product does not exist for them
    seller_image = _api_upload(client, bearer[Role.SELLER], theirs, small_jpeg()).get_json()
    auth.login(people.username(Role.PRODUCER))
    page = client.post(
        f"/catalog/products/{theirs}/images",
        **multipart("images", (small_jpeg(), "ok.jpg")),
    )
    assert page.status_code == 404
    assert [i.id for i in _images(app, theirs)] == [seller_image["id"]]
    assert len(_images(app, mine)) == 1 and len(_files(app)) == 4
    auth.logout()
    # Deleting or reordering another producer's photo is refused the same way.
    for response in (
        client.delete(f"/api/v1/products/{theirs}/images/{seller_image['id']}", headers=headers),
        client.post(
            f"/api/v1/products/{theirs}/images/{seller_image['id']}/cover", headers=headers
        ),
    ):
        assert response.status_code == 404
    assert len(_images(app, theirs)) == 1


# --- producer logos ---------------------------------------------------------------------


def _logo_path(app, producer_id: int) -> str | None:
    with app.app_context():
        return extensions.db.session.get(orgs.Producer, producer_id).logo_path


def test_logo_is_fitted_replaced_and_deleted(app, client, auth, people, bearer) -> None:
    producer_id = people.other_producer_id
    response = client.put(
        f"/api/v1/producers/{producer_id}/logo",
        headers=bearer[Role.SELLER],
        **multipart("logo", (rgba_png(), "logo.png")),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["logo_url"].startswith("http://localhost/media/producers/")
    first = _logo_path(app, producer_id)
    assert first.startswith(f"producers/{producer_id}/logo-") and first.endswith(".png")
    logo = _open_stored(app, first)
    assert logo.mode == "RGBA" and logo.size == (500, 500)  # transparency kept for logos

    auth.login(people.username(Role.SELLER))
    wide = _bytes(Image.new("RGB", (2048, 1024), BLUE), "JPEG")
    response = client.post(
        f"/producers/{producer_id}/logo",
        **multipart("logo", (wide, "logo.jpg")),
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/producers/{producer_id}#logo")
    second = _logo_path(app, producer_id)
    assert second.endswith(".jpg") and _open_stored(app, second).size == (512, 256)
    detail = client.get(f"/producers/{producer_id}").get_data(as_text=True)
    assert f'src="/media/{second}"' in detail and 'data-testid="logo-upload-form"' in detail
    assert not (_media(app) / first).exists()  # the replaced logo is removed

    refused = client.post(
        f"/producers/{producer_id}/logo",
        **multipart("logo", (b"not an image", "logo.png")),
    )
    assert refused.status_code == 302
    assert any(m.startswith("logo.png: Chỉ nhận ảnh") for _c, m in _flashes(client))
    assert _logo_path(app, producer_id) == second

    assert client.post(f"/producers/{producer_id}/logo/delete").status_code == 302
    assert _logo_path(app, producer_id) is None
    assert _files(app) == []


def test_producer_account_sets_only_its_own_logo(app, client, people, bearer) -> None:
    headers = bearer[Role.PRODUCER]

    def put(producer_id: int):
        return client.put(
            f"/api/v1/producers/{producer_id}/logo",
            headers=headers,
            **multipart("logo", (small_jpeg(), "logo.jpg")),
        )

    assert put(people.producer_id).status_code == 200
    assert put(people.other_producer_id).status_code == 404
    assert _logo_path(app, people.other_producer_id) is None
    delete = client.delete(f"/api/v1/producers/{people.other_producer_id}/logo", headers=headers)
    assert delete.status_code == 404
    assert (
        client.delete(f"/api/v1/producers/{people.producer_id}/logo", headers=headers).status_code
        == 204
    )
    assert _logo_path(app, people.producer_id) is None


# --- serving media ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/media/../secret",
        "/media/..%2fsecret",
        "/media/secret.jpg",
        "/media/app.db",
        "/media/instance/app.db",
        "/media/other/x.jpg",
        "/media/products/../../app.db",
        "/media/products/%2e%2e/%2e%2e/app.db",
        "/media/products/1/.upload-x.tmp",
        "/media/products/1/notes.txt",
        "/media/products/1/missing.jpg",
    ],
)
def test_media_outside_photos_and_logos_is_404(app, client, people, url: str) -> None:
    root = _media(app)
    (root / "secret.jpg").write_bytes(small_jpeg())
    (root / "other").mkdir()
    (root / "other" / "x.jpg").write_bytes(small_jpeg())
    (root / "products" / "1").mkdir(parents=True)
    (root / "products" / "1" / ".upload-x.tmp").write_bytes(b"partial")
    (root / "products" / "1" / "notes.txt").write_text("private")
    (root.parent / "secret").write_text("private")
    response = client.get(url)
    assert response.status_code == 404
    response.close()


def test_media_files_are_public(app, client, people, bearer) -> None:
    product_id = _product(app, people)
    body = _api_upload(client, bearer[Role.SELLER], product_id, small_jpeg()).get_json()
    anonymous = client.get(body["thumb_url"].removeprefix("http://localhost"))
    assert anonymous.status_code == 200 and anonymous.mimetype == "image/jpeg"
    anonymous.close()


# --- the partials the detail pages include ------------------------------------------------


def test_gallery_partial_shows_the_cover_and_edit_forms_only_when_allowed(
    app, people, bearer
) -> None:
    product_id = _product(app, people)
    client = app.test_client()
    ids = [
        _api_upload(client, bearer[Role.SELLER], product_id, small_jpeg(c)).get_json()["id"]
        for c in (RED, BLUE)
    ]
    with app.test_request_context():
        product = extensions.db.session.get(catalog.Product, product_id)
        editable = flask.render_template("catalog/_images.html", product=product, can_edit=True)
        read_only = flask.render_template("catalog/_images.html", product=product, can_edit=False)
    assert editable.count('data-testid="product-image"') == 2
    assert editable.count('data-testid="cover-badge"') == 1
    assert editable.index(f'data-image-id="{ids[0]}"') < editable.index('data-testid="cover-badge"')
    assert f"/catalog/products/{product_id}/images/{ids[1]}/cover" in editable
    assert f"/catalog/products/{product_id}/images/{ids[0]}/cover" not in editable  # already
    assert f"/catalog/products/{product_id}/images/{ids[0]}/delete" in editable
    assert 'enctype="multipart/form-data"' in editable and 'name="images" multiple' in editable
    assert "tối đa 15 MB" in editable
    assert "/media/products/" in read_only and "<form" not in read_only


def test_logo_partial(app, people, bearer) -> None:
    client = app.test_client()
    response = client.put(
        f"/api/v1/producers/{people.producer_id}/logo",
        headers=bearer[Role.SELLER],
        **multipart("logo", (small_jpeg(), "logo.jpg")),
    )
    assert response.status_code == 200
    with app.test_request_context():
        producer = extensions.db.session.get(orgs.Producer, people.producer_id)
        editable = flask.render_template("producers/_logo.html", producer=producer, can_edit=True)
        read_only = flask.render_template("producers/_logo.html", producer=producer, can_edit=False)
        other = extensions.db.session.get(orgs.Producer, people.other_producer_id)
        empty = flask.render_template("producers/_logo.html", producer=other, can_edit=True)
    assert f'src="/media/{producer.logo_path}"' in editable
    assert f"/producers/{people.producer_id}/logo/delete" in editable
    assert "<form" not in read_only and 'data-testid="logo-image"' in read_only
    assert "Chưa có logo." in empty and "/logo/delete" not in empty


def test_openapi_documents_the_uploads(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    upload = spec["paths"]["/api/v1/products/{product_id}/images"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "201" in upload["responses"] and "422" in upload["responses"]
    logo = spec["paths"]["/api/v1/producers/{producer_id}/logo"]
    assert "multipart/form-data" in logo["put"]["requestBody"]["content"] and "delete" in logo
    assert "delete" in spec["paths"]["/api/v1/products/{product_id}/images/{image_id}"]
    assert "post" in spec["paths"]["/api/v1/products/{product_id}/images/{image_id}/cover"]
    photo = spec["components"]["schemas"]["ProductPhoto"]["properties"]
    assert set(photo) == {"id", "url", "thumb_url", "width", "height", "position"}
    image_field = spec["components"]["schemas"]["PhotoUpload"]["properties"]["image"]
    assert image_field["format"] == "binary"


def _mode_samples() -> dict[str, tuple[bytes, str, tuple[int, int]]]:
    """Upload → (bytes, expected mode, expected size) for the colour modes phones and
    editors produce."""
    palette = Image.new("P", (300, 200), 0)
    palette.putpalette([255, 255, 255, *RED] + [0] * 762)
    palette.paste(1, (100, 50, 200, 150))
    grey16 = Image.new("I;16", (2000, 1000), 40_000)
    cmyk = Image.new("CMYK", (400, 300), (0, 255, 255, 0))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = Image.new("RGB", (1800, 1800), RED)
    return {
        "palette_with_transparency": (
            _bytes(palette, "PNG", transparency=0),
            "RGBA",
            (300, 200),
        ),
        "grey_16_bit": (_bytes(grey16, "PNG"), "RGB", (1600, 800)),
        "cmyk_jpeg": (_bytes(cmyk, "JPEG"), "RGB", (400, 300)),
        "icc_tagged": (_bytes(tagged, "JPEG", icc_profile=srgb), "RGB", (1600, 1600)),
        "opaque_rgba": (_bytes(Image.new("RGBA", (50, 50), (*BLUE, 255)), "PNG"), "RGB", (50, 50)),
    }


@pytest.mark.parametrize("kind", sorted(_mode_samples()))
def test_colour_modes_decode_to_plain_srgb(kind: str) -> None:
    data, mode, size = _mode_samples()[kind]
    image = images_service.decode(data, images_service.IMAGE_SIZE)
    assert (image.mode, image.size) == (mode, size)
    assert image.info == {}
    if kind == "grey_16_bit":  # scaled to 8 bits, not clipped to white
        assert 150 <= image.getpixel((0, 0))[0] <= 160
    if kind == "cmyk_jpeg":
        red, green, blue = image.getpixel((10, 10))
        assert red > 200 and green < 60 and blue < 60
    if kind == "palette_with_transparency":
        assert image.getpixel((0, 0))[3] == 0 and image.getpixel((150, 100)) == (*RED, 255)
