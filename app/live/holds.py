"""The desk's settings (hold time, reply template) and the holds on live orders ("giữ
hàng"): a live order confirmed on the desk takes its units out of the stock at once and
holds them for the club's time (30 minutes unless the club sets
another). A transfer that pays the order ends its hold (app/payments/matching.py). An order
still unpaid then is reminded once (the buyer's "payment reminder" message) and held for the
club's reminder time (15 minutes unless set; 0: no reminder); unpaid after that, it is
cancelled, which gives the units back through the order service's stock rule, exactly once
(a cancel expects the order to be placed, so a paid or already cancelled order is left
alone). Beat runs ``release_due`` every minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import string

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, tenancy, uow
from app.models import accounts, orders
from app.models import comments as models
from app.orders import events
from app.orders import status as order_status

log = logging.getLogger(__name__)

DEFAULT_HOLD_MINUTES = 30
HOLD_MINUTES_RANGE = (5, 7 * 24 * 60)
# After the hold runs out unpaid: one reminder, then this long before the order is released.
DEFAULT_REMINDER_MINUTES = 15
REMINDER_MINUTES_RANGE = (0, 24 * 60)
# The reply to a buyer (app/live/replies.py) when the club has not written its own.
DEFAULT_TEMPLATE = (
    "Chào {ten}! Shop đã chốt đơn {ma_don}: {san_pham}. Tổng {tong_tien}. "
    "Chuyển khoản theo mã QR tại {link_thanh_toan} (nội dung {ma_don}). "
    "Shop giữ hàng đến {giu_den}. Cảm ơn bạn!"
)
FIELDS = ("ten", "ma_don", "san_pham", "tong_tien", "link_thanh_toan", "giu_den")
MAX_TEMPLATE = 1000


def template_problem(template: str) -> str | None:
    """Why a reply template cannot be used (an unknown or broken ``{field}``), or None."""
    if len(template) > MAX_TEMPLATE:
        return _("Tối đa %(n)d ký tự.", n=MAX_TEMPLATE)
    try:
        names = [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name]
    except ValueError:
        return _("Dấu ngoặc { } chưa đóng mở đúng.")
    unknown = sorted(set(names) - set(FIELDS))
    if unknown:
        return _("Trường không có: %(names)s.", names=", ".join(unknown))
    return None


def settings_of(session: so.Session, club_id: int) -> models.DeskSettings:
    """The club's desk settings (the defaults, not stored, until the club changes them)."""
    found = session.get(models.DeskSettings, club_id)
    return found or models.DeskSettings(
        club_id=club_id,
        hold_minutes=DEFAULT_HOLD_MINUTES,
        reminder_minutes=DEFAULT_REMINDER_MINUTES,
    )


def save_settings(
    session: so.Session,
    user: accounts.User,
    *,
    hold_minutes: int,
    reply_template: str | None = None,
    reminder_minutes: int | None = None,
) -> models.DeskSettings:
    """Change the club's hold time (and reply template, reminder time: unchanged when None).
    Commits."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    low, high = HOLD_MINUTES_RANGE
    if not low <= hold_minutes <= high:
        raise errors.ValidationError(
            fields={"hold_minutes": [_("Từ %(low)d đến %(high)d phút.", low=low, high=high)]}
        )
    if reminder_minutes is not None and not (
        REMINDER_MINUTES_RANGE[0] <= reminder_minutes <= REMINDER_MINUTES_RANGE[1]
    ):
        low, high = REMINDER_MINUTES_RANGE
        raise errors.ValidationError(
            fields={"reminder_minutes": [_("Từ %(low)d đến %(high)d phút.", low=low, high=high)]}
        )
    problem = template_problem(reply_template or "")
    if problem:
        raise errors.ValidationError(fields={"reply_template": [problem]})
    club_id = scope.home_club()
    with uow.unit_of_work(session):
        row = session.get(models.DeskSettings, club_id)
        if row is None:
            row = models.DeskSettings(club_id=club_id)
            session.add(row)
        row.hold_minutes = hold_minutes
        if reminder_minutes is not None:
            row.reminder_minutes = reminder_minutes
        row.reply_template = (reply_template or "").strip() or None
    return row


def reminder_of(settings: models.DeskSettings) -> int:
    """Minutes given after the reminder (the default until the club chooses)."""
    value = settings.reminder_minutes
    return DEFAULT_REMINDER_MINUTES if value is None else value


def _remind(session: so.Session, order_id: int, moment: dt.datetime, minutes: int) -> None:
    """Remind the buyer once and hold the order ``minutes`` more; nothing when the order was
    paid, changed or reminded meanwhile (read after the lock)."""
    with uow.unit_of_work(session):
        order = order_status.locked_order(session, order_id)
        if (
            order.status is not orders.OrderStatus.PLACED
            or order.payment_reminded_at is not None
            or order.hold_until is None
            or order.hold_until > moment
        ):
            return
        order.payment_reminded_at = moment
        order.hold_until = moment + dt.timedelta(minutes=minutes)
        events.emit(session, order.id, events.OrderEvent.PAYMENT_REMINDER)
        log.info("live hold: order %s reminded, held until %s", order_id, order.hold_until)


def hold_until(session: so.Session, club_id: int, moment: dt.datetime) -> dt.datetime:
    return moment + dt.timedelta(minutes=settings_of(session, club_id).hold_minutes)


def release_due(session: so.Session, *, now: clock.Clock = clock.utcnow) -> list[int]:
    """The placed orders whose hold has run out: each is reminded once (the buyer's
    "payment reminder" message) and given the club's reminder time more; past that, or at
    once when the club gives none, cancelled. The ids of those cancelled."""
    moment = now()
    due = list(
        session.execute(
            sa.select(orders.Order.id, orders.Order.club_id, orders.Order.payment_reminded_at)
            .where(
                orders.Order.hold_until <= moment,
                orders.Order.status == orders.OrderStatus.PLACED,
            )
            .order_by(orders.Order.hold_until, orders.Order.id)
        )
    )
    reminder_minutes: dict[int, int] = {}
    released = []
    for order_id, club_id, reminded_at in due:
        if club_id not in reminder_minutes:
            reminder_minutes[club_id] = reminder_of(settings_of(session, club_id))
        if reminded_at is None and reminder_minutes[club_id] > 0:
            _remind(session, order_id, moment, reminder_minutes[club_id])
            continue
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
