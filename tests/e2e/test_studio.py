"""A seller makes a 9:16 TikTok video in the browser: uploads a clip, waits for it to be
ready, builds the video with a Vietnamese caption, renders it on a real Celery worker,
watches the job reach 100 % and downloads the MP4, which is then probed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from app import extensions
from app.setup import demo
from tests import conftest
from tests.e2e import conftest as e2e_conftest
from tests.e2e.conftest import DESKTOP, _require_chromium, _seed_tree
from tests.support import media as media_support
from tests.support import workers

pytestmark = pytest.mark.e2e

SELLER = "banhang.minh"
RENDER_SIZE = (270, 480)  # the worker renders small (STUDIO_RENDER_SIZE) so the test is quick
CLIP_SECONDS = 3.0
CAPTION = "Nước mắm Trà Cổ – đậm đà vị biển"


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, new_database: e2e_conftest.NewDatabase
) -> Iterator[str]:
    """The app and a real worker sharing one database (this round's backend), broker and
    media folder."""
    _require_chromium()
    tmp_path: Path = tmp_path_factory.mktemp("e2e-studio")
    db_url = new_database(tmp_path)
    app = conftest.make_app(db_url, tmp_path, WTF_CSRF_ENABLED=True)
    _seed_tree(app)
    with app.app_context():
        demo.load(extensions.db.session, conftest.PASSWORD)
        extensions.db.session.remove()
    env = {
        **conftest.app_env(db_url, tmp_path),
        "STUDIO_RENDER_SIZE": f"{RENDER_SIZE[0]}x{RENDER_SIZE[1]}",
    }
    worker = workers.start(env, tmp_path / "worker.log", "e2e-studio")
    try:
        with e2e_conftest.serving(app) as url:
            yield url
    finally:
        workers.stop(worker)


def test_upload_build_render_download(browser: Browser, stack: str, tmp_path: Path) -> None:
    clip = media_support.make_video(
        tmp_path / "vuon-che.mp4", seconds=CLIP_SECONDS, size=(320, 240)
    )
    context = browser.new_context(
        viewport=DESKTOP, base_url=stack, locale="vi-VN", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/auth/login")
        page.fill("input[name=username]", SELLER)
        page.fill("input[name=password]", conftest.PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page).to_have_url(re.compile(r"/dashboard$"))

        page.get_by_test_id("nav-studio").click()
        expect(page.get_by_test_id("no-videos")).to_be_visible()
        page.get_by_test_id("upload-asset").first.click()
        page.set_input_files("input[name=file]", str(clip))
        page.select_option("select[name=role]", "footage")
        page.get_by_test_id("upload-submit").click()
        expect(page).to_have_url(re.compile(r"/studio/assets/\d+$"))
        asset_id = page.url.rsplit("/", 1)[-1]
        # The page polls the API and reloads once the worker has ingested the clip.
        expect(page.get_by_test_id("asset-status")).to_have_attribute(
            "data-status", "ready", timeout=90_000
        )
        expect(page.get_by_test_id("proxy-preview")).to_be_visible()

        page.get_by_test_id("make-video").click()
        page.fill("input[name=title]", "Nước mắm Trà Cổ cho TikTok")
        page.select_option("select[name=profile]", "tiktok")
        # The clip comes preselected, whole, from its page.
        expect(page.locator("select[name='clips-0-asset']")).to_have_value(asset_id)
        expect(page.locator("input[name='clips-0-out']")).to_have_value(f"{CLIP_SECONDS:g}")
        page.fill("input[name='clips-0-in_']", "0")
        page.fill("input[name='clips-0-out']", f"{CLIP_SECONDS:g}")
        page.select_option("select[name='clips-0-crop_mode']", "center")
        page.fill("input[name='captions-0-text']", CAPTION)
        page.fill("input[name='captions-0-start']", "0.3")
        page.fill("input[name='captions-0-end']", "2.5")
        page.get_by_test_id("save-video").click()
        expect(page).to_have_url(re.compile(r"/studio/videos/\d+$"))
        video_url = page.url
        expect(page.get_by_test_id("video-title")).to_have_text("Nước mắm Trà Cổ cho TikTok")
        expect(page.get_by_test_id("captions")).to_contain_text(CAPTION)
        expect(page.get_by_test_id("recipe-json")).to_contain_text(CAPTION)

        page.get_by_test_id("render").click()
        expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
        expect(page.locator("#job-percent")).to_have_text("100%", timeout=120_000)
        expect(page.locator("#job-status")).to_contain_text("Hoàn tất", timeout=15_000)

        page.goto(video_url)
        expect(page.locator("[data-testid=render-row][data-status=done]")).to_have_count(1)
        with page.expect_download() as info:
            page.get_by_test_id("download").click()
        download = info.value
        assert download.suggested_filename.endswith(".mp4")
        saved = tmp_path / "downloaded.mp4"
        download.save_as(saved)
    finally:
        context.close()

    seconds = media_support.check_render(saved, RENDER_SIZE)
    assert RENDER_SIZE[0] * 16 == RENDER_SIZE[1] * 9
    assert seconds == pytest.approx(CLIP_SECONDS, abs=0.2)
