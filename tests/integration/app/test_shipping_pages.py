"""The shipping pages: an order's delivery address (old form kept, new form, ambiguous text
answered with the communes to choose from), the parcels list with its filters and the stuck
rule, the labels PDF, one parcel, cancelling a parcel at the sandbox GHN over real HTTP, and
who may see what (staff; 403 for producers; 404 for another club's parcel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import flask
import pypdfium2
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.core import clock
from app.jobs import registry as job_registry
from app.jobs import service as jobs_service
from app.models import accounts, catalog, jobs, orders, orgs
from app.models import shipping as models
from app.shipping import accounts as carrier_accounts
from app.shipping import booking, parcels
from sandbox import core
from sandbox.carriers import ghn as sandbox_ghn
from tests import conftest
from tests.support import clubs as clubs_support
from tests.support import payments as payments_support

Status = models.ShipStatus


def _order(app: flask.Flask, club_id: int, **fields: Any) -> int:
    """One placed order (one line of 180,000 đ) with ``fields`` set on it."""
    (order_id,) = payments_support.place_orders(app, club_id, [180_000])
    with app.app_context():
        db = extensions.db.session
        order = db.get(orders.Order, order_id)
        assert order is not None
        order.buyer_phone = "0912345678"
        order.lines[0].quantity = 2
        for name, value in fields.items():
            setattr(order, name, value)
        db.commit()
    return order_id


def _parcel(
    app: flask.Flask,
    order_id: int,
    number: int,
    status: Status,
    *,
    days_ago: float = 0,
    carrier: str = "ghn",
    tracking: str | None = None,
    **fields: Any,
) -> int:
    with app.app_context():
        db = extensions.db.session
        order = db.get(orders.Order, order_id)
        assert order is not None
        at = clock.utcnow() - dt.timedelta(days=days_ago)
        row = models.Shipment(
            club_id=order.club_id,
            order_id=order_id,
            carrier=carrier,
            reference=f"DH{order_id:07d}-{number}",
            tracking_code=tracking if tracking is not None else f"GA{order_id:04d}{number:03d}VN",
            sort_code="HN-01",
            status=status,
            fee=30_000,
            cod_amount=180_000,
            weight_g=1000,
            **{"booked_at": at, "status_at": at, **fields},
        )
        row.lines = [models.ShipmentLine(order_line_id=order.lines[0].id, quantity=2)]
        db.add(row)
        db.commit()
        return row.id


def test_address_from_old_and_new_form_and_ambiguous_text(
    app: flask.Flask, people: conftest.People, client: flask.testing.FlaskClient, auth: Any
) -> None:
    order_id = _order(app, people.club_id)
    user = accounts.User
    with app.app_context():
        db = extensions.db.session
        seller = db.scalars(sa.select(user).where(user.username == "seller1")).one()
        from app.shipping import addresses

        old = addresses.set_address(
            db,
            seller,
            order_id,
            text="12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh",
            phone="0987 654 321",
        )
        assert (old.ship_street, old.ship_province_code, old.ship_commune) == (
            "12 Lê Lợi",
            79,
            "Phường Sài Gòn",
        )
        assert old.ship_legacy == {
            "province": "Thành phố Hồ Chí Minh",
            "district": "Quận 1",
            "ward": "Phường Bến Nghé",
        }
        assert old.ship_phone == "0987654321"
        new = addresses.set_address(db, seller, order_id, text="Số 1, Phường Cầu Giấy, Hà Nội")
        assert (new.ship_street, new.ship_province_code, new.ship_commune, new.ship_legacy) == (
            "Số 1",
            1,
            "Phường Cầu Giấy",
            None,
        )
        with pytest.raises(addresses.errors.ValidationError) as ambiguous:
            addresses.set_address(
                db, seller, order_id, text="so 5 ngo 10 Dich Vong Cau Giay Ha Noi"
            )
        assert set(ambiguous.value.fields["candidates"]) == {"Phường Cầu Giấy", "Phường Nghĩa Đô"}
        db.expire_all()
        kept = db.get(orders.Order, order_id)
        assert kept is not None and kept.ship_commune == "Phường Cầu Giấy"  # unchanged
        with pytest.raises(addresses.errors.ValidationError):
            addresses.set_address(db, seller, order_id, province_code=1, commune_code=26740)
    # The order page shows the form and the address; posting ambiguous text lists the choices.
    auth.login("seller1")
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-testid="ship-address-form"' in page and "Phường Cầu Giấy" in page
    posted = client.post(
        f"/shipping/orders/{order_id}/address",
        data={"text": "so 5 ngo 10 Dich Vong Cau Giay Ha Noi"},
        follow_redirects=True,
    )
    assert "Phường Nghĩa Đô" in posted.get_data(as_text=True)


def test_parcels_list_filters_stuck_and_labels(
    app: flask.Flask, people: conftest.People, client: flask.testing.FlaskClient, auth: Any
) -> None:
    order_id = _order(app, people.club_id)
    fresh = _parcel(app, order_id, 1, Status.CREATED, days_ago=0.5)
    waiting = _parcel(app, order_id, 2, Status.CREATED, days_ago=3)
    moving = _parcel(app, order_id, 3, Status.IN_TRANSIT, days_ago=4, carrier="ghtk")
    quiet = _parcel(app, order_id, 4, Status.IN_TRANSIT, days_ago=6)
    failed = _parcel(app, order_id, 5, Status.DELIVERY_FAILED, days_ago=0.1)
    returning = _parcel(app, order_id, 6, Status.RETURNING, days_ago=8)
    delivered = _parcel(app, order_id, 7, Status.DELIVERED, days_ago=10)
    with app.app_context():
        db = extensions.db.session
        stuck = set(
            db.scalars(sa.select(models.Shipment.id).where(parcels.stuck_filter(clock.utcnow())))
        )
    assert stuck == {waiting, quiet, failed, returning}
    assert not stuck & {fresh, moving, delivered}
    auth.login("seller1")
    listed = client.get("/shipping/parcels")
    assert listed.status_code == 200
    assert listed.get_data(as_text=True).count('data-testid="parcel-row"') == 7
    only_stuck = client.get("/shipping/parcels?stuck=1").get_data(as_text=True)
    assert only_stuck.count('data-testid="parcel-row"') == 4
    ghtk = client.get("/shipping/parcels?carrier=ghtk").get_data(as_text=True)
    assert ghtk.count('data-testid="parcel-row"') == 1 and "GHTK" in ghtk
    done = client.get("/shipping/parcels?status=delivered").get_data(as_text=True)
    assert done.count('data-testid="parcel-row"') == 1 and "Đã giao" in done
    # The order list shows each order's newest parcel's status.
    listing = client.get("/orders/").get_data(as_text=True)
    assert '<td data-testid="order-parcel"><span class="badge">Đã giao</span>' in listing
    detail = client.get(f"/shipping/parcels/{fresh}")
    assert detail.status_code == 200 and "Chờ lấy hàng" in detail.get_data(as_text=True)
    # Labels: one A6 page per parcel; four a sheet on A4.
    pdf = client.post(
        "/shipping/parcels/labels",
        data={"paper": "a6", "shipment_id": [str(fresh), str(waiting), str(quiet)]},
    )
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    body = pdf.get_data()
    pdf.close()
    assert body.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(body)
    assert len(document) == 3
    assert "GA" in document[0].get_textpage().get_text_range()
    document.close()
    a4 = client.post(
        "/shipping/parcels/labels",
        data={
            "paper": "a4",
            "shipment_id": [str(i) for i in (fresh, waiting, quiet, failed, moving)],
        },
    )
    a4_body = a4.get_data()
    a4.close()
    sheets = pypdfium2.PdfDocument(a4_body)
    assert len(sheets) == 2  # four labels a sheet
    sheets.close()
    none = client.post("/shipping/parcels/labels", data={"paper": "a6"})
    assert none.status_code == 302


def test_who_sees_the_pages(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    bearer: dict[accounts.Role, dict[str, str]],
) -> None:
    mine = _parcel(app, _order(app, people.club_id), 1, Status.CREATED)
    theirs = _parcel(app, _order(app, other_club.club_id), 1, Status.CREATED)
    client = app.test_client()
    seller = bearer[accounts.Role.SELLER]
    for url in ("/shipping/", "/shipping/parcels", f"/shipping/parcels/{mine}"):
        assert client.get(url, headers=seller).status_code == 200, url
        assert client.get(url, headers=bearer[accounts.Role.PRODUCER]).status_code == 403, url
    assert client.get(f"/shipping/parcels/{theirs}", headers=seller).status_code == 404
    assert client.post(f"/shipping/parcels/{theirs}/cancel", headers=seller).status_code == 404
    with app.app_context():
        row = extensions.db.session.get(models.Shipment, theirs)
        assert row is not None and row.status == Status.CREATED
    page = client.get("/shipping/parcels", headers=seller).get_data(as_text=True)
    assert page.count('data-testid="parcel-row"') == 1
    assert f"/shipping/parcels/{mine}" in page and f"/shipping/parcels/{theirs}" not in page


@pytest.fixture
def ghn() -> Iterator[core.Server[Any]]:
    with core.Server(sandbox_ghn.GHNSandbox()) as server:
        yield server


def _ready_order(app: flask.Flask, people: conftest.People) -> int:
    """An order of the producer's goods with a delivery address; the producer has a pickup
    address."""
    with app.app_context():
        db = extensions.db.session
        producer = db.get(orgs.Producer, people.producer_id)
        assert producer is not None
        producer.address_line = "Số 8 Trà Cổ"
        producer.phone = "0912388888"
        product = catalog.Product(producer_id=producer.id, name="Nước mắm Trà Cổ")
        product.variants = [catalog.Variant(sku="NM-500", name="Chai", price=90_000, stock=50)]
        db.add(product)
        db.commit()
        product_id = product.id
    order_id = _order(
        app,
        people.club_id,
        ship_name="Chị Lan",
        ship_phone="0987654321",
        ship_street="Số 1",
        ship_province_code=1,
        ship_province="Thành phố Hà Nội",
        ship_commune_code=166,
        ship_commune="Phường Cầu Giấy",
    )
    with app.app_context():
        db = extensions.db.session
        order = db.get(orders.Order, order_id)
        assert order is not None
        order.lines[0].product_id = product_id
        db.commit()
    return order_id


def _connect_ghn(app: flask.Flask, ghn: core.Server[Any]) -> models.CarrierAccount:
    db = extensions.db.session
    coordinator = db.scalars(
        sa.select(accounts.User).where(accounts.User.username == "coordinator1")
    ).one()
    return carrier_accounts.connect(
        db,
        coordinator,
        carrier="ghn",
        settings={
            "token": sandbox_ghn.DEMO_TOKEN,
            "shop_id": sandbox_ghn.DEMO_SHOP_ID,
            "api_base_url": ghn.url + sandbox_ghn.PREFIX,
        },
    )


def test_cancel_a_created_parcel_at_the_sandbox_ghn(
    app: flask.Flask,
    people: conftest.People,
    client: flask.testing.FlaskClient,
    auth: Any,
    ghn: core.Server[Any],
) -> None:
    order_id = _ready_order(app, people)
    with app.app_context():
        account = _connect_ghn(app, ghn)
        account_id = account.id
    shipment_id = _parcel(
        app,
        order_id,
        1,
        Status.BOOKING,
        tracking="",
        producer_id=people.producer_id,
        account_id=account_id,
        booked_at=None,
        status_at=None,
        length_cm=20,
        width_cm=15,
        height_cm=10,
    )
    with app.app_context():
        db = extensions.db.session
        row = db.get(models.Shipment, shipment_id)
        assert row is not None
        account = row.account
        assert account is not None
        adapter = carrier_accounts.carrier_for(account)
        assert booking.book_parcel(db, row, adapter), row.problem
        db.commit()
        tracking = row.tracking_code
    assert tracking
    auth.login("seller1")
    done = client.post(f"/shipping/parcels/{shipment_id}/cancel")
    assert done.status_code == 302, done.get_data(as_text=True)
    with app.app_context():
        db = extensions.db.session
        row = db.get(models.Shipment, shipment_id)
        assert row is not None and row.status == Status.CANCELLED
        assert [e.status for e in row.events] == [Status.CREATED, Status.CANCELLED]
    at_carrier = requests.get(f"{ghn.url}/_sandbox/parcels", timeout=5).json()
    found = at_carrier["parcels"] if isinstance(at_carrier, dict) else at_carrier
    assert [p["status"] for p in found if p["code"] == tracking] == ["cancel"]
    # Once cancelled, cancelling again is refused in words.
    again = client.post(f"/shipping/parcels/{shipment_id}/cancel")
    assert again.status_code == 422
    assert "Đã quá muộn để huỷ" in again.get_data(as_text=True)


def test_the_api_lists_parcels_sets_an_address_and_hides_other_clubs(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    bearer: dict[accounts.Role, dict[str, str]],
) -> None:
    order_id = _order(app, people.club_id)
    stuck = _parcel(app, order_id, 1, Status.DELIVERY_FAILED)
    fine = _parcel(app, order_id, 2, Status.DELIVERED)
    theirs = _parcel(app, _order(app, other_club.club_id), 1, Status.CREATED)
    client = app.test_client()
    seller = bearer[accounts.Role.SELLER]
    listed = client.get("/api/v1/shipping/parcels", headers=seller).json
    assert [row["id"] for row in listed["items"]] == [fine, stuck] and listed["total"] == 2
    only = client.get("/api/v1/shipping/parcels?stuck=true", headers=seller).json
    assert [(r["id"], r["status_label"]) for r in only["items"]] == [
        (stuck, "Giao không thành công")
    ]
    one = client.get(f"/api/v1/shipping/parcels/{fine}", headers=seller)
    assert one.status_code == 200 and one.json["carrier_name"] == "GHN"
    assert one.json["events"] == []
    assert client.get(f"/api/v1/shipping/parcels/{theirs}", headers=seller).status_code == 404
    late = client.post(f"/api/v1/shipping/parcels/{fine}/cancel", headers=seller)
    assert late.status_code == 422
    put = client.put(
        f"/api/v1/orders/{order_id}/shipping-address",
        json={"text": "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh", "name": "Anh Minh"},
        headers=seller,
    )
    assert put.status_code == 200, put.json
    assert (put.json["ship_commune"], put.json["ship_legacy"]["ward"], put.json["ship_name"]) == (
        "Phường Sài Gòn",
        "Phường Bến Nghé",
        "Anh Minh",
    )
    unclear = client.put(
        f"/api/v1/orders/{order_id}/shipping-address",
        json={"text": "so 5 ngo 10 Dich Vong Cau Giay Ha Noi"},
        headers=seller,
    )
    assert unclear.status_code == 422
    assert set(unclear.json["error"]["fields"]["candidates"]) == {
        "Phường Cầu Giấy",
        "Phường Nghĩa Đô",
    }
    no_carrier = client.post(
        "/api/v1/shipping/quotes", json={"order_ids": [order_id]}, headers=seller
    )
    assert no_carrier.status_code == 422  # the club has no carrier connected yet


@pytest.fixture
def ready_order(app: flask.Flask, people: conftest.People) -> int:
    return _ready_order(app, people)


def test_compare_fees_and_book_from_the_pages(
    app: flask.Flask,
    ready_order: int,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    ghn: core.Server[Any],
) -> None:
    order_id = ready_order
    auth.login("seller1")
    listed = client.get("/shipping/").get_data(as_text=True)
    assert f'data-order="{order_id}"' in listed and "Sẵn sàng" in listed
    with app.app_context():
        _connect_ghn(app, ghn)
    started = client.post("/shipping/quotes", data={"order_id": str(order_id)})
    assert started.status_code == 302 and "/shipping/quotes/" in started.location
    job_id = int(started.location.rstrip("/").rsplit("/", 1)[1])
    _run(app, job_id)
    page = client.get(f"/shipping/quotes/{job_id}").get_data(as_text=True)
    assert 'data-testid="quote-row"' in page and "GHN" in page
    assert f'name="choice-{order_id}"' in page and " checked>" in page
    choice = page.split(f'name="choice-{order_id}" value="', 1)[1].split('"', 1)[0]
    booked = client.post(
        "/shipping/bookings", data={"order_id": str(order_id), f"choice-{order_id}": choice}
    )
    assert booked.status_code == 302 and booked.location.endswith("/shipping/parcels")
    with app.app_context():
        db = extensions.db.session
        job = db.scalars(sa.select(jobs.Job).where(jobs.Job.kind == booking.BOOK_JOB)).one()
        job_id = job.id
    _run(app, job_id)
    with app.app_context():
        db = extensions.db.session
        row = db.scalars(sa.select(models.Shipment)).one()
        assert row.status == Status.CREATED and row.tracking_code and row.carrier == "ghn"
        assert row.fee > 0
    # Booking the same order again makes no second parcel: nothing is left to ship.
    again = client.post(
        "/shipping/bookings",
        data={"order_id": str(order_id), f"choice-{order_id}": choice},
        follow_redirects=True,
    )
    assert "Mọi sản phẩm của đơn đã nằm trong kiện hàng." in again.get_data(as_text=True)
    with app.app_context():
        count = extensions.db.session.scalar(sa.select(sa.func.count(models.Shipment.id)))
        assert count == 1


def _run(app: flask.Flask, job_id: int) -> None:
    with app.app_context():
        db = extensions.db.session
        job = db.get(jobs.Job, job_id)
        assert job is not None
        if not job.status.finished:
            jobs_service.run(db, job_registry.current(), job_id)
        db.expire_all()
        job = db.get(jobs.Job, job_id)
        assert job is not None and job.status.value == "succeeded", job.error
