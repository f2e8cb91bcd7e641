"""One webhook call from a payment service (``POST /webhooks/payments/<token>``).

1. The token names an active connection; any other token (unknown, turned off, deleted)
   is ``NotFound``: the caller answers 404 and nothing is read or written.
2. The connection's source checks the call as received (the raw body, the headers, the app's
   clock): a bad signature or key, a signed time past the allowed drift (a replay, a clock far
   off) or a body the service never sends is ``Refused``: nothing is stored, and the
   connection's ``last_problem`` says why (its own small unit of work; a flood of bad calls
   rewrites that one row at most once a minute per reason, never adds rows).
3. Accepted: every transfer of the call goes through ``matching.record`` in ONE unit of work
   (stored once per ``(club, provider, transaction id)``, applied to its order), and the
   caller answers the service's ``success_reply()``. A duplicate, a retry or a replay inside
   the drift inserts nothing and changes nothing; two copies arriving at once are settled by
   the database's unique key.

*Decisions:*

- a transfer on another account than the connection's (SePay and Casso report every account
  linked to the service account) is stored, but never matched automatically: it goes to the
  review list with the reason ``other_account`` (it is the club's money on another of its
  accounts; staff assign it or set it aside);
- payOS's test call on ``confirm-webhook`` (order code 123, description ``VQRIO123``, the
  sample payOS documents; *assumed*) is answered with success and not stored;
- ``last_received_at`` is kept to about ten seconds (an update in the call's unit that
  matches the row at most once per ten seconds per connection), so that calls in a burst do
  not queue on the connection's row and each call commits once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core import clock, errors, uow
from app.http import webhooks as http_webhooks
from app.models import payments as models
from app.payments import connections, labels, matching
from integrations import webhooks
from integrations.payments.base import Transfer

MAX_BODY_BYTES = http_webhooks.MAX_BODY_BYTES
PROBLEM_EVERY = dt.timedelta(minutes=1)
RECEIVED_EVERY = dt.timedelta(seconds=10)
PAYOS_TEST = ("123", "VQRIO123")


TooLarge = http_webhooks.TooLarge
Refused = http_webhooks.Refused


def _refused(reason: str, params: Mapping[str, Any]) -> Refused:
    """A call the connection's source refused (``code``: the reason code), in words."""
    return Refused(reason, labels.problem_label({"code": reason, "params": params}))


@dataclasses.dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    stored: int  # transactions new to the club (0: duplicates only)


def _connection(session: so.Session, token: str) -> models.PaymentConnection:
    row = (
        session.scalar(
            sa.select(models.PaymentConnection).where(
                models.PaymentConnection.webhook_token == token,
                models.PaymentConnection.active.is_(True),
            )
        )
        if 0 < len(token) <= 64
        else None
    )
    if row is None:
        raise errors.NotFound()
    return row


def _is_payos_test(transfer: Transfer) -> bool:
    return transfer.provider == "payos" and (transfer.provider_code, transfer.content) == PAYOS_TEST


def receive(
    session: so.Session,
    token: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: clock.Clock = clock.utcnow,
) -> Reply:
    """Verify one call and record its transfers (see the module note); NotFound for a token
    of no active connection, Refused for a call the source refuses."""
    row = _connection(session, token)
    connection_id, club_id, account = row.id, row.club_id, row.account_number
    source = connections.source_for(row)
    if len(body) > MAX_BODY_BYTES:
        _note_problem(session, row, "too_large", {"bytes": len(body)}, now)
        raise TooLarge()
    try:
        found = source.verify(headers, body, now=now())
    except webhooks.WebhookRejected as exc:
        _note_problem(session, row, exc.reason, exc.params, now)
        raise _refused(exc.reason, exc.params) from None
    stored = 0
    with uow.unit_of_work(session):
        for transfer in found:
            if _is_payos_test(transfer):
                continue
            review = None
            if connections.account_number_of(transfer.account_number) != account:
                review = {"reason": "other_account", "account": transfer.account_number[:19]}
            done = matching.record(
                session,
                club_id,
                transfer,
                source=models.TransactionSource.WEBHOOK,
                connection_id=connection_id,
                now=now,
                review=review,
            )
            stored += int(done.new)
        # In the same transaction: one commit per call (the update rarely matches a row).
        _note_received(session, connection_id, now())
    status, reply = source.success_reply()
    return Reply(status, reply, stored)


def _note_problem(
    session: so.Session,
    row: models.PaymentConnection,
    reason: str,
    params: Mapping[str, Any],
    now: clock.Clock,
) -> None:
    """Keep the refusal on the connection (at most once a minute per reason)."""
    at = now()
    last = row.last_problem or {}
    seen = last.get("at")
    if last.get("code") == reason and isinstance(seen, str):
        try:
            if at - dt.datetime.fromisoformat(seen) < PROBLEM_EVERY:
                return
        except (TypeError, ValueError):
            pass
    problem = {
        "code": reason,
        "params": {k: v for k, v in params.items() if isinstance(v, (int, str))},
        "at": at.isoformat(),
    }
    with uow.unit_of_work(session):
        session.execute(
            sa.update(models.PaymentConnection)
            .where(models.PaymentConnection.id == row.id)
            .values(last_problem=problem)
        )


def _note_received(session: so.Session, connection_id: int, at: dt.datetime) -> None:
    column = models.PaymentConnection.last_received_at
    with uow.unit_of_work(session):
        session.execute(
            sa.update(models.PaymentConnection)
            .where(
                models.PaymentConnection.id == connection_id,
                sa.or_(column.is_(None), column < at - RECEIVED_EVERY),
            )
            .values(last_received_at=at)
        )
