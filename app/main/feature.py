"""What the main feature adds to the app: the home page (each role's dashboard), the language
switch and /healthz."""

from __future__ import annotations

import flask

from app.main import pages


def init_app(app: flask.Flask) -> None:
    app.register_blueprint(pages.bp)
