"""The SKU picker of manual entry: the variants a user may sell, grouped by product, each with
its price and what is left in stock.

Only the catalog of the user's clubs (``tenancy.Scope.producer_filter``: the producers their
club works with; an admin's every club) and active products; the service still checks every
SKU against the order's club when the order is saved (``manual``)."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import formatting, tenancy
from app.models import catalog

MAX_OPTIONS = 2000  # a select past this is no help; the SKU can still be posted (API)


@dataclasses.dataclass(frozen=True)
class SkuOption:
    sku: str
    label: str  # 'NM-500 — Chai 500 ml — 95.000 ₫ — còn 12'
    price: int
    stock: int


@dataclasses.dataclass(frozen=True)
class ProductGroup:
    product_id: int
    name: str
    options: list[SkuOption]


def option_label(variant: catalog.Variant) -> str:
    left = (
        _("còn %(n)s", n=formatting.number(variant.stock)) if variant.stock > 0 else _("hết hàng")
    )
    return " — ".join((variant.sku, variant.name, formatting.vnd(variant.price), left))


def sku_groups(session: so.Session, scope: tenancy.Scope) -> list[ProductGroup]:
    """The variants of the scope's active products, grouped by product (by name), in the
    product's variant order."""
    rows = session.scalars(
        sa.select(catalog.Variant)
        .join(catalog.Product, catalog.Variant.product_id == catalog.Product.id)
        .where(
            scope.producer_filter(catalog.Product.producer_id),
            catalog.Product.is_active.is_(True),
        )
        .options(so.contains_eager(catalog.Variant.product))
        .order_by(
            catalog.Product.name, catalog.Product.id, catalog.Variant.position, catalog.Variant.id
        )
        .limit(MAX_OPTIONS)
    )
    groups: list[ProductGroup] = []
    for variant in rows:
        if not groups or groups[-1].product_id != variant.product_id:
            groups.append(ProductGroup(variant.product_id, variant.product.name, []))
        groups[-1].options.append(
            SkuOption(variant.sku, option_label(variant), variant.price, variant.stock)
        )
    return groups
