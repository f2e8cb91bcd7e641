"""Message channels against the messaging sandbox over real HTTP on 127.0.0.1: Zalo's OAuth v4
with PKCE and single-use refresh tokens, ZNS (templates, quota, cost, delivery callbacks),
OA customer-service messages and Messenger (their windows), faults, and inbound webhooks
received by a small local server."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.wrappers import Request, Response

from integrations import base, errors, webhooks
from integrations.messages import base as messages
from integrations.messages import registry
from integrations.messages.base import Outgoing, Recipient, Template, TemplateParam
from integrations.messages.messenger import MessengerChannel
from integrations.messages.zalo_oa import ZaloChannel
from sandbox import core, messaging

LAN = messaging.demo_people(0)[0]
MINH = messaging.demo_people(0)[1]
HOA = messaging.demo_people(0)[2]


@pytest.fixture(scope="module")
def shared_server() -> Iterator[core.Server[messaging.MessagingSandbox]]:
    with messaging.Server(messaging.MessagingSandbox()) as server:
        yield server


@pytest.fixture
def server(
    shared_server: core.Server[messaging.MessagingSandbox],
) -> core.Server[messaging.MessagingSandbox]:
    admin(shared_server, "reset")
    return shared_server


def admin(server: core.Server[Any], action: str, **body: Any) -> dict[str, Any]:
    reply = requests.post(f"{server.url}/_sandbox/{action}", json=body, timeout=10)
    reply.raise_for_status()
    result: dict[str, Any] = reply.json()
    return result


def inbox(server: core.Server[Any], **query: str) -> list[dict[str, Any]]:
    reply = requests.get(f"{server.url}/_sandbox/messages", params=query, timeout=10)
    messages_: list[dict[str, Any]] = reply.json()["messages"]
    return messages_


def state(server: core.Server[Any]) -> dict[str, Any]:
    result: dict[str, Any] = requests.get(f"{server.url}/_sandbox/state", timeout=10).json()
    return result


def zalo_config(server: core.Server[Any], **extra: str) -> dict[str, str]:
    return {
        "app_id": messaging.DEMO_APP_ID,
        "app_secret": messaging.DEMO_APP_SECRET,
        "oa_secret": messaging.DEMO_OA_SECRET,
        "api_base_url": server.url,
        "oauth_base_url": server.url,
        **extra,
    }


def connected(server: core.Server[Any]) -> messages.HeldTokens:
    """The OA connected through the consent page and the code exchange, PKCE and all."""
    channel = registry.create("zalo_oa", zalo_config(server))
    assert isinstance(channel, ZaloChannel)
    consent = channel.consent("http://127.0.0.1:1/zalo/callback")
    back = requests.get(consent.url, allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(back.headers["Location"]).query)
    assert query["state"] == [consent.state] and query["oa_id"] == [messaging.DEMO_OA_ID]
    return messages.HeldTokens(channel.connect(query["code"][0], consent.code_verifier))


def channel(
    server: core.Server[Any], name: str, store: messages.TokenStore | None = None, **extra: str
) -> messages.MessageChannel:
    if name == "messenger":
        config = {
            "page_id": messaging.DEMO_PAGE_ID,
            "page_access_token": messaging.DEMO_PAGE_TOKEN,
            "api_base_url": server.url,
        }
        return registry.get(name)(config)
    return registry.get(name)(zalo_config(server, **extra), tokens=store or connected(server))


def paid_template(price: int = 300) -> Template:
    return Template(
        "250002",
        (
            TemplateParam("customer_name", "name"),
            TemplateParam("order_code", "code"),
            TemplateParam("amount", "amount"),
        ),
        price=price,
    )


def paid(tracking_id: str = "DH1042-paid") -> Outgoing:
    params = {"customer_name": "Lan", "order_code": "DH1042", "amount": "180.000"}
    return Outgoing(template=paid_template(), params=params, tracking_id=tracking_id)


# --- connecting ------------------------------------------------------------------------------


def test_a_code_works_once_and_only_with_its_verifier(server: core.Server[Any]) -> None:
    oa = registry.create("zalo_oa", zalo_config(server))
    assert isinstance(oa, ZaloChannel)
    consent = oa.consent("http://127.0.0.1:1/cb")
    location = requests.get(consent.url, allow_redirects=False, timeout=10).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    with pytest.raises(messages.RefreshRefused) as wrong:
        oa.connect(code, consent.code_verifier[:-1] + "x")
    assert wrong.value.reason == "connect_failed"
    second = oa.consent("http://127.0.0.1:1/cb")
    location = requests.get(second.url, allow_redirects=False, timeout=10).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    tokens = oa.connect(code, second.code_verifier)
    assert tokens.access_token and tokens.refresh_token
    assert (tokens.access_expires_at - oa.now()).total_seconds() == pytest.approx(90_000, abs=5)
    with pytest.raises(messages.RefreshRefused):
        oa.connect(code, second.code_verifier)


# --- sending ---------------------------------------------------------------------------------


def test_zns_reaches_the_phone_with_its_cost_and_quota(server: core.Server[Any]) -> None:
    zns = channel(server, "zalo_zns")
    sent = zns.send(Recipient(phone="+84 912.345.678"), paid())
    assert sent.message_id and (sent.cost, sent.quota_left, sent.daily_quota) == (300, 499, 500)
    (entry,) = inbox(server, phone="0912345678")
    assert entry["message_id"] == sent.message_id and entry["tracking_id"] == "DH1042-paid"
    assert entry["template_data"]["order_code"] == "DH1042" and "180.000" in entry["text"]
    assert state(server)["cost"] == 300


def test_any_other_buyer_has_zalo_unless_told_otherwise(server: core.Server[Any]) -> None:
    zns = channel(server, "zalo_zns")
    assert zns.send(Recipient(phone="0358 111 222"), paid()).message_id
    assert [m["phone"] for m in inbox(server, phone="+84358111222")] == ["0358111222"]
    admin(server, "people", phone="0358 333 444", zalo=False)
    with pytest.raises(messages.RecipientUnknown):
        zns.send(Recipient(phone="0358333444"), paid())
    assert inbox(server, phone="0358333444") == []


def test_development_mode_is_free_and_for_the_oas_admins_only(server: core.Server[Any]) -> None:
    zns = channel(server, "zalo_zns", mode="development")
    sent = zns.send(Recipient(phone=LAN.phone), paid())
    assert sent.cost == 0 and state(server)["quota"]["used_today"] == 0
    with pytest.raises(errors.PermanentError) as caught:
        zns.send(Recipient(phone=MINH.phone), paid())
    assert caught.value.code == "-147" and inbox(server, phone=MINH.phone) == []


def test_oa_and_messenger_reach_a_buyer_who_just_wrote(server: core.Server[Any]) -> None:
    oa = channel(server, "zalo_oa").send(Recipient(user_id=LAN.zalo_user_id), Outgoing("Đã nhận"))
    fb = channel(server, "messenger").send(Recipient(user_id=LAN.psid), Outgoing("Đã giao"))
    log = inbox(server, phone=LAN.phone)
    assert [(m["channel"], m["message_id"], m["text"]) for m in log] == [
        ("zalo_oa", oa.message_id, "Đã nhận"),
        ("messenger", fb.message_id, "Đã giao"),
    ]
    assert inbox(server, user_id=LAN.psid) == log
    assert log[1]["messaging_type"] == "RESPONSE"


# --- tokens ----------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_saved_and_the_send_retried(
    server: core.Server[Any],
) -> None:
    store = connected(server)
    before = store.tokens
    admin(server, "expire-tokens")
    sent = channel(server, "zalo_zns", store).send(Recipient(phone=LAN.phone), paid())
    assert sent.message_id and store.saved == 1
    assert store.tokens.refresh_token != before.refresh_token
    snapshot = state(server)
    assert snapshot["outcomes"]["refreshes"] == 1 and snapshot["calls"]["message/template"] == 2
    assert len(inbox(server, phone=LAN.phone)) == 1
    # the spent refresh token is refused for good
    oa = channel(server, "zalo_oa", store)
    with pytest.raises(messages.RefreshRefused) as reused:
        oa.refresh(before.refresh_token)
    assert (reused.value.reason, reused.value.code) == ("refresh_token_used", "-14020")
    assert state(server)["outcomes"]["refresh_reused"] == 1


def test_workers_sharing_an_expired_pair_refresh_it_once(server: core.Server[Any]) -> None:
    store = connected(server)
    admin(server, "expire-tokens")
    zns = channel(server, "zalo_zns", store)
    outcomes: list[str] = []

    def send(n: int) -> None:
        outcomes.append(zns.send(Recipient(phone=LAN.phone), paid(f"t{n}")).message_id)

    workers = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(outcomes) == 4 and all(outcomes)
    assert store.saved == 1 and state(server)["outcomes"]["refreshes"] == 1
    assert "refresh_reused" not in state(server)["outcomes"]
    assert len(inbox(server, phone=LAN.phone)) == 4


def test_a_token_expiring_again_is_not_refreshed_twice(server: core.Server[Any]) -> None:
    store = connected(server)
    admin(server, "faults", faults=["expire_token", "expire_token"])
    with pytest.raises(messages.TokenExpired) as caught:
        channel(server, "zalo_oa", store).send(Recipient(user_id=LAN.zalo_user_id), Outgoing("x"))
    assert caught.value.code == "-216" and store.saved == 1
    snapshot = state(server)
    assert snapshot["outcomes"]["refreshes"] == 1 and snapshot["calls"]["v3.0/oa/message/cs"] == 2
    assert inbox(server, phone=LAN.phone) == []


def test_a_store_holding_a_spent_pair_asks_to_reconnect(server: core.Server[Any]) -> None:
    store = connected(server)
    spent = store.tokens
    channel(server, "zalo_oa", store).refresh(spent.refresh_token)  # another client refreshed
    admin(server, "expire-tokens")
    stale = messages.HeldTokens(spent)
    with pytest.raises(messages.RefreshRefused) as caught:
        channel(server, "zalo_zns", stale).send(Recipient(phone=LAN.phone), paid())
    assert caught.value.reason == "refresh_token_used" and stale.saved == 0


# --- windows and refusals --------------------------------------------------------------------


def test_outside_the_window_is_refused_until_the_buyer_writes(server: core.Server[Any]) -> None:
    oa = channel(server, "zalo_oa")
    with pytest.raises(messages.OutsideWindow) as zalo:
        oa.send(Recipient(user_id=MINH.zalo_user_id), Outgoing("Đơn đã giao"))
    assert (zalo.value.params, zalo.value.code) == ({"hours": 48}, "-213")
    fb = channel(server, "messenger")
    with pytest.raises(messages.OutsideWindow) as meta:
        fb.send(Recipient(user_id=MINH.psid), Outgoing("Khuyến mãi"))
    assert meta.value.params == {"hours": 24}
    tagged = fb.send(Recipient(user_id=MINH.psid), Outgoing("Đơn đã giao", order_update=True))
    (entry,) = inbox(server, user_id=MINH.psid)
    assert entry["message_id"] == tagged.message_id
    assert (entry["messaging_type"], entry["tag"]) == ("MESSAGE_TAG", "POST_PURCHASE_UPDATE")
    admin(server, "user-message", user_id=MINH.zalo_user_id, text="shop ơi")
    assert oa.send(Recipient(user_id=MINH.zalo_user_id), Outgoing("Dạ")).message_id


def test_quota_used_up_is_a_typed_wait(server: core.Server[Any]) -> None:
    admin(server, "settings", daily_quota=2)
    zns = channel(server, "zalo_zns")
    lefts = [zns.send(Recipient(phone=LAN.phone), paid(f"t{i}")).quota_left for i in range(2)]
    assert lefts == [1, 0]
    with pytest.raises(errors.QuotaExceeded) as caught:
        zns.send(Recipient(phone=LAN.phone), paid("t3"))
    assert caught.value.reason == "quota_exceeded" and caught.value.retry_after > 0
    assert len(inbox(server, phone=LAN.phone)) == 2


@pytest.mark.parametrize(
    ("name", "recipient", "error", "reason"),
    [
        ("zalo_zns", Recipient(phone=HOA.phone), messages.Blocked, "blocked"),
        (
            "zalo_zns",
            Recipient(phone=messaging.NO_ZALO_PHONE),
            messages.RecipientUnknown,
            "recipient_unknown",
        ),
        ("zalo_oa", Recipient(user_id=HOA.zalo_user_id), messages.Blocked, "not_follower"),
        ("messenger", Recipient(user_id=HOA.psid), messages.Blocked, "blocked"),
        ("messenger", Recipient(user_id="999"), messages.RecipientUnknown, "recipient_unknown"),
    ],
)
def test_buyers_who_blocked_or_do_not_exist_are_typed(
    server: core.Server[Any],
    name: str,
    recipient: Recipient,
    error: type[errors.ChannelError],
    reason: str,
) -> None:
    message = paid() if name == "zalo_zns" else Outgoing("Đơn DH1042")
    with pytest.raises(error) as caught:
        channel(server, name).send(recipient, message)
    assert caught.value.reason == reason and state(server)["messages"] == 0


def test_a_template_not_approved_is_refused(server: core.Server[Any]) -> None:
    pending = Template("250009", (TemplateParam("customer_name", "name"),))
    with pytest.raises(messages.TemplateRefused) as caught:
        channel(server, "zalo_zns").send(
            Recipient(phone=LAN.phone), Outgoing(template=pending, params={"customer_name": "Lan"})
        )
    assert (caught.value.reason, caught.value.code) == ("template_not_approved", "-131")


FAULTS: dict[str, tuple[type[errors.ChannelError], str]] = {
    "throttle": (errors.RateLimited, "rate_limited"),
    "server_error": (errors.TransientError, "server_error"),
    "unknown_phone": (messages.RecipientUnknown, "recipient_unknown"),
}
# Zalo refreshes an expired token (tested above); a Page token does not refresh.
CASES = [(n, f) for n in ("zalo_zns", "zalo_oa", "messenger") for f in FAULTS]


@pytest.mark.parametrize(("name", "fault"), [*CASES, ("messenger", "expire_token")])
def test_faults_on_demand_are_typed(server: core.Server[Any], name: str, fault: str) -> None:
    error, reason = FAULTS.get(fault, (messages.TokenExpired, "token_expired"))
    sender = channel(server, name)
    admin(server, "faults", faults=[fault])
    message = paid() if name == "zalo_zns" else Outgoing("Đơn DH1042")
    recipient = Recipient(
        phone=LAN.phone, user_id=LAN.psid if name == "messenger" else LAN.zalo_user_id
    )
    with pytest.raises(error) as caught:
        sender.send(recipient, message)
    assert caught.value.reason == reason
    assert inbox(server, phone=LAN.phone) == []


# --- webhooks to the app ---------------------------------------------------------------------


@dataclasses.dataclass
class Receiver:
    """A tiny webhook endpoint: keeps each call's raw body and signature header (Zalo's
    or Messenger's)."""

    name: str = "receiver"
    calls: list[tuple[bytes, str]] = dataclasses.field(default_factory=list)
    arrived: threading.Event = dataclasses.field(default_factory=threading.Event)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        signature = request.headers.get("X-ZEvent-Signature") or request.headers.get(
            "X-Hub-Signature-256", ""
        )
        self.calls.append((request.get_data(), signature))
        self.arrived.set()
        return Response("ok")(environ, start_response)


@pytest.fixture
def receiver(server: core.Server[Any]) -> Iterator[Receiver]:
    hook = Receiver()
    with core.Server(hook) as listening:
        admin(
            server,
            "settings",
            webhook_url=f"{listening.url}/zalo/webhook",
            messenger_webhook_url=f"{listening.url}/messenger/webhook",
        )
        yield hook


def test_a_delivery_callback_reaches_the_app_with_our_tracking_id(
    server: core.Server[Any], receiver: Receiver
) -> None:
    zns = channel(server, "zalo_zns")
    assert isinstance(zns, ZaloChannel)
    sent = zns.send(Recipient(phone=LAN.phone), paid("DH1042-paid"))
    assert receiver.arrived.wait(10), "no delivery callback"
    (raw, signature), *_ = receiver.calls
    (event,) = zns.read_webhook(raw, signature)
    assert (event.kind, event.message_id, event.tracking_id, event.user_id) == (
        messages.EventKind.DELIVERED,
        sent.message_id,
        "DH1042-paid",
        LAN.zalo_user_id,
    )
    assert inbox(server, phone=LAN.phone)[0]["status"] == "delivered"
    # The sandbox notes the callback's answer once the receiver's reply is back: wait for it.
    for _ in range(200):
        if state(server)["callbacks"]:
            break
        time.sleep(0.05)
    assert state(server)["callbacks"] == [
        {"tracking_id": "DH1042-paid", "event": "user_received_message", "status": 200}
    ]


def test_a_buyer_asking_to_stop_is_an_opt_out_and_tampering_is_refused(
    server: core.Server[Any], receiver: Receiver
) -> None:
    oa = channel(server, "zalo_oa")
    assert isinstance(oa, ZaloChannel)
    admin(server, "user-message", user_id=LAN.zalo_user_id, text="Dừng")
    admin(server, "user-message", user_id=LAN.zalo_user_id, text="còn hàng không shop")
    events = [oa.read_webhook(raw, signature)[0] for raw, signature in receiver.calls]
    assert [(e.kind, e.user_id) for e in events] == [
        (messages.EventKind.OPT_OUT, LAN.zalo_user_id),
        (messages.EventKind.TEXT, LAN.zalo_user_id),
    ]
    assert events[0].key != events[1].key and events[0].key.startswith("msg")
    raw, signature = receiver.calls[0]
    tampered = raw.replace(LAN.zalo_user_id.encode(), MINH.zalo_user_id.encode())
    with pytest.raises(errors.PermanentError) as caught:
        oa.read_webhook(tampered, signature)
    assert caught.value.reason == "bad_signature"


def test_a_page_message_opens_the_window_and_stop_is_an_opt_out(
    server: core.Server[Any], receiver: Receiver
) -> None:
    config = {
        "page_id": messaging.DEMO_PAGE_ID,
        "page_access_token": messaging.DEMO_PAGE_TOKEN,
        "app_secret": messaging.DEMO_FB_APP_SECRET,
        "api_base_url": server.url,
    }
    page = registry.get("messenger")(config)
    assert isinstance(page, MessengerChannel)
    with pytest.raises(messages.OutsideWindow):
        page.send(Recipient(user_id=MINH.psid), Outgoing("Dạ shop chào bạn"))
    admin(server, "user-message", psid=MINH.psid, text="STOP")
    (raw, signature), *_ = receiver.calls
    (event,) = page.read_webhook(raw, signature)
    assert (event.kind, event.user_id) == (messages.EventKind.OPT_OUT, MINH.psid)
    assert event.key.startswith("m_") and event.at is not None
    since_then = Recipient(user_id=MINH.psid, last_interaction_at=event.at)
    assert page.messaging_type(since_then, Outgoing("x")) == {"messaging_type": "RESPONSE"}
    assert page.send(since_then, Outgoing("Dạ shop sẽ không nhắn nữa")).message_id
    with pytest.raises(webhooks.WebhookRejected):
        page.read_webhook(raw.replace(b"STOP", b"stop"), signature)


def test_the_inbox_page_lists_what_the_buyer_read(server: core.Server[Any]) -> None:
    channel(server, "zalo_zns").send(Recipient(phone=LAN.phone), paid())
    page = requests.get(f"{server.url}/_sandbox/inbox", params={"phone": LAN.phone}, timeout=10)
    assert "DH1042" in page.text and page.text.count("<li") == 1
    assert (
        requests.get(
            f"{server.url}/_sandbox/inbox", params={"phone": MINH.phone}, timeout=10
        ).text.count("<li")
        == 0
    )


def test_tokens_stay_the_callers(server: core.Server[Any]) -> None:
    """The library keeps no pair of its own: two channels share the caller's store."""
    store = connected(server)
    zns, oa = channel(server, "zalo_zns", store), channel(server, "zalo_oa", store)
    admin(server, "expire-tokens")
    zns.send(Recipient(phone=LAN.phone), paid())
    oa.send(Recipient(user_id=LAN.zalo_user_id), Outgoing("Dạ"))
    assert store.saved == 1 and state(server)["outcomes"]["refreshes"] == 1
    assert isinstance(store.tokens, base.Tokens)
