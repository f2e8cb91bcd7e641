"""Variant stock taken by orders and given back by cancellations, without overselling.

Each change is one conditional UPDATE (``stock = stock - n WHERE stock >= n``): the
database serialises concurrent updates of the row, so two buyers of the last jar cannot
both get it, on PostgreSQL or SQLite, whatever the isolation level. The product's
``total_stock`` moves with it and its ``version`` is bumped, so an edit form opened before
the sale is refused (409) instead of writing the old stock back. Every stock writer locks the
products before the variants (``move``), as a catalog edit does, so none waits on another in
a circle.

These functions do not commit: the order service calls them inside its own transaction,
so an order and its stock change land together or not at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, uow
from app.models import catalog
from app.orders import locks


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


def move(session: so.Session, deltas: Mapping[int, int], *, clamp: bool = False) -> list[Shortage]:
    """Apply stock changes ``{variant_id: delta}`` (negative: units sold, positive: units given
    back), all or none.

    A sale is a conditional UPDATE (``WHERE stock >= n``): too little stock raises OutOfStock
    (409) naming every short variant, and the caller must roll back. ``clamp=True`` is for sales
    that already happened elsewhere (a marketplace export): a short variant goes to 0 instead,
    and the shortages are returned, not raised.

    Lock order, the same for every stock writer so none deadlocks: the products (a catalog edit
    updates its product row first, then the variants), then the variants, each in id order.
    """
    changes = {variant_id: delta for variant_id, delta in deltas.items() if delta}
    if not changes:
        return []
    V = catalog.Variant
    product_of = dict(
        session.execute(sa.select(V.id, V.product_id).where(V.id.in_(list(changes)))).all()
    )
    missing = sorted(set(changes) - set(product_of))
    if missing:
        raise errors.NotFound(_("Không tìm thấy phân loại %(ids)s.", ids=missing))
    locks.lock_rows(session, catalog.Product, set(product_of.values()))
    short: list[int] = []
    moved: dict[int, int] = {}
    for variant_id in sorted(changes):
        delta = changes[variant_id]
        stmt = sa.update(V).where(V.id == variant_id)
        if delta < 0:
            stmt = stmt.where(V.stock >= -delta)
        result = session.execute(
            stmt.values(stock=V.stock + delta).execution_options(synchronize_session=False)
        )
        if uow.affected(result) == 1:
            moved[variant_id] = delta
        else:
            short.append(variant_id)
    shortages: list[Shortage] = []
    if short:
        rows = session.execute(
            sa.select(V.id, V.sku, V.stock).where(V.id.in_(short)).with_for_update()
        ).all()
        found = {row.id: row for row in rows}
        shortages = [
            Shortage(i, found[i].sku, -changes[i], max(found[i].stock, 0)) for i in sorted(short)
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
            moved[shortage.variant_id] = -shortage.available
    moved = {i: d for i, d in moved.items() if d}
    if moved:
        _expire(session, moved, _move_product_totals(session, moved, product_of))
    return shortages


def _move_product_totals(
    session: so.Session, deltas: Mapping[int, int], product_of: Mapping[int, int]
) -> set[int]:
    P = catalog.Product
    by_product: dict[int, int] = {}
    for variant_id, delta in deltas.items():
        product_id = product_of[variant_id]
        by_product[product_id] = by_product.get(product_id, 0) + delta
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
    """Take ``(variant_id, quantity)`` pairs out of stock, all or none (see ``move``)."""
    return move(session, {i: -q for i, q in _merge(quantities).items()}, clamp=clamp)


def give_back(session: so.Session, quantities: Iterable[tuple[int, int]]) -> None:
    """Return stock (a cancelled or returned order line)."""
    move(session, _merge(quantities))


def _expire(session: so.Session, variant_ids: Iterable[int], product_ids: set[int]) -> None:
    """Objects already loaded in this session must not show the old stock."""
    ids = set(variant_ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, catalog.Variant) and obj.id in ids:
            session.expire(obj, ["stock"])
        elif isinstance(obj, catalog.Product) and obj.id in product_ids:
            session.expire(obj, ["total_stock", "version"])
