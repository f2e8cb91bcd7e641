"""Refuse request input the app cannot safely read or store, before any view runs.

- Text the database cannot store: PostgreSQL rejects NUL characters, and UTF-8 cannot encode
  lone surrogates (``"\\ud800"`` in JSON). Both would otherwise surface as a database error deep
  in a service; here they are a 400 ``invalid_characters``. Uploaded files are not inspected
  (they are binary); their form fields are.
- JSON bodies (``application/json`` and ``application/*+json``): at most ``MAX_JSON_BYTES``
  (413 ``payload_too_large``), nested at most ``MAX_JSON_DEPTH`` deep and holding at most
  ``MAX_JSON_VALUES`` values (400 ``json_too_complex``), well-formed (400 ``invalid_json``):
  numbers written out in full (no 5,000-digit integers, no ``1e999``, ``NaN`` or ``Infinity``).
  The depth is measured on the raw bytes before parsing: Python's parser recurses, and a body
  nested 5,000 deep would otherwise end in a RecursionError (a 500) wherever it is parsed.
- Forms: a urlencoded body is at most ``MAX_URLENCODED_BYTES`` (413; werkzeug reads it whole,
  with no per-field limit); in a multipart form Flask's ``MAX_FORM_MEMORY_SIZE`` (500 kB per
  text field) and ``MAX_FORM_PARTS`` (1,000 parts) answer 413.

The guard runs first among the request hooks, so the limits hold before anything else reads the
body (CSRF, authentication)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

import flask
import werkzeug.exceptions
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import errors, formatting

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_URLENCODED_BYTES = 2 * 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_JSON_VALUES = 100_000
MAX_JSON_DIGITS = 30  # of an integer: far past any bigint, far below int()'s 4,300

# A JSON string literal (escapes included), to skip when counting brackets.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"[\[{][\]}]")


class InvalidCharacters(errors.AppError):
    status = 400
    code = "invalid_characters"
    default_message = _l(
        "Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL hoặc mã Unicode hỏng). Hãy gõ lại."
    )


class InvalidJson(errors.AppError):
    status = 400
    code = "invalid_json"
    default_message = _l(
        "Nội dung JSON không hợp lệ. Số phải viết đầy đủ (không NaN, Infinity hay số quá lớn)."
    )


class JsonTooComplex(errors.AppError):
    status = 400
    code = "json_too_complex"
    default_message = _l("Nội dung JSON lồng quá sâu hoặc có quá nhiều giá trị.")


class JsonTooLarge(errors.AppError):
    status = 413
    code = "payload_too_large"
    default_message = _l("Dữ liệu JSON quá lớn.")


class FormTooLarge(errors.AppError):
    status = 413
    code = "payload_too_large"
    default_message = _l("Dữ liệu biểu mẫu quá lớn.")


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_shape(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> tuple[int, int]:
    """(nesting depth, number of values, roughly) of a JSON text, without parsing it; the depth
    is counted up to ``max_depth + 1``.

    Strings are cut out first (a bracket inside one does not nest). Then each round removes
    every innermost bracket pair at once (regular expressions, so C speed); the rounds needed
    are the depth. For a malformed body the figures are rough, and the parser refuses it."""
    outside_strings = _STRING.sub(b'""', body)
    values = outside_strings.count(b",") + 1
    brackets = outside_strings.translate(None, _NOT_BRACKET)
    depth = 0
    while brackets and depth <= max_depth:
        brackets, removed = _INNERMOST.subn(b"", brackets)
        if not removed:  # unbalanced: malformed, not deep
            break
        depth += 1
    return depth, values


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number too large")
    return value


def _short_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        raise ValueError("integer too long")
    return int(text)


def _limit_body(limit: int) -> bool:
    """Hold the request body to ``limit`` bytes; False when it is longer (by its header)."""
    request = flask.request
    if request.content_length is not None and request.content_length > limit:
        return False
    if request.max_content_length is None or request.max_content_length > limit:
        request.max_content_length = limit  # a chunked body is cut off here
    return True


def _parsed_json() -> Any:
    """The request's JSON, checked for size, depth and numbers (None if no body)."""
    request = flask.request
    if not _limit_body(MAX_JSON_BYTES):
        raise _too_large()
    try:
        body = request.get_data(cache=True)
    except werkzeug.exceptions.RequestEntityTooLarge:
        raise _too_large() from None
    if len(body) > MAX_JSON_BYTES:
        raise _too_large()
    if not body.strip():
        return None
    try:
        # UTF-8 only (RFC 8259): in it no byte of a multi-byte character is a quote or a bracket,
        # so json_shape reads the structure exactly. (json.loads would also take UTF-16, whose
        # bytes could hide brackets from it.)
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJson() from None
    depth, values = json_shape(body)
    if depth > MAX_JSON_DEPTH:
        raise JsonTooComplex(_("JSON lồng quá sâu (tối đa %(n)d cấp).", n=MAX_JSON_DEPTH))
    if values > MAX_JSON_VALUES:
        raise JsonTooComplex(
            _("JSON có quá nhiều giá trị (tối đa %(n)s).", n=formatting.number(MAX_JSON_VALUES))
        )
    try:
        return json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_short_int,
        )
    except (ValueError, RecursionError):  # JSONDecodeError included
        raise InvalidJson() from None


def _too_large() -> JsonTooLarge:
    return JsonTooLarge(_("Dữ liệu JSON quá lớn (tối đa %(n)d MB).", n=MAX_JSON_BYTES // 2**20))


def _walk(value: Any) -> Iterable[str]:
    # The depth is bounded by MAX_JSON_DEPTH, checked before parsing.
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _texts() -> Iterable[str]:
    request = flask.request
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if request.mimetype == "application/x-www-form-urlencoded" and not _limit_body(
            MAX_URLENCODED_BYTES
        ):
            raise FormTooLarge(
                _("Dữ liệu biểu mẫu quá lớn (tối đa %(n)d MB).", n=MAX_URLENCODED_BYTES // 2**20)
            )
        if request.mimetype == "application/x-www-form-urlencoded":
            # Keep the raw body: the form is parsed from it, and a view that checks the body
            # as sent (a carrier's form-encoded webhook) still reads it after this hook.
            request.get_data(cache=True)
        for key, value in request.form.items(multi=True):
            yield key
            yield value
        for key, upload in request.files.items(multi=True):
            yield key
            yield upload.filename or ""
    elif request.is_json:
        yield from _walk(_parsed_json())


def check_request() -> None:
    if any(_bad_text(text) for text in _texts()):
        raise InvalidCharacters()


def register(app: flask.Flask) -> None:
    # First of the request hooks: CSRF protection reads the form before any other hook runs.
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
