"""Catalog API: products, variants, certificates, categories, admin units, import/export."""

from __future__ import annotations

import flask_smorest

blp = flask_smorest.Blueprint(
    "catalog_api", __name__, url_prefix="/api/v1", description="Danh mục sản phẩm OCOP"
)
