"""Small helpers shared by the web views."""

from __future__ import annotations

import io
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import flask
import flask_login
import werkzeug

from app import extensions
from app.core import errors, tenancy

T = TypeVar("T")


def safe_next(target: str | None, default_endpoint: str = "main.dashboard") -> str:
    """A redirect target inside this site only (no open redirects)."""
    if target:
        parts = urllib.parse.urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return flask.url_for(default_endpoint)


def flash_fields(error: errors.ValidationError, form: object) -> None:
    """Attach a service's field errors to the matching form fields."""
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors), *messages]
        else:
            for message in messages:
                flask.flash(message, "error")


def saved(
    form: Any,
    save: Callable[[], T],
    message: Callable[[T], str],
    target: Callable[[T], str],
) -> werkzeug.Response | None:
    """A submitted and valid form's save: refused, the fields say why (the page is shown
    again); saved, ``message`` is flashed and the browser goes to ``target``. None: show the
    form (again)."""
    if not form.validate_on_submit():
        return None
    try:
        row = save()
    except errors.ValidationError as exc:
        flash_fields(exc, form)
        return None
    flask.flash(message(row), "success")
    return flask.redirect(target(row))


def current_scope() -> tenancy.Scope:
    """The signed-in caller's scope (``app.core.tenancy``): which clubs and producers they
    reach, for a page or an API call alike."""
    return tenancy.scope_for(extensions.session(), flask_login.current_user)


def client_ip() -> str:
    """The client's address: behind TRUSTED_PROXY_HOPS proxies, the one they forwarded
    (ProxyFix in app/factory.py has already put it in ``remote_addr``)."""
    return flask.request.remote_addr or "unknown"


def send_download(download: Any) -> flask.Response:
    """Send a generated file (``data``, ``mimetype``, ``filename``) as an attachment.

    ``mimetype`` is the full Content-Type, sent as given: werkzeug would append a second
    ``charset=utf-8`` to a ``text/…`` type that already names its charset.
    """
    response = flask.send_file(
        io.BytesIO(download.data),
        mimetype=download.mimetype,
        as_attachment=True,
        download_name=download.filename,
        max_age=0,
    )
    response.headers["Content-Type"] = download.mimetype
    return response


def send_temporary_file(path: Path, download_name: str, mimetype: str) -> flask.Response:
    """Send a generated file as an attachment and remove it from disk at once.

    The file is opened before it is unlinked, so the open handle streams it to the
    end (POSIX) and nothing is left behind, even when the client drops the download.
    """
    size = path.stat().st_size
    handle = path.open("rb")
    path.unlink(missing_ok=True)
    response = flask.send_file(
        handle, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0
    )
    response.content_length = size
    response.headers["Content-Type"] = mimetype  # as given (see send_download)
    return response
