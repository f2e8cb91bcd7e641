"""Lazada adapter: request signing against independent vectors, request shapes, error mapping."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import shutil
import subprocess
import urllib.parse
from collections.abc import Callable
from typing import Any, cast

import pytest
import requests

from integrations import base, errors, http, lazada, ratelimit
from sandbox import lazada as lazada_sandbox

APP_KEY = "123456"
SECRET = "helloworld"
NOW = 1_700_000_000.5  # a fixed clock (seconds)


class FakeSession:
    """Stands in for requests.Session: records each request, answers canned JSON bodies."""

    def __init__(self, *bodies: dict[str, Any]) -> None:
        self.bodies = list(bodies)
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.calls.append({"method": method, "url": url, **kwargs})
        body = dict(self.bodies.pop(0))
        response = requests.Response()
        response.status_code = int(body.pop("__status__", 200))
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return response


def make_adapter(
    *bodies: dict[str, Any], limiter: ratelimit.TokenBucket | None = None
) -> tuple[lazada.LazadaAdapter, FakeSession]:
    session = FakeSession(*bodies)
    client = http.HttpClient(
        lazada.API_BASE_URL, session=cast(requests.Session, session), limiter=limiter
    )
    adapter = lazada.LazadaAdapter(
        {"app_key": APP_KEY, "app_secret": SECRET}, client=client, clock=lambda: NOW
    )
    return adapter, session


def tokens() -> base.Tokens:
    return base.Tokens(
        "ACCESS-1", "REFRESH-1", dt.datetime(2030, 1, 1, tzinfo=dt.UTC), None, {"seller_id": "9"}
    )


def hand_sign(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode("utf-8"), hashlib.sha256).hexdigest().upper()


# --- signing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sign", [lazada.sign, lazada_sandbox.compute_sign], ids=["adapter", "sandbox"]
)
def test_published_vector_from_the_official_doc(sign: Callable[..., str]) -> None:
    params = {
        "app_key": "123456",
        "access_token": "test",
        "timestamp": "1517820392000",
        "sign_method": "sha256",
        "order_id": "1234",
    }
    assert (
        sign("helloworld", "/order/get", params)
        == "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
    )


def test_sign_param_itself_is_not_signed() -> None:
    params = {"app_key": "1", "timestamp": "2", "sign_method": "sha256"}
    assert lazada.sign("k", "/x", {**params, "sign": "WHATEVER"}) == lazada.sign("k", "/x", params)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_vietnamese_json_payload_matches_openssl() -> None:
    payload = '{"Request":{"Product":{"Attributes":{"name":"Mật ong rừng U Minh Hạ"}}}}'
    params = {
        "payload": payload,
        "app_key": "100200",
        "timestamp": "1700000000000",
        "sign_method": "sha256",
        "access_token": "tok-ạ",
    }
    # The string to sign, written out by hand in ASCII order of the names.
    text = (
        "/product/create"
        "access_token" + "tok-ạ" + "app_key100200" + "payload" + payload + "sign_methodsha256"
        "timestamp1700000000000"
    )
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", "khóa-bí-mật"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    expected = result.stdout.decode().strip().rsplit(" ", 1)[-1].upper()
    assert len(expected) == 64
    assert lazada.sign("khóa-bí-mật", "/product/create", params) == expected


def test_signed_params_carry_ms_timestamp_token_and_a_valid_sign() -> None:
    adapter, _ = make_adapter()
    signed = adapter.signed_params("/products/get", {"filter": "all"}, "ACCESS-1")
    assert signed["timestamp"] == "1700000000500"
    assert signed["sign_method"] == "sha256"
    assert signed["app_key"] == APP_KEY
    assert signed["access_token"] == "ACCESS-1"
    text = (
        "/products/getaccess_tokenACCESS-1app_key123456filterall"
        "sign_methodsha256timestamp1700000000500"
    )
    assert signed["sign"] == hand_sign(SECRET, text)


# --- request shapes ---------------------------------------------------------------


def test_config_defaults_and_secret_field() -> None:
    config = lazada.LazadaAdapter.check_config({"app_key": "1", "app_secret": "s"})
    assert config["api_base_url"] == "https://api.lazada.vn/rest"
    assert config["auth_base_url"] == "https://auth.lazada.com/rest"
    assert config["authorize_url_base"] == "https://auth.lazada.com"
    assert lazada.LazadaAdapter.secret_fields() == frozenset({"app_secret"})
    with pytest.raises(errors.ValidationFailed) as caught:
        lazada.LazadaAdapter.check_config({"app_key": "1"})
    assert "app_secret" in caught.value.fields


def test_authorize_url_carries_client_id_redirect_and_state() -> None:
    adapter, _ = make_adapter()
    url = adapter.authorize_url("https://shop.example.vn/channels/cb?x=1", "st-ä")
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://auth.lazada.com/oauth/authorize"
    )
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert query == {
        "response_type": "code",
        "force_auth": "true",
        "redirect_uri": "https://shop.example.vn/channels/cb?x=1",
        "client_id": APP_KEY,
        "state": "st-ä",
    }


def test_exchange_code_posts_to_the_auth_gateway_and_reads_the_vn_seller() -> None:
    adapter, session = make_adapter(
        {
            "code": "0",
            "access_token": "A",
            "refresh_token": "R",
            "expires_in": 3600,
            "refresh_expires_in": 86400,
            "country": "cb",
            "account": "x@example.vn",
            "country_user_info": [
                {"country": "sg", "seller_id": "1", "user_id": "11", "short_code": "SG1"},
                {"country": "vn", "seller_id": "2", "user_id": "22", "short_code": "VN2"},
            ],
        }
    )
    got = adapter.exchange_code("CODE-1", {"code": "CODE-1", "state": "s"})
    call = session.calls[0]
    assert call["method"] == "POST"
    assert call["url"] == "https://auth.lazada.com/rest/auth/token/create"
    assert call["data"]["code"] == "CODE-1"
    assert "access_token" not in call["data"]
    assert got.access_token == "A" and got.refresh_token == "R"
    assert got.access_expires_at == dt.datetime.fromtimestamp(NOW + 3600, tz=dt.UTC)
    assert got.refresh_expires_at == dt.datetime.fromtimestamp(NOW + 86400, tz=dt.UTC)
    assert got.extra["seller_id"] == "2" and got.extra["short_code"] == "VN2"


def test_create_listing_sends_a_json_payload_with_vietnamese_and_reads_ids() -> None:
    adapter, session = make_adapter(
        {
            "code": "0",
            "data": {
                "item_id": 3069252927,
                "sku_list": [
                    {"seller_sku": "MO-500", "sku_id": 15298395971, "shop_sku": "x"},
                ],
            },
        }
    )
    draft = base.ListingDraft(
        product_code="MO",
        title="Mật ong rừng U Minh Hạ",
        description="Mật ong nguyên chất",
        category_id="10002019",
        skus=(base.Sku("MO-500", price=185000, stock=0),),
        images=(base.ImageRef("/tmp/a.jpg", remote_id="https://vn-live-02.slatic.net/p/a.jpg"),),
        weight_grams=650,
    )
    listing = adapter.create_listing(tokens(), draft)
    assert listing.external_id == "3069252927"
    assert listing.sku_ids == {"MO-500": "15298395971"}
    data = session.calls[0]["data"]
    assert session.calls[0]["url"] == "https://api.lazada.vn/rest/product/create"
    assert data["access_token"] == "ACCESS-1"
    assert "Mật ong rừng" in data["payload"]  # raw UTF-8, not \\u escapes
    product = json.loads(data["payload"])["Request"]["Product"]
    assert product["PrimaryCategory"] == "10002019"
    assert product["Images"]["Image"] == ["https://vn-live-02.slatic.net/p/a.jpg"]
    assert product["Attributes"]["name"] == "Mật ong rừng U Minh Hạ"
    assert product["Attributes"]["brand"] == "No Brand"
    sku = product["Skus"]["Sku"][0]
    assert sku["SellerSku"] == "MO-500"
    assert sku["price"] == "185000"
    assert sku["quantity"] == "0"
    assert sku["package_weight"] == "0.65"
    assert data["sign"] == lazada.sign(SECRET, "/product/create", data)


def test_create_listing_refuses_images_not_on_lazada_without_calling() -> None:
    adapter, session = make_adapter()
    draft = base.ListingDraft(
        "P", "Tên", "", "1", (base.Sku("S", 10000, 1),), images=(base.ImageRef("/tmp/x.jpg"),)
    )
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens(), draft)
    assert "images" in caught.value.fields
    assert session.calls == []


def test_update_price_stock_sends_quantity_zero() -> None:
    adapter, session = make_adapter({"code": "0", "data": {}})
    listing = base.RemoteListing("77", {"A": "701", "B": "702"})
    adapter.update_price_stock(
        tokens(), listing, [base.Sku("A", 120000, 0), base.Sku("B", 99000, 5)]
    )
    rows = json.loads(session.calls[0]["data"]["payload"])["Request"]["Product"]["Skus"]["Sku"]
    assert rows[0] == {
        "ItemId": "77",
        "SellerSku": "A",
        "SkuId": "701",
        "Price": "120000",
        "Quantity": "0",
    }
    assert rows[1]["Quantity"] == "5"


def test_deactivate_sends_item_and_sku_ids_as_api_request_body() -> None:
    adapter, session = make_adapter({"code": "0", "data": {}})
    adapter.deactivate(tokens(), base.RemoteListing("77", {"A": "701", "B": "702"}))
    call = session.calls[0]
    assert call["url"].endswith("/product/deactivate")
    assert call["data"]["apiRequestBody"] == (
        "<Request><Product><ItemId>77</ItemId>"
        "<Skus><SkuId>701</SkuId><SkuId>702</SkuId></Skus></Product></Request>"
    )


def test_activate_uses_update_product_with_active_status() -> None:
    adapter, session = make_adapter({"code": "0", "data": {}})
    adapter.activate(tokens(), base.RemoteListing("77", {"A": "701"}))
    call = session.calls[0]
    assert call["url"].endswith("/product/update")
    product = json.loads(call["data"]["payload"])["Request"]["Product"]
    assert product["ItemId"] == "77"
    assert product["Skus"]["Sku"] == [{"SkuId": "701", "SellerSku": "A", "Status": "active"}]


def test_find_by_sku_gets_with_a_json_list_and_maps_every_sku() -> None:
    adapter, session = make_adapter(
        {
            "code": "0",
            "data": {
                "total_products": 1,
                "products": [
                    {
                        "item_id": 55,
                        "status": "active",
                        "skus": [
                            {"SellerSku": "A", "SkuId": 1, "Url": "https://www.lazada.vn/-i55-s1"},
                            {"SellerSku": "B", "SkuId": 2},
                        ],
                    }
                ],
            },
        },
        {"code": "0", "data": {"total_products": 0, "products": []}},
    )
    found = adapter.find_by_sku(tokens(), "B")
    assert found == base.RemoteListing(
        "55", {"A": "1", "B": "2"}, url="https://www.lazada.vn/-i55-s1", status="active"
    )
    call = session.calls[0]
    assert call["method"] == "GET"
    assert json.loads(call["params"]["sku_seller_list"]) == ["B"]
    assert adapter.find_by_sku(tokens(), "C") is None


def test_in_body_rate_limit_pauses_the_limiter() -> None:
    moments = [100.0]
    bucket = ratelimit.TokenBucket(100, clock=lambda: moments[0], sleep=lambda _s: None)
    adapter, _ = make_adapter(
        {"type": "ISV", "code": "ApiCallLimit", "message": "This ban will last 2 more seconds"},
        limiter=bucket,
    )
    with pytest.raises(errors.RateLimited) as caught:
        adapter.find_by_sku(tokens(), "A")
    assert caught.value.retry_after == 2.0
    assert bucket.reserve() >= 1.9  # the next caller waits out the ban


# --- error mapping ----------------------------------------------------------------


def test_error_mapping_from_canned_bodies() -> None:
    with pytest.raises(errors.AuthExpired) as auth:
        lazada.check({"type": "ISV", "code": "IllegalAccessToken", "message": "expired"})
    assert auth.value.code == "IllegalAccessToken"
    with pytest.raises(errors.AuthExpired):
        lazada.check({"type": "ISV", "code": "IllegalRefreshToken", "message": "used"})
    with pytest.raises(errors.RateLimited) as limited:
        lazada.check({"type": "ISV", "code": "ApiCallLimit", "message": "too many"})
    assert limited.value.retry_after == 1.0 and not isinstance(limited.value, errors.QuotaExceeded)
    with pytest.raises(errors.QuotaExceeded) as quota:
        lazada.check(
            {"type": "ISP", "code": "DailyCreateLimitExceeded", "message": "resets in 600 seconds"}
        )
    assert quota.value.retry_after == 600.0
    with pytest.raises(errors.QuotaExceeded) as midnight:
        # No hint in the message: wait until midnight in Vietnam (GMT+7).
        lazada.check({"code": "DailyCreateLimitExceeded"}, now=17 * 3600.0)
    assert midnight.value.retry_after == 86400.0
    with pytest.raises(errors.NotFound):
        lazada.check({"type": "ISP", "code": "ItemNotFound", "message": "gone"})
    with pytest.raises(errors.TransientError) as system:
        lazada.check({"type": "SYSTEM", "code": "ServiceUnavailable"}, write=True)
    assert system.value.uncertain is True
    with pytest.raises(errors.PermanentError) as signature:
        lazada.check({"type": "ISV", "code": "IncompleteSignature", "message": "bad"})
    assert not isinstance(signature.value, errors.NotFound)
    assert signature.value.code == "IncompleteSignature"
    assert lazada.check({"code": "0", "data": {"x": 1}}) == {"code": "0", "data": {"x": 1}}


def test_detail_list_becomes_fields_in_app_names() -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        lazada.check(
            {
                "type": "ISP",
                "code": "InvalidParameter",
                "message": "invalid",
                "detail": [
                    {"field": "name", "message": "too long"},
                    {"field": "price", "seller_sku": "A-1", "message": "must be > 0"},
                    {"field": "quantity", "seller_sku": "A-1", "message": "negative"},
                    {"field": "SellerSku", "seller_sku": "A-2", "message": "exists"},
                    {"field": "PrimaryCategory", "message": "required"},
                    {"field": "Product", "seller_sku": "A-3", "message": "SELLER_SKU_INVALID"},
                ],
            }
        )
    assert caught.value.fields == {
        "title": ["too long"],
        "skus.A-1.price": ["must be > 0"],
        "skus.A-1.stock": ["negative"],
        "skus.A-2": ["exists"],
        "category_id": ["required"],
        "Product": ["SELLER_SKU_INVALID"],
    }
    assert caught.value.code == "InvalidParameter"


def test_an_http_error_without_a_lazada_code_is_not_taken_for_success() -> None:
    adapter, _ = make_adapter({"__status__": 404, "error": "not_found"})
    with pytest.raises(errors.PermanentError) as caught:
        adapter.find_by_sku(tokens(), "A")
    assert caught.value.status == 404
