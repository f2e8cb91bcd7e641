"""Shipping from the app against a sandbox carrier over real HTTP, on SQLite and PostgreSQL:
orders split into one parcel per producer, booked in bulk by the job with replies lost on
the way back (never a second parcel), webhooks moving the parcels and the orders after them
(once each, never backwards), a returned parcel restocking its units once, polling."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import flask
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.core import clock
from app.jobs import registry
from app.jobs import service as jobs_service
from app.models import catalog, jobs, orders, orgs
from app.models import shipping as models
from app.orders import events
from app.reports import dashboards
from app.shipping import booking, polling
from app.shipping import labels as shipping_labels
from sandbox import core
from sandbox.carriers import ghn as ghn_sandbox
from tests import conftest
from tests.integration.app import test_jobs
from tests.integration.app import test_orders_import as shop_support
from tests.support import payments as payment_support
from tests.support import shipping as shipping_support

Status = models.ShipStatus


@dataclasses.dataclass
class Yard:
    """The shop's orders ready to ship, a GHN sandbox, the club's account there."""

    app: flask.Flask
    shop: shop_support.Shop
    sandbox: core.Server[ghn_sandbox.GHNSandbox]
    account_id: int
    dispatch: test_jobs.FakeDispatch

    def admin(self, path: str, **body: Any) -> Any:
        reply = requests.post(f"{self.sandbox.url}/_sandbox/{path}", json=body, timeout=30)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.sandbox.url}/_sandbox/stats", timeout=30).json()

    def order(self, buyer: str = "Lan", che: int = 1, session_id: int | None = None) -> int:
        return shipping_support.order_to_ship(self.app, buyer, che, session_id)

    def session_figures(self) -> dict[str, Any]:
        """The shop's live session's sales figures (the session dashboard's)."""
        with self.app.app_context():
            coordinator = conftest.user_named(self.shop.people.username("coordinator"))
            report = dashboards.session_report(
                extensions.db.session, coordinator, self.shop.session_id
            )
            return {k: report.totals[k] for k in ("gmv", "net_gmv", "orders", "units")}

    def book(self, order_ids: list[int]) -> tuple[int | None, list[dict[str, Any]]]:
        with self.app.app_context():
            seller = conftest.user_named(self.shop.people.username("seller"))
            choices = [{"order_id": i, "account_id": self.account_id} for i in order_ids]
            job, skipped = booking.start_booking(extensions.session(), seller, choices)
            return (job.id if job is not None else None), skipped

    def run(self, job_id: int) -> dict[str, Any]:
        with self.app.app_context():
            session = extensions.db.session
            status = jobs_service.run(session, registry.current(), job_id)
            assert status == jobs.JobStatus.SUCCEEDED
            job = session.get(jobs.Job, job_id)
            assert job is not None and job.result is not None
            return dict(job.result)

    def parcels(self) -> list[models.Shipment]:
        with self.app.app_context():
            db = extensions.db.session
            db.expire_all()
            rows = list(db.scalars(sa.select(models.Shipment).order_by(models.Shipment.id)))
            db.expunge_all()
            return rows

    def order_state(self, order_id: int) -> tuple[str, list[str]]:
        with self.app.app_context():
            db = extensions.db.session
            db.expire_all()
            order = db.get(orders.Order, order_id)
            assert order is not None
            return str(order.status), [str(line.status) for line in order.lines]

    def stock(self, sku: str) -> int:
        with self.app.app_context():
            db = extensions.db.session
            db.expire_all()
            return int(
                db.scalar(sa.select(catalog.Variant.stock).where(catalog.Variant.sku == sku))
            )


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """The order events the buyer-message feature hears (after each commit), in order."""
    heard: list[tuple[int, str]] = []
    subscribers = dict(events._subscribers)
    monkeypatch.setattr(events, "_subscribers", subscribers)
    events.subscribe("test", lambda _session, order_id, event: heard.append((order_id, event)))
    return heard


@pytest.fixture
def yard(
    app: flask.Flask, shop: shop_support.Shop, dispatch: test_jobs.FakeDispatch
) -> Iterator[Yard]:
    shipping_support.ready_shop(app, shop)
    with core.Server(ghn_sandbox.GHNSandbox()) as sandbox:
        account_id = shipping_support.connect_ghn(app, shop, sandbox.url)
        yield Yard(app, shop, sandbox, account_id, dispatch)


def test_orders_split_by_producer_book_once_whatever_replies_are_lost(yard: Yard) -> None:
    order_ids = [yard.order(f"Khách {n}") for n in range(6)]
    yard.admin("faults", lost_reply_rate=0.5, seed=11)
    job_id, skipped = yard.book(order_ids)
    assert skipped == [] and job_id is not None
    parcels = yard.parcels()
    # One parcel per order and producer: the fish sauce from Trà Cổ, the tea from Tân Cương.
    assert len(parcels) == 12
    assert {p.status for p in parcels} == {Status.BOOKING}
    first = [p for p in parcels if p.order_id == order_ids[0]]
    assert sorted(p.reference[-2:] for p in first) == ["-1", "-2"]
    nm = next(p for p in first if p.producer_id == yard.shop.people.producer_id)
    assert nm.weight_g == 1300  # 2 × 650 g
    assert nm.cod_amount > 0 and nm.cod_amount == nm.declared_value  # unpaid: all collected
    tea = next(p for p in first if p.producer_id != yard.shop.people.producer_id)
    assert tea.problem is not None and tea.problem["code"] == "warnings"  # weight guessed

    result = yard.run(job_id)
    assert result["booked"] == 12 and result["failed"] == 0
    stats = yard.stats()
    assert stats["duplicates"] == 0
    assert stats["parcels"] == 12 and stats["references"] == 12
    booked = yard.parcels()
    assert all(p.status == Status.CREATED and p.tracking_code for p in booked)
    assert len({p.tracking_code for p in booked}) == 12
    assert all(p.fee > 0 for p in booked)

    # The same job delivered again (a worker retried it) books nothing more.
    with yard.app.app_context():
        db = extensions.db.session
        db.execute(
            sa.update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(status=jobs.JobStatus.QUEUED, worker=None, started_at=None, finished_at=None)
        )
        db.commit()
    again = yard.run(job_id)
    assert again["booked"] == 0 and again["already"] == 12
    assert yard.stats()["parcels"] == 12
    # Pressing "book" again: nothing left to ship, no new row.
    job_again, skipped_again = yard.book(order_ids[:2])
    assert job_again is None
    assert [s["problems"][0]["code"] for s in skipped_again] == ["nothing_to_ship"] * 2
    assert len(yard.parcels()) == 12


def test_an_order_without_an_address_is_skipped_with_the_reason(yard: Yard) -> None:
    order_id = shop_support.enter(
        yard.app,
        {
            "platform": "facebook",
            "buyer_name": "Hoa",
            "lines": [{"sku": "NM-500", "quantity": "1"}],
        },
    )
    job_id, skipped = yard.book([order_id])
    assert job_id is None
    assert skipped == [
        {
            "order_id": order_id,
            "problems": [
                {"code": "address_missing", "params": {}},
                {"code": "recipient_phone_missing", "params": {}},
            ],
        }
    ]
    assert yard.parcels() == []


def test_a_producer_the_courier_cannot_reach_holds_its_parcel_back(yard: Yard) -> None:
    with yard.app.app_context():
        db = extensions.db.session
        tea = db.get(orgs.Producer, yard.shop.people.other_producer_id)
        assert tea is not None
        tea.phone = "12345"  # not a Vietnamese number
        tea_name = tea.name
        db.commit()
    order_id = yard.order("Hoa")
    job_id, skipped = yard.book([order_id])
    assert job_id is None and yard.parcels() == []
    (held,) = skipped
    assert held["problems"] == [
        {"code": "producer_phone_missing", "params": {"producer": tea_name}}
    ]
    with yard.app.test_request_context():
        words = shipping_labels.problem_label(held["problems"][0])
    assert words == f"{tea_name} chưa có số điện thoại hợp lệ để bưu tá gọi."


def test_webhooks_move_parcels_and_orders_once_and_never_back(yard: Yard) -> None:
    order_id = yard.order("Lan")
    job_id, _ = yard.book([order_id])
    assert job_id is not None
    yard.run(job_id)
    nm, tea = sorted(yard.parcels(), key=lambda p: p.producer_id != yard.shop.people.producer_id)
    with payment_support.serving(yard.app) as url:
        with yard.app.app_context():
            key = extensions.db.session.get(models.CarrierAccount, yard.account_id).webhook_key
        yard.admin("webhook", url=f"{url}/webhooks/carriers/{key}")
        yard.admin("faults", duplicate_rate=1.0, seed=3)  # every webhook arrives twice
        yard.admin(f"parcels/{nm.tracking_code}/status", status="picked")
        yard.admin("drain")
        assert yard.order_state(order_id)[0] == "shipped"
        for status in ("delivering", "delivered"):
            yard.admin(f"parcels/{nm.tracking_code}/status", status=status)
        yard.admin("drain")
        # One parcel delivered, the tea still on its way: the order stays shipped.
        assert yard.order_state(order_id)[0] == "shipped"
        yard.admin(f"parcels/{tea.tracking_code}/status", status="delivered")
        yard.admin("drain")
        assert yard.order_state(order_id)[0] == "completed"
        # A late "delivering" after "delivered" is kept in the history, never applied.
        yard.admin(f"parcels/{tea.tracking_code}/status", status="delivering")
        yard.admin("drain")
    parcels = {p.id: p for p in yard.parcels()}
    assert parcels[nm.id].status == Status.DELIVERED and parcels[tea.id].status == Status.DELIVERED
    with yard.app.app_context():
        db = extensions.db.session
        events = list(
            db.scalars(
                sa.select(models.ShipmentEvent).where(models.ShipmentEvent.shipment_id == tea.id)
            )
        )
        history = list(
            db.scalars(
                sa.select(orders.OrderStatusChange).where(
                    orders.OrderStatusChange.order_id == order_id
                )
            )
        )
    # Booked (before the webhook address was given), delivered, the late delivering: each
    # once, though every webhook came twice.
    assert sorted(str(e.status) for e in events) == ["created", "delivered", "delivering"]
    assert [e.applied for e in events if e.status == Status.DELIVERING] == [False]
    assert [(str(h.from_status), str(h.to_status), str(h.via)) for h in history] == [
        ("placed", "shipped", "shipping"),
        ("shipped", "completed", "shipping"),
    ]


def test_a_returned_parcel_restocks_its_units_once_and_reports_count_a_return(
    yard: Yard, told: list[tuple[int, str]]
) -> None:
    order_id = yard.order("Minh", che=0, session_id=yard.shop.session_id)
    sold = yard.session_figures()
    assert sold["orders"] == 1 and sold["units"] == 2 and sold["net_gmv"] == sold["gmv"] > 0
    before = yard.stock("NM-500")
    job_id, _ = yard.book([order_id])
    assert job_id is not None
    yard.run(job_id)
    (parcel,) = yard.parcels()
    with payment_support.serving(yard.app) as url:
        with yard.app.app_context():
            key = extensions.db.session.get(models.CarrierAccount, yard.account_id).webhook_key
        yard.admin("webhook", url=f"{url}/webhooks/carriers/{key}")
        for status in ("picked", "delivery_fail", "returning", "returned", "returned"):
            yard.admin(f"parcels/{parcel.tracking_code}/status", status=status)
        yard.admin("drain")
        # An unknown webhook address answers 404 and reads nothing.
        assert (
            requests.post(f"{url}/webhooks/carriers/nope", json={}, timeout=30).status_code == 404
        )
    status, lines = yard.order_state(order_id)
    assert status == "returned" and lines == ["returned"]
    # The buyer is told it left, then that delivery failed; never that it was delivered.
    assert [event for oid, event in told if oid == order_id] == ["shipped", "delivery_failed"]
    assert yard.stock("NM-500") == before + 2  # the 2 bottles back, once
    (parcel,) = yard.parcels()
    assert parcel.status == Status.RETURNED and parcel.restocked_at is not None
    # The session's figures count it as a return: in GMV, out of Net GMV, orders and units.
    assert yard.session_figures() == {
        "gmv": sold["gmv"],
        "net_gmv": 0,
        "orders": 0,
        "units": 0,
    }


def test_polling_fills_a_lost_webhook(yard: Yard) -> None:
    order_id = yard.order("Hà", che=0)
    job_id, _ = yard.book([order_id])
    assert job_id is not None
    yard.run(job_id)
    (parcel,) = yard.parcels()
    # No webhook registered: the carrier's news reaches the app only when asked.
    yard.admin(f"parcels/{parcel.tracking_code}/status", status="delivered")
    with yard.app.app_context():
        db = extensions.db.session
        db.execute(sa.update(models.Shipment).values(status_at=clock.utcnow() - polling.STALE * 2))
        db.commit()
        outcome = polling.poll(db)
    assert outcome.applied == 1
    assert yard.order_state(order_id)[0] == "completed"
    with yard.app.app_context():
        again = polling.poll(extensions.db.session)  # just asked: not due again
    assert again.applied == 0 and again.stored == 0
