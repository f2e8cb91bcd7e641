"""The app shell in a real browser: sign in and out per role, errors, phone menu, language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.models import accounts
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, LiveServer, NewPage, click_nav

pytestmark = pytest.mark.e2e

LOGIN_URL = re.compile(r"/auth/login(\?.*)?$")
DASHBOARD_URL = re.compile(r"/dashboard$")
DASHBOARD_TITLES = {
    accounts.Role.ADMIN: "Tổng quan quản trị",
    accounts.Role.COORDINATOR: "Tổng quan điều phối",
    accounts.Role.SELLER: "Tổng quan người bán",
    accounts.Role.PRODUCER: "Tổng quan nhà sản xuất",
}
BAD_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill and submit the real login form (CSRF token included)."""
    page.goto("/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.mark.parametrize("role", list(DASHBOARD_TITLES), ids=lambda role: role.value)
def test_each_role_signs_in_to_its_dashboard_and_out(
    page: Page, live_server: LiveServer, role: accounts.Role
) -> None:
    sign_in(page, live_server.usernames[role])

    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.get_by_test_id("dashboard-title")).to_have_text(DASHBOARD_TITLES[role])

    expect(page.get_by_test_id("logout")).to_be_hidden()  # folded into the account menu
    click_nav(page, "logout")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.get_by_test_id("logout")).to_have_count(0)

    page.goto("/dashboard")  # signed out for real: the dashboard is closed again
    expect(page.get_by_test_id("dashboard-title")).to_have_count(0)


def test_wrong_password_shows_an_error_and_stays_on_login(
    page: Page, live_server: LiveServer
) -> None:
    page.goto("/auth/login")
    page.fill("input[name=username]", "banhang.lan")
    page.fill("input[name=password]", "sai-mat-khau")
    with page.expect_response(
        lambda response: response.request.method == "POST" and "/auth/login" in response.url
    ) as answer:
        page.get_by_role("button", name="Đăng nhập").click()

    assert answer.value.status == 401
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("div.flash-error")).to_contain_text(BAD_CREDENTIALS)
    expect(page.get_by_test_id("logout")).to_have_count(0)


def test_phone_user_signs_out_through_the_menu(new_page: NewPage, live_server: LiveServer) -> None:
    page = new_page(PHONE)
    sign_in(page, live_server.usernames[accounts.Role.SELLER])
    expect(page).to_have_url(DASHBOARD_URL)

    logout = page.get_by_test_id("logout")
    toggle = page.get_by_test_id("nav-toggle")
    account = page.get_by_test_id("nav-group-account").locator("summary")
    expect(logout).to_be_hidden()  # the nav is folded away behind ☰
    expect(account).to_be_hidden()
    expect(toggle).to_be_visible()

    toggle.click()
    expect(account).to_be_visible()
    expect(account).to_have_text(live_server.usernames[accounts.Role.SELLER])  # who is in
    account.click()
    expect(logout).to_be_visible()
    logout.click()

    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("input[name=password]")).to_be_visible()


def test_language_switch_sets_html_lang(page: Page, live_server: LiveServer) -> None:
    html = page.locator("html")
    page.goto("/auth/login")
    expect(html).to_have_attribute("lang", "vi")

    page.locator("a[hreflang=en]").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("a[hreflang=vi]")).to_be_visible()

    page.locator("a[hreflang=vi]").click()
    expect(html).to_have_attribute("lang", "vi")
    expect(page).to_have_url(LOGIN_URL)
