"""What `integrations` hands the app about a problem: a stable code and its numbers, never a
sentence for a person (the app words it in the reader's language)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from integrations import base, errors, http, netguard, shopee


class Plain(base.ChannelAdapter):
    name = "plain"
    title = "Plain"
    rules = base.Rules(title_max=20, images_min=1, images_max=3, price_min=1_000, sku_max=2)


def draft(**changes: Any) -> base.ListingDraft:
    values: dict[str, Any] = {
        "product_code": "P1",
        "title": "Mật ong rừng",
        "description": "Ngon.",
        "category_id": "100",
        "skus": (base.Sku("P1-A", 50_000, 3),),
        "images": (base.ImageRef("a.jpg"),),
    }
    values.update(changes)
    return base.ListingDraft(**values)


def codes(problems: dict[str, list[errors.Problem | str]]) -> dict[str, list[tuple[str, dict]]]:
    out = {}
    for name, found in problems.items():
        assert all(isinstance(p, errors.Problem) for p in found), found
        out[name] = [(p.code, dict(p.params)) for p in found if isinstance(p, errors.Problem)]
    return out


def test_a_good_draft_has_no_problems() -> None:
    assert Plain({}).validate(draft()) == {}


def test_each_rule_gives_its_code_and_numbers() -> None:
    bad = draft(
        title="x" * 21,
        images=(),
        category_id="",
        skus=(base.Sku("A", 10, -1), base.Sku("B", 5_000, 1), base.Sku("C", 5_000, 1)),
    )
    assert codes(Plain({}).validate(bad)) == {
        "title": [("title_length", {"min": 1, "max": 20})],
        "images": [("images_count", {"min": 1, "max": 3})],
        "skus": [("skus_too_many", {"max": 2})],
        "skus.A.price": [("price_range", {"min": 1_000, "max": 200_000_000, "sku": "A"})],
        "skus.A.stock": [("stock_negative", {"sku": "A"})],
        "category_id": [("category_missing", {})],
    }


def test_no_sku_and_too_many_images() -> None:
    problems = codes(Plain({}).validate(draft(skus=(), images=(base.ImageRef("a"),) * 4)))
    assert problems == {
        "images": [("images_count", {"min": 1, "max": 3})],
        "skus": [("skus_missing", {})],
    }


def test_the_english_message_is_kept_for_logs_only() -> None:
    (problem,) = Plain({}).validate(draft(images=()))["images"]
    assert isinstance(problem, errors.Problem)
    assert problem.message == "needs 1–3 images" and str(problem) == "needs 1–3 images"
    assert problem.as_dict() == {"code": "images_count", "params": {"min": 1, "max": 3}}


def test_a_missing_config_field_is_a_code() -> None:
    class Configured(Plain):
        config_schema = (base.ConfigField("app_key", "App key"),)

    with pytest.raises(errors.ValidationFailed) as caught:
        Configured({})
    assert caught.value.reason == "config_invalid"
    assert codes(caught.value.fields) == {"app_key": [("required", {})]}


def test_shopee_config_problems_are_codes() -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        shopee.ShopeeAdapter(
            {
                "partner_id": "abc",
                "partner_key": "k",
                "logistic_ids": "1,x",
                "requests_per_second": "0",
            }
        )
    assert codes(caught.value.fields) == {
        "partner_id": [("not_a_number", {})],
        "logistic_ids": [("numbers_list", {})],
        "requests_per_second": [("positive_number", {})],
    }


# --- every error type has a reason the app knows ------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (errors.ChannelError("x"), "refused"),
        (errors.PermanentError("x"), "refused"),
        (errors.AuthExpired("x"), "auth_expired"),
        (errors.RateLimited("x"), "rate_limited"),
        (errors.QuotaExceeded("x"), "quota_exceeded"),
        (errors.ValidationFailed("x"), "content_refused"),
        (errors.TransientError("x"), "unavailable"),
        (errors.NotFound("x"), "not_found"),
        (errors.NotSupported("x"), "not_supported"),
    ],
)
def test_each_error_type_has_a_default_reason(error: errors.ChannelError, reason: str) -> None:
    assert error.reason == reason and error.params == {}


def test_the_marketplace_code_stays_apart_from_the_reason() -> None:
    error = errors.PermanentError(
        "Shopee refused the call: shop banned", code="error_shop", params={"said": "shop banned"}
    )
    assert (error.code, error.reason, error.params) == (
        "error_shop",
        "refused",
        {"said": "shop banned"},
    )


class OneReply(requests.Session):
    def __init__(self, status: int, body: bytes = b"{}", headers: dict[str, str] | None = None):
        super().__init__()
        self.status, self.body, self.extra = status, body, headers or {}

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = requests.Response()
        response.status_code = self.status
        response._content = self.body
        response.headers.update(self.extra)
        return response


def test_a_server_error_is_a_code_with_its_status() -> None:
    client = http.HttpClient("https://api.example", session=OneReply(503))
    with pytest.raises(errors.TransientError) as caught:
        client.send("POST", "/items")
    error = caught.value
    assert (error.reason, error.params, error.code) == ("server_error", {"status": 503}, "http_503")
    assert error.uncertain is True  # a write whose reply was a 5xx may have happened


def test_a_reply_that_is_not_json_is_a_code() -> None:
    client = http.HttpClient("https://api.example", session=OneReply(200, b"<html>"))
    response = client.send("GET", "/items")
    with pytest.raises(errors.TransientError) as caught:
        client.json(response)
    assert (caught.value.reason, caught.value.params) == ("bad_reply", {"status": 200})


def test_a_rate_limit_is_a_code() -> None:
    client = http.HttpClient(
        "https://api.example", session=OneReply(429, headers={"Retry-After": "3"})
    )
    with pytest.raises(errors.RateLimited) as caught:
        client.send("GET", "/items")
    assert caught.value.reason == "rate_limited" and caught.value.retry_after == 3.0


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"RateLimit-Reset": "42"}, 42.0),  # the IETF draft: seconds until the reset
        ({"RateLimit-Reset": "42", "Retry-After": "7"}, 7.0),  # Retry-After first
        ({"RateLimit-Reset": "soon"}, 1.0),
    ],
)
def test_a_rate_limit_reset_header_is_the_wait(headers: dict[str, str], wait: float) -> None:
    client = http.HttpClient("https://api.example", session=OneReply(429, headers=headers))
    with pytest.raises(errors.RateLimited) as caught:
        client.send("GET", "/webcast/fetch/")
    assert caught.value.retry_after == wait


def test_a_rate_limit_reset_may_be_a_moment() -> None:
    assert http.reset_seconds("1800000090", now=1_800_000_000.0) == 90.0
    assert http.reset_seconds("1700000000", now=1_800_000_000.0) == 0.0  # already past
    assert http.reset_seconds(None) is None and http.reset_seconds("") is None


@pytest.mark.parametrize(
    ("url", "code", "params"),
    [
        ("ftp://example.com/", "scheme", {}),
        ("http://user:pw@example.com/", "credentials", {}),
        ("http:///nohost", "no_host", {}),
        ("http://10.0.0.5/api", "not_public", {"host": "10.0.0.5", "address": "10.0.0.5"}),
    ],
)
def test_an_unsafe_address_is_a_code(url: str, code: str, params: dict[str, str]) -> None:
    with pytest.raises(netguard.UnsafeURL) as caught:
        netguard.check_url(url)
    assert (caught.value.code, caught.value.params) == (code, params)


# --- listing links: the sandbox's own page when connected to a sandbox ----------------------


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("http://127.0.0.1:5701", "http://127.0.0.1:5701/_sandbox/products/42"),
        ("http://localhost:5703/rest", "http://localhost:5703/_sandbox/products/42"),
        ("https://partner.shopeemobile.com/api/v2", "https://shopee.vn/product/7/42"),
        ("https://api.lazada.vn/rest", "https://shopee.vn/product/7/42"),
    ],
)
def test_product_page_points_at_the_sandbox_only_for_a_sandbox(api_url: str, expected: str) -> None:
    assert base.product_page(api_url, "42", "https://shopee.vn/product/7/42") == expected
