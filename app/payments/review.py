"""Reading payments: the review list (transactions no order took automatically), every
transaction of the club with filters, the order picker of the review list, and what an order
received. All in the user's club scope (``app.core.tenancy``): another club's transaction or
order answers like a missing one. Settling a transaction is ``matching.assign`` /
``matching.set_aside``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, pagination, tenancy
from app.live import common as live_common
from app.models import accounts, orders
from app.models import payments as models
from app.orders import limits
from vietnam import transfers

Tx = models.BankTransaction
STATES = tuple(str(s) for s in models.MatchState)
# What the listing's ``state`` filter offers besides the states themselves.
REVIEW = "review"
APPLIED = "applied"


def _staff_scope(session: so.Session, user: accounts.User) -> tenancy.Scope:
    scope = tenancy.scope_for(session, user)
    if scope.producer_id is not None:
        raise errors.Forbidden()
    return scope


@dataclasses.dataclass(frozen=True)
class Filters:
    state: str | None = None  # a MatchState, "review" or "applied"
    date_from: dt.date | None = None  # Vietnam days of occurred_at
    date_to: dt.date | None = None
    q: str = ""  # in the content, the reference or the sender's name

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> Filters:
        """From a query string; values that do not read are ignored (a filter, not a form)."""
        state = str(args.get("state") or "").strip()
        return cls(
            state=state if state in (*STATES, REVIEW, APPLIED) else None,
            date_from=limits.parse_day(args.get("date_from")),
            date_to=limits.parse_day(args.get("date_to")),
            q=str(args.get("q") or "").strip()[:100],
        )

    def as_args(self) -> dict[str, str]:
        return {
            name: str(value)
            for name, value in dataclasses.asdict(self).items()
            if value not in (None, "")
        }


def _listing(scope: tenancy.Scope, filters: Filters) -> sa.Select[Any]:
    stmt = sa.select(Tx).where(scope.club_filter(Tx.club_id))
    if filters.state == REVIEW:
        stmt = stmt.where(Tx.state.in_(models.REVIEW_STATES))
    elif filters.state == APPLIED:
        stmt = stmt.where(Tx.state.in_(models.APPLIED_STATES))
    elif filters.state:
        stmt = stmt.where(Tx.state == models.MatchState(filters.state))
    if filters.date_from:
        stmt = stmt.where(Tx.occurred_at >= live_common.local_to_utc(filters.date_from, dt.time()))
    if filters.date_to:
        end = live_common.local_to_utc(filters.date_to + dt.timedelta(days=1), dt.time())
        stmt = stmt.where(Tx.occurred_at < end)
    if filters.q:
        like = f"%{filters.q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            sa.or_(
                Tx.content.ilike(like),
                Tx.reference.ilike(like),
                Tx.counter_account_name.ilike(like),
            )
        )
    return stmt.options(so.selectinload(Tx.order), so.selectinload(Tx.connection)).order_by(
        Tx.occurred_at.desc(), Tx.id.desc()
    )


def transactions(
    session: so.Session, user: accounts.User, filters: Filters, page: int = 1, per_page: int = 25
) -> pagination.Page[Any]:
    """The club's transactions, newest first, filtered."""
    return pagination.paginate(
        session, _listing(_staff_scope(session, user), filters), page, per_page
    )


def review_list(
    session: so.Session, user: accounts.User, page: int = 1, per_page: int = 25
) -> pagination.Page[Any]:
    """What waits for staff: unmatched and ambiguous transactions, newest first."""
    return transactions(session, user, Filters(state=REVIEW), page, per_page)


def get_transaction(session: so.Session, user: accounts.User, transaction_id: int) -> Tx:
    scope = _staff_scope(session, user)
    if limits.id_or_none(transaction_id) is None:
        raise errors.NotFound(_("Không tìm thấy giao dịch."))
    return scope.find(session, Tx, transaction_id, _("Không tìm thấy giao dịch."))


# --- the order picker ---------------------------------------------------------------------


def _order_amount() -> sa.ScalarSelect[Any]:
    """An order's amount in SQL: its lines, cancelled and returned ones left out."""
    line = orders.OrderLine
    valid = [s for s in orders.OrderStatus if s.valid]
    return (
        sa.select(sa.func.coalesce(sa.func.sum(line.amount), 0))
        .where(line.order_id == orders.Order.id, line.status.in_(valid))
        .correlate(orders.Order)
        .scalar_subquery()
    )


def find_orders(
    session: so.Session, user: accounts.User, q: str, page: int = 1, per_page: int = 20
) -> pagination.Page[Any]:
    """The club's orders waiting for money, newest first, that ``q`` names: an order code
    (``DH0010429``, even as a bank left it), an order number or platform id, a buyer's name or
    phone, or an amount (``180000``, ``180.000``)."""
    scope = _staff_scope(session, user)
    stmt = (
        sa.select(orders.Order)
        .where(
            scope.club_filter(orders.Order.club_id),
            orders.Order.status == orders.OrderStatus.PLACED,
        )
        .options(so.selectinload(orders.Order.lines))
        .order_by(orders.Order.placed_at.desc(), orders.Order.id.desc())
    )
    q = q.strip()[:100]
    if q:
        ors: list[sa.ColumnElement[bool]] = []
        max_id = session.scalar(sa.select(sa.func.max(orders.Order.id))) or 0
        ids = transfers.order_ids(q, max_id=max_id)
        digits = re.sub(r"[.,\s₫đ]", "", q.lower().removesuffix("d"))
        if digits.isdigit() and len(digits) <= 13:
            number = int(digits)
            if limits.id_or_none(number) is not None:
                ids.append(number)
            ors.append(_order_amount() == number)
        if ids:
            ors.append(orders.Order.id.in_(ids))
        like = f"%{q.replace('%', '').replace('_', '')}%"
        ors += [
            orders.Order.external_id.ilike(like),
            orders.Order.buyer_name.ilike(like),
            orders.Order.buyer_phone.ilike(like),
            orders.Order.buyer_user.ilike(like),
        ]
        stmt = stmt.where(sa.or_(*ors))
    return pagination.paginate(session, stmt, page, per_page)


# --- what an order received -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OrderPayments:
    paid_amount: int
    paid_at: dt.datetime | None
    transactions: list[Tx]  # empty for a scope that does not see the club's bank lines


def order_payments(session: so.Session, scope: tenancy.Scope, order: orders.Order) -> OrderPayments:
    """What transfers brought to ``order`` (one the scope already reached): the paid amount
    and, for its club's staff, the transactions counted towards it."""
    rows: list[Tx] = []
    if scope.producer_id is None and scope.sees_club(order.club_id) and scope.sees_buyers:
        rows = list(
            session.scalars(
                sa.select(Tx)
                .where(Tx.order_id == order.id, Tx.club_id == order.club_id)
                .order_by(Tx.occurred_at, Tx.id)
            )
        )
    return OrderPayments(order.paid_amount, order.paid_at, rows)
