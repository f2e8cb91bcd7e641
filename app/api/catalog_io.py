"""Catalog import/export API."""

from __future__ import annotations

import flask_smorest

blp = flask_smorest.Blueprint(
    "catalog_io_api",
    __name__,
    url_prefix="/api/v1/catalog",
    description="Nhập/xuất danh mục (CSV, XLSX)",
)
