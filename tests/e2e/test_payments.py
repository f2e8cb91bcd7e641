"""Getting paid and telling the buyer, in the browser, on both databases: the coordinator
connects the club's Zalo Official Account through the (sandbox) consent dialog, registers
its ZNS templates and chooses them for "taken" and "paid"; a seller takes an order on the live
desk; the buyer opens the payment page (VietQR), the sandbox bank receives the transfer and
its SePay webhook reaches the app; the order turns paid on the open desk without a reload,
and the buyer's Zalo message log (the sandbox's) shows "taken" and "paid", as does the
order's page. A real worker sends the messages."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app import extensions
from app.http import addresses
from app.models import accounts, live, orders
from sandbox import core, messaging, servers
from sandbox import messaging as messaging_sandbox
from tests.e2e import conftest as e2e
from tests.support import workers
from vietnam import transfers

pytestmark = pytest.mark.e2e

COORDINATOR = e2e.DEMO_USERS[accounts.Role.COORDINATOR]
SELLER = e2e.DEMO_USERS[accounts.Role.SELLER]
BUYER_PHONE = "0912345678"
TEMPLATE_PARAMS = "customer_name: name\norder_code: code\namount: amount"


@dataclasses.dataclass
class Stack:
    """The app (served) with the demo club, the sandbox bank sending SePay's webhooks to it,
    and the Zalo/Messenger sandbox."""

    app: flask.Flask
    url: str
    db_url: str
    folder: Path
    bank_url: str
    zalo_url: str
    session_id: int  # the demo's desk session (typed comments)
    code: str  # a run-of-show code of it


def _desk_session(app: flask.Flask) -> tuple[int, str]:
    with app.app_context():
        show = (
            extensions.session()
            .scalars(sa.select(live.LiveSession).where(live.LiveSession.platform == "youtube"))
            .one()
        )
        slot = next(s for s in show.slots if s.code)
        return show.id, str(slot.code)


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, new_database: e2e.NewDatabase
) -> Iterator[Stack]:
    # The demo's shops: the club's account at the sandbox bank, on its SePay.
    app, db_url, folder = e2e.demo_app(tmp_path_factory, new_database, "e2e-payments", shops=True)
    session_id, code = _desk_session(app)
    with (
        e2e.serving(app) as url,
        core.Server(servers.bank_sandbox(url)) as bank,
        messaging_sandbox.Server(messaging.MessagingSandbox()) as zalo,
    ):
        yield Stack(app, url, db_url, folder, bank.url, zalo.url, session_id, code)


@pytest.fixture(scope="module")
def live_server(stack: Stack) -> e2e.LiveServer:
    """This module's app for the shared page fixtures (``new_page`` opens pages on it)."""
    return e2e.LiveServer(stack.url, dict(e2e.DEMO_USERS))


def _connect_zalo(page: Page, stack: Stack) -> None:
    """The coordinator connects the OA (the consent dialog is the sandbox's), registers the
    two approved templates and chooses them for "taken" and "paid"."""
    page.goto("/messages/")
    page.fill("input[name=app_id]", messaging.DEMO_APP_ID)
    page.fill("input[name=app_secret]", messaging.DEMO_APP_SECRET)
    page.fill("input[name=oa_secret]", messaging.DEMO_OA_SECRET)
    for name in ("oauth_base_url", "oa_api_base_url", "zns_api_base_url"):
        page.fill(f"input[name={name}]", stack.zalo_url)
    page.get_by_test_id("zalo-connect").click()
    expect(page).to_have_url(re.compile(r"/messages/$"))
    expect(page.get_by_test_id("connection-status")).to_contain_text("Đã kết nối")
    for template_id, name in (("250001", "Xác nhận đơn hàng"), ("250002", "Xác nhận thanh toán")):
        form = page.get_by_test_id("zns-templates")
        form.locator("input[name=template_id]").fill(template_id)
        form.locator("input[name=name]").fill(name)
        form.locator("textarea[name=params]").fill(TEMPLATE_PARAMS)
        form.locator("input[name=price]").fill("300")
        page.get_by_test_id("zns-template-add").click()
        expect(page.get_by_test_id("zns-template").filter(has_text=template_id)).to_be_visible()
    for event, name in (("taken", "Xác nhận đơn hàng"), ("paid", "Xác nhận thanh toán")):
        rule = page.get_by_test_id(f"rule-{event}")
        rule.locator(f"select[name='{event}-channel']").select_option("zalo_zns")
        rule.locator(f"select[name='{event}-template']").select_option(label=name)
        rule.locator(f"input[name='{event}-enabled']").check()
        rule.get_by_role("button").click()
        saved = page.get_by_test_id(f"rule-{event}").locator(f"select[name='{event}-channel']")
        expect(saved).to_have_value("zalo_zns")


def _pay_path(app: flask.Flask, order_id: int) -> str:
    with app.test_request_context():
        return flask.url_for("public.pay", token=addresses.pay_token(order_id))


def _zalo_log(stack: Stack) -> list[dict[str, Any]]:
    reply = requests.get(
        f"{stack.zalo_url}/_sandbox/messages", params={"phone": BUYER_PHONE}, timeout=10
    )
    reply.raise_for_status()
    found: list[dict[str, Any]] = reply.json()["messages"]
    return found


def _wait_for_log(stack: Stack, count: int) -> list[dict[str, Any]]:
    """The buyer's Zalo messages once there are ``count`` (the worker sends them)."""
    for _ in range(600):
        found = _zalo_log(stack)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"the buyer's Zalo log never reached {count}: {_zalo_log(stack)}")


def test_a_desk_order_paid_by_transfer_turns_paid_and_the_buyer_hears_of_it(
    stack: Stack, new_page: e2e.NewPage
) -> None:
    coordinator, seller = e2e.signed_in(new_page, COORDINATOR, SELLER)
    buyer = new_page()
    _connect_zalo(coordinator, stack)
    worker = e2e.start_worker(stack.db_url, stack.folder, "e2e-payments")
    try:
        # A buyer's comment, typed on the desk; the seller confirms it: an order, held.
        seller.goto(f"/live/sessions/{stack.session_id}/desk")
        seller.fill("textarea[name=comments]", f"Lan: chốt 1 {stack.code} sđt {BUYER_PHONE}")
        seller.get_by_test_id("desk-manual-add").click()
        row = seller.get_by_test_id("desk-row").filter(has_text=f"chốt 1 {stack.code}")
        row.get_by_test_id("desk-confirm").click()
        expect(row.get_by_test_id("desk-hold")).to_contain_text("giữ hàng đến")
        seller.evaluate("window.__sameDocument = true")
        with stack.app.app_context():
            order = (
                extensions.session()
                .scalars(sa.select(orders.Order).where(orders.Order.buyer_phone == BUYER_PHONE))
                .one()
            )
            order_id, amount = order.id, order.amount
        code = transfers.make_code(order_id)
        taken = _wait_for_log(stack, 1)
        assert taken[0]["tracking_id"] == f"{code}-taken"

        # The buyer opens the payment page: the VietQR code, the amount and the content.
        buyer.goto(_pay_path(stack.app, order_id))
        expect(buyer.get_by_test_id("pay-qr").locator("svg")).to_be_visible()
        expect(buyer.get_by_test_id("pay-reference")).to_have_text(code)
        shown_amount = buyer.get_by_test_id("pay-amount").inner_text()
        assert re.sub(r"\D", "", shown_amount) == str(amount)

        # The buyer's bank app sends it (its own words around the code, as banks do); the
        # sandbox bank tells SePay, whose webhook reaches the app.
        paid = requests.post(
            f"{stack.bank_url}/_sandbox/pay",
            json={"amount": amount, "content": f"MBVCB.3278907687.{code}.Lan chuyen tien"},
            timeout=10,
        )
        assert paid.status_code == 200
        # The open desk shows it paid, without a reload.
        expect(row.get_by_test_id("desk-paid")).to_be_visible(timeout=20_000)
        expect(row.get_by_test_id("desk-hold")).to_have_count(0)
        assert seller.evaluate("window.__sameDocument") is True, "no reload"

        # The buyer heard "taken" then "paid" on Zalo.
        log = _wait_for_log(stack, 2)
        assert [m["tracking_id"] for m in log] == [f"{code}-taken", f"{code}-paid"]
        assert [m["template_id"] for m in log] == ["250001", "250002"]
        assert all(m["template_data"]["order_code"] == code for m in log)
    finally:
        workers.stop(worker)

    with stack.app.app_context():
        db = extensions.session()
        db.expire_all()
        order = db.get_one(orders.Order, order_id)
        assert (order.status, order.paid_amount) == (orders.OrderStatus.PAID, amount)
    coordinator.goto(f"/orders/{order_id}")
    expect(coordinator.get_by_test_id("order-status")).to_contain_text("Đã thanh toán")
    logged = coordinator.get_by_test_id("order-message")
    expect(logged).to_have_count(2)
    for event, label in (("taken", "Đã nhận đơn"), ("paid", "Đã thanh toán")):
        message = coordinator.locator(f"[data-testid=order-message][data-event={event}]")
        expect(message).to_have_attribute("data-status", re.compile("sent|delivered"))
        expect(message).to_contain_text(label)
