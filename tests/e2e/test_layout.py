"""Every page fits the screen: for every role, in Vietnamese and in English, no page is wider
than the window on a 390×844 phone or a 1366×900 laptop; the menu fits one line on the laptop,
folds behind ☰ on the phone, and each of its entries can be followed on both.

Pages are found as a person finds them: from the dashboard, the menu entries and then the
links on each page, three clicks deep (a product, a livestream and its control page, an
order, a report, a job...). One page per address pattern (ids replaced), so the tour stays
the same length however much data the demo holds. Each role signs in once.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect

from app.models import accounts
from tests.conftest import make_app
from tests.e2e.conftest import (
    DEMO_USERS,
    LAPTOP,
    PHONE,
    NewDatabase,
    add_examples,
    click_nav,
    seed_demo,
    serving,
)
from tests.e2e.test_shell import sign_in

pytestmark = pytest.mark.e2e

VIEWPORTS = {"phone": PHONE, "laptop": LAPTOP}
DEPTH = 3  # dashboard → menu page → list → detail
# Addresses that are no page to lay out: the API and its Swagger page (not ours), files and
# downloads, the language switch and sign-in/out, the marketplace consent callback.
NOT_PAGES = re.compile(
    r"^/(api|static|media|lang|auth)/"
    r"|\.(csv|xlsx|png|jpe?g|webp|svg|ics|json|mp4|webm|zip|pdf)$"
    r"|/(export|template|download|file|callback|state)$"
)
DOWNLOAD_QUERY = re.compile(r"(^|&)(format|download)=")
# Every page a role's tour must reach (beyond its menu), by address pattern.
MUST_REACH = {
    accounts.Role.ADMIN: {"/catalog/products/#", "/orders/#", "/jobs/#", "/live/sessions/#"},
    accounts.Role.COORDINATOR: {
        "/catalog/products/#",
        "/live/sessions/#",
        "/live/sessions/#/control",
        "/orders/#",
        "/reports/sessions/#",
    },
    accounts.Role.SELLER: {"/catalog/products/#", "/orders/#", "/live/sessions/#/host"},
    accounts.Role.PRODUCER: {"/catalog/products/#", "/producers/#"},
    accounts.Role.UNION: {"/catalog/products/#", "/reports/clubs"},
}

# How wide the document is, and which elements stick out (those whose parent fits, outside
# any box that scrolls or clips), to name the culprit in a failure.
MEASURE = """() => {
  const limit = window.innerWidth;
  const width = document.documentElement.scrollWidth;
  if (width <= limit) return null;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase()
    + (el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : '')
    + (el.classList.length ? '.' + Array.from(el.classList).join('.') : '');
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    const parent = el.parentElement;
    if (right <= limit + 0.5 || clipped(el)) continue;
    if (parent !== document.body && parent.getBoundingClientRect().right > limit + 0.5) continue;
    culprits.push(`${name(parent)} > ${name(el)} (right edge ${Math.round(right)} px)`);
  }
  return {width, culprits: culprits.slice(0, 6)};
}"""

# The menu's top-level entries, brand and language switch: on one row when they all share
# a horizontal band (the lowest top above the highest bottom).
MENU_ROW = """() => {
  const items = Array.from(document.querySelectorAll(
    '.topbar > .brand, nav.nav > a, nav.nav > details > summary, .topbar > .langs'
  )).filter((el) => el.getClientRects().length).map((el) => el.getBoundingClientRect());
  return {
    count: items.length,
    oneRow: Math.max(...items.map((box) => box.top)) < Math.min(...items.map((box) => box.bottom)),
    height: document.querySelector('.topbar').getBoundingClientRect().height,
  };
}"""

IN_VIEW = """(el) => {
  const box = el.getBoundingClientRect();
  return box.left >= 0 && box.right <= window.innerWidth + 0.5;
}"""


def _pattern(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/#", path.rstrip("/") or "/")


@dataclasses.dataclass
class Tour:
    """What one role's tour found: pages by pattern, and every layout problem met."""

    page: Page
    origin: str
    pages: dict[str, str] = dataclasses.field(default_factory=dict)  # pattern → path
    problems: list[str] = dataclasses.field(default_factory=list)

    def measure(self, where: str) -> None:
        """The current page at both sizes (the current one first: no extra resize)."""
        current = self.page.viewport_size
        order = sorted(VIEWPORTS.items(), key=lambda item: item[1] != current)
        for name, size in order:
            if self.page.viewport_size != size:
                self.page.set_viewport_size(size)
            found = self.page.evaluate(MEASURE)
            if found:
                self.problems.append(
                    f"{where} at {name} {size['width']} px: document {found['width']} px wide; "
                    f"sticking out: {found['culprits']}"
                )

    def links(self) -> list[str]:
        """Same-site page links on the current page, as paths with their query."""
        found = []
        for href in self.page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map(a => a.href)"
        ):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != self.origin or NOT_PAGES.search(parts.path):
                continue
            if DOWNLOAD_QUERY.search(parts.query):
                continue
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return found

    def visit(self, path: str, language: str) -> bool:
        """Open one page and measure it; False when it is no HTML page after all."""
        try:
            response = self.page.goto(path)  # "load": every stylesheet applied
        except Error as exc:  # a link that downloads a file
            if "Download is starting" in str(exc):
                return False
            raise
        assert response is not None
        if "text/html" not in (response.headers.get("content-type") or ""):
            return False
        if response.status >= 400:
            self.problems.append(f"{path} ({language}): answers HTTP {response.status}")
        self.measure(f"{path} ({language})")
        return True

    def crawl(self, language: str) -> None:
        """Breadth-first from the dashboard, one page per pattern, DEPTH clicks deep."""
        frontier = ["/dashboard"]
        for depth in range(DEPTH + 1):
            following: list[str] = []
            for path in frontier:
                pattern = _pattern(urlsplit(path).path)
                if pattern in self.pages:
                    continue
                self.pages[pattern] = path
                if not self.visit(path, language):
                    del self.pages[pattern]
                    continue
                if depth < DEPTH:
                    following.extend(self.links())
            frontier = following


@pytest.fixture(scope="module")
def layout_server(
    tmp_path_factory: pytest.TempPathFactory, e2e_backend: str, request: pytest.FixtureRequest
) -> Iterator[str]:
    """Its own app (the tour adds an order, a job and listings that other browser tests must
    not see). Layout does not depend on the database: one round, on SQLite, is enough."""
    if e2e_backend != "sqlite":
        pytest.skip("page layout does not depend on the database backend")
    new_database: NewDatabase = request.getfixturevalue("new_database")
    tmp_path: Path = tmp_path_factory.mktemp(f"layout-{e2e_backend}")
    app = make_app(new_database(tmp_path), tmp_path, WTF_CSRF_ENABLED=True)
    seed_demo(app, photos=True, shops=True)
    add_examples(app)
    with serving(app) as url:
        yield url


def _check_menu(page: Page, language: str) -> None:
    """The menu on the dashboard: one line at 1366 px, folded on the phone, groups that open
    inside the window, one at a time, and close with Escape."""
    page.set_viewport_size(LAPTOP)
    page.goto("/dashboard")
    nav, toggle = page.locator("nav.nav"), page.get_by_test_id("nav-toggle")
    expect(nav).to_be_visible()
    expect(toggle).to_be_hidden()
    row = page.evaluate(MENU_ROW)
    assert row["count"] >= 4 and row["oneRow"], f"menu wraps at 1366 px ({language}): {row}"
    groups = page.locator("details.nav-group")
    for index in range(groups.count()):
        group = groups.nth(index)
        group.locator("summary").click()
        menu = group.locator(".nav-menu")
        expect(menu).to_be_visible()
        assert menu.evaluate(IN_VIEW), f"menu group {index} leaves the window ({language})"
        found = page.evaluate(MEASURE)
        assert not found, f"1366 px with menu group {index} open is too wide ({language}): {found}"
    expect(page.locator("details.nav-group[open]")).to_have_count(1)  # opening one closed the rest
    page.keyboard.press("Escape")
    expect(page.locator("details.nav-group[open]")).to_have_count(0)

    page.set_viewport_size(PHONE)
    expect(nav).to_be_hidden()
    toggle.click()
    expect(nav).to_be_visible()
    for index in range(groups.count()):
        groups.nth(index).locator("summary").click()
        expect(groups.nth(index).locator(".nav-menu")).to_be_visible()
        found = page.evaluate(MEASURE)
        assert not found, f"open phone menu, group {index}, is too wide ({language}): {found}"


def _follow_menu(page: Page, viewport: dict[str, int]) -> None:
    """Every menu entry (but the API docs and sign-out) reached by clicking, at this size."""
    page.set_viewport_size(viewport)
    page.goto("/dashboard")
    entries = page.eval_on_selector_all(
        "nav.nav a[data-testid]",
        "links => links.map(a => [a.dataset.testid, a.href])",
    )
    for testid, href in entries:
        if testid == "nav-api":
            continue
        click_nav(page, testid)
        expect(page).to_have_url(re.compile("^" + re.escape(href)))  # or a page under it
        page.wait_for_load_state()  # the next entry is looked for on the new page


@pytest.mark.parametrize("role", list(DEMO_USERS), ids=lambda role: role.value)
def test_every_page_fits_phone_and_laptop(
    browser: Browser, layout_server: str, role: accounts.Role
) -> None:
    context = browser.new_context(viewport=PHONE, base_url=layout_server, locale="vi-VN")
    context.set_default_timeout(10_000)
    violations: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    try:
        page = context.new_page()
        page.on("console", watch)
        sign_in(page, DEMO_USERS[role])
        expect(page).to_have_url(re.compile(r"/dashboard$"))
        tour = Tour(page, layout_server)

        _check_menu(page, "vi")
        _follow_menu(page, PHONE)
        _follow_menu(page, LAPTOP)
        tour.crawl("vi")
        missing = MUST_REACH[role] - set(tour.pages)
        assert not missing, f"the tour never reached {missing}; it saw {sorted(tour.pages)}"

        page.goto("/lang/en?next=/dashboard")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        _check_menu(page, "en")
        for path in tour.pages.values():
            tour.visit(path, "en")
        assert page.locator("html").get_attribute("lang") == "en"  # still English at the end

        assert not tour.problems, "\n".join(tour.problems)
        assert not violations, f"pages broke their own Content-Security-Policy: {violations}"
    finally:
        context.close()


def test_favicon_is_served(layout_server: str) -> None:
    """Pages link the icon, and browsers that ask for /favicon.ico on their own (pages without
    the link, bookmarks) get it too rather than a 404."""
    page_html = _get(f"{layout_server}/auth/login")[1].decode()
    linked = re.findall(r'<link rel="icon" href="([^"]+)"', page_html)
    assert linked, "the sign-in page links no icon"
    for href in [*linked, "/favicon.ico"]:
        status, body, kind = _get(layout_server + href)
        assert status == 200 and kind.startswith("image/") and body, (href, status, kind)


def _get(url: str) -> tuple[int, bytes, str]:
    """Status, body and content type of a GET (a 404 is an answer, not an exception)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read(), answer.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, b"", error.headers.get_content_type()
