"""Casso webhooks, v2 (signed) and the legacy v1 (``secure-token``).

v2 body: ``{"error": 0, "data": {"id", "reference", "description", "amount",
"runningBalance", "transactionDateTime" (Vietnam local), "accountNumber", "bankName",
"bankAbbreviation", "virtualAccountNumber", "virtualAccountName", "counterAccountName",
"counterAccountNumber", "counterAccountBankId", "counterAccountBankName"}}``, header
``X-Casso-Signature: t=<unix ms>,v1=<hex>`` where ``v1`` is
``HMAC_SHA512(checksum_key, t + "." + JSON(body))`` and JSON is the whole body with keys
sorted recursively, compact, non-ASCII unescaped (checked against the verified vector in
``tests/unit/integrations/test_payment_signatures.py``).

*Assumed, unconfirmed:* a negative ``amount`` is money out (Casso reports both directions);
the same 5-minute drift as SePay (Casso documents none); the reply ``{"success": true}``.
Legacy v1 (``{"error": 0, "data": [{"id", "tid", "description", "amount", "cusum_balance",
"when", "bank_sub_acc_id"}]}``, header ``secure-token``) is taken only when a
``secure_token`` is configured; it has no timestamp, so replays are caught by the dedupe only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, ClassVar

from integrations import base, webhooks
from integrations.payments import base as pay


def canonical_json(body: Any) -> str:
    """Casso's signed form of a body: keys sorted at every level, compact, UTF-8 unescaped."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signature(checksum_key: str, t: str, body: Any) -> str:
    """``v1`` of the ``X-Casso-Signature`` header for the parsed ``body`` at ``t`` (Unix ms)."""
    return webhooks.hmac_hex("sha512", checksum_key, f"{t}.{canonical_json(body)}")


def parse_signature_header(value: str) -> tuple[str, str]:
    """``(t, v1)`` from ``t=<ms>,v1=<hex>`` (``("", "")`` parts when missing)."""
    parts = dict(item.strip().partition("=")[::2] for item in value.split(",") if "=" in item)
    return parts.get("t", ""), parts.get("v1", "").lower()


class CassoSource(pay.PaymentSource):
    name = "casso"
    title = "Casso"
    capabilities = frozenset(
        {pay.Capability.SIGNED, pay.Capability.TIMESTAMPED, pay.Capability.MONEY_OUT}
    )
    config_schema: ClassVar[tuple[base.ConfigField, ...]] = (
        base.ConfigField("checksum_key", "Webhook checksum key", secret=True),
        base.ConfigField("secure_token", "Legacy v1 secure token", secret=True, required=False),
    )

    def verify(
        self, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
    ) -> list[pay.Transfer]:
        signed = webhooks.header(headers, "X-Casso-Signature")
        if not signed and self.config["secure_token"]:
            return self.verify_legacy(headers, body)
        t, given = parse_signature_header(signed)
        parsed = webhooks.json_object(body)
        webhooks.require_match(
            given, signature(self.config["checksum_key"], t, parsed), "bad_signature"
        )
        try:
            signed_at = int(t) / 1000
        except ValueError:
            raise webhooks.BadSignature("t is not a number", code="bad_timestamp") from None
        webhooks.check_drift(signed_at, now, self.max_drift_seconds)
        data = pay.Fields(parsed.get("data"), "data")
        amount = data.integer("amount")
        return [
            pay.Transfer(
                provider=self.name,
                transaction_id=data.text("id", required=True),
                account_number=data.text("accountNumber", required=True),
                amount=abs(amount),
                direction=pay.Direction.OUT if amount < 0 else pay.Direction.IN,
                content=data.text("description"),
                occurred_at=data.local_time("transactionDateTime"),
                reference=data.text("reference"),
                counter_account_name=data.text("counterAccountName"),
                counter_account_number=data.text("counterAccountNumber"),
                raw=data.data,
            )
        ]

    def verify_legacy(self, headers: Mapping[str, str], body: bytes) -> list[pay.Transfer]:
        token = webhooks.header(headers, "secure-token")
        webhooks.require_match(token, self.config["secure_token"], "bad_token")
        rows = webhooks.json_object(body).get("data")
        if not isinstance(rows, list):
            raise webhooks.MalformedBody(
                "data is not a list", code="bad_field", params={"field": "data"}
            )
        out = []
        for index, row in enumerate(rows):
            data = pay.Fields(row, f"data.{index}")
            amount = data.integer("amount")
            out.append(
                pay.Transfer(
                    provider=self.name,
                    transaction_id=data.text("id", required=True),
                    account_number=data.text("bank_sub_acc_id"),
                    amount=abs(amount),
                    direction=pay.Direction.OUT if amount < 0 else pay.Direction.IN,
                    content=data.text("description"),
                    occurred_at=data.local_time("when"),
                    reference=data.text("tid"),
                    raw=data.data,
                )
            )
        return out
