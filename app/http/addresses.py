"""Absolute addresses for the public: the page's own link, link previews, QR codes, media files.

They come from ``PUBLIC_BASE_URL``. Without it (development, a trial on a laptop) they follow
the request's ``Host`` header, which anyone can set: such responses are then marked ``private``
and ``Vary: Host`` so no shared cache keeps an attacker's host (``keep_private_unless_trusted``).
"""

from __future__ import annotations

from typing import Any

import flask
import itsdangerous


def trusted_base() -> bool:
    """True when absolute URLs come from PUBLIC_BASE_URL, not from the request's Host."""
    return bool(flask.current_app.config.get("PUBLIC_BASE_URL"))


def keep_private_unless_trusted(response: flask.Response) -> flask.Response:
    """A response embedding absolute URLs built from the Host header stays out of shared
    caches (``private``, ``Vary: Host``); with PUBLIC_BASE_URL set it is left as is."""
    if not trusted_base():
        response.cache_control.public = False
        response.cache_control.private = True
        response.vary.add("Host")
    return response


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for the public: PUBLIC_BASE_URL when set, else the request's host.

    Printed QR codes and shared links must not point at 127.0.0.1 or an internal
    name the app happens to be reached by behind a proxy. A job or a chore (no request)
    builds it from PUBLIC_BASE_URL alone; without it there is no address to give, and
    Flask's ``RuntimeError`` says so.
    """
    base = flask.current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return flask.url_for(endpoint, _external=True, **values)
    return str(base).rstrip("/") + path_for(endpoint, **values)


def path_for(endpoint: str, **values: Any) -> str:
    """The endpoint's path from the app's root (``/pay/…``), with or without a request: a
    request's script root is left out; outside one the app's URL map builds it."""
    if flask.has_request_context():
        path = flask.url_for(endpoint, **values)
        root = flask.request.script_root
        return path[len(root) :] if root and path.startswith(root) else path
    app = flask.current_app
    app.inject_url_defaults(endpoint, values)
    return app.url_map.bind("localhost", script_name="/").build(endpoint, values)


def media_url(path: str | None, external: bool = False) -> str | None:
    """The URL of a stored media file (``products/…``, ``producers/…``), or None."""
    if not path:
        return None
    if external:
        return public_url("public.media", filename=path)
    return flask.url_for("public.media", filename=path)


# --- an order's payment page for its buyer -------------------------------------------------
_PAY_SALT = "order-pay"


def pay_token(order_id: int) -> str:
    """The signed token of an order's public payment page (its id, under SECRET_KEY)."""
    return str(_pay_signer().dumps(order_id))


def order_of_pay_token(token: str) -> int | None:
    """The order a payment page token names, or None for a forged or broken one."""
    try:
        value = _pay_signer().loads(token)
    except itsdangerous.BadData:
        return None
    return value if type(value) is int else None


def pay_url(order_id: int) -> str:
    """The absolute link a buyer opens to pay an order by VietQR."""
    return public_url("public.pay", token=pay_token(order_id))


def _pay_signer() -> itsdangerous.URLSafeSerializer:
    return itsdangerous.URLSafeSerializer(flask.current_app.secret_key or "", salt=_PAY_SALT)
