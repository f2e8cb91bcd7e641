"""What the clubs feature adds to the app: clubs: the install's streamer clubs and the producers
each works with."""

from __future__ import annotations

import flask

from app.clubs import api, cli, pages
from app.http import openapi


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
    openapi.register(app, api.blp)
    app.cli.add_command(cli.clubs_cli)
