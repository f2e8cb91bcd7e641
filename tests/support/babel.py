"""A bare Flask app with the real translation catalogues, whose page language a test picks
(``flask.g.lang``, Vietnamese when unset): for formatters and message tables outside the app."""

from __future__ import annotations

from pathlib import Path

import flask
import flask_babel

import app as app_package


def babel_app(name: str) -> flask.Flask:
    application = flask.Flask(name)
    application.config["BABEL_TRANSLATION_DIRECTORIES"] = str(
        Path(app_package.__file__).parent / "translations"
    )
    flask_babel.Babel(application, locale_selector=lambda: flask.g.get("lang", "vi"))
    return application
