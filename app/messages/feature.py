"""What the buyer messages feature adds to the app: the club's message connections, templates
and rules (page and API), the channels' webhooks, the sending job and its chore, and the
order events it follows."""

from __future__ import annotations

import flask

from app import extensions
from app.http import openapi
from app.jobs import registry
from app.messages import (
    api,
    chores,  # noqa: F401  (registers the Celery beat task)
    jobs,
    pages,
    sending,
)
from app.orders import events


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    app.register_blueprint(pages.hooks)
    extensions.csrf.exempt(pages.hooks)  # the channels sign their calls; no browser posts here
    openapi.register(app, api.blp)
    registry.register(app, *jobs.KINDS)
    events.subscribe("messages", sending.on_order_event)
