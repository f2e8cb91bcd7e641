"""What the Viettel Post and Vietnam Post sandbox tests share: a sandbox per test module
(emptied before each test, no rate limit), its admin calls, places on the 2025 map, the
small webhook receiver that checks calls with the adapter, and the lost-reply and 429 runs."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from integrations import errors, webhooks
from integrations.carriers import base as carriers
from sandbox import core
from sandbox.carriers import postal
from vietnam import admin_units


def sandbox_fixtures(make: Callable[[], postal.PostalSandbox]) -> tuple[Any, Any]:
    """``served`` (one sandbox per module) and ``server`` (it, emptied, no rate limit)."""

    @pytest.fixture(scope="module")
    def served() -> Iterator[core.Server[postal.PostalSandbox]]:
        sandbox = make()
        running = core.Server(sandbox).start()
        yield running
        running.stop()
        sandbox.depot.close()

    @pytest.fixture
    def server(served: core.Server[Any]) -> core.Server[Any]:
        admin(served, "reset")
        admin(served, "rate", rate_limit=0)
        return served

    return served, server


def admin(server: core.Server[Any], action: str, **body: Any) -> Any:
    reply = requests.post(f"{server.url}/_sandbox/{action}", json=body, timeout=30)
    reply.raise_for_status()
    return reply.json()


def look(server: core.Server[Any], what: str) -> Any:
    return requests.get(f"{server.url}/_sandbox/{what}", timeout=10).json()


def place(
    name: str, province: str, commune: str, legacy: tuple[str, str, str] | None
) -> carriers.Place:
    unit = admin_units.find_province(province)
    assert unit is not None
    found = admin_units.find_commune(unit.code, commune)
    assert found is not None
    old = carriers.LegacyPlace(*legacy) if legacy else None
    return carriers.Place(
        name, "0911222333", "Số 5", unit.name, found.name, unit.code, found.code, old
    )


@dataclasses.dataclass
class Receiver:
    """The app's webhook endpoint in small: check with the adapter, keep each update once."""

    adapter: carriers.Carrier
    name: str = "carrier-receiver"
    updates: dict[str, carriers.StatusUpdate] = dataclasses.field(default_factory=dict)
    arrivals: list[str] = dataclasses.field(default_factory=list)
    rejected: list[str] = dataclasses.field(default_factory=list)
    fail_next: int = 0  # answer 500 to this many calls (the carrier retries)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self.answer(Request(environ))(environ, start_response)

    def answer(self, request: Request) -> Response:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return Response("down", status=500)
        try:
            found = self.adapter.parse_webhook(
                dict(request.headers), request.get_data(), dict(request.args)
            )
        except webhooks.WebhookRejected as exc:
            with self.lock:
                self.rejected.append(exc.reason)
            return Response(json.dumps({"error": exc.reason}), status=401)
        with self.lock:
            for update in found:
                self.arrivals.append(update.event_key)
                self.updates.setdefault(update.event_key, update)
        status, reply = self.adapter.webhook_reply()
        return Response(json.dumps(reply), status=status, content_type="application/json")

    def statuses(self) -> dict[str, carriers.ShipStatus]:
        return {u.carrier_status: u.status for u in self.updates.values()}


def book_through_lost_replies(
    server: core.Server[Any],
    adapter: carriers.Carrier,
    ask: Callable[[str], carriers.ShipmentRequest],
    count: int = 40,
) -> list[carriers.Booking]:
    """Half the create replies lost (fixed seed); each booking tried again, as the app's job
    does, until it answers. Checks that no reference got a second parcel."""
    admin(server, "faults", lost_reply_rate=0.5, seed=21)
    bookings = []
    for n in range(count):
        for _ in range(20):
            try:
                bookings.append(adapter.book(ask(f"LOST-{n}")))
                break
            except errors.TransientError:
                continue
    stats = look(server, "stats")
    assert len(bookings) == count
    assert (stats["parcels"], stats["references"], stats["duplicates"]) == (count, count, 0)
    assert any(not b.created for b in bookings)  # some creates were answered by a look-up
    assert len({b.tracking_code for b in bookings}) == count
    return bookings


def rate_limited(server: core.Server[Any], rate: float, call: Callable[[], object]) -> None:
    """Above ``rate`` calls a second the sandbox answers 429, which the adapter raises."""
    admin(server, "rate", rate_limit=rate)
    with pytest.raises(errors.RateLimited) as limited:
        for _ in range(int(rate) * 4):
            call()
    assert limited.value.status == 429 and limited.value.retry_after > 0
