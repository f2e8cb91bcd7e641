"""Catalog and producer pages through the test client: forms, errors shown next to fields,
search and filters, certificates, the expiring list, producer isolation, stale versions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa

from app import extensions
from app.catalog import service as catalog_service
from app.models import accounts, catalog, orgs
from tests.support import catalog as builders
from vietnam import ocop

Role = accounts.Role
QUANG_NINH, MONG_CAI_3 = 22, 6736
THAI_NGUYEN, TAN_CUONG = 19, 5503


def _producer_form(**fields: Any) -> dict[str, Any]:
    data = {
        "name": "Hợp tác xã Mắm ruốc Vân Đồn",
        "type": "hop_tac_xa",
        "tax_code": "5700101234",
        "contact_person": "Trần Thị Thu",
        "phone": "+84 912 345 678",
        "province_code": str(QUANG_NINH),
        "commune_code": str(MONG_CAI_3),
        "district": "Huyện Vân Đồn (cũ)",
        "address_line": "Thôn 2",
        "story": "Ruốc biển phơi nắng.",
    }
    data.update(fields)
    return data


def _variant(index: int, **values: Any) -> dict[str, Any]:
    return {f"variants-{index}-{name}": value for name, value in values.items()}


def _product_form(producer_id: int, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Nước mắm nhĩ Cái Rồng",
        "producer_id": str(producer_id),
        "category_id": "",
        "unit": "chai",
        "brand": "Cái Rồng",
        "description": "Cá cơm ủ chượp 18 tháng.",
        "ingredients": "Cá cơm, muối biển",
        "shelf_life": "36 tháng",
        **_variant(
            0,
            sku="cr-500",
            name="Chai 500ml",
            price="95.000",
            stock="12",
            weight_g="650",
            length_cm="7",
            width_cm="7",
            height_cm="25.5",
            barcode="8934563138165",
        ),
        **_variant(1, sku="CR-250", name="Chai 250ml", price="55000", stock="0"),
        **_variant(2, sku="", name="", price="", stock=""),  # a blank row is skipped
    }
    data.update(fields)
    return data


def _product(app, product_id: int) -> catalog.Product:
    product = extensions.db.session.get(catalog.Product, product_id)
    assert product is not None
    return product


def _created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/(\d+)$", response.location)
    assert match, response.location
    return int(match.group(1))


def _field_errors(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-field="([^"]+)">([^<]*)<', page))


# --- producers ------------------------------------------------------------------------


def test_seller_creates_a_producer_and_sees_the_commune_mismatch(app, client, auth, people):
    auth.login(people.username(Role.SELLER))
    form = client.get("/producers/new").get_data(as_text=True)
    assert 'name="province_code"' in form and "Quảng Ninh" in form
    assert "Huyện (cũ, không bắt buộc)" in form

    mismatch = client.post("/producers/new", data=_producer_form(commune_code=str(TAN_CUONG)))
    assert mismatch.status_code == 422
    errors = _field_errors(mismatch.get_data(as_text=True))
    assert errors == {"commune_code": "Xã/phường không thuộc tỉnh đã chọn."}
    # The re-rendered form offers the chosen province's communes.
    assert f'<option value="{MONG_CAI_3}">Phường Móng Cái 3</option>' in mismatch.get_data(
        as_text=True
    )

    created = client.post("/producers/new", data=_producer_form())
    producer_id = _created_id(created)
    page = client.get(f"/producers/{producer_id}").get_data(as_text=True)
    assert "Hợp tác xã Mắm ruốc Vân Đồn" in page
    assert "Thôn 2, Phường Móng Cái 3, Quảng Ninh" in page
    assert "0912345678" in page  # normalised by the service
    assert "Ruốc biển phơi nắng." in page
    with app.app_context():
        producer = extensions.db.session.get(orgs.Producer, producer_id)
        assert (producer.province_code, producer.commune_code) == (QUANG_NINH, MONG_CAI_3)
        assert producer.district == "Huyện Vân Đồn (cũ)"

    listing = client.get("/producers/?q=ruốc&province_code=22").get_data(as_text=True)
    assert "Hợp tác xã Mắm ruốc Vân Đồn" in listing and "HTX Chè Tân Cương" not in listing
    empty = client.get("/producers/?q=khong-co-ai").get_data(as_text=True)
    assert "Không tìm thấy chủ thể nào phù hợp." in empty


def test_producer_form_reports_every_bad_field(client, auth, people):
    auth.login(people.username(Role.COORDINATOR))
    response = client.post(
        "/producers/new",
        data=_producer_form(name="", type="", phone="12345", tax_code="12", province_code=""),
    )
    assert response.status_code == 422
    assert set(_field_errors(response.get_data(as_text=True))) == {
        "name",
        "type",
        "phone",
        "tax_code",
        "province_code",
    }
    too_long = client.post("/producers/new", data=_producer_form(contact_person="A" * 201))
    assert too_long.status_code == 422
    assert _field_errors(too_long.get_data(as_text=True)) == {"contact_person": "Tối đa 200 ký tự."}


def test_communes_of_a_province_for_the_form(client, auth, people):
    auth.login(people.username(Role.SELLER))
    answer = client.get("/producers/communes?province=22")
    assert answer.status_code == 200
    communes = {row["code"]: row["name"] for row in answer.get_json()["communes"]}
    assert communes[MONG_CAI_3] == "Phường Móng Cái 3" and TAN_CUONG not in communes
    assert client.get("/producers/communes?province=99").status_code == 404
    # Without JavaScript the form re-renders with the province's communes, saving nothing.
    refreshed = client.post(
        "/producers/new",
        data=_producer_form(province_code=str(THAI_NGUYEN), refresh_communes="1"),
    )
    assert refreshed.status_code == 200
    assert f'<option value="{TAN_CUONG}">Xã Tân Cương</option>' in refreshed.get_data(as_text=True)


def test_seller_edits_a_producer(app, client, auth, people):
    auth.login(people.username(Role.SELLER))
    form = client.get(f"/producers/{people.other_producer_id}/edit").get_data(as_text=True)
    assert 'value="HTX Chè Tân Cương"' in form
    assert f'<option selected value="{TAN_CUONG}">Xã Tân Cương</option>' in form
    response = client.post(
        f"/producers/{people.other_producer_id}/edit",
        data=_producer_form(
            name="HTX Chè Tân Cương", province_code="19", commune_code="5503", tax_code=""
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        producer = extensions.db.session.get(orgs.Producer, people.other_producer_id)
        assert producer.story == "Ruốc biển phơi nắng." and producer.commune == "Xã Tân Cương"


# --- products ---------------------------------------------------------------------------


def test_seller_creates_a_product_with_two_variants(app, client, auth, people, categories):
    auth.login(people.username(Role.SELLER))
    form = client.get(f"/catalog/products/new?producer_id={people.producer_id}")
    page = form.get_data(as_text=True)
    assert page.count('data-testid="variant-row"') == 3
    assert "variants-2-price" in page and "Thêm phân loại" in page
    # The OCOP tree is offered indented under its parents.
    assert "\u00a0" * 8 + "Tương, nước mắm, gia vị dạng lỏng khác" in page

    created = client.post(
        "/catalog/products/new",
        data=_product_form(people.producer_id, category_id=str(categories["1.4.a"])),
    )
    product_id = _created_id(created)
    with app.app_context():
        product = _product(app, product_id)
        assert [(v.sku, v.price, v.stock) for v in product.variants] == [
            ("CR-500", 95_000, 12),
            ("CR-250", 55_000, 0),
        ]
        assert str(product.variants[0].height_cm) == "25.5"
        assert product.variants[0].barcode == "8934563138165"
        assert product.category.code == "1.4.a"

    detail = client.get(f"/catalog/products/{product_id}").get_data(as_text=True)
    assert "55.000 ₫ – 95.000 ₫" in detail
    assert "Thực phẩm › Gia vị › Tương, nước mắm, gia vị dạng lỏng khác" in detail
    assert f'href="/p/{product_id}"' in detail and f"/p/{product_id}/qr.png" in detail
    assert 'data-testid="edit-product"' in detail
    assert 'data-testid="product-images"' in detail  # helper D's gallery is included


def test_variant_errors_are_shown_on_their_row(app, client, auth, people):
    auth.login(people.username(Role.SELLER))
    data = _product_form(
        people.producer_id,
        name="",
        **_variant(1, sku="CR-250", name="Chai 250ml", price="năm mươi", stock="-1"),
    )
    response = client.post("/catalog/products/new", data=data)
    assert response.status_code == 422
    errors = _field_errors(response.get_data(as_text=True))
    assert set(errors) == {"name", "variants-1-price", "variants-1-stock"}
    assert errors["variants-1-price"] == "Phải là số nguyên."
    assert 'value="năm mươi"' in response.get_data(as_text=True)  # what was typed stays
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(catalog.Product.id))) == 0

    no_rows = client.post(
        "/catalog/products/new",
        data={"name": "Không có SKU", "producer_id": str(people.producer_id)},
    )
    assert no_rows.status_code == 422
    assert "Cần ít nhất một phân loại (SKU)." in no_rows.get_data(as_text=True)


def test_editing_replaces_variants_and_a_stale_version_is_a_conflict(app, client, auth, people):
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(
        app, seller, builders.product_data(people.producer_id, skus=("NM-500", "NM-250"))
    )
    auth.login(seller)
    form = client.get(f"/catalog/products/{product_id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form
    assert form.count('data-testid="variant-row"') == 3  # two variants and a blank row

    edit = {
        "name": "Nước mắm cá cơm Trà Cổ (mới)",
        "producer_id": str(people.producer_id),
        "version": "1",
        **_variant(0, sku="NM-500", name="Chai 500ml", price="99000", stock="5"),
        **_variant(1, sku="NM-250", name="Chai 250ml", price="55000", stock="5", remove="y"),
    }
    assert client.post(f"/catalog/products/{product_id}/edit", data=edit).status_code == 302
    with app.app_context():
        product = _product(app, product_id)
        assert [v.sku for v in product.variants] == ["NM-500"]
        assert (product.version, product.min_price) == (2, 99_000)

    stale = client.post(
        f"/catalog/products/{product_id}/edit", data={**edit, "name": "Ghi đè", "version": "1"}
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Sản phẩm vừa được người khác sửa." in page
    assert 'data-testid="stale-version"' in page and 'value="Ghi đè"' in page
    with app.app_context():
        assert _product(app, product_id).name == "Nước mắm cá cơm Trà Cổ (mới)"


def test_search_without_accents_and_filters(app, client, auth, people, categories):
    seller = people.username(Role.SELLER)
    fish = builders.make_product(
        app,
        seller,
        builders.product_data(people.producer_id, category_id=categories["1.4.a"]),
        certificate=builders.certificate_data(),
    )
    builders.make_product(
        app,
        seller,
        builders.product_data(
            people.other_producer_id,
            name="Chè đinh Tân Cương",
            category_id=categories["1.5.a"],
            variants=[{"sku": "CHE-100", "price": 250_000, "stock": 0}],  # sold out
        ),
    )
    auth.login(seller)

    def names(query: str) -> set[str]:
        response = client.get(f"/catalog/products?{query}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        return set(re.findall(r'data-testid="product-link">([^<]+)<', page))

    fish_name, tea_name = "Nước mắm cá cơm Trà Cổ", "Chè đinh Tân Cương"
    assert names("q=nuoc mam") == {fish_name}
    assert names("q=NUOC+MAM+tra+co") == {fish_name}
    assert names("q=che dinh") == {tea_name}
    assert names("") == {fish_name, tea_name}
    assert names(f"category_id={categories['1']}") == {fish_name, tea_name}  # the ngành
    assert names(f"category_id={categories['1.4']}") == {fish_name}
    assert names("stars=4") == {fish_name}
    assert names("certificate_status=none") == {tea_name}
    assert names("in_stock=0") == {tea_name}
    assert names("in_stock=1") == {fish_name}
    assert names(f"producer_id={people.other_producer_id}") == {tea_name}
    assert names(f"province_code={QUANG_NINH}") == {fish_name}
    assert names("stars=abc&sort=bogus") == {fish_name, tea_name}  # bad values are ignored

    page = client.get("/catalog/products?sort=price_desc").get_data(as_text=True)
    assert page.index(tea_name) < page.index(fish_name)
    listing = client.get("/catalog/products?q=nuoc+mam").get_data(as_text=True)
    assert "★★★★" in listing and "95.000 ₫" in listing
    assert f'href="/catalog/products/{fish}"' in listing
    nothing = client.get("/catalog/products?q=khong+co+gi").get_data(as_text=True)
    assert "Không có sản phẩm nào phù hợp." in nothing


def test_list_is_paginated_and_keeps_the_filters(app, client, auth, people):
    seller = people.username(Role.SELLER)
    for number in range(21):
        builders.make_product(
            app,
            seller,
            builders.product_data(
                people.producer_id, name=f"Mắm số {number:02d}", skus=(f"M-{number}",)
            ),
        )
    auth.login(seller)
    first = client.get("/catalog/products?q=mam").get_data(as_text=True)
    assert first.count('data-testid="product-card"') == 20
    assert "Trang 1 / 2" in first and "page=2" in first and "q=mam" in first
    second = client.get("/catalog/products?q=mam&page=2").get_data(as_text=True)
    assert second.count('data-testid="product-card"') == 1 and "Mắm số 20" in second


def test_empty_catalog_says_so(client, auth, people):
    auth.login(people.username(Role.SELLER))
    page = client.get("/catalog/products").get_data(as_text=True)
    assert "Chưa có sản phẩm nào." in page


# --- certificates ------------------------------------------------------------------------


def test_certificate_form_checks_stars_against_the_score(app, client, auth, people):
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(app, seller, builders.product_data(people.producer_id))
    auth.login(seller)
    url = f"/catalog/products/{product_id}/certificates/new"
    data = {
        "score": "78",
        "stars": "5",
        "decision_number": "2345/QĐ-UBND",
        "decision_date": "2024-08-15",
        "level": "province",
        "authority": "UBND tỉnh Quảng Ninh",
    }
    mismatch = client.post(url, data=data)
    assert mismatch.status_code == 422
    errors = _field_errors(mismatch.get_data(as_text=True))
    assert list(errors) == ["stars"]
    assert re.fullmatch(r"Điểm 78(\.0+)? tương ứng 4 sao, không phải 5 sao\.", errors["stars"])

    assert client.post(url, data={**data, "stars": ""}).status_code == 302
    detail = client.get(f"/catalog/products/{product_id}").get_data(as_text=True)
    assert "15/08/2024" in detail and "15/08/2027" in detail and "Cấp tỉnh" in detail
    status = ocop.status(dt.date(2027, 8, 15), catalog_service.today_local())
    assert f'data-status="{status.value}"' in detail
    with app.app_context():
        certificate = _product(app, product_id).certificates[0]
        certificate_id = certificate.id
        assert (certificate.stars, _product(app, product_id).ocop_stars) == (4, 4)

    edit_url = f"/catalog/products/{product_id}/certificates/{certificate_id}/edit"
    form = client.get(edit_url).get_data(as_text=True)
    assert 'value="78"' in form and 'value="2024-08-15"' in form
    changed = client.post(
        edit_url,
        data={**data, "score": "92", "stars": "", "level": "central", "authority": "Bộ NN&PTNT"},
    )
    assert changed.status_code == 302
    with app.app_context():
        assert _product(app, product_id).ocop_stars == 5

    deleted = client.post(f"/catalog/products/{product_id}/certificates/{certificate_id}/delete")
    assert deleted.status_code == 302
    with app.app_context():
        product = _product(app, product_id)
        assert product.certificates == [] and product.ocop_stars is None


def test_expiring_page_lists_certificates_ending_within_90_days(app, client, auth, people):
    seller = people.username(Role.SELLER)
    today = catalog_service.today_local()
    soon_decision = ocop.add_months(today + dt.timedelta(days=30), -ocop.VALIDITY_MONTHS)
    soon = builders.make_product(
        app,
        seller,
        builders.product_data(people.producer_id, name="Mắm sắp hết hạn"),
        certificate=builders.certificate_data(decision_date=soon_decision),
    )
    builders.make_product(
        app,
        seller,
        builders.product_data(people.other_producer_id, name="Chè còn hạn", skus=("C-1",)),
        certificate=builders.certificate_data(decision_date=today - dt.timedelta(days=365)),
    )
    auth.login(seller)
    page = client.get("/catalog/certificates/expiring").get_data(as_text=True)
    assert page.count('data-testid="expiring-row"') == 1
    assert "Mắm sắp hết hạn" in page and "Chè còn hạn" not in page
    expires = ocop.expires_on(soon_decision)
    assert f"{(expires - today).days} ngày" in page
    assert expires.strftime("%d/%m/%Y") in page
    assert f"/catalog/products/{soon}" in page

    # The product list's "expiring" filter agrees.
    listing = client.get("/catalog/products?certificate_status=expiring").get_data(as_text=True)
    assert "Mắm sắp hết hạn" in listing and "Chè còn hạn" not in listing


def test_where_to_buy_links_editor(app, client, auth, people):
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(app, seller, builders.product_data(people.producer_id))
    auth.login(seller)
    url = f"/catalog/products/{product_id}/links"
    assert client.get(url).get_data(as_text=True).count('name="links-') == 4  # 2 blank rows
    bad = client.post(url, data={"links-0-channel": "shopee", "links-0-url": "shopee.vn/x"})
    assert bad.status_code == 422
    assert _field_errors(bad.get_data(as_text=True)) == {
        "links-0-url": "Địa chỉ phải bắt đầu bằng http:// hoặc https://."
    }
    good = client.post(
        url,
        data={
            "links-0-channel": "shopee",
            "links-0-url": "https://shopee.vn/nuoc-mam-tra-co",
            "links-1-channel": "tiktok",
            "links-1-url": "",
        },
    )
    assert good.status_code == 302
    detail = client.get(f"/catalog/products/{product_id}").get_data(as_text=True)
    assert "https://shopee.vn/nuoc-mam-tra-co" in detail and "Shopee" in detail


def test_delete_product(app, client, auth, people):
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(app, seller, builders.product_data(people.producer_id))
    auth.login(seller)
    assert client.post(f"/catalog/products/{product_id}/delete").status_code == 302
    assert client.get(f"/catalog/products/{product_id}").status_code == 404


# --- roles ---------------------------------------------------------------------------------


def test_producer_account_sees_and_edits_only_its_own(app, client, auth, people):
    seller = people.username(Role.SELLER)
    mine = builders.make_product(app, seller, builders.product_data(people.producer_id))
    theirs = builders.make_product(
        app,
        seller,
        builders.product_data(people.other_producer_id, name="Chè Tân Cương", skus=("C-1",)),
    )
    auth.login(people.username(Role.PRODUCER))

    listing = client.get("/catalog/products").get_data(as_text=True)
    assert "Nước mắm cá cơm Trà Cổ" in listing and "Chè Tân Cương" not in listing
    assert 'name="producer_id"' not in listing  # no producer filter for a producer account
    assert client.get(f"/catalog/products/{mine}").status_code == 200
    for url in (
        f"/catalog/products/{theirs}",
        f"/catalog/products/{theirs}/edit",
        f"/catalog/products/{theirs}/certificates/new",
        f"/catalog/products/{theirs}/links",
        f"/producers/{people.other_producer_id}",
        f"/producers/{people.other_producer_id}/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/catalog/products/{theirs}/delete").status_code == 404
    assert client.get("/producers/new").status_code == 403

    own = client.get("/producers/")
    assert own.status_code == 302 and own.location.endswith(f"/producers/{people.producer_id}")
    detail = client.get(f"/producers/{people.producer_id}").get_data(as_text=True)
    assert 'data-testid="edit-producer"' in detail and "Nước mắm cá cơm Trà Cổ" in detail

    form = client.get("/catalog/products/new").get_data(as_text=True)
    assert "HTX Nước mắm Trà Cổ" in form and "HTX Chè Tân Cương" not in form
    refused = client.post(
        "/catalog/products/new",
        data=_product_form(people.other_producer_id),
    )
    assert refused.status_code == 422
    assert _field_errors(refused.get_data(as_text=True)) == {
        "producer_id": "Bạn chỉ quản lý sản phẩm của cơ sở mình."
    }
    created = client.post("/catalog/products/new", data=_product_form(people.producer_id))
    with app.app_context():
        assert _product(app, _created_id(created)).producer_id == people.producer_id


def test_nav_and_dashboard_lead_to_the_catalog(client, auth, people):
    for role in Role:
        auth.login(people.username(role))
        page = client.get("/dashboard").get_data(as_text=True)
        assert 'data-testid="nav-products"' in page, role
        assert 'data-testid="catalog-card"' in page, role
        assert "/catalog/certificates/expiring" in page
        assert "/catalog/io/" in page
        auth.logout()
