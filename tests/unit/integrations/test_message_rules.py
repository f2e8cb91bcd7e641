"""The buyer-message rules that need no network: Zalo's phone form, ZNS parameter lengths,
the channels' windows, opt-out words, webhook signatures, PKCE and the error codes."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json

import pytest

from integrations import base, errors, webhooks
from integrations.messages import base as messages
from integrations.messages import messenger, registry, zalo_oa, zalo_zns
from integrations.messages.base import (
    Outgoing,
    Recipient,
    Template,
    TemplateParam,
)

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
ZALO = {"app_id": "app-1", "app_secret": "app-secret", "oa_secret": "oa-secret"}


def clock() -> float:
    return NOW.timestamp()


# --- phone form -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "+84 912 345 678",
        "84912345678",
        "0084912345678",
    ],
)
def test_a_mobile_number_in_any_common_form_becomes_84_and_no_leading_zero(raw: str) -> None:
    assert zalo_zns.zalo_phone(raw) == "84912345678"


@pytest.mark.parametrize("raw", ["02033881234", "0112345678", "091234567", "", "abc"])
def test_a_landline_or_a_malformed_number_is_refused_with_a_code(raw: str) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        zalo_zns.zalo_phone(raw)
    assert caught.value.reason == "phone_invalid"


# --- ZNS parameters ---------------------------------------------------------------------------

LIMITS = {"name": 30, "phone": 15, "address": 200, "code": 30, "amount": 20}


@pytest.mark.parametrize(("kind", "limit"), sorted(LIMITS.items()))
def test_each_parameter_type_allows_its_length_and_not_one_more(kind: str, limit: int) -> None:
    template = Template("1", (TemplateParam("value", kind),))
    assert template.problems({"value": "x" * limit}) == {}
    (problem,) = template.problems({"value": "x" * (limit + 1)})["value"]
    assert isinstance(problem, errors.Problem)
    assert problem.as_dict() == {
        "code": "param_too_long",
        "params": {"max": limit, "type": kind, "length": limit + 1},
    }


def order_template() -> Template:
    return Template(
        "250001",
        (
            TemplateParam("customer_name", "name"),
            TemplateParam("order_code", "code"),
            TemplateParam("amount", "amount"),
        ),
        name="Xác nhận đơn hàng",
        price=300,
    )


def test_missing_blank_and_unknown_parameters_are_each_named() -> None:
    problems = order_template().problems({"customer_name": "Lan", "amount": " ", "note": "x"})
    codes = {
        name: [p.code for p in found if isinstance(p, errors.Problem)]
        for name, found in problems.items()
    }
    assert codes == {
        "order_code": ["param_missing"],
        "amount": ["param_missing"],
        "note": ["param_unknown"],
    }


def test_a_template_survives_its_stored_json() -> None:
    template = order_template()
    stored = json.loads(json.dumps(template.as_dict()))
    assert Template.from_dict(stored) == template
    stored["params"][0]["type"] = "colour"
    with pytest.raises(errors.ValidationFailed) as caught:
        Template.from_dict(stored)
    assert caught.value.reason == "template_params"
    assert caught.value.fields["customer_name"][0] == errors.Problem(
        "param_type_unknown", {"type": "colour"}
    )


def test_zns_checks_the_values_before_any_call() -> None:
    channel = zalo_zns.ZaloZnsChannel({**ZALO, "api_base_url": "http://127.0.0.1:9"})
    message = Outgoing(template=order_template(), params={"customer_name": "L" * 31})
    with pytest.raises(messages.TemplateRefused) as caught:
        channel.send(Recipient(phone="0912345678"), message)
    assert caught.value.reason == "template_params"
    assert set(caught.value.fields) == {"customer_name", "order_code", "amount"}
    with pytest.raises(messages.TemplateRefused) as missing:
        channel.send(Recipient(phone="0912345678"), Outgoing(text="hi"))
    assert missing.value.reason == "template_missing"


# --- windows ----------------------------------------------------------------------------------


def test_the_window_ends_exactly_after_its_hours() -> None:
    hours = dt.timedelta(hours=48)
    assert messages.window_open(None, NOW, 48)
    assert messages.window_open(NOW - hours + dt.timedelta(seconds=1), NOW, 48)
    assert not messages.window_open(NOW - hours, NOW, 48)
    assert messages.window_open(NOW + dt.timedelta(minutes=2), NOW, 24)  # clocks apart


def test_the_oa_refuses_a_buyer_silent_for_48_hours_before_calling() -> None:
    channel = zalo_oa.ZaloOaChannel({**ZALO, "api_base_url": "http://127.0.0.1:9"}, clock=clock)
    old = Recipient(user_id="u1", last_interaction_at=NOW - dt.timedelta(hours=48))
    with pytest.raises(messages.OutsideWindow) as caught:
        channel.send(old, Outgoing(text="Đơn DH1042 đã xác nhận"))
    assert (caught.value.reason, caught.value.params) == ("outside_window", {"hours": 48})


@pytest.mark.parametrize(
    ("hours_ago", "order_update", "expected"),
    [
        (1, False, {"messaging_type": "RESPONSE"}),
        (23.9, True, {"messaging_type": "RESPONSE"}),
        (25, True, {"messaging_type": "MESSAGE_TAG", "tag": "POST_PURCHASE_UPDATE"}),
        (None, True, {"messaging_type": "MESSAGE_TAG", "tag": "POST_PURCHASE_UPDATE"}),
        (None, False, {"messaging_type": "RESPONSE"}),
    ],
)
def test_messenger_picks_response_inside_the_window_and_the_order_tag_outside(
    hours_ago: float | None, order_update: bool, expected: dict[str, str]
) -> None:
    channel = messenger.MessengerChannel({"page_id": "1", "page_access_token": "t"}, clock=clock)
    last = None if hours_ago is None else NOW - dt.timedelta(hours=hours_ago)
    recipient = Recipient(user_id="psid", last_interaction_at=last)
    assert channel.messaging_type(recipient, Outgoing("x", order_update=order_update)) == expected


@pytest.mark.parametrize("name", ["zalo_oa", "messenger"])
def test_free_text_needs_an_id_and_a_text_of_at_most_2000_characters(name: str) -> None:
    config = {
        **ZALO,
        "page_id": "1",
        "page_access_token": "t",
        "api_base_url": "http://127.0.0.1:9",
    }
    channel = registry.get(name)({k: v for k, v in config.items() if k != "oa_secret"})
    cases = [
        (Recipient(), Outgoing("Dạ"), "user_id_missing", {}),
        (Recipient(user_id="u"), Outgoing("  "), "text_missing", {}),
        (
            Recipient(user_id="u"),
            Outgoing("x" * 2001),
            "text_too_long",
            {"max": 2000, "length": 2001},
        ),
    ]
    for recipient, message, reason, params in cases:
        with pytest.raises(errors.ChannelError) as caught:
            channel.send(recipient, message)
        assert (caught.value.reason, caught.value.params) == (reason, params)


def test_messenger_refuses_other_text_outside_its_window() -> None:
    channel = messenger.MessengerChannel({"page_id": "1", "page_access_token": "t"}, clock=clock)
    recipient = Recipient(user_id="psid", last_interaction_at=NOW - dt.timedelta(hours=24))
    with pytest.raises(messages.OutsideWindow) as caught:
        channel.messaging_type(recipient, Outgoing("Khuyến mãi"))
    assert caught.value.params == {"hours": 24}


# --- opt-out words and webhooks ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["STOP", "stop", "HUY", "Hủy", "huỷ", " Dừng! ", "dừng nhận tin"])
def test_asking_to_stop_is_an_opt_out(text: str) -> None:
    assert messages.is_opt_out(text)


@pytest.mark.parametrize("text", ["đúng", "dung", "stop lại giao giúp em", "hủy đơn DH1042", ""])
def test_other_messages_are_not_opt_outs(text: str) -> None:
    assert not messages.is_opt_out(text)


def signed(body: dict[str, object], secret: str = "oa-secret") -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    data = b"app-1" + raw + str(body["timestamp"]).encode() + secret.encode()
    return raw, hashlib.sha256(data).hexdigest()


def text_body(text: str, at: dt.datetime = NOW) -> dict[str, object]:
    return {
        "event_name": "user_send_text",
        "app_id": "app-1",
        "sender": {"id": "8431"},
        "recipient": {"id": "oa"},
        "message": {"text": text, "msg_id": "m-77"},
        "timestamp": str(int(at.timestamp() * 1000)),
    }


def test_a_signed_stop_text_is_an_opt_out_event_keyed_by_msg_id() -> None:
    channel = zalo_oa.ZaloOaChannel(ZALO, clock=clock)
    raw, signature = signed(text_body("HUY"))
    for header in (signature, f"mac={signature}"):
        (event,) = channel.read_webhook(raw, header)
        assert (event.kind, event.key, event.user_id, event.at) == (
            messages.EventKind.OPT_OUT,
            "m-77",
            "8431",
            NOW,
        )
    raw, signature = signed(text_body("còn hàng không shop"))
    assert channel.read_webhook(raw, signature)[0].kind is messages.EventKind.TEXT


def test_a_bad_signature_an_old_event_or_no_secret_is_refused() -> None:
    channel = zalo_oa.ZaloOaChannel(ZALO, clock=clock)
    raw, good = signed(text_body("STOP"))
    _, forged = signed(text_body("STOP"), secret="another")
    old_raw, old_signature = signed(text_body("STOP", NOW - dt.timedelta(hours=1)))
    cases = [
        (channel, raw, forged, "bad_signature"),
        (channel, raw + b" ", good, "bad_signature"),
        (channel, old_raw, old_signature, "stale_timestamp"),
        (channel, b"[1]", good, "malformed_body"),
        (zalo_oa.ZaloOaChannel({**ZALO, "oa_secret": ""}, clock=clock), raw, good, "bad_signature"),
    ]
    for reader, body, header, reason in cases:
        with pytest.raises(webhooks.WebhookRejected) as caught:
            reader.read_webhook(body, header)
        assert caught.value.reason == reason


def test_a_delivery_callback_carries_our_tracking_id() -> None:
    body = {
        "event_name": "user_received_message",
        "recipient": {"id": "8431"},
        "message": {"msg_id": "z1", "tracking_id": "DH1042-paid", "delivery_time": "1764838800000"},
        "timestamp": "1764838801000",
    }
    (event,) = zalo_oa.webhook_events(body)
    assert (event.kind, event.key, event.message_id, event.tracking_id) == (
        messages.EventKind.DELIVERED,
        "delivered:z1",
        "z1",
        "DH1042-paid",
    )
    assert event.at == dt.datetime(2025, 12, 4, 9, 0, tzinfo=dt.UTC)
    assert zalo_oa.webhook_events({"event_name": "follow", "message": {"msg_id": "x"}}) == []


def test_messenger_reads_signed_messages_and_leaves_out_its_own_echoes() -> None:
    page = messenger.MessengerChannel({"page_id": "1", "page_access_token": "t", "app_secret": "s"})
    item = {"sender": {"id": "psid-1"}, "recipient": {"id": "1"}, "timestamp": 1764838800000}
    messaging = [
        {**item, "message": {"mid": "m-1", "text": "Hủy"}},
        {**item, "message": {"mid": "m-2", "text": "Shop nhắn", "is_echo": True}},
        {**item, "message": {"mid": "m-3", "text": "còn size M không"}},
        {**item, "delivery": {"mids": ["m-9"]}},
    ]
    raw = json.dumps({"object": "page", "entry": [{"id": "1", "messaging": messaging}]}).encode()
    signature = "sha256=" + hmac.new(b"s", raw, hashlib.sha256).hexdigest()
    events = page.read_webhook(raw, signature)
    assert [(e.kind, e.key, e.user_id) for e in events] == [
        (messages.EventKind.OPT_OUT, "m-1", "psid-1"),
        (messages.EventKind.TEXT, "m-3", "psid-1"),
    ]
    assert events[0].at == dt.datetime(2025, 12, 4, 9, 0, tzinfo=dt.UTC)
    for body, header in ((raw + b" ", signature), (raw, signature.removeprefix("sha256="))):
        with pytest.raises(webhooks.WebhookRejected):
            page.read_webhook(body, header)


# --- connect ------------------------------------------------------------------------------------


def test_pkce_follows_rfc_7636_and_the_consent_link_carries_it() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert zalo_oa.pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    consent = zalo_oa.ZaloOaChannel(ZALO).consent("https://club.example/cb")
    assert consent.url.startswith("https://oauth.zaloapp.com/v4/oa/permission?app_id=app-1&")
    assert f"code_challenge={zalo_oa.pkce_challenge(consent.code_verifier)}" in consent.url
    assert f"state={consent.state}" in consent.url
    assert 43 <= len(consent.code_verifier) <= 128


# --- errors, tokens, registry -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "reason"),
    [
        (-216, messages.TokenExpired, "token_expired"),
        (-124, messages.TokenExpired, "token_expired"),
        (-14020, messages.RefreshRefused, "refresh_token_used"),
        (-118, messages.RecipientUnknown, "recipient_unknown"),
        (-213, messages.OutsideWindow, "outside_window"),
        (-233, messages.Blocked, "not_follower"),
        (-139, messages.Blocked, "blocked"),
        (-224, errors.PermanentError, "feature_missing"),
        (-32, errors.RateLimited, "rate_limited"),
        (-144, errors.QuotaExceeded, "quota_exceeded"),
        (-131, messages.TemplateRefused, "template_not_approved"),
        (-112, messages.TemplateRefused, "template_params"),
        (-99999, errors.PermanentError, "refused"),
    ],
)
def test_zalo_codes_become_typed_errors_keeping_the_raw_code(
    code: int, kind: type[errors.ChannelError], reason: str
) -> None:
    error = zalo_oa.zalo_error(code, "words", 200)
    assert type(error) is kind and error.reason == reason and error.code == str(code)


@pytest.mark.parametrize(
    ("code", "sub", "reason"),
    [
        (10, 2018278, "outside_window"),
        (100, 2018001, "recipient_unknown"),
        (551, 1545041, "blocked"),
        (190, 463, "token_expired"),
        (613, 0, "rate_limited"),
    ],
)
def test_send_api_errors_become_typed_errors(code: int, sub: int, reason: str) -> None:
    problem = {"code": code, "error_subcode": sub, "message": "x"}
    assert messenger.messaging_error(problem, 400, {}).reason == reason


def test_quota_waits_until_midnight_in_vietnam() -> None:
    assert zalo_oa.seconds_to_vietnam_midnight(NOW) == 8 * 3600  # 16:00 in Hà Nội


class Refusing(messages.MessageChannel):
    """A channel whose access token is always expired and whose refresh is always refused:
    what a worker sees when another worker spent the refresh token first."""

    name = "refusing"
    title = "Refusing"
    config_schema = (base.ConfigField("api_base_url", "API", required=False, default="x"),)

    def send(self, recipient: Recipient, message: Outgoing) -> messages.Sent:
        return self.with_access(self.call)

    def call(self, access_token: str) -> messages.Sent:
        if access_token != "winner-access":
            raise messages.TokenExpired("expired")
        return messages.Sent("sent-with-" + access_token)

    refreshes = 0

    def refresh(self, refresh_token: str) -> base.Tokens:
        self.refreshes += 1
        raise messages.RefreshRefused("used", code="-14020")


@dataclasses.dataclass
class RaceStore:
    """Loads the worker's old pair first, then the pair the other worker saved."""

    loads: list[base.Tokens]
    saved: int = 0

    def load(self) -> base.Tokens:
        return self.loads.pop(0) if len(self.loads) > 1 else self.loads[0]

    def save(self, new: base.Tokens, *, replacing: base.Tokens) -> None:
        self.saved += 1

    def refreshing(self) -> contextlib.AbstractContextManager[object]:
        return contextlib.nullcontext()


def pair(access: str, refresh: str) -> base.Tokens:
    return base.Tokens(access, refresh, NOW)


def test_a_worker_finding_a_newer_pair_under_the_lock_does_not_refresh() -> None:
    store = RaceStore([pair("old", "r1"), pair("winner-access", "r2")])
    refusing = Refusing({}, tokens=store)
    sent = refusing.send(Recipient(), Outgoing("x"))
    assert sent.message_id == "sent-with-winner-access"
    assert (refusing.refreshes, store.saved) == (0, 0)


def test_a_worker_that_lost_the_refresh_race_uses_the_winners_pair() -> None:
    store = RaceStore([pair("old", "r1"), pair("old", "r1"), pair("winner-access", "r2")])
    refusing = Refusing({}, tokens=store)
    sent = refusing.send(Recipient(), Outgoing("x"))
    assert sent.message_id == "sent-with-winner-access"
    assert (refusing.refreshes, store.saved) == (1, 0)


def test_a_refused_refresh_with_no_newer_pair_asks_to_reconnect() -> None:
    store = RaceStore([pair("old", "r1")])
    with pytest.raises(messages.RefreshRefused) as caught:
        Refusing({}, tokens=store).send(Recipient(), Outgoing("x"))
    assert caught.value.reason == "refresh_token_used" and store.saved == 0
    with pytest.raises(errors.AuthExpired) as none:
        Refusing({}).send(Recipient(), Outgoing("x"))
    assert none.value.reason == "not_connected"


def test_the_registry_knows_each_channel_its_secrets_and_capabilities() -> None:
    assert registry.names() == ["zalo_zns", "zalo_oa", "messenger"]
    zns = registry.create("zalo_zns", ZALO)
    assert zns.config["api_base_url"] == "https://business.openapi.zalo.me"
    assert registry.get("zalo_zns").secret_fields() == {"app_secret", "oa_secret"}
    assert registry.get("messenger").secret_fields() == {"page_access_token", "app_secret"}
    assert messages.Capability.COST in zns.capabilities
    assert messages.Capability.ORDER_UPDATE_TAG in registry.get("messenger").capabilities
    with pytest.raises(errors.ValidationFailed) as caught:
        registry.create("messenger", {})
    assert set(caught.value.fields) == {"page_id", "page_access_token"}
