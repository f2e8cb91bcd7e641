"""A club's parcels: the list (filters, stuck ones), one parcel with its events, cancelling.

Stuck (*decision*, docs/shipping.md): booked more than 2 days ago and not picked up yet; on
the way (picked up, in transit, delivering) with no news for more than 5 days; delivery
failed; returning for more than 7 days; the carrier reporting it lost or an unknown status.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, pagination, tenancy, uow
from app.models import accounts, orders
from app.models import shipping as models
from app.orders import limits
from app.shipping import accounts as carrier_accounts
from app.shipping import labels, planning
from integrations import errors as carrier_errors
from vietnam.zone import VIETNAM

Status = models.ShipStatus
NOT_PICKED_UP = (Status.CREATED, Status.PICKING)
ON_THE_WAY = (Status.PICKED_UP, Status.IN_TRANSIT, Status.DELIVERING)
ALWAYS_STUCK = (Status.DELIVERY_FAILED, Status.EXCEPTION, Status.LOST)
CANCELLABLE = (Status.BOOKING, Status.CREATED, Status.PICKING)
PICKUP_DAYS = 2
QUIET_DAYS = 5
RETURNING_DAYS = 7


def stuck_filter(now: dt.datetime) -> sa.ColumnElement[bool]:
    """A WHERE clause keeping the parcels that need a look at ``now`` (see the module note)."""
    shipment = models.Shipment
    last_news = sa.func.coalesce(shipment.status_at, shipment.booked_at, shipment.created_at)
    return sa.or_(
        sa.and_(
            shipment.status.in_(NOT_PICKED_UP),
            sa.func.coalesce(shipment.booked_at, shipment.created_at)
            < now - dt.timedelta(days=PICKUP_DAYS),
        ),
        sa.and_(shipment.status.in_(ON_THE_WAY), last_news < now - dt.timedelta(days=QUIET_DAYS)),
        sa.and_(
            shipment.status == Status.RETURNING,
            last_news < now - dt.timedelta(days=RETURNING_DAYS),
        ),
        shipment.status.in_(ALWAYS_STUCK),
    )


@dataclasses.dataclass(frozen=True)
class ParcelFilters:
    status: str = ""
    carrier: str = ""
    stuck: bool = False
    order_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> ParcelFilters:
        status = str(args.get("status") or "").strip()
        carrier = str(args.get("carrier") or "").strip()
        stuck = str(args.get("stuck") or "").strip().lower() in ("1", "true", "on", "yes")
        return cls(
            status=status if status in {s.value for s in Status} else "",
            carrier=carrier if carrier in labels.CARRIER_NAMES else "",
            stuck=stuck,
            order_id=limits.id_or_none(args.get("order_id")),
        )

    def as_args(self) -> dict[str, str]:
        found = {"status": self.status, "carrier": self.carrier, "stuck": "1" if self.stuck else ""}
        if self.order_id:
            found["order_id"] = str(self.order_id)
        return {k: v for k, v in found.items() if v}


def _scoped(scope: tenancy.Scope) -> sa.Select[Any]:
    if scope.producer_id is not None:
        raise errors.Forbidden()
    return sa.select(models.Shipment).where(scope.club_filter(models.Shipment.club_id))


def list_parcels(
    session: so.Session,
    user: accounts.User | None,
    filters: ParcelFilters,
    page: int = 1,
    per_page: int = 25,
    *,
    now: dt.datetime | None = None,
) -> pagination.Page[models.Shipment]:
    """One page of the user's clubs' parcels, newest first."""
    stmt = _scoped(tenancy.scope_for(session, user))
    if filters.status:
        stmt = stmt.where(models.Shipment.status == Status(filters.status))
    if filters.carrier:
        stmt = stmt.where(models.Shipment.carrier == filters.carrier)
    if filters.stuck:
        stmt = stmt.where(stuck_filter(now or clock.utcnow()))
    if filters.order_id:
        stmt = stmt.where(models.Shipment.order_id == filters.order_id)
    stmt = stmt.options(so.selectinload(models.Shipment.order)).order_by(models.Shipment.id.desc())
    return pagination.paginate(session, stmt, page, per_page)


def get_parcel(
    session: so.Session, user: accounts.User | None, shipment_id: int
) -> models.Shipment:
    """A parcel of the user's clubs (404 for another club's, as for a missing one)."""
    scope = tenancy.scope_for(session, user)
    missing = _("Không tìm thấy kiện hàng.")
    if scope.producer_id is not None:
        raise errors.Forbidden()
    if limits.id_or_none(shipment_id) is None:
        raise errors.NotFound(missing)
    return scope.find(session, models.Shipment, shipment_id, missing)


def _of_orders(session: so.Session, order_ids: list[int]) -> list[models.Shipment]:
    stmt = sa.select(models.Shipment).where(models.Shipment.order_id.in_(order_ids))
    return list(session.scalars(stmt.order_by(models.Shipment.order_id, models.Shipment.id)))


def parcels_of_orders(session: so.Session, order_ids: list[int]) -> dict[int, models.Shipment]:
    """Each order's newest parcel (one query for a page of orders)."""
    return {row.order_id: row for row in _of_orders(session, order_ids)} if order_ids else {}


def order_parcels(session: so.Session, order_id: int) -> list[models.Shipment]:
    """An order's parcels, oldest first."""
    return _of_orders(session, [order_id])


def cancel(session: so.Session, user: accounts.User | None, shipment_id: int) -> models.Shipment:
    """Cancel a parcel not picked up yet, at the carrier then here. Commits.

    Too late (the carrier has it, or it is past pickup here): ValidationError in words."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    shipment = get_parcel(session, user, shipment_id)
    if shipment.status not in CANCELLABLE:
        raise errors.ValidationError(labels.problem_label({"code": "too_late"}))
    if shipment.tracking_code and shipment.account is not None:
        adapter = carrier_accounts.carrier_for(shipment.account)
        try:
            adapter.cancel(shipment.tracking_code)
        except carrier_errors.ValidationFailed as exc:
            raise errors.ValidationError(labels.problem_label({"code": "too_late"})) from exc
        except carrier_errors.ChannelError as exc:
            raise errors.ValidationError(
                labels.problem_label({"code": exc.reason, "params": dict(exc.params)})
            ) from exc
    now = clock.utcnow()
    with uow.unit_of_work(session):
        row = session.get(models.Shipment, shipment.id, populate_existing=True)
        assert row is not None
        row.status = Status.CANCELLED
        row.status_at = now
        session.add(
            models.ShipmentEvent(
                shipment_id=row.id,
                event_key=f"app:cancelled:{int(now.timestamp())}",
                status=Status.CANCELLED,
                description="",
                occurred_at=now,
                via=models.EventVia.APP,
            )
        )
    return row


# --- orders to ship, and the fee comparison -------------------------------------------------

MAX_TO_SHIP = 300


@dataclasses.dataclass(frozen=True)
class ToShip:
    order: orders.Order
    parcels: list[planning.Planned]

    @property
    def ready(self) -> bool:
        return bool(self.parcels) and not any(p.problems for p in self.parcels)

    @property
    def problems(self) -> list[str]:
        seen: list[str] = []
        for parcel in self.parcels:
            for problem in parcel.problems:
                text = labels.problem_label(problem.as_dict())
                if text not in seen:
                    seen.append(text)
        return seen


def orders_to_ship(
    session: so.Session,
    user: accounts.User | None,
    *,
    session_id: int | None = None,
    day: dt.date | None = None,
) -> list[ToShip]:
    """The placed or paid orders of the user's clubs (a live session's, or a Vietnam day's)
    with the parcels each still needs; orders with nothing left to ship are left out."""
    scope = tenancy.scope_for(session, user)
    _scoped(scope)  # producers: 403
    stmt = (
        sa.select(orders.Order)
        .where(
            scope.club_filter(orders.Order.club_id),
            orders.Order.status.in_(planning.SHIPPABLE),
        )
        .options(so.selectinload(orders.Order.lines))
        .order_by(orders.Order.placed_at, orders.Order.id)
        .limit(MAX_TO_SHIP)
    )
    if session_id is not None:
        stmt = stmt.where(orders.Order.session_id == session_id)
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), tzinfo=VIETNAM).astimezone(dt.UTC)
        stmt = stmt.where(
            orders.Order.placed_at >= start,
            orders.Order.placed_at < start + dt.timedelta(days=1),
        )
    found: list[ToShip] = []
    for order in session.scalars(stmt):
        planned = planning.plan(session, order)
        if planned:
            found.append(ToShip(order, planned))
    return found


@dataclasses.dataclass(frozen=True)
class Option:
    account_id: int
    carrier: str
    service: str
    service_name: str
    fee: int  # đồng, every parcel of the order

    @property
    def value(self) -> str:
        return f"{self.account_id}:{self.service}"


@dataclasses.dataclass(frozen=True)
class OrderQuotes:
    order_id: int
    parcels: list[dict[str, Any]]
    options: list[Option]  # cheapest first
    problems: list[str]


def quote_choices(result: Mapping[str, Any] | None) -> list[OrderQuotes]:
    """A quote job's rows grouped by order: the carrier services that can take every parcel
    of the order, with the sum of their fees, cheapest first."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in (result or {}).get("rows", []):
        grouped.setdefault(int(row["order_id"]), []).append(row)
    out: list[OrderQuotes] = []
    for order_id, rows in grouped.items():
        totals: dict[tuple[int, str], Option] = {}
        counts: dict[tuple[int, str], int] = {}
        for row in rows:
            for quote in row.get("quotes", []):
                key = (int(quote["account_id"]), str(quote["service"]))
                known = totals.get(key)
                fee = int(quote["fee"]) + (known.fee if known else 0)
                totals[key] = Option(
                    key[0], str(quote["carrier"]), key[1], str(quote.get("service_name", "")), fee
                )
                counts[key] = counts.get(key, 0) + 1
        options = sorted(
            (o for k, o in totals.items() if counts[k] == len(rows)),
            key=lambda o: (o.fee, o.carrier, o.service),
        )
        problems: list[str] = []
        for row in rows:
            for problem in row.get("problems", []):
                text = labels.problem_label(problem)
                carrier = (problem.get("params") or {}).get("carrier")
                if carrier:
                    text = f"{labels.carrier_name(str(carrier))}: {text}"
                if text not in problems:
                    problems.append(text)
        out.append(OrderQuotes(order_id, rows, options, problems))
    return out


def parse_choice(order_id: object, value: object) -> dict[str, Any] | None:
    """``"<account_id>:<service>"`` from the quotes form → a booking choice (None: unreadable)."""
    account, _sep, service = str(value or "").partition(":")
    if not account.isdigit():
        return None
    return {"order_id": order_id, "account_id": int(account), "service": service[:40]}
