"""What the public feature adds to the app: public product pages (no sign-in): what a buyer opens
from a listing or a QR, served from a per-process cache of their rendered bytes."""

from __future__ import annotations

import flask

from app.public import cache, pages


def init_app(app: flask.Flask) -> None:
    app.extensions[pages.CACHE_KEY] = cache.RenderCache(pages.CACHE_ENTRIES)
    app.register_blueprint(pages.bp)
