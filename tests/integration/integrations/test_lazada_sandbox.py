"""The Lazada adapter against the Lazada sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from integrations import base, errors, lazada
from sandbox import core
from sandbox import lazada as lazada_sandbox
from tests.integration.integrations import kit
from tests.integration.integrations.kit import sandbox_products

REDIRECT = "http://app.test/channels/lazada/callback"


def png_bytes() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


start, shared_server, server = kit.server_fixtures(lazada_sandbox.LazadaSandbox)


def adapter_for(
    server: core.Server, clock: Callable[[], float] = time.time, **config: str
) -> lazada.LazadaAdapter:
    rest = f"{server.url}/rest"
    config = {"api_base_url": rest, "auth_base_url": rest, **config}
    keys = (lazada_sandbox.DEMO_APP_KEY, lazada_sandbox.DEMO_APP_SECRET)
    return lazada.LazadaAdapter(kit.settings(server, *keys, config), clock=clock)


def draft_for(image_url: str, sku: str = "MO-500", **changes: Any) -> base.ListingDraft:
    description = "<p>Mật ong nguyên chất, sản phẩm OCOP 4 sao.</p>"
    fields = {"description": description, "category_id": "10002019", **changes}
    return kit.draft(image_url, sku, "local.png", **fields)


def upload(adapter: lazada.LazadaAdapter, tokens: base.Tokens, tmp_path: Path) -> str:
    path = tmp_path / "mat-ong.png"
    path.write_bytes(png_bytes())
    return adapter.upload_image(tokens, str(path))


MARKET = kit.Market(adapter_for, REDIRECT, upload, draft_for)


# --- connect ----------------------------------------------------------------------


def test_connect_returns_state_and_tokens_and_the_code_is_single_use(
    server: core.Server,
) -> None:
    params, tokens, again = kit.connect_keeps_the_state(MARKET, server)
    assert set(params) == {"code", "state"}  # Lazada's callback carries no shop id
    assert tokens.refresh_expires_at is not None and tokens.refresh_expires_at > dt.datetime.now(
        dt.UTC
    )
    assert tokens.extra["seller_id"] and tokens.extra["country"] == "vn"
    assert again.code == "InvalidCode"


def test_consent_page_refuses_an_unknown_app_key(server: core.Server) -> None:
    adapter = adapter_for(server, app_key="999999")
    page = requests.get(adapter.authorize_url(REDIRECT, "s"), timeout=5)
    assert page.status_code == 400


# --- the listing life cycle -------------------------------------------------------


def test_upload_create_find_update_deactivate_activate(server: core.Server, tmp_path: Path) -> None:
    adapter, tokens, image_url = MARKET.with_image(server, tmp_path)
    assert image_url.startswith("https://vn-live-02.slatic.net/p/")

    listing = adapter.create_listing(
        tokens,
        draft_for(
            image_url,
            skus=(base.Sku("MO-500", 185000, 12), base.Sku("MO-1000", 350000, 4)),
        ),
    )
    stored, skus = kit.life_cycle(adapter, tokens, server, listing, "active", "inactive")
    assert stored["payload"]["Attributes"]["name"] == "Mật ong rừng U Minh Hạ 500ml"
    assert skus["MO-1000"]["stock"] == 7
    assert {s["status"] for s in sandbox_products(server)[0]["skus"].values()} == {"active"}


def test_find_by_sku_unknown_is_none(server: core.Server) -> None:
    adapter = adapter_for(server)
    assert adapter.find_by_sku(MARKET.connect(adapter), "KHONG-CO") is None


def test_migrate_by_url_gives_a_lazada_hosted_image(server: core.Server) -> None:
    adapter, tokens = MARKET.connected(server)
    url = adapter.upload_image(tokens, "https://ocop.example.vn/media/a.jpg")
    assert url.startswith("https://vn-live-02.slatic.net/p/")
    listing = adapter.create_listing(tokens, draft_for(url))
    assert listing.external_id


def test_xml_payload_is_understood_too(server: core.Server, tmp_path: Path) -> None:
    adapter, tokens = MARKET.connected(server)
    listing = adapter.create_listing(tokens, draft_for(upload(adapter, tokens, tmp_path)))
    xml = (
        "<Request><Product><Skus><Sku>"
        f"<ItemId>{listing.external_id}</ItemId><SellerSku>MO-500</SellerSku>"
        "<Quantity>0</Quantity></Sku></Skus></Product></Request>"
    )
    adapter.call("POST", "/product/price_quantity/update", {"payload": xml}, tokens=tokens)
    assert sandbox_products(server)[0]["skus"]["MO-500"]["stock"] == 0


def test_unknown_item_is_not_found(server: core.Server) -> None:
    kit.unknown_listing_is_not_found(MARKET, server)


# --- tokens -----------------------------------------------------------------------


def test_refresh_token_is_single_use(server: core.Server) -> None:
    reused = kit.refresh_token_is_single_use(MARKET, server, "seller_id")
    assert reused.code == "IllegalRefreshToken"


def test_expired_access_token_then_refresh(server: core.Server) -> None:
    assert kit.expired_access_token_then_refresh(MARKET, server).code == "IllegalAccessToken"


# --- gateway checks ---------------------------------------------------------------


def test_bad_signature_is_refused(server: core.Server) -> None:
    caught = kit.refused_by_the_gateway(MARKET, server, app_secret="not-the-secret")
    assert caught.code == "IncompleteSignature"
    tokens = MARKET.connect(adapter_for(server))
    with pytest.raises(errors.PermanentError) as on_refresh:
        adapter_for(server, app_secret="not-the-secret").refresh(tokens)
    assert on_refresh.value.code == "IncompleteSignature"


def test_skewed_timestamp_is_refused(server: core.Server) -> None:
    caught = kit.refused_by_the_gateway(MARKET, server, clock=kit.skewed_clock)
    assert caught.code == "InvalidTimestamp"


def test_rate_limit_in_body(server: core.Server) -> None:
    caught = kit.rate_limited(MARKET, server)
    assert caught.code == "ApiCallLimit"
    assert caught.retry_after > 0


def test_daily_create_quota(start: Callable[..., core.Server], tmp_path: Path) -> None:
    assert kit.daily_create_quota(MARKET, start, tmp_path).code == "DailyCreateLimitExceeded"


def test_validation_names_the_fields(server: core.Server, tmp_path: Path) -> None:
    adapter, tokens = MARKET.connected(server)
    bad = draft_for(
        "https://example.com/not-uploaded.jpg",
        title="x" * 256,
        category_id="",
        skus=(base.Sku("BAD-1", price=0, stock=-1),),
    )
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, bad)
    fields = caught.value.fields
    assert {"title", "category_id", "images", "skus.BAD-1.price", "skus.BAD-1.stock"} <= set(fields)
    assert sandbox_products(server) == []


def test_duplicate_seller_sku_is_refused(server: core.Server, tmp_path: Path) -> None:
    adapter, tokens, image_url = MARKET.with_image(server, tmp_path)
    adapter.create_listing(tokens, draft_for(image_url))
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, draft_for(image_url))
    assert "skus.MO-500" in caught.value.fields
    assert len(sandbox_products(server)) == 1


# --- faults -----------------------------------------------------------------------


def test_injected_server_errors_are_transient(server: core.Server, tmp_path: Path) -> None:
    kit.injected_server_errors_are_transient(MARKET, server, tmp_path)


def test_lost_reply_after_create_then_find_by_sku(server: core.Server, tmp_path: Path) -> None:
    kit.lost_reply_after_create_then_find_by_sku(MARKET, server, tmp_path)
