"""What the sandbox tests of the API marketplaces share: a sandbox server per test module
(emptied before each test), its admin calls, the consent page, a listing draft, and the
checks whose steps are the same on every marketplace (a test module names its own codes)."""

from __future__ import annotations

import datetime as dt
import html
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest
import requests

from integrations import base, errors
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


def settings(
    server: core.Server, app_key: str, app_secret: str, config: dict[str, str]
) -> dict[str, str]:
    """An adapter's settings for the sandbox ``server``: the demo app's key and secret, its
    consent page, no rate limit of our own to speak of, then ``config``."""
    return {
        "app_key": app_key,
        "app_secret": app_secret,
        "authorize_url_base": server.url,
        "requests_per_second": "1000",
        **config,
    }


Adapter = TypeVar("Adapter", bound=base.ChannelAdapter)


@dataclass(frozen=True)
class Market(Generic[Adapter]):
    """A test module's way to its marketplace: ``adapter_for(server, **config)``, the consent
    redirect, ``upload(adapter, tokens, tmp_path)`` and ``draft_for(image, sku=…, **changes)``."""

    adapter_for: Callable[..., Adapter]
    redirect: str
    upload: Callable[..., str]
    draft_for: Callable[..., base.ListingDraft]

    def connect(self, adapter: Adapter) -> base.Tokens:
        params = approve(adapter, self.redirect, "st-123")
        return adapter.exchange_code(params["code"], params)

    def connected(self, server: core.Server) -> tuple[Adapter, base.Tokens]:
        adapter = self.adapter_for(server)
        return adapter, self.connect(adapter)

    def with_image(self, server: core.Server, tmp_path: Path) -> tuple[Adapter, base.Tokens, str]:
        """Connected, with an image uploaded from ``tmp_path``: the adapter, tokens and image."""
        adapter, tokens = self.connected(server)
        return adapter, tokens, self.upload(adapter, tokens, tmp_path)


def connect_keeps_the_state(
    market: Market[Any], server: core.Server
) -> tuple[dict[str, str], base.Tokens, errors.PermanentError]:
    """Connect with a Vietnamese state, check it comes back and the tokens are live, then use
    the code again: the callback's params, the tokens and the refusal of the second use."""
    adapter = market.adapter_for(server)
    params = approve(adapter, market.redirect, "giữ-nguyên")
    assert params["state"] == "giữ-nguyên"
    tokens = adapter.exchange_code(params["code"], params)
    assert tokens.access_token and tokens.refresh_token
    assert tokens.access_expires_at > dt.datetime.now(dt.UTC)
    with pytest.raises(errors.PermanentError) as again:
        adapter.exchange_code(params["code"], params)
    return params, tokens, again.value


def life_cycle(
    adapter: base.ChannelAdapter,
    tokens: base.Tokens,
    server: core.Server,
    listing: base.RemoteListing,
    active: str,
    inactive: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Follow a listing just created with the SKUs MO-500 and MO-1000 through find, a price
    and stock update (MO-500 to 179000 and 0, MO-1000 to 340000 and 7), deactivate and
    activate; the product as stored at creation and its SKUs after the update."""
    assert listing.external_id.isdigit()
    assert set(listing.sku_ids) == {"MO-500", "MO-1000"}
    [stored] = sandbox_products(server)
    assert stored["item_id"] == listing.external_id

    found = adapter.find_by_sku(tokens, "MO-1000")
    assert found is not None
    assert found.external_id == listing.external_id
    assert found.sku_ids == listing.sku_ids
    assert found.status == active

    adapter.update_price_stock(
        tokens, listing, [base.Sku("MO-500", 179000, 0), base.Sku("MO-1000", 340000, 7)]
    )
    skus: dict[str, Any] = sandbox_products(server)[0]["skus"]
    assert skus["MO-500"]["stock"] == 0  # stock 0 really applied
    assert skus["MO-500"]["price"] == 179000

    adapter.deactivate(tokens, listing)
    assert sandbox_products(server)[0]["status"] == inactive
    assert adapter.find_by_sku(tokens, "MO-500").status == inactive  # type: ignore[union-attr]

    adapter.activate(tokens, listing)
    assert sandbox_products(server)[0]["status"] == active
    return stored, skus


def unknown_listing_is_not_found(market: Market[Any], server: core.Server) -> errors.NotFound:
    """Update and deactivate a listing the marketplace never had; the update's refusal."""
    adapter, tokens = market.connected(server)
    with pytest.raises(errors.NotFound) as update:
        adapter.update_price_stock(
            tokens, base.RemoteListing("424242", {"X": "1"}), [base.Sku("X", 1000, 1)]
        )
    with pytest.raises(errors.NotFound):
        adapter.deactivate(tokens, base.RemoteListing("424242", {}))
    return update.value


def refresh_token_is_single_use(
    market: Market[Any], server: core.Server, kept: str
) -> errors.AuthExpired:
    """Refresh once (the new access token works and ``tokens.extra[kept]`` stays), then again
    with the spent refresh token; that refusal."""
    adapter, tokens = market.connected(server)
    fresh = adapter.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.extra[kept] == tokens.extra[kept]
    assert adapter.find_by_sku(fresh, "A") is None  # the new access token works
    with pytest.raises(errors.AuthExpired) as reused:
        adapter.refresh(tokens)
    return reused.value


def expired_access_token_then_refresh(
    market: Market[Any], server: core.Server
) -> errors.AuthExpired:
    """Expire the access tokens in the sandbox: a call is refused (returned), a refresh mends it."""
    adapter, tokens = market.connected(server)
    expired = requests.post(f"{server.url}/_sandbox/expire-tokens", timeout=5).json()
    assert expired["expired"] >= 1
    with pytest.raises(errors.AuthExpired) as caught:
        adapter.find_by_sku(tokens, "A")
    assert adapter.find_by_sku(adapter.refresh(tokens), "A") is None
    return caught.value


def refused_by_the_gateway(
    market: Market[Any], server: core.Server, **config: Any
) -> errors.PermanentError:
    """A look-up with good tokens by an adapter configured otherwise (``config``); the refusal."""
    tokens = market.connect(market.adapter_for(server))
    other = market.adapter_for(server, **config)
    with pytest.raises(errors.PermanentError) as caught:
        other.find_by_sku(tokens, "A")
    return caught.value


def skewed_clock() -> float:
    """A clock later than the sandbox's timestamp window allows."""
    return time.time() - core.TIMESTAMP_SKEW - 600


def rate_limited(market: Market[Any], server: core.Server) -> errors.RateLimited:
    """Look up faster than a rate limit of one a second; the refusal, not a quota's."""
    adapter, tokens = market.connected(server)
    set_faults(server, rate_limit=1)
    with pytest.raises(errors.RateLimited) as caught:
        for _ in range(20):
            adapter.find_by_sku(tokens, "A")
    assert not isinstance(caught.value, errors.QuotaExceeded)
    return caught.value


def daily_create_quota(
    market: Market[Any], start: Callable[..., core.Server], tmp_path: Path
) -> errors.QuotaExceeded:
    """On a sandbox allowing one creation a day the second is refused until tomorrow."""
    server = start(create_quota=1)
    adapter, tokens, image = market.with_image(server, tmp_path)
    adapter.create_listing(tokens, market.draft_for(image, sku="A-1"))
    with pytest.raises(errors.QuotaExceeded) as caught:
        adapter.create_listing(tokens, market.draft_for(image, sku="A-2"))
    assert 0 < caught.value.retry_after <= 86401
    assert len(sandbox_products(server)) == 1
    return caught.value


def injected_server_errors_are_transient(
    market: Market[Any], server: core.Server, tmp_path: Path
) -> errors.TransientError:
    """Every call answered by a 5xx: a read is transient and certain, a create transient and
    nothing is stored; the create's error."""
    adapter, tokens, image = market.with_image(server, tmp_path)
    set_faults(server, error_rate=1.0, seed=7)
    with pytest.raises(errors.TransientError) as read:
        adapter.find_by_sku(tokens, "A")
    assert read.value.status in (500, 503)
    assert read.value.uncertain is False
    with pytest.raises(errors.TransientError) as write:
        adapter.create_listing(tokens, market.draft_for(image))
    assert sandbox_products(server) == []  # the fault answered before doing anything
    return write.value


def lost_reply_after_create_then_find_by_sku(
    market: Market[Any], server: core.Server, tmp_path: Path
) -> None:
    """A create whose reply is lost (504) is uncertain, and a look-up by SKU finds it."""
    adapter, tokens, image = market.with_image(server, tmp_path)
    set_faults(server, write_504_rate=1.0)
    with pytest.raises(errors.TransientError) as caught:
        adapter.create_listing(tokens, market.draft_for(image))
    assert caught.value.uncertain is True
    assert caught.value.status == 504
    [stored] = sandbox_products(server)
    found = adapter.find_by_sku(tokens, "MO-500")
    assert found is not None
    assert found.external_id == stored["item_id"]
    assert found.sku_ids["MO-500"] == stored["skus"]["MO-500"]["sku_id"]
