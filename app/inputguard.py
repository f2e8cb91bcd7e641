"""Refuse request text the database cannot store, before any view runs.

PostgreSQL rejects NUL characters in text, and UTF-8 cannot encode lone surrogates
(``"\\ud800"`` in JSON). Both would otherwise surface as a database error (a 500) deep in a
service; here they are a 400 with a plain message, for pages and the API alike. Uploaded files
are not inspected (they are binary); their form fields are."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import flask
from flask_babel import lazy_gettext as _l

from app import errors

MAX_DEPTH = 64


class InvalidCharacters(errors.AppError):
    status = 400
    code = "invalid_characters"
    default_message = _l(
        "Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL hoặc mã Unicode hỏng). Hãy gõ lại."
    )


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _walk(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield key
            yield from _walk(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, depth + 1)


def _texts() -> Iterable[str]:
    request = flask.request
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            yield key
            yield value
        for key, upload in request.files.items(multi=True):
            yield key
            yield upload.filename or ""
    elif request.is_json:
        yield from _walk(request.get_json(silent=True))


def check_request() -> None:
    if any(_bad_text(text) for text in _texts()):
        raise InvalidCharacters()


def register(app: flask.Flask) -> None:
    app.before_request(check_request)
