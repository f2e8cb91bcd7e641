"""Language and time-zone selection (Vietnamese first, English available)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

import flask
import flask_babel
import flask_login

from app.core import formatting, labels


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
    """A message kept for later (a flash shown on the next page, a job's progress, a failed
    render's reason): its msgid and parameters, worded by ``message_text`` in the language of
    the page that shows it. A parameter may itself be a ``deferred`` message (worded first);
    a float parameter is written in the reader's number format."""
    return {"msgid": msgid, "params": params}


def flash(msgid: str, category: str, **params: Any) -> None:
    """Flash a message worded by the page that shows it (the next one, maybe in another
    language): kept in the session as a ``deferred`` one."""
    # flask.flash keeps any JSON-able value in the session; its type stub says str.
    flask.flash(cast(str, deferred(msgid, **params)), category)


def is_deferred(message: Any) -> bool:
    return isinstance(message, Mapping) and isinstance(message.get("msgid"), str)


def _param(value: Any) -> Any:
    if is_deferred(value):
        return message_text(value)
    if isinstance(value, float):  # as many decimals as it has, up to two: 4.0 → 4, 12.5 → 12,5
        digits = next((d for d in (0, 1) if round(value, d) == value), 2)
        return formatting.decimal_number(value, digits)
    return value


def message_text(message: Any) -> str:
    """A stored message in the reader's language: a ``deferred`` one worded now; text as is."""
    if is_deferred(message):
        params = message.get("params")
        values = {str(k): _param(v) for k, v in dict(params or {}).items()}
        try:
            return str(flask_babel.gettext(message["msgid"], **values))
        except (KeyError, TypeError, ValueError):  # a msgid whose parameters changed since
            return str(message["msgid"])
    return str(message)


# A stored column (a job's message and error, a render's or an asset's error) holds either a
# fixed message as its msgid or a ``deferred`` one as JSON with this prefix.
_STORED_PREFIX = '{"msgid"'


def encode(message: str | Mapping[str, Any], limit: int | None = None) -> str:
    """``message`` (a msgid, or a ``deferred``) as text for a column; ``stored_text`` words it.

    With ``limit`` (the column's length) a ``deferred`` too long to keep whole is stored worded
    in the current language instead of as broken JSON."""
    if isinstance(message, str) or not is_deferred(message):
        text = str(message)
        return text[:limit] if limit is not None else text
    encoded = json.dumps(
        {"msgid": message["msgid"], "params": dict(message.get("params") or {})},
        ensure_ascii=False,
        default=str,
    )
    if limit is not None and len(encoded) > limit:
        return message_text(message)[:limit]
    return encoded


def stored_text(stored: str | None) -> str:
    """A column written by ``encode`` in the reader's language: a ``deferred`` worded now, a
    fixed message through the catalogue (stored as its msgid), other text as it is."""
    if not stored:
        return ""
    if stored.startswith(_STORED_PREFIX):
        try:
            decoded = json.loads(stored)
        except ValueError:
            return stored
        if is_deferred(decoded):
            return message_text(decoded)
    return str(flask_babel.get_translations().gettext(stored))


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
        stored_text=stored_text,
    )
