"""Catalog import and export pages."""

from __future__ import annotations

import flask

bp = flask.Blueprint("catalog_io", __name__, url_prefix="/catalog/io")
