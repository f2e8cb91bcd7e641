"""Messenger Send API: a Page's text to a buyer who wrote to the Page.

Contract: ``shared/docs/payments-and-messages.md``. ``POST /{page-id}/messages`` with the
Page's token (``pages_messaging``); the buyer is their page-scoped id (PSID). Free messages
(``messaging_type`` ``RESPONSE``) only within 24 h of the buyer's last message; outside it,
news about the buyer's own order goes as ``MESSAGE_TAG`` with tag ``POST_PURCHASE_UPDATE``
and anything else is refused here (``outside_window``) before a call is made. When the caller
does not know the buyer's last message, order news goes tagged and other text as
``RESPONSE`` (Messenger decides). Page tokens do not refresh: an expired one is
``token_expired`` and the Page must be connected again.

Inbound (Meta's webhook reference; not in our contract): ``read_webhook`` checks
``X-Hub-Signature-256`` and gives the people's messages, opt-outs included, with the time of
each (the start of its 24 h window).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from integrations import base, errors, webhooks
from integrations.comments import facebook
from integrations.messages import base as messages

WINDOW_HOURS = 24
ORDER_TAG = "POST_PURCHASE_UPDATE"
OUTSIDE_WINDOW_SUBCODE = 2018278  # (#10) "sent outside of allowed window"
NO_USER_SUBCODE = 2018001  # (#100) "No matching user found"
UNAVAILABLE_CODE = 551  # "This person isn't available right now" (blocked the Page)


def messaging_error(
    problem: Mapping[str, Any], status: int, headers: Mapping[str, str]
) -> errors.ChannelError:
    """A Send API error as a typed error: the messaging cases first, then Graph's own."""
    code = int(problem.get("code") or 0)
    sub = int(problem.get("error_subcode") or 0)
    message = str(problem.get("message") or "Send API error")
    details: dict[str, Any] = {"code": f"{code}/{sub}" if sub else str(code), "status": status}
    if code == 10 and sub == OUTSIDE_WINDOW_SUBCODE:
        return messages.OutsideWindow(message, params={"hours": WINDOW_HOURS}, **details)
    if code == 100 and sub == NO_USER_SUBCODE:
        return messages.RecipientUnknown(message, **details)
    if code == UNAVAILABLE_CODE:
        return messages.Blocked(message, **details)
    if code == 190:
        return messages.TokenExpired(message, **details)
    return facebook.graph_error(problem, status, headers)


class MessengerChannel(messages.MessageChannel):
    name = "messenger"
    title = "Messenger"
    capabilities = frozenset({messages.Capability.FREE_TEXT, messages.Capability.BY_USER_ID}) | {
        messages.Capability.ORDER_UPDATE_TAG,
        messages.Capability.INBOUND,
    }
    window_hours = WINDOW_HOURS
    text_max = 2000  # the Send API's limit for a text message
    config_schema = (
        base.ConfigField("page_id", "Page ID"),
        base.ConfigField("page_access_token", "Page access token", secret=True),
        base.ConfigField(
            "app_secret", "App secret", secret=True, required=False, help="webhook signatures"
        ),
        base.ConfigField(
            "api_base_url",
            "Graph API address",
            required=False,
            default="https://graph.facebook.com",
        ),
    )

    def messaging_type(
        self, recipient: messages.Recipient, message: messages.Outgoing
    ) -> dict[str, str]:
        """``RESPONSE`` inside the window, the order tag outside it (or when unknown) for
        order news; ``OutsideWindow`` for anything else known to be outside."""
        known = recipient.last_interaction_at is not None
        inside = messages.window_open(recipient.last_interaction_at, self.now(), WINDOW_HOURS)
        if known and inside:
            return {"messaging_type": "RESPONSE"}
        if message.order_update:
            return {"messaging_type": "MESSAGE_TAG", "tag": ORDER_TAG}
        if known:
            self.check_window(recipient)
        return {"messaging_type": "RESPONSE"}

    def send(self, recipient: messages.Recipient, message: messages.Outgoing) -> messages.Sent:
        self.check_free_text(recipient, message)
        body = {
            "recipient": {"id": recipient.user_id},
            **self.messaging_type(recipient, message),
            "message": {"text": message.text},
        }
        response = self.client.send(
            "POST",
            f"/{facebook.VERSION}/{self.config['page_id']}/messages",
            params={"access_token": self.config["page_access_token"]},
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        reply = self.client.json(response)
        problem = reply.get("error")
        if problem or response.status_code >= 400:
            if not isinstance(problem, Mapping):
                problem = {"message": f"Send API refused (HTTP {response.status_code})"}
            raise messaging_error(problem, response.status_code, response.headers)
        return messages.Sent(str(reply.get("message_id") or ""))

    def read_webhook(self, raw_body: bytes, signature: str) -> list[messages.InboundEvent]:
        """The people's messages in a Page webhook call (``X-Hub-Signature-256``:
        ``sha256=`` and the hex HMAC-SHA256 of the raw body with the app secret): ``TEXT``,
        or ``OPT_OUT`` when a message asks to stop; the Page's own echoes are left out. Keys
        are Messenger's ``mid``; Messenger resends, so the caller dedupes on them."""
        secret = self.config["app_secret"]
        expected = "sha256=" + webhooks.hmac_hex("sha256", secret, raw_body)
        if not secret or not webhooks.same_secret(signature.strip(), expected):
            raise webhooks.BadSignature("bad webhook signature")
        body = webhooks.json_object(raw_body)
        events: list[messages.InboundEvent] = []
        entries = [entry for entry in body.get("entry") or [] if isinstance(entry, Mapping)]
        for entry in entries:
            for item in entry.get("messaging") or []:
                message = item.get("message") or {}
                if not message.get("mid") or message.get("is_echo"):
                    continue
                sender = str((item.get("sender") or {}).get("id") or "")
                text = str(message.get("text") or "")
                at = messages.from_millis(item.get("timestamp"))
                events.append(messages.text_event(str(message["mid"]), sender, text, at))
        return events
