"""Producers API."""

from __future__ import annotations

import flask_smorest

blp = flask_smorest.Blueprint(
    "producers_api", __name__, url_prefix="/api/v1/producers", description="Chủ thể sản xuất OCOP"
)
