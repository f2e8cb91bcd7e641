"""Zalo Official Account: OAuth v4 with PKCE, customer-service messages, inbound webhooks.

Contract: ``shared/docs/payments-and-messages.md``. What ZNS (``zalo_zns``) shares with the
OA lives here in ``ZaloChannel``: the OA's tokens, their refresh, Zalo's error bodies and
webhook signatures.

- Connecting: ``consent(redirect_uri)`` gives the admin's consent link with a fresh PKCE
  ``code_challenge`` and ``state`` (the app keeps ``state`` and ``code_verifier`` in the
  admin's session); ``connect(code, code_verifier)`` trades the returned code for the pair.
- Tokens: the access token lives about 25 h, the refresh token about 3 months and works
  **once**; ``send`` refreshes once on an expired token and saves the new pair through the
  ``TokenStore`` before retrying (see ``messages.base``).
- Replies: HTTP 200 even on failure; success only when the body's ``error`` is 0.
- Customer-service messages (``/v3.0/oa/message/cs``) reach followers within 48 h of their
  last message to the OA (per SDK docs, *unconfirmed* on Zalo's own page).
- Webhooks: ``X-ZEvent-Signature`` is ``sha256(app_id + raw body + timestamp + OA secret)``,
  hex, maybe written ``mac=<hex>`` (*unconfirmed*); ``read_webhook`` checks it and the event's
  age and turns ``user_send_text`` into ``TEXT``/``OPT_OUT`` events and
  ``user_received_message`` into ``DELIVERED`` (keys: Zalo's ``msg_id``, for the caller's
  dedupe).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

import requests

from integrations import base, errors, webhooks
from integrations.messages.base import (
    Blocked,
    Capability,
    EventKind,
    InboundEvent,
    MessageChannel,
    Outgoing,
    OutsideWindow,
    Recipient,
    RecipientUnknown,
    RefreshRefused,
    Sent,
    TemplateRefused,
    TokenExpired,
    from_millis,
    text_event,
)
from vietnam.zone import VIETNAM

ACCESS_SECONDS = 90_000  # when the reply does not say
REFRESH_DAYS = 90  # "about 3 months"; Zalo does not say in the reply
WEBHOOK_MAX_AGE = 15 * 60  # seconds; an older event is refused as a replay
OA_WINDOW_HOURS = 48

# Zalo's ``error`` codes. -216, -224, -14020, -118, -124, -220 are in the contract; the rest
# come from integrators' code and error lists in the wild (*unconfirmed*): the raw code and
# message are kept on every error for the logs.
TOKEN_EXPIRED = {-216, -124, -220}
REFRESH_USED = -14020
RECIPIENT_UNKNOWN = {-118}
OUTSIDE_WINDOW = {-213, -230}
NOT_FOLLOWER = {-233}
REFUSED_BY_USER = {-139}
FEATURE_MISSING = {-224}
RATE_LIMITED = {-32}
QUOTA_EXCEEDED = {-144}
TEMPLATE_NOT_APPROVED = {-109, -131}
TEMPLATE_PARAMS = {-112}
PHONE_INVALID = {-108}


def zalo_error(code: int, message: str, status: int) -> errors.ChannelError:
    """Zalo's ``error`` code as one of our typed errors."""
    details: dict[str, Any] = {"code": str(code), "status": status}
    if code in TOKEN_EXPIRED:
        return TokenExpired(message, **details)
    if code == REFRESH_USED:
        return RefreshRefused(message, **details)
    if code in RECIPIENT_UNKNOWN:
        return RecipientUnknown(message, **details)
    if code in OUTSIDE_WINDOW:
        return OutsideWindow(message, params={"hours": OA_WINDOW_HOURS}, **details)
    if code in NOT_FOLLOWER:
        return Blocked(message, reason="not_follower", **details)
    if code in REFUSED_BY_USER:
        return Blocked(message, **details)
    if code in FEATURE_MISSING:
        return errors.PermanentError(message, reason="feature_missing", **details)
    if code in RATE_LIMITED:
        return errors.RateLimited(message, retry_after=60.0, **details)
    if code in QUOTA_EXCEEDED:
        return errors.QuotaExceeded(message, retry_after=seconds_to_vietnam_midnight(), **details)
    if code in TEMPLATE_NOT_APPROVED:
        return TemplateRefused(message, reason="template_not_approved", **details)
    if code in TEMPLATE_PARAMS:
        return TemplateRefused(message, **details)
    if code in PHONE_INVALID:
        return errors.ValidationFailed(message, reason="phone_invalid", **details)
    return errors.PermanentError(message, **details)


def seconds_to_vietnam_midnight(now: dt.datetime | None = None) -> float:
    """Seconds until the next midnight in Vietnam (daily quotas start again then,
    *unconfirmed*)."""
    local = (now or dt.datetime.now(dt.UTC)).astimezone(VIETNAM)
    tomorrow = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (tomorrow - local).total_seconds()


@dataclasses.dataclass(frozen=True)
class Consent:
    """A consent link and what the app keeps until Zalo sends the admin back."""

    url: str
    state: str
    code_verifier: str


def pkce_challenge(verifier: str) -> str:
    """``base64url(sha256(verifier))`` without padding (RFC 7636, S256)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def event_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret: str) -> str:
    """The hex ``X-ZEvent-Signature`` of one webhook call (*unconfirmed* formula)."""
    data = app_id.encode() + raw_body + timestamp.encode() + oa_secret.encode()
    return hashlib.sha256(data).hexdigest()


def webhook_events(body: Mapping[str, Any]) -> list[InboundEvent]:
    """The events of one (verified) webhook body; events of other kinds give none."""
    name = str(body.get("event_name") or "")
    message = body.get("message") or {}
    at = from_millis(body.get("timestamp"))
    msg_id = str(message.get("msg_id") or "")
    if name == "user_send_text" and msg_id:
        user_id = str((body.get("sender") or {}).get("id") or "")
        return [text_event(msg_id, user_id, str(message.get("text") or ""), at)]
    if name == "user_received_message" and msg_id:
        return [
            InboundEvent(
                EventKind.DELIVERED,
                f"delivered:{msg_id}",
                user_id=str((body.get("recipient") or {}).get("id") or ""),
                message_id=msg_id,
                tracking_id=str(message.get("tracking_id") or ""),
                at=from_millis(message.get("delivery_time")) or at,
            )
        ]
    return []


def zalo_schema(api_base_url: str, *more: base.ConfigField) -> tuple[base.ConfigField, ...]:
    """A Zalo channel's settings: the app, the OA's webhook secret, the two addresses
    (the API one defaulting to ``api_base_url``), then ``more``."""
    app = base.ConfigField("app_id", "App ID", help="Zalo app (developers.zalo.me)")
    secret = base.ConfigField("app_secret", "App secret", secret=True)
    webhooks = base.ConfigField("oa_secret", "OA secret key", secret=True, required=False)
    api = base.ConfigField("api_base_url", "API address", required=False, default=api_base_url)
    oauth = base.ConfigField(
        "oauth_base_url", "OAuth address", required=False, default="https://oauth.zaloapp.com"
    )
    return (app, secret, webhooks, api, oauth, *more)


class ZaloChannel(MessageChannel):
    """What the OA and ZNS share: the OA's OAuth v4 pair, Zalo replies, webhooks."""

    capabilities = frozenset({Capability.CONNECT, Capability.INBOUND})
    config_schema: ClassVar[tuple[base.ConfigField, ...]] = zalo_schema("https://openapi.zalo.me")

    # --- connect ---------------------------------------------------------------------------
    def consent(self, redirect_uri: str) -> Consent:
        """The admin's consent link with a fresh PKCE verifier and state."""
        verifier = secrets.token_urlsafe(48)[:64]
        state = secrets.token_urlsafe(16)
        query = urlencode(
            {
                "app_id": self.config["app_id"],
                "redirect_uri": redirect_uri,
                "code_challenge": pkce_challenge(verifier),
                "state": state,
            }
        )
        return Consent(f"{self._oauth_base()}/v4/oa/permission?{query}", state, verifier)

    def connect(self, code: str, code_verifier: str) -> base.Tokens:
        """The OA's pair for the code Zalo sent back (the caller checked ``state``)."""
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": code_verifier}
        return self._token_call(form, refused="connect_failed")

    def refresh(self, refresh_token: str) -> base.Tokens:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._token_call(form, refused="reconnect_needed")

    def _token_call(self, form: Mapping[str, str], *, refused: str) -> base.Tokens:
        """A pair from the token endpoint; a refusal is ``RefreshRefused`` with ``refused``
        as its reason, ``refresh_token_used`` when the refresh token was spent already."""
        response = self.client.send(
            "POST",
            "",
            url=f"{self._oauth_base()}/v4/oa/access_token",
            data={"app_id": self.config["app_id"], **form},
            headers={"secret_key": self.config["app_secret"]},
        )
        body = self.client.json(response)
        code = int(body.get("error") or 0)
        words = str(body.get("error_description") or body.get("error_name") or "token refused")
        if code or not body.get("access_token") or not body.get("refresh_token"):
            raise RefreshRefused(
                words,
                code=str(code or f"http_{response.status_code}"),
                status=response.status_code,
                reason="refresh_token_used" if code == REFRESH_USED else refused,
            )
        now = self.now()
        seconds = int(str(body.get("expires_in") or ACCESS_SECONDS))
        return base.Tokens(
            str(body["access_token"]),
            str(body["refresh_token"]),
            now + dt.timedelta(seconds=seconds),
            now + dt.timedelta(days=REFRESH_DAYS),
        )

    # --- calls -----------------------------------------------------------------------------
    def post_json(self, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``body`` with the OA's access token (refreshed once if expired); the reply's
        ``data`` when its ``error`` is 0, else a typed error."""

        def call(access_token: str) -> dict[str, Any]:
            response = self.client.send(
                "POST",
                "",
                url=url,
                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"access_token": access_token, "Content-Type": "application/json"},
            )
            return self.read(response)

        return self.with_access(call)

    def read(self, response: requests.Response) -> dict[str, Any]:
        """The reply's ``data`` when its ``error`` is 0 (HTTP 200 says nothing), else a typed
        error carrying Zalo's code and words."""
        body = self.client.json(response)
        try:
            code = int(body["error"])
        except (KeyError, TypeError, ValueError):
            code = None
        if code == 0 and response.status_code < 400:
            data = body.get("data")
            return dict(data) if isinstance(data, Mapping) else {}
        if not code:
            raise errors.PermanentError(
                f"Zalo refused (HTTP {response.status_code})",
                status=response.status_code,
                code=f"http_{response.status_code}",
            )
        raise zalo_error(code, str(body.get("message") or "Zalo error"), response.status_code)

    # --- webhooks --------------------------------------------------------------------------
    def read_webhook(self, raw_body: bytes, signature: str) -> list[InboundEvent]:
        """The events of a webhook call after checking its signature and age."""
        body = webhooks.json_object(raw_body)
        timestamp = str(body.get("timestamp") or "")
        secret = self.config["oa_secret"]
        expected = event_signature(self.config["app_id"], raw_body, timestamp, secret)
        given = signature.strip().removeprefix("mac=")
        if not secret or not webhooks.same_secret(given, expected):
            raise webhooks.BadSignature("bad webhook signature")
        sent_at = from_millis(timestamp)
        if sent_at is None:
            raise webhooks.MalformedBody("webhook event has no timestamp")
        webhooks.check_drift(sent_at.timestamp(), self.now(), WEBHOOK_MAX_AGE)
        return webhook_events(body)

    def _oauth_base(self) -> str:
        return self.config["oauth_base_url"].rstrip("/")

    def api_url(self, path: str) -> str:
        return f"{self.config['api_base_url'].rstrip('/')}{path}"


class ZaloOaChannel(ZaloChannel):
    """Customer-service text from the club's OA to a follower who wrote within 48 h."""

    name = "zalo_oa"
    title = "Zalo OA"
    capabilities = frozenset(
        {*ZaloChannel.capabilities, Capability.FREE_TEXT, Capability.BY_USER_ID}
    )
    window_hours = OA_WINDOW_HOURS
    text_max = 2000  # *unconfirmed* for Zalo

    def send(self, recipient: Recipient, message: Outgoing) -> Sent:
        self.check_free_text(recipient, message)
        self.check_window(recipient)
        data = self.post_json(
            self.api_url("/v3.0/oa/message/cs"),
            {"recipient": {"user_id": recipient.user_id}, "message": {"text": message.text}},
        )
        return Sent(str(data.get("message_id") or ""))
