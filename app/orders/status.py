"""Changing an order's status by hand (the order page, the API), with the stock rule of every
order write and a history of changes.

Allowed moves (*decision*, docs/orders.md): placed → paid, shipped, completed, cancelled;
paid → shipped, completed, cancelled; shipped → completed, cancelled, returned;
completed → returned; cancelled → placed (reopened); returned → completed (return refused).
The same status again changes nothing (no history row).

The order's lines follow it: its valid lines (not cancelled or returned) take the new status;
reopening a cancelled or returned order moves the lines that carry that status. Stock follows
the lines, as for every order write (``recording``): a line leaving the valid statuses gives its
units back, one coming back takes them again, refused with 409 when the stock is too low.

Concurrency: the order row is locked (``locks``) and read again after the lock, so ten
cancellations of one order posted at once give its units back once; a caller that says which
status it saw (``expected``) is told 409 when someone else changed the order first.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, tenancy, uow
from app.models import accounts, orders
from app.orders import events, labels, limits, locks, queries, recording
from vietnam import text

Status = orders.OrderStatus

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PLACED: frozenset({Status.PAID, Status.SHIPPED, Status.COMPLETED, Status.CANCELLED}),
    Status.PAID: frozenset({Status.SHIPPED, Status.COMPLETED, Status.CANCELLED}),
    Status.SHIPPED: frozenset({Status.COMPLETED, Status.CANCELLED, Status.RETURNED}),
    Status.COMPLETED: frozenset({Status.RETURNED}),
    Status.CANCELLED: frozenset({Status.PLACED}),
    Status.RETURNED: frozenset({Status.COMPLETED}),
}
_ORDER = tuple(Status)
# What the buyer is told when an order reaches a status (``events``; after the commit).
EVENTS: dict[Status, events.OrderEvent] = {
    Status.PAID: events.OrderEvent.PAID,
    Status.SHIPPED: events.OrderEvent.SHIPPED,
    Status.COMPLETED: events.OrderEvent.DELIVERED,
    Status.CANCELLED: events.OrderEvent.CANCELLED,
}


def allowed_targets(current: Status | str) -> list[Status]:
    """The statuses an order in ``current`` may move to, in the usual order of statuses."""
    targets = TRANSITIONS[Status(current)]
    return [status for status in _ORDER if status in targets]


def _label(status: Status | str) -> str:
    return str(labels.STATUS_LABELS[str(status)])


def _status(raw: object, name: str) -> Status:
    try:
        return Status(str(raw))
    except ValueError:
        raise errors.ValidationError(fields={name: [_("Trạng thái không hợp lệ.")]}) from None


def _lines_to_move(order: orders.Order, target: Status) -> list[orders.OrderLine]:
    """The lines that take the order's new status (see the module note)."""
    if Status(order.status).valid:
        return [line for line in order.lines if line.status.valid]
    return [line for line in order.lines if line.status == order.status]


def change_status(
    session: so.Session,
    user: accounts.User | None,
    order_id: int,
    status: str,
    *,
    note: str | None = None,
    expected: str | None = None,
    via: orders.StatusChangeVia = orders.StatusChangeVia.APP,
) -> orders.Order:
    """Move one order (in the user's club scope) to ``status``; commit.

    ``expected``: the status the caller saw; when the order has another one now, Conflict (409)
    and nothing changes. A move not in ``TRANSITIONS``: Conflict. Too little stock to reopen:
    ``stock.OutOfStock`` (409). Writes one ``OrderStatusChange`` (who, when, from → to, note)."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    if scope.producer_id is not None:
        raise errors.Forbidden()
    queries.get_order(session, scope, order_id)  # 404 outside the scope, whatever is asked
    target = _status(status, "status")
    seen = _status(expected, "from_status") if expected not in (None, "") else None
    cleaned = text.nfc(note or "").strip()
    problem = limits.text_problem(cleaned, limits.MAX_NOTE, allow_newlines=True)
    if problem:
        raise errors.ValidationError(fields={"note": [problem]})
    try:
        with uow.unit_of_work(session):
            order, summary = _change(session, user, order_id, target, seen, cleaned or None, via)
    except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.OperationalError) as exc:
        if isinstance(exc, sqlalchemy.exc.OperationalError) and not recording.lost_race(exc):
            raise
        raise errors.Conflict(
            _("Đơn hàng đang được ghi bởi một thao tác khác; hãy thử lại.")
        ) from exc
    if summary is not None:
        recording.after_commit(session, user, summary)
    return order


def locked_order(session: so.Session, order_id: int) -> orders.Order:
    """The order with its lines, locked for this transaction and read after the lock (what
    the write before this one committed)."""
    locks.lock_rows(session, orders.Order, [order_id])
    return session.scalars(
        sa.select(orders.Order)
        .where(orders.Order.id == order_id)
        .options(so.selectinload(orders.Order.lines))
        .execution_options(populate_existing=True)
    ).one()


def _change(
    session: so.Session,
    user: accounts.User | None,
    order_id: int,
    target: Status,
    seen: Status | None,
    note: str | None,
    via: orders.StatusChangeVia,
) -> tuple[orders.Order, recording.Summary | None]:
    """Write the change in the caller's unit; the summary, None when there was nothing to do."""
    order = locked_order(session, order_id)
    current = Status(order.status)
    if seen is not None and current != seen:
        raise errors.Conflict(
            _(
                "Đơn vừa được người khác chuyển sang “%(status)s”; hãy xem lại trước khi đổi.",
                status=_label(current),
            ),
            fields={"status": [_("Trạng thái đã thay đổi.")]},
        )
    if target == current:
        uow.discard(session, "nothing to write: release the lock")
        return order, None
    return order, move(session, user, order, target, note=note, via=via)


def move(
    session: so.Session,
    user: accounts.User | None,
    order: orders.Order,
    target: Status,
    *,
    note: str | None = None,
    via: orders.StatusChangeVia = orders.StatusChangeVia.APP,
) -> recording.Summary:
    """Move an order the caller has locked and read with its lines (``locked_order``) to
    ``target``, in the caller's unit: its lines, the stock, the history and the order event
    follow. A move not in ``TRANSITIONS``: Conflict; too little stock: ``stock.OutOfStock``.
    The caller runs ``recording.after_commit`` with the summary once committed."""
    current = Status(order.status)
    if target not in TRANSITIONS[current]:
        raise errors.Conflict(
            _(
                "Không thể chuyển đơn từ “%(a)s” sang “%(b)s”.",
                a=_label(current),
                b=_label(target),
            ),
            fields={"status": [_("Chuyển trạng thái không hợp lệ.")]},
        )
    sold: dict[int, int] = {}
    for line in _lines_to_move(order, target):
        was_valid, now_valid = line.status.valid, target.valid
        if line.variant_id is not None and was_valid != now_valid:
            sold[line.variant_id] = sold.get(line.variant_id, 0) + (
                line.quantity if now_valid else -line.quantity
            )
        line.status = target
    order.status = recording.order_status([str(line.status) for line in order.lines])
    # Added by its key, not appended: appending would load the whole history first.
    session.add(
        orders.OrderStatusChange(
            order_id=order.id,
            from_status=current,
            to_status=order.status,
            via=via,
            note=note,
            changed_by_id=user.id if user is not None else None,
        )
    )
    session.flush()
    summary = recording.Summary(order_ids=[order.id])
    # Taken back in the app: too little stock refuses the change (never clamped).
    recording.move_stock(session, sold, orders.OrderSource.MANUAL, summary)
    event = EVENTS.get(Status(order.status))
    if event is not None:
        events.emit(session, order.id, event)
    return summary
