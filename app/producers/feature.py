"""What the producers feature adds to the app: producers (OCOP subjects): their pages and API."""

from __future__ import annotations

import flask

from app.http import openapi
from app.producers import api, pages


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    openapi.register(app, api.blp)
