"""Hostile input to the catalog, on SQLite and PostgreSQL: every case answers 4xx with a
message (a field error on the API and the pages, ``row N:`` from an import) and writes
nothing. Variants and images per product are capped, numbers and dates bounded, names, SKUs
and links free of control characters, an update without its version refused, and the OCOP
stars come from the score exactly as entered."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from app import catalog_io, extensions
from app.catalog import images as images_service
from app.catalog import service as catalog_service
from app.core import errors
from app.models import accounts, catalog, orgs
from tests import conftest
from tests.support import catalog as builders

Role = accounts.Role
BIG = 2**63  # past a 64-bit integer: overflowed a driver or a column before
PAST_INT32 = 2**31


def _counts() -> tuple[int, int, int]:
    session = extensions.db.session
    return (
        session.scalar(sa.select(sa.func.count(catalog.Product.id))) or 0,
        session.scalar(sa.select(sa.func.count(catalog.Variant.id))) or 0,
        session.scalar(sa.select(sa.func.count(catalog.ProductLink.id))) or 0,
    )


def _error(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["message"]
    return error


def _variants(count: int, **values: Any) -> list[dict[str, Any]]:
    return [{"sku": f"V-{index}", "price": 10_000, "stock": 1, **values} for index in range(count)]


def _field_errors(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-field="([^"]+)">([^<]*)<', page))


# --- variants per product -----------------------------------------------------------------


def test_a_50000_variant_product_is_refused_and_nothing_is_written(app, client, people, bearer):
    body = builders.product_data(people.producer_id)
    body["variants"] = [{"sku": f"V{index}", "price": 1} for index in range(50_000)]
    # Through the service (pages, API and imports all save through it): one 422 field error,
    # decided before any of the 50,000 rows is checked.
    with app.app_context():
        user = conftest.user_named(people.username(Role.SELLER))
        with pytest.raises(errors.ValidationError) as raised:
            catalog_service.save_product(extensions.db.session, user, body)
        assert raised.value.status == 422
        assert list(raised.value.fields) == ["variants"]  # one message, not 50,000
        assert raised.value.fields["variants"] == [
            "Mỗi sản phẩm có tối đa 100 phân loại (SKU); ở đây có 50000."
        ]
        assert _counts() == (0, 0, 0)
    # Through the API it is refused too (the request guard may stop a body this size first).
    headers = bearer[Role.SELLER]
    response = client.post("/api/v1/products", headers=headers, json=body)
    assert 400 <= response.status_code < 500 and response.get_json()["error"]["message"]
    # A body the guard lets through reaches the cap: the same field error.
    body["variants"] = body["variants"][:5_000]
    error = _error(client.post("/api/v1/products", headers=headers, json=body))
    assert error["fields"] == {
        "variants": ["Mỗi sản phẩm có tối đa 100 phân loại (SKU); ở đây có 5000."]
    }
    with app.app_context():
        assert _counts() == (0, 0, 0)


def test_the_variant_cap_is_100_on_create_and_replace(app, client, people, bearer):
    headers = bearer[Role.SELLER]
    body = builders.product_data(people.producer_id)
    body["variants"] = _variants(catalog_service.MAX_VARIANTS + 1)
    error = _error(client.post("/api/v1/products", headers=headers, json=body))
    assert "101" in error["fields"]["variants"][0]
    body["variants"] = _variants(catalog_service.MAX_VARIANTS)
    created = client.post("/api/v1/products", headers=headers, json=body)
    assert created.status_code == 201
    product = created.get_json()
    assert len(product["variants"]) == 100
    grown = {**body, "version": product["version"], "variants": _variants(101)}
    error = _error(client.put(f"/api/v1/products/{product['id']}", headers=headers, json=grown))
    assert list(error["fields"]) == ["variants"]
    with app.app_context():
        assert _counts()[:2] == (1, 100)
        # The edit page of a product at the cap opens.
    auth = conftest.Auth(client)
    auth.login(people.username(Role.SELLER))
    page = client.get(f"/catalog/products/{product['id']}/edit")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('data-testid="variant-row"') == 101  # + a blank one


def test_the_product_form_refuses_too_many_variant_rows(app, client, auth, people):
    auth.login(people.username(Role.SELLER))
    form = {"name": "Mắm nhiều loại", "producer_id": str(people.producer_id)}
    for index in range(101):
        form[f"variants-{index}-sku"] = f"R-{index}"
        form[f"variants-{index}-price"] = "10000"
    page = client.post("/catalog/products/new", data=form)
    assert page.status_code == 422
    assert "tối đa 100 phân loại" in page.get_data(as_text=True)
    # 50,000 rows are refused before the form is built.
    for index in range(101, 50_000):
        form[f"variants-{index}-sku"] = f"R-{index}"
    page = client.post("/catalog/products/new", data=form)
    assert page.status_code == 422
    assert "tối đa 100 phân loại" in page.get_data(as_text=True)
    with app.app_context():
        assert _counts() == (0, 0, 0)


def test_a_product_stored_over_the_cap_does_not_open_its_edit_page(app, client, auth, people):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    with app.app_context():  # as data: stored before the cap existed
        extensions.db.session.execute(
            sa.insert(catalog.Variant),
            [
                {"product_id": product_id, "sku": f"OLD-{i}", "name": "x", "price": 1, "stock": 0}
                for i in range(150)
            ],
        )
        extensions.db.session.commit()
    auth.login(people.username(Role.SELLER))
    page = client.get(f"/catalog/products/{product_id}/edit")
    assert page.status_code == 409
    assert "151 phân loại" in page.get_data(as_text=True)


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    header = list(catalog_io.HEADERS)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(key, "") for key in header])
    return path


def _rows(count: int, start: int = 0, **values: str) -> list[dict[str, str]]:
    base = {"product_name": "Mắm nhập", "producer": "HTX Nước mắm Trà Cổ", "price": "10000"}
    return [{**base, "sku": f"IMP-{i}", **values} for i in range(start, start + count)]


def test_an_import_over_the_variant_cap_is_a_row_error_and_writes_nothing(app, people, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalog", "import", str(_csv(tmp_path / "many.csv", _rows(101)))])
    assert result.exit_code == 2
    assert "dòng 2: Mỗi sản phẩm có tối đa 100 phân loại (SKU); ở đây có 101." in result.output
    with app.app_context():
        assert _counts() == (0, 0, 0)
    # Adding to a stored product counts the variants it has: 99 + 2 new is over the cap.
    assert (
        runner.invoke(
            args=["catalog", "import", str(_csv(tmp_path / "99.csv", _rows(99)))]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        args=["catalog", "import", str(_csv(tmp_path / "more.csv", _rows(2, start=99)))]
    )
    assert result.exit_code == 2
    assert "dòng 2: Mỗi sản phẩm có tối đa 100 phân loại (SKU); ở đây có 101." in result.output
    with app.app_context():
        assert _counts()[:2] == (1, 99)
    assert (
        runner.invoke(
            args=["catalog", "import", str(_csv(tmp_path / "one.csv", _rows(1, start=99)))]
        ).exit_code
        == 0
    )


# --- images per product ---------------------------------------------------------------------


def _jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def test_the_21st_image_is_refused_and_no_file_is_left(app, client, people, bearer):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    with app.app_context():  # twenty photos, as data
        extensions.db.session.execute(
            sa.insert(catalog.ProductImage),
            [
                {
                    "product_id": product_id,
                    "position": i,
                    "path": f"products/{product_id}/p{i}.jpg",
                    "thumb_path": f"products/{product_id}/p{i}_thumb.jpg",
                    "width": 64,
                    "height": 48,
                }
                for i in range(images_service.MAX_IMAGES_PER_PRODUCT)
            ],
        )
        extensions.db.session.commit()
    response = client.post(
        f"/api/v1/products/{product_id}/images",
        headers=bearer[Role.SELLER],
        data={"image": (_jpeg(), "anh.jpg")},
        content_type="multipart/form-data",
    )
    error = _error(response)
    assert error["fields"]["image"] == ["Mỗi sản phẩm có tối đa 20 ảnh."]
    media = Path(app.config["MEDIA_ROOT"]) / "products" / str(product_id)
    assert not media.exists() or not any(media.iterdir())
    with app.app_context():
        count = sa.select(sa.func.count(catalog.ProductImage.id))
        assert extensions.db.session.scalar(count) == 20


def test_the_image_cap_is_checked_again_under_the_lock(app, people, monkeypatch):
    """Two uploads that both saw 19 photos: the second one counts again before it writes."""
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    with app.app_context():
        extensions.db.session.execute(
            sa.insert(catalog.ProductImage),
            [
                {"product_id": product_id, "position": i, "path": f"p{i}", "thumb_path": f"t{i}"}
                | {"width": 1, "height": 1}
                for i in range(19)
            ],
        )
        extensions.db.session.commit()
        user = conftest.user_named("seller1")
        session = extensions.db.session
        real_decode = images_service.decode

        def decode_while_another_lands(data: bytes, box: int) -> Any:
            # The other upload commits its photo while this one is decoding.
            with extensions.db.engine.begin() as other:
                other.execute(
                    sa.insert(catalog.ProductImage).values(
                        product_id=product_id,
                        position=19,
                        path="p19",
                        thumb_path="t19",
                        width=1,
                        height=1,
                    )
                )
            return real_decode(data, box)

        monkeypatch.setattr(images_service, "decode", decode_while_another_lands)
        root = Path(app.config["MEDIA_ROOT"])
        with pytest.raises(errors.ValidationError) as raised:
            images_service.add_product_image(session, user, product_id, _jpeg(), root)
        assert "tối đa 20 ảnh" in raised.value.fields["image"][0]
        assert session.scalar(sa.select(sa.func.count(catalog.ProductImage.id))) == 20
        assert not list((root / "products").rglob("*.jpg"))


# --- numbers and ids -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", catalog_service.MAX_PRICE + 1),
        ("price", BIG),
        ("price", -1),
        ("stock", catalog_service.MAX_STOCK + 1),
        ("stock", PAST_INT32),
        ("stock", BIG),
        ("weight_g", catalog_service.MAX_WEIGHT_G + 1),
        ("weight_g", BIG),
        ("length_cm", 1000.1),
        ("height_cm", 1e300),
        ("id", BIG),
    ],
)
def test_api_numbers_out_of_bounds_are_field_errors(app, client, people, bearer, field, value):
    body = builders.product_data(people.producer_id)
    body["variants"][0][field] = value
    error = _error(client.post("/api/v1/products", headers=bearer[Role.SELLER], json=body))
    assert f"variants.0.{field}" in error["fields"]
    with app.app_context():
        assert _counts() == (0, 0, 0)


def test_the_price_bound_is_inclusive(app, client, people, bearer):
    body = builders.product_data(people.producer_id)
    body["variants"][0].update(price=catalog_service.MAX_PRICE, stock=catalog_service.MAX_STOCK)
    created = client.post("/api/v1/products", headers=bearer[Role.SELLER], json=body)
    assert created.status_code == 201
    assert created.get_json()["variants"][0]["price"] == 1_000_000_000


@pytest.mark.parametrize(
    ("field", "value"),
    [("producer_id", BIG), ("producer_id", PAST_INT32), ("category_id", BIG), ("version", BIG)],
)
def test_api_ids_past_the_database_range_are_field_errors(
    app, client, people, bearer, field, value
):
    headers = bearer[Role.SELLER]
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    body = builders.product_data(people.producer_id, name="Đổi tên", version=1)
    body[field] = value
    error = _error(client.put(f"/api/v1/products/{product_id}", headers=headers, json=body))
    assert field in error["fields"]
    with app.app_context():
        assert extensions.db.session.get(catalog.Product, product_id).name != "Đổi tên"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "1.000.000.001", "Không được lớn hơn 1.000.000.000."),
        ("price", str(BIG), "Không được lớn hơn 1.000.000.000."),
        ("price", "9" * 5000, "Không được lớn hơn 1.000.000.000."),
        ("price", "1.5", "Phải là số nguyên."),
        ("stock", str(PAST_INT32), "Không được lớn hơn 1.000.000."),
        ("stock", "-3", "Không được nhỏ hơn 0."),
        ("length_cm", "NaN", "Phải là số từ 0 đến 1000."),
        ("width_cm", "1e999999", "Phải là số từ 0 đến 1000."),
    ],
)
def test_form_numbers_out_of_bounds_are_shown_on_their_field(
    app, client, auth, people, field, value, message
):
    auth.login(people.username(Role.SELLER))
    form = {
        "name": "Mắm",
        "producer_id": str(people.producer_id),
        "variants-0-sku": "F-1",
        "variants-0-price": "95.000",
        f"variants-0-{field}": value,
    }
    page = client.post("/catalog/products/new", data=form)
    assert page.status_code == 422
    assert _field_errors(page.get_data(as_text=True))[f"variants-0-{field}"] == message
    with app.app_context():
        assert _counts() == (0, 0, 0)


@pytest.mark.parametrize("value", [str(BIG), str(PAST_INT32), "-1", "1e3", "x"])
def test_form_ids_past_the_database_range_are_field_errors(app, client, auth, people, value):
    auth.login(people.username(Role.SELLER))
    form = {"name": "Mắm", "variants-0-sku": "F-1", "variants-0-price": "1000"}
    page = client.post("/catalog/products/new", data={**form, "producer_id": value})
    assert page.status_code == 422
    assert "producer_id" in _field_errors(page.get_data(as_text=True))
    page = client.post(
        "/catalog/products/new",
        data={**form, "producer_id": str(people.producer_id), "category_id": value},
    )
    assert page.status_code == 422
    assert "category_id" in _field_errors(page.get_data(as_text=True))
    with app.app_context():
        assert _counts() == (0, 0, 0)


def test_an_import_with_a_quantity_past_int32_is_a_row_error(app, people, tmp_path):
    rows = _rows(1, stock=str(PAST_INT32)) + _rows(1, start=1, price=str(BIG))
    result = app.test_cli_runner().invoke(
        args=["catalog", "import", str(_csv(tmp_path / "big.csv", rows))]
    )
    assert result.exit_code == 2
    assert "dòng 2, cột stock: Không được lớn hơn 1.000.000." in result.output
    assert "dòng 3, cột price: Không được lớn hơn 1.000.000.000." in result.output
    with app.app_context():
        assert _counts() == (0, 0, 0)


def test_cli_club_past_the_id_range_is_a_usage_error(app, people, tmp_path):
    path = str(_csv(tmp_path / "x.csv", _rows(1)))
    result = app.test_cli_runner().invoke(args=["catalog", "import", path, "--club", str(BIG)])
    assert result.exit_code == 2
    assert "--club" in result.output


@pytest.mark.parametrize(
    "query",
    [
        f"category_id={BIG}",
        f"producer_id={BIG}",
        f"province_code={BIG}",
        f"stars={BIG}",
        "category_id=-5",
    ],
)
def test_filters_past_the_id_range_never_break_a_page(app, client, auth, people, bearer, query):
    builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    auth.login(people.username(Role.SELLER))
    assert client.get(f"/catalog/products?{query}").status_code == 200
    assert client.get(f"/catalog/io/export?{query}").status_code == 200
    headers = bearer[Role.SELLER]
    for url in ("/api/v1/products", "/api/v1/catalog/export"):
        response = client.get(f"{url}?{query}", headers=headers)
        assert response.status_code in (200, 422), url
        if response.status_code == 422:
            assert response.get_json()["error"]["fields"]


# --- text: lengths and control characters ------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("name", "Nước mắm\r\nSet-Cookie: x=1"),
        ("name", "Nước mắm\tcá cơm"),
        ("name", "Nước mắm\u2028cá cơm"),
        ("name", "x" * 201),
        ("unit", "chai\nhộp"),
        ("brand", "Trà\x85Cổ"),
        ("description", "Ủ chượp\x07 12 tháng"),
        ("description", "x" * 10_001),
        ("variants.0.sku", "NM\n500"),
        ("variants.0.name", "Chai\r\n500 ml"),
    ],
)
def test_api_text_with_control_characters_or_too_long_is_refused(
    app, client, people, bearer, where, value
):
    body = builders.product_data(people.producer_id)
    if where.startswith("variants.0."):
        body["variants"][0][where.rsplit(".", 1)[1]] = value
    else:
        body[where] = value
    error = _error(client.post("/api/v1/products", headers=bearer[Role.SELLER], json=body))
    assert where in error["fields"]
    with app.app_context():
        assert _counts() == (0, 0, 0)


def test_newlines_stay_allowed_in_the_story(app, client, people, bearer):
    body = builders.product_data(people.producer_id, description="Dòng một.\r\nDòng hai.\n")
    created = client.post("/api/v1/products", headers=bearer[Role.SELLER], json=body)
    assert created.status_code == 201
    assert created.get_json()["description"] == "Dòng một.\r\nDòng hai."


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "HTX\r\nMắm"), ("name", "x" * 201), ("address_line", "Thôn\t2"), ("club_id", BIG)],
)
def test_api_producer_text_and_ids_are_bounded(app, client, people, bearer, field, value):
    body = {
        "name": "HTX Mắm ruốc Vân Đồn",
        "type": "hop_tac_xa",
        "province_code": 22,
        "commune_code": 6736,
        field: value,
    }
    response = client.post("/api/v1/producers", headers=bearer[Role.ADMIN], json=body)
    assert field in _error(response)["fields"]
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(orgs.Producer.id))) == 2


# --- where-to-buy links ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://shopee.vn/x\r\nSet-Cookie: a=b",
        "https://shopee.vn/x\r\n",
        "https://shopee.vn/\nx",
        "https://shopee.vn/a b",
        "javascript:alert(1)",
        "https://user:pass@shopee.vn/x",
        "https://",
        "https://shopee.vn/" + "x" * 500,
    ],
)
def test_links_with_control_characters_or_bad_addresses_are_refused(
    app, client, auth, people, bearer, url
):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    response = client.put(
        f"/api/v1/products/{product_id}/links",
        headers=bearer[Role.SELLER],
        json={"links": [{"channel": "shopee", "url": url}]},
    )
    assert "links.0.url" in _error(response)["fields"]
    auth.login(people.username(Role.SELLER))
    page = client.post(
        f"/catalog/products/{product_id}/links",
        data={"links-0-channel": "shopee", "links-0-url": url},
    )
    assert page.status_code == 422
    assert "links-0-url" in _field_errors(page.get_data(as_text=True))
    with app.app_context():
        assert _counts()[2] == 0


def test_links_are_https_only_in_production_and_capped(app, client, people, bearer, monkeypatch):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    url = f"/api/v1/products/{product_id}/links"
    headers = bearer[Role.SELLER]
    plain = {"links": [{"channel": "website", "url": "http://htx-traco.vn/mam"}]}
    assert client.put(url, headers=headers, json=plain).status_code == 200
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    error = _error(client.put(url, headers=headers, json=plain))
    assert "https://" in error["fields"]["links.0.url"][0]
    secure = {"links": [{"channel": "website", "url": "https://htx-traco.vn/mam"}]}
    assert client.put(url, headers=headers, json=secure).status_code == 200
    monkeypatch.setitem(app.config, "APP_ENV", "testing")
    many = {"links": [{"channel": "shopee", "url": f"https://shopee.vn/{i}"} for i in range(21)]}
    assert "links" in _error(client.put(url, headers=headers, json=many))["fields"]
    with app.app_context():
        assert [
            link.url
            for link in catalog_service.get_product(
                extensions.db.session, conftest.user_named("seller1"), product_id
            ).links
        ] == ["https://htx-traco.vn/mam"]


# --- stale writes --------------------------------------------------------------------------------


def test_a_form_posted_without_its_version_never_overwrites(app, client, auth, people):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    with app.app_context():  # someone else saves a newer version meanwhile
        user = conftest.user_named("coordinator1")
        newer = builders.product_data(people.producer_id, name="Bản mới hơn", version=1)
        catalog_service.save_product(extensions.db.session, user, newer, product_id)
    auth.login(people.username(Role.SELLER))
    stale = {
        "name": "Ghi đè không phiên bản",
        "producer_id": str(people.producer_id),
        "variants-0-sku": "NM-500",
        "variants-0-price": "1000",
    }
    for version in (None, "", "abc"):
        data = stale if version is None else {**stale, "version": version}
        page = client.post(f"/catalog/products/{product_id}/edit", data=data)
        assert page.status_code in (409, 422)
        body = page.get_data(as_text=True)
        assert 'data-testid="stale-version"' in body and "tải lại" in body.lower()
        assert 'value="Ghi đè không phiên bản"' in body  # what was typed is kept
    with app.app_context():
        product = extensions.db.session.get(catalog.Product, product_id)
        assert (product.name, product.version) == ("Bản mới hơn", 2)
        with pytest.raises(errors.ValidationError) as raised:
            data = builders.product_data(people.producer_id, name="Không phiên bản")
            user = conftest.user_named("coordinator1")
            catalog_service.save_product(extensions.db.session, user, data, product_id)
        assert "version" in raised.value.fields


# --- certificates: the OCOP score exactly as entered, business dates -----------------------------


@pytest.mark.parametrize(
    ("score", "stars", "level"),
    [(69.99, 3, "province"), (89.99, 4, "province"), (90, 5, "central"), (50, 3, "province")],
)
def test_stars_come_from_the_score_as_entered(app, client, people, bearer, score, stars, level):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    body = {
        "score": score,
        "decision_number": "12/QĐ-UBND",
        "decision_date": "2025-08-01",
        "level": level,
        "authority": "UBND tỉnh Quảng Ninh",
    }
    url = f"/api/v1/products/{product_id}/certificates"
    created = client.post(url, headers=bearer[Role.SELLER], json=body)
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["stars"], created.get_json()["score"]) == (stars, score)


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (49.95, "Chỉ sản phẩm 3–5 sao (từ 50 điểm) được công nhận OCOP."),
        (69.999, "Điểm có tối đa 2 chữ số thập phân"),
        ("69.991", "Điểm có tối đa 2 chữ số thập phân"),
    ],
)
def test_below_the_band_or_more_than_two_decimals_is_refused(
    app, client, auth, people, bearer, score, message
):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    body = {
        "score": score,
        "decision_number": "12/QĐ-UBND",
        "decision_date": "2025-08-01",
        "level": "province",
        "authority": "UBND tỉnh Quảng Ninh",
    }
    if isinstance(score, float):
        url = f"/api/v1/products/{product_id}/certificates"
        error = _error(client.post(url, headers=bearer[Role.SELLER], json=body))
        assert error["fields"]["score"][0].startswith(message)
    auth.login(people.username(Role.SELLER))
    page = client.post(
        f"/catalog/products/{product_id}/certificates/new",
        data={**body, "score": str(score).replace(".", ","), "stars": ""},
    )
    assert page.status_code == 422
    assert _field_errors(page.get_data(as_text=True))["score"].startswith(message)
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(catalog.Certificate.id))) == 0


def test_a_69_99_score_entered_on_the_form_gives_3_stars(app, client, auth, people):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    auth.login(people.username(Role.SELLER))
    form = {
        "score": "69,99",
        "stars": "",
        "decision_number": "12/QĐ-UBND",
        "decision_date": "2025-08-01",
        "level": "province",
        "authority": "UBND tỉnh Quảng Ninh",
    }
    page = client.post(f"/catalog/products/{product_id}/certificates/new", data=form)
    assert page.status_code == 302
    with app.app_context():
        product = extensions.db.session.get(catalog.Product, product_id)
        assert product.ocop_stars == 3
        assert product.certificates[0].score == decimal.Decimal("69.99")


@pytest.mark.parametrize("day", ["1999-12-31", "0001-01-01", "9999-12-31", "2101-01-01"])
def test_decision_dates_outside_2000_to_today_are_refused(app, client, people, bearer, day):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    body = {
        "score": 78,
        "decision_number": "12/QĐ-UBND",
        "decision_date": day,
        "level": "province",
        "authority": "UBND tỉnh Quảng Ninh",
    }
    url = f"/api/v1/products/{product_id}/certificates"
    error = _error(client.post(url, headers=bearer[Role.SELLER], json=body))
    assert "decision_date" in error["fields"]
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(catalog.Certificate.id))) == 0


def test_the_first_business_day_is_accepted(app, people):
    product_id = builders.make_product(app, "seller1", builders.product_data(people.producer_id))
    with app.app_context():
        user = conftest.user_named("seller1")
        data = builders.certificate_data(decision_date=dt.date(2000, 1, 1), score=None, stars=3)
        data["level"] = "district"
        certificate = catalog_service.save_certificate(
            extensions.db.session, user, product_id, data
        )
        assert certificate.expires_on == dt.date(2003, 1, 1)
