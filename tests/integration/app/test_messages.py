"""Buyer messages on both databases against the messaging sandbox over real HTTP: a club
connects its Zalo OA through the consent page, registers a ZNS template and chooses what each
order event tells the buyer; a desk order sends "taken", a status change "paid"; the sandbox's
webhooks (deliveries, buyers' texts, opt-outs) reach the app served on 127.0.0.1; faults are
retried or fail with their reason; an expired token is refreshed once; one club never reaches
another's connections, templates, rules or messages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import flask
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.jobs import registry, tasks
from app.jobs import service as jobs_service
from app.live import desk, holds
from app.messages import connections
from app.models import comments, jobs, orders
from app.models import messages as models
from app.orders import events
from app.orders import status as order_status
from sandbox import core, messaging
from tests import conftest
from tests.integration.app import test_jobs, test_live_desk
from tests.integration.app.test_live_desk import Desk
from tests.integration.integrations import test_messaging_sandbox as channel_tests
from tests.integration.integrations.test_messaging_sandbox import admin, inbox
from tests.support import clubs as clubs_support
from vietnam import transfers

board = test_live_desk.board  # the desk's fixture: a session with the NM1 and CH2 slots
shared_server = channel_tests.shared_server  # one messaging sandbox for the module
sandbox = channel_tests.server  # reset for each test
LAN_PHONE = "0912345678"
LAN_ZALO = messaging.demo_people(0)[0].zalo_user_id
LAN_PSID = messaging.demo_people(0)[0].psid
Status = comments.MessageStatus


@pytest.fixture
def served(app: flask.Flask) -> Iterator[str]:
    """The app itself on 127.0.0.1, where the sandbox posts its webhooks."""
    with core.Server(app) as server:  # type: ignore[type-var]
        yield server.url


@dataclasses.dataclass
class Later:
    """Jobs queued to run later (retries), recorded instead of sent."""

    sent: list[tuple[int, float]] = dataclasses.field(default_factory=list)

    def __call__(self, seconds: float) -> Any:
        def send(job: jobs.Job, queue: str) -> str:
            self.sent.append((job.id, seconds))
            return f"later-{job.id}"

        return send


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Later:
    recorder = Later()
    monkeypatch.setattr(tasks, "dispatch_later", recorder)
    return recorder


@dataclasses.dataclass
class Club:
    """A club member signed in on a test client, and what they set up."""

    app: flask.Flask
    client: flask.testing.FlaskClient
    sandbox: core.Server[Any]

    def connect_zalo(self, **extra: str) -> None:
        url = self.sandbox.url
        form = {
            "app_id": messaging.DEMO_APP_ID,
            "app_secret": messaging.DEMO_APP_SECRET,
            "oa_secret": messaging.DEMO_OA_SECRET,
            "oauth_base_url": url,
            "oa_api_base_url": url,
            "zns_api_base_url": url,
            **extra,
        }
        consent = self.client.post("/messages/connections/zalo", data=form)
        assert consent.status_code == 302 and consent.location.startswith(url)
        back = requests.get(consent.location, allow_redirects=False, timeout=10)
        callback = urlsplit(back.headers["Location"])
        done = self.client.get(f"{callback.path}?{callback.query}")
        assert done.status_code == 302
        assert self.connection("zalo").status is models.ConnectionStatus.CONNECTED

    def connect_messenger(self) -> None:
        form = {
            "page_id": messaging.DEMO_PAGE_ID,
            "page_access_token": messaging.DEMO_PAGE_TOKEN,
            "app_secret": messaging.DEMO_FB_APP_SECRET,
            "api_base_url": self.sandbox.url,
        }
        assert self.client.post("/messages/connections/messenger", data=form).status_code == 302

    def connection(self, provider: str) -> models.MessageConnection:
        with self.app.app_context():
            found = extensions.session().scalar(
                sa.select(models.MessageConnection).where(
                    models.MessageConnection.provider == provider
                )
            )
            assert found is not None
            extensions.session().expunge(found)
            return found

    def hook(self, served: str, provider: str) -> str:
        return f"{served}/hooks/messages/{self.connection(provider).webhook_key}"

    def template(self, template_id: str, params: str, price: int) -> int:
        form = {"template_id": template_id, "name": f"Mẫu {template_id}", "params": params}
        answer = self.client.post("/messages/templates", data={**form, "price": str(price)})
        assert answer.status_code == 302
        with self.app.app_context():
            found = extensions.session().scalar(
                sa.select(models.MessageTemplate.id).where(
                    models.MessageTemplate.template_id == template_id
                )
            )
            assert found is not None
            return int(found)

    def rule(
        self, event: str, channel: str, *, template: int | None = None, text: str = ""
    ) -> None:
        form = {f"{event}-channel": channel, f"{event}-enabled": "y", f"{event}-text": text}
        if template is not None:
            form[f"{event}-template"] = str(template)
        answer = self.client.post(f"/messages/rules/{event}", data=form)
        assert answer.status_code == 302


@pytest.fixture
def club(
    app: flask.Flask,
    people: conftest.People,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
    sandbox: core.Server[Any],
) -> Club:
    auth.login(people.username("coordinator"))
    return Club(app, client, sandbox)


@dataclasses.dataclass
class Flow:
    """Everything a message test drives: the club's member, the desk, the app served over
    HTTP, the jobs queued (now and later) and the sandbox."""

    club: Club
    board: Desk
    served: str
    dispatch: test_jobs.FakeDispatch
    later: Later
    sandbox: core.Server[Any]

    def run_jobs(self) -> list[str]:
        return run_jobs(self.dispatch, self.later)

    def zns_rule(self, event: str = "taken", template_id: str = "250001") -> int:
        template = self.club.template(template_id, TAKEN_PARAMS, 300)
        self.club.rule(event, "zalo_zns", template=template)
        return template

    def webhooks_to(self, provider: str) -> None:
        key = "webhook_url" if provider == "zalo" else "messenger_webhook_url"
        admin(self.sandbox, "settings", **{key: self.club.hook(self.served, provider)})

    def change(self, order_id: int, status: str) -> None:
        coordinator = conftest.user_named(self.board.people.username("coordinator"))
        order_status.change_status(extensions.session(), coordinator, order_id, status)


@pytest.fixture
def flow(
    club: Club,
    board: Desk,
    served: str,
    dispatch: test_jobs.FakeDispatch,
    later: Later,
    sandbox: core.Server[Any],
) -> Flow:
    return Flow(club, board, served, dispatch, later, sandbox)


TAKEN_PARAMS = "customer_name: name\norder_code: code\namount: amount"


def run_jobs(dispatch: test_jobs.FakeDispatch, later: Later | None = None) -> list[str]:
    """Run every job sent so far (once each); their results' statuses."""
    done: list[str] = []
    ran = getattr(dispatch, "ran", set())
    pending = [job_id for job_id, _queue in dispatch.sent]
    pending += [job_id for job_id, _delay in (later.sent if later else [])]
    for job_id in pending:
        if job_id in ran:
            continue
        ran.add(job_id)
        session = extensions.db.session
        assert jobs_service.run(session, registry.current(), job_id) == jobs.JobStatus.SUCCEEDED
        job = session.get(jobs.Job, job_id)
        assert job is not None and job.result is not None
        done.append(str(job.result["status"]))
    dispatch.ran = ran  # type: ignore[attr-defined]
    return done


def messages_of(order_id: int) -> list[comments.OrderMessage]:
    session = extensions.db.session
    session.rollback()  # see what other connections committed
    return list(
        session.scalars(
            sa.select(comments.OrderMessage)
            .where(comments.OrderMessage.order_id == order_id)
            .order_by(comments.OrderMessage.id)
        )
    )


def desk_order(
    board: Desk, text: str = f"chốt 2 nm1 sđt {LAN_PHONE}", author: str = "UC-lan"
) -> int:
    comment = board.comment(text, author=author)
    order = board.as_("seller", desk.confirm, comment)
    return int(order.id)


def wait_for(check: Any, what: str) -> None:
    """Poll ``check`` (the sandbox posts its webhooks from a thread) for at most 10 s."""
    for _ in range(200):
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


# --- the flow --------------------------------------------------------------------------------


def test_a_desk_order_sends_taken_by_zns_with_its_cost_and_delivery(flow: Flow) -> None:
    flow.club.connect_zalo()
    flow.zns_rule()
    flow.webhooks_to("zalo")
    with flow.club.app.app_context():
        order_id = desk_order(flow.board)
        [queued] = messages_of(order_id)
        assert (queued.event, queued.status, queued.channel) == ("taken", Status.QUEUED, "zalo_zns")
        assert flow.run_jobs() == ["sent"]
        [sent] = messages_of(order_id)
        assert (sent.status, sent.cost, sent.attempts) == (Status.SENT, 300, 1)
        assert sent.external_id and sent.tracking_id == f"{transfers.make_code(order_id)}-taken"
        wait_for(lambda: messages_of(order_id)[0].delivered_at is not None, "delivery callback")
    [received] = inbox(flow.sandbox, phone=LAN_PHONE)
    assert received["template_id"] == "250001" and received["cost"] == 300
    assert received["template_data"] == {
        "customer_name": "Lan",
        "order_code": transfers.make_code(order_id),
        "amount": "158.000",
    }
    page = flow.club.client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Đã nhận đơn" in page and "Người mua đã nhận" in page and "300 ₫" in page
    log = flow.club.client.get(f"/api/v1/orders/{order_id}/messages").get_json()
    assert [(m["event"], m["status"], m["cost"]) for m in log] == [("taken", "sent", 300)]
    assert log[0]["delivered_at"] is not None


def test_a_paid_order_tells_the_follower_on_the_oa_once(flow: Flow) -> None:
    flow.club.connect_zalo()
    flow.club.rule(
        "paid", "zalo_oa", text="Shop đã nhận {tong_tien} cho đơn {ma_don}. Cảm ơn {ten}!"
    )
    flow.webhooks_to("zalo")
    # Lan writes to the OA with her phone: her Zalo id is linked to her orders.
    said = admin(flow.sandbox, "user-message", user_id=LAN_ZALO, text=f"Lan đây, sđt {LAN_PHONE}")
    assert said["webhook"]["status"] == 200
    with flow.club.app.app_context():
        order_id = desk_order(flow.board)
        assert messages_of(order_id) == []  # no rule for "taken"
        flow.change(order_id, "paid")
        assert flow.run_jobs() == ["sent"]
        # The same event again adds nothing (one message per order and event).
        events.deliver(extensions.db.engine, [(order_id, events.OrderEvent.PAID)])
        [message] = messages_of(order_id)
        assert (message.event, message.channel, message.status) == ("paid", "zalo_oa", Status.SENT)
    [received] = inbox(flow.sandbox, user_id=LAN_ZALO)
    assert received["channel"] == "zalo_oa"
    code = transfers.make_code(order_id)
    assert received["text"] == f"Shop đã nhận 158.000 đ cho đơn {code}. Cảm ơn Lan!"


def test_an_unpaid_order_past_its_hold_reminds_the_buyer_once(flow: Flow) -> None:
    flow.club.connect_zalo()
    flow.club.rule(
        "payment_reminder",
        "zalo_oa",
        text="Đơn {ma_don} ({tong_tien}) chưa thanh toán: {link_thanh_toan}",
    )
    flow.webhooks_to("zalo")
    said = admin(flow.sandbox, "user-message", user_id=LAN_ZALO, text=f"sđt {LAN_PHONE}")
    assert said["webhook"]["status"] == 200
    with flow.club.app.app_context():
        order_id = desk_order(flow.board)
        order = extensions.session().get_one(orders.Order, order_id)
        assert order.hold_until is not None
        past = order.hold_until + dt.timedelta(minutes=1)
        assert holds.release_due(extensions.session(), now=lambda: past) == []  # reminded
        assert holds.release_due(extensions.session(), now=lambda: past) == []  # once
        assert flow.run_jobs() == ["sent"]
        [message] = messages_of(order_id)
        assert (message.event, message.status) == ("payment_reminder", Status.SENT)
    [received] = inbox(flow.sandbox, user_id=LAN_ZALO)
    assert received["text"].startswith(f"Đơn {transfers.make_code(order_id)} (158.000 đ)")


def test_a_buyer_who_says_stop_gets_no_more_messages(flow: Flow) -> None:
    flow.club.connect_zalo()
    flow.zns_rule()
    flow.zns_rule("paid", "250002")
    flow.webhooks_to("zalo")
    with flow.club.app.app_context():
        order_id = desk_order(flow.board)
        assert flow.run_jobs() == ["sent"]
        # The delivery links Lan's Zalo id to her phone; then she writes "STOP" to the OA.
        wait_for(lambda: messages_of(order_id)[0].delivered_at is not None, "delivery")
        assert admin(flow.sandbox, "user-message", user_id=LAN_ZALO, text="STOP")["webhook"] == {
            "event": "user_send_text",
            "status": 200,
        }
        flow.change(order_id, "paid")
        assert flow.run_jobs() == []  # nothing queued
        _taken, stopped = messages_of(order_id)
        assert (stopped.event, stopped.status) == ("paid", Status.SKIPPED)
        assert stopped.problem == {"code": "opted_out", "params": {}}
        contacts = extensions.session().scalars(sa.select(models.BuyerContact)).all()
        assert [(c.address, c.phone, c.opted_out_at is not None) for c in contacts] == [
            (LAN_ZALO, LAN_PHONE, True)
        ]
    assert len(inbox(flow.sandbox, phone=LAN_PHONE)) == 1  # only "taken"
    page = flow.club.client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Người mua đã xin dừng nhận tin." in page


def test_a_badly_signed_webhook_changes_nothing(club: Club, served: str) -> None:
    club.connect_zalo()
    body = (
        b'{"event_name":"user_send_text","sender":{"id":"1"},'
        b'"message":{"text":"STOP","msg_id":"x"},"timestamp":"1"}'
    )
    answer = requests.post(
        club.hook(served, "zalo"), data=body, headers={"X-ZEvent-Signature": "mac=00"}, timeout=10
    )
    assert answer.status_code == 400
    missing = requests.post(f"{served}/hooks/messages/nothing-here", data=body, timeout=10)
    assert missing.status_code == 404
    with club.app.app_context():
        assert extensions.session().scalars(sa.select(models.BuyerContact)).all() == []


def test_a_transient_failure_is_retried_and_a_permanent_one_fails_with_its_reason(
    flow: Flow,
) -> None:
    flow.club.connect_zalo()
    flow.zns_rule()
    admin(flow.sandbox, "faults", faults=["server_error"])
    with flow.club.app.app_context():
        order_id = desk_order(flow.board)
        assert flow.run_jobs() == ["queued"]
        [waiting] = messages_of(order_id)
        assert (waiting.status, waiting.attempts) == (Status.QUEUED, 1)
        assert waiting.problem is not None and waiting.problem["code"] == "server_error"
        assert waiting.next_attempt_at is not None and len(flow.later.sent) == 1
        assert flow.run_jobs() == ["sent"]
        [sent] = messages_of(order_id)
        assert (sent.status, sent.attempts, sent.problem) == (Status.SENT, 2, None)
        # A phone with no Zalo account: failed at once, no retry queued.
        admin(flow.sandbox, "faults", faults=["unknown_phone"])
        other = desk_order(flow.board, "chốt 1 nm1 sđt 0987654321", "UC-minh")
        assert flow.run_jobs() == ["failed"]
        [failed] = messages_of(other)
        assert (failed.status, failed.attempts, len(flow.later.sent)) == (Status.FAILED, 1, 1)
        assert failed.problem is not None and failed.problem["code"] == "recipient_unknown"
    page = flow.club.client.get(f"/orders/{other}").get_data(as_text=True)
    assert "Người mua không có tài khoản trên kênh này." in page


def test_an_expired_token_is_refreshed_once_and_the_new_pair_kept(flow: Flow) -> None:
    flow.club.connect_zalo()
    flow.zns_rule()
    before = flow.club.connection("zalo").token_version
    admin(flow.sandbox, "expire-tokens")
    with flow.club.app.app_context():
        first = desk_order(flow.board)
        desk_order(flow.board, "chốt 1 nm1 sđt 0987654321", "UC-minh")
        assert flow.run_jobs() == ["sent", "sent"]
        assert [m.status for m in messages_of(first)] == [Status.SENT]
    state = requests.get(f"{flow.sandbox.url}/_sandbox/state", timeout=10).json()
    assert state["outcomes"]["refreshes"] == 1  # once: the second send used the kept pair
    connection = flow.club.connection("zalo")
    assert connection.token_version == before + 1
    assert connection.status is models.ConnectionStatus.CONNECTED


def test_a_spent_refresh_token_asks_for_the_oa_again(flow: Flow) -> None:
    flow.club.connect_zalo()
    flow.zns_rule()
    with flow.club.app.app_context():
        store = connections.ConnectionTokens(extensions.db.engine, flow.club.connection("zalo").id)
        spent = store.load()
    # Someone else (a copy of the install) spent the refresh token: Zalo refuses it now.
    form = {"app_id": messaging.DEMO_APP_ID, "grant_type": "refresh_token"}
    requests.post(
        f"{flow.sandbox.url}/v4/oa/access_token",
        data={**form, "refresh_token": spent.refresh_token},
        headers={"secret_key": messaging.DEMO_APP_SECRET},
        timeout=10,
    ).raise_for_status()
    admin(flow.sandbox, "expire-tokens")
    with flow.club.app.app_context():
        order_id = desk_order(flow.board)
        assert flow.run_jobs() == ["failed"]
        [failed] = messages_of(order_id)
        assert failed.problem is not None and failed.problem["code"] == "refresh_token_used"
    assert flow.club.connection("zalo").status is models.ConnectionStatus.RECONNECT_NEEDED
    page = flow.club.client.get("/messages/").get_data(as_text=True)
    assert "Cần kết nối lại" in page


def test_messenger_reaches_a_person_who_wrote_to_the_page(flow: Flow) -> None:
    flow.club.connect_messenger()
    flow.club.rule("shipped", "messenger", text="Đơn {ma_don} đã gửi đi.")
    flow.webhooks_to("messenger")
    said = admin(flow.sandbox, "user-message", psid=LAN_PSID, text=f"sđt mình {LAN_PHONE}")
    assert said["webhook"]["status"] == 200
    with flow.club.app.app_context():
        order_id = desk_order(flow.board)
        flow.change(order_id, "shipped")
        assert flow.run_jobs() == ["sent"]
    [received] = inbox(flow.sandbox, user_id=LAN_PSID)
    assert received["channel"] == "messenger"
    assert received["text"] == f"Đơn {transfers.make_code(order_id)} đã gửi đi."
    assert received["messaging_type"] == "RESPONSE"  # inside the 24 h window


def test_a_rolled_back_change_tells_nobody(flow: Flow) -> None:
    flow.club.connect_zalo()
    flow.zns_rule()
    with flow.club.app.app_context():
        session = extensions.session()
        events.emit(session, 1, events.OrderEvent.TAKEN)
        session.rollback()
        session.commit()
        assert flow.dispatch.sent == []
        assert session.scalars(sa.select(comments.OrderMessage)).all() == []


def test_another_clubs_connections_rules_and_messages_answer_404(
    flow: Flow, other_club: clubs_support.OtherClub
) -> None:
    flow.club.connect_zalo()
    template = flow.zns_rule()
    app = flow.club.app
    with app.app_context():
        order_id = desk_order(flow.board)
    connection_id = flow.club.connection("zalo").id
    outsider = app.test_client()
    conftest.Auth(outsider).login(other_club.coordinator)
    for url, missing in (
        (f"/messages/connections/{connection_id}/connect", "/messages/connections/987654/connect"),
        (f"/messages/templates/{template}/delete", "/messages/templates/987654/delete"),
    ):
        assert outsider.post(url).status_code == outsider.post(missing).status_code == 404
    assert outsider.get(f"/api/v1/orders/{order_id}/messages").status_code == 404
    assert outsider.get("/api/v1/messages/rules").get_json() == []
    page = outsider.get("/messages/").get_data(as_text=True)
    assert "Mẫu 250001" not in page and "message-connection" not in page
    # Another club's template cannot be used in this club's rule.
    token = {"Authorization": f"Bearer {conftest.issue_token(app, other_club.coordinator)}"}
    answer = outsider.put(
        "/api/v1/messages/rules/taken",
        json={"channel": "zalo_zns", "template": template},
        headers=token,
    )
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["error"]["fields"] == {"template": ["Hãy chọn mẫu ZNS đã đăng ký."]}
    with app.app_context():
        assert extensions.session().get(models.MessageTemplate, template) is not None
        assert len(extensions.session().scalars(sa.select(models.MessageRule)).all()) == 1
