"""What the shipping feature adds to the app: the carriers' webhooks, the quote and booking
jobs, the polling chore, and (pages, API) the shipping screens."""

from __future__ import annotations

import flask

from app import extensions
from app.http import openapi
from app.jobs import registry
from app.shipping import (
    api,
    booking,
    carrier_api,
    carrier_pages,
    chores,  # noqa: F401  (registers the Celery beat task)
    cod_api,
    cod_pages,
    hooks,
    pages,
)


def init_app(app: flask.Flask) -> None:
    for blueprint in (hooks.hooks, pages.bp):
        app.register_blueprint(blueprint)
    extensions.csrf.exempt(hooks.hooks)  # carriers post their own bodies; no browser posts here
    openapi.register(app, api.blp)
    registry.register(app, *booking.KINDS)
    # Carrier accounts and COD statements (pages and API).
    app.register_blueprint(carrier_pages.bp)
    app.register_blueprint(cod_pages.bp)
    openapi.register(app, carrier_api.blp)
    openapi.register(app, cod_api.blp)
