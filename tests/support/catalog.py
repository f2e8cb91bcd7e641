"""Builders for catalog test data, shared by the catalog tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask

from app import extensions
from app.catalog import service as catalog_service
from tests import conftest


def product_data(
    producer_id: int,
    name: str = "Nước mắm cá cơm Trà Cổ",
    skus: tuple[str, ...] = ("NM-500",),
    **fields: Any,
) -> dict[str, Any]:
    """A valid product payload with one variant per SKU (prices 95.000 ₫, 55.000 ₫, …)."""
    variants = [
        {
            "sku": sku,
            "name": f"Loại {index + 1}",
            "price": 95_000 - 40_000 * index,
            "stock": 10,
            "weight_g": 650,
        }
        for index, sku in enumerate(skus)
    ]
    data: dict[str, Any] = {
        "producer_id": producer_id,
        "name": name,
        "unit": "chai",
        "brand": "Trà Cổ",
        "variants": variants,
    }
    data.update(fields)
    return data


def certificate_data(**fields: Any) -> dict[str, Any]:
    """A valid 4★ province-level certificate decided on 15 Aug 2024."""
    data: dict[str, Any] = {
        "score": 78,
        "decision_number": "2345/QĐ-UBND",
        "decision_date": dt.date(2024, 8, 15),
        "level": "province",
        "authority": "UBND tỉnh Quảng Ninh",
    }
    data.update(fields)
    return data


def make_product(
    app: flask.Flask, username: str, data: dict[str, Any], certificate: dict[str, Any] | None = None
) -> int:
    """Create a product (and optionally a certificate) as ``username``; return its id."""
    with app.app_context():
        user = conftest.user_named(username)
        product = catalog_service.save_product(extensions.db.session, user, data)
        if certificate is not None:
            catalog_service.save_certificate(extensions.db.session, user, product.id, certificate)
        return product.id
