"""Shipping on the production setup of docs/deploy.md: gunicorn (gthread workers), PostgreSQL,
a Redis broker and two default-queue workers. Over the API a seller compares fees and books a
day's orders; a second seller presses "book" for the same orders at the same time (no second
parcel for any line); the workers book with replies lost on the way back (0 duplicates at the
carrier); the sandbox GHN's webhooks reach gunicorn and every order ends delivered."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.models import shipping as models
from sandbox import core
from sandbox.carriers import ghn as ghn_sandbox
from tests import conftest
from tests.integration.app import test_live_production as production
from tests.integration.app import test_orders_import as shop_support
from tests.support import net, workers
from tests.support import shipping as shipping_support

pytestmark = pytest.mark.worker


@pytest.fixture
def ghn() -> Iterator[core.Server[ghn_sandbox.GHNSandbox]]:
    served = ghn_sandbox.GHNSandbox(realtime=True)
    try:
        with core.Server(served) as server:
            yield server
    finally:
        served.depot.close()


def _job(base: str, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        job = requests.get(f"{base}/jobs/{job_id}", headers=headers, timeout=10).json()
        return job if job["status"] in ("succeeded", "failed", "cancelled") else None

    found: dict[str, Any] = production._wait(f"job {job_id} ends", done, timeout=120)
    assert found["status"] == "succeeded", found
    return found


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_gunicorn_postgresql_redis_and_workers_ship_a_days_orders(
    app: flask.Flask,
    shop: shop_support.Shop,
    db_url: str,
    redis_server: object,
    tmp_path: Path,
    ghn: core.Server[ghn_sandbox.GHNSandbox],
) -> None:
    shipping_support.ready_shop(app, shop)
    account_id = shipping_support.connect_ghn(app, shop, ghn.url)
    order_ids = [shipping_support.order_to_ship(app, f"Khách {n}", che=n % 2) for n in range(8)]
    with app.app_context():
        key = extensions.session().get(models.CarrierAccount, account_id).webhook_key
    tokens = {
        role: {"Authorization": f"Bearer {conftest.issue_token(app, shop.people.username(role))}"}
        for role in ("coordinator", "seller")
    }
    env = production._production_env(db_url, tmp_path, redis_server.url(6))  # type: ignore[attr-defined]
    port = net.free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    web = workers.gunicorn(env, port)
    processes = [
        workers.start(env, tmp_path / f"default{n}.log", f"default{n}", concurrency=2)
        for n in (1, 2)
    ]
    try:
        net.wait_for_http(f"http://127.0.0.1:{port}/healthz", attempts=300)
        requests.post(
            f"{ghn.url}/_sandbox/webhook",
            json={"url": f"http://127.0.0.1:{port}/webhooks/carriers/{key}"},
            timeout=10,
        ).raise_for_status()
        requests.post(
            f"{ghn.url}/_sandbox/faults", json={"lost_reply_rate": 0.3, "seed": 5}, timeout=10
        ).raise_for_status()

        quoted = requests.post(
            f"{base}/shipping/quotes", json={"order_ids": order_ids}, headers=tokens["seller"]
        )
        assert quoted.status_code == 202, quoted.text
        rows = _job(base, tokens["seller"], quoted.json()["id"])["result"]["rows"]
        assert len(rows) == len(order_ids) + 4  # the four orders with tea are two parcels
        assert all(row["quotes"] and not row["problems"] for row in rows)

        choices = [{"order_id": i, "account_id": account_id} for i in order_ids]

        def book(role: str) -> requests.Response:
            return requests.post(
                f"{base}/shipping/bookings", json={"choices": choices}, headers=tokens[role]
            )

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(book, ["seller", "coordinator"]))
        assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
        # One of them wrote the parcels; the other found every line packed already.
        booked = [a.json() for a in answers if a.json()["job"] is not None]
        late = [a.json() for a in answers if a.json()["job"] is None]
        assert len(booked) == 1 and len(late) == 1
        assert {p["code"] for s in late[0]["skipped"] for p in s["problems"]} == {"nothing_to_ship"}
        for role, answer in zip(["seller", "coordinator"], answers, strict=True):
            if answer.json()["job"] is not None:  # each sees the jobs they started
                _job(base, tokens[role], answer.json()["job"]["id"])

        def all_booked() -> list[dict[str, Any]] | None:
            page = requests.get(
                f"{base}/shipping/parcels?per_page=100", headers=tokens["seller"], timeout=10
            ).json()
            items: list[dict[str, Any]] = page["items"]
            return items if items and all(p["tracking_code"] for p in items) else None

        parcels = production._wait("every parcel booked", all_booked)
        assert len(parcels) == len(order_ids) + 4
        stats = requests.get(f"{ghn.url}/_sandbox/stats", timeout=10).json()
        assert stats["duplicates"] == 0 and stats["parcels"] == len(parcels)

        requests.post(
            f"{ghn.url}/_sandbox/advance", json={"status": "delivered"}, timeout=10
        ).raise_for_status()

        def delivered() -> bool:
            with app.app_context():
                db = extensions.session()
                db.rollback()
                statuses = set(db.scalars(sa.select(models.Shipment.status)))
            return statuses == {models.ShipStatus.DELIVERED}

        production._wait("the webhooks deliver every parcel", delivered)
        for order_id in order_ids:
            order = requests.get(f"{base}/orders/{order_id}", headers=tokens["seller"]).json()
            assert order["status"] == "completed"
    finally:
        workers.stop_gunicorn(web)
        for process in processes:
            workers.stop(process)
