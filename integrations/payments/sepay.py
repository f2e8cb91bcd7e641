"""SePay: a webhook per transaction on the linked accounts.

Contract: ../shared/docs/payments-and-messages.md.

Body: ``{"id", "gateway", "transactionDate" (Vietnam local), "accountNumber", "code" (the
payment code SePay extracted, or null), "content", "transferType" ("in"|"out"),
"transferAmount", "accumulated", "subAccount", "referenceCode", "description"}``.

Authentication, as the account chose (``auth``):

- ``hmac``: ``X-SePay-Timestamp: <unix s>`` and ``X-SePay-Signature: sha256=<hex>`` of
  ``HMAC_SHA256(secret, "{timestamp}.{raw body}")``, refused beyond 5 minutes of drift (the
  string format is from integrators' code, the official page was cut off: *unconfirmed*);
- ``api_key``: ``Authorization: Apikey <key>`` (no timestamp: a replay is caught only by the
  dedupe on ``id``).

``id`` stays the same across SePay's retries and manual resends: it is the transaction id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from integrations import base, errors, webhooks
from integrations.payments import base as pay

AUTH_HMAC = "hmac"
AUTH_API_KEY = "api_key"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-SePay-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    return "sha256=" + webhooks.hmac_hex("sha256", secret, f"{timestamp}.".encode() + body)


class SePaySource(pay.PaymentSource):
    name = "sepay"
    title = "SePay"
    capabilities = frozenset(
        {
            pay.Capability.SIGNED,
            pay.Capability.TIMESTAMPED,
            pay.Capability.MONEY_OUT,
            pay.Capability.PROVIDER_CODE,
        }
    )
    config_schema: ClassVar[tuple[base.ConfigField, ...]] = (
        base.ConfigField("auth", "Authentication", default=AUTH_HMAC, help="hmac or api_key"),
        base.ConfigField("webhook_secret", "HMAC secret key", secret=True, required=False),
        base.ConfigField("api_key", "API key", secret=True, required=False),
        base.ConfigField("account_number", "Bank account number", required=False),
    )

    @classmethod
    def check_config(cls, config: Mapping[str, str]) -> dict[str, str]:
        checked = super().check_config(config)
        mode = checked["auth"]
        needed = {AUTH_HMAC: "webhook_secret", AUTH_API_KEY: "api_key"}.get(mode)
        if needed is None:
            problem = errors.Problem("choice", {"choices": [AUTH_HMAC, AUTH_API_KEY]}, "choice")
            raise errors.ValidationFailed(
                "unknown auth mode", fields={"auth": [problem]}, reason="config_invalid"
            )
        if not checked[needed]:
            raise errors.ValidationFailed(
                "missing configuration",
                fields={needed: [errors.Problem("required", {}, "required")]},
                reason="config_invalid",
            )
        return checked

    def authenticate(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> None:
        if self.config["auth"] == AUTH_API_KEY:
            given = webhooks.header(headers, "Authorization")
            scheme, _, key = given.partition(" ")
            if scheme.lower() != "apikey":
                key = ""
            webhooks.require_match(key.strip(), self.config["api_key"], "bad_api_key")
            return
        timestamp = webhooks.header(headers, "X-SePay-Timestamp")
        given = webhooks.header(headers, "X-SePay-Signature").lower()
        expected = signature(self.config["webhook_secret"], timestamp, body)
        webhooks.require_match(given, expected, "bad_signature")
        try:
            signed_at = float(timestamp)
        except ValueError:
            raise webhooks.BadSignature("timestamp is not a number", code="bad_timestamp") from None
        webhooks.check_drift(signed_at, now, self.max_drift_seconds)

    def verify(
        self, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
    ) -> list[pay.Transfer]:
        self.authenticate(headers, body, now)
        data = pay.Fields(webhooks.json_object(body))
        kind = data.text("transferType", required=True)
        if kind not in (pay.Direction.IN, pay.Direction.OUT):
            raise webhooks.MalformedBody(
                "transferType is not in/out", code="bad_field", params={"field": "transferType"}
            )
        account = data.text("accountNumber", required=True)
        return [
            pay.Transfer(
                provider=self.name,
                transaction_id=data.text("id", required=True),
                account_number=account,
                amount=abs(data.integer("transferAmount")),
                direction=pay.Direction(kind),
                content=data.text("content"),
                occurred_at=data.local_time("transactionDate"),
                provider_code=data.text("code") or None,
                reference=data.text("referenceCode"),
                raw=data.data,
            )
        ]
