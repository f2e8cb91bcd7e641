"""The public product page (no sign-in) and its QR codes, decoded back to the page URL."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest
import segno
import werkzeug.datastructures
import werkzeug.test
from PIL import Image

from app import config, extensions
from app.catalog import service as catalog_service
from app.models import accounts, catalog
from tests import conftest
from tests.support import catalog as builders

Role = accounts.Role
SVG = "{http://www.w3.org/2000/svg}"


def _seller(people) -> str:
    return people.username(Role.SELLER)


def _recent_certificate() -> dict:
    """A 4★ province certificate decided 400 days ago: valid for about two more years."""
    return builders.certificate_data(
        decision_date=catalog_service.today_local() - dt.timedelta(days=400)
    )


def _product(app, people, *, certificate: dict | None = None, links: bool = True) -> int:
    data = builders.product_data(
        people.producer_id,
        skus=("NM-500", "NM-250"),
        description="Nước mắm nhĩ ủ chượp 12 tháng trong thùng gỗ ở Trà Cổ.",
    )
    product_id = builders.make_product(app, _seller(people), data, certificate)
    if links:
        with app.app_context():
            catalog_service.save_links(
                extensions.db.session,
                conftest.user_named(_seller(people)),
                product_id,
                [
                    {"channel": "shopee", "url": "https://shopee.vn/nuoc-mam-tra-co-i.1.2"},
                    {"channel": "tiktok", "url": "https://www.tiktok.com/view/product/17"},
                ],
            )
    return product_id


def _add_photo(app, people, product_id: int) -> None:
    image = Image.new("RGB", (1200, 900), (200, 60, 40))
    out = io.BytesIO()
    image.save(out, "JPEG")
    client = app.test_client()
    token = conftest.issue_token(app, _seller(people))
    values = werkzeug.datastructures.MultiDict(
        [("image", werkzeug.datastructures.FileStorage(io.BytesIO(out.getvalue()), "a.jpg"))]
    )
    boundary, body = werkzeug.test.encode_multipart(values)
    response = client.post(
        f"/api/v1/products/{product_id}/images",
        headers={"Authorization": f"Bearer {token}"},
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def _meta(page: str, prop: str) -> str | None:
    match = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)"', page)
    return html.unescape(match.group(1)) if match else None


def _decode_png(body: bytes) -> str:
    pixels = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert pixels is not None
    data, _points, _straight = cv2.QRCodeDetector().detectAndDecode(pixels)
    return data


# --- the page ----------------------------------------------------------------------------


def test_public_page_without_sign_in_shows_the_product(app, client, people) -> None:
    product_id = _product(app, people, certificate=_recent_certificate())
    _add_photo(app, people, product_id)
    response = client.get(f"/p/{product_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<h1 data-testid="public-product-name">Nước mắm cá cơm Trà Cổ</h1>' in page
    assert 'data-testid="ocop-stars" data-stars="4"' in page and "★★★★" in page
    assert "Sản phẩm OCOP 4 sao" in page
    # the certificate
    assert 'data-testid="public-certificate" data-status="active"' in page
    assert "2345/QĐ-UBND" in page and "UBND tỉnh Quảng Ninh" in page and "Cấp tỉnh" in page
    decided = catalog_service.today_local() - dt.timedelta(days=400)
    assert decided.strftime("%d/%m/%Y") in page
    with app.app_context():
        expiry = extensions.db.session.get(catalog.Product, product_id).ocop_expires_on
    assert expiry.strftime("%d/%m/%Y") in page and "Còn hiệu lực" in page
    # producer and place, price range, variants, story
    assert "HTX Nước mắm Trà Cổ" in page
    assert "Phường Móng Cái 3, Quảng Ninh" in page
    assert "55.000 ₫ – 95.000 ₫" in page
    assert "Loại 1" in page and "Loại 2" in page
    assert "ủ chượp 12 tháng" in page
    # where to buy, labelled by channel
    assert 'href="https://shopee.vn/nuoc-mam-tra-co-i.1.2"' in page and ">Shopee<" in page
    assert ">TikTok Shop<" in page and 'rel="noopener nofollow"' in page
    # photos, the QR, and nothing of the signed-in shell
    assert f"/media/products/{product_id}/" in page
    assert f'src="/p/{product_id}/qr.svg"' in page
    assert 'data-testid="logout"' not in page and "/auth/logout" not in page
    assert "/static/css/public.css" in page
    # link previews (Zalo, Facebook): absolute URLs
    assert _meta(page, "og:title") == "Nước mắm cá cơm Trà Cổ"
    assert _meta(page, "og:description").startswith("Nước mắm nhĩ ủ chượp")
    assert _meta(page, "og:url") == f"http://localhost/p/{product_id}"
    image_url = _meta(page, "og:image")
    assert image_url.startswith(f"http://localhost/media/products/{product_id}/")
    photo = client.get(image_url.removeprefix("http://localhost"))
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    photo.close()


def test_expired_certificate_is_shown_as_expired_not_as_a_rating(app, client, people) -> None:
    expired = builders.certificate_data(
        score=60, decision_date=dt.date(2021, 3, 10), decision_number="88/QĐ-UBND"
    )
    product_id = _product(app, people, certificate=expired, links=False)
    page = client.get(f"/p/{product_id}").get_data(as_text=True)
    assert 'data-testid="ocop-stars"' not in page and "★★★" not in page
    assert "Chứng nhận OCOP 3 sao đã hết hạn ngày 10/03/2024." in page
    assert 'data-testid="public-certificate" data-status="expired"' in page
    assert "Đã hết hạn" in page and "88/QĐ-UBND" in page
    assert "Sản phẩm chưa có gian hàng trực tuyến" in page  # no links yet


def test_one_price_and_no_certificate(app, client, people) -> None:
    product_id = builders.make_product(
        app, _seller(people), builders.product_data(people.producer_id, "Chè Thái", ("CHE-1",))
    )
    page = client.get(f"/p/{product_id}").get_data(as_text=True)
    assert "95.000 ₫" in page and "–" not in page.split('data-testid="public-price"')[1][:200]
    assert 'data-testid="public-certificate"' not in page
    assert _meta(page, "og:image") is None  # no photo, no logo: no broken preview image
    assert _meta(page, "og:description") == "Chè Thái · HTX Nước mắm Trà Cổ · Quảng Ninh"


def test_unknown_or_inactive_product_is_404(app, client, people) -> None:
    assert client.get("/p/987654").status_code == 404
    product_id = _product(app, people, links=False)
    with app.app_context():
        extensions.db.session.get(catalog.Product, product_id).is_active = False
        extensions.db.session.commit()
    for url in (f"/p/{product_id}", f"/p/{product_id}/qr.png", f"/p/{product_id}/qr.svg"):
        response = client.get(url)
        assert response.status_code == 404, url
        response.close()
    assert "Không tìm thấy sản phẩm." in client.get(f"/p/{product_id}").get_data(as_text=True)


# --- QR codes ------------------------------------------------------------------------------


def test_qr_png_decodes_to_the_page_url(app, client, people) -> None:
    product_id = _product(app, people, links=False)
    response = client.get(f"/p/{product_id}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == f'inline; filename="ocop-{product_id}.png"'
    # no PUBLIC_BASE_URL here: the code follows the Host header, so no shared cache keeps it
    assert response.cache_control.private and not response.cache_control.public
    assert response.cache_control.max_age == 86400 and "Host" in response.vary
    body = response.get_data()
    assert _decode_png(body) == f"http://localhost/p/{product_id}"
    image = Image.open(io.BytesIO(body))
    assert image.width == image.height >= 300
    # quiet zone: the 4 outer modules are white all round
    scale = (
        image.width // segno.make(f"http://localhost/p/{product_id}", error="m").symbol_size()[0]
    )
    border = np.asarray(image.convert("L"))
    assert border[: 4 * scale].min() == 255 and border[:, : 4 * scale].min() == 255
    # conditional requests are answered from the ETag
    again = client.get(f"/p/{product_id}/qr.png", headers={"If-None-Match": response.get_etag()[0]})
    assert again.status_code == 304


def test_qr_png_scale_is_bounded(app, client, people) -> None:
    product_id = _product(app, people, links=False)
    modules = segno.make(f"http://localhost/p/{product_id}", error="m").symbol_size()[0]
    sizes = {}
    for scale in ("4", "20", "1", "1000", "abc"):
        body = client.get(f"/p/{product_id}/qr.png?scale={scale}").get_data()
        sizes[scale] = Image.open(io.BytesIO(body)).width
    assert sizes["4"] == 4 * modules and sizes["20"] == 20 * modules
    assert sizes["1"] == 4 * modules and sizes["1000"] == 40 * modules  # clamped to 4–40
    assert sizes["abc"] >= 300  # the default
    assert _decode_png(client.get(f"/p/{product_id}/qr.png?scale=4").get_data()) == (
        f"http://localhost/p/{product_id}"
    )


def _svg_matrix(svg: bytes) -> tuple[np.ndarray, int]:
    """The dark modules drawn by segno's SVG path (``M x y``, ``m dx dy``, ``h n``)."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert "width" not in root.attrib and "height" not in root.attrib  # scales freely
    minx, miny, width, height = (int(float(v)) for v in root.attrib["viewBox"].split())
    assert (minx, miny) == (0, 0) and width == height
    matrix = np.zeros((height, width), dtype=bool)
    x = y = 0.0
    for path in root.iter(f"{SVG}path"):
        for command, numbers in re.findall(r"([MmHhVv])([-\d. ]+)", path.attrib["d"]):
            values = [float(n) for n in numbers.split()]
            if command == "M":
                x, y = values
            elif command == "m":
                x, y = x + values[0], y + values[1]
            elif command == "h":
                matrix[int(y), int(x) : int(x + values[0])] = True
                x += values[0]
            else:
                raise AssertionError(f"unexpected path command {command}")
    return matrix, width


def test_qr_svg_is_a_vector_of_the_same_code(app, client, people) -> None:
    product_id = _product(app, people, links=False)
    url = f"http://localhost/p/{product_id}"
    response = client.get(f"/p/{product_id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == f'inline; filename="ocop-{product_id}.svg"'
    assert response.cache_control.max_age == 86400
    matrix, size = _svg_matrix(response.get_data())
    expected = segno.make(url, error="m", boost_error=True)
    assert size == expected.symbol_size(border=4)[0]
    assert expected.error in ("M", "Q", "H")
    # The SVG draws exactly the modules of the PNG the page serves …
    png = np.asarray(
        Image.open(io.BytesIO(client.get(f"/p/{product_id}/qr.png?scale=10").get_data())).convert(
            "L"
        )
    )
    png_matrix = png[5::10, 5::10] < 128
    assert png_matrix.shape == matrix.shape and (png_matrix == matrix).all()
    # … and rendered as pixels it decodes back to the page URL.
    pixels = np.where(np.kron(matrix, np.ones((10, 10))) > 0, 0, 255).astype(np.uint8)
    data, _points, _straight = cv2.QRCodeDetector().detectAndDecode(pixels)
    assert data == url


def test_public_base_url_is_what_the_codes_and_links_point_at(
    app, app_factory, db_url, people, tmp_path
) -> None:
    product_id = _product(app, people, links=False)
    _add_photo(app, people, product_id)
    for base, expected in (
        ("https://ocop.example.vn", f"https://ocop.example.vn/p/{product_id}"),
        ("https://example.vn/ocop/", f"https://example.vn/ocop/p/{product_id}"),
    ):
        env = {"APP_ENV": "testing", "PUBLIC_BASE_URL": base}
        public = app_factory(
            db_url, PUBLIC_BASE_URL=config.from_env(env, tmp_path)["PUBLIC_BASE_URL"]
        )
        client = public.test_client()
        assert _decode_png(client.get(f"/p/{product_id}/qr.png").get_data()) == expected
        svg_matrix, _size = _svg_matrix(client.get(f"/p/{product_id}/qr.svg").get_data())
        code = segno.make(expected, error="m", boost_error=True)
        assert (svg_matrix[4:-4, 4:-4] == np.array(code.matrix, dtype=bool)).all()
        for url in (f"/p/{product_id}/qr.png", f"/p/{product_id}/qr.svg"):
            response = client.get(url)
            assert response.cache_control.public and response.cache_control.max_age == 86400
            assert not response.cache_control.private and "Host" not in response.vary
        # a forged Host header changes nothing: the addresses come from PUBLIC_BASE_URL
        forged = client.get(f"/p/{product_id}", headers={"Host": "evil.example"})
        page = forged.get_data(as_text=True)
        assert "evil.example" not in page and not forged.cache_control.private
        assert (
            _decode_png(
                client.get(f"/p/{product_id}/qr.png", headers={"Host": "evil.example"}).get_data()
            )
            == expected
        )
        assert _meta(page, "og:url") == expected
        media = expected.rsplit("/p/", 1)[0] + f"/media/products/{product_id}/"
        assert _meta(page, "og:image").startswith(media)


@pytest.mark.parametrize("value", ["ftp://ocop.example.vn", "ocop.example.vn", "https://x.vn/?a=1"])
def test_public_base_url_must_be_an_http_address(tmp_path, value: str) -> None:
    with pytest.raises(config.ConfigError, match="PUBLIC_BASE_URL"):
        config.from_env({"APP_ENV": "testing", "PUBLIC_BASE_URL": value}, tmp_path)
    assert config.from_env({"APP_ENV": "testing"}, tmp_path)["PUBLIC_BASE_URL"] is None


# --- the Host header without PUBLIC_BASE_URL (development) ---------------------------------


@pytest.mark.parametrize("path", ["/p/{id}", "/p/{id}/qr.png", "/p/{id}/qr.svg"])
def test_host_header_addresses_are_never_publicly_cached(app, client, people, path) -> None:
    """Without PUBLIC_BASE_URL the absolute addresses follow the Host header, which anyone
    sets: the response says so (Vary: Host) and stays out of shared caches (private)."""
    product_id = _product(app, people, links=False)
    response = client.get(path.format(id=product_id), headers={"Host": "evil.example"})
    assert response.status_code == 200
    assert response.cache_control.private and not response.cache_control.public
    assert "Host" in response.vary
    if path.endswith(".png"):
        assert _decode_png(response.get_data()) == f"http://evil.example/p/{product_id}"
    elif path.endswith("}"):
        assert _meta(response.get_data(as_text=True), "og:url") == (
            f"http://evil.example/p/{product_id}"
        )
    response.close()


def test_media_files_stay_publicly_cached(app, client, people) -> None:
    """Photos embed no address: they keep their year-long public caching."""
    product_id = _product(app, people, links=False)
    _add_photo(app, people, product_id)
    page = client.get(f"/p/{product_id}").get_data(as_text=True)
    photo_url = _meta(page, "og:image").removeprefix("http://localhost")
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.cache_control.public
    assert "Host" not in photo.vary
    photo.close()
