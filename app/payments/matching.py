"""Matching bank transactions to orders, each transaction applied once.

Every way money is reported — a webhook service's call (app/payments/webhooks.py), a row of an
uploaded bank statement (app/payments/statements.py) — ends in :func:`record`, inside the
caller's unit of work:

1. **Once.** The transaction is inserted with ``(club_id, provider, transaction_id)`` as its
   key (``INSERT … ON CONFLICT DO NOTHING``): the second arrival of the same transaction (a
   retry, a duplicate, a replay, the same statement uploaded again) inserts nothing and
   changes nothing. Two arrivals at the same moment: the database lets one insert, the other
   waits for its commit and then finds the row.
2. **Which order.** The order codes (``vietnam.transfers``) in the content, and in the code the
   service extracted itself (SePay's ``code``), read as the banks left them. A code naming
   another club's order, or no order, counts as none. One order named → that order. Codes
   that read two ways (``ambiguous``), or several orders named: the one whose amount due
   equals the transfer, if exactly one does; otherwise the review list (``ambiguous``).
3. **How much.** Against the amount still due (the order's amount less what earlier
   transfers brought): equal → ``exact``; less → ``partial`` (the order stays unpaid, the
   money is counted); more → ``over`` (paid; the rest is to refund, shown in review and
   reconciliation). An order that is not waiting for money (paid, cancelled…) takes nothing:
   the transaction goes to review (``order_not_payable``).
4. **Paid.** When what the order received reaches its amount, it moves to *paid* through the
   order status service (history "Chuyển khoản ngân hàng"), leaves the live desk's hold and
   the buyer's "paid" message is sent (order events).

The order row is locked (``app.orders.locks``) before its paid amount is read, so two
different transfers for one order arriving together add up instead of overwriting.

Staff settle the review list by hand (:func:`assign`, :func:`set_aside`): the same amount rule,
recorded with who and when.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, tenancy, uow
from app.models import accounts, base, orders
from app.models import payments as models
from app.orders import limits, locks
from app.orders import status as order_status
from integrations.payments.base import Direction, Transfer
from vietnam import transfers

State = models.MatchState


@dataclasses.dataclass(frozen=True)
class Recorded:
    """What one reported transaction came to: its row, and whether this call stored it
    (False: it was already there — a retry or a duplicate — and nothing changed)."""

    transaction: models.BankTransaction
    new: bool


def _insert_once(session: so.Session, values: dict[str, Any]) -> int | None:
    """Insert the transaction unless its key is there; its new id, or None if it was."""
    return base.insert_once(
        session, models.BankTransaction, values, ["club_id", "provider", "transaction_id"]
    )


def record(
    session: so.Session,
    club_id: int,
    transfer: Transfer,
    *,
    source: models.TransactionSource,
    connection_id: int | None = None,
    now: clock.Clock = clock.utcnow,
    review: Mapping[str, Any] | None = None,
) -> Recorded:
    """Store one reported transaction once and apply it (see the module note). Runs in the
    caller's unit of work (one commit for the whole webhook call or statement). ``review``
    (a note with its ``reason``): the caller knows the money is not for matching (another
    account than the connection's): a money-in transaction goes straight to the review list
    with that note."""
    with uow.unit_of_work(session):
        new_id = _insert_once(
            session,
            {
                "club_id": club_id,
                "connection_id": connection_id,
                "source": source,
                "provider": transfer.provider,
                "transaction_id": transfer.transaction_id[:100],
                "account_number": transfer.account_number[:19],
                "amount": transfer.amount,
                "direction": str(transfer.direction),
                "content": transfer.content,
                "reference": transfer.reference[:100],
                "counter_account_name": transfer.counter_account_name[:120],
                "counter_account_number": transfer.counter_account_number[:40],
                "occurred_at": transfer.occurred_at,
                "received_at": now(),
                "state": State.UNMATCHED,
                "match_note": {},
                "applied_amount": 0,
            },
        )
        if new_id is None:
            existing = session.scalars(
                sa.select(models.BankTransaction).where(
                    models.BankTransaction.club_id == club_id,
                    models.BankTransaction.provider == transfer.provider,
                    models.BankTransaction.transaction_id == transfer.transaction_id[:100],
                )
            ).one()
            return Recorded(existing, new=False)
        row = session.get_one(models.BankTransaction, new_id)
        if transfer.direction is not Direction.IN:
            _settle(row, State.IGNORED, {"reason": "money_out"})
        elif review is not None:
            _settle(row, State.UNMATCHED, dict(review))
        else:
            _match(session, row, transfer.provider_code, now)
    return Recorded(row, new=True)


def _settle(row: models.BankTransaction, state: State, note: dict[str, Any]) -> None:
    row.state = state
    row.match_note = note


def _candidates(
    session: so.Session, row: models.BankTransaction, provider_code: str | None
) -> tuple[list[int], list[int], bool]:
    """(order ids read for sure, order ids read one of several ways, a broken code seen), each
    an order of the transaction's club."""
    max_id = session.scalar(sa.select(sa.func.max(orders.Order.id))) or 0
    texts = [row.content] + ([provider_code] if provider_code else [])
    sure: list[int] = []
    maybe: list[int] = []
    broken = False
    for text in texts:
        for hit in transfers.find_codes(text, max_id=max_id):
            if not hit.valid or hit.order_id is None:
                broken = True
                continue
            target = maybe if hit.ambiguous else sure
            if hit.order_id not in target:
                target.append(hit.order_id)
    ids = set(sure) | set(maybe)
    ours = (
        set(
            session.scalars(
                sa.select(orders.Order.id).where(
                    orders.Order.id.in_(ids), orders.Order.club_id == row.club_id
                )
            )
        )
        if ids
        else set()
    )
    return [i for i in sure if i in ours], [i for i in maybe if i in ours and i not in sure], broken


def _due(order: orders.Order) -> int:
    return max(order.amount - order.paid_amount, 0)


def _match(
    session: so.Session, row: models.BankTransaction, provider_code: str | None, now: clock.Clock
) -> None:
    sure, maybe, broken = _candidates(session, row, provider_code)
    named = sure + maybe
    if not named:
        _settle(row, State.UNMATCHED, {"reason": "code_broken" if broken else "no_code"})
        return
    if len(sure) == 1 and not maybe:
        _apply(session, row, sure[0], now)
        return
    # Several orders named, or a code read two ways: the amount decides, if it can.
    loaded = session.scalars(
        sa.select(orders.Order)
        .where(orders.Order.id.in_(named))
        .options(so.selectinload(orders.Order.lines))
    ).all()
    fitting = [
        order.id
        for order in loaded
        if order.status is orders.OrderStatus.PLACED and _due(order) == row.amount
    ]
    if len(fitting) == 1:
        _apply(session, row, fitting[0], now)
        return
    _settle(row, State.AMBIGUOUS, {"reason": "several_orders", "order_ids": sorted(named)})


def _apply(
    session: so.Session,
    row: models.BankTransaction,
    order_id: int,
    now: clock.Clock,
) -> None:
    """Count the transaction towards one order of its club (locked first), paying it when the
    amount is reached; an order not waiting for money sends the transaction to review."""
    order = order_status.locked_order(session, order_id)
    if order.status is not orders.OrderStatus.PLACED or order.amount <= 0:
        _settle(
            row,
            State.AMBIGUOUS,
            {"reason": "order_not_payable", "order_ids": [order.id], "status": str(order.status)},
        )
        return
    due = _due(order)
    if row.amount == due:
        state = State.EXACT
    elif row.amount < due:
        state = State.PARTIAL
    else:
        state = State.OVER
    applied = min(row.amount, due)
    row.order_id = order.id
    row.applied_amount = applied
    _settle(row, state, {"due": due} if state is not State.EXACT else {})
    order.paid_amount += applied
    if order.paid_amount >= order.amount:
        order.paid_at = now()
        order.hold_until = None
        # Placed → paid moves no stock (both count as sold): nothing to sync after the commit.
        order_status.move(
            session, None, order, orders.OrderStatus.PAID, via=orders.StatusChangeVia.PAYMENT
        )


def _review_row(
    session: so.Session, scope: tenancy.Scope, transaction_id: int
) -> models.BankTransaction:
    """A transaction of the scope's club waiting for review, locked (404 otherwise; 409 once
    someone settled it)."""
    scope.check_writable()
    if scope.producer_id is not None:
        raise errors.Forbidden()
    if limits.id_or_none(transaction_id) is None:
        raise errors.NotFound()
    locks.lock_rows(session, models.BankTransaction, [transaction_id])
    row = session.scalars(
        sa.select(models.BankTransaction)
        .where(
            models.BankTransaction.id == transaction_id,
            scope.club_filter(models.BankTransaction.club_id),
        )
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        raise errors.NotFound()
    if row.state not in models.REVIEW_STATES:
        raise errors.Conflict(_("Giao dịch này vừa được người khác xử lý."))
    return row


def assign(
    session: so.Session,
    user: accounts.User,
    transaction_id: int,
    order_id: int,
    *,
    now: clock.Clock = clock.utcnow,
) -> models.BankTransaction:
    """Count a transaction from the review list towards an order of the same club chosen by
    staff (the amount rule of :func:`record`); commit. An order that is not waiting for money:
    Conflict, nothing changes."""
    scope = tenancy.scope_for(session, user)
    with uow.unit_of_work(session):
        row = _review_row(session, scope, transaction_id)
        order = (
            session.get(orders.Order, order_id) if limits.id_or_none(order_id) is not None else None
        )
        if order is None or order.club_id != row.club_id:
            raise errors.ValidationError(fields={"order_id": [_("Không tìm thấy đơn hàng.")]})
        _apply(session, row, order.id, now)
        if row.order_id is None:
            raise errors.Conflict(
                _("Đơn này không còn chờ thanh toán."),
                fields={"order_id": [_("Đơn này không còn chờ thanh toán.")]},
            )
        row.assigned_by_id = user.id
        row.assigned_at = now()
    return row


def set_aside(
    session: so.Session,
    user: accounts.User,
    transaction_id: int,
    *,
    now: clock.Clock = clock.utcnow,
) -> models.BankTransaction:
    """Take a transaction off the review list without an order (not a sale: a refund owed, a
    personal transfer); commit."""
    scope = tenancy.scope_for(session, user)
    with uow.unit_of_work(session):
        row = _review_row(session, scope, transaction_id)
        _settle(row, State.IGNORED, {"reason": "set_aside", "was": str(row.state)})
        row.assigned_by_id = user.id
        row.assigned_at = now()
    return row


def occurred_between(start: dt.datetime, end: dt.datetime) -> sa.ColumnElement[bool]:
    """Transactions that happened in ``[start, end)`` (UTC)."""
    column = models.BankTransaction.occurred_at
    return sa.and_(column >= start, column < end)
