"""Shipping a live session's orders, in the browser, on both databases: the coordinator
connects the club's GHN and GHTK accounts on the carriers page; a seller picks the session's
orders, compares the carriers' fees, books them all in one go (a real worker runs the quote and
booking jobs), prints every label as one A6 PDF — rendered to images here, each tracking code's
barcode read back — then the carriers' sandboxes deliver and their webhooks reach the app: the
order list shows every order delivered."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from pathlib import Path

import flask
import pypdfium2
import pytest
import requests
import sqlalchemy as sa
import zxingcpp
from playwright.sync_api import Page, expect

from app import extensions
from app.models import accounts, live, orders
from app.models import shipping as models
from sandbox import core
from sandbox.carriers import ghn, ghtk
from tests.e2e import conftest as e2e
from tests.support import workers

pytestmark = pytest.mark.e2e

COORDINATOR = e2e.DEMO_USERS[accounts.Role.COORDINATOR]
SELLER = e2e.DEMO_USERS[accounts.Role.SELLER]


@dataclasses.dataclass
class Stack(e2e.Served):
    carriers: dict[str, str]  # carrier → its sandbox's URL
    session_id: int
    order_ids: list[int]


def _orders_into_session(app: flask.Flask) -> tuple[int, list[int]]:
    """The demo's orders waiting to ship, taken in its desk's live session."""
    with app.app_context():
        db = extensions.session()
        show = db.scalars(
            sa.select(live.LiveSession).where(live.LiveSession.platform == "youtube")
        ).one()
        found = list(
            db.scalars(sa.select(orders.Order).where(orders.Order.external_id.like("DEMO-SHIP-%")))
        )
        for order in found:
            order.session_id = show.id
        db.commit()
        return show.id, sorted(o.id for o in found)


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, new_database: e2e.NewDatabase
) -> Iterator[Stack]:
    app, db_url, folder = e2e.demo_app(tmp_path_factory, new_database, "e2e-shipping")
    session_id, order_ids = _orders_into_session(app)
    depots = {"ghn": ghn.GHNSandbox(realtime=True), "ghtk": ghtk.GHTKSandbox(realtime=True)}
    try:
        with (
            e2e.serving(app) as url,
            core.Server(depots["ghn"]) as ghn_server,
            core.Server(depots["ghtk"]) as ghtk_server,
        ):
            carriers = {"ghn": ghn_server.url, "ghtk": ghtk_server.url}
            yield Stack(app, url, db_url, folder, carriers, session_id, order_ids)
    finally:
        for served in depots.values():
            served.depot.close()


@pytest.fixture(scope="module")
def live_server(stack: Stack) -> e2e.LiveServer:
    return e2e.LiveServer(stack.url, dict(e2e.DEMO_USERS))


def _connect(page: Page, stack: Stack) -> None:
    """The coordinator connects GHN and GHTK (the sandboxes' demo credentials) and gives each
    carrier the webhook address the page shows, as she would on the carrier's portal."""
    page.goto("/shipping/carriers")
    settings = {
        "ghn": ghn.demo_config(stack.carriers["ghn"]),
        "ghtk": ghtk.demo_config(stack.carriers["ghtk"]),
    }
    for carrier, config in settings.items():
        form = page.get_by_test_id(f"connect-{carrier}")
        for name, value in config.items():
            form.locator(f"[name='config.{name}']").fill(value)
        page.get_by_test_id(f"connect-{carrier}-submit").click()
    accounts_shown = page.get_by_test_id("carrier-account")
    expect(accounts_shown).to_have_count(2)
    for carrier, name in (("ghn", "GHN"), ("ghtk", "GHTK")):
        shown = accounts_shown.filter(has_text=name).first
        address = shown.get_by_test_id("webhook-url").inner_text().strip()
        assert address.startswith(f"{stack.url}/webhooks/carriers/"), address
        requests.post(
            f"{stack.carriers[carrier]}/_sandbox/webhook", json={"url": address}, timeout=10
        ).raise_for_status()


def _parcels(stack: Stack) -> list[models.Shipment]:
    with stack.app.app_context():
        db = extensions.session()
        db.expire_all()
        rows = list(db.scalars(sa.select(models.Shipment).order_by(models.Shipment.id)))
        db.expunge_all()
        return rows


def _wait(check: object, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


def _barcodes(pdf: bytes) -> list[str]:
    """Every Code 128 barcode read on every page of ``pdf`` rendered at 200 dpi (the QR code
    beside it holds the same tracking code)."""
    found: list[str] = []
    document = pypdfium2.PdfDocument(pdf)
    for index in range(len(document)):
        image = document[index].render(scale=200 / 72).to_pil()
        hits = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
        found += [hit.text for hit in hits]
    return found


def test_a_sessions_orders_are_compared_booked_labelled_and_delivered(
    stack: Stack, new_page: e2e.NewPage
) -> None:
    coordinator, seller = e2e.signed_in(new_page, COORDINATOR, SELLER)
    _connect(coordinator, stack)
    worker = e2e.start_worker(stack.db_url, stack.folder, "e2e-shipping")
    try:
        # The session's orders waiting to ship, all ready (addresses, producers' pickup).
        seller.goto(f"/shipping/?session_id={stack.session_id}")
        rows = seller.get_by_test_id("to-ship-row")
        expect(rows).to_have_count(len(stack.order_ids))
        for order_id in stack.order_ids:
            box = seller.locator(f"[data-testid=to-ship-row][data-order='{order_id}'] input")
            expect(box).to_be_checked()
        seller.get_by_test_id("compare-fees").click()

        # The quote job's table: GHN and GHTK side by side, cheapest first and chosen.
        expect(seller.get_by_test_id("quotes")).to_be_visible(timeout=60_000)
        quote_rows = seller.get_by_test_id("quote-row")
        expect(quote_rows).to_have_count(len(stack.order_ids))
        first = quote_rows.first
        expect(first).to_contain_text("GHN")
        expect(first).to_contain_text("GHTK")
        # Book one order with GHTK (not the cheapest offer), the others as chosen.
        ghtk_option = first.locator("label", has_text="GHTK").first.locator("input")
        ghtk_option.check()
        seller.get_by_test_id("book").click()
        expect(seller).to_have_url(re.compile(r"/shipping/parcels"))

        # The booking job books every parcel (the two-producer order is two parcels).
        _wait(
            lambda: (p := _parcels(stack)) and all(x.tracking_code for x in p),
            "every parcel booked",
        )
        parcels = _parcels(stack)
        assert len(parcels) == len(stack.order_ids) + 1
        assert {p.carrier for p in parcels} == {"ghn", "ghtk"}
        codes = sorted(p.tracking_code or "" for p in parcels)

        # Every label in one A6 PDF; each tracking code's barcode reads back.
        seller.goto("/shipping/parcels")
        expect(seller.get_by_test_id("parcel-row")).to_have_count(len(parcels))
        for box in seller.locator("[data-testid=parcel-row] input[type=checkbox]").all():
            box.check()
        with seller.expect_download() as waiting:
            seller.get_by_test_id("labels-a6").click()
        pdf = Path(waiting.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        read = _barcodes(pdf)
        assert sorted(read) == codes, read

        # The carriers deliver; their webhooks reach the app; the order list says so.
        for carrier, status in (("ghn", "delivered"), ("ghtk", "5")):
            requests.post(
                f"{stack.carriers[carrier]}/_sandbox/advance", json={"status": status}, timeout=10
            ).raise_for_status()
        _wait(
            lambda: all(p.status == models.ShipStatus.DELIVERED for p in _parcels(stack)),
            "every parcel delivered",
        )
        seller.goto("/orders/?per_page=100")
        for order_id in stack.order_ids:
            row = seller.locator(f"tr:has(a[href$='/orders/{order_id}'])")
            expect(row.get_by_test_id("order-parcel")).to_contain_text("Đã giao")
    finally:
        workers.stop(worker)
