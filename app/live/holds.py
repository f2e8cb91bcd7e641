"""Holds on live orders ("giữ hàng"): a live order confirmed on the desk takes its units out of
the stock at once and holds them for the club's time (30 minutes unless the club sets
another); an order still unpaid then is cancelled, which gives the units back through the
order service's stock rule, exactly once (a cancel expects the order to be placed, so a paid
or already cancelled order is left alone). Beat runs ``release_due`` every minute.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, tenancy, uow
from app.models import accounts, orders
from app.models import comments as models
from app.orders import status as order_status

log = logging.getLogger(__name__)

DEFAULT_HOLD_MINUTES = 30
HOLD_MINUTES_RANGE = (5, 7 * 24 * 60)


def settings_of(session: so.Session, club_id: int) -> models.DeskSettings:
    """The club's desk settings (the defaults, not stored, until the club changes them)."""
    found = session.get(models.DeskSettings, club_id)
    return found or models.DeskSettings(club_id=club_id, hold_minutes=DEFAULT_HOLD_MINUTES)


def save_settings(
    session: so.Session,
    user: accounts.User,
    *,
    hold_minutes: int,
    reply_template: str | None = None,
) -> models.DeskSettings:
    """Change the club's hold time (and reply template). Commits."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    low, high = HOLD_MINUTES_RANGE
    if not low <= hold_minutes <= high:
        raise errors.ValidationError(
            fields={"hold_minutes": [_("Từ %(low)d đến %(high)d phút.", low=low, high=high)]}
        )
    club_id = scope.home_club()
    with uow.unit_of_work(session):
        row = session.get(models.DeskSettings, club_id)
        if row is None:
            row = models.DeskSettings(club_id=club_id)
            session.add(row)
        row.hold_minutes = hold_minutes
        row.reply_template = (reply_template or "").strip() or None
    return row


def hold_until(session: so.Session, club_id: int, moment: dt.datetime) -> dt.datetime:
    return moment + dt.timedelta(minutes=settings_of(session, club_id).hold_minutes)


def release_due(session: so.Session, *, now: clock.Clock = clock.utcnow) -> list[int]:
    """Cancel the placed orders whose hold has run out; the ids of those cancelled."""
    due = list(
        session.scalars(
            sa.select(orders.Order.id)
            .where(
                orders.Order.hold_until <= now(),
                orders.Order.status == orders.OrderStatus.PLACED,
            )
            .order_by(orders.Order.hold_until, orders.Order.id)
        )
    )
    released = []
    for order_id in due:
        try:
            order_status.change_status(
                session,
                None,
                order_id,
                "cancelled",
                expected="placed",
                via=orders.StatusChangeVia.HOLD_EXPIRED,
            )
        except errors.Conflict:
            continue  # paid or changed meanwhile: not this chore's to cancel
        with uow.unit_of_work(session):
            order = session.get(orders.Order, order_id)
            if order is not None:
                order.hold_until = None
        released.append(order_id)
    if released:
        log.info("live holds released: %s", released)
    return released
