"""What the live feature adds to the app: livestreams: streamers, sessions, run-of-show, host
screen, calendar feeds, and the live selling desk (comments, captures, holds, replies)."""

from __future__ import annotations

import flask

from app.http import openapi
from app.jobs import registry
from app.live import (
    api,
    chores,  # noqa: F401  (registers the Celery beat task)
    desk_api,
    desk_pages,
    jobs,
    pages,
)


def init_app(app: flask.Flask) -> None:
    for blueprint in (pages.bp, desk_pages.bp):
        app.register_blueprint(blueprint)
    openapi.register(app, api.blp, desk_api.blp)
    registry.register(app, *jobs.KINDS)
