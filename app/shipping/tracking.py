"""Following parcels: every status update a carrier sends (webhook) or tells when asked
(polling) is kept once and moves the parcel forward, and the order follows its parcels.

- Each update is stored once per ``(parcel, carrier key)`` (``INSERT … ON CONFLICT DO
  NOTHING``): retries, duplicates and polls that repeat a webhook change nothing.
- Updates come out of order: one with a lower rank than the parcel's status is kept in the
  history (``applied = False``) but never moves the parcel back (``ShipStatus.rank``).
- The order follows (``app.orders.status.move``, so the stock rule, the history and the buyer
  messages follow too): picked up / in transit / out for delivery → shipped; every live
  parcel delivered → completed; a returned parcel → its lines returned and their units back
  in stock, once (``restocked_at``); a failed delivery tells the buyer (order event).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core import clock
from app.models import base, orders
from app.models import shipping as models
from app.orders import events, recording, stock
from app.orders import status as order_status
from integrations.carriers.base import ShipStatus, StatusUpdate

OrderStatus = orders.OrderStatus
# Parcel statuses that mean the goods left the producer.
ON_THE_WAY = frozenset(
    {
        ShipStatus.PICKED_UP,
        ShipStatus.IN_TRANSIT,
        ShipStatus.DELIVERING,
        ShipStatus.DELIVERY_FAILED,
        ShipStatus.RETURNING,
    }
)
VIA = orders.StatusChangeVia.SHIPPING


@dataclasses.dataclass
class Outcome:
    """What a batch of updates did."""

    stored: int = 0  # new updates kept
    repeated: int = 0  # already there (a retry, a duplicate, a poll repeating a webhook)
    applied: int = 0  # moved a parcel
    unknown: int = 0  # no parcel of ours by that code
    summaries: list[recording.Summary] = dataclasses.field(default_factory=list)


def _insert_once(session: so.Session, values: dict[str, object]) -> int | None:
    return base.insert_once(session, models.ShipmentEvent, values, ["shipment_id", "event_key"])


def find_parcel(
    session: so.Session, club_id: int, carrier: str, update: StatusUpdate
) -> models.Shipment | None:
    """Our parcel for an update: by the carrier's code, else by our reference."""
    model = models.Shipment
    if update.tracking_code:
        found = session.scalars(
            sa.select(model).where(
                model.club_id == club_id,
                model.carrier == carrier,
                model.tracking_code == update.tracking_code,
            )
        ).first()
        if found is not None:
            return found
    if update.reference:
        return session.scalars(
            sa.select(model).where(model.club_id == club_id, model.reference == update.reference)
        ).first()
    return None


def apply_updates(
    session: so.Session,
    club_id: int,
    carrier: str,
    updates: Iterable[StatusUpdate],
    via: models.EventVia,
) -> Outcome:
    """Store and apply ``updates`` in the caller's unit of work."""
    outcome = Outcome()
    for update in updates:
        parcel = find_parcel(session, club_id, carrier, update)
        if parcel is None:
            outcome.unknown += 1
            continue
        moves = update.status.rank > ShipStatus(parcel.status).rank or (
            # A failed delivery after an exception (and back) is news: same rank, other state.
            update.status.rank == ShipStatus(parcel.status).rank
            and update.status != parcel.status
            and not ShipStatus(parcel.status).final
        )
        new_id = _insert_once(
            session,
            {
                "shipment_id": parcel.id,
                "event_key": update.event_key[:200],
                "status": update.status,
                "carrier_status": update.carrier_status[:40],
                "description": update.description[:300],
                "occurred_at": update.occurred_at,
                "received_at": clock.utcnow(),
                "via": via,
                "applied": moves,
            },
        )
        if new_id is None:
            outcome.repeated += 1
            continue
        outcome.stored += 1
        if update.cod_amount is not None and update.cod_amount >= 0:
            parcel.cod_amount = update.cod_amount
        if update.fee is not None and update.fee >= 0:
            parcel.fee = update.fee
        if not moves:
            continue
        outcome.applied += 1
        summary = _move(session, parcel, update)
        if summary is not None:
            outcome.summaries.append(summary)
    return outcome


def _move(
    session: so.Session, parcel: models.Shipment, update: StatusUpdate
) -> recording.Summary | None:
    """The parcel reaches ``update.status``; its order follows."""
    parcel.status = update.status
    parcel.carrier_status = update.carrier_status[:40]
    parcel.status_at = update.occurred_at
    if update.status in (ShipStatus.DELIVERY_FAILED, ShipStatus.LOST, ShipStatus.EXCEPTION):
        parcel.problem = {"code": f"parcel_{update.status}", "params": {}}
    elif parcel.problem and str(parcel.problem.get("code", "")).startswith("parcel_"):
        parcel.problem = None
    if update.status == ShipStatus.DELIVERED:
        parcel.delivered_at = update.occurred_at
    if update.status == ShipStatus.RETURNED:
        parcel.returned_at = update.occurred_at
    session.flush()
    order = order_status.locked_order(session, parcel.order_id)
    current = OrderStatus(order.status)
    if update.status in ON_THE_WAY and current in (OrderStatus.PLACED, OrderStatus.PAID):
        summary = order_status.move(session, None, order, OrderStatus.SHIPPED, via=VIA)
        if update.status == ShipStatus.DELIVERY_FAILED:
            events.emit(session, order.id, events.OrderEvent.DELIVERY_FAILED)
        return summary
    if update.status == ShipStatus.DELIVERY_FAILED:
        events.emit(session, order.id, events.OrderEvent.DELIVERY_FAILED)
        return None
    if update.status == ShipStatus.DELIVERED:
        return _delivered(session, order)
    if update.status == ShipStatus.RETURNED:
        return _returned(session, order, parcel)
    return None


def _live_parcels(session: so.Session, order_id: int) -> list[models.Shipment]:
    return list(
        session.scalars(
            sa.select(models.Shipment).where(
                models.Shipment.order_id == order_id,
                models.Shipment.status.not_in([ShipStatus.CANCELLED]),
            )
        )
    )


def _delivered(session: so.Session, order: orders.Order) -> recording.Summary | None:
    parcels = _live_parcels(session, order.id)
    if any(p.status not in (ShipStatus.DELIVERED, ShipStatus.RETURNED) for p in parcels):
        return None  # another parcel of the order is still on its way
    if OrderStatus.COMPLETED not in order_status.TRANSITIONS[OrderStatus(order.status)]:
        return None
    return order_status.move(session, None, order, OrderStatus.COMPLETED, via=VIA)


def _returned(
    session: so.Session, order: orders.Order, parcel: models.Shipment
) -> recording.Summary | None:
    """The parcel's lines go back (their units to stock), once."""
    if parcel.restocked_at is not None:
        return None
    parcel.restocked_at = clock.utcnow()
    line_ids = {part.order_line_id for part in parcel.lines}
    whole = all(line.id in line_ids for line in order.lines if line.status.valid)
    current = OrderStatus(order.status)
    if whole:
        if current in (OrderStatus.PLACED, OrderStatus.PAID):
            order_status.move(session, None, order, OrderStatus.SHIPPED, via=VIA)
            current = OrderStatus.SHIPPED
        if OrderStatus.RETURNED in order_status.TRANSITIONS[current]:
            return order_status.move(session, None, order, OrderStatus.RETURNED, via=VIA)
        return None
    # Part of the order: only this parcel's lines are returned.
    back: list[tuple[int, int]] = []
    for line in order.lines:
        if line.id in line_ids and line.status.valid:
            line.status = OrderStatus.RETURNED
            if line.variant_id is not None:
                back.append((line.variant_id, line.quantity))
    if back:
        stock.give_back(session, back)
    before = order.status
    order.status = recording.order_status([str(line.status) for line in order.lines])
    if order.status != before:
        session.add(
            orders.OrderStatusChange(
                order_id=order.id, from_status=before, to_status=order.status, via=VIA
            )
        )
    session.flush()
    return recording.Summary(order_ids=[order.id])
