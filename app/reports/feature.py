"""What the reports feature adds to the app: sales reports and dashboards; the Youth Union's read-
only comparison API."""

from __future__ import annotations

import flask

from app.http import openapi
from app.reports import cli, pages, union_api


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    openapi.register(app, union_api.blp)
    app.cli.add_command(cli.reports_cli)
