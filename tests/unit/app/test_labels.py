"""Statuses and platforms are named through the label tables, never by their stored codes."""

from __future__ import annotations

import pytest

from app.core import labels
from app.models import live, orders
from app.orders import exports


def test_every_order_status_has_a_label() -> None:
    for status in orders.OrderStatus:
        shown = labels.order_status_label(status)
        assert shown and shown != status.value, status
        assert labels.order_status_label(status.value) == shown  # the stored text reads too
    assert labels.order_status_label("placed") == "Đã đặt"
    assert labels.order_status_label("paid") == "Đã thanh toán"


@pytest.mark.parametrize(
    "platform",
    sorted({*exports.PLATFORMS, *(p.value for p in live.Platform), "facebook", "zalo", "other"}),
)
def test_every_order_and_live_platform_has_a_name(platform: str) -> None:
    shown = labels.platform_label(platform)
    assert shown and shown != platform


def test_brands_are_names_and_other_is_translated_text() -> None:
    assert labels.platform_label("tiktok") == "TikTok Shop"
    assert labels.platform_label("shopee") == "Shopee"
    assert labels.platform_label("zalo") == "Zalo"
    assert labels.platform_label("other") == "Khác"


@pytest.mark.parametrize("code", ["legacy-market", "", None])
def test_an_unknown_code_is_shown_not_raised(code: str | None) -> None:
    expected = "—" if code is None else code
    assert labels.platform_label(code) == expected
    assert labels.order_status_label(code) == expected
