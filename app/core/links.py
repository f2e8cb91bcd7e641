"""Addresses people configure: product links, livestream URLs, shops' API and authorize URLs.

One check for all of them, so a link can never carry a header-splitting newline, a
``javascript:`` scheme or a missing host, and production takes only https. Returns the
problem as a message (translated at the edge by the caller's gettext), or None. Whether
production's https rule applies is ``https_only()``, the one place that decides it.
"""

from __future__ import annotations

import urllib.parse

import flask
from flask_babel import gettext as _

from app.core import text

MAX_LENGTH = 500


def https_only() -> bool:
    """Whether addresses must be https (``url_problem``'s ``https_only``): in production only
    (``APP_ENV``); False outside an app context (a plain script, a unit test)."""
    return flask.has_app_context() and flask.current_app.config["APP_ENV"] == "production"


def url_problem(
    value: str, *, https_only: bool = False, max_length: int = MAX_LENGTH
) -> str | None:
    """Why ``value`` is not an acceptable address (None when it is).

    ``https_only``: production's rule for addresses the app sends people or requests to.
    """
    if text.has_controls(value) or any(ch.isspace() for ch in value):
        return _("Địa chỉ không được chứa khoảng trắng hay ký tự điều khiển (xuống dòng, tab…).")
    if len(value) > max_length:
        return _("Địa chỉ dài tối đa %(n)d ký tự.", n=max_length)
    try:
        parts = urllib.parse.urlsplit(value)
        host = parts.hostname
    except ValueError:
        return _("Địa chỉ không hợp lệ.")
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme.lower() not in schemes:
        if https_only:
            return _("Địa chỉ phải bắt đầu bằng https://.")
        return _("Địa chỉ phải bắt đầu bằng http:// hoặc https://.")
    if not host:
        return _("Địa chỉ thiếu tên máy chủ (ví dụ https://shopee.vn/…).")
    if parts.username or parts.password:
        return _("Địa chỉ không được chứa tên đăng nhập hay mật khẩu.")
    return None
