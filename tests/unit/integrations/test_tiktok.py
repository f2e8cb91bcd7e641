"""TikTok Shop adapter: signing against independent vectors, request shapes, error mapping."""

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

from integrations import api, base, errors, http, ratelimit, tiktok
from sandbox import tiktok as tiktok_sandbox

APP_KEY = "29a39d"
SECRET = "e59af819cc"
NOW = 1_700_000_000.7  # a fixed clock (seconds)
CIPHER = "ROW_abc123"


class FakeSession:
    """Stands in for requests.Session: records each request, answers canned JSON bodies.

    A body may carry ``__status__`` and ``__headers__``; an exception instance is raised.
    """

    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.calls.append({"method": method, "url": url, **kwargs})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        body = dict(answer)
        response = requests.Response()
        response.status_code = int(body.pop("__status__", 200))
        response.headers.update(body.pop("__headers__", {}))
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return response


def make_adapter(
    *answers: dict[str, Any] | Exception,
    limiter: ratelimit.TokenBucket | None = None,
    **config: str,
) -> tuple[tiktok.TikTokAdapter, FakeSession]:
    session = FakeSession(*answers)
    client = http.HttpClient(
        tiktok.API_BASE_URL, session=cast(requests.Session, session), limiter=limiter
    )
    adapter = tiktok.TikTokAdapter(
        {"app_key": APP_KEY, "app_secret": SECRET, **config}, client=client, clock=lambda: NOW
    )
    return adapter, session


def tokens(**extra: str) -> base.Tokens:
    return base.Tokens(
        "ACCESS-1",
        "REFRESH-1",
        dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        None,
        {"shop_id": "7", "shop_cipher": CIPHER, **extra},
    )


def hand_sign(secret: str, text: bytes) -> str:
    """HMAC-SHA256 of ``secret + text + secret`` keyed with the secret (written out here)."""
    key = secret.encode("utf-8")
    return hmac.new(key, key + text + key, hashlib.sha256).hexdigest()


def query_of(call: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in call["params"].items()}


def ok(data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": 0, "message": "Success", "request_id": "R1", "data": data or {}}


def draft(**changes: Any) -> base.ListingDraft:
    values: dict[str, Any] = {
        "product_code": "MO",
        "title": "Mật ong rừng U Minh Hạ",
        "description": "Mật ong nguyên chất.\nSản phẩm OCOP 4 sao & hơn thế",
        "category_id": "600001",
        "skus": (base.Sku("MO-500", price=185000, stock=12),),
        "images": (base.ImageRef("a.jpg", remote_id="tos-alisg-i-x/1"),),
        "weight_grams": 650,
    }
    values.update(changes)
    return base.ListingDraft(**values)


# --- signing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sign", [tiktok.sign, tiktok_sandbox.compute_sign], ids=["adapter", "sandbox"]
)
def test_published_vector_from_the_official_doc(sign: Callable[..., str]) -> None:
    params = {"app_key": "29a39d", "timestamp": "1623812664"}
    assert (
        sign("e59af819cc", "/authorization/202309/shops", params)
        == "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    )


def test_vector_from_the_ecomphp_client_tests() -> None:
    # EcomPHP/tiktokshop-php tests/ClientTest.php::testPrepareSignature (GET, no body).
    assert (
        tiktok.sign("app_secret", "/test-api", {"foo": "bar"})
        == "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"
    )


def test_sign_and_access_tokens_are_left_out() -> None:
    params = {"app_key": "1", "timestamp": "2"}
    plain = tiktok.sign("k", "/x", params)
    assert tiktok.sign("k", "/x", {**params, "sign": "S", "access_token": "A"}) == plain
    assert tiktok.sign("k", "/x", {**params, "x-tts-access-token": "A"}) == plain
    assert tiktok.sign("k", "/x", {**params, "shop_cipher": "C"}) != plain


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_vietnamese_json_body_matches_openssl() -> None:
    body = tiktok.json_body({"title": "Mật ong rừng U Minh Hạ", "category_id": "600001"})
    assert "Mật ong".encode() in body  # raw UTF-8, not \\u escapes
    params = {"timestamp": "1700000000", "app_key": "38abcd", "shop_cipher": "GCP_XF90ig"}
    secret = "khóa-bí-mật"
    # The string to sign, written out by hand: names in ASCII order, then the body bytes.
    text = (
        (
            secret + "/product/202309/productsapp_key38abcdshop_cipherGCP_XF90igtimestamp1700000000"
        ).encode()
        + body
        + secret.encode()
    )
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret],
        input=text,
        capture_output=True,
        check=True,
    )
    expected = result.stdout.decode().strip().rsplit(" ", 1)[-1]
    assert len(expected) == 64
    assert tiktok.sign(secret, "/product/202309/products", params, body) == expected


def test_escaped_json_would_sign_differently() -> None:
    params = {"app_key": "1", "timestamp": "2"}
    raw = tiktok.json_body({"title": "Mật"})
    escaped = json.dumps({"title": "Mật"}, separators=(",", ":")).encode()
    assert raw != escaped
    assert tiktok.sign("k", "/p", params, raw) != tiktok.sign("k", "/p", params, escaped)


# --- request shapes ---------------------------------------------------------------


def test_config_defaults_and_secret_field() -> None:
    config = tiktok.TikTokAdapter.check_config({"app_key": "1", "app_secret": "s"})
    assert config["api_base_url"] == "https://open-api.tiktokglobalshop.com"
    assert config["auth_base_url"] == "https://auth.tiktok-shops.com"
    assert config["authorize_url_base"] == "https://services.tiktokshop.com"
    assert config["requests_per_second"] == "10"
    assert tiktok.TikTokAdapter.secret_fields() == frozenset({"app_secret"})
    with pytest.raises(errors.ValidationFailed) as caught:
        tiktok.TikTokAdapter.check_config({"app_key": "1"})
    assert "app_secret" in caught.value.fields


def test_authorize_url_carries_service_id_state_and_redirect() -> None:
    adapter, _ = make_adapter(service_id="7311")
    url = adapter.authorize_url("https://shop.example.vn/channels/cb?x=1", "st-ä")
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://services.tiktokshop.com/open/authorize"
    )
    assert dict(urllib.parse.parse_qsl(parts.query)) == {
        "service_id": "7311",
        "state": "st-ä",
        "redirect_uri": "https://shop.example.vn/channels/cb?x=1",
    }
    no_service, _ = make_adapter()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(no_service.authorize_url("r", "s")).query)
    assert query["service_id"] == [APP_KEY]


def test_exchange_code_gets_tokens_then_learns_the_shop_cipher() -> None:
    adapter, session = make_adapter(
        ok(
            {
                "access_token": "TTP_A",
                "access_token_expire_in": 1_700_600_000,
                "refresh_token": "TTP_R",
                "refresh_token_expire_in": 1_731_000_000,
                "open_id": "701",
                "seller_name": "Hợp tác xã",
                "seller_base_region": "VN",
            }
        ),
        ok(
            {
                "shops": [
                    {"id": "1", "name": "SG shop", "region": "SG", "cipher": "ROW_sg"},
                    {"id": "2", "name": "Shop Việt", "region": "VN", "cipher": "ROW_vn"},
                ]
            }
        ),
    )
    got = adapter.exchange_code("CODE-1", {"code": "CODE-1", "state": "s", "shop_region": "VN"})
    token_call, shops_call = session.calls
    assert token_call["method"] == "GET"
    assert token_call["url"] == "https://auth.tiktok-shops.com/api/v2/token/get"
    assert token_call["params"] == {
        "app_key": APP_KEY,
        "app_secret": SECRET,
        "auth_code": "CODE-1",
        "grant_type": "authorized_code",
    }
    assert shops_call["url"] == "https://open-api.tiktokglobalshop.com/authorization/202309/shops"
    assert "shop_cipher" not in shops_call["params"]
    assert shops_call["headers"]["x-tts-access-token"] == "TTP_A"
    assert got.access_token == "TTP_A" and got.refresh_token == "TTP_R"
    # The expiries are Unix timestamps, not lifetimes.
    assert got.access_expires_at == dt.datetime.fromtimestamp(1_700_600_000, tz=dt.UTC)
    assert got.refresh_expires_at == dt.datetime.fromtimestamp(1_731_000_000, tz=dt.UTC)
    assert got.extra["shop_cipher"] == "ROW_vn" and got.extra["shop_id"] == "2"
    assert got.extra["shop_name"] == "Shop Việt" and got.extra["open_id"] == "701"


def test_refresh_keeps_the_shop_and_reads_new_expiries() -> None:
    adapter, session = make_adapter(
        ok(
            {
                "access_token": "A2",
                "access_token_expire_in": 1_700_700_000,
                "refresh_token": "R2",
                "refresh_token_expire_in": 1_731_000_000,
            }
        )
    )
    fresh = adapter.refresh(tokens())
    (call,) = session.calls
    assert call["url"] == "https://auth.tiktok-shops.com/api/v2/token/refresh"
    assert call["params"]["grant_type"] == "refresh_token"
    assert call["params"]["refresh_token"] == "REFRESH-1"
    assert fresh.access_token == "A2" and fresh.refresh_token == "R2"
    assert fresh.extra["shop_cipher"] == CIPHER
    assert fresh.access_expires_at.tzinfo is not None


def test_a_lifetime_instead_of_a_timestamp_is_still_read_right() -> None:
    adapter, _ = make_adapter(ok({"access_token": "A", "access_token_expire_in": 3600}))
    got = adapter.refresh(tokens())
    assert got.access_expires_at == dt.datetime.fromtimestamp(NOW + 3600, tz=dt.UTC)
    assert got.refresh_expires_at is None


def test_create_sends_signed_raw_json_with_vnd_amounts_and_reads_ids() -> None:
    adapter, session = make_adapter(
        ok({"product_id": "1729592969712207008", "skus": [{"id": "17", "seller_sku": "MO-500"}]})
    )
    listing = adapter.create_listing(tokens(), draft())
    (call,) = session.calls
    assert call["method"] == "POST"
    assert call["url"] == "https://open-api.tiktokglobalshop.com/product/202309/products"
    assert call["headers"]["x-tts-access-token"] == "ACCESS-1"
    assert call["headers"]["Content-Type"] == "application/json"
    query = query_of(call)
    assert query["app_key"] == APP_KEY
    assert query["timestamp"] == "1700000000"  # seconds
    assert query["shop_cipher"] == CIPHER
    assert "access_token" not in query
    sent: bytes = call["data"]
    text = (
        f"/product/202309/productsapp_key{APP_KEY}shop_cipher{CIPHER}timestamp1700000000"
    ).encode() + sent
    assert query["sign"] == hand_sign(SECRET, text)
    payload = json.loads(sent)
    assert "Mật ong".encode() in sent
    assert payload["title"] == "Mật ong rừng U Minh Hạ"
    assert payload["description"] == (
        "<p>Mật ong nguyên chất.</p><p>Sản phẩm OCOP 4 sao &amp; hơn thế</p>"
    )
    assert payload["category_id"] == "600001"
    assert payload["main_images"] == [{"uri": "tos-alisg-i-x/1"}]
    assert payload["skus"] == [
        {
            "seller_sku": "MO-500",
            "price": {"amount": "185000", "currency": "VND"},
            "inventory": [{"quantity": 12}],
        }
    ]
    assert payload["package_weight"] == {"value": "0.65", "unit": "KILOGRAM"}
    assert payload["package_dimensions"]["unit"] == "CENTIMETER"
    assert listing.external_id == "1729592969712207008"
    assert listing.sku_ids == {"MO-500": "17"}


def test_several_skus_get_distinct_sales_attribute_values() -> None:
    adapter, _ = make_adapter()
    skus = (
        base.Sku("MO-500", 185000, 1, name="500ml"),
        base.Sku("MO-1000", 350000, 1, name="500ml"),  # same name: fall back to seller SKUs
    )
    payload = adapter.product_payload(draft(skus=skus), tokens(warehouse_id="W1"))
    values = [row["sales_attributes"] for row in payload["skus"]]
    assert values == [
        [{"name": "Phân loại", "value_name": "MO-500"}],
        [{"name": "Phân loại", "value_name": "MO-1000"}],
    ]
    assert payload["skus"][0]["inventory"] == [{"quantity": 1, "warehouse_id": "W1"}]


def test_html_description_is_sent_as_is() -> None:
    adapter, _ = make_adapter()
    payload = adapter.product_payload(draft(description="<p>Đã là HTML</p>"), tokens())
    assert payload["description"] == "<p>Đã là HTML</p>"


def test_create_refuses_images_not_uploaded_without_calling() -> None:
    adapter, session = make_adapter()
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.create_listing(tokens(), draft(images=(base.ImageRef("local.jpg"),)))
    assert "images" in caught.value.fields
    assert session.calls == []


def test_upload_is_multipart_without_cipher_and_signs_no_body(tmp_path: Any) -> None:
    image = tmp_path / "anh.jpg"
    image.write_bytes(b"\xff\xd8\xff fake jpeg")
    adapter, session = make_adapter(ok({"uri": "tos-alisg-i-x/9", "url": "https://x"}))
    assert adapter.upload_image(tokens(), str(image)) == "tos-alisg-i-x/9"
    (call,) = session.calls
    assert call["url"].endswith("/product/202309/images/upload")
    assert call["files"]["data"][0] == "anh.jpg"
    assert call["files"]["data"][1] == b"\xff\xd8\xff fake jpeg"
    assert call["data"] == {"use_case": "MAIN_IMAGE"}
    query = query_of(call)
    assert "shop_cipher" not in query
    text = f"/product/202309/images/uploadapp_key{APP_KEY}timestamp1700000000".encode()
    assert query["sign"] == hand_sign(SECRET, text)


def test_unreadable_image_is_a_permanent_error(tmp_path: Any) -> None:
    adapter, session = make_adapter()
    with pytest.raises(errors.PermanentError) as caught:
        adapter.upload_image(tokens(), str(tmp_path / "missing.jpg"))
    assert caught.value.code == "image_unreadable"
    assert session.calls == []


def test_update_sends_stock_zero_first_then_prices() -> None:
    adapter, session = make_adapter(ok(), ok())
    listing = base.RemoteListing("55", {"MO-500": "17", "MO-1000": "18"})
    adapter.update_price_stock(
        tokens(), listing, [base.Sku("MO-500", 179000, 0), base.Sku("MO-1000", 340000, 7)]
    )
    stock_call, price_call = session.calls
    assert stock_call["url"].endswith("/product/202309/products/55/inventory/update")
    assert json.loads(stock_call["data"]) == {
        "skus": [
            {"id": "17", "inventory": [{"quantity": 0}]},
            {"id": "18", "inventory": [{"quantity": 7}]},
        ]
    }
    assert price_call["url"].endswith("/product/202309/products/55/prices/update")
    assert json.loads(price_call["data"]) == {
        "skus": [
            {"id": "17", "price": {"amount": "179000", "currency": "VND"}},
            {"id": "18", "price": {"amount": "340000", "currency": "VND"}},
        ]
    }


def test_update_without_a_recorded_sku_id_refuses_before_calling() -> None:
    adapter, session = make_adapter()
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.update_price_stock(
            tokens(), base.RemoteListing("55", {}), [base.Sku("MO-500", 1000, 0)]
        )
    assert "skus.MO-500" in caught.value.fields
    assert session.calls == []


def test_deactivate_and_activate_send_product_ids() -> None:
    adapter, session = make_adapter(ok(), ok())
    listing = base.RemoteListing("55", {"A": "1"})
    adapter.deactivate(tokens(), listing)
    adapter.activate(tokens(), listing)
    assert [c["url"].rsplit("/", 1)[-1] for c in session.calls] == ["deactivate", "activate"]
    assert [json.loads(c["data"]) for c in session.calls] == [{"product_ids": ["55"]}] * 2


def test_find_by_sku_searches_by_seller_sku_and_skips_deleted() -> None:
    product = {
        "id": "99",
        "status": "SELLER_DEACTIVATED",
        "skus": [{"id": "1", "seller_sku": "A"}, {"id": "2", "seller_sku": "B"}],
    }
    deleted = {"id": "98", "status": "DELETED", "skus": [{"id": "3", "seller_sku": "A"}]}
    adapter, session = make_adapter(ok({"products": [deleted, product], "total_count": 2}))
    found = adapter.find_by_sku(tokens(), "A")
    (call,) = session.calls
    assert call["url"].endswith("/product/202312/products/search")
    assert query_of(call)["page_size"] == "50"
    assert "page_token" not in query_of(call)
    assert json.loads(call["data"]) == {"seller_skus": ["A"]}
    assert found == base.RemoteListing(
        "99",
        {"A": "1", "B": "2"},
        url="https://www.tiktok.com/view/product/99",
        status="SELLER_DEACTIVATED",
    )


def test_find_by_sku_pages_on_when_the_filter_returns_other_products() -> None:
    other = {"id": "1", "status": "ACTIVATE", "skus": [{"id": "9", "seller_sku": "A-10"}]}
    wanted = {"id": "2", "status": "ACTIVATE", "skus": [{"id": "8", "seller_sku": "A"}]}
    adapter, session = make_adapter(
        ok({"products": [other], "next_page_token": "T2"}), ok({"products": [wanted]})
    )
    found = adapter.find_by_sku(tokens(), "A")
    assert found is not None and found.external_id == "2"
    assert query_of(session.calls[1])["page_token"] == "T2"
    nothing, session = make_adapter(*[ok({"products": [other], "next_page_token": "T"})] * 9)
    assert nothing.find_by_sku(tokens(), "A") is None
    assert len(session.calls) == tiktok.SEARCH_MAX_PAGES


def test_a_missing_cipher_is_learnt_once_before_the_call() -> None:
    adapter, session = make_adapter(
        ok({"shops": [{"id": "2", "name": "S", "region": "VN", "cipher": "ROW_new"}]}),
        ok({"products": []}),
    )
    old = base.Tokens("A", "R", dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert adapter.find_by_sku(old, "X") is None
    assert old.extra["shop_cipher"] == "ROW_new"
    assert query_of(session.calls[1])["shop_cipher"] == "ROW_new"


# --- error mapping ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kind", "code"),
    [
        (
            {"code": 105002, "message": "access token is expired, please refresh it"},
            errors.AuthExpired,
            "105002",
        ),
        ({"code": 105001, "message": "access token is invalid"}, errors.AuthExpired, "105001"),
        (
            {
                "code": 36009004,
                "message": "Invalid credentials. The `x-tts-access-token` header is invalid.",
            },
            errors.AuthExpired,
            "36009004",
        ),
        (
            {
                "code": 36009004,
                "message": "Invalid credentials. Invalid `app_key` query parameter.",
            },
            errors.PermanentError,
            "36009004",
        ),
        ({"code": 106001, "message": "Invalid credentials."}, errors.PermanentError, "106001"),
        (
            {"code": 36004005, "message": "can not find related auth record"},
            errors.AuthExpired,
            "36004005",
        ),
        ({"code": 36004001, "message": "rt has expired"}, errors.AuthExpired, "36004001"),
        (
            {"code": 12052260, "message": "The product ID does not exist"},
            errors.NotFound,
            "12052260",
        ),
        (
            {"code": 12052700, "message": "The seller is inactive."},
            errors.PermanentError,
            "12052700",
        ),
    ],
)
def test_error_codes_map_to_typed_errors(
    body: dict[str, Any], kind: type[errors.ChannelError], code: str
) -> None:
    with pytest.raises(errors.ChannelError) as caught:
        tiktok.check(body)
    assert type(caught.value) is kind
    assert caught.value.code == code


def test_in_body_rate_limit_is_not_a_quota_and_pauses_the_limiter() -> None:
    clock = [100.0]
    limiter = ratelimit.TokenBucket(1000, clock=lambda: clock[0], sleep=lambda s: None)
    adapter, _ = make_adapter({"code": 36009002, "message": "Too many requests."}, limiter=limiter)
    with pytest.raises(errors.RateLimited) as caught:
        adapter.find_by_sku(tokens(), "A")
    assert not isinstance(caught.value, errors.QuotaExceeded)
    assert caught.value.retry_after == 1.0
    assert limiter.reserve() >= 0.9  # every caller now waits out the second


def test_quota_waits_until_midnight_in_vietnam() -> None:
    with pytest.raises(errors.QuotaExceeded) as caught:
        tiktok.check(
            {"code": 12052093, "message": "Exceeded the product listing limit for the seller."},
            now=NOW,
        )
    assert caught.value.code == "12052093"
    assert caught.value.retry_after == api.seconds_to_vn_midnight(NOW)
    assert 0 < caught.value.retry_after <= 86400
    with pytest.raises(errors.QuotaExceeded) as hinted:
        tiktok.check({"code": 12052093, "message": "… resets in 120 seconds"}, now=NOW)
    assert hinted.value.retry_after == 120


@pytest.mark.parametrize(
    ("code", "message", "field"),
    [
        (12052051, "The product name exceed max limit characters", "title"),
        (12052015, "The product description is required", "description"),
        (12052024, "Category is not final category", "category_id"),
        (12052722, "The image URI does not exist in TikTok Shop.", "images"),
        (12052073, "The product price is invalid (seller_sku MO-1000)", "skus.MO-1000.price"),
        (
            12052055,
            "quantity must be within allowed limits (seller_sku MO-500)",
            "skus.MO-500.stock",
        ),
        (
            12052054,
            "The seller SKU text length cannot exceed max (seller_sku MO-500)",
            "skus.MO-500",
        ),
        (12052073, "The product price is invalid", "skus"),  # two SKUs, none named
        (98001004, "Parameter category_id is invalid. Reason: x. Expected: y", "category_id"),
        (98001004, "Parameter skus[1].price.amount is invalid. Reason: x. Expected: y", "skus"),
        (12052910, "Invalid input parameters.", "payload"),
    ],
)
def test_content_codes_name_the_field(code: int, message: str, field: str) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        tiktok.check({"code": code, "message": message}, seller_skus=["MO-500", "MO-1000"])
    assert set(caught.value.fields) == {field}
    assert caught.value.code == str(code)


def test_server_error_in_body_is_uncertain_only_for_writes() -> None:
    body = {"code": 36009003, "message": "Internal error. Please try again."}
    with pytest.raises(errors.TransientError) as write:
        tiktok.check(body, write=True)
    assert write.value.uncertain is True
    with pytest.raises(errors.TransientError) as read:
        tiktok.check(body, write=False)
    assert read.value.uncertain is False


def test_batch_errors_inside_a_success_reply_are_raised() -> None:
    wrapped = {
        "errors": [
            {
                "code": 12052990,
                "message": "The check failed.",
                "detail": {
                    "sku_id": "17",
                    "extra_errors": [
                        {"warehouse_id": "W", "code": 12052055, "message": "quantity too big"}
                    ],
                },
            }
        ]
    }
    with pytest.raises(errors.ValidationFailed) as caught:
        tiktok.check_batch(wrapped, seller_skus=["MO-500"])
    assert caught.value.fields == {"skus.MO-500.stock": ["quantity too big (sku_id 17)"]}
    assert caught.value.code == "12052055"
    adapter, _ = make_adapter(
        ok({"errors": [{"code": 12052260, "message": "gone", "detail": {"product_id": "55"}}]})
    )
    with pytest.raises(errors.NotFound):
        adapter.deactivate(tokens(), base.RemoteListing("55", {}))


def test_http_429_carries_retry_after() -> None:
    adapter, _ = make_adapter(
        {"__status__": 429, "__headers__": {"Retry-After": "3"}, "code": 36009002}
    )
    with pytest.raises(errors.RateLimited) as caught:
        adapter.find_by_sku(tokens(), "A")
    assert caught.value.retry_after == 3.0
    assert caught.value.status == 429


def test_5xx_on_create_is_uncertain_but_not_on_search() -> None:
    adapter, _ = make_adapter({"__status__": 504}, {"__status__": 503})
    with pytest.raises(errors.TransientError) as create:
        adapter.create_listing(tokens(), draft())
    assert create.value.uncertain is True
    with pytest.raises(errors.TransientError) as search:
        adapter.find_by_sku(tokens(), "A")
    assert search.value.uncertain is False


def test_4xx_with_a_tiktok_body_is_read_and_without_one_is_permanent() -> None:
    adapter, _ = make_adapter(
        {"__status__": 401, "code": 106001, "message": "Invalid credentials."},
        {"__status__": 404, "error": "not_found"},
    )
    with pytest.raises(errors.PermanentError) as signed:
        adapter.find_by_sku(tokens(), "A")
    assert signed.value.code == "106001" and signed.value.status == 401
    with pytest.raises(errors.PermanentError) as missing:
        adapter.find_by_sku(tokens(), "A")
    assert missing.value.code == "http_404"


def test_the_app_secret_never_reaches_error_messages() -> None:
    leak = requests.ConnectionError(
        f"Max retries exceeded with url: /api/v2/token/get?app_key={APP_KEY}&app_secret={SECRET}"
    )
    adapter, _ = make_adapter(leak)
    with pytest.raises(errors.TransientError) as caught:
        adapter.exchange_code("CODE", {"code": "CODE"})
    assert SECRET not in str(caught.value)
    assert SECRET not in caught.value.message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_auth_code_refused_is_permanent() -> None:
    adapter, _ = make_adapter({"code": 36004004, "message": "invalid auth code"})
    with pytest.raises(errors.PermanentError) as caught:
        adapter.exchange_code("OLD", {"code": "OLD"})
    assert type(caught.value) is errors.PermanentError
    assert caught.value.code == "36004004"
