"""What the channels feature adds to the app: marketplace channels: shops, listings, publishing,
sync, certificate rule."""

from __future__ import annotations

import flask

from app.channels import (
    api,
    chores,  # noqa: F401  (registers the Celery beat tasks)
    cli,
    jobs,
    pages,
    sync,
)
from app.http import openapi
from app.jobs import registry


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    openapi.register(app, api.blp)
    app.cli.add_command(cli.channels_cli)
    registry.register(app, *jobs.KINDS)
    sync.listen()  # listings follow the catalog's price, stock and certificate changes
