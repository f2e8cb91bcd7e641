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
from tests.integration.integrations.kit import sandbox_products, set_faults

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
    settings = {
        "app_key": lazada_sandbox.DEMO_APP_KEY,
        "app_secret": lazada_sandbox.DEMO_APP_SECRET,
        "api_base_url": f"{server.url}/rest",
        "auth_base_url": f"{server.url}/rest",
        "authorize_url_base": server.url,
        "requests_per_second": "1000",
        **config,
    }
    return lazada.LazadaAdapter(settings, clock=clock)


def approve(adapter: lazada.LazadaAdapter, state: str = "st-123") -> dict[str, str]:
    return kit.approve(adapter, REDIRECT, state)


def connect(adapter: lazada.LazadaAdapter) -> base.Tokens:
    params = approve(adapter)
    return adapter.exchange_code(params["code"], params)


def draft_for(image_url: str, sku: str = "MO-500", **changes: Any) -> base.ListingDraft:
    description = "<p>Mật ong nguyên chất, sản phẩm OCOP 4 sao.</p>"
    fields = {"description": description, "category_id": "10002019", **changes}
    return kit.draft(image_url, sku, "local.png", **fields)


def upload(adapter: lazada.LazadaAdapter, tokens: base.Tokens, tmp_path: Path) -> str:
    path = tmp_path / "mat-ong.png"
    path.write_bytes(png_bytes())
    return adapter.upload_image(tokens, str(path))


# --- connect ----------------------------------------------------------------------


def test_connect_returns_state_and_tokens_and_the_code_is_single_use(
    server: core.Server,
) -> None:
    adapter = adapter_for(server)
    params = approve(adapter, state="giữ-nguyên")
    assert params["state"] == "giữ-nguyên"
    assert set(params) == {"code", "state"}  # Lazada's callback carries no shop id
    tokens = adapter.exchange_code(params["code"], params)
    assert tokens.access_token and tokens.refresh_token
    assert tokens.access_expires_at > dt.datetime.now(dt.UTC)
    assert tokens.refresh_expires_at is not None and tokens.refresh_expires_at > dt.datetime.now(
        dt.UTC
    )
    assert tokens.extra["seller_id"] and tokens.extra["country"] == "vn"
    with pytest.raises(errors.PermanentError) as again:
        adapter.exchange_code(params["code"], params)
    assert again.value.code == "InvalidCode"


def test_consent_page_refuses_an_unknown_app_key(server: core.Server) -> None:
    adapter = adapter_for(server, app_key="999999")
    page = requests.get(adapter.authorize_url(REDIRECT, "s"), timeout=5)
    assert page.status_code == 400


# --- the listing life cycle -------------------------------------------------------


def test_upload_create_find_update_deactivate_activate(server: core.Server, tmp_path: Path) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    image_url = upload(adapter, tokens, tmp_path)
    assert image_url.startswith("https://vn-live-02.slatic.net/p/")

    listing = adapter.create_listing(
        tokens,
        draft_for(
            image_url,
            skus=(base.Sku("MO-500", 185000, 12), base.Sku("MO-1000", 350000, 4)),
        ),
    )
    assert listing.external_id.isdigit()
    assert set(listing.sku_ids) == {"MO-500", "MO-1000"}
    [stored] = sandbox_products(server)
    assert stored["item_id"] == listing.external_id
    assert stored["payload"]["Attributes"]["name"] == "Mật ong rừng U Minh Hạ 500ml"

    found = adapter.find_by_sku(tokens, "MO-1000")
    assert found is not None
    assert found.external_id == listing.external_id
    assert found.sku_ids == listing.sku_ids
    assert found.status == "active"

    adapter.update_price_stock(
        tokens, listing, [base.Sku("MO-500", 179000, 0), base.Sku("MO-1000", 340000, 7)]
    )
    skus = sandbox_products(server)[0]["skus"]
    assert skus["MO-500"]["stock"] == 0  # stock 0 really applied
    assert skus["MO-500"]["price"] == 179000
    assert skus["MO-1000"]["stock"] == 7

    adapter.deactivate(tokens, listing)
    assert sandbox_products(server)[0]["status"] == "inactive"
    assert adapter.find_by_sku(tokens, "MO-500").status == "inactive"  # type: ignore[union-attr]

    adapter.activate(tokens, listing)
    assert sandbox_products(server)[0]["status"] == "active"
    assert {s["status"] for s in sandbox_products(server)[0]["skus"].values()} == {"active"}


def test_find_by_sku_unknown_is_none(server: core.Server) -> None:
    adapter = adapter_for(server)
    assert adapter.find_by_sku(connect(adapter), "KHONG-CO") is None


def test_migrate_by_url_gives_a_lazada_hosted_image(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    url = adapter.upload_image(tokens, "https://ocop.example.vn/media/a.jpg")
    assert url.startswith("https://vn-live-02.slatic.net/p/")
    listing = adapter.create_listing(tokens, draft_for(url))
    assert listing.external_id


def test_xml_payload_is_understood_too(server: core.Server, tmp_path: Path) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    listing = adapter.create_listing(tokens, draft_for(upload(adapter, tokens, tmp_path)))
    xml = (
        "<Request><Product><Skus><Sku>"
        f"<ItemId>{listing.external_id}</ItemId><SellerSku>MO-500</SellerSku>"
        "<Quantity>0</Quantity></Sku></Skus></Product></Request>"
    )
    adapter.call("POST", "/product/price_quantity/update", {"payload": xml}, tokens=tokens)
    assert sandbox_products(server)[0]["skus"]["MO-500"]["stock"] == 0


def test_unknown_item_is_not_found(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    with pytest.raises(errors.NotFound):
        adapter.update_price_stock(
            tokens, base.RemoteListing("424242", {"X": "1"}), [base.Sku("X", 1000, 1)]
        )
    with pytest.raises(errors.NotFound):
        adapter.deactivate(tokens, base.RemoteListing("424242", {}))


# --- tokens -----------------------------------------------------------------------


def test_refresh_token_is_single_use(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    fresh = adapter.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.extra["seller_id"] == tokens.extra["seller_id"]
    assert adapter.find_by_sku(fresh, "A") is None  # the new access token works
    with pytest.raises(errors.AuthExpired) as reused:
        adapter.refresh(tokens)
    assert reused.value.code == "IllegalRefreshToken"


def test_expired_access_token_then_refresh(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    expired = requests.post(f"{server.url}/_sandbox/expire-tokens", timeout=5).json()
    assert expired["expired"] >= 1
    with pytest.raises(errors.AuthExpired) as caught:
        adapter.find_by_sku(tokens, "A")
    assert caught.value.code == "IllegalAccessToken"
    assert adapter.find_by_sku(adapter.refresh(tokens), "A") is None


# --- gateway checks ---------------------------------------------------------------


def test_bad_signature_is_refused(server: core.Server) -> None:
    tokens = connect(adapter_for(server))
    wrong = adapter_for(server, app_secret="not-the-secret")
    with pytest.raises(errors.PermanentError) as caught:
        wrong.find_by_sku(tokens, "A")
    assert caught.value.code == "IncompleteSignature"
    with pytest.raises(errors.PermanentError) as on_refresh:
        wrong.refresh(tokens)
    assert on_refresh.value.code == "IncompleteSignature"


def test_skewed_timestamp_is_refused(server: core.Server) -> None:
    tokens = connect(adapter_for(server))
    late = adapter_for(server, clock=lambda: time.time() - core.TIMESTAMP_SKEW - 600)
    with pytest.raises(errors.PermanentError) as caught:
        late.find_by_sku(tokens, "A")
    assert caught.value.code == "InvalidTimestamp"


def test_sandbox_signature_matches_the_published_vector() -> None:
    params = {
        "app_key": "123456",
        "access_token": "test",
        "timestamp": "1517820392000",
        "sign_method": "sha256",
        "order_id": "1234",
    }
    assert (
        lazada_sandbox.compute_sign("helloworld", "/order/get", params)
        == "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
    )


def test_rate_limit_in_body(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    set_faults(server, rate_limit=1)
    with pytest.raises(errors.RateLimited) as caught:
        for _ in range(20):
            adapter.find_by_sku(tokens, "A")
    assert caught.value.code == "ApiCallLimit"
    assert caught.value.retry_after > 0
    assert not isinstance(caught.value, errors.QuotaExceeded)


def test_daily_create_quota(start: Callable[..., core.Server], tmp_path: Path) -> None:
    server = start(create_quota=1)
    adapter = adapter_for(server)
    tokens = connect(adapter)
    image_url = upload(adapter, tokens, tmp_path)
    adapter.create_listing(tokens, draft_for(image_url, sku="A-1"))
    with pytest.raises(errors.QuotaExceeded) as caught:
        adapter.create_listing(tokens, draft_for(image_url, sku="A-2"))
    assert caught.value.code == "DailyCreateLimitExceeded"
    assert 0 < caught.value.retry_after <= 86401
    assert len(sandbox_products(server)) == 1


def test_validation_names_the_fields(server: core.Server, tmp_path: Path) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
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
    adapter = adapter_for(server)
    tokens = connect(adapter)
    image_url = upload(adapter, tokens, tmp_path)
    adapter.create_listing(tokens, draft_for(image_url))
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, draft_for(image_url))
    assert "skus.MO-500" in caught.value.fields
    assert len(sandbox_products(server)) == 1


# --- faults -----------------------------------------------------------------------


def test_injected_server_errors_are_transient(server: core.Server, tmp_path: Path) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    image_url = upload(adapter, tokens, tmp_path)
    set_faults(server, error_rate=1.0, seed=7)
    with pytest.raises(errors.TransientError) as read:
        adapter.find_by_sku(tokens, "A")
    assert read.value.status in (500, 503)
    assert read.value.uncertain is False
    with pytest.raises(errors.TransientError):
        adapter.create_listing(tokens, draft_for(image_url))
    assert sandbox_products(server) == []  # the fault answered before doing anything


def test_lost_reply_after_create_then_find_by_sku(server: core.Server, tmp_path: Path) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    image_url = upload(adapter, tokens, tmp_path)
    set_faults(server, write_504_rate=1.0)
    with pytest.raises(errors.TransientError) as caught:
        adapter.create_listing(tokens, draft_for(image_url))
    assert caught.value.uncertain is True
    assert caught.value.status == 504
    [stored] = sandbox_products(server)
    found = adapter.find_by_sku(tokens, "MO-500")
    assert found is not None
    assert found.external_id == stored["item_id"]
    assert found.sku_ids["MO-500"] == stored["skus"]["MO-500"]["sku_id"]
