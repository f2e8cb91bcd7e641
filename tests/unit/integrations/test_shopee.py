"""Shopee adapter: signatures against independently computed HMACs, request shapes, error mapping.

Signatures are checked against ``openssl dgst -sha256 -hmac`` (the key used as a plain
string, as Shopee's SDKs do), never against the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from integrations import base, errors, http, ratelimit, registry, shopee

PARTNER_ID = "2004571"
PARTNER_KEY = "shpk4a6f5248516b6d7a4e6e61735a4c6f4e6d7a7a4c4b73424c7a46526c6d6f"
TOKEN = "4f4d4c4e6944554d7945727a774e6452"
SHOP_ID = "57360480"
NOW = 1_700_000_000.0


def openssl_hmac(key: str, message: str) -> str:
    """hex(HMAC-SHA256) by the openssl binary, key taken as the string's bytes."""
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", key],
        input=message.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    return out.stdout.decode().strip().split()[-1]


class FakeClient(http.HttpClient):
    """Records what the adapter sends and answers with canned replies."""

    def __init__(self, replies: list[tuple[int, dict[str, Any]]]) -> None:
        self.bucket = ratelimit.TokenBucket(100, clock=lambda: NOW, sleep=lambda s: None)
        super().__init__("https://partner.shopeemobile.com", limiter=self.bucket)
        self.replies = list(replies)
        self.sent: list[dict[str, Any]] = []

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        self.sent.append({"method": method, "path": path, **kwargs})
        status, body = self.replies.pop(0)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        response.headers["Content-Type"] = "application/json"
        return response


def ok(response: Mapping[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    return 200, {"error": "", "message": "", "request_id": "r", "response": dict(response or {})}


def fail(error: str, message: str, status: int = 200) -> tuple[int, dict[str, Any]]:
    return status, {"error": error, "message": message, "request_id": "r"}


def make(
    replies: list[tuple[int, dict[str, Any]]], **config: str
) -> tuple[shopee.ShopeeAdapter, FakeClient]:
    client = FakeClient(replies)
    settings = {"partner_id": PARTNER_ID, "partner_key": PARTNER_KEY, **config}
    return shopee.ShopeeAdapter(settings, client=client, clock=lambda: NOW), client


def tokens() -> base.Tokens:
    soon = dt.datetime.fromtimestamp(NOW + 3600, tz=dt.UTC)
    return base.Tokens(TOKEN, "refresh-1", soon, extra={"shop_id": SHOP_ID})


def draft(*skus: base.Sku, grams: int = 1250) -> base.ListingDraft:
    return base.ListingDraft(
        product_code="NM-TRACO",
        title="Nước mắm Trà Cổ thượng hạng 500ml",
        description="Nước mắm cá cơm truyền thống làng Trà Cổ, Móng Cái.",
        category_id="200010",
        skus=skus or (base.Sku("NM-TRACO-500", 85_000, 12),),
        images=(base.ImageRef("/tmp/a.jpg", "img-1"),),
        weight_grams=grams,
    )


CHANNELS = ok({"logistics_channel_list": [{"logistics_channel_id": 50011, "enabled": True}]})


# --- signatures ----------------------------------------------------------------------------
def test_public_sign_matches_openssl_on_a_published_base_string() -> None:
    # Base string from a public Shopee integration guide: partner 2011285, the authorize
    # path and timestamp 1659992253 give "2011285/api/v2/shop/auth_partner1659992253".
    expected = openssl_hmac(PARTNER_KEY, "2011285/api/v2/shop/auth_partner1659992253")
    got = shopee.sign(PARTNER_KEY, "2011285", "/api/v2/shop/auth_partner", 1659992253)
    assert got == expected
    assert got == got.lower() and len(got) == 64


def test_shop_sign_appends_token_and_shop_and_uses_the_key_as_text() -> None:
    message = f"{PARTNER_ID}/api/v2/product/add_item1700000000{TOKEN}{SHOP_ID}"
    expected = openssl_hmac(PARTNER_KEY, message)
    got = shopee.sign(
        PARTNER_KEY, PARTNER_ID, "/api/v2/product/add_item", 1700000000, TOKEN, SHOP_ID
    )
    assert got == expected
    # The key looks like hex but is not hex-decoded: that would give another MAC.
    hex_key = (
        subprocess.run(
            ["openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + PARTNER_KEY[4:]],
            input=message.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split()[-1]
    )
    assert got != hex_key


def test_authorize_url_is_signed_and_carries_state_in_the_redirect() -> None:
    adapter, _ = make([])
    url = adapter.authorize_url("https://app.example/cb?next=%2Fchannels", "st-Ωx")
    parts = urlsplit(url)
    assert parts.netloc == "partner.shopeemobile.com"
    assert parts.path == "/api/v2/shop/auth_partner"
    query = dict(parse_qsl(parts.query))
    assert query["partner_id"] == PARTNER_ID and query["timestamp"] == "1700000000"
    assert query["sign"] == openssl_hmac(
        PARTNER_KEY, f"{PARTNER_ID}/api/v2/shop/auth_partner1700000000"
    )
    redirect = urlsplit(query["redirect"])
    assert redirect.path == "/cb"
    assert dict(parse_qsl(redirect.query)) == {"next": "/channels", "state": "st-Ωx"}


def test_vietnamese_body_is_raw_utf8_and_not_part_of_the_sign() -> None:
    adapter, client = make([CHANNELS, ok({"item_id": 777})])
    listing = adapter.create_listing(tokens(), draft())
    assert listing.external_id == "777"
    assert listing.sku_ids == {"NM-TRACO-500": "0"}
    add = client.sent[1]
    assert add["path"] == "/api/v2/product/add_item"
    raw: bytes = add["data"]
    assert "Nước mắm Trà Cổ".encode() in raw and b"\\u" not in raw
    params = add["params"]
    message = f"{PARTNER_ID}/api/v2/product/add_item1700000000{TOKEN}{SHOP_ID}"
    assert params["sign"] == openssl_hmac(PARTNER_KEY, message)
    assert params["access_token"] == TOKEN and params["shop_id"] == SHOP_ID
    body = json.loads(raw)
    assert body["weight"] == 1.25
    assert body["category_id"] == 200010
    assert body["item_sku"] == "NM-TRACO-500"
    assert body["original_price"] == 85_000
    assert body["seller_stock"] == [{"stock": 12}]
    assert body["image"] == {"image_id_list": ["img-1"]}
    assert body["logistic_info"] == [{"logistic_id": 50011, "enabled": True}]


def test_token_calls_are_public_signed_with_numeric_ids() -> None:
    adapter, client = make(
        [
            (200, {"error": "", "access_token": "a1", "refresh_token": "r1", "expire_in": 14400}),
            (200, {"error": "", "message": "", "shop_name": "Trà Cổ Official", "region": "VN"}),
        ]
    )
    got = adapter.exchange_code("code-1", {"code": "code-1", "shop_id": SHOP_ID, "state": "s"})
    sent = client.sent[0]
    assert sent["path"] == "/api/v2/auth/token/get"
    assert "access_token" not in sent["params"]
    assert sent["params"]["sign"] == openssl_hmac(
        PARTNER_KEY, f"{PARTNER_ID}/api/v2/auth/token/get1700000000"
    )
    assert json.loads(sent["data"]) == {
        "code": "code-1",
        "shop_id": int(SHOP_ID),
        "partner_id": int(PARTNER_ID),
    }
    assert got.access_token == "a1"
    assert got.extra == {"shop_id": SHOP_ID, "shop_name": "Trà Cổ Official"}
    assert got.access_expires_at.timestamp() == NOW + 14400
    # The shop's name is read with the new token (a shop-level signed call).
    info = client.sent[1]
    assert info["path"] == "/api/v2/shop/get_shop_info" and info["method"] == "GET"
    assert info["params"]["access_token"] == "a1" and info["params"]["shop_id"] == SHOP_ID


def test_a_shop_name_shopee_will_not_give_does_not_stop_the_connect() -> None:
    adapter, _client = make(
        [
            (200, {"error": "", "access_token": "a1", "refresh_token": "r1", "expire_in": 14400}),
            fail("error_permission", "no permission to shop info"),
        ]
    )
    got = adapter.exchange_code("code-1", {"code": "code-1", "shop_id": SHOP_ID})
    assert got.access_token == "a1" and "shop_name" not in got.extra


# --- request shapes --------------------------------------------------------------------------
def test_update_single_sku_leaves_model_id_out_and_sends_stock_zero() -> None:
    adapter, client = make([ok({"failure_list": []}), ok({"failure_list": []})])
    listing = base.RemoteListing("777", {"NM-TRACO-500": "0"})
    adapter.update_price_stock(tokens(), listing, [base.Sku("NM-TRACO-500", 90_000, 0)])
    price, stock = (json.loads(s["data"]) for s in client.sent)
    assert price == {"item_id": 777, "price_list": [{"original_price": 90_000}]}
    assert stock == {"item_id": 777, "stock_list": [{"seller_stock": [{"stock": 0}]}]}


def test_update_models_uses_model_ids() -> None:
    adapter, client = make([ok(), ok()])
    listing = base.RemoteListing("777", {"A": "11", "B": "12"})
    adapter.update_price_stock(
        tokens(), listing, [base.Sku("A", 50_000, 0), base.Sku("B", 60_000, 3)]
    )
    price, stock = (json.loads(s["data"]) for s in client.sent)
    assert price["price_list"] == [
        {"model_id": 11, "original_price": 50_000},
        {"model_id": 12, "original_price": 60_000},
    ]
    assert stock["stock_list"][0] == {"model_id": 11, "seller_stock": [{"stock": 0}]}


def test_update_failure_list_names_the_sku() -> None:
    adapter, _ = make([ok({"failure_list": [{"model_id": 12, "failed_reason": "price too low"}]})])
    listing = base.RemoteListing("777", {"A": "11", "B": "12"})
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.update_price_stock(tokens(), listing, [base.Sku("B", 1, 3)])
    assert caught.value.fields == {"skus.B.price": ["price too low"]}


def test_unknown_sku_is_not_found_before_any_call() -> None:
    adapter, client = make([])
    with pytest.raises(errors.NotFound):
        adapter.update_price_stock(
            tokens(), base.RemoteListing("777", {"A": "0"}), [base.Sku("Z", 1, 1)]
        )
    assert client.sent == []


def test_multi_sku_create_adds_one_tier_of_models() -> None:
    models = ok(
        {
            "model": [
                {"model_id": 11, "model_sku": "A", "tier_index": [0]},
                {"model_id": 12, "model_sku": "B", "tier_index": [1]},
            ]
        }
    )
    adapter, client = make([CHANNELS, ok({"item_id": 777}), models])
    listing = adapter.create_listing(
        tokens(),
        draft(base.Sku("A", 50_000, 2, "Chai 250ml"), base.Sku("B", 90_000, 0, "Chai 500ml")),
    )
    assert listing.sku_ids == {"A": "11", "B": "12"}
    add = json.loads(client.sent[1]["data"])
    assert add["item_sku"] == "A" and add["original_price"] == 50_000
    tiers = json.loads(client.sent[2]["data"])
    assert tiers["tier_variation"][0]["option_list"] == [
        {"option": "Chai 250ml"},
        {"option": "Chai 500ml"},
    ]
    assert tiers["model"][1] == {
        "tier_index": [1],
        "model_sku": "B",
        "original_price": 90_000,
        "seller_stock": [{"stock": 0}],
    }


def test_failed_variations_keep_the_item_for_complete_listing_to_finish() -> None:
    adapter, client = make(
        [CHANNELS, ok({"item_id": 777}), fail("error_server", "busy", status=200)]
    )
    with pytest.raises(errors.TransientError):
        adapter.create_listing(tokens(), draft(base.Sku("A", 5_000, 1), base.Sku("B", 6_000, 1)))
    assert [sent["path"] for sent in client.sent][-1] == "/api/v2/product/init_tier_variation"
    assert all(sent["path"] != "/api/v2/product/delete_item" for sent in client.sent)


def test_find_by_sku_keeps_only_an_exact_match() -> None:
    adapter, client = make(
        [
            ok({"item_id_list": [5, 6]}),
            ok({"item_list": [{"item_id": 5, "item_sku": "ABC-1", "has_model": False}]}),
            ok({"item_list": [{"item_id": 6, "item_sku": "ABC", "has_model": False}]}),
        ]
    )
    found = adapter.find_by_sku(tokens(), "ABC")
    assert found is not None and found.external_id == "6"
    assert found.sku_ids == {"ABC": "0"}
    search = client.sent[0]["params"]
    assert search["item_sku"] == "ABC" and "UNLIST" in search["item_status"]


# --- error mapping ---------------------------------------------------------------------------
def test_rate_limit_in_body_is_rate_limited_and_pauses_the_limiter() -> None:
    adapter, client = make([fail("error_rate_limit", "Too many requests")])
    with pytest.raises(errors.RateLimited) as caught:
        adapter.find_by_sku(tokens(), "X")
    assert caught.value.retry_after == 1.0
    assert caught.value.code == "error_rate_limit"
    assert client.bucket.reserve() >= 1.0


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (fail("invalid_acceess_token", "Invalid access_token.", 403), errors.AuthExpired),
        (fail("error_sign", "Wrong sign.", 403), errors.PermanentError),
        (fail("error_param", "Invalid timestamp.", 403), errors.PermanentError),
        (fail("error_item_not_found", "Item 9 does not exist."), errors.NotFound),
        (fail("error_server", "Something wrong."), errors.TransientError),
        (fail("error_auth", "no permission for this shop", 403), errors.PermanentError),
    ],
)
def test_error_codes_map_to_types(
    reply: tuple[int, dict[str, Any]], kind: type[errors.ChannelError]
) -> None:
    adapter, _ = make([reply])
    with pytest.raises(kind) as caught:
        adapter.find_by_sku(tokens(), "X")
    assert type(caught.value) is kind
    assert caught.value.code == reply[1]["error"]


def test_server_error_on_a_write_is_uncertain() -> None:
    adapter, _ = make([CHANNELS, fail("error_server", "Something wrong.")])
    with pytest.raises(errors.TransientError) as caught:
        adapter.create_listing(tokens(), draft())
    assert caught.value.uncertain is True


def test_quota_error_carries_the_wait() -> None:
    adapter, _ = make(
        [CHANNELS, fail("error_daily_item_limit", "Daily limit reached; retry after 3600 seconds.")]
    )
    with pytest.raises(errors.QuotaExceeded) as caught:
        adapter.create_listing(tokens(), draft())
    assert caught.value.retry_after == 3600


def test_content_error_becomes_per_field_messages() -> None:
    message = "item_name: must be at most 120 characters; original_price: must be greater than 0"
    adapter, _ = make([CHANNELS, fail("error_param", message)])
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens(), draft())
    assert caught.value.fields == {
        "title": ["must be at most 120 characters"],
        "skus.NM-TRACO-500.price": ["must be greater than 0"],
    }


def test_free_text_content_error_is_kept_whole() -> None:
    adapter, _ = make([CHANNELS, fail("error_param", "Invalid brand for this category.")])
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens(), draft())
    assert caught.value.fields == {"listing": ["Invalid brand for this category."]}


def test_refresh_refusal_is_auth_expired_but_bad_sign_is_not() -> None:
    adapter, _ = make([fail("error_auth", "Invalid refresh_token.", 403)])
    with pytest.raises(errors.AuthExpired):
        adapter.refresh(tokens())
    adapter, _ = make([fail("error_sign", "Wrong sign.", 403)])
    with pytest.raises(errors.PermanentError):
        adapter.refresh(tokens())


def test_images_without_remote_id_are_refused_before_sending() -> None:
    adapter, client = make([])
    unsent = base.ListingDraft(
        "P", "T", "D", "200010", (base.Sku("S", 10_000, 1),), (base.ImageRef("/x.jpg"),)
    )
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens(), unsent)
    assert "images" in caught.value.fields and client.sent == []


# --- config and registry ---------------------------------------------------------------------
def test_config_is_checked_and_secret_marked() -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        shopee.ShopeeAdapter({"partner_id": "abc", "partner_key": "k", "logistic_ids": "1,x"})
    assert set(caught.value.fields) == {"partner_id", "logistic_ids"}
    assert shopee.ShopeeAdapter.secret_fields() == frozenset({"partner_key"})
    adapter = shopee.ShopeeAdapter({"partner_id": "1", "partner_key": "k"})
    assert adapter.config["api_base_url"] == "https://partner.shopeemobile.com/api/v2"
    assert registry.get("shopee") is shopee.ShopeeAdapter


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.shopeemobile.com",
        "https://partner.shopeemobile.com/",
        "https://partner.shopeemobile.com/api/v2",
        "https://partner.shopeemobile.com/api/v2/",
    ],
)
def test_base_url_may_be_given_with_or_without_api_v2(url: str) -> None:
    adapter, _ = make([], api_base_url=url)
    query = dict(parse_qsl(urlsplit(adapter.authorize_url("https://a.example/cb", "s")).query))
    assert adapter.authorize_url("https://a.example/cb", "s").startswith(
        "https://partner.shopeemobile.com/api/v2/shop/auth_partner?"
    )
    assert query["sign"] == openssl_hmac(
        PARTNER_KEY, f"{PARTNER_ID}/api/v2/shop/auth_partner1700000000"
    )


def test_shipping_channels_are_fetched_once_per_shop_not_per_item() -> None:
    adapter, client = make([CHANNELS, ok({"item_id": 1}), ok({"item_id": 2})])
    adapter.create_listing(tokens(), draft(base.Sku("A", 5_000, 1)))
    adapter.create_listing(tokens(), draft(base.Sku("B", 5_000, 1)))
    paths = [sent["path"] for sent in client.sent]
    assert paths.count("/api/v2/logistics/get_channel_list") == 1
    assert paths.count("/api/v2/product/add_item") == 2
