"""A real club's first run, without demo data: an empty instance opens the setup page, which
makes the first admin, the club and its bank account; the admin then adds a producer and a
product, schedules a livestream with that product and records an order paid by VietQR into
the club's account."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from app import extensions
from app.models import accounts, orders, orgs
from tests.conftest import make_app
from tests.e2e.conftest import DESKTOP, NewDatabase, _seed_tree, fill_session, fill_variant, serving

pytestmark = pytest.mark.e2e

CLUB = "CLB Streamer Vân Đồn"
PRODUCER = "HTX Chả mực Vân Đồn"
PRODUCT = "Chả mực giã tay Vân Đồn"
SESSION = "Live chả mực đầu tiên"


def _pick(page: Page, select: str, text: str) -> None:
    """Choose the first option of a select whose label contains ``text``."""
    option = page.locator(f"select[name={select}] option", has_text=text).first
    expect(option).to_be_attached()
    page.select_option(f"select[name={select}]", option.get_attribute("value"))


@pytest.fixture(scope="module")
def empty_instance(
    tmp_path_factory: pytest.TempPathFactory, new_database: NewDatabase
) -> Iterator[tuple[str, object]]:
    """The app on an empty database of this round's backend (tables and the OCOP category
    tree only: no user, no club, no demo data), served on a free port with CSRF on."""
    tmp_path = tmp_path_factory.mktemp("first-run")
    app = make_app(new_database(tmp_path), tmp_path, WTF_CSRF_ENABLED=True)
    _seed_tree(app)
    with serving(app, ready="/healthz") as url:
        yield url, app


@pytest.fixture
def page(browser: Browser, empty_instance: tuple[str, object], tmp_path: Path) -> Iterator[Page]:
    url, _app = empty_instance
    context = browser.new_context(viewport=DESKTOP, base_url=url, locale="vi-VN")
    context.set_default_timeout(10_000)
    violations: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    opened = context.new_page()
    opened.on("console", watch)
    try:
        yield opened
    except BaseException:
        with contextlib.suppress(Exception):
            opened.screenshot(path=str(tmp_path / "failure.png"))
        raise
    finally:
        context.close()
    assert not violations, f"the page broke its own Content-Security-Policy: {violations}"


def test_first_run_setup_then_product_livestream_and_order(
    page: Page, empty_instance: tuple[str, object]
) -> None:
    _url, app = empty_instance

    # Any page of an empty instance leads to the setup page, which says the public address
    # is not set (QR codes would point at this machine).
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup/?$"))
    expect(page.get_by_test_id("public-address-warning")).to_be_visible()

    page.fill("input[name=username]", "chunhiem")
    page.fill("input[name=full_name]", "Phạm Thu Hà")
    page.fill("input[name=password]", "mat-khau-clb-2026")
    page.fill("input[name=password_confirm]", "mat-khau-clb-2026")
    page.fill("input[name=club_name]", CLUB)
    page.select_option("select[name=province_code]", label="Quảng Ninh")
    _pick(page, "commune_code", "Vân Đồn")
    page.fill("input[name=contact_phone]", "0912 345 678")
    page.select_option("select[name=bank_bin]", "970436")  # Vietcombank
    page.fill("input[name=account_number]", "1023456789")
    page.fill("input[name=account_name]", "CLB STREAMER VAN DON")
    page.get_by_test_id("run-setup").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_test_id("dashboard-title")).to_contain_text("Tổng quan quản trị")

    # Setup is done once: the page is gone.
    assert page.request.get("/setup/").status == 404

    # A producer of the club, then its product.
    page.goto("/producers/")
    page.get_by_test_id("new-producer").click()
    page.fill("input[name=name]", PRODUCER)
    page.select_option("select[name=type]", "hop_tac_xa")
    page.select_option("select[name=province_code]", label="Quảng Ninh")
    expect(page.locator("select[name=commune_code] option").nth(1)).to_be_attached()
    page.select_option("select[name=commune_code]", index=1)
    page.get_by_test_id("save-producer").click()
    expect(page.get_by_test_id("producer-name")).to_have_text(PRODUCER)
    page.get_by_test_id("new-product").click()
    expect(page.locator("select[name=producer_id] option:checked")).to_contain_text(PRODUCER)
    page.fill("input[name=name]", PRODUCT)
    page.fill("input[name=unit]", "hộp")
    fill_variant(page, 0, "CM-500", "Hộp 500g", "180.000", "30")
    page.get_by_test_id("save-product").click()
    expect(page.get_by_test_id("product-name")).to_have_text(PRODUCT)

    # A livestream of the club with the product in its run-of-show.
    page.get_by_test_id("nav-live").click()
    page.get_by_test_id("session-new").click()
    fill_session(page, SESSION, "2027-05-08", "20:00", "21:00")
    expect(page.get_by_test_id("session-title")).to_contain_text(SESSION)
    _pick(page, "product_id", PRODUCT)
    page.fill("input[name=length]", "30")
    page.get_by_test_id("add-slot").click()
    expect(page.get_by_test_id("slot-row")).to_have_count(1)

    # An order taken during the live, paid by VietQR into the club's account.
    page.get_by_test_id("nav-orders").click()
    page.goto("/orders/new")
    _pick(page, "session_id", SESSION)
    page.select_option("select[name=platform]", "tiktok")
    page.fill("input[name=external_id]", "578000000000000123")
    page.fill("input[name=placed_at]", "2027-05-08 20:10")
    page.fill("input[name=buyer_phone]", "0987 654 321")
    page.fill("input[name=buyer_name]", "Chị Lan")
    page.select_option("select[name=lines-0-sku]", "CM-500")  # the SKU picker
    page.fill("input[name=lines-0-quantity]", "2")
    page.get_by_test_id("manual-order-submit").click()
    expect(page.get_by_test_id("order-total")).to_have_text("360.000 ₫")
    expect(page.get_by_test_id("qr-amount")).to_have_text("360.000 ₫")
    expect(page.get_by_test_id("order-payment")).to_contain_text("1023456789")

    page.get_by_test_id("nav-orders").click()
    expect(page.get_by_test_id("order-row")).to_have_count(1)

    with app.app_context():  # type: ignore[attr-defined]
        db = extensions.db.session
        club = db.scalar(sa.select(orgs.Club).where(orgs.Club.name == CLUB))
        assert club is not None and club.province_code == 22 and club.commune_code is not None
        admin = db.scalar(sa.select(accounts.User).where(accounts.User.username == "chunhiem"))
        assert admin is not None and admin.role == accounts.Role.ADMIN
        assert admin.club_id == club.id
        assert [p.name for p in club.producers] == [PRODUCER]
        order = db.scalar(sa.select(orders.Order))
        assert order is not None and order.club_id == club.id and order.session_id is not None
        assert order.amount == 360_000
        db.remove()
