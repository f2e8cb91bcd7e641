"""Comment orders ("chốt đơn") in the browser: a coordinator plans a stream with two product
codes, uploads the stream's comment log, reviews the proposed lines and the parse report,
accepts them, and sees the orders in the list and on the session's dashboard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import fill_session
from tests.e2e.test_live import HOST

pytestmark = pytest.mark.e2e
TITLE = "Phiên chốt đơn thử"
DAY = "2027-04-10"


def _comment_log(path: Path, first: str, second: str) -> Path:
    path.write_text(
        "time,viewer,text\n"
        f"{DAY} 20:05:00,lan_qn,chốt {first} 2 sdt 0912 345 678\n"
        f"{DAY} 20:06:00,lan_qn,chốt {first} 2 sdt 0912 345 678\n"  # the same comment again
        f"{DAY} 20:10:00,hoa_mc,lấy hai {second.lower()} 0987654321\n"  # number word, any case
        f"{DAY} 20:12:00,nam,đẹp quá shop ơi\n"  # not an order
        f"{DAY} 20:13:00,khoa,XYZ9 1\n",  # unknown code
        encoding="utf-8",
    )
    return path


def test_comment_log_review_accept_and_dashboard(coordinator_page: Page, tmp_path: Path) -> None:
    page = coordinator_page

    page.get_by_test_id("nav-live").click()
    page.get_by_test_id("session-new").click()
    fill_session(page, TITLE, DAY, "20:00", "21:00", HOST)
    expect(page.get_by_test_id("session-title")).to_contain_text(TITLE)
    for index in (1, 2):
        page.select_option("select[name=product_id]", index=index)
        page.fill("input[name=length]", "30")
        page.get_by_test_id("add-slot").click()
        expect(page.get_by_test_id("slot-row")).to_have_count(index)
    rows = page.get_by_test_id("slot-row")
    first, second = (rows.nth(i).get_attribute("data-code") or "" for i in range(2))
    assert first and second

    page.get_by_role("link", name="Bình luận chốt đơn").click()
    option = page.locator("select[name=session_id] option", has_text=TITLE).first
    page.select_option("select[name=session_id]", option.get_attribute("value"))
    page.set_input_files(
        "input[name=file]", str(_comment_log(tmp_path / "binh-luan.csv", first, second))
    )
    page.get_by_role("button", name="Đọc bình luận").click()

    expect(page.get_by_test_id("report-total")).to_have_text("5")
    expect(page.get_by_test_id("report-duplicates")).to_have_text("1")
    expect(page.get_by_test_id("report-need-phone")).to_have_text("0")
    proposals = page.get_by_test_id("proposal")
    expect(proposals).to_have_count(2)
    expect(proposals.nth(0)).to_contain_text(first)
    expect(proposals.nth(1)).to_contain_text(second)
    page.get_by_test_id("accept-batch").click()
    expect(page.get_by_test_id("batch-status")).to_have_attribute("data-status", "accepted")

    page.goto("/reports/")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page).to_have_url(re.compile(r"/reports/sessions/\d+"))
    expect(page.get_by_test_id("metric-orders")).to_contain_text("2")
    expect(page.get_by_test_id("metric-units")).to_contain_text("4")
    expect(page.get_by_test_id("metric-buyers")).to_contain_text("2")
