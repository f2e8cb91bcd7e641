"""Producer pages: list, create, edit, detail."""

from __future__ import annotations

import flask

bp = flask.Blueprint("producers", __name__, url_prefix="/producers")
