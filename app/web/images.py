"""Uploading, ordering and deleting product images and producer logos."""

from __future__ import annotations

import flask

bp = flask.Blueprint("images", __name__)
