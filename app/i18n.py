"""Language and time-zone selection (Vietnamese first, English available)."""

from __future__ import annotations

import flask
import flask_login


def select_locale() -> str:
    """The session's choice, else the signed-in user's saved choice, else Vietnamese."""
    languages = flask.current_app.config["LANGUAGES"]
    if not flask.has_request_context():  # CLI and worker: the default language
        return str(flask.current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = flask.session.get("lang")
    if chosen in languages:
        return str(chosen)
    user = flask_login.current_user
    if getattr(user, "is_authenticated", False) and user.locale in languages:
        return str(user.locale)
    return str(flask.current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return str(flask.current_app.config["BABEL_DEFAULT_TIMEZONE"])
