"""The demo's buyer messages end to end, on both databases, against the real sandboxes served
over HTTP on 127.0.0.1 as ``make run`` starts them: the demo loaded with the messaging sandbox
connects its Zalo OA through the consent page (no person clicks), registers the sandbox's ZNS
templates and a rule per order event; a desk order sends "taken" (ZNS) and, to a buyer who
wrote to the OA, the payment link (OA text, built from PUBLIC_BASE_URL with no request); a
transfer through the bank sandbox's SePay webhook pays the order and sends "paid"; the
reminder chore's message carries the payment link too. Loading again changes nothing;
connecting again (each start of ``make run``) gives a fresh pair; a messaging sandbox that
does not answer leaves the OA awaiting consent and everything else loaded."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import flask
import flask.testing
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.http import addresses
from app.live import desk, holds
from app.messages import sending
from app.models import accounts, comments, live, orders
from app.models import messages as models
from app.orders import payments
from app.setup import demo
from sandbox import core, messaging, servers
from tests import conftest
from tests.integration.app import test_jobs
from tests.integration.app.test_messages import LAN_PHONE, LAN_ZALO, messages_of, run_jobs, wait_for
from tests.integration.integrations.test_messaging_sandbox import admin, inbox
from tests.support import payments as support

Status = comments.MessageStatus


@dataclasses.dataclass
class Demo:
    """The app served (PUBLIC_BASE_URL there) with the demo loaded, beside the messaging and
    bank sandboxes whose webhooks reach it; the jobs the app queued."""

    app: flask.Flask
    url: str
    messages: core.Server[messaging.MessagingSandbox]
    bank: str
    dispatch: test_jobs.FakeDispatch
    summary: demo.DemoSummary

    def desk_order(self, text: str = f"chốt 2 NM01 sđt {LAN_PHONE}") -> orders.Order:
        """A viewer's comment on the demo's live desk, confirmed by a seller."""
        session = extensions.session()
        show = session.scalars(
            sa.select(live.LiveSession).where(live.LiveSession.platform == "youtube")
        ).one()
        comment = comments.LiveComment(
            club_id=show.club_id,
            session_id=show.id,
            origin=comments.CommentOrigin.CAPTURE,
            platform="youtube",
            live_id=demo.DEMO_LIVE_VIDEO,
            comment_id=f"c-{text}",
            author_id="UC-lan",
            author_name="Lan",
            text=text,
            commented_at=show.starts_at + dt.timedelta(minutes=1),
        )
        session.add(comment)
        session.commit()
        return desk.confirm(session, conftest.user_named("banhang.minh"), comment.id)

    def pay(self, order: orders.Order) -> None:
        """The buyer transfers the order's amount with its code; the app turns it paid."""
        paid = requests.post(
            f"{self.bank}/_sandbox/pay",
            json={"amount": order.amount, "content": f"{payments.reference(order)} ck"},
            timeout=10,
        )
        assert paid.status_code == 200, paid.text
        order_id = order.id
        wait_for(lambda: support.order_states(self.app, [order_id])[order_id][0] == "paid", "paid")

    def lan_writes_to_the_oa(self) -> None:
        said = admin(self.messages, "user-message", user_id=LAN_ZALO, text=f"sđt {LAN_PHONE}")
        assert said["webhook"] == {"event": "user_send_text", "status": 200}


@pytest.fixture
def rig(
    app: flask.Flask, categories: dict[str, int], dispatch: test_jobs.FakeDispatch
) -> Iterator[Demo]:
    with support.serving(app) as url:
        bank = servers.bank_sandbox(url)
        try:
            with (
                messaging.Server(servers.messaging_sandbox(url)) as messages_server,
                core.Server(bank) as bank_server,
                app.app_context(),
            ):
                summary = demo.load(
                    extensions.session(),
                    "demo-pass",
                    sandbox_urls={"messaging": messages_server.url},
                )
                yield Demo(app, url, messages_server, bank_server.url, dispatch, summary)
        finally:
            bank.bank.close()


def zalo_connection() -> models.MessageConnection:
    session = extensions.session()
    session.rollback()  # see what the served app committed
    row = session.scalar(
        sa.select(models.MessageConnection).where(models.MessageConnection.provider == "zalo")
    )
    assert row is not None
    return row


def test_the_demo_tells_the_buyer_taken_then_paid_through_the_sandboxes(rig: Demo) -> None:
    assert rig.summary.created and rig.summary.zalo_problem is None
    zalo = zalo_connection()
    assert zalo.status is models.ConnectionStatus.CONNECTED and zalo.token_version == 1
    assert zalo.config["oa_id"] == messaging.DEMO_OA_ID
    session = extensions.session()
    rules = {
        r.event: (r.channel, r.template.template_id if r.template else None)
        for r in session.scalars(sa.select(models.MessageRule))
    }
    assert rules == {
        "taken": ("zalo_zns", "250001"),
        "payment_qr": ("zalo_oa", None),
        "paid": ("zalo_zns", "250002"),
        "payment_reminder": ("zalo_oa", None),
        "shipped": ("zalo_oa", None),
        "delivered": ("zalo_oa", None),
        "cancelled": ("zalo_oa", None),
        "delivery_failed": ("zalo_oa", None),
    }  # fmt: skip
    rig.lan_writes_to_the_oa()  # she follows the OA and wrote with her phone: OA texts reach her

    order = rig.desk_order()
    order_id, code = order.id, payments.reference(order)
    assert [(m.event, m.status) for m in messages_of(order_id)] == [
        ("taken", Status.QUEUED),
        ("payment_qr", Status.QUEUED),
    ]
    assert run_jobs(rig.dispatch) == ["sent", "sent"]
    taken, link = inbox(rig.messages, phone=LAN_PHONE)
    assert (taken["channel"], taken["template_id"]) == ("zalo_zns", "250001")
    amount = sending.money(order.amount)
    assert taken["template_data"] == {"customer_name": "Lan", "order_code": code, "amount": amount}
    assert taken["text"] == f"Chào Lan, shop đã nhận đơn {code}, tổng {amount} đ."
    # The payment link, built in no request from PUBLIC_BASE_URL, opens the order's VietQR.
    assert link["channel"] == "zalo_oa" and f"{rig.url}/pay/" in link["text"]
    pay_link = next(word for word in link["text"].split() if word.startswith(f"{rig.url}/pay/"))
    page = requests.get(pay_link.rstrip(","), timeout=10)
    assert page.status_code == 200 and code in page.text
    wait_for(lambda: messages_of(order_id)[0].delivered_at is not None, "ZNS delivery callback")

    queued = len(rig.dispatch.sent)
    rig.pay(order)
    # The served app writes the message, then queues its job: wait for both.
    wait_for(
        lambda: len(messages_of(order_id)) == 3 and len(rig.dispatch.sent) > queued,
        "the paid message and its job",
    )
    assert run_jobs(rig.dispatch) == ["sent"]
    assert [(m.event, m.status) for m in messages_of(order_id)] == [
        ("taken", Status.SENT),
        ("payment_qr", Status.SENT),
        ("paid", Status.SENT),
    ]
    *_before, paid = inbox(rig.messages, phone=LAN_PHONE)
    assert (paid["channel"], paid["template_id"]) == ("zalo_zns", "250002")
    assert paid["text"] == f"Chào Lan, shop đã nhận {amount} đ cho đơn {code}. Cảm ơn bạn!"
    buyer_page = requests.get(
        f"{rig.messages.url}/_sandbox/inbox", params={"phone": LAN_PHONE}, timeout=10
    ).text
    assert "shop đã nhận đơn" in buyer_page and "Cảm ơn bạn!" in buyer_page


def test_the_reminder_chore_sends_the_payment_link_with_no_request(rig: Demo) -> None:
    rig.lan_writes_to_the_oa()
    order = rig.desk_order()
    order_id = order.id
    assert order.hold_until is not None
    assert not flask.has_request_context()
    later = order.hold_until + dt.timedelta(minutes=1)
    holds.release_due(extensions.session(), now=lambda: later)
    reminder = messages_of(order_id)[-1]
    assert (reminder.event, reminder.status) == ("payment_reminder", Status.QUEUED)
    assert run_jobs(rig.dispatch) == ["sent", "sent", "sent"]
    pay_link = addresses.pay_url(order_id)
    assert pay_link.startswith(f"{rig.url}/pay/")
    *_before, received = inbox(rig.messages, phone=LAN_PHONE)
    assert received["channel"] == "zalo_oa" and pay_link in received["text"]


def test_loading_again_changes_nothing_and_each_start_connects_afresh(
    rig: Demo, runner: flask.testing.FlaskCliRunner
) -> None:
    session = extensions.session()
    counts = [
        session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in (models.MessageConnection, models.MessageTemplate, models.MessageRule)
    ]
    assert counts == [2, 3, 8]
    again = demo.load(session, "demo-pass", sandbox_urls={"messaging": rig.messages.url})
    assert not again.created
    # `make run` starts a sandbox that forgot its tokens: the OA consents again.
    admin(rig.messages, "reset")
    result = runner.invoke(args=["demo", "connect-zalo"])
    assert result.exit_code == 0 and "Đã kết nối" in result.output
    assert zalo_connection().token_version == 2
    assert [
        session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in (models.MessageConnection, models.MessageTemplate, models.MessageRule)
    ] == counts
    order_id = rig.desk_order().id
    assert run_jobs(rig.dispatch) == ["sent"]
    assert [m["template_id"] for m in inbox(rig.messages, phone=LAN_PHONE)] == ["250001"]
    _taken, link = messages_of(order_id)  # Lan never wrote to the OA: no OA text reaches her
    assert (link.event, link.status) == ("payment_qr", Status.SKIPPED)
    assert link.problem == {"code": "no_address", "params": {}}


def test_a_messaging_sandbox_that_does_not_answer_leaves_the_oa_awaiting_consent(
    app: flask.Flask, categories: dict[str, int], runner: flask.testing.FlaskCliRunner
) -> None:
    with app.app_context():
        summary = demo.load(
            extensions.session(), "demo-pass", sandbox_urls={"messaging": "http://127.0.0.1:9"}
        )
        assert summary.created and summary.zalo_problem
        zalo = zalo_connection()
        assert zalo.status is models.ConnectionStatus.AWAITING_CONSENT and not zalo.tokens_enc
        assert len(extensions.session().scalars(sa.select(models.MessageRule)).all()) == 8
        users = extensions.session().scalars(sa.select(accounts.User.username)).all()
        assert set(summary.usernames) == set(users)
    result = runner.invoke(args=["demo", "connect-zalo"])
    assert result.exit_code == 1 and "Chưa kết nối được" in result.output


def test_connecting_without_the_demo_does_nothing(
    app: flask.Flask, runner: flask.testing.FlaskCliRunner
) -> None:
    result = runner.invoke(args=["demo", "connect-zalo"])
    assert result.exit_code == 0 and "bỏ qua" in result.output


def test_links_for_jobs_follow_public_base_url_with_no_request(
    app: flask.Flask, people: conftest.People
) -> None:
    """A job or a chore has no request: its links come from PUBLIC_BASE_URL (a path in it
    kept); the signed token is the page's; without the setting the message's link is empty."""
    [order_id] = support.place_orders(app, people.club_id, [150_000])
    with app.app_context():
        order = extensions.session().get(orders.Order, order_id)
        assert order is not None and not flask.has_request_context()
        app.config["PUBLIC_BASE_URL"] = None
        assert sending.fields_of(order)["link_thanh_toan"] == ""
        app.config["PUBLIC_BASE_URL"] = "https://ocop.example.vn/clb"
        link = sending.fields_of(order)["link_thanh_toan"]
        token = link.removeprefix("https://ocop.example.vn/clb/pay/")
        assert token != link and addresses.order_of_pay_token(token) == order_id
        assert addresses.public_url("public.product", product_id=7) == (
            "https://ocop.example.vn/clb/p/7"
        )
    with app.test_request_context("/", base_url="http://10.0.0.5:5000/app"):
        assert addresses.pay_url(order_id) == link  # a request's own root is left out
