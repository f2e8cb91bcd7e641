"""From an order to its parcels: one parcel per producer whose goods the order holds (each
producer's goods are picked up at the producer's address), with weight and size from the
product variants and the cash the courier collects.

Rules (*decision*, docs/shipping.md):
- weight: Σ variant weight × quantity; a variant with no weight counts ``DEFAULT_UNIT_G`` and
  the parcel says so (``weight_guessed``);
- size: the longest length and width of its variants, heights stacked (Σ height × quantity),
  at least ``MIN_SIDE_CM`` on each side; a variant with no size counts ``MIN_SIDE_CM``;
- COD: nothing when the order is paid in full; otherwise the parcel's lines' value, less what
  the buyer already transferred (counted against the order's first parcels first);
- the parcel's reference is the order's payment code and a number (``DH0000013-1``): the
  carrier's client order code, so a retried booking finds its parcel (never a second one).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models import catalog, orders, orgs
from app.models import shipping as models
from app.orders import payments
from integrations.carriers import base as carriers
from vietnam import addresses, phones

DEFAULT_UNIT_G = 500
MIN_SIDE_CM = 10
LIVE = (
    models.ShipStatus.BOOKING,
    models.ShipStatus.CREATED,
    models.ShipStatus.PICKING,
    models.ShipStatus.PICKED_UP,
    models.ShipStatus.IN_TRANSIT,
    models.ShipStatus.DELIVERING,
    models.ShipStatus.DELIVERY_FAILED,
    models.ShipStatus.EXCEPTION,
)
SHIPPABLE = (orders.OrderStatus.PLACED, orders.OrderStatus.PAID)


@dataclasses.dataclass(frozen=True)
class Problem:
    code: str
    params: dict[str, object] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "params": dict(self.params)}


@dataclasses.dataclass(frozen=True)
class Planned:
    """One parcel an order needs: the producer, the lines (id, quantity) and the numbers."""

    order_id: int
    producer_id: int | None
    lines: tuple[tuple[int, int], ...]
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int
    value: int  # đồng, the lines' amount
    cod_amount: int
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()


def _cm(value: Decimal | None) -> int:
    return max(MIN_SIDE_CM, int((value or 0) + Decimal("0.999"))) if value else MIN_SIDE_CM


def _already_shipped(session: so.Session, order_id: int) -> set[int]:
    """Order lines already in a live (or delivered) parcel."""
    shipped = (
        sa.select(models.ShipmentLine.order_line_id)
        .join(models.Shipment)
        .where(
            models.Shipment.order_id == order_id,
            models.Shipment.status.not_in(
                [models.ShipStatus.CANCELLED, models.ShipStatus.RETURNED, models.ShipStatus.LOST]
            ),
        )
    )
    return set(session.scalars(shipped))


def address_problems(order: orders.Order) -> list[Problem]:
    found: list[Problem] = []
    if not (order.ship_province_code and order.ship_commune_code and order.ship_street):
        found.append(Problem("address_missing"))
    if not (order.ship_name or order.buyer_name):
        found.append(Problem("recipient_name_missing"))
    if not (order.ship_phone or order.buyer_phone):
        found.append(Problem("recipient_phone_missing"))
    return found


def pickup_problems(producer: orgs.Producer | None) -> list[Problem]:
    """Why the courier could not pick up at ``producer`` (no address; no valid phone)."""
    if producer is None:
        return [Problem("producer_unknown")]
    found: list[Problem] = []
    if sender(producer) is None or not producer.address_line:
        found.append(Problem("producer_address_missing", {"producer": producer.name}))
    if phones.phone(producer.phone) is None:
        found.append(Problem("producer_phone_missing", {"producer": producer.name}))
    return found


def plan(session: so.Session, order: orders.Order) -> list[Planned]:
    """The parcels ``order`` still needs (its valid lines not in a parcel yet), by producer."""
    shipped = _already_shipped(session, order.id)
    groups: dict[int | None, list[orders.OrderLine]] = {}
    for line in order.lines:
        if line.status.valid and line.id not in shipped:
            producer = line.product.producer_id if line.product is not None else None
            groups.setdefault(producer, []).append(line)
    base_problems = address_problems(order)
    if orders.OrderStatus(order.status) not in SHIPPABLE:
        base_problems.append(Problem("order_not_shippable", {"status": str(order.status)}))
    due = max(0, order.amount - order.paid_amount)
    paid_left = order.paid_amount
    planned: list[Planned] = []
    for producer_id in sorted(groups, key=lambda p: (p is None, p or 0)):
        lines = groups[producer_id]
        problems = list(base_problems)
        warnings: list[Problem] = []
        if producer_id is None:
            problems.append(Problem("producer_unknown"))
        else:
            problems += pickup_problems(session.get(orgs.Producer, producer_id))
        weight = length = width = height = 0
        for line in lines:
            variant: catalog.Variant | None = line.variant
            unit = variant.weight_g if variant is not None and variant.weight_g else None
            if unit is None:
                warnings.append(Problem("weight_guessed", {"sku": line.seller_sku}))
            weight += (unit or DEFAULT_UNIT_G) * line.quantity
            length = max(length, _cm(variant.length_cm if variant else None))
            width = max(width, _cm(variant.width_cm if variant else None))
            height += _cm(variant.height_cm if variant else None) * line.quantity
        value = sum(line.amount for line in lines)
        covered = min(value, paid_left)
        paid_left -= covered
        planned.append(
            Planned(
                order_id=order.id,
                producer_id=producer_id,
                lines=tuple((line.id, line.quantity) for line in lines),
                weight_g=weight,
                length_cm=length,
                width_cm=width,
                height_cm=max(height, MIN_SIDE_CM),
                value=value,
                cod_amount=0 if due == 0 else value - covered,
                problems=tuple(problems),
                warnings=tuple(warnings),
            )
        )
    return planned


def next_reference(session: so.Session, order: orders.Order) -> str:
    """``DH0000013-<n>``: one more than the parcels the order ever had (cancelled ones
    included: a carrier refuses a reference it has seen)."""
    count = session.scalar(
        sa.select(sa.func.count(models.Shipment.id)).where(models.Shipment.order_id == order.id)
    )
    return f"{payments.reference(order)}-{int(count or 0) + 1}"


def _legacy(value: object) -> carriers.LegacyPlace | None:
    if isinstance(value, dict) and value.get("province") and value.get("district"):
        return carriers.LegacyPlace(
            str(value["province"]), str(value["district"]), str(value.get("ward") or "")
        )
    return None


def _legacy_for(province_code: int, commune_code: int) -> carriers.LegacyPlace | None:
    """The old names of a place typed in the new form (``addresses.to_place_names``)."""
    unit = addresses.to_place_names(province_code, commune_code)
    if unit is None:
        return None
    return carriers.LegacyPlace(unit.province, unit.district, unit.ward)


def recipient(order: orders.Order) -> carriers.Place:
    phone = order.ship_phone or order.buyer_phone or ""
    return carriers.Place(
        name=order.ship_name or order.buyer_name or order.buyer_user or "",
        phone=phones.phone(phone) or phone,
        street=order.ship_street or "",
        province=order.ship_province or "",
        commune=order.ship_commune or "",
        province_code=int(order.ship_province_code or 0),
        commune_code=int(order.ship_commune_code or 0),
        legacy=_legacy(order.ship_legacy)
        or _legacy_for(int(order.ship_province_code or 0), int(order.ship_commune_code or 0)),
    )


def sender(producer: orgs.Producer | None) -> carriers.Place | None:
    """Where the courier picks up: the producer's address (None when it has none)."""
    if producer is None or not (producer.province_code and producer.commune_code):
        return None
    phone = producer.phone or ""
    return carriers.Place(
        name=producer.name,
        phone=phones.phone(phone) or phone,
        street=producer.address_line or "",
        province=producer.province,
        commune=producer.commune or "",
        province_code=int(producer.province_code),
        commune_code=int(producer.commune_code),
        legacy=_legacy_for(int(producer.province_code), int(producer.commune_code)),
    )


def request_for(shipment: models.Shipment, *, service: str = "") -> carriers.ShipmentRequest:
    """What the carrier is asked for ``shipment`` (its order, producer and lines loaded)."""
    order = shipment.order
    origin = sender(shipment.producer)
    if origin is None:
        raise ValueError("the producer has no pickup address")
    items = tuple(
        carriers.Item(
            name=part.order_line.product_name,
            code=part.order_line.seller_sku,
            quantity=part.quantity,
            price=part.order_line.unit_price,
            weight_g=(
                part.order_line.variant.weight_g
                if part.order_line.variant is not None and part.order_line.variant.weight_g
                else DEFAULT_UNIT_G
            ),
        )
        for part in shipment.lines
    )
    return carriers.ShipmentRequest(
        reference=shipment.reference,
        sender=origin,
        recipient=recipient(order),
        parcel=carriers.Parcel(
            shipment.weight_g, shipment.length_cm, shipment.width_cm, shipment.height_cm
        ),
        items=items,
        cod_amount=shipment.cod_amount,
        declared_value=shipment.declared_value,
        note=(order.note or "")[:200],
        service=service or shipment.service,
    )


def quote_request(
    session: so.Session, order: orders.Order, parcel: Planned
) -> carriers.ShipmentRequest | None:
    """A request for quoting ``parcel`` before any row exists (None: it cannot be quoted)."""
    if parcel.problems:
        return None
    producer = session.get(orgs.Producer, parcel.producer_id) if parcel.producer_id else None
    origin = sender(producer)
    if origin is None:
        return None
    return carriers.ShipmentRequest(
        reference=f"{payments.reference(order)}-quote",
        sender=origin,
        recipient=recipient(order),
        parcel=carriers.Parcel(
            parcel.weight_g, parcel.length_cm, parcel.width_cm, parcel.height_cm
        ),
        items=(),
        cod_amount=parcel.cod_amount,
        declared_value=parcel.value,
    )


def ordered_ids(values: Sequence[object]) -> list[int]:
    out: list[int] = []
    for value in values:
        try:
            number = int(str(value))
        except ValueError:
            continue
        if number > 0 and number not in out:
            out.append(number)
    return out
