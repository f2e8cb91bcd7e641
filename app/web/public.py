"""Public pages (no sign-in): product page, QR codes, media files."""

from __future__ import annotations

import flask

bp = flask.Blueprint("public", __name__)
