"""A coordinator connects a sandbox Shopee shop and publishes products until they are live:
the browser, the app, a real Celery worker and the sandbox marketplace over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, expect

from app import extensions
from app.setup import demo
from tests import conftest
from tests.e2e import conftest as e2e_conftest
from tests.e2e.conftest import DESKTOP, _seed_tree
from tests.support import sandboxes, workers

pytestmark = pytest.mark.e2e

SHOP = "Shopee (sandbox thử nghiệm)"


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, new_database: e2e_conftest.NewDatabase
) -> Iterator[tuple[str, sandboxes.Running]]:
    """App + worker + Shopee sandbox, with the demo club and its sandbox shop, on this round's
    database backend."""
    tmp_path: Path = tmp_path_factory.mktemp("e2e-channels")
    db_url = new_database(tmp_path)
    with sandboxes.running("shopee") as sandbox:
        app = conftest.make_app(db_url, tmp_path, WTF_CSRF_ENABLED=True)
        _seed_tree(app)
        with app.app_context():
            demo.load(
                extensions.db.session,
                conftest.PASSWORD,
                media_root=app.config["MEDIA_ROOT"],
                sandbox_urls={"shopee": sandbox.url},
            )
            extensions.db.session.remove()
        worker = workers.start(
            conftest.app_env(db_url, tmp_path), tmp_path / "worker.log", "e2e-channels"
        )
        try:
            with e2e_conftest.serving(app) as url:
                yield url, sandbox
        finally:
            workers.stop(worker)


def test_connect_publish_live(browser: Browser, stack: tuple[str, sandboxes.Running]) -> None:
    url, sandbox = stack
    context = browser.new_context(viewport=DESKTOP, base_url=url, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/auth/login")
        page.fill("input[name=username]", "dieuphoi")
        page.fill("input[name=password]", conftest.PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page).to_have_url(re.compile(r"/dashboard$"))

        page.get_by_role("link", name="Kênh bán").first.click()
        page.get_by_role("link", name=SHOP).click()
        page.get_by_test_id("connect").click()
        # The sandbox's consent page, on the marketplace's own address.
        expect(page).to_have_url(re.compile(re.escape(sandbox.url)))
        page.locator("#approve").click()
        expect(page).to_have_url(re.compile(re.escape(url) + r"/channels/\d+$"))
        expect(page.locator("body")).to_contain_text("Đã kết nối")

        page.get_by_test_id("pick-products").click()
        rows = page.get_by_test_id("publish-product")
        expect(rows.first).to_be_visible()
        count = rows.count()
        assert count >= 3
        for i in range(count):
            rows.nth(i).locator("input[type=checkbox]").check()
        page.get_by_test_id("publish-submit").click()
        expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
        expect(page.locator("#job-percent")).to_have_text("100%", timeout=60_000)
        expect(page.locator("#job-status")).to_contain_text("Hoàn tất", timeout=10_000)

        page.go_back()
        page.goto(page.url.replace("/publish", ""))
        listings = page.get_by_test_id("listing")
        expect(listings).to_have_count(count)
        live = page.locator("[data-testid=listing][data-state=live]")
        paused = page.locator("[data-testid=listing][data-state=paused]")
        # Demo products whose OCOP certificate has expired are held back, in plain words.
        expect(paused.first).to_contain_text("giấy chứng nhận OCOP đã hết hạn")
        assert live.count() + paused.count() == count and live.count() >= 2
        expect(page.get_by_test_id("external-link").first).to_be_visible()

        # The seller overrides one expired certificate and puts it back on sale.
        held = paused.first.get_attribute("data-listing-id")
        row = page.locator(f"[data-testid=listing][data-listing-id='{held}']")
        row.locator("[data-action=override]").click()
        row = page.locator(f"[data-testid=listing][data-listing-id='{held}']")
        expect(row).to_contain_text("Bỏ qua hạn OCOP")
        row.locator("[data-action=resume]").click()
        for _attempt in range(60):
            row = page.locator(f"[data-testid=listing][data-listing-id='{held}']")
            if row.get_attribute("data-state") == "live":
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(row).to_have_attribute("data-state", "live")
        live_count = page.locator("[data-testid=listing][data-state=live]").count()
    finally:
        context.close()
    counts = requests.get(f"{sandbox.url}/_sandbox/calls", timeout=10).json()
    assert counts["products"] == live_count and counts["duplicates"] == 0
