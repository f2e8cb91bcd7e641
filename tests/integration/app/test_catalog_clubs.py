"""The catalog as a club sees it: a club's staff reach the producers their club works with and
those producers' products, by id, list, search, filter, export and import; the Youth Union
reads its clubs' catalog and edits nothing; new producers land in the creator's club.

``people`` is club 1 (CLB Streamer Móng Cái) with two producers; ``other_club`` is club 2
(CLB Streamer Hạ Long) with "HTX Mật ong Hạ Long", a producer club 1 does not work with.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from app import catalog_io, extensions
from app.catalog import service as catalog_service
from app.core import tenancy
from app.jobs import tasks
from app.models import accounts, catalog, jobs, orgs
from tests import conftest
from tests.integration.app import test_jobs
from tests.support import catalog as builders
from vietnam import ocop

Role = accounts.Role
HONEY = "Mật ong bạc hà Hạ Long"
HONEY_SKU = "MO-HL-1"
FISH = "Nước mắm cá cơm Trà Cổ"
CLUB2_PRODUCER = "HTX Mật ong Hạ Long"
CLUB2_TAX_CODE = "5701234567"


def _expiring_decision() -> dt.date:
    """A decision date whose certificate expires 30–60 days from today (Vietnam's calendar)."""
    today = catalog_service.today_local()
    day = dt.date(today.year - 3, today.month, 1)
    while not 30 <= (ocop.expires_on(day) - today).days <= 60:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def two_catalogs(app, people, other_club) -> dict[str, int]:
    """One product per club, each with a certificate expiring within 90 days."""
    certificate = builders.certificate_data(decision_date=_expiring_decision())
    fish = builders.make_product(
        app, "seller1", builders.product_data(people.producer_id, name=FISH), certificate
    )
    honey = builders.make_product(
        app,
        "seller2",
        builders.product_data(other_club.producer_id, name=HONEY, skus=(HONEY_SKU,)),
        certificate,
    )
    with app.app_context():
        producer = extensions.db.session.get(orgs.Producer, other_club.producer_id)
        producer.tax_code = CLUB2_TAX_CODE
        extensions.db.session.commit()
    return {"fish": fish, "honey": honey, "other_producer": other_club.producer_id}


def _headers(app, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {conftest.issue_token(app, username)}"}


def _jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (600, 600), (200, 160, 40)).save(out, format="JPEG")
    out.seek(0)
    return out


def _api_names(client, headers: dict[str, str], path: str) -> list[str]:
    reply = client.get(path, headers=headers)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return [item.get("name") or item.get("product_name") for item in reply.get_json()["items"]]


def _csv_skus(data: bytes) -> list[str]:
    rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return [row["sku"] for row in rows]


# --- pages ------------------------------------------------------------------------------


def test_club_staff_do_not_reach_another_clubs_catalog_pages(app, client, auth, two_catalogs):
    honey, producer2 = two_catalogs["honey"], two_catalogs["other_producer"]
    auth.login("seller1")
    listing = client.get("/catalog/products").get_data(as_text=True)
    assert FISH in listing and HONEY not in listing
    assert CLUB2_PRODUCER not in listing  # not even in the producer filter's options
    searched = client.get("/catalog/products?q=mat+ong").get_data(as_text=True)
    assert 'data-testid="no-results"' in searched and HONEY not in searched
    filtered = client.get(f"/catalog/products?producer_id={producer2}").get_data(as_text=True)
    assert HONEY not in filtered
    expiring = client.get("/catalog/certificates/expiring").get_data(as_text=True)
    assert FISH in expiring and HONEY not in expiring
    producers = client.get("/producers/?q=mat+ong").get_data(as_text=True)
    assert CLUB2_PRODUCER not in producers
    assert CLUB2_PRODUCER not in client.get("/producers/").get_data(as_text=True)
    io_page = client.get("/catalog/io/").get_data(as_text=True)
    assert CLUB2_PRODUCER not in io_page
    export = client.get("/catalog/io/export?format=csv")
    assert export.status_code == 200 and _csv_skus(export.data) == ["NM-500"]
    leak = client.get(f"/catalog/io/export?format=csv&producer_id={producer2}")
    assert _csv_skus(leak.data) == []

    for url in (
        f"/catalog/products/{honey}",
        f"/catalog/products/{honey}/edit",
        f"/catalog/products/{honey}/certificates/new",
        f"/catalog/products/{honey}/links",
        f"/producers/{producer2}",
        f"/producers/{producer2}/edit",
    ):
        assert client.get(url).status_code == 404, url
    with app.app_context():
        certificate_id = extensions.db.session.scalar(
            sa.select(catalog.Certificate.id).where(catalog.Certificate.product_id == honey)
        )
    for url in (
        f"/catalog/products/{honey}/delete",
        f"/catalog/products/{honey}/edit",
        f"/catalog/products/{honey}/links",
        f"/catalog/products/{honey}/certificates/{certificate_id}/edit",
        f"/catalog/products/{honey}/certificates/{certificate_id}/delete",
        f"/catalog/products/{honey}/images/1/cover",
        f"/producers/{producer2}/edit",
        f"/producers/{producer2}/logo",
        f"/producers/{producer2}/logo/delete",
    ):
        assert client.post(url, data={"name": "Chiếm"}).status_code == 404, url
    photo = client.post(
        f"/catalog/products/{honey}/images",
        data={"images": (_jpeg(), "anh.jpg")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 404
    with app.app_context():
        product = extensions.db.session.get(catalog.Product, honey)
        assert (product.name, len(product.images), len(product.certificates)) == (HONEY, 0, 1)
    auth.logout()

    # Club 2's own seller sees and edits it.
    auth.login("seller2")
    mine = client.get("/catalog/products").get_data(as_text=True)
    assert HONEY in mine and FISH not in mine
    assert client.get(f"/catalog/products/{honey}/edit").status_code == 200
    detail = client.get(f"/catalog/products/{honey}").get_data(as_text=True)
    assert 'data-testid="edit-product"' in detail
    assert client.get(f"/catalog/products/{two_catalogs['fish']}").status_code == 404


def test_club_staff_do_not_reach_another_clubs_catalog_through_the_api(
    app, client, people, two_catalogs
) -> None:
    honey, producer2 = two_catalogs["honey"], two_catalogs["other_producer"]
    seller1 = _headers(app, "seller1")
    assert _api_names(client, seller1, "/api/v1/products") == [FISH]
    assert _api_names(client, seller1, "/api/v1/products?q=mat%20ong") == []
    assert _api_names(client, seller1, f"/api/v1/products?producer_id={producer2}") == []
    assert _api_names(client, seller1, "/api/v1/certificates/expiring") == [FISH]
    producers = _api_names(client, seller1, "/api/v1/producers?per_page=100")
    assert CLUB2_PRODUCER not in producers and "HTX Nước mắm Trà Cổ" in producers
    assert _api_names(client, seller1, f"/api/v1/producers?q={CLUB2_TAX_CODE}") == []
    export = client.get("/api/v1/catalog/export?format=csv", headers=seller1)
    assert _csv_skus(export.data) == ["NM-500"]

    body = builders.product_data(producer2, name="Chiếm", skus=(HONEY_SKU,), version=1)
    certificate = builders.certificate_data(decision_date="2024-08-15")
    for method, path, payload in (
        ("get", f"/api/v1/products/{honey}", None),
        ("put", f"/api/v1/products/{honey}", body),
        ("delete", f"/api/v1/products/{honey}", None),
        ("put", f"/api/v1/products/{honey}/links", {"links": []}),
        ("get", f"/api/v1/products/{honey}/certificates", None),
        ("post", f"/api/v1/products/{honey}/certificates", certificate),
        ("delete", f"/api/v1/products/{honey}/images/1", None),
        ("post", f"/api/v1/products/{honey}/images/1/cover", None),
        ("get", f"/api/v1/producers/{producer2}", None),
        ("patch", f"/api/v1/producers/{producer2}", {"story": "Chiếm"}),
        ("delete", f"/api/v1/producers/{producer2}/logo", None),
    ):
        reply = getattr(client, method)(path, headers=seller1, json=payload)
        assert reply.status_code == 404, (method, path, reply.get_data(as_text=True))
        assert HONEY not in reply.get_data(as_text=True)

    # Creating a product for club 2's producer: that producer reads as unknown.
    refused = client.post(
        "/api/v1/products",
        headers=seller1,
        json=builders.product_data(producer2, name="Mật ong giả", skus=("MO-X",)),
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["producer_id"] == ["Chọn chủ thể sản xuất."]

    seller2 = _headers(app, "seller2")
    assert _api_names(client, seller2, "/api/v1/products") == [HONEY]
    assert client.get(f"/api/v1/products/{honey}", headers=seller2).status_code == 200
    assert client.get(f"/api/v1/products/{two_catalogs['fish']}", headers=seller2).status_code == (
        404
    )
    with app.app_context():
        assert extensions.db.session.get(catalog.Product, honey).name == HONEY
        count = extensions.db.session.scalar(sa.select(sa.func.count(catalog.Product.id)))
        assert count == 2


def test_the_youth_union_reads_both_clubs_catalog_and_edits_nothing(
    app, client, auth, people, bearer, two_catalogs
) -> None:
    honey, fish = two_catalogs["honey"], two_catalogs["fish"]
    auth.login(people.username(Role.UNION))  # the province's Youth Union (both clubs)
    listing = client.get("/catalog/products").get_data(as_text=True)
    assert FISH in listing and HONEY in listing
    assert 'data-testid="new-product"' not in listing
    detail = client.get(f"/catalog/products/{honey}").get_data(as_text=True)
    assert HONEY in detail and 'data-testid="edit-product"' not in detail
    assert 'data-testid="new-certificate"' not in detail
    producer = client.get(f"/producers/{two_catalogs['other_producer']}").get_data(as_text=True)
    assert CLUB2_PRODUCER in producer and 'data-testid="edit-producer"' not in producer
    assert client.get(f"/catalog/products/{fish}/edit").status_code == 403
    assert client.post(f"/catalog/products/{honey}/delete").status_code == 403
    assert client.get("/producers/new").status_code == 403
    auth.logout()

    union = bearer[Role.UNION]
    assert sorted(_api_names(client, union, "/api/v1/products")) == sorted([FISH, HONEY])
    assert sorted(_api_names(client, union, "/api/v1/certificates/expiring")) == sorted(
        [FISH, HONEY]
    )
    export = client.get("/api/v1/catalog/export?format=csv", headers=union)
    assert sorted(_csv_skus(export.data)) == [HONEY_SKU, "NM-500"]
    for method, path, payload in (
        ("put", f"/api/v1/products/{honey}", builders.product_data(1, name="x")),
        ("delete", f"/api/v1/products/{fish}", None),
        ("post", "/api/v1/products", builders.product_data(people.producer_id, name="x")),
        ("patch", f"/api/v1/producers/{people.producer_id}", {"story": "x"}),
    ):
        reply = getattr(client, method)(path, headers=union, json=payload)
        assert reply.status_code == 403, (method, path)
    with app.app_context():
        assert extensions.db.session.get(catalog.Product, honey).name == HONEY


# --- producers ------------------------------------------------------------------------


def _producer_body(**fields: Any) -> dict[str, Any]:
    body = {
        "name": "HTX Rau sạch Hải Hòa",
        "type": "hop_tac_xa",
        "province_code": 22,
        "commune_code": 6736,
    }
    body.update(fields)
    return body


def test_a_new_producer_works_with_its_creators_club(app, client, people, other_club, bearer):
    created = client.post("/api/v1/producers", headers=bearer[Role.SELLER], json=_producer_body())
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["clubs"] is None  # only admins see the clubs
    producer_id = created.get_json()["id"]
    with app.app_context():
        producer = extensions.db.session.get(orgs.Producer, producer_id)
        assert [club.id for club in producer.clubs] == [people.club_id]
    # Club 2's staff do not see it; the admin sees it with its club.
    seller2 = _headers(app, "seller2")
    assert client.get(f"/api/v1/producers/{producer_id}", headers=seller2).status_code == 404
    seen = client.get(f"/api/v1/producers/{producer_id}", headers=bearer[Role.ADMIN]).get_json()
    assert seen["clubs"] == [{"id": people.club_id, "name": "CLB Streamer Móng Cái"}]
    # Staff cannot put it in another club.
    other = client.post(
        "/api/v1/producers",
        headers=bearer[Role.SELLER],
        json=_producer_body(name="HTX Khác", club_id=other_club.club_id),
    )
    assert other.status_code == 422 and "club_id" in other.get_json()["error"]["fields"]
    # An admin may pick the club.
    picked = client.post(
        "/api/v1/producers",
        headers=bearer[Role.ADMIN],
        json=_producer_body(name="HTX Nấm Hạ Long", club_id=other_club.club_id),
    )
    assert picked.status_code == 201
    assert picked.get_json()["clubs"] == [
        {"id": other_club.club_id, "name": "CLB Streamer Hạ Long"}
    ]


def test_an_existing_producer_of_another_club_is_refused_without_its_details(
    app, client, people, other_club
) -> None:
    with app.app_context():
        producer = extensions.db.session.get(orgs.Producer, other_club.producer_id)
        producer.tax_code = CLUB2_TAX_CODE
        producer.phone = "0912345678"
        extensions.db.session.commit()
    seller1 = _headers(app, "seller1")
    for body, field in (
        (_producer_body(name=CLUB2_PRODUCER), "name"),
        (_producer_body(name="HTX Mật ong khác", tax_code=CLUB2_TAX_CODE), "tax_code"),
    ):
        reply = client.post("/api/v1/producers", headers=seller1, json=body)
        assert reply.status_code == 422
        message = reply.get_json()["error"]["fields"][field][0]
        assert "quản trị viên liên kết" in message
        assert "0912345678" not in reply.get_data(as_text=True)
        assert "CLB Streamer Hạ Long" not in reply.get_data(as_text=True)
    # Within the club, the plain duplicate message stays.
    dup = client.post(
        "/api/v1/producers", headers=seller1, json=_producer_body(name="HTX Chè Tân Cương")
    )
    assert dup.get_json()["error"]["fields"]["name"] == ["Đã có chủ thể tên này."]


def test_the_producer_pages_show_admins_the_clubs(app, client, auth, people, other_club) -> None:
    auth.login("admin1")
    page = client.get("/producers/").get_data(as_text=True)
    assert CLUB2_PRODUCER in page and "CLB Streamer Hạ Long" in page
    detail = client.get(f"/producers/{other_club.producer_id}").get_data(as_text=True)
    assert 'data-testid="producer-clubs"' in detail and "CLB Streamer Hạ Long" in detail
    form = client.get("/producers/new").get_data(as_text=True)
    assert 'name="club_id"' in form and "CLB Streamer Hạ Long" in form
    auth.logout()
    auth.login("seller1")
    page = client.get("/producers/").get_data(as_text=True)
    assert 'data-testid="producer-clubs"' not in page
    assert 'name="club_id"' not in client.get("/producers/new").get_data(as_text=True)


# --- import -----------------------------------------------------------------------------


HEADER = ["sku", "product_name", "producer", "unit", "price", "stock"]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _counts() -> tuple[int, int, int]:
    session = extensions.db.session
    return (
        session.scalar(sa.select(sa.func.count(catalog.Product.id))),
        session.scalar(sa.select(sa.func.count(catalog.Variant.id))),
        session.scalar(sa.select(sa.func.count(orgs.Producer.id))),
    )


def test_an_import_naming_another_clubs_producer_fails_by_line_and_writes_nothing(
    app, people, two_catalogs, tmp_path
) -> None:
    path = _csv(
        tmp_path / "clb1.csv",
        [
            ["NM-900", "Nước mắm mới", "HTX Nước mắm Trà Cổ", "chai", "90000", "5"],  # row 2
            ["MO-900", "Mật ong mới", CLUB2_PRODUCER, "hũ", "150000", "5"],  # row 3
            ["MO-901", "Mật ong mới 2", CLUB2_TAX_CODE, "hũ", "150000", "5"],  # row 4
            [HONEY_SKU, "Chiếm mã", "HTX Nước mắm Trà Cổ", "hũ", "1000", "5"],  # row 5
            ["RAU-1", "Rau sạch", "HTX Rau Mới Hải Hòa", "bó", "20000", "5"],  # row 6: new
        ],
    )
    with app.app_context():
        before = _counts()
        with pytest.raises(catalog_io.ImportFailed) as raised:
            catalog_io.import_file(extensions.db.session, conftest.user_named("seller1"), path)
        issues = {(i.row, i.column): i.message for i in raised.value.issues}
        assert set(issues) == {(3, "producer"), (4, "producer"), (5, "sku")}
        assert "chưa làm việc với câu lạc bộ" in issues[(3, "producer")]
        assert "chưa làm việc với câu lạc bộ" in issues[(4, "producer")]
        assert "đã thuộc sản phẩm khác" in issues[(5, "sku")]
        extensions.db.session.rollback()
        assert _counts() == before  # no product, variant or producer written
        honey = extensions.db.session.get(catalog.Product, two_catalogs["honey"])
        assert honey.name == HONEY


def test_an_import_creates_unknown_producers_in_the_importers_club(
    app, people, other_club, tmp_path
) -> None:
    path = _csv(
        tmp_path / "moi.csv",
        [
            ["RAU-1", "Rau cải", "HTX Rau Hải Hòa", "bó", "20000", "5"],
            ["RAU-2", "Rau muống", "htx rau hai hoa", "bó", "15000", "5"],
        ],
    )
    with app.app_context():
        user = conftest.user_named("seller1")
        before = _counts()
        dry = catalog_io.import_file(extensions.db.session, user, path, dry_run=True)
        assert (dry.created_producers, dry.created_products) == (1, 2)
        assert any("HTX Rau Hải Hòa" in warning for warning in dry.warnings)
        assert _counts() == before
        done = catalog_io.import_file(extensions.db.session, user, path)
        assert (done.created_producers, done.created_products, done.created_variants) == (1, 2, 2)
        producer = extensions.db.session.scalar(
            sa.select(orgs.Producer).where(orgs.Producer.name == "HTX Rau Hải Hòa")
        )
        assert [club.id for club in producer.clubs] == [people.club_id]
        assert producer.type == orgs.ProducerType.COOPERATIVE
        assert producer.province_code == 22
        products = extensions.db.session.scalars(
            sa.select(catalog.Product).where(catalog.Product.producer_id == producer.id)
        ).all()
        assert sorted(p.name for p in products) == ["Rau cải", "Rau muống"]
        # Club 2 does not see the new producer or its products.
        seller2 = conftest.user_named("seller2")
        scope = tenancy.scope_for(extensions.db.session, seller2)
        assert not scope.sees_producer(extensions.db.session, producer.id)


def test_an_import_job_belongs_to_the_importers_club(
    app, client, auth, people, other_club, monkeypatch
) -> None:
    monkeypatch.setattr(tasks, "dispatch", test_jobs.FakeDispatch())
    auth.login("seller1")
    reply = client.post(
        "/catalog/io/import",
        data={"file": (io.BytesIO(b"sku,product_name,producer,price\r\n"), "trong.csv")},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)[:2000]
    job_id = int(reply.location.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        assert extensions.db.session.get(jobs.Job, job_id).club_id == people.club_id
