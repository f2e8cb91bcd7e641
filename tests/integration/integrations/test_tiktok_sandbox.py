"""The TikTok Shop adapter against the TikTok Shop sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
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
from tests.integration.integrations.kit import sandbox_calls, sandbox_products, set_faults

REDIRECT = "http://app.test/channels/tiktok/callback"


start, shared_server, server = kit.server_fixtures(tiktok_sandbox.TikTokSandbox)


def adapter_for(
    server: core.Server, clock: Callable[[], float] = time.time, **config: str
) -> tiktok.TikTokAdapter:
    settings = {
        "app_key": tiktok_sandbox.DEMO_APP_KEY,
        "app_secret": tiktok_sandbox.DEMO_APP_SECRET,
        "service_id": tiktok_sandbox.DEMO_SERVICE_ID,
        "api_base_url": server.url,
        "auth_base_url": server.url,
        "authorize_url_base": server.url,
        "requests_per_second": "1000",
        **config,
    }
    return tiktok.TikTokAdapter(settings, clock=clock)


def approve(adapter: tiktok.TikTokAdapter, state: str = "st-123") -> dict[str, str]:
    return kit.approve(adapter, REDIRECT, state)


def connect(adapter: tiktok.TikTokAdapter) -> base.Tokens:
    params = approve(adapter)
    return adapter.exchange_code(params["code"], params)


def image_file(tmp_path: Path, size: int = 600, name: str = "mat-ong.jpg") -> str:
    path = tmp_path / name
    Image.new("RGB", (size, size), (200, 150, 40)).save(path, "JPEG", quality=80)
    return str(path)


def upload(adapter: tiktok.TikTokAdapter, tokens: base.Tokens, tmp_path: Path) -> str:
    return adapter.upload_image(tokens, image_file(tmp_path))


def draft_for(image_uri: str, sku: str = "MO-500", **changes: Any) -> base.ListingDraft:
    return kit.draft(image_uri, sku, "local.jpg", **{"category_id": "600001", **changes})


# --- connect ----------------------------------------------------------------------


def test_connect_returns_state_and_tokens_and_the_code_is_single_use(
    server: core.Server,
) -> None:
    adapter = adapter_for(server)
    params = approve(adapter, state="giữ-nguyên")
    assert params["state"] == "giữ-nguyên"
    assert set(params) == {"code", "state", "shop_region", "locale"}
    tokens = adapter.exchange_code(params["code"], params)
    assert tokens.access_token and tokens.refresh_token
    assert tokens.access_expires_at > dt.datetime.now(dt.UTC)
    assert tokens.refresh_expires_at is not None
    assert tokens.refresh_expires_at > tokens.access_expires_at
    assert tokens.extra["shop_cipher"].startswith("ROW_")
    assert tokens.extra["shop_region"] == "VN" and tokens.extra["shop_name"]
    with pytest.raises(errors.PermanentError) as again:
        adapter.exchange_code(params["code"], params)
    assert again.value.code == "36004004"


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
    adapter = adapter_for(server)
    tokens = connect(adapter)
    uri = upload(adapter, tokens, tmp_path)
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
    assert listing.external_id.isdigit()
    assert set(listing.sku_ids) == {"MO-500", "MO-1000"}
    [stored] = sandbox_products(server)
    assert stored["item_id"] == listing.external_id
    assert stored["payload"]["title"] == "Mật ong rừng U Minh Hạ 500ml"
    assert stored["status"] == "ACTIVATE"
    assert stored["skus"]["MO-1000"]["sku_id"] == listing.sku_ids["MO-1000"]

    found = adapter.find_by_sku(tokens, "MO-1000")
    assert found is not None
    assert found.external_id == listing.external_id
    assert found.sku_ids == listing.sku_ids
    assert found.status == "ACTIVATE"

    adapter.update_price_stock(
        tokens, listing, [base.Sku("MO-500", 179000, 0), base.Sku("MO-1000", 340000, 7)]
    )
    skus = sandbox_products(server)[0]["skus"]
    assert skus["MO-500"]["stock"] == 0  # stock 0 really applied
    assert skus["MO-500"]["price"] == 179000
    assert (skus["MO-1000"]["stock"], skus["MO-1000"]["price"]) == (7, 340000)

    adapter.deactivate(tokens, listing)
    assert sandbox_products(server)[0]["status"] == "SELLER_DEACTIVATED"
    assert adapter.find_by_sku(tokens, "MO-500").status == "SELLER_DEACTIVATED"  # type: ignore[union-attr]

    adapter.activate(tokens, listing)
    assert sandbox_products(server)[0]["status"] == "ACTIVATE"


def test_find_by_sku_unknown_is_none(server: core.Server) -> None:
    adapter = adapter_for(server)
    assert adapter.find_by_sku(connect(adapter), "KHONG-CO") is None


def test_unknown_product_is_not_found(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    with pytest.raises(errors.NotFound) as update:
        adapter.update_price_stock(
            tokens, base.RemoteListing("424242", {"X": "1"}), [base.Sku("X", 1000, 1)]
        )
    assert update.value.code == "12052260"
    with pytest.raises(errors.NotFound):
        adapter.deactivate(tokens, base.RemoteListing("424242", {}))


def test_a_sku_id_of_another_product_is_refused_and_nothing_changes(
    server: core.Server, tmp_path: Path
) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    uri = upload(adapter, tokens, tmp_path)
    first = adapter.create_listing(tokens, draft_for(uri, sku="A-1"))
    second = adapter.create_listing(tokens, draft_for(uri, sku="B-1"))
    wrong = base.RemoteListing(first.external_id, {"B-1": second.sku_ids["B-1"]})
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.update_price_stock(tokens, wrong, [base.Sku("B-1", 1000, 0)])
    assert "skus" in caught.value.fields
    assert {p["skus"].get("B-1", {}).get("stock") for p in sandbox_products(server)} == {None, 12}


def test_small_or_broken_images_are_refused(server: core.Server, tmp_path: Path) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    with pytest.raises(errors.ValidationFailed) as small:
        adapter.upload_image(tokens, image_file(tmp_path, size=50, name="nho.jpg"))
    assert set(small.value.fields) == {"images"}
    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"not an image at all")
    with pytest.raises(errors.ValidationFailed) as bad:
        adapter.upload_image(tokens, str(broken))
    assert bad.value.code == "12052304"


def test_a_lost_shop_cipher_is_learnt_again(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    cipher = tokens.extra.pop("shop_cipher")
    assert adapter.find_by_sku(tokens, "A") is None
    assert tokens.extra["shop_cipher"] == cipher


def test_shop_cipher_rules_of_the_gateway(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
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
    adapter = adapter_for(server)
    tokens = connect(adapter)
    fresh = adapter.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.extra["shop_cipher"] == tokens.extra["shop_cipher"]
    assert adapter.find_by_sku(fresh, "A") is None  # the new access token works
    with pytest.raises(errors.AuthExpired) as reused:
        adapter.refresh(tokens)
    assert reused.value.code == "36004005"
    assert sandbox_calls(server)["outcomes"]["refresh_reused"] == 1


def test_expired_access_token_then_refresh(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    expired = requests.post(f"{server.url}/_sandbox/expire-tokens", timeout=5).json()
    assert expired["expired"] >= 1
    with pytest.raises(errors.AuthExpired) as caught:
        adapter.find_by_sku(tokens, "A")
    assert caught.value.code == "105002"
    assert adapter.find_by_sku(adapter.refresh(tokens), "A") is None


def test_unknown_access_token_is_auth_expired(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    tokens.access_token = "made-up"
    with pytest.raises(errors.AuthExpired) as caught:
        adapter.find_by_sku(tokens, "A")
    assert caught.value.code == "105001"


# --- gateway checks ---------------------------------------------------------------


def test_bad_signature_is_refused(server: core.Server) -> None:
    tokens = connect(adapter_for(server))
    wrong = adapter_for(server, app_secret="not-the-secret")
    with pytest.raises(errors.PermanentError) as caught:
        wrong.find_by_sku(tokens, "A")
    assert caught.value.code == "106001"
    assert caught.value.status == 401
    assert sandbox_calls(server)["outcomes"]["bad_signature"] == 1


def test_a_body_changed_after_signing_is_refused(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
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
    tokens = connect(adapter_for(server))
    late = adapter_for(server, clock=lambda: time.time() - core.TIMESTAMP_SKEW - 600)
    with pytest.raises(errors.PermanentError) as caught:
        late.find_by_sku(tokens, "A")
    assert caught.value.code == "36009004"
    assert "timestamp" in caught.value.message


def test_unknown_app_key_is_refused(server: core.Server) -> None:
    tokens = connect(adapter_for(server))
    stranger = adapter_for(server, app_key="abcdef")
    with pytest.raises(errors.PermanentError) as caught:
        stranger.find_by_sku(tokens, "A")
    assert caught.value.code == "36009004"
    assert "app_key" in caught.value.message


def test_sandbox_signature_matches_the_published_vector() -> None:
    params = {"app_key": "29a39d", "timestamp": "1623812664"}
    assert (
        tiktok_sandbox.compute_sign("e59af819cc", "/authorization/202309/shops", params)
        == "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    )


def test_rate_limit_is_http_429_with_retry_after(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    set_faults(server, rate_limit=1)
    with pytest.raises(errors.RateLimited) as caught:
        for _ in range(20):
            adapter.find_by_sku(tokens, "A")
    assert caught.value.status == 429
    assert caught.value.retry_after == 1.0
    assert not isinstance(caught.value, errors.QuotaExceeded)
    assert sandbox_calls(server)["outcomes"]["rate_limited"] >= 1


def test_new_shops_may_create_100_products_a_day_by_default(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    dialect = tiktok_sandbox.TikTokSandbox()
    assert dialect.state.default_quota == tiktok_sandbox.DEFAULT_CREATE_QUOTA == 100
    shop_id = tokens.extra["shop_id"]
    assert shop_id in server.dialect.state.shops
    assert server.dialect.state.shops[shop_id].create_quota == 100


def test_daily_create_quota(start: Callable[..., core.Server], tmp_path: Path) -> None:
    server = start(create_quota=1)
    adapter = adapter_for(server)
    tokens = connect(adapter)
    uri = upload(adapter, tokens, tmp_path)
    adapter.create_listing(tokens, draft_for(uri, sku="A-1"))
    with pytest.raises(errors.QuotaExceeded) as caught:
        adapter.create_listing(tokens, draft_for(uri, sku="A-2"))
    assert caught.value.code == "12052093"
    assert 0 < caught.value.retry_after <= 86401
    assert len(sandbox_products(server)) == 1


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
    adapter = adapter_for(server)
    tokens = connect(adapter)
    uri = upload(adapter, tokens, tmp_path)
    if field is None:
        assert adapter.create_listing(tokens, draft_for(uri, **changes)).external_id
        return
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, draft_for(uri, **changes))
    assert set(caught.value.fields) == {field}
    assert sandbox_products(server) == []


def test_an_image_not_uploaded_to_tiktok_is_refused(server: core.Server) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, draft_for("tos-alisg-i-aphluv4xwc-sg/never-uploaded"))
    assert caught.value.fields.keys() == {"images"}
    assert caught.value.code == "12052722"


def test_several_skus_without_sales_attributes_are_refused(
    server: core.Server, tmp_path: Path
) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    uri = upload(adapter, tokens, tmp_path)
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
    adapter = adapter_for(server)
    tokens = connect(adapter)
    uri = upload(adapter, tokens, tmp_path)
    adapter.create_listing(tokens, draft_for(uri))
    adapter.create_listing(tokens, draft_for(uri))
    assert sandbox_calls(server)["duplicates"] == 1


# --- faults -----------------------------------------------------------------------


def test_injected_server_errors_are_transient(server: core.Server, tmp_path: Path) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    uri = upload(adapter, tokens, tmp_path)
    set_faults(server, error_rate=1.0, seed=7)
    with pytest.raises(errors.TransientError) as read:
        adapter.find_by_sku(tokens, "A")
    assert read.value.status in (500, 503)
    assert read.value.uncertain is False
    with pytest.raises(errors.TransientError) as write:
        adapter.create_listing(tokens, draft_for(uri))
    assert write.value.uncertain is True
    assert sandbox_products(server) == []  # the fault answered before doing anything


def test_lost_reply_after_create_then_find_by_sku(server: core.Server, tmp_path: Path) -> None:
    adapter = adapter_for(server)
    tokens = connect(adapter)
    uri = upload(adapter, tokens, tmp_path)
    set_faults(server, write_504_rate=1.0)
    with pytest.raises(errors.TransientError) as caught:
        adapter.create_listing(tokens, draft_for(uri))
    assert caught.value.uncertain is True
    assert caught.value.status == 504
    [stored] = sandbox_products(server)
    found = adapter.find_by_sku(tokens, "MO-500")
    assert found is not None
    assert found.external_id == stored["item_id"]
    assert found.sku_ids["MO-500"] == stored["skus"]["MO-500"]["sku_id"]
