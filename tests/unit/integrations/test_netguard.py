"""The SSRF guard: only http(s) to public addresses, every resolved address checked."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from integrations import netguard


def resolver(*addresses: str) -> Any:
    def resolve(host: str, port: int, **_kw: Any) -> list[tuple[Any, ...]]:
        family = socket.AF_INET6
        return [(family, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


def failing(host: str, port: int, **_kw: Any) -> list[tuple[Any, ...]]:
    raise socket.gaierror("no such host")


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.shopeemobile.com/api/v2",
        "http://203.113.131.1:8080/x",
        "https://[2001:4860:4860::8888]/",
    ],
)
def test_public_addresses_pass(url: str) -> None:
    netguard.check_url(url, resolve=resolver("203.113.131.1"))


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:5701/api", "not a public address"),
        ("http://10.0.0.5/", "not a public address"),
        ("http://192.168.1.10/", "not a public address"),
        ("http://169.254.169.254/latest/meta-data/", "not a public address"),
        ("http://100.64.0.1/", "not a public address"),
        ("http://[::1]/", "not a public address"),
        ("http://[::ffff:127.0.0.1]/", "not a public address"),
        ("http://0.0.0.0/", "not a public address"),
        ("http://224.0.0.1/", "not a public address"),
        ("ftp://203.113.131.1/", "only http"),
        ("file:///etc/passwd", "only http"),
        ("https://user:pw@203.113.131.1/", "passwords"),
        ("https:///nohost", "no host"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_unsafe_urls_refused(url: str, why: str) -> None:
    with pytest.raises(netguard.UnsafeURL, match=why):
        netguard.check_url(url, resolve=resolver("203.113.131.1"))


def test_a_name_with_any_private_address_is_refused() -> None:
    with pytest.raises(netguard.UnsafeURL, match=r"10\.1\.2\.3"):
        netguard.check_url("https://api.example.vn/", resolve=resolver("203.113.131.1", "10.1.2.3"))


def test_unresolvable_host_refused() -> None:
    with pytest.raises(netguard.UnsafeURL, match="cannot be resolved"):
        netguard.check_url("https://nowhere.invalid/", resolve=failing)


def test_private_allowed_when_asked_but_scheme_still_checked() -> None:
    netguard.check_url("http://127.0.0.1:5701/api", allow_private=True)
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url("gopher://127.0.0.1/", allow_private=True)
