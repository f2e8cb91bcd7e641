"""Language and time-zone selection (Vietnamese first, English available)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flask
import flask_babel
import flask_login

from app import formatting, labels


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


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the catalogue without translating it now (see ``deferred``)."""
    return msgid


def deferred(msgid: str, **params: Any) -> dict[str, Any]:
    """A message kept for later (a flash shown on the next page): its msgid and parameters,
    worded by ``message_text`` in the language of the page that shows it."""
    return {"msgid": msgid, "params": params}


def message_text(message: Any) -> str:
    """A stored message in the reader's language: a ``deferred`` one worded now; text as is."""
    if isinstance(message, Mapping) and isinstance(message.get("msgid"), str):
        params = message.get("params")
        try:
            return str(flask_babel.gettext(message["msgid"], **dict(params or {})))
        except (KeyError, TypeError, ValueError):  # a msgid whose parameters changed since
            return str(message["msgid"])
    return str(message)


def init_templates(app: flask.Flask) -> None:
    """Every template's formatters (``app.formatting``: ``|vnd``, ``|number``, ``|percent``,
    ``|decimal``, ``|seconds``, ``|duration``, ``|local_dt``, ``|local_date``, ``|local_time``)
    and label look-ups (``order_status_label``, ``platform_label`` and their tables).
    Safe to call more than once."""
    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.globals.update(
        order_status_label=labels.order_status_label,
        order_status_labels=labels.ORDER_STATUS_LABELS,
        platform_label=labels.platform_label,
        platform_labels=labels.PLATFORM_LABELS,
        message_text=message_text,
    )
