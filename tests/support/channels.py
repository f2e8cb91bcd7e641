"""A fake marketplace adapter for service tests (cosmicpython-style fake, not a mock).

``FakeMarketplace`` is the remote side: products, tokens, call counts and a
plan of faults. ``FakeAdapter`` speaks to it through the adapter contract.
Tests install it with ``install(app, marketplace)``.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import flask

from integrations import base, errors


@dataclasses.dataclass
class Fault:
    error: errors.ChannelError
    after: bool = False  # do the call's work, then raise (a lost reply)


class FakeMarketplace:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: collections.Counter[str] = collections.Counter()
        self.products: dict[str, dict[str, Any]] = {}
        self.plan: dict[str, list[Fault]] = collections.defaultdict(list)
        self.ids = itertools.count(1000)
        self.refresh_tokens: dict[str, bool] = {}  # token → used
        self.refreshes = 0
        self.refresh_reused = 0
        self.call_delay = 0.0
        self.access_ttl = dt.timedelta(hours=4)

    def fail(
        self, method: str, error: errors.ChannelError, *, after: bool = False, times: int = 1
    ) -> None:
        with self.lock:
            self.plan[method].extend(Fault(error, after) for _ in range(times))

    def _enter(self, method: str) -> Fault | None:
        with self.lock:
            self.calls[method] += 1
            fault = self.plan[method].pop(0) if self.plan[method] else None
        if self.call_delay:
            time.sleep(self.call_delay)
        if fault is not None and not fault.after:
            raise fault.error
        return fault

    def new_tokens(self) -> base.Tokens:
        with self.lock:
            refresh = f"r{next(self.ids)}"
            self.refresh_tokens[refresh] = False
        now = dt.datetime.now(dt.UTC)
        return base.Tokens(
            f"a{next(self.ids)}",
            refresh,
            now + self.access_ttl,
            now + dt.timedelta(days=30),
            {"shop_id": "77"},
        )

    def duplicates(self) -> int:
        seen = collections.Counter(
            sku for product in self.products.values() for sku in product["skus"]
        )
        return sum(n - 1 for n in seen.values() if n > 1)


class FakeAdapter(base.ChannelAdapter):
    name = "shopee"
    title = "Fake"
    capabilities = frozenset(base.Capability) - {base.Capability.LISTING_PACK}
    rules = base.Rules(images_min=0, description_min=0)

    def __init__(self, config: Mapping[str, str], remote: FakeMarketplace) -> None:
        super().__init__(config)
        self.remote = remote

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        return f"https://fake.example/authorize?redirect_uri={redirect_uri}&state={state}"

    def exchange_code(self, code: str, params: Mapping[str, str]) -> base.Tokens:
        self.remote._enter("exchange_code")
        if code != "good-code":
            raise errors.PermanentError("bad code", code="invalid_code")
        return self.remote.new_tokens()

    def refresh(self, tokens: base.Tokens) -> base.Tokens:
        fault = self.remote._enter("refresh")
        with self.remote.lock:
            used = self.remote.refresh_tokens.get(tokens.refresh_token)
            if used is None or used:
                self.remote.refresh_reused += 1
                raise errors.AuthExpired("refresh token used", code="invalid_refresh")
            self.remote.refresh_tokens[tokens.refresh_token] = True
            self.remote.refreshes += 1
        if fault is not None:
            raise fault.error
        return self.remote.new_tokens()

    def upload_image(self, tokens: base.Tokens, path: str) -> str:
        self.remote._enter("upload_image")
        return f"img{next(self.remote.ids)}"

    def create_listing(self, tokens: base.Tokens, draft: base.ListingDraft) -> base.RemoteListing:
        fault = self.remote._enter("create_listing")
        with self.remote.lock:
            item = str(next(self.remote.ids))
            skus = {
                s.seller_sku: {
                    "id": f"m{next(self.remote.ids)}",
                    "price": s.price,
                    "stock": s.stock,
                }
                for s in draft.skus
            }
            self.remote.products[item] = {"title": draft.title, "skus": skus, "active": True}
        if fault is not None:
            raise fault.error
        return base.RemoteListing(
            item, {k: v["id"] for k, v in skus.items()}, url=f"https://fake.example/p/{item}"
        )

    def find_by_sku(self, tokens: base.Tokens, seller_sku: str) -> base.RemoteListing | None:
        self.remote._enter("find_by_sku")
        for item, product in self.remote.products.items():
            if seller_sku in product["skus"]:
                return base.RemoteListing(item, {k: v["id"] for k, v in product["skus"].items()})
        return None

    def update_price_stock(
        self, tokens: base.Tokens, listing: base.RemoteListing, skus: Sequence[base.Sku]
    ) -> None:
        fault = self.remote._enter("update_price_stock")
        product = self.remote.products[listing.external_id]
        for sku in skus:
            product["skus"][sku.seller_sku].update(price=sku.price, stock=sku.stock)
        if fault is not None:
            raise fault.error

    def deactivate(self, tokens: base.Tokens, listing: base.RemoteListing) -> None:
        self.remote._enter("deactivate")
        self.remote.products[listing.external_id]["active"] = False

    def activate(self, tokens: base.Tokens, listing: base.RemoteListing) -> None:
        self.remote._enter("activate")
        self.remote.products[listing.external_id]["active"] = True


def install(app: flask.Flask, remote: FakeMarketplace) -> Callable[..., base.ChannelAdapter]:
    def factory(account: Any) -> base.ChannelAdapter:
        return FakeAdapter({}, remote)

    app.extensions["channel_adapter_factory"] = factory
    return factory
