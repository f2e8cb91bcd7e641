"""What the jobs feature adds to the app: background jobs: their pages and API, and the install-
wide system check."""

from __future__ import annotations

import flask

from app.http import openapi
from app.jobs import api, pages, registry, system_check


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    openapi.register(app, api.blp)
    registry.register(app, system_check.KIND)
