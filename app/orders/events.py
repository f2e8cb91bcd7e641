"""Order events (taken, payment QR, paid, shipped, delivered, cancelled, payment reminder),
told to the features that follow them only once the transaction that made them commits.

A service calls ``emit(session, order_id, event)`` inside its unit of work; the event waits in
``session.info`` and is handed to every subscriber after the commit (a rollback drops it, so
nobody messages a buyer about a change that never happened). Subscribers register from their
feature's ``init_app`` (``subscribe``); each gets a session of its own, since the committing
one cannot run SQL while it finishes its commit. A subscriber that fails is logged: the change
it followed is committed already and stays.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

import flask
import sqlalchemy as sa
import sqlalchemy.event
import sqlalchemy.orm as so

log = logging.getLogger(__name__)


class OrderEvent(enum.StrEnum):
    TAKEN = "taken"  # the order was taken (confirmed on the live desk)
    PAYMENT_QR = "payment_qr"  # it can be paid by VietQR: the buyer gets the link
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"  # completed
    CANCELLED = "cancelled"
    PAYMENT_REMINDER = "payment_reminder"  # unpaid near its deadline
    DELIVERY_FAILED = "delivery_failed"  # the carrier could not deliver (it may try again)


Subscriber = Callable[[so.Session, int, OrderEvent], None]
"""Called after the commit with a session of its own, the order's id and the event."""

_PENDING = "app.orders.events.pending"
_subscribers: dict[str, Subscriber] = {}


def emit(session: so.Session, order_id: int, event: OrderEvent) -> None:
    """Record ``event`` of the order; it reaches the subscribers once this transaction
    commits (never if it rolls back). The same event of one order twice in a transaction is
    told once."""
    pending: list[tuple[int, OrderEvent]] = session.info.setdefault(_PENDING, [])
    item = (int(order_id), OrderEvent(event))
    if item not in pending:
        pending.append(item)


def subscribe(name: str, subscriber: Subscriber) -> None:
    """Follow every order event under ``name`` (one subscriber per name: the app factory of
    each app registers it again) and start listening to sessions' commits."""
    _subscribers[name] = subscriber
    listen()


def listen() -> None:
    """Hook the commit and rollback of every session (once per process)."""
    if not sa.event.contains(so.Session, "after_commit", _after_commit):
        sa.event.listen(so.Session, "after_commit", _after_commit)
        sa.event.listen(so.Session, "after_soft_rollback", _after_rollback)


def _after_rollback(session: so.Session, _previous: so.SessionTransaction) -> None:
    session.info.pop(_PENDING, None)


def _after_commit(session: so.Session) -> None:
    pending: list[tuple[int, OrderEvent]] = session.info.pop(_PENDING, [])
    if not pending or not _subscribers:
        return
    if not flask.has_app_context():
        log.warning("order events %s committed outside the app: not delivered", pending)
        return
    deliver(session.get_bind(), pending)


def deliver(bind: sa.Engine | sa.Connection, events: list[tuple[int, OrderEvent]]) -> None:
    """Hand each event to each subscriber, each call with a fresh session on ``bind``."""
    for order_id, event in events:
        for name, subscriber in list(_subscribers.items()):
            with so.Session(bind=bind) as own:
                try:
                    subscriber(own, order_id, event)
                except Exception:
                    log.exception("order event %s of order %s: %s failed", event, order_id, name)
