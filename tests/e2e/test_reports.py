"""A coordinator imports an order file for a livestream, opens the session dashboard, sees
the chart and the right GMV, and downloads the XLSX."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from app.core import clock
from app.live import common as live_common
from tests.e2e import conftest as e2e

pytestmark = pytest.mark.e2e
SESSION = "Chợ phiên OCOP tối thứ Bảy"  # the demo's planned Saturday-evening stream


def _order_file(path: Path) -> Path:
    """Three orders during the demo stream (20:00–21:30 Vietnam time next Saturday)."""
    today = live_common.to_local(clock.utcnow()).date()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    return e2e.order_file(path, saturday)


def test_import_then_session_dashboard_and_xlsx(coordinator_page: Page, tmp_path: Path) -> None:
    page = coordinator_page

    page.get_by_test_id("nav-orders").click()
    page.goto("/orders/import")
    option = page.locator("select[name=session_id] option", has_text=SESSION).first
    page.select_option("select[name=session_id]", option.get_attribute("value"))
    page.set_input_files("input[name=file]", str(_order_file(tmp_path / "don-tiktok.csv")))
    page.get_by_role("button", name="Tải lên và nhập").click()
    expect(page.get_by_test_id("count-created")).to_have_text("3")

    page.get_by_test_id("nav-reports").click()
    page.get_by_role("link", name=SESSION).first.click()
    expect(page).to_have_url(re.compile(r"/reports/sessions/\d+"))
    expect(page.get_by_test_id("report-title")).to_have_text(SESSION)
    # GMV counts the cancelled line (TikTok's way); Net GMV does not.
    expect(page.get_by_test_id("metric-gmv")).to_contain_text("495.000 ₫")
    expect(page.get_by_test_id("metric-net_gmv")).to_contain_text("440.000 ₫")
    expect(page.get_by_test_id("metric-buyers")).to_contain_text("1")  # one phone, two forms
    chart = page.get_by_test_id("chart-timeseries")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.chart-bar")).to_have_count(18)  # 90 minutes in 5-minute buckets
    expect(chart.locator("g.chart-band")).to_have_count(3)  # the three run-of-show slots
    assert float(chart.locator("rect.chart-bar").nth(1).get_attribute("data-value") or 0) == 190_000

    with page.expect_download() as info:
        page.get_by_test_id("download-xlsx").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".xlsx"
    summary = openpyxl.load_workbook(target).worksheets[0]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=3, values_only=True)}
    assert values["GMV (gồm đơn hủy/trả)"] == 495_000
    assert values["GMV thực (trừ hủy/trả)"] == 440_000
