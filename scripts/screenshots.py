"""Phone screenshots of the main pages, for the README (docs/screenshots/*.png).

Starts the app on a throwaway SQLite database with the demo data, the way the browser tests
do (tests/e2e/conftest.py: the same seed, the same threaded server, Debian's Chromium), plus
the demo's product photos, one order and a finished system check. Signs in as the demo
coordinator on a 390×844 phone and saves the first screen of each page, reduced to a
256-colour palette so each file stays small.

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/
    .venv/bin/python scripts/screenshots.py --lang en  # the English pages, *-en.png
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.conftest import make_app  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    add_examples,
    seed_demo,
    serving,
)
from tests.e2e.test_shell import sign_in  # noqa: E402

COORDINATOR = "dieuphoi"
MAX_BYTES = 150_000
SCALE = 2  # pixels per CSS pixel, as on most phones: sharp text, still small palette PNGs


def _first_link(page: Page, pattern: str) -> None:
    """Open the first link on the page whose address matches ``pattern``."""
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.href)")
    target = next(href for href in hrefs if re.search(pattern, href))
    page.goto(target)


def _valid_product(page: Page) -> None:
    """A product whose OCOP certificate is valid (the demo also has an expired one)."""
    cards = page.get_by_test_id("product-card").filter(has=page.locator("[data-status=active]"))
    if cards.count():
        cards.first.get_by_test_id("product-link").click()
    else:
        _first_link(page, r"/catalog/products/\d+$")


def _start_show(page: Page) -> None:
    """The control page with the run-of-show started, as during a live."""
    page.get_by_test_id("control-start").click()
    expect(page.get_by_test_id("control-ends")).to_be_visible()


def _show(page: Page, testid: str) -> None:
    """Scroll an element into the picture (the filters fill a phone's first screen)."""
    page.get_by_test_id(testid).scroll_into_view_if_needed()


def _open_menu(page: Page) -> None:
    page.get_by_test_id("nav-toggle").click()
    page.get_by_test_id("nav-group-manage").locator("summary").click()


def _goto_control(page: Page) -> None:
    _first_link(page, r"/live/sessions/\d+$")
    page.goto(page.url.rstrip("/") + "/control")
    _start_show(page)


# (file name, path to open first, what to do there before the picture)
Step = tuple[str, str, Callable[[Page], None] | None]
STEPS: list[Step] = [
    ("dashboard", "/dashboard", None),
    ("menu", "/dashboard", _open_menu),
    ("products", "/catalog/products", None),
    ("product", "/catalog/products", _valid_product),
    ("live-session", "/live/", lambda page: _first_link(page, r"/live/sessions/\d+$")),
    ("live-control", "/live/", _goto_control),
    ("orders", "/orders/", lambda page: _show(page, "orders-table")),
    ("order", "/orders/", lambda page: _first_link(page, r"/orders/\d+$")),
    ("report", "/reports/", lambda page: _first_link(page, r"/reports/sessions/\d+$")),
]


def _save(png: bytes, target: Path) -> int:
    """Write ``png`` as a palette PNG; returns its size in bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(target, optimize=True)
    return target.stat().st_size


def take(out: Path, language: str) -> list[tuple[Path, int]]:
    """Every picture in STEPS, saved under ``out``; returns (file, size) pairs."""
    out.mkdir(parents=True, exist_ok=True)
    saved: list[tuple[Path, int]] = []
    with tempfile.TemporaryDirectory(prefix="ocop-screens-") as folder:
        tmp = Path(folder)
        # A public address as a real club sets it (else pages warn that QR codes point here).
        app = make_app(
            f"sqlite:///{tmp / 'app.db'}",
            tmp,
            WTF_CSRF_ENABLED=True,
            PUBLIC_BASE_URL="https://ocop.example.vn",
        )
        seed_demo(app, photos=True, shops=True)
        add_examples(app)
        with serving(app) as url, sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(
                viewport=PHONE, base_url=url, locale="vi-VN", device_scale_factor=SCALE
            )
            page = context.new_page()
            sign_in(page, COORDINATOR)
            expect(page).to_have_url(re.compile(r"/dashboard$"))
            if language != "vi":
                page.goto(f"/lang/{language}?next=/dashboard")
            suffix = "" if language == "vi" else f"-{language}"
            for name, path, prepare in STEPS:
                page.goto(path)
                if prepare is not None:
                    prepare(page)
                target = out / f"{name}{suffix}.png"
                saved.append((target, _save(page.screenshot(), target)))
            context.close()
            browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="vi", choices=["vi", "en"])
    args = parser.parse_args(argv)
    if not CHROMIUM.is_file():
        print(f"{CHROMIUM} is missing (run scripts/install-test-deps.sh)", file=sys.stderr)
        return 2
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    too_big = []
    for target, size in take(args.out, args.lang):
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {size} B")
        if size > MAX_BYTES:
            too_big.append(target.name)
    if too_big:
        print(f"larger than {MAX_BYTES} bytes: {too_big}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
