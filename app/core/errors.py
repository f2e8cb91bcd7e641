"""Typed errors and the one handler per interface (HTML pages, JSON API).

Services and views raise these; ``register(app)`` turns them, and any
werkzeug HTTPException, into either the API error shape
``{"error": {"code", "message", "fields"}}`` or an HTML page.

The last line of defence against hostile input: a value that got past a feature's own checks
and that the database or the date arithmetic refuses (``out_of_range``: a number past a
column's range, a year-1 or year-9999 date moved across a time zone, SQLite's integer overflow)
rolls the transaction back and answers 422 ``value_out_of_range`` with a message, never 500.
Features still validate their input; this only keeps a missed case from taking a page down.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import flask
import flask_wtf.csrf
import sqlalchemy.exc
import werkzeug.exceptions
from flask_babel import lazy_gettext as _l

from app import extensions
from app.core import uow

log = logging.getLogger(__name__)


class AppError(Exception):
    status = 400
    code = "bad_request"
    default_message: Any = _l("Yêu cầu không hợp lệ.")

    def __init__(
        self,
        message: str | None = None,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationError(AppError):
    status = 422
    code = "validation_error"
    default_message = _l("Dữ liệu chưa hợp lệ, hãy kiểm tra các trường được đánh dấu.")


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    default_message = _l("Cần đăng nhập hoặc mã API hợp lệ.")


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    default_message = _l("Bạn không có quyền thực hiện thao tác này.")


class NotFound(AppError):
    status = 404
    code = "not_found"
    default_message = _l("Không tìm thấy.")


class Conflict(AppError):
    status = 409
    code = "conflict"
    default_message = _l("Xung đột với dữ liệu hiện có.")


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    default_message = _l("Quá nhiều yêu cầu, hãy thử lại sau.")

    # Every 429 says when to come back; a minute when the caller knows no better.
    DEFAULT_RETRY_AFTER = 60

    def __init__(self, message: str | None = None, retry_after: int | None = None) -> None:
        retry_after = retry_after if retry_after and retry_after > 0 else self.DEFAULT_RETRY_AFTER
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    default_message = _l("Dịch vụ tạm thời không sẵn sàng, hãy thử lại sau ít phút.")


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"
    default_message = _l(
        "Cơ sở dữ liệu tạm thời không truy cập được. Hãy thử lại sau ít phút; nếu vẫn lỗi, báo "
        "cho quản trị viên (xem /healthz)."
    )


# Errors that mean the database cannot be reached (down, restarting, pool exhausted), as opposed
# to a bad statement: the reply is a 503 the user can retry, not a 500.
DATABASE_DOWN = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)


# What Python says when date arithmetic leaves years 1 … 9999 ("year 0 is out of range",
# "year 10000 is out of range"); other ValueErrors are bugs and stay 500s.
_YEAR_OUT_OF_RANGE = re.compile(r"year -?[0-9]+ is out of range")


def out_of_range(exc: BaseException) -> bool:
    """True for an error caused by a value out of range rather than by the server: the
    database refused it (``DataError``: PostgreSQL's NumericValueOutOfRange,
    DatetimeFieldOverflow…), the driver could not bind it (SQLite: "Python int too large to
    convert to SQLite INTEGER", "date value out of range"), SQLite's SUM overflowed ("integer
    overflow"), or date arithmetic left the calendar (Python's, or pandas' nanosecond one that
    ends in 2262)."""
    if isinstance(exc, (sqlalchemy.exc.DataError, *_pandas_out_of_bounds())):
        return True
    if isinstance(exc, sqlalchemy.exc.StatementError):
        orig = exc.orig
        if isinstance(exc, sqlalchemy.exc.OperationalError):
            return "integer overflow" in str(orig).lower()
        return isinstance(orig, OverflowError | ValueError) and out_of_range(orig)
    if isinstance(exc, OverflowError):
        return True
    return isinstance(exc, ValueError) and bool(_YEAR_OUT_OF_RANGE.search(str(exc)))


def _pandas_out_of_bounds() -> tuple[type[BaseException], ...]:
    # Not imported here: if pandas is not loaded, the error cannot be one of its own.
    module = sys.modules.get("pandas.errors")
    if module is None:
        return ()
    return (module.OutOfBoundsDatetime, module.OutOfBoundsTimedelta)


class ValueOutOfRange(ValidationError):
    code = "value_out_of_range"
    default_message = _l(
        "Có giá trị nằm ngoài phạm vi cho phép (số quá lớn, ngày ngoài khoảng 2000–2100 hoặc "
        "chữ quá dài). Hãy kiểm tra lại dữ liệu."
    )


# werkzeug status → our code for exceptions raised by Flask itself
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}
_HTTP_MESSAGES = {
    400: _l("Yêu cầu không hợp lệ."),
    401: Unauthorized.default_message,
    403: Forbidden.default_message,
    404: _l("Không tìm thấy trang hoặc tài nguyên."),
    405: _l("Phương thức này không được hỗ trợ ở đây."),
    413: _l("Tệp hoặc dữ liệu gửi lên quá lớn."),
    415: _l("Định dạng dữ liệu không được hỗ trợ."),
    422: ValidationError.default_message,
    500: _l("Đã có lỗi ở máy chủ. Hãy thử lại; nếu vẫn lỗi, báo cho quản trị viên."),
    503: ServiceUnavailable.default_message,
}


def from_http_exception(exc: werkzeug.exceptions.HTTPException) -> AppError:
    """Translate a werkzeug/webargs HTTPException into an AppError."""
    status = exc.code or 500
    error = AppError(str(_HTTP_MESSAGES.get(status, exc.description or exc.name)))
    error.status = status
    error.code = _HTTP_CODES.get(status, "http_error")
    data = getattr(exc, "data", None) or {}
    if "messages" in data:  # webargs validation errors: {"json": {"field": [msgs]}}
        error.fields = _flatten_messages(data["messages"])
    if "message" in data:
        error.message = str(data["message"])
    if data.get("headers"):
        error.headers = dict(data["headers"])
    if isinstance(exc, werkzeug.exceptions.MethodNotAllowed) and exc.valid_methods:
        error.headers["Allow"] = ", ".join(exc.valid_methods)
    if status == 429:
        retry_after = getattr(exc, "retry_after", None)
        seconds = retry_after if isinstance(retry_after, int) and retry_after > 0 else None
        error.headers.setdefault("Retry-After", str(seconds or RateLimited.DEFAULT_RETRY_AFTER))
    return error


def _flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            # webargs nests by location first: {"json": {...}}, {"query": {...}}
            if not prefix and key in ("json", "query", "form", "files", "headers", "path"):
                fields.update(_flatten_messages(value, ""))
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
                fields.update(_flatten_messages(value, name))
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            fields[prefix or "_schema"] = [str(m) for m in messages]
        else:
            for item in messages:
                fields.update(_flatten_messages(item, prefix))
    else:
        fields[prefix or "_schema"] = [str(messages)]
    return fields


def json_response(error: AppError) -> flask.Response:
    body = {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
    response = flask.jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def wants_json() -> bool:
    """API paths (and clients that ask only for JSON) get the JSON error shape."""
    if flask.request.path.startswith("/api/") or flask.request.path == "/healthz":
        return True
    accept = flask.request.accept_mimetypes
    return accept.best == "application/json"


def html_response(error: AppError) -> flask.Response | werkzeug.Response:
    if error.status == 401:
        return flask.redirect(flask.url_for("auth.login", next=flask.request.full_path))
    body = flask.render_template("errors/error.html", error=error)
    response = flask.make_response(body, error.status)
    response.headers.update(error.headers)
    return response


def handle(error: AppError) -> Any:
    return json_response(error) if wants_json() else html_response(error)


def register(app: flask.Flask) -> None:
    """Install the handlers; one place turns every failure into a response."""

    @app.errorhandler(AppError)
    def _app_error(error: AppError) -> Any:
        return handle(error)

    @app.errorhandler(flask_wtf.csrf.CSRFError)
    def _csrf_error(exc: flask_wtf.csrf.CSRFError) -> Any:
        error = AppError(
            str(_l("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ CSRF. Hãy tải lại trang rồi thử lại."))
        )
        error.code = "csrf_failed"
        return handle(error)

    @app.errorhandler(werkzeug.exceptions.HTTPException)
    def _http_error(exc: werkzeug.exceptions.HTTPException) -> Any:
        if isinstance(exc, werkzeug.exceptions.InternalServerError):
            return _internal(exc.original_exception or exc)
        return handle(from_http_exception(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        # Before DATABASE_DOWN: SQLite reports its integer overflow as an OperationalError.
        if out_of_range(exc):
            return _out_of_range(exc)
        if isinstance(exc, DATABASE_DOWN):
            return _database_down(exc)
        return _internal(exc)

    def _out_of_range(exc: Exception) -> Any:
        # A value that validation let through and the database or the calendar refused: the
        # request is wrong, not the server. Logged (without the statement's parameters) so the
        # missed check can be added where the value came in.
        orig = getattr(exc, "orig", None) or exc
        log.warning(
            "value out of range on %s %s: %s: %s",
            flask.request.method,
            flask.request.path,
            type(orig).__name__,
            (str(orig).splitlines() or [""])[0][:200],
        )
        try:
            uow.discard(extensions.session(), "the refused value's failed write")
        except Exception:
            log.debug("rollback after a refused value failed", exc_info=True)
        return handle(ValueOutOfRange())

    def _database_down(exc: Exception) -> Any:
        # The exception class only: the message may carry the database URL.
        log.error(
            "database unavailable on %s %s: %s",
            flask.request.method,
            flask.request.path,
            type(exc).__name__,
        )
        try:
            uow.discard(extensions.session(), "the database is gone: start the page afresh")
        except Exception:  # the connection is gone; the session is discarded at teardown
            log.debug("rollback after a lost connection failed", exc_info=True)
        # Go on as a signed-out visitor: looking up the signed-in user (for the page, and for
        # the language of the message) needs the database.
        flask.g._login_user = extensions.login_manager.anonymous_user()
        error = DatabaseUnavailable(headers={"Retry-After": "30"})
        if wants_json():
            return json_response(error)
        # A page that needs no database: base.html would look up the signed-in user.
        body = flask.render_template("errors/unavailable.html", error=error)
        response = flask.make_response(body, error.status)
        response.headers.update(error.headers)
        return response

    def _internal(exc: BaseException) -> Any:
        log.exception(
            "unhandled error on %s %s", flask.request.method, flask.request.path, exc_info=exc
        )
        error = AppError(str(_HTTP_MESSAGES[500]))
        error.status, error.code = 500, "internal_error"
        return handle(error)
