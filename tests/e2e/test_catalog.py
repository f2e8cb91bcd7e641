"""A seller keeps the catalog from a phone: producer, product with two variants, OCOP
certificate, search without accents, and the product's public page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import accounts
from tests.e2e.conftest import PHONE, LiveServer, NewPage, fill_variant, sign_in

pytestmark = pytest.mark.e2e

PRODUCER = "HTX Mắm ruốc Vân Đồn"
PRODUCT = "Mắm ruốc Vân Đồn hảo hạng"
MONG_CAI_3 = "6736"


def test_seller_builds_a_product_and_opens_its_public_page(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page(PHONE)
    sign_in(page, live_server.usernames[accounts.Role.SELLER])

    # A producer, with the commune list filled in for the chosen province.
    page.goto("/producers/")
    page.get_by_test_id("new-producer").click()
    page.fill("input[name=name]", PRODUCER)
    page.select_option("select[name=type]", "hop_tac_xa")
    page.fill("input[name=phone]", "0912 345 678")
    page.select_option("select[name=province_code]", label="Quảng Ninh")
    expect(page.locator(f"select[name=commune_code] option[value='{MONG_CAI_3}']")).to_be_attached()
    page.select_option("select[name=commune_code]", MONG_CAI_3)
    page.fill("textarea[name=story]", "Ruốc biển Vân Đồn phơi nắng, ủ chượp thủ công.")
    page.get_by_test_id("save-producer").click()
    expect(page.get_by_test_id("producer-name")).to_have_text(PRODUCER)
    expect(page.get_by_test_id("producer-address")).to_contain_text("Phường Móng Cái 3")

    # A product of that producer, with two variants.
    page.get_by_test_id("new-product").click()
    expect(page.locator("select[name=producer_id] option:checked")).to_contain_text(PRODUCER)
    page.fill("input[name=name]", PRODUCT)
    sauces = page.locator("select[name=category_id] option", has_text="Tương, nước mắm")
    page.select_option("select[name=category_id]", sauces.get_attribute("value"))
    page.fill("input[name=unit]", "hũ")
    for index, (sku, name, price) in enumerate(
        [("MRVD-200", "Hũ 200g", "65.000"), ("MRVD-500", "Hũ 500g", "150000")]
    ):
        fill_variant(page, index, sku, name, price, "20")
    rows = page.get_by_test_id("variant-row")
    expect(rows).to_have_count(3)
    page.get_by_test_id("add-variant").click()  # an extra blank row, left empty
    expect(rows).to_have_count(4)
    expect(page.locator("input[name=variants-3-sku]")).to_have_value("")
    page.get_by_test_id("save-product").click()
    expect(page.get_by_test_id("product-name")).to_have_text(PRODUCT)
    expect(page.get_by_test_id("variant")).to_have_count(2)
    expect(page.get_by_test_id("price-range")).to_have_text("65.000 ₫ – 150.000 ₫")

    # Its OCOP certificate: the stars come from the score.
    page.get_by_test_id("new-certificate").click()
    page.fill("input[name=score]", "78")
    page.fill("input[name=decision_number]", "2345/QĐ-UBND")
    page.fill("input[name=decision_date]", "2024-08-15")
    page.select_option("select[name=level]", "province")
    page.fill("input[name=authority]", "UBND tỉnh Quảng Ninh")
    page.get_by_test_id("save-certificate").click()
    certificate = page.get_by_test_id("certificate")
    expect(certificate).to_have_count(1)
    expect(certificate.locator("[data-stars]")).to_have_attribute("data-stars", "4")
    expect(certificate.get_by_test_id("expires-on")).to_have_text("15/08/2027")

    # Found again by typing without diacritics.
    page.goto("/catalog/products")
    page.get_by_test_id("product-search").fill("mam ruoc van don")
    page.get_by_test_id("search-button").click()
    results = page.get_by_test_id("product-link")
    expect(results).to_have_count(1)
    expect(results).to_have_text(PRODUCT)
    results.click()
    expect(page.get_by_test_id("product-name")).to_have_text(PRODUCT)

    # The public page opens in a new tab and needs no sign-in.
    with page.context.expect_page() as opened:
        page.get_by_test_id("public-link").click()
    public = opened.value
    expect(public.get_by_test_id("public-product-name")).to_have_text(PRODUCT)
