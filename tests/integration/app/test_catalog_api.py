"""The catalog through /api/v1 with bearer tokens: producers, products, certificates, links,
reference data — validation, filters, isolation, conflicts and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import extensions
from app.catalog import service as catalog_service
from app.models import accounts, catalog, orgs
from app.producers import service as producers_service
from tests.support import catalog as builders
from tests.support.api_replies import error as _error
from tests.support.api_replies import ok as _ok
from vietnam import ocop

Role = accounts.Role


def _json_product(
    producer_id: int,
    name: str = "Nước mắm cá cơm Trà Cổ",
    skus: tuple[str, ...] = ("nm-500",),
    **fields: Any,
) -> dict[str, Any]:
    return builders.product_data(producer_id, name=name, skus=skus, **fields)


def _certificate(decision_date: dt.date, **fields: Any) -> dict[str, Any]:
    return builders.certificate_data(decision_date=decision_date.isoformat(), **fields)


def _names(client: Any, headers: dict[str, str], query: str = "") -> list[str]:
    body = _ok(client.get(f"/api/v1/products?{query}", headers=headers))
    return [item["name"] for item in body["items"]]


# --- products -------------------------------------------------------------------------


def _posted_product(client: Any, headers: dict[str, str], producer_id: int) -> Any:
    """The body of a product the API created from ``_json_product``."""
    return _ok(
        client.post("/api/v1/products", headers=headers, json=_json_product(producer_id)), 201
    )


def test_create_product_with_two_variants(client, people, bearer, categories) -> None:
    data = _json_product(
        people.producer_id,
        skus=("nm-500", "NM-250"),
        category_id=categories["1"],
        description="Cá cơm ủ chượp 12 tháng",
    )
    data["variants"][0].update(length_cm=7.5, width_cm=7.5, height_cm=25, barcode="8934563138165")
    body = _ok(client.post("/api/v1/products", json=data, headers=bearer[Role.SELLER]), 201)
    assert body["name"] == "Nước mắm cá cơm Trà Cổ"
    assert body["producer"] == {
        "id": people.producer_id,
        "name": "HTX Nước mắm Trà Cổ",
        "province": "Quảng Ninh",
    }
    assert body["category"]["code"] == "1"
    assert [v["sku"] for v in body["variants"]] == ["NM-500", "NM-250"]
    first = body["variants"][0]
    assert (first["price"], first["stock"], first["weight_g"]) == (95_000, 10, 650)
    assert (first["length_cm"], first["height_cm"], first["barcode"]) == (
        7.5,
        25.0,
        "8934563138165",
    )
    assert (body["min_price"], body["max_price"], body["total_stock"]) == (55_000, 95_000, 20)
    assert (body["ocop_stars"], body["certificate_status"], body["version"]) == (None, "none", 1)
    assert body["images"] == [] and body["certificates"] == [] and body["links"] == []
    assert body["public_url"] == f"http://localhost/p/{body['id']}"
    fetched = _ok(client.get(f"/api/v1/products/{body['id']}", headers=bearer[Role.PRODUCER]))
    assert fetched["variants"] == body["variants"]
    assert fetched["description"] == "Cá cơm ủ chượp 12 tháng"


def test_validation_errors_name_the_variant_and_field(client, people, bearer, categories) -> None:
    seller = bearer[Role.SELLER]
    data = _json_product(people.producer_id, name="", skus=("OK-1", "ok-1", "x y"))
    data["variants"][1]["barcode"] = "8934563138166"  # wrong check digit
    error = _error(
        client.post("/api/v1/products", json=data, headers=seller), 422, "validation_error"
    )
    assert set(error["fields"]) == {
        "name",
        "variants.1.sku",
        "variants.1.barcode",
        "variants.2.sku",
    }
    # Type errors are caught by the schema and reported with the same names.
    data = _json_product(people.producer_id, skus=("A-1", "A-2"))
    data["variants"][1]["price"] = "abc"
    data["variants"][0]["stock"] = -1
    error = _error(
        client.post("/api/v1/products", json=data, headers=seller), 422, "validation_error"
    )
    assert set(error["fields"]) == {"variants.1.price", "variants.0.stock"}
    error = _error(
        client.post("/api/v1/products", json={"name": "x"}, headers=seller), 422, "validation_error"
    )
    assert {"producer_id", "variants"} <= set(error["fields"])
    assert _ok(client.get("/api/v1/products", headers=seller))["total"] == 0  # nothing saved


def test_search_without_diacritics_filters_and_sort(
    app, client, people, bearer, categories
) -> None:
    seller_name = people.username(Role.SELLER)
    today = catalog_service.today_local()
    expired_on = ocop.add_months(today, -36) - dt.timedelta(days=10)
    expiring_on = ocop.add_months(today, -36) + dt.timedelta(days=30)
    tea = _json_product(
        people.other_producer_id,
        name="Chè đinh Tân Cương",
        skus=("CHE-100",),
        category_id=categories["2"],
    )
    tea["variants"][0].update(price=250_000, stock=0)
    builders.make_product(app, seller_name, tea, _certificate(expired_on, score=None, stars=3))
    builders.make_product(
        app,
        seller_name,
        _json_product(people.producer_id),
        _certificate(today - dt.timedelta(days=100)),
    )
    builders.make_product(
        app,
        seller_name,
        _json_product(people.producer_id, name="Mắm tôm", skus=("MT-1",)),
        _certificate(expiring_on),
    )
    builders.make_product(
        app, seller_name, _json_product(people.producer_id, name="Ruốc", skus=("R-1",))
    )
    headers = bearer[Role.COORDINATOR]
    assert _names(client, headers, "q=nuoc mam ca com") == ["Nước mắm cá cơm Trà Cổ"]
    assert len(_names(client, headers, "q=nuoc mam")) == 3  # the producer is HTX Nước mắm
    assert _names(client, headers, "q=CHE%20DINH") == ["Chè đinh Tân Cương"]
    assert _names(client, headers, "q=tan cuong") == ["Chè đinh Tân Cương"]  # producer
    assert _names(client, headers, "q=mt-1") == ["Mắm tôm"]  # SKU
    assert _names(client, headers, "q=mam che") == []
    assert _names(client, headers, "certificate_status=expired") == ["Chè đinh Tân Cương"]
    assert _names(client, headers, "certificate_status=expiring") == ["Mắm tôm"]
    assert _names(client, headers, "certificate_status=active") == ["Nước mắm cá cơm Trà Cổ"]
    assert _names(client, headers, "certificate_status=none") == ["Ruốc"]
    assert _names(client, headers, "stars=4") == ["Mắm tôm", "Nước mắm cá cơm Trà Cổ"]
    assert _names(client, headers, "in_stock=false") == ["Chè đinh Tân Cương"]
    assert len(_names(client, headers, "in_stock=true")) == 3
    assert _names(client, headers, "province_code=19") == ["Chè đinh Tân Cương"]
    assert _names(client, headers, f"category_id={categories['2']}") == ["Chè đinh Tân Cương"]
    assert _names(client, headers, f"producer_id={people.producer_id}&sort=price_asc") == [
        "Nước mắm cá cơm Trà Cổ",
        "Mắm tôm",
        "Ruốc",
    ]  # equal prices: oldest first
    assert _names(client, headers, "sort=price_desc")[0] == "Chè đinh Tân Cương"
    assert _names(client, headers)[0] == "Chè đinh Tân Cương"  # name order ignores accents
    items = _ok(client.get("/api/v1/products?q=mam tom", headers=headers))["items"]
    assert items[0]["certificate_status"] == "expiring"
    assert items[0]["ocop_expires_on"] == ocop.expires_on(expiring_on).isoformat()
    for query, field in (
        ("stars=2", "stars"),
        ("certificate_status=old", "certificate_status"),
        ("sort=random", "sort"),
        ("in_stock=maybe", "in_stock"),
    ):
        error = _error(
            client.get(f"/api/v1/products?{query}", headers=headers), 422, "validation_error"
        )
        assert set(error["fields"]) == {field}


def test_pagination_metadata(app, client, people, bearer, categories) -> None:
    for index in range(5):
        builders.make_product(
            app,
            people.username(Role.SELLER),
            _json_product(people.producer_id, name=f"Sản phẩm {index}", skus=(f"SP-{index}",)),
        )
    headers = bearer[Role.SELLER]
    body = _ok(client.get("/api/v1/products?per_page=2&page=3", headers=headers))
    assert {k: body[k] for k in ("page", "per_page", "total", "pages")} == {
        "page": 3,
        "per_page": 2,
        "total": 5,
        "pages": 3,
    }
    assert [item["name"] for item in body["items"]] == ["Sản phẩm 4"]
    empty = _ok(client.get("/api/v1/products?per_page=2&page=9", headers=headers))
    assert empty["items"] == [] and empty["total"] == 5
    error = _error(
        client.get("/api/v1/products?per_page=101", headers=headers), 422, "validation_error"
    )
    assert "per_page" in error["fields"]


def test_put_replaces_variants_and_stale_version_is_409(client, people, bearer, categories) -> None:
    headers = bearer[Role.SELLER]
    created = _ok(
        client.post(
            "/api/v1/products",
            headers=headers,
            json=_json_product(people.producer_id, skus=("NM-500", "NM-250")),
        ),
        201,
    )
    url = f"/api/v1/products/{created['id']}"
    change = _json_product(
        people.producer_id, name="Nước mắm nhĩ", skus=("NM-250",), version=created["version"]
    )
    del change["producer_id"]  # keeps the current producer
    updated = _ok(client.put(url, json=change, headers=headers))
    assert (updated["name"], updated["version"]) == ("Nước mắm nhĩ", 2)
    assert [v["sku"] for v in updated["variants"]] == ["NM-250"]
    assert updated["brand"] == "Trà Cổ" and updated["producer_id"] == people.producer_id
    stale = dict(change, name="Ghi đè", version=1)
    error = _error(client.put(url, json=stale, headers=headers), 409, "conflict")
    assert error["message"]
    assert _ok(client.get(url, headers=headers))["name"] == "Nước mắm nhĩ"
    # Without its version a PUT could overwrite a newer save unknowingly: refused, and the
    # message asks to reload.
    without_version = dict(change, name="Không kiểm tra phiên bản")
    without_version.pop("version")
    for body in (without_version, dict(without_version, version=None)):
        error = _error(client.put(url, json=body, headers=headers), 422, "validation_error")
        assert "tải lại" in error["fields"]["version"][0]
    assert _ok(client.get(url, headers=headers))["version"] == 2


def test_delete_product(client, people, bearer, categories) -> None:
    headers = bearer[Role.SELLER]
    created = _posted_product(client, headers, people.producer_id)
    url = f"/api/v1/products/{created['id']}"
    response = client.delete(url, headers=headers)
    assert response.status_code == 204 and response.data == b""
    _error(client.get(url, headers=headers), 404, "not_found")
    _error(client.delete(url, headers=headers), 404, "not_found")


def test_links_are_replaced_and_validated(client, people, bearer, categories) -> None:
    headers = bearer[Role.PRODUCER]
    created = _posted_product(client, headers, people.producer_id)
    url = f"/api/v1/products/{created['id']}/links"
    links = [
        {"channel": "shopee", "url": "https://shopee.vn/nuoc-mam-tra-co-i.1.2"},
        {"channel": "tiktok", "url": "https://www.tiktok.com/view/product/1"},
    ]
    body = _ok(client.put(url, json={"links": links}, headers=headers))
    assert [(link["channel"], link["url"]) for link in body["links"]] == [
        (link["channel"], link["url"]) for link in links
    ]
    for bad, field in (
        ({"channel": "shopee", "url": "shopee.vn"}, "links.0.url"),
        ({"channel": "ebay", "url": "https://e.x"}, "links.0.channel"),
    ):
        reply = client.put(url, json={"links": [bad]}, headers=headers)
        assert set(_error(reply, 422, "validation_error")["fields"]) == {field}
    detail = _ok(client.get(f"/api/v1/products/{created['id']}", headers=headers))
    assert [link["channel"] for link in detail["links"]] == ["shopee", "tiktok"]


# --- isolation ----------------------------------------------------------------------------


def test_producer_token_sees_and_edits_only_its_own(
    app, client, people, bearer, categories
) -> None:
    mine = bearer[Role.PRODUCER]
    own = _posted_product(client, mine, people.producer_id)
    today = catalog_service.today_local()
    theirs = builders.make_product(
        app,
        people.username(Role.SELLER),
        _json_product(people.other_producer_id, name="Chè đinh", skus=("CHE-1",)),
        _certificate(ocop.add_months(today, -36) + dt.timedelta(days=20)),
    )
    assert _names(client, mine) == ["Nước mắm cá cơm Trà Cổ"]
    assert _names(client, mine, f"producer_id={people.other_producer_id}") == []
    assert len(_names(client, bearer[Role.SELLER])) == 2
    for method in ("get", "delete"):
        _error(
            getattr(client, method)(f"/api/v1/products/{theirs}", headers=mine), 404, "not_found"
        )
    _error(
        client.put(
            f"/api/v1/products/{theirs}",
            headers=mine,
            json=_json_product(people.producer_id, skus=("X-1",), version=1),
        ),
        404,
        "not_found",
    )
    _error(client.get(f"/api/v1/products/{theirs}/certificates", headers=mine), 404, "not_found")
    _error(
        client.post(
            f"/api/v1/products/{theirs}/certificates",
            headers=mine,
            json=_certificate(today - dt.timedelta(days=5)),
        ),
        404,
        "not_found",
    )
    _error(
        client.put(f"/api/v1/products/{theirs}/links", headers=mine, json={"links": []}),
        404,
        "not_found",
    )
    error = _error(
        client.post(
            "/api/v1/products",
            headers=mine,
            json=_json_product(people.other_producer_id, skus=("X-2",)),
        ),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"producer_id"}
    # Moving its own product to another organisation is refused the same way.
    moved = _json_product(people.other_producer_id, skus=("NM-500",), version=own["version"])
    error = _error(
        client.put(f"/api/v1/products/{own['id']}", headers=mine, json=moved),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"producer_id"}
    assert _ok(client.get("/api/v1/certificates/expiring", headers=mine))["total"] == 0
    assert (
        _ok(client.get("/api/v1/certificates/expiring", headers=bearer[Role.SELLER]))["total"] == 1
    )
    producers = _ok(client.get("/api/v1/producers", headers=mine))
    assert [p["id"] for p in producers["items"]] == [people.producer_id]
    _error(
        client.get(f"/api/v1/producers/{people.other_producer_id}", headers=mine), 404, "not_found"
    )
    _error(
        client.patch(
            f"/api/v1/producers/{people.other_producer_id}", headers=mine, json={"story": "x"}
        ),
        404,
        "not_found",
    )
    _error(
        client.post(
            "/api/v1/producers",
            headers=mine,
            json={
                "name": "HTX Khác",
                "type": "hop_tac_xa",
                "province_code": 22,
                "commune_code": 6736,
            },
        ),
        403,
        "forbidden",
    )
    patched = _ok(
        client.patch(
            f"/api/v1/producers/{people.producer_id}",
            headers=mine,
            json={"story": "Làng chài Trà Cổ", "phone": "+84 912 345 678"},
        )
    )
    assert (patched["story"], patched["phone"]) == ("Làng chài Trà Cổ", "0912345678")


# --- producers ----------------------------------------------------------------------------


def test_producer_create_list_and_patch(client, people, bearer) -> None:
    headers = bearer[Role.COORDINATOR]

    def post(body: dict[str, Any]) -> Any:
        return client.post("/api/v1/producers", headers=headers, json=body)

    created = _ok(
        post(
            {
                "name": "HTX Mật ong Mèo Vạc",
                "type": "hop_tac_xa",
                "tax_code": "5700100256",
                "phone": "0912.345.678",
                "province_code": 8,
                "commune_code": 769,
                "district": "Huyện Mèo Vạc (cũ)",
                "contact_person": "Sùng Mí Chá",
            }
        ),
        201,
    )
    assert (created["province"], created["commune"]) == ("Tuyên Quang", "Xã Mèo Vạc")
    assert created["phone"] == "0912345678" and created["logo_url"] is None
    assert set(created) >= {
        *producers_service.FIELDS,
        *("id", "province", "commune", "logo_url", "created_at", "updated_at"),
    }
    error = _error(
        post(
            {
                "name": "HTX Mật ong Mèo Vạc",
                "type": "hop_tac_xa",
                "phone": "0123",
                "province_code": 22,
                "commune_code": 5503,
            }
        ),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"name", "phone", "commune_code"}
    error = _error(
        post({"name": "X", "type": "cong_ty", "province_code": "hai"}), 422, "validation_error"
    )
    assert {"type", "province_code", "commune_code"} <= set(error["fields"])
    listed = _ok(client.get("/api/v1/producers?per_page=2", headers=headers))
    assert (listed["total"], listed["pages"], len(listed["items"])) == (3, 2, 2)
    assert [
        p["name"] for p in _ok(client.get("/api/v1/producers?q=mật ong", headers=headers))["items"]
    ] == ["HTX Mật ong Mèo Vạc"]
    assert [
        p["id"]
        for p in _ok(client.get("/api/v1/producers?province_code=19", headers=headers))["items"]
    ] == [people.other_producer_id]
    url = f"/api/v1/producers/{created['id']}"
    patched = _ok(client.patch(url, headers=headers, json={"tax_code": None, "story": "Ong"}))
    assert (patched["tax_code"], patched["story"], patched["commune"]) == (
        None,
        "Ong",
        "Xã Mèo Vạc",
    )
    error = _error(
        client.patch(url, headers=headers, json={"commune_code": 6736}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"commune_code"}
    assert _ok(client.get(url, headers=bearer[Role.SELLER]))["story"] == "Ong"


# --- certificates -------------------------------------------------------------------------


def test_certificates_score_to_stars_mismatch_patch_and_delete(
    client, people, bearer, categories
) -> None:
    headers = bearer[Role.SELLER]
    product = _posted_product(client, headers, people.producer_id)
    url = f"/api/v1/products/{product['id']}/certificates"
    decided = catalog_service.today_local() - dt.timedelta(days=30)
    created = _ok(client.post(url, headers=headers, json=_certificate(decided, score=78)), 201)
    assert (created["stars"], created["score"], created["level"]) == (4, 78.0, "province")
    assert created["expires_on"] == ocop.expires_on(decided).isoformat()
    assert created["status"] == "active"
    error = _error(
        client.post(url, headers=headers, json=_certificate(decided, score=85, stars=5)),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"stars"}
    assert "85" in error["fields"]["stars"][0]
    error = _error(
        client.post(url, headers=headers, json=_certificate(decided, score=40)),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"score"}
    error = _error(
        client.post(url, headers=headers, json={"score": 101, "level": "city"}),
        422,
        "validation_error",
    )
    assert {"score", "level", "decision_date", "decision_number", "authority"} <= set(
        error["fields"]
    )
    detail = _ok(client.get(f"/api/v1/products/{product['id']}", headers=headers))
    assert (detail["ocop_stars"], detail["certificate_status"]) == (4, "active")
    assert [c["id"] for c in detail["certificates"]] == [created["id"]]
    item = f"{url}/{created['id']}"
    error = _error(
        client.patch(item, headers=headers, json={"score": 92.5}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"level"}  # 5★ is central
    patched = _ok(
        client.patch(
            item,
            headers=headers,
            json={"score": 92.5, "level": "central", "authority": "Bộ Nông nghiệp và Môi trường"},
        )
    )
    assert (patched["stars"], patched["decision_number"]) == (5, "2345/QĐ-UBND")
    assert [c["stars"] for c in _ok(client.get(url, headers=headers))] == [5]
    _error(client.patch(f"{url}/987654", headers=headers, json={"score": 80}), 404, "not_found")
    response = client.delete(item, headers=headers)
    assert response.status_code == 204
    assert _ok(client.get(url, headers=headers)) == []
    detail = _ok(client.get(f"/api/v1/products/{product['id']}", headers=headers))
    assert (detail["ocop_stars"], detail["certificate_status"]) == (None, "none")


def test_expiring_list(app, client, people, bearer, categories) -> None:
    seller = people.username(Role.SELLER)
    today = catalog_service.today_local()
    soon = ocop.add_months(today, -36) + dt.timedelta(days=20)
    later = ocop.add_months(today, -36) + dt.timedelta(days=120)
    builders.make_product(
        app,
        seller,
        _json_product(people.producer_id, name="Mắm tôm", skus=("MT-1",)),
        _certificate(soon),
    )
    builders.make_product(
        app,
        seller,
        _json_product(people.other_producer_id, name="Chè", skus=("CHE-1",)),
        _certificate(later),
    )
    builders.make_product(
        app,
        seller,
        _json_product(people.producer_id, name="Ruốc", skus=("R-1",)),
        _certificate(today - dt.timedelta(days=3)),
    )
    headers = bearer[Role.SELLER]
    body = _ok(client.get("/api/v1/certificates/expiring", headers=headers))
    assert body["total"] == 1
    row = body["items"][0]
    assert (row["product_name"], row["producer_name"], row["stars"]) == (
        "Mắm tôm",
        "HTX Nước mắm Trà Cổ",
        4,
    )
    assert row["expires_on"] == ocop.expires_on(soon).isoformat()
    assert row["days_left"] == (ocop.expires_on(soon) - today).days
    longer = _ok(client.get("/api/v1/certificates/expiring?days=365", headers=headers))
    assert [r["product_name"] for r in longer["items"]] == ["Mắm tôm", "Chè"]
    assert longer["items"][1]["producer_id"] == people.other_producer_id
    for days in (0, 366, "x"):
        error = _error(
            client.get(f"/api/v1/certificates/expiring?days={days}", headers=headers),
            422,
            "validation_error",
        )
        assert set(error["fields"]) == {"days"}


# --- reference data -------------------------------------------------------------------------


def test_reference_data(client, people, bearer, categories) -> None:
    headers = bearer[Role.PRODUCER]
    tree = _ok(client.get("/api/v1/ocop-categories", headers=headers))
    assert len(tree) == len(categories)
    assert [c["id"] for c in tree] == sorted(c["id"] for c in tree)  # positions follow ids
    assert set(tree[0]) == {"id", "code", "name", "parent_id", "level"}
    by_code = {c["code"]: c for c in tree}
    assert by_code["1"]["level"] == 1 and by_code["1"]["parent_id"] is None
    child = next(c for c in tree if c["level"] == 2)
    assert by_code[child["code"].rsplit(".", 1)[0]]["id"] == child["parent_id"]
    provinces = _ok(client.get("/api/v1/admin-units/provinces", headers=headers))
    assert len(provinces) == 34
    assert {"code": 22, "name": "Quảng Ninh"} in provinces
    communes = _ok(client.get("/api/v1/admin-units/provinces/22/communes", headers=headers))
    assert {"code": 6736, "name": "Phường Móng Cái 3"} in communes
    assert all(c["code"] != 5503 for c in communes)  # a Thái Nguyên commune
    _error(
        client.get("/api/v1/admin-units/provinces/987/communes", headers=headers), 404, "not_found"
    )
    _error(client.get("/api/v1/admin-units/provinces"), 401, "unauthorized")
    _error(client.get("/api/v1/ocop-categories"), 401, "unauthorized")


# --- the OpenAPI document -------------------------------------------------------------------


CATALOG_OPERATIONS = [
    ("get", "/api/v1/producers"),
    ("post", "/api/v1/producers"),
    ("get", "/api/v1/producers/{producer_id}"),
    ("patch", "/api/v1/producers/{producer_id}"),
    ("get", "/api/v1/products"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products/{product_id}"),
    ("put", "/api/v1/products/{product_id}"),
    ("delete", "/api/v1/products/{product_id}"),
    ("put", "/api/v1/products/{product_id}/links"),
    ("get", "/api/v1/products/{product_id}/certificates"),
    ("post", "/api/v1/products/{product_id}/certificates"),
    ("patch", "/api/v1/products/{product_id}/certificates/{certificate_id}"),
    ("delete", "/api/v1/products/{product_id}/certificates/{certificate_id}"),
    ("get", "/api/v1/certificates/expiring"),
    ("get", "/api/v1/ocop-categories"),
    ("get", "/api/v1/admin-units/provinces"),
    ("get", "/api/v1/admin-units/provinces/{code}/communes"),
]


def test_openapi_documents_each_catalog_operation(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for method, path in CATALOG_OPERATIONS:
        operation = spec["paths"][path][method]
        success = [code for code in operation["responses"] if code.startswith("2")]
        assert len(success) == 1, (method, path)
        response = operation["responses"][success[0]]
        if success[0] == "204":
            assert "content" not in response
        else:
            assert response["content"]["application/json"]["schema"], (method, path)
        assert "default" in operation["responses"]
        if method in ("post", "put", "patch"):
            assert operation["requestBody"]["content"]["application/json"]["schema"]


def test_openapi_product_schema_documents_enums_and_money(client) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    variant = schemas["Variant"]["properties"]
    assert variant["price"]["type"] == "integer" and variant["price"]["minimum"] == 0
    assert set(schemas["Variant"]["required"]) == {"sku", "price"}
    assert schemas["ProductSummary"]["properties"]["certificate_status"]["enum"] == [
        "active",
        "expiring",
        "expired",
        "none",
    ]
    assert schemas["CertificateCreate"]["properties"]["level"]["enum"] == [
        "district",
        "province",
        "central",
    ]


def test_photos_and_logo_are_absolute_media_urls(app, client, people, bearer, categories) -> None:
    product_id = builders.make_product(
        app, people.username(Role.SELLER), _json_product(people.producer_id)
    )
    with app.app_context():
        session = extensions.db.session
        session.add_all(
            [
                catalog.ProductImage(
                    product_id=product_id,
                    position=position,
                    path=f"products/ab/{name}.jpg",
                    thumb_path=f"products/ab/{name}-thumb.jpg",
                    width=1600,
                    height=1200,
                )
                for position, name in enumerate(("cover", "side"))
            ]
        )
        session.get(orgs.Producer, people.producer_id).logo_path = "producers/cd/logo.png"
        session.commit()
    headers = bearer[Role.SELLER]
    detail = _ok(client.get(f"/api/v1/products/{product_id}", headers=headers))
    assert [(i["url"], i["thumb_url"], i["position"]) for i in detail["images"]] == [
        ("http://localhost/media/products/ab/cover.jpg",
         "http://localhost/media/products/ab/cover-thumb.jpg", 0),
        ("http://localhost/media/products/ab/side.jpg",
         "http://localhost/media/products/ab/side-thumb.jpg", 1),
    ]  # fmt: skip
    assert (detail["images"][0]["width"], detail["images"][0]["height"]) == (1600, 1200)
    listed = _ok(client.get("/api/v1/products", headers=headers))["items"]
    assert listed[0]["cover_thumb_url"] == "http://localhost/media/products/ab/cover-thumb.jpg"
    producer = _ok(client.get(f"/api/v1/producers/{people.producer_id}", headers=headers))
    assert producer["logo_url"] == "http://localhost/media/producers/cd/logo.png"
