"""The demo's shipping end to end, on both databases, against the four sandbox carriers served
over HTTP on 127.0.0.1 as ``make run`` starts them (real time, webhooks to the served app):
the demo's orders waiting to ship (one typed in the old three-level form) are quoted by every
carrier, booked one carrier each, walked along each carrier's route by its autopilot, and
every order ends delivered — with no account anywhere."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.jobs import registry
from app.jobs import service as jobs_service
from app.models import jobs, orders
from app.models import shipping as models
from app.setup import demo
from app.shipping import booking
from sandbox import core
from sandbox.carriers import common
from sandbox.carriers import demo as carrier_demo
from tests import conftest
from tests.integration.app import test_jobs
from tests.integration.app.test_messages import wait_for
from tests.support import payments as support


@dataclasses.dataclass
class Yard:
    app: flask.Flask
    sandboxes: dict[str, common.CarrierSandbox]
    pilots: dict[str, carrier_demo.Autopilot]

    def run(self, job_id: int) -> dict[str, Any]:
        session = extensions.db.session
        assert jobs_service.run(session, registry.current(), job_id) == jobs.JobStatus.SUCCEEDED
        job = session.get(jobs.Job, job_id)
        assert job is not None and job.result is not None
        return dict(job.result)


@pytest.fixture
def yard(
    app: flask.Flask, categories: dict[str, int], dispatch: test_jobs.FakeDispatch
) -> Iterator[Yard]:
    with support.serving(app) as url:
        made = {
            name: carrier_demo.sandbox(name, url, step_seconds=3600)
            for name in carrier_demo.SANDBOXES
        }
        servers = {name: core.Server(served).start() for name, (served, _) in made.items()}
        try:
            with app.app_context():
                demo.load(
                    extensions.session(),
                    "demo-pass",
                    carrier_urls={name: server.url for name, server in servers.items()},
                )
                yield Yard(
                    app,
                    {name: served for name, (served, _) in made.items()},
                    {name: pilot for name, (_, pilot) in made.items()},
                )
        finally:
            for name, (served, pilot) in made.items():
                pilot.stop.set()
                servers[name].stop()
                served.depot.close()


def _orders() -> list[orders.Order]:
    session = extensions.db.session
    session.rollback()
    return list(
        session.scalars(
            sa.select(orders.Order)
            .where(orders.Order.external_id.like("DEMO-SHIP-%"))
            .order_by(orders.Order.id)
        )
    )


def test_the_demo_ships_its_orders_through_the_four_sandbox_carriers(yard: Yard) -> None:
    session = extensions.db.session
    waiting = _orders()
    assert len(waiting) == len(demo.ORDERS_TO_SHIP)
    old_form = next(o for o in waiting if "Hoàn Kiếm" in (o.ship_address or ""))
    assert old_form.ship_commune == "Phường Hoàn Kiếm"
    assert old_form.ship_legacy == {
        "province": "Thành phố Hà Nội",
        "district": "Quận Hoàn Kiếm",
        "ward": "Phường Hàng Bạc",
    }
    seller = conftest.user_named("banhang.lan")
    carrier_accounts = {
        row.carrier: row.id for row in session.scalars(sa.select(models.CarrierAccount))
    }
    assert set(carrier_accounts) == set(carrier_demo.SANDBOXES)

    quoted = booking.start_quotes(session, seller, [o.id for o in waiting])
    table = yard.run(quoted.id)["rows"]
    # The order with tea and fish sauce is two parcels (two producers); each parcel has a
    # fee from every carrier.
    assert len(table) == len(waiting) + 1
    for row in table:
        assert row["problems"] == []
        assert set(q["carrier"] for q in row["quotes"]) == set(carrier_demo.SANDBOXES)
        fees = [q["fee"] for q in row["quotes"]]
        assert fees == sorted(fees) and fees[0] > 0

    choices = [
        {"order_id": order.id, "account_id": carrier_accounts[name]}
        for order, name in zip(waiting, carrier_demo.SANDBOXES, strict=True)
    ]
    job, skipped = booking.start_booking(session, seller, choices)
    assert skipped == [] and job is not None
    assert yard.run(job.id)["booked"] == len(waiting) + 1
    session.rollback()
    parcels = list(session.scalars(sa.select(models.Shipment)))
    assert all(p.status == models.ShipStatus.CREATED and p.tracking_code for p in parcels)
    assert {name: s.depot.stats()["parcels"] for name, s in yard.sandboxes.items()} == {
        "ghn": 1,
        "ghtk": 2,
        "viettelpost": 1,
        "vnpost": 1,
    }
    # The autopilots walk every parcel to "delivered"; the webhooks reach the app.
    later = time.time()
    for _step in range(max(len(route) for route in carrier_demo.ROUTES.values())):
        later += 3600
        for pilot in yard.pilots.values():
            pilot.tick(now=later)

    def delivered() -> bool:
        return all(str(o.status) == "completed" for o in _orders())

    wait_for(delivered, "every demo order delivered")
    session.rollback()
    parcels = list(session.scalars(sa.select(models.Shipment)))
    assert {p.status for p in parcels} == {models.ShipStatus.DELIVERED}
    assert all(p.delivered_at is not None for p in parcels)
