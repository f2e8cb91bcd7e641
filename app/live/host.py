"""The host's live screen: which slot is on, since when, and how much extra time it got.

The state is stored on the session row (``current_slot``, ``slot_started_at``,
``extension_s``) so every phone or tablet showing the session agrees; screens poll
``state()`` and count down from the absolute times it sends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock as clock_mod
from app.core import errors, formatting, tenancy, uow
from app.live import common, desk
from app.live import slots as slots_service
from app.models import accounts, live

ACTIONS = ("start", "next", "prev", "extend", "reset", "goto")
MAX_EXTENSION_S = 3 * 3600


def _slot_dict(slot: live.LiveSlot, index: int, sold: dict[str, int]) -> dict[str, Any]:
    off = slots_service.discount(slot)
    variant = slot.sold_variant
    return {
        "index": index,
        "id": slot.id,
        "code": slot.code,
        "product": slot.product.name,
        "variant": slot.variant.name if slot.variant else None,
        "live_price": slot.live_price,
        "live_price_label": formatting.vnd(slot.live_price),
        "list_price": off.list_price,
        "list_price_label": formatting.vnd(off.list_price) if off.list_price else None,
        "discount_percent": off.percent,
        "talking_points": slot.talking_points or "",
        "length_s": slot.length_s,
        # Units left of the slot's product now (confirmed live orders hold theirs).
        "stock_left": int(variant.stock) if variant is not None else None,
        "units_sold": sold.get(slot.code, 0),  # in this session's valid orders
    }


def _figures(figures: desk.Figures) -> dict[str, Any]:
    return {
        "gmv": figures.gmv,
        "gmv_label": formatting.vnd(figures.gmv),
        "orders": figures.orders,
        "comments": figures.comments,
        "comments_per_minute": figures.comments_per_minute,
    }


def state(session: so.Session, row: live.LiveSession, now: dt.datetime) -> dict[str, Any]:
    """What every screen shows, with absolute times (ISO 8601, UTC), and the live figures
    (GMV so far, orders, units sold per slot, comments per minute)."""
    figures = desk.figures_of(session, row, now)
    sold = {slot.code: slot.units for slot in figures.slots}
    slots = list(row.slots)
    index = row.current_slot
    current = None
    ends_at = None
    if index is not None and 0 <= index < len(slots) and row.slot_started_at is not None:
        current = _slot_dict(slots[index], index, sold)
        ends_at = common.after(row.slot_started_at, slots[index].length_s + row.extension_s)
        current["started_at"] = row.slot_started_at.isoformat()
        current["ends_at"] = ends_at.isoformat()
        current["extension_s"] = row.extension_s
    next_index = 0 if index is None else index + 1
    upcoming = (
        _slot_dict(slots[next_index], next_index, sold) if 0 <= next_index < len(slots) else None
    )
    finished = index is not None and index >= len(slots)
    return {
        "session_id": row.id,
        "title": row.title,
        "status": row.status.value,
        "version": row.state_version,
        "server_now": now.isoformat(),
        "total": len(slots),
        "started": index is not None,
        "finished": finished,
        "current": current,
        "next": upcoming,
        "figures": _figures(figures),
    }


def get(
    session: so.Session, user: accounts.User, session_id: int, *, clock: clock_mod.Clock
) -> dict[str, Any]:
    row = common.get_session(session, tenancy.scope_for(session, user), session_id)
    if not common.can_host_view(session, user, row):
        raise errors.NotFound(_("Không tìm thấy phiên livestream."))
    return state(session, row, clock())


@uow.transactional
def act(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    action: str,
    *,
    seconds: int = 0,
    index: int | None = None,
    clock: clock_mod.Clock,
) -> dict[str, Any]:
    """Coordinator control: start, next, prev, extend (+seconds), goto (index), reset."""
    scope = tenancy.scope_for(session, user)
    row = common.get_session(session, scope, session_id)
    scope.check_writable()
    if action not in ACTIONS:
        raise errors.ValidationError(fields={"action": [_("Thao tác không hợp lệ.")]})
    if row.status in (live.SessionStatus.CANCELLED, live.SessionStatus.ENDED):
        raise errors.Conflict(_("Phiên đã kết thúc hoặc đã huỷ."))
    slots = list(row.slots)
    if not slots and action != "reset":
        raise errors.Conflict(_("Phiên chưa có sản phẩm nào trong kịch bản."))
    now = clock()
    total = len(slots)
    current = row.current_slot

    def go(target: int) -> None:
        row.current_slot = max(0, min(total, target))
        row.slot_started_at = now
        row.extension_s = 0

    if action == "start":
        go(0)
    elif action == "next":
        go(0 if current is None else current + 1)
    elif action == "prev":
        go(0 if current is None else current - 1)
    elif action == "goto":
        if index is None or not 0 <= index < total:
            raise errors.ValidationError(fields={"index": [_("Vị trí không hợp lệ.")]})
        go(index)
    elif action == "extend":
        if current is None or current >= total:
            raise errors.Conflict(_("Chưa có sản phẩm nào đang lên sóng."))
        if not 0 < seconds <= 3600:
            raise errors.ValidationError(fields={"seconds": [_("Từ 1 đến 3600 giây.")]})
        row.extension_s = min(MAX_EXTENSION_S, row.extension_s + seconds)
    elif action == "reset":
        row.current_slot = None
        row.slot_started_at = None
        row.extension_s = 0
    if action != "reset" and row.status == live.SessionStatus.PLANNED:
        row.status = live.SessionStatus.LIVE
        row.sequence += 1
    row.state_version += 1
    return state(session, row, now)
