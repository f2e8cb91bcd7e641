"""The TikTok Shop adapter against the TikTok Shop sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from integrations import base, errors, tiktok
from sandbox import core
from sandbox import tiktok as tiktok_sandbox
from tests.integration.integrations import kit
from tests.integration.integrations.kit import sandbox_calls, sandbox_products

REDIRECT = "http://app.test/channels/tiktok/callback"


start, shared_server, server = kit.server_fixtures(tiktok_sandbox.TikTokSandbox)


def adapter_for(
    server: core.Server, clock: Callable[[], float] = time.time, **config: str
) -> tiktok.TikTokAdapter:
    urls = {"api_base_url": server.url, "auth_base_url": server.url}
    config = {"service_id": tiktok_sandbox.DEMO_SERVICE_ID, **urls, **config}
    keys = (tiktok_sandbox.DEMO_APP_KEY, tiktok_sandbox.DEMO_APP_SECRET)
    return tiktok.TikTokAdapter(kit.settings(server, *keys, config), clock=clock)


def approve(adapter: tiktok.TikTokAdapter, state: str = "st-123") -> dict[str, str]:
    return kit.approve(adapter, REDIRECT, state)


def image_file(tmp_path: Path, size: int = 600, name: str = "mat-ong.jpg") -> str:
    path = tmp_path / name
    Image.new("RGB", (size, size), (200, 150, 40)).save(path, "JPEG", quality=80)
    return str(path)


def upload(adapter: tiktok.TikTokAdapter, tokens: base.Tokens, tmp_path: Path) -> str:
    return adapter.upload_image(tokens, image_file(tmp_path))


def draft_for(image_uri: str, sku: str = "MO-500", **changes: Any) -> base.ListingDraft:
    return kit.draft(image_uri, sku, "local.jpg", **{"category_id": "600001", **changes})


MARKET = kit.Market(adapter_for, REDIRECT, upload, draft_for)


# --- connect ----------------------------------------------------------------------


def test_connect_returns_state_and_tokens_and_the_code_is_single_use(
    server: core.Server,
) -> None:
    params, tokens, again = kit.connect_keeps_the_state(MARKET, server)
    assert set(params) == {"code", "state", "shop_region", "locale"}
    assert tokens.refresh_expires_at is not None
    assert tokens.refresh_expires_at > tokens.access_expires_at
    assert tokens.extra["shop_cipher"].startswith("ROW_")
    assert tokens.extra["shop_region"] == "VN" and tokens.extra["shop_name"]
    assert again.code == "36004004"


def test_consent_page_refuses_an_unknown_service_id(server: core.Server) -> None:
    adapter = adapter_for(server, service_id="999", app_key="nope")
    assert requests.get(adapter.authorize_url(REDIRECT, "s"), timeout=5).status_code == 400
    # Without a service id the app key stands in, which the sandbox knows.
    plain = adapter_for(server, service_id="")
    assert approve(plain)["code"]


def test_wrong_app_secret_cannot_get_tokens_and_is_not_echoed(server: core.Server) -> None:
    params = approve(adapter_for(server))
    wrong = adapter_for(server, app_secret="not-the-secret")
    with pytest.raises(errors.PermanentError) as caught:
        wrong.exchange_code(params["code"], params)
    assert caught.value.code == "36009004"
    assert "not-the-secret" not in str(caught.value)


# --- the listing life cycle -------------------------------------------------------


def test_upload_create_find_update_deactivate_activate(server: core.Server, tmp_path: Path) -> None:
    adapter, tokens, uri = MARKET.with_image(server, tmp_path)
    assert uri.startswith(tiktok_sandbox.IMAGE_URI_PREFIX)

    listing = adapter.create_listing(
        tokens,
        draft_for(
            uri,
            skus=(
                base.Sku("MO-500", 185000, 12, name="500ml"),
                base.Sku("MO-1000", 350000, 4, name="1 lít"),
            ),
        ),
    )
    stored, skus = kit.life_cycle(
        adapter, tokens, server, listing, "ACTIVATE", "SELLER_DEACTIVATED"
    )
    assert stored["payload"]["title"] == "Mật ong rừng U Minh Hạ 500ml"
    assert stored["status"] == "ACTIVATE"
    assert stored["skus"]["MO-1000"]["sku_id"] == listing.sku_ids["MO-1000"]
    assert (skus["MO-1000"]["stock"], skus["MO-1000"]["price"]) == (7, 340000)


def test_find_by_sku_unknown_is_none(server: core.Server) -> None:
    adapter = adapter_for(server)
    assert adapter.find_by_sku(MARKET.connect(adapter), "KHONG-CO") is None


def test_unknown_product_is_not_found(server: core.Server) -> None:
    assert kit.unknown_listing_is_not_found(MARKET, server).code == "12052260"


def test_a_sku_id_of_another_product_is_refused_and_nothing_changes(
    server: core.Server, tmp_path: Path
) -> None:
    adapter, tokens, uri = MARKET.with_image(server, tmp_path)
    first = adapter.create_listing(tokens, draft_for(uri, sku="A-1"))
    second = adapter.create_listing(tokens, draft_for(uri, sku="B-1"))
    wrong = base.RemoteListing(first.external_id, {"B-1": second.sku_ids["B-1"]})
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.update_price_stock(tokens, wrong, [base.Sku("B-1", 1000, 0)])
    assert "skus" in caught.value.fields
    assert {p["skus"].get("B-1", {}).get("stock") for p in sandbox_products(server)} == {None, 12}


def test_small_or_broken_images_are_refused(server: core.Server, tmp_path: Path) -> None:
    adapter, tokens = MARKET.connected(server)
    with pytest.raises(errors.ValidationFailed) as small:
        adapter.upload_image(tokens, image_file(tmp_path, size=50, name="nho.jpg"))
    assert set(small.value.fields) == {"images"}
    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"not an image at all")
    with pytest.raises(errors.ValidationFailed) as bad:
        adapter.upload_image(tokens, str(broken))
    assert bad.value.code == "12052304"


def test_a_lost_shop_cipher_is_learnt_again(server: core.Server) -> None:
    adapter, tokens = MARKET.connected(server)
    cipher = tokens.extra.pop("shop_cipher")
    assert adapter.find_by_sku(tokens, "A") is None
    assert tokens.extra["shop_cipher"] == cipher


def test_shop_cipher_rules_of_the_gateway(server: core.Server) -> None:
    adapter, tokens = MARKET.connected(server)
    with pytest.raises(errors.PermanentError) as extra_cipher:
        adapter.call("GET", "/authorization/202309/shops", tokens=tokens, shop=True)
    assert extra_cipher.value.code == "36009004"
    assert "not required" in extra_cipher.value.message
    tokens.extra["shop_cipher"] = "ROW_someone-else"
    with pytest.raises(errors.PermanentError) as wrong:
        adapter.find_by_sku(tokens, "A")
    assert wrong.value.code == "36009004"


# --- tokens -----------------------------------------------------------------------


def test_refresh_token_is_single_use(server: core.Server) -> None:
    reused = kit.refresh_token_is_single_use(MARKET, server, "shop_cipher")
    assert reused.code == "36004005"
    assert sandbox_calls(server)["outcomes"]["refresh_reused"] == 1


def test_expired_access_token_then_refresh(server: core.Server) -> None:
    assert kit.expired_access_token_then_refresh(MARKET, server).code == "105002"


def test_unknown_access_token_is_auth_expired(server: core.Server) -> None:
    adapter, tokens = MARKET.connected(server)
    tokens.access_token = "made-up"
    with pytest.raises(errors.AuthExpired) as caught:
        adapter.find_by_sku(tokens, "A")
    assert caught.value.code == "105001"


# --- gateway checks ---------------------------------------------------------------


def test_bad_signature_is_refused(server: core.Server) -> None:
    caught = kit.refused_by_the_gateway(MARKET, server, app_secret="not-the-secret")
    assert caught.code == "106001"
    assert caught.status == 401
    assert sandbox_calls(server)["outcomes"]["bad_signature"] == 1


def test_a_body_changed_after_signing_is_refused(server: core.Server) -> None:
    adapter, tokens = MARKET.connected(server)
    path = "/product/202312/products/search"
    body = tiktok.json_body({"seller_skus": ["Mật-1"]})
    params = adapter.signed_query(
        path, {"page_size": 20, "shop_cipher": tokens.extra["shop_cipher"]}, body
    )
    headers = {"x-tts-access-token": tokens.access_token, "Content-Type": "application/json"}
    good = requests.post(server.url + path, params=params, data=body, headers=headers, timeout=5)
    assert good.json()["code"] == 0
    escaped = b'{"seller_skus":["M\\u1eadt-1"]}'  # same JSON, other bytes
    bad = requests.post(server.url + path, params=params, data=escaped, headers=headers, timeout=5)
    assert bad.json()["code"] == 106001


def test_skewed_timestamp_is_refused(server: core.Server) -> None:
    caught = kit.refused_by_the_gateway(MARKET, server, clock=kit.skewed_clock)
    assert caught.code == "36009004"
    assert "timestamp" in caught.message


def test_unknown_app_key_is_refused(server: core.Server) -> None:
    caught = kit.refused_by_the_gateway(MARKET, server, app_key="abcdef")
    assert caught.code == "36009004"
    assert "app_key" in caught.message


def test_rate_limit_is_http_429_with_retry_after(server: core.Server) -> None:
    caught = kit.rate_limited(MARKET, server)
    assert caught.status == 429
    assert caught.retry_after == 1.0
    assert sandbox_calls(server)["outcomes"]["rate_limited"] >= 1


def test_new_shops_may_create_100_products_a_day_by_default(server: core.Server) -> None:
    tokens = MARKET.connect(adapter_for(server))
    dialect = tiktok_sandbox.TikTokSandbox()
    assert dialect.state.default_quota == tiktok_sandbox.DEFAULT_CREATE_QUOTA == 100
    shop_id = tokens.extra["shop_id"]
    assert shop_id in server.dialect.state.shops
    assert server.dialect.state.shops[shop_id].create_quota == 100


def test_daily_create_quota(start: Callable[..., core.Server], tmp_path: Path) -> None:
    assert kit.daily_create_quota(MARKET, start, tmp_path).code == "12052093"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "x" * 256}, "title"),
        ({"title": ""}, "title"),
        ({"description": ""}, "description"),
        ({"category_id": ""}, "category_id"),
        ({"category_id": "mật-ong"}, "category_id"),
        ({"weight_grams": 0}, None),  # sent as the smallest weight: accepted
        (
            {"skus": (base.Sku("OK-1", 1000, 1, "a"), base.Sku("BAD-1", 0, 1, "b"))},
            "skus.BAD-1.price",
        ),
        ({"skus": (base.Sku("BAD-2", 1000, -1),)}, "skus.BAD-2.stock"),
        ({"skus": (base.Sku("X" * 51, 1000, 1),)}, "skus." + "X" * 51),
        ({"skus": ()}, "skus"),
    ],
)
def test_validation_names_the_field(
    server: core.Server, tmp_path: Path, changes: dict[str, Any], field: str | None
) -> None:
    adapter, tokens, uri = MARKET.with_image(server, tmp_path)
    if field is None:
        assert adapter.create_listing(tokens, draft_for(uri, **changes)).external_id
        return
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, draft_for(uri, **changes))
    assert set(caught.value.fields) == {field}
    assert sandbox_products(server) == []


def test_an_image_not_uploaded_to_tiktok_is_refused(server: core.Server) -> None:
    adapter, tokens = MARKET.connected(server)
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, draft_for("tos-alisg-i-aphluv4xwc-sg/never-uploaded"))
    assert caught.value.fields.keys() == {"images"}
    assert caught.value.code == "12052722"


def test_several_skus_without_sales_attributes_are_refused(
    server: core.Server, tmp_path: Path
) -> None:
    adapter, tokens, uri = MARKET.with_image(server, tmp_path)
    body = adapter.product_payload(
        draft_for(uri, skus=(base.Sku("A", 1000, 1), base.Sku("B", 1000, 1))), tokens
    )
    for row in body["skus"]:
        row.pop("sales_attributes")
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.call("POST", "/product/202309/products", tokens=tokens, body=body)
    assert caught.value.code == "12052550"


def test_duplicate_seller_skus_across_products_are_counted_not_refused(
    server: core.Server, tmp_path: Path
) -> None:
    # TikTok does not refuse a second product with the same seller SKU, so only the
    # client's look-up-before-retry keeps twins away; the sandbox counts them.
    adapter, tokens, uri = MARKET.with_image(server, tmp_path)
    adapter.create_listing(tokens, draft_for(uri))
    adapter.create_listing(tokens, draft_for(uri))
    assert sandbox_calls(server)["duplicates"] == 1


# --- faults -----------------------------------------------------------------------


def test_injected_server_errors_are_transient(server: core.Server, tmp_path: Path) -> None:
    write = kit.injected_server_errors_are_transient(MARKET, server, tmp_path)
    assert write.uncertain is True


def test_lost_reply_after_create_then_find_by_sku(server: core.Server, tmp_path: Path) -> None:
    kit.lost_reply_after_create_then_find_by_sku(MARKET, server, tmp_path)
