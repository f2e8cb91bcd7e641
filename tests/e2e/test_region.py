"""The Youth Union and the admin read the province and national view; a club's new orders
reach it through the aggregates' refresh chore on a real Celery worker.

The coordinator imports three orders; the Youth Union's page says figures are being updated;
the chore runs on a worker (sent by name, as beat sends it) and the page then shows the new
GMV. The admin sees the whole country, picks the province and downloads its CSV.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app import extensions
from app.core import clock
from app.jobs import tasks
from app.live import common as live_common
from app.models import accounts
from app.rollups import stale
from app.setup import demo
from tests.e2e import conftest as e2e
from tests.support import workers

pytestmark = pytest.mark.e2e

UNION = e2e.DEMO_USERS[accounts.Role.UNION]
ADMIN = e2e.DEMO_USERS[accounts.Role.ADMIN]
COORDINATOR = e2e.DEMO_USERS[accounts.Role.COORDINATOR]


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, new_database: e2e.NewDatabase
) -> Iterator[e2e.Served]:
    app, db_url, folder = e2e.demo_app(tmp_path_factory, new_database, "e2e-region")
    with e2e.serving(app) as url:
        yield e2e.Served(app, url, db_url, folder)


def _order_file(path: Path) -> Path:
    """Three orders yesterday evening (Vietnam time): GMV 495.000 ₫, one line cancelled."""
    yesterday = live_common.to_local(clock.utcnow()).date() - dt.timedelta(days=1)
    return e2e.order_file(path, yesterday)


def _money(page: Page, metric: str) -> int:
    text = page.get_by_test_id("totals").locator(f"dd[data-metric={metric}]").inner_text()
    return int(re.sub(r"[^0-9]", "", text) or 0)


def _waiting(served: e2e.Served) -> int:
    with served.app.app_context():
        try:
            return stale.waiting(extensions.db.session)
        finally:
            extensions.db.session.remove()


def test_orders_reach_the_province_and_national_view(
    served: e2e.Served, new_page: e2e.NewPage, tmp_path: Path
) -> None:
    union, coordinator, admin = e2e.signed_in(new_page, UNION, COORDINATOR, ADMIN)
    union.goto(served.url + "/reports/clubs")
    union.get_by_test_id("region-link").click()
    expect(union).to_have_url(re.compile(r"/reports/region\?"))
    expect(union.get_by_test_id("report-title")).to_contain_text("Quảng Ninh")
    expect(union.get_by_test_id("places")).to_contain_text(demo.CLUB["name"])
    before = _money(union, "gmv")

    coordinator.goto(served.url + "/orders/import")
    coordinator.set_input_files("input[name=file]", str(_order_file(tmp_path / "don.csv")))
    coordinator.get_by_role("button", name="Tải lên và nhập").click()
    expect(coordinator.get_by_test_id("count-created")).to_have_text("3")

    union.reload()
    expect(union.get_by_test_id("pending")).to_be_visible()
    assert _money(union, "gmv") == before  # not yet: the chore has not run

    worker = e2e.start_worker(served.db_url, served.folder, "e2e-region")
    try:
        served.app.extensions["celery"].send_task(tasks.REFRESH_ROLLUPS, queue="default")
        deadline = time.monotonic() + 60
        while _waiting(served) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _waiting(served) == 0, (served.folder / "worker.log").read_text()[-2000:]
    finally:
        workers.stop(worker)
    union.reload()
    expect(union.get_by_test_id("pending")).to_have_count(0)
    assert _money(union, "gmv") == before + 495_000
    expect(union.get_by_test_id("table-product")).to_contain_text("Nước mắm")

    admin.goto(served.url + "/reports/region")
    expect(admin.get_by_test_id("report-title")).to_contain_text("Toàn quốc")
    assert _money(admin, "gmv") == before + 495_000  # one club in the whole demo country
    admin.get_by_test_id("province").select_option(label="Quảng Ninh")
    admin.get_by_role("button", name="Xem").click()
    expect(admin.get_by_test_id("report-title")).to_contain_text("Quảng Ninh")
    expect(admin.get_by_test_id("places")).to_contain_text(demo.CLUB["name"])
    with admin.expect_download() as info:
        admin.get_by_test_id("download-csv").click()
    body = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert demo.CLUB["name"] in body and str(before + 495_000) in body
