"""payOS: webhooks of paid payment links, and the merchant API that creates the links.

Webhook body: ``{"code": "00", "desc": "success", "success": true, "data": {orderCode,
amount, description, accountNumber, reference, transactionDateTime, currency, paymentLinkId,
code, desc, counterAccount…, virtualAccount…}, "signature": "<hex>"}``; ``signature`` is
``HMAC_SHA256(checksum_key, "k1=v1&k2=v2…")`` over ``data`` sorted by key (null → empty,
arrays and objects as JSON). There is no timestamp: a replayed call verifies, and only the
dedupe on ``transaction_id`` (``paymentLinkId:reference``; *our choice* — payOS names no
transaction id, and one link may be paid in several transfers) keeps it harmless.

Merchant API (``x-client-id``, ``x-api-key``): ``POST /v2/payment-requests`` (signed over
``amount``, ``cancelUrl``, ``description``, ``orderCode``, ``returnUrl``), ``GET
/v2/payment-requests/{orderCode|paymentLinkId}``, ``POST /confirm-webhook``. Replies are
``{"code": "00", "desc", "data", "signature"}``; the data signature is checked when present.
A description holds at most 9 characters (when the receiving account is not linked through
payOS; we always keep to it): ``vietnam.transfers.make_code`` fits for ids below 10**6.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from integrations import base, errors, webhooks
from integrations.payments import base as pay

DESCRIPTION_MAX = 9
LINK_SIGNED_FIELDS = ("amount", "cancelUrl", "description", "orderCode", "returnUrl")
SUCCESS = "00"


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def data_signature(checksum_key: str, data: Mapping[str, Any]) -> str:
    """payOS's signature of a webhook's (or a reply's) ``data``: sorted ``key=value`` pairs."""
    text = "&".join(f"{key}={_value(data[key])}" for key in sorted(data))
    return webhooks.hmac_hex("sha256", checksum_key, text)


def link_signature(checksum_key: str, request: Mapping[str, Any]) -> str:
    """The ``signature`` of a create-link request: its five signed fields, raw values."""
    return data_signature(checksum_key, {k: request[k] for k in LINK_SIGNED_FIELDS})


CONFIG: tuple[base.ConfigField, ...] = (
    base.ConfigField("client_id", "Client ID", secret=True),
    base.ConfigField("api_key", "API key", secret=True),
    base.ConfigField("checksum_key", "Checksum key", secret=True),
    base.ConfigField("api_base_url", "API address", default="https://api-merchant.payos.vn"),
)


class PayOSSource(pay.PaymentSource):
    """payOS's webhook (a payment link was paid, wholly or in part)."""

    name = "payos"
    title = "payOS"
    capabilities = frozenset({pay.Capability.SIGNED, pay.Capability.PAYMENT_LINKS})
    config_schema: ClassVar[tuple[base.ConfigField, ...]] = CONFIG

    def verify(
        self, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
    ) -> list[pay.Transfer]:
        parsed = webhooks.json_object(body)
        raw_data = parsed.get("data")
        if not isinstance(raw_data, dict):
            raise webhooks.MalformedBody(
                "data is not an object", code="bad_field", params={"field": "data"}
            )
        given = str(parsed.get("signature") or "").lower()
        expected = data_signature(self.config["checksum_key"], raw_data)
        webhooks.require_match(given, expected, "bad_signature")
        data = pay.Fields(raw_data, "data")
        if data.text("code") != SUCCESS:
            return []  # not a payment (payOS reports only successful ones; be safe)
        link_id = data.text("paymentLinkId", required=True)
        reference = data.text("reference", required=True)
        return [
            pay.Transfer(
                provider=self.name,
                transaction_id=f"{link_id}:{reference}",
                account_number=data.text("accountNumber", required=True),
                amount=abs(data.integer("amount")),
                direction=pay.Direction.IN,
                content=data.text("description"),
                occurred_at=data.local_time("transactionDateTime"),
                provider_code=str(data.integer("orderCode")),
                reference=reference,
                counter_account_name=data.text("counterAccountName"),
                counter_account_number=data.text("counterAccountNumber"),
                raw=data.data,
            )
        ]


def _link(data: pay.Fields) -> pay.PaymentLink:
    return pay.PaymentLink(
        order_code=data.integer("orderCode"),
        amount=data.integer("amount"),
        description=data.text("description"),
        status=data.text("status", required=True),
        payment_link_id=data.text("paymentLinkId") or data.text("id"),
        checkout_url=data.text("checkoutUrl"),
        qr_code=data.text("qrCode"),
        account_number=data.text("accountNumber"),
        account_name=data.text("accountName"),
        bin=data.text("bin"),
        amount_paid=data.integer("amountPaid") if "amountPaid" in data.data else 0,
    )


class PayOSLinks(pay.PaymentLinks):
    """payOS's merchant API: payment links, their status, the webhook address."""

    name = "payos"
    title = "payOS"
    config_schema: ClassVar[tuple[base.ConfigField, ...]] = CONFIG

    def _headers(self) -> dict[str, str]:
        return {
            "x-client-id": self.config["client_id"],
            "x-api-key": self.config["api_key"],
            "Content-Type": "application/json",
        }

    def _call(self, method: str, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        """The reply's ``data`` (signature checked when the reply carries one)."""
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        response = self.client.send(method, path, data=body, headers=self._headers())
        reply = self._reply(response)
        data = reply.get("data")
        given = str(reply.get("signature") or "").lower()
        if given and isinstance(data, dict):
            expected = data_signature(self.config["checksum_key"], data)
            if not webhooks.same_secret(given, expected):
                raise errors.TransientError(
                    "reply signature does not match",
                    code="bad_reply_signature",
                    reason="bad_reply",
                )
        return data

    def _reply(self, response: requests.Response) -> dict[str, Any]:
        status = response.status_code
        if status in (401, 403):
            raise errors.PermanentError(
                "payOS refused the credentials",
                code=f"http_{status}",
                status=status,
                reason="credentials_refused",
            )
        reply = self.client.json(response)
        code = str(reply.get("code", ""))
        if status >= 400 or code != SUCCESS:
            problem = errors.Problem("refused", {"code": code}, str(reply.get("desc", "")))
            raise errors.ValidationFailed(
                f"payOS refused the call: code {code}",
                code=code or f"http_{status}",
                status=status,
                fields={"request": [problem]},
            )
        return reply

    def create_link(self, link: pay.LinkRequest) -> pay.PaymentLink:
        if not 0 < len(link.description) <= DESCRIPTION_MAX:
            problem = errors.Problem(
                "description_length",
                {"min": 1, "max": DESCRIPTION_MAX},
                "description must be 1–9 characters",
            )
            raise errors.ValidationFailed("description too long", fields={"description": [problem]})
        request: dict[str, Any] = {
            "orderCode": link.order_code,
            "amount": link.amount,
            "description": link.description,
            "cancelUrl": link.cancel_url,
            "returnUrl": link.return_url,
        }
        if link.expired_at is not None:
            request["expiredAt"] = link.expired_at
        if link.items:
            request["items"] = [dataclasses.asdict(item) for item in link.items]
        request["signature"] = link_signature(self.config["checksum_key"], request)
        return _link(pay.Fields(self._call("POST", "/v2/payment-requests", request), "data"))

    def link_status(self, ref: str | int) -> pay.PaymentLink:
        data = self._call("GET", f"/v2/payment-requests/{ref}")
        return _link(pay.Fields(data, "data"))

    def confirm_webhook(self, url: str) -> None:
        self._call("POST", "/confirm-webhook", {"webhookUrl": url})
