"""What the app's webhook endpoints share (payments' bank services, the carriers): a
blueprint answering errors in JSON, a body read with a size limit before anything parses it,
and the two refusals (too large; refused by the service's adapter, in words)."""

from __future__ import annotations

import flask
import werkzeug
from flask_babel import lazy_gettext as _l

from app.core import errors

MAX_BODY_BYTES = 64 * 1024


class TooLarge(errors.AppError):
    status = 413
    code = "payload_too_large"
    default_message = _l("Nội dung quá lớn.")


class Refused(errors.AppError):
    """A call the adapter refused: ``reason`` its code, ``words`` what it means (400 for a
    body the service never sends, else 401)."""

    def __init__(self, reason: str, words: str) -> None:
        super().__init__(words)
        self.code = reason
        self.status = 400 if reason == "malformed_body" else 401


def _json_error(error: errors.AppError) -> flask.Response:
    return errors.json_response(error)


def blueprint(name: str, import_name: str, url_prefix: str) -> flask.Blueprint:
    """A public webhook blueprint whose errors are JSON (register it CSRF-exempt)."""
    hooks = flask.Blueprint(name, import_name, url_prefix=url_prefix)
    hooks.register_error_handler(errors.AppError, _json_error)
    return hooks


def read_body(limit: int = MAX_BODY_BYTES) -> bytes:
    """The request's raw body, refused (``TooLarge``) past ``limit`` bytes, declared or sent."""
    request = flask.request
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge()
    request.max_content_length = limit
    try:
        return request.get_data(cache=True)
    except werkzeug.exceptions.RequestEntityTooLarge:
        raise TooLarge() from None
