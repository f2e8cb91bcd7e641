"""The Shopee adapter against the Shopee sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from integrations import base, errors, shopee
from sandbox import core
from sandbox import shopee as shopee_sandbox

REDIRECT = "http://app.test/channels/shopee/callback?account=7"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


@pytest.fixture(scope="module")
def running(request: pytest.FixtureRequest) -> core.Server:
    srv = core.Server(shopee_sandbox.ShopeeSandbox()).start()
    request.addfinalizer(srv.stop)
    return srv


@pytest.fixture
def server(running: core.Server) -> core.Server:
    """The module's sandbox, emptied: no shops, tokens, products, faults or rate limit."""
    admin(running, "reset", {})
    admin(running, "faults", {"rate_limit": 0})
    return running


def config(srv: core.Server, **overrides: str) -> dict[str, str]:
    return {
        "partner_id": shopee_sandbox.DEMO_PARTNER_ID,
        "partner_key": shopee_sandbox.DEMO_PARTNER_KEY,
        "api_base_url": srv.url,
        "requests_per_second": "1000",
        **overrides,
    }


@pytest.fixture
def adapter(server: core.Server) -> shopee.ShopeeAdapter:
    return shopee.ShopeeAdapter(config(server))


def admin(srv: core.Server, action: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        response = requests.get(f"{srv.url}/_sandbox/{action}", timeout=5)
    else:
        response = requests.post(f"{srv.url}/_sandbox/{action}", json=body, timeout=5)
    response.raise_for_status()
    return response.json()


def products(srv: core.Server) -> dict[str, dict[str, Any]]:
    return {p["item_id"]: p for p in admin(srv, "products")}


def connect(adapter: shopee.ShopeeAdapter, state: str = "st-123") -> base.Tokens:
    """Consent page → approve → callback → tokens, the way a browser and the app do it."""
    url = adapter.authorize_url(REDIRECT, state)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert "id='approve'" in page.text
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
    approved = requests.post(url, data=fields, allow_redirects=False, timeout=5)
    assert approved.status_code == 302
    location = urlsplit(approved.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT.split("?")[0]
    params = dict(parse_qsl(location.query))
    assert params["state"] == state and params["account"] == "7"
    tokens = adapter.exchange_code(params["code"], params)
    assert tokens.extra["shop_id"] == params["shop_id"]
    return tokens


@pytest.fixture
def tokens(adapter: shopee.ShopeeAdapter) -> base.Tokens:
    return connect(adapter)


@pytest.fixture
def image_id(adapter: shopee.ShopeeAdapter, tokens: base.Tokens, tmp_path: Path) -> str:
    photo = tmp_path / "nuoc-mam.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00JFIF" + bytes(range(256)) * 8)
    return adapter.upload_image(tokens, str(photo))


def draft(
    image_id: str, *skus: base.Sku, title: str = "Nước mắm Trà Cổ 500ml"
) -> base.ListingDraft:
    return base.ListingDraft(
        product_code="NM-TRACO",
        title=title,
        description="Nước mắm cá cơm truyền thống làng Trà Cổ, đạt OCOP 4 sao.",
        category_id="200010",
        skus=skus or (base.Sku("NM-TRACO-500", 85_000, 12),),
        images=(base.ImageRef("/photos/1.jpg", image_id),),
        weight_grams=650,
    )


# --- the happy path ------------------------------------------------------------------------
def test_connect_create_find_update_and_toggle(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens, image_id: str
) -> None:
    created = adapter.create_listing(tokens, draft(image_id))
    assert created.sku_ids == {"NM-TRACO-500": "0"}
    stored = products(server)[created.external_id]
    assert stored["payload"]["weight"] == 0.65
    assert stored["payload"]["item_name"] == "Nước mắm Trà Cổ 500ml"

    found = adapter.find_by_sku(tokens, "NM-TRACO-500")
    assert found is not None
    assert (found.external_id, dict(found.sku_ids)) == (created.external_id, created.sku_ids)
    assert adapter.find_by_sku(tokens, "KHONG-CO") is None

    adapter.update_price_stock(tokens, created, [base.Sku("NM-TRACO-500", 92_000, 0)])
    sku = products(server)[created.external_id]["skus"]["NM-TRACO-500"]
    assert (sku["price"], sku["stock"]) == (92_000, 0)

    adapter.deactivate(tokens, created)
    assert products(server)[created.external_id]["status"] == "UNLIST"
    unlisted = adapter.find_by_sku(tokens, "NM-TRACO-500")
    assert unlisted is not None and unlisted.status == "UNLIST"
    adapter.activate(tokens, created)
    assert products(server)[created.external_id]["status"] == "NORMAL"
    assert admin(server, "calls")["duplicates"] == 0


def test_categories_come_from_the_shop(server: core.Server, tokens: base.Tokens) -> None:
    # The documented base URL spelling (with /api/v2) works as well as the bare host.
    spelled = shopee.ShopeeAdapter(config(server, api_base_url=f"{server.url}/api/v2/"))
    categories = {c.id: c for c in spelled.list_categories(tokens)}
    assert categories["200010"].leaf and categories["200010"].parent_id == "200001"
    assert not categories["200001"].leaf


def test_several_skus_become_models(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens, image_id: str
) -> None:
    skus = (
        base.Sku("NM-250", 50_000, 4, "Chai 250ml"),
        base.Sku("NM-500", 85_000, 9, "Chai 500ml"),
    )
    created = adapter.create_listing(tokens, draft(image_id, *skus))
    assert set(created.sku_ids) == {"NM-250", "NM-500"}
    assert len(set(created.sku_ids.values())) == 2 and "0" not in created.sku_ids.values()

    found = adapter.find_by_sku(tokens, "NM-500")
    assert found is not None and found.external_id == created.external_id
    assert dict(found.sku_ids) == dict(created.sku_ids)

    adapter.update_price_stock(
        tokens, created, [base.Sku("NM-250", 55_000, 0), base.Sku("NM-500", 88_000, 7)]
    )
    stored = products(server)[created.external_id]["skus"]
    assert (stored["NM-250"]["price"], stored["NM-250"]["stock"]) == (55_000, 0)
    assert (stored["NM-500"]["price"], stored["NM-500"]["stock"]) == (88_000, 7)


def test_bad_model_price_is_named_and_nothing_is_created(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens, image_id: str
) -> None:
    skus = (base.Sku("NM-250", 50_000, 4), base.Sku("NM-500", 0, 9))
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, draft(image_id, *skus))
    assert "skus.NM-500.price" in caught.value.fields
    assert products(server) == {}


def test_interrupted_variations_are_completed_on_the_same_item(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens, image_id: str
) -> None:
    bad = (base.Sku("NM-250", 50_000, 4), base.Sku("NM-500", 85_000, -1))
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, draft(image_id, *bad))
    assert "skus.NM-500.stock" in caught.value.fields
    half = adapter.find_by_sku(tokens, "NM-250")
    assert half is not None and half.sku_ids == {"NM-250": "0"}
    good = draft(image_id, base.Sku("NM-250", 50_000, 4), base.Sku("NM-500", 85_000, 0))
    done = adapter.complete_listing(tokens, half, good)
    assert done.external_id == half.external_id and set(done.sku_ids) == {"NM-250", "NM-500"}
    (stored,) = products(server).values()
    assert stored["status"] != "DELETED"


# --- auth ------------------------------------------------------------------------------------
def test_consent_page_checks_its_sign(server: core.Server, adapter: shopee.ShopeeAdapter) -> None:
    url = adapter.authorize_url(REDIRECT, "s")
    tampered = re.sub(r"sign=([0-9a-f])", lambda m: "sign=" + ("0" if m[1] != "0" else "1"), url)
    refused = requests.get(tampered, timeout=5)
    assert refused.status_code == 403 and refused.json()["error"] == "error_sign"
    late = shopee.ShopeeAdapter(config(server), clock=lambda: time.time() - 3600)
    refused = requests.get(late.authorize_url(REDIRECT, "s"), timeout=5)
    assert refused.status_code == 403 and "timestamp" in refused.json()["message"]


def test_code_is_single_use(adapter: shopee.ShopeeAdapter) -> None:
    url = adapter.authorize_url(REDIRECT, "s")
    page = requests.get(url, timeout=5).text
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page)}
    location = requests.post(url, data=fields, allow_redirects=False, timeout=5).headers["Location"]
    params = dict(parse_qsl(urlsplit(location).query))
    adapter.exchange_code(params["code"], params)
    with pytest.raises(errors.PermanentError):
        adapter.exchange_code(params["code"], params)


def test_refresh_token_is_single_use(adapter: shopee.ShopeeAdapter, tokens: base.Tokens) -> None:
    fresh = adapter.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token != tokens.refresh_token
    assert fresh.extra["shop_id"] == tokens.extra["shop_id"]
    assert adapter.find_by_sku(fresh, "NM-TRACO-500") is None  # the new token works
    with pytest.raises(errors.AuthExpired) as caught:
        adapter.refresh(tokens)
    assert caught.value.code == "error_auth"
    assert adapter.refresh(fresh).access_token  # the newest one still refreshes once


def test_expired_access_token_is_auth_expired(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens
) -> None:
    assert admin(server, "expire-tokens", {})["expired"] >= 1
    with pytest.raises(errors.AuthExpired) as caught:
        adapter.find_by_sku(tokens, "NM-TRACO-500")
    assert caught.value.code == "invalid_acceess_token"
    assert adapter.find_by_sku(adapter.refresh(tokens), "NM-TRACO-500") is None


def test_bad_signature_is_refused(server: core.Server, tokens: base.Tokens) -> None:
    wrong = shopee.ShopeeAdapter(config(server, partner_key="shpk-not-the-key"))
    with pytest.raises(errors.PermanentError) as caught:
        wrong.find_by_sku(tokens, "NM-TRACO-500")
    assert caught.value.code == "error_sign"


def test_skewed_timestamp_is_refused(
    server: core.Server, tokens: base.Tokens, image_id: str
) -> None:
    late = shopee.ShopeeAdapter(config(server), clock=lambda: time.time() - 3600)
    with pytest.raises(errors.PermanentError) as caught:
        late.create_listing(tokens, draft(image_id))
    assert "timestamp" in caught.value.message
    assert products(server) == {}


# --- limits, validation, faults --------------------------------------------------------------
def test_rate_limit_in_body_is_rate_limited(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens
) -> None:
    admin(server, "faults", {"rate_limit": 2})
    with pytest.raises(errors.RateLimited) as caught:
        for _ in range(30):
            adapter.find_by_sku(tokens, "NM-TRACO-500")
    assert caught.value.code == "error_rate_limit"
    assert caught.value.retry_after >= 1
    assert admin(server, "calls")["outcomes"]["rate_limited"] >= 1


def test_daily_quota_is_quota_exceeded(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens, image_id: str
) -> None:
    admin(server, "shops", {"shop_id": tokens.extra["shop_id"], "create_quota": 1})
    adapter.create_listing(tokens, draft(image_id))
    with pytest.raises(errors.QuotaExceeded) as caught:
        adapter.create_listing(tokens, draft(image_id, base.Sku("NM-TRACO-1L", 150_000, 3)))
    assert 0 < caught.value.retry_after <= 86401
    assert len(products(server)) == 1


def test_content_problems_come_back_per_field(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens
) -> None:
    bad = draft("never-uploaded", base.Sku("NM-TRACO-500", 0, 5), title="Nước mắm " * 20)
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens, bad)
    fields = caught.value.fields
    assert {"title", "images", "skus.NM-TRACO-500.price"} <= set(fields)
    assert "never-uploaded" in fields["images"][0]
    assert products(server) == {}


def test_disabled_shipping_channel_is_a_field_problem(
    server: core.Server, tokens: base.Tokens, image_id: str
) -> None:
    pinned = shopee.ShopeeAdapter(config(server, logistic_ids="50012"))
    with pytest.raises(errors.ValidationFailed) as caught:
        pinned.create_listing(tokens, draft(image_id))
    assert "logistic_info" in caught.value.fields


def test_non_image_upload_is_refused(
    adapter: shopee.ShopeeAdapter, tokens: base.Tokens, tmp_path: Path
) -> None:
    text = tmp_path / "note.jpg"
    text.write_text("không phải ảnh")
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.upload_image(tokens, str(text))
    assert "images" in caught.value.fields


def test_unknown_item_is_not_found(adapter: shopee.ShopeeAdapter, tokens: base.Tokens) -> None:
    ghost = base.RemoteListing("999999", {"NM-TRACO-500": "0"})
    with pytest.raises(errors.NotFound):
        adapter.update_price_stock(tokens, ghost, [base.Sku("NM-TRACO-500", 1_000, 1)])
    with pytest.raises(errors.NotFound):
        adapter.deactivate(tokens, ghost)


def test_injected_server_error_is_transient(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens
) -> None:
    admin(server, "faults", {"error_rate": 1, "seed": 4})
    with pytest.raises(errors.TransientError) as caught:
        adapter.find_by_sku(tokens, "NM-TRACO-500")
    assert caught.value.status in (500, 503)
    assert caught.value.uncertain is False


def test_lost_reply_after_create_is_uncertain_and_then_found(
    server: core.Server, adapter: shopee.ShopeeAdapter, tokens: base.Tokens, image_id: str
) -> None:
    admin(server, "faults", {"write_504_rate": 1})
    with pytest.raises(errors.TransientError) as caught:
        adapter.create_listing(tokens, draft(image_id))
    assert caught.value.uncertain is True and caught.value.status == 504
    admin(server, "faults", {})
    found = adapter.find_by_sku(tokens, "NM-TRACO-500")
    assert found is not None
    assert list(products(server)) == [found.external_id]
