"""Variant stock taken by orders and given back by cancellations, without overselling.

Each change is one conditional UPDATE (``stock = stock - n WHERE stock >= n``): the
database serialises concurrent updates of the row, so two buyers of the last jar cannot
both get it, on PostgreSQL or SQLite, whatever the isolation level. The product's
``total_stock`` moves with it and its ``version`` is bumped, so an edit form opened before
the sale is refused (409) instead of writing the old stock back.

These functions do not commit: the order service calls them inside its own transaction,
so an order and its stock change land together or not at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import errors
from app.models import catalog


@dataclasses.dataclass(frozen=True)
class Shortage:
    variant_id: int
    sku: str
    wanted: int
    available: int


class OutOfStock(errors.Conflict):
    code = "out_of_stock"

    def __init__(self, shortages: list[Shortage]) -> None:
        self.shortages = shortages
        fields = {
            f"variant:{s.variant_id}": [
                _(
                    "Mã %(sku)s chỉ còn %(available)d, không đủ %(wanted)d.",
                    sku=s.sku,
                    available=s.available,
                    wanted=s.wanted,
                )
            ]
            for s in shortages
        }
        super().__init__(_("Không đủ hàng trong kho cho đơn này."), fields=fields)


def _merge(quantities: Iterable[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for variant_id, quantity in quantities:
        if quantity <= 0:
            raise errors.ValidationError(
                _("Số lượng phải lớn hơn 0."), fields={"quantity": [_("Phải lớn hơn 0.")]}
            )
        merged[variant_id] = merged.get(variant_id, 0) + quantity
    return merged


def _move_product_totals(session: so.Session, deltas: Mapping[int, int]) -> set[int]:
    V, P = catalog.Variant, catalog.Product
    by_product: dict[int, int] = {}
    rows = session.execute(sa.select(V.id, V.product_id).where(V.id.in_(list(deltas))))
    for variant_id, product_id in rows:
        by_product[product_id] = by_product.get(product_id, 0) + deltas[variant_id]
    for product_id in sorted(by_product):
        session.execute(
            sa.update(P)
            .where(P.id == product_id)
            .values(total_stock=P.total_stock + by_product[product_id], version=P.version + 1)
            .execution_options(synchronize_session=False)
        )
    return set(by_product)


def take(
    session: so.Session, quantities: Iterable[tuple[int, int]], *, clamp: bool = False
) -> list[Shortage]:
    """Take ``(variant_id, quantity)`` pairs out of stock, all or none.

    Raises OutOfStock (409) naming every variant that has too little; in that case the
    caller must roll back (some rows may already have been decremented in this
    transaction). Variants are updated in id order so two orders never deadlock.

    ``clamp=True`` is for sales that already happened elsewhere (a marketplace export): a
    variant with too little goes to 0 instead, and the shortages are returned, not raised.
    """
    wanted = _merge(quantities)
    V = catalog.Variant
    short: list[int] = []
    taken: dict[int, int] = {}
    for variant_id in sorted(wanted):
        result = session.execute(
            sa.update(V)
            .where(V.id == variant_id, V.stock >= wanted[variant_id])
            .values(stock=V.stock - wanted[variant_id])
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            taken[variant_id] = wanted[variant_id]
        else:
            short.append(variant_id)
    shortages: list[Shortage] = []
    if short:
        rows = session.execute(sa.select(V.id, V.sku, V.stock).where(V.id.in_(short))).all()
        found = {row.id: row for row in rows}
        missing = [i for i in short if i not in found]
        if missing:
            raise errors.NotFound(_("Không tìm thấy phân loại %(ids)s.", ids=missing))
        shortages = [
            Shortage(i, found[i].sku, wanted[i], max(found[i].stock, 0)) for i in sorted(short)
        ]
        if not clamp:
            raise OutOfStock(shortages)
        for shortage in shortages:
            session.execute(
                sa.update(V)
                .where(V.id == shortage.variant_id)
                .values(stock=0)
                .execution_options(synchronize_session=False)
            )
            taken[shortage.variant_id] = shortage.available
    moved = {i: -q for i, q in taken.items() if q}
    if moved:
        _expire(session, moved, _move_product_totals(session, moved))
    return shortages


def give_back(session: so.Session, quantities: Iterable[tuple[int, int]]) -> None:
    """Return stock (a cancelled or returned order line)."""
    back = _merge(quantities)
    V = catalog.Variant
    for variant_id in sorted(back):
        session.execute(
            sa.update(V)
            .where(V.id == variant_id)
            .values(stock=V.stock + back[variant_id])
            .execution_options(synchronize_session=False)
        )
    _expire(session, back, _move_product_totals(session, back))


def _expire(session: so.Session, variant_ids: Iterable[int], product_ids: set[int]) -> None:
    """Objects already loaded in this session must not show the old stock."""
    ids = set(variant_ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, catalog.Variant) and obj.id in ids:
            session.expire(obj, ["stock"])
        elif isinstance(obj, catalog.Product) and obj.id in product_ids:
            session.expire(obj, ["total_stock", "version"])
