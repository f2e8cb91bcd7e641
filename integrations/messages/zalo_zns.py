"""ZNS (Zalo Notification Service, now "ZBS Template Message"): an approved template sent to a
phone number, paid per delivered message.

Contract: ``shared/docs/payments-and-messages.md``. ``POST /message/template`` on
``business.openapi.zalo.me`` with the OA's access token (tokens, refresh and Zalo's replies:
``zalo_oa.ZaloChannel``). The phone goes as ``84`` and the number without its ``0``;
``template_data`` holds the template's parameters, checked here against their types' lengths
before anything is sent; ``tracking_id`` (the caller's id) comes back in delivery callbacks.
``mode`` ``development`` reaches the OA's admins only, free of charge.

The reply's ``data.quota`` (``dailyQuota``, ``remainingQuota``) fills ``Sent.quota_left``
(reply shape *unconfirmed*). Zalo does not say what a message cost: ``Sent.cost`` is the
template's registered price (0 in development mode).
"""

from __future__ import annotations

from typing import Any

from integrations import base, errors
from integrations.messages.base import (
    Capability,
    Outgoing,
    Recipient,
    Sent,
    TemplateRefused,
)
from integrations.messages.zalo_oa import ZaloChannel, zalo_schema
from vietnam import phones

DEVELOPMENT = "development"
MODE_HELP = "'development': to the OA's admins only, free (for trying templates)"


def zalo_phone(raw: str) -> str:
    """A Vietnamese mobile number in Zalo's form: ``'0912 345 678'`` → ``'84912345678'``;
    anything else is a ``ValidationFailed`` (``phone_invalid``)."""
    national = phones.mobile(raw)
    if national is None:
        raise errors.ValidationFailed("not a Vietnamese mobile number", reason="phone_invalid")
    return "84" + national[1:]


def _number(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class ZaloZnsChannel(ZaloChannel):
    name = "zalo_zns"
    title = "Zalo ZNS"
    capabilities = frozenset(
        {
            *ZaloChannel.capabilities,
            Capability.TEMPLATE,
            Capability.BY_PHONE,
            Capability.COST,
            Capability.DELIVERY_STATUS,
        }
    )
    config_schema = zalo_schema(
        "https://business.openapi.zalo.me",
        base.ConfigField("mode", "Mode", required=False, help=MODE_HELP),
    )

    def send(self, recipient: Recipient, message: Outgoing) -> Sent:
        template = message.template
        if template is None:
            raise TemplateRefused("no template", reason="template_missing")
        problems = template.problems(message.params)
        if problems:
            raise TemplateRefused("template parameters do not fit", fields=problems)
        body: dict[str, Any] = {
            "phone": zalo_phone(recipient.phone),
            "template_id": template.template_id,
            "template_data": dict(message.params),
        }
        if message.tracking_id:
            body["tracking_id"] = message.tracking_id
        development = self.config["mode"] == DEVELOPMENT
        if development:
            body["mode"] = DEVELOPMENT
        data = self.post_json(self.api_url("/message/template"), body)
        quota = data.get("quota") or {}
        return Sent(
            str(data.get("msg_id") or ""),
            cost=0 if development else (template.price or None),
            quota_left=_number(quota.get("remainingQuota")),
            daily_quota=_number(quota.get("dailyQuota")),
        )
