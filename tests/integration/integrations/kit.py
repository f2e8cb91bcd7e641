"""What the sandbox tests of the API marketplaces share: a sandbox server per test module
(emptied before each test), its admin calls, the consent page and a listing draft."""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
import requests

from integrations import base
from sandbox import core


def server_fixtures(dialect: Callable[..., core.Dialect]) -> tuple[Any, Any, Any]:
    """``start`` (a fresh sandbox with options, stopped when the test ends), ``shared_server``
    (one per module) and ``server`` (the module's, emptied) for ``dialect``; a test module
    assigns them to those names."""

    @pytest.fixture
    def start(request: pytest.FixtureRequest) -> Callable[..., core.Server]:
        def _start(**options: Any) -> core.Server:
            server = core.Server(dialect(**options)).start()
            request.addfinalizer(server.stop)
            return server

        return _start

    @pytest.fixture(scope="module")
    def shared_server(request: pytest.FixtureRequest) -> core.Server:
        server = core.Server(dialect()).start()
        request.addfinalizer(server.stop)
        return server

    @pytest.fixture
    def server(shared_server: core.Server) -> core.Server:
        """The module's sandbox, emptied: no shops, tokens, products, faults or rate limit."""
        requests.post(f"{shared_server.url}/_sandbox/reset", timeout=5).raise_for_status()
        set_faults(shared_server, rate_limit=0)
        return shared_server

    return start, shared_server, server


def sandbox_products(server: core.Server) -> list[dict[str, Any]]:
    return requests.get(f"{server.url}/_sandbox/products", timeout=5).json()


def sandbox_calls(server: core.Server) -> dict[str, Any]:
    return requests.get(f"{server.url}/_sandbox/calls", timeout=5).json()


def set_faults(server: core.Server, **faults: Any) -> None:
    requests.post(f"{server.url}/_sandbox/faults", json=faults, timeout=5).raise_for_status()


def approve(adapter: base.ChannelAdapter, redirect: str, state: str) -> dict[str, str]:
    """Open the consent page, press approve, return the callback's query params."""
    url = adapter.authorize_url(redirect, state)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert re.search(r"id=['\"]approve['\"]", page.text)
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'name="([^"]*)" value="([^"]*)"', page.text)
    }
    answer = requests.post(url, data=fields, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(redirect + "?")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def draft(remote_id: str, sku: str, local: str, **changes: Any) -> base.ListingDraft:
    """A one-SKU honey listing whose image is uploaded as ``remote_id``."""
    values: dict[str, Any] = {
        "product_code": "MO",
        "title": "Mật ong rừng U Minh Hạ 500ml",
        "description": "Mật ong nguyên chất, sản phẩm OCOP 4 sao.",
        "skus": (base.Sku(sku, price=185000, stock=12),),
        "images": (base.ImageRef(local, remote_id=remote_id),),
        "weight_grams": 650,
        **changes,
    }
    return base.ListingDraft(**values)
