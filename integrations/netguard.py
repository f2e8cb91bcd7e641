"""Server-side request forgery guard for URLs a user can configure (a shop's API base URL).

``check_url`` refuses anything but http(s) to a host whose every address is public: no
loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16 — cloud metadata lives
there), carrier-grade NAT, multicast, reserved or unspecified addresses, no user:password@ in
the URL. Local development and tests allow private addresses (the sandbox marketplaces run on
127.0.0.1) by passing ``allow_private=True``.

The check resolves the host name itself; the HTTP client resolves it again when it connects,
so a DNS answer that changes in between (rebinding) is not covered: callers also check at the
moment they build a client, and the client never follows redirects.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

Resolver = Callable[..., Sequence[tuple[Any, ...]]]


class UnsafeURL(ValueError):
    """The URL may not be fetched: ``code`` and ``params`` say why (the app words it);
    the message is English, for logs."""

    def __init__(self, message: str, code: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def _addresses(
    host: str, port: int, resolve: Resolver
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"host {host!r} cannot be resolved", "unresolvable", host=host) from exc
    found = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        found.append(ipaddress.ip_address(address))
    if not found:
        raise UnsafeURL(f"host {host!r} has no address", "no_address", host=host)
    return found


def check_url(
    url: str, *, allow_private: bool = False, resolve: Resolver = socket.getaddrinfo
) -> None:
    """Raise UnsafeURL unless ``url`` is http(s) to public addresses only."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL("not a valid URL", "invalid") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("only http:// and https:// addresses are allowed", "scheme")
    if not parts.hostname:
        raise UnsafeURL("the address has no host", "no_host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("user names and passwords do not belong in the address", "credentials")
    if allow_private:
        return
    for address in _addresses(parts.hostname, port, resolve):
        mapped = getattr(address, "ipv4_mapped", None)
        checked = mapped or address
        if not checked.is_global or checked.is_multicast:
            raise UnsafeURL(
                f"{parts.hostname} resolves to {address}, which is not a public address",
                "not_public",
                host=parts.hostname,
                address=str(address),
            )
