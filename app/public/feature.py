"""What the public feature adds to the app: public product pages (no sign-in): what a buyer opens
from a listing or a QR."""

from __future__ import annotations

import flask

from app.public import pages


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
