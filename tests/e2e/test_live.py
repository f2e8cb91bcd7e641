"""A coordinator schedules a livestream with three product slots in the browser; booking
the same streamer into an overlapping session shows the conflict naming the first one; the
host's phone screen follows the coordinator's control without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.models import accounts
from tests.e2e.conftest import PHONE, LiveServer, NewPage, fill_session, sign_in

pytestmark = pytest.mark.e2e

TITLE = "Đêm hội đặc sản Quảng Ninh"
HOST = "Minh Móng Cái"  # the demo seller banhang.minh's streamer profile
DAY = "2027-03-06"


def test_schedule_slots_conflict_and_host_screen(
    coordinator_page: Page, new_page: NewPage, live_server: LiveServer
) -> None:
    page = coordinator_page
    page.get_by_test_id("nav-live").click()
    expect(page.get_by_test_id("week")).to_be_visible()
    page.get_by_test_id("session-new").click()
    fill_session(page, TITLE, DAY, "19:00", "20:30", HOST)
    expect(page.get_by_test_id("session-title")).to_contain_text(TITLE)
    expect(page.get_by_test_id("session-when")).to_contain_text("06/03/2027 19:00–20:30")
    session_url = page.url

    for index in (1, 2, 3):
        page.select_option("select[name=product_id]", index=index)
        page.fill("input[name=length]", "20")
        page.get_by_test_id("add-slot").click()
        expect(page.get_by_test_id("slot-row")).to_have_count(index)
    rows = page.get_by_test_id("slot-row")
    expect(rows.nth(0)).to_contain_text("19:00–19:20")
    expect(rows.nth(2)).to_contain_text("19:40–20:00")
    codes = [rows.nth(i).get_attribute("data-code") for i in range(3)]
    assert all(codes) and len(set(codes)) == 3

    # The same streamer, overlapping: refused, naming the first session.
    page.get_by_test_id("nav-live").click()
    page.get_by_test_id("session-new").click()
    fill_session(page, "Phiên trùng giờ", DAY, "20:00", "21:00", HOST)
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_contain_text(TITLE)
    expect(conflict).to_contain_text("19:00 06/03/2027")

    # The host's phone follows the control page without reloading.
    session_id = session_url.rstrip("/").rsplit("/", 1)[1]
    phone = new_page(PHONE)
    sign_in(phone, live_server.usernames[accounts.Role.SELLER])
    phone.goto(f"/live/sessions/{session_id}/host")
    expect(phone.get_by_test_id("host-waiting")).to_be_visible()
    phone.evaluate("window.__sameDocument = true")

    page.goto(f"/live/sessions/{session_id}/control")
    page.get_by_test_id("control-start").click()
    expect(phone.get_by_test_id("host-code")).to_have_text(codes[0])
    expect(phone.get_by_test_id("host-next-text")).to_contain_text(codes[1])
    page.get_by_test_id("control-next-btn").click()
    expect(phone.get_by_test_id("host-code")).to_have_text(codes[1])
    expect(phone.get_by_test_id("host-countdown")).to_have_text(re.compile(r"^-?\d+:\d\d$"))
    assert phone.evaluate("window.__sameDocument") is True
