"""Bank transfers for tests: one as a webhook service reports it, recorded through the payment
matching (app/payments/matching.py) in the app context's session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app import extensions
from app.models import payments as models
from app.payments import matching
from integrations.payments.base import Direction, Transfer

ACCOUNT = "0123499999"
AT = dt.datetime(2026, 6, 21, 14, 0, tzinfo=dt.UTC)


def transfer(
    txid: str, amount: int, content: str, *, at: dt.datetime = AT, **fields: Any
) -> Transfer:
    """Money in on the club's account (``fields``: any other ``Transfer`` field)."""
    values: dict[str, Any] = {
        "provider": "sepay",
        "transaction_id": txid,
        "account_number": ACCOUNT,
        "amount": amount,
        "direction": Direction.IN,
        "content": content,
        "occurred_at": at,
        **fields,
    }
    return Transfer(**values)


def pay(
    club_id: int, txid: str, amount: int, content: str, *, at: dt.datetime = AT, **fields: Any
) -> matching.Recorded:
    """Record one webhook-reported transfer for the club (it was received at ``at``)."""
    return matching.record(
        extensions.db.session,
        club_id,
        transfer(txid, amount, content, at=at, **fields),
        source=models.TransactionSource.WEBHOOK,
        now=lambda: at,
    )
