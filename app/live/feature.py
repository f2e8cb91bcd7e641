"""What the live feature adds to the app: livestreams: streamers, sessions, run-of-show, host
screen, calendar feeds."""

from __future__ import annotations

import flask

from app.http import openapi
from app.jobs import registry
from app.live import (
    api,
    chores,  # noqa: F401  (registers the Celery beat task)
    desk_pages,
    jobs,
    pages,
)


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    app.register_blueprint(desk_pages.bp)
    openapi.register(app, api.blp)
    registry.register(app, *jobs.KINDS)
