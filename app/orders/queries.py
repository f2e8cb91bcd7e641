"""Reading orders: the filtered list and one order, in the user's club scope (``app.tenancy``).

Staff reach their club's orders (an admin every club's; ``club_id`` filters one); another
club's order answers 404. A producer account reaches, from every club, only the orders that
hold a line of its own products, and of those only its own lines (``visible_lines``), each
labelled with the club that sold it. Buyers' names and phones are left out for scopes that
do not see buyers (``buyer``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, pagination, tenancy
from app.live import common as live_common
from app.models import catalog, comments, orders
from app.orders import exports, limits


@dataclasses.dataclass(frozen=True)
class OrderFilters:
    club_id: int | None = None
    session_id: int | None = None
    platform: str | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> OrderFilters:
        """From a query string; values that do not parse, ids no row can have and days outside
        2000–2100 are ignored (a filter, not a form)."""

        def integer(name: str) -> int | None:
            return limits.id_or_none(args.get(name))

        def day(name: str) -> dt.date | None:
            return limits.parse_day(args.get(name))

        platform = str(args.get("platform") or "").strip()
        status = str(args.get("status") or "").strip()
        return cls(
            club_id=integer("club"),
            session_id=integer("session_id"),
            platform=platform if platform in exports.PLATFORMS else None,
            status=status if status in exports.STATUSES else None,
            date_from=day("date_from"),
            date_to=day("date_to"),
        )

    def as_args(self) -> dict[str, str]:
        """The query string that gives these filters back (``club_id`` is ``club`` there)."""
        return {
            ("club" if name == "club_id" else name): str(value)
            for name, value in dataclasses.asdict(self).items()
            if value not in (None, "")
        }


def _own_lines(producer_id: int) -> sa.ColumnElement[bool]:
    return orders.OrderLine.product_id.in_(
        sa.select(catalog.Product.id).where(catalog.Product.producer_id == producer_id)
    )


def list_query(scope: tenancy.Scope, filters: OrderFilters) -> sa.Select[Any]:
    """Orders the scope reaches, newest first, filtered: a producer's from every club, staff's
    from their clubs."""
    stmt = sa.select(orders.Order).options(
        so.selectinload(orders.Order.club),
        so.selectinload(orders.Order.lines).selectinload(orders.OrderLine.product),
    )
    if scope.producer_id is not None:
        stmt = stmt.where(
            orders.Order.id.in_(
                sa.select(orders.OrderLine.order_id).where(_own_lines(scope.producer_id))
            )
        )
    else:
        stmt = stmt.where(scope.club_filter(orders.Order.club_id))
    if filters.club_id is not None:
        stmt = stmt.where(orders.Order.club_id == filters.club_id)
    if filters.session_id is not None:
        stmt = stmt.where(orders.Order.session_id == filters.session_id)
    if filters.platform:
        stmt = stmt.where(orders.Order.platform == filters.platform)
    if filters.status:
        stmt = stmt.where(orders.Order.status == filters.status)
    if filters.date_from:
        start = live_common.local_to_utc(filters.date_from, dt.time())
        stmt = stmt.where(orders.Order.placed_at >= start)
    if filters.date_to:
        end = live_common.local_to_utc(filters.date_to + dt.timedelta(days=1), dt.time())
        stmt = stmt.where(orders.Order.placed_at < end)
    return stmt.order_by(orders.Order.placed_at.desc(), orders.Order.id.desc())


def list_orders(
    session: so.Session,
    scope: tenancy.Scope,
    filters: OrderFilters,
    page: int = 1,
    per_page: int = 20,
) -> pagination.Page[Any]:
    return pagination.paginate(session, list_query(scope, filters), page, per_page)


def get_order(session: so.Session, scope: tenancy.Scope, order_id: int) -> orders.Order:
    """One order the scope reaches (404 otherwise, so ids of others' orders say nothing): staff
    their clubs' orders, a producer an order holding one of its products (from any club)."""
    row = session.get(orders.Order, order_id) if limits.id_or_none(order_id) else None
    if row is None:
        raise errors.NotFound(_("Không tìm thấy đơn hàng."))
    if scope.producer_id is not None:
        if not visible_lines(scope, row):
            raise errors.NotFound(_("Không tìm thấy đơn hàng."))
    else:
        scope.check(row.club_id, _("Không tìm thấy đơn hàng."))
    return row


def visible_lines(scope: tenancy.Scope, order: orders.Order) -> list[orders.OrderLine]:
    """The lines of an order the scope may see: all for staff, own products' for a producer."""
    if scope.producer_id is None:
        return list(order.lines)
    return [
        line
        for line in order.lines
        if line.product is not None and line.product.producer_id == scope.producer_id
    ]


def visible_amount(scope: tenancy.Scope, order: orders.Order) -> int:
    """Value of the visible lines, cancelled and returned lines left out (đồng)."""
    return sum(line.amount for line in visible_lines(scope, order) if line.status.valid)


BUYER_FIELDS = ("buyer_phone", "buyer_phone_raw", "buyer_user", "buyer_name")


def buyer(scope: tenancy.Scope, order: orders.Order) -> dict[str, str | None]:
    """The buyer's contact as the scope may see it: all None where buyers are not shown (the
    Youth Union never sees buyers' phones or names)."""
    if not scope.sees_buyers:
        return dict.fromkeys(BUYER_FIELDS)
    return {name: getattr(order, name) for name in BUYER_FIELDS}


def status_history(scope: tenancy.Scope, order: orders.Order) -> list[dict[str, Any]]:
    """The order's status changes, oldest first: from, to, when (UTC), how, and for staff who
    made it and their note (a producer sees the moves only)."""
    staff = scope.producer_id is None
    return [
        {
            "from_status": str(change.from_status),
            "to_status": str(change.to_status),
            "via": str(change.via),
            "changed_at": change.changed_at,
            "changed_by_id": change.changed_by_id if staff else None,
            "changed_by_name": (
                change.changed_by.full_name if staff and change.changed_by is not None else None
            ),
            "note": change.note if staff else None,
        }
        for change in order.status_changes
    ]


def present(scope: tenancy.Scope, order: orders.Order, *, history: bool = False) -> dict[str, Any]:
    """An order as the scope may see it (the API's shape): own lines only for a producer, the
    club's id and name, the buyer only where buyers are shown; with ``history``, its status
    changes (``status_history``)."""
    lines = visible_lines(scope, order)
    extra = {"status_changes": status_history(scope, order)} if history else {}
    return {
        "id": order.id,
        "platform": order.platform,
        "external_id": order.external_id,
        "status": str(order.status),
        "source": str(order.source),
        "placed_at": order.placed_at,
        "session_id": order.session_id,
        "streamer_id": order.streamer_id,
        "channel_account_id": order.channel_account_id,
        "club_id": order.club_id,
        "club_name": order.club.name,
        **buyer(scope, order),
        "amount": sum(line.amount for line in lines if line.status.valid),
        "lines": [
            {
                "id": line.id,
                "product_id": line.product_id,
                "variant_id": line.variant_id,
                "seller_sku": line.seller_sku,
                "product_name": line.product_name,
                "variation": line.variation,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": line.amount,
                "status": str(line.status),
                "matched": line.product_id is not None,
            }
            for line in lines
        ],
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        **extra,
    }


def buyer_messages(
    session: so.Session, scope: tenancy.Scope, order: orders.Order
) -> list[comments.OrderMessage]:
    """The messages sent to the order's buyer (the live desk's replies), oldest first; staff
    only (a producer does not see what was said to a buyer)."""
    if scope.producer_id is not None:
        return []
    return list(
        session.scalars(
            sa.select(comments.OrderMessage)
            .where(comments.OrderMessage.order_id == order.id)
            .order_by(comments.OrderMessage.id)
        )
    )
