"""Catalog pages: product list with search and filters, product form, certificates."""

from __future__ import annotations

import flask

bp = flask.Blueprint("catalog", __name__, url_prefix="/catalog")
