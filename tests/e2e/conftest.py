"""Browser fixtures: a live app on SQLite and on PostgreSQL, Debian's Chromium driven by
Playwright.

Every browser test runs twice, once per database backend (``e2e_backend``, a session fixture
parametrised over both, so pytest runs all SQLite tests, then all PostgreSQL ones). One server
per backend and one browser per session; every test gets a fresh browser context (own cookies,
own viewport), so tests never share a signed-in session.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import itertools
import os
import re
import subprocess
import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from werkzeug import serving as werkzeug_serving

from app import extensions
from app.core import clock
from app.jobs import registry
from app.jobs import service as jobs_service
from app.live import common as live_common
from app.models import accounts, catalog, channels, live
from app.orders import exports, manual
from app.setup import demo
from tests.conftest import PASSWORD, app_env, make_app
from tests.support import net, postgres, workers
from vietnam import ocop_categories

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# One demo account per role (see app/services/demo.py).
DEMO_USERS: dict[accounts.Role, str] = {
    accounts.Role.ADMIN: "admin",
    accounts.Role.COORDINATOR: "dieuphoi",
    accounts.Role.SELLER: "banhang.minh",
    accounts.Role.PRODUCER: "ntm.traco",
    accounts.Role.UNION: "doan.quangninh",
}


class _ClosingIterable:
    """Closes the response body even when werkzeug's dev server skips it.

    When a browser drops a streamed response (a <video> element abandoning a range request),
    the dev server's clean-up can fail before it calls ``close()``, and the open media file
    then surfaces as a ResourceWarning in whatever test runs next. gunicorn closes it itself.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._closed = False

    def __iter__(self) -> Any:
        return iter(self._inner)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()

    def __del__(self) -> None:
        self.close()


def serve(app: flask.Flask) -> Any:
    """``app`` as the dev server should see it in browser tests (see _ClosingIterable)."""

    def wsgi(environ: Any, start_response: Any) -> Any:
        return _ClosingIterable(app(environ, start_response))

    return wsgi


class _Requests:
    """Requests being answered: a server stops only once its long polls (the desk's feed holds
    a read up to 20 s) are answered, so none still holds a database connection when the app
    lets go of its database."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()

    def wrap(self, wsgi: Any) -> Any:
        def counted(environ: Any, start_response: Any) -> Any:
            with self.changed:
                self.count += 1
            try:
                return wsgi(environ, start_response)
            finally:
                with self.changed:
                    self.count -= 1
                    self.changed.notify_all()

        return counted

    def wait_idle(self, timeout: float) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.count == 0, timeout=timeout)


@dataclasses.dataclass(frozen=True)
class LiveServer:
    """A running app: its base URL and the demo usernames by role."""

    url: str
    usernames: dict[accounts.Role, str]


def _require_chromium() -> None:
    """Skip (fail under CI) when Debian's Chromium is not installed."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    problem = f"{CHROMIUM} is missing (run scripts/install-test-deps.sh)"
    if os.environ.get("CI"):
        pytest.fail(f"Browser tests cannot run in CI: {problem}")
    pytest.skip(f"Browser tests skipped: {problem}")


def _seed_tree(app: flask.Flask) -> None:
    """Tables and the OCOP category tree (the migration seeds it; create_all does not)."""
    with app.app_context():
        extensions.db.create_all()
        extensions.db.session.execute(sa.insert(catalog.OcopCategory), ocop_categories.rows())
        extensions.db.session.commit()
        extensions.db.session.remove()


def seed_demo(app: flask.Flask, *, photos: bool = False, shops: bool = False) -> None:
    """Tables, the category tree and the demo data; with ``photos`` the demo's product
    photos and with ``shops`` its marketplace shops, as ``make run`` has them (their sandbox
    servers are not started: the shops stay unconnected)."""
    _seed_tree(app)
    with app.app_context():
        media_root = app.config["MEDIA_ROOT"] if photos else None
        sandbox_urls = {name: "http://127.0.0.1:9" for name in demo.SANDBOX_CHANNELS}
        demo.load(
            extensions.db.session,
            PASSWORD,
            media_root=media_root,
            sandbox_urls=sandbox_urls if shops else None,
        )
        for role, username in DEMO_USERS.items():
            user = extensions.db.session.scalar(
                sa.select(accounts.User).where(accounts.User.username == username)
            )
            assert user is not None and user.role == role, f"demo data lacks {username}"
        extensions.db.session.remove()


def add_examples(app: flask.Flask) -> None:
    """What the demo data lacks for a tour of every page: an order in the demo's livestream
    (entered by the coordinator), a finished system check (the admin's job) and, when the
    demo has its shops, listings in every state, with long marketplace errors."""
    with app.app_context():
        db = extensions.db.session
        users = {
            user.username: user
            for user in db.scalars(
                sa.select(accounts.User).where(accounts.User.username.in_(["admin", "dieuphoi"]))
            )
        }
        show = db.scalar(sa.select(live.LiveSession).order_by(live.LiveSession.id))
        assert show is not None and show.slots, "demo data lacks its livestream"
        slot = show.slots[0]
        variant = slot.variant or slot.product.variants[0]
        during = live_common.to_local(show.starts_at) + dt.timedelta(minutes=5)
        manual.enter_order(
            db,
            users["dieuphoi"],
            {
                "platform": "tiktok",
                "session_id": show.id,
                "placed_at": f"{during:%d/%m/%Y %H:%M}",
                "buyer_phone": "0912 345 678",
                "buyer_name": "Chị Lan",
                "lines": [{"sku": variant.sku, "quantity": 2}],
            },
        )
        job = jobs_service.start(
            db,
            registry.current(),
            kind="system.check",
            params={},
            owner=users["admin"],
            dispatch=lambda job, queue: f"in-process-{job.id}",
        )
        jobs_service.run(db, registry.current(), job.id)
        _add_listings(db)
        db.remove()


def _add_listings(db: so.Session) -> None:
    """Listings of the demo's Shopee and Postmart shops: live, refused, paused, queued."""
    products = db.scalars(sa.select(catalog.Product).order_by(catalog.Product.id)).all()
    State = channels.ListingState
    for account in db.scalars(sa.select(channels.ChannelAccount)):
        if account.marketplace not in ("shopee", "postmart"):
            continue
        for product, state in zip(
            products, (State.LIVE, State.NEEDS_ACTION, State.PAUSED, State.QUEUED), strict=False
        ):
            listing = channels.Listing(
                account_id=account.id, product_id=product.id, state=state, attempts=0
            )
            if state == State.LIVE:
                listing.external_id = "2300000000000123456789"
                slug = "dac-san-ocop-quang-ninh-" * 4
                listing.url = f"https://shopee.vn/{slug}i.123456.{listing.external_id}"
                listing.last_synced_at = clock.utcnow()
            elif state == State.NEEDS_ACTION:
                listing.attempts = 3
                listing.error_code = "invalid_fields"
                listing.last_error = (
                    "Sàn từ chối: " + "thuộc tính bắt buộc của ngành hàng còn thiếu; " * 3
                )
                listing.error_fields = {
                    "images": ["Cần 1–9 ảnh, cạnh ngắn nhất 500 px."],
                    "attributes.brand": ["Thương hiệu phải có trong danh sách của sàn."],
                }
            elif state == State.PAUSED:
                listing.paused_reason = "certificate"
            db.add(listing)
    db.commit()


def start_worker(
    db_url: str, folder: Path, name: str, queues: str = "default"
) -> subprocess.Popen[bytes]:
    """A real Celery worker (one thread) for a served app on ``db_url`` and the broker of its
    ``folder``, on ``queues``; its log in the folder. Stop it with ``workers.stop``."""
    return workers.start(
        app_env(db_url, folder), folder / "worker.log", name, concurrency=1, queues=queues
    )


BACKENDS = ("sqlite", "postgresql")
_database_numbers = itertools.count(1)

NewDatabase = Callable[[Path], str]


@dataclasses.dataclass
class Served:
    """One module's app, served for its browser tests, with its database URL and folder (what
    a real worker for it needs: ``start_worker``)."""

    app: flask.Flask
    url: str
    db_url: str
    folder: Path


def demo_app(
    tmp_path_factory: pytest.TempPathFactory,
    new_database: NewDatabase,
    name: str,
    *,
    shops: bool = False,
) -> tuple[flask.Flask, str, Path]:
    """An app (CSRF on) on a new database holding the demo data; its database URL and folder."""
    folder = tmp_path_factory.mktemp(name)
    db_url = new_database(folder)
    app = make_app(db_url, folder, WTF_CSRF_ENABLED=True)
    seed_demo(app, shops=shops)
    return app, db_url, folder


@pytest.fixture(scope="session", params=BACKENDS)
def e2e_backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this round of browser tests."""
    return str(request.param)


@pytest.fixture(scope="session")
def new_database(e2e_backend: str, request: pytest.FixtureRequest) -> NewDatabase:
    """Make an empty database on this round's backend (a file under the given folder on
    SQLite, a new database on the shared test server on PostgreSQL); returns its URL."""
    _require_chromium()  # skip before starting PostgreSQL for nothing
    server: postgres.Server | None = None
    if e2e_backend == "postgresql":
        server = request.getfixturevalue("pg_server")

    def make(folder: Path) -> str:
        if server is None:
            return f"sqlite:///{folder / 'app.db'}"
        return server.create_database(f"ocop_e2e_{os.getpid()}_{next(_database_numbers)}")

    return make


@contextlib.contextmanager
def serving(app: flask.Flask, ready: str = "/auth/login") -> Iterator[str]:
    """Serve ``app`` from a background thread on a free port, once ``ready`` (a path) answers;
    yields its base URL. When it ends, the server stops and the app lets go of its database.

    scripts/screenshots.py starts its app the same way."""
    port = net.free_port()
    requests = _Requests()
    server = werkzeug_serving.make_server(
        "127.0.0.1", port, requests.wrap(serve(app)), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        net.wait_for_http(f"{url}{ready}")
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        requests.wait_idle(timeout=40)
        server.server_close()
        with app.app_context():
            extensions.db.session.remove()
            extensions.db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, new_database: NewDatabase, e2e_backend: str
) -> Iterator[LiveServer]:
    """The app with CSRF on, served from a background thread on a free port."""
    _require_chromium()
    tmp_path = tmp_path_factory.mktemp(f"e2e-{e2e_backend}")
    app = make_app(new_database(tmp_path), tmp_path, WTF_CSRF_ENABLED=True)
    seed_demo(app)
    with serving(app) as url:
        yield LiveServer(url, dict(DEMO_USERS))


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    """Playwright's driver, started once (it only ever launches /usr/bin/chromium)."""
    _require_chromium()
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """One Chromium for the whole session."""
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[NewPage]:
    """Open a page in a fresh context (desktop size unless told otherwise).

    A failing test leaves a screenshot of each of its pages under its tmp_path. Any
    Content-Security-Policy violation a page reports fails the test: every script and style
    the app serves must be allowed by its own policy.
    """
    contexts: list[BrowserContext] = []
    violations: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    def open_page(viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(
            viewport=viewport or DESKTOP, base_url=live_server.url, locale="vi-VN"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        return page

    yield open_page

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    for number, context in enumerate(contexts):
        if failed:
            for index, page in enumerate(context.pages):
                # A screenshot is a bonus, never a second failure.
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(tmp_path / f"failure-{number}-{index}.png"))
        context.close()
    assert not violations, f"the page broke its own Content-Security-Policy: {violations}"


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A desktop-size page (1280x800) in its own context."""
    return new_page()


def order_file(path: Path, day: dt.date) -> Path:
    """Three demo-catalog orders on ``day`` (Vietnam time, 20:05–20:45) in the app's import
    template: GMV 495.000 ₫ (a cancelled 55.000 ₫ line included), Net GMV 440.000 ₫, two
    buyers (one phone written two ways)."""
    when = day.strftime("%d/%m/%Y")
    rows = [
        list(exports.TEMPLATE_HEADERS),
        ["tiktok", "E2E-1", f"{when} 20:05", "paid", "NMTC-500", "Nước mắm", "2", "95000",
         "0912 345 678", "", "Lan"],
        ["tiktok", "E2E-2", f"{when} 20:30", "completed", "CTC-100", "Chè", "1", "250000",
         "+84 912 345 678", "", "Lan"],
        ["tiktok", "E2E-3", f"{when} 20:45", "cancelled", "NMTC-250", "Nước mắm", "1", "55000",
         "0987654321", "", "Hoa"],
    ]  # fmt: skip
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def sign_in(page: Page, username: str) -> None:
    """Sign in through the login form and land on the dashboard."""
    page.goto("/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def signed_in(new_page: NewPage, *usernames: str) -> list[Page]:
    """A fresh page per user, each signed in."""
    pages = [new_page() for _ in usernames]
    for page, username in zip(pages, usernames, strict=True):
        sign_in(page, username)
    return pages


def fill_variant(page: Page, index: int, sku: str, name: str, price: str, stock: str) -> None:
    """Fill row ``index`` of the product form's variants."""
    for field, value in (("sku", sku), ("name", name), ("price", price), ("stock", stock)):
        page.fill(f"input[name=variants-{index}-{field}]", value)


def fill_session(
    page: Page, title: str, day: str, start: str, end: str, host: str | None = None
) -> None:
    """Fill the new livestream form (TikTok, ``day`` as YYYY-MM-DD, ``host`` ticked) and save."""
    page.fill("input[name=title]", title)
    page.select_option("select[name=platform]", "tiktok")
    page.fill("input[name=day]", day)
    page.fill("input[name=start_time]", start)
    page.fill("input[name=end_time]", end)
    if host is not None:
        page.get_by_label(host).check()
    page.get_by_test_id("save-session").click()


@pytest.fixture
def coordinator_page(new_page: NewPage, live_server: LiveServer) -> Page:
    """A desktop-size page signed in as the demo club's coordinator."""
    page = new_page()
    sign_in(page, live_server.usernames[accounts.Role.COORDINATOR])
    return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, for the screenshot-on-failure teardown."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def click_nav(page: Page, testid: str) -> None:
    """Follow a menu entry as a person does: unfold the ☰ menu on a phone, open the entry's
    group (Quản lý, the account menu) when it is folded, then click."""
    nav = page.locator("nav.nav")
    toggle = page.get_by_test_id("nav-toggle")
    if not nav.is_visible() and toggle.is_visible():
        toggle.click()
    group = page.locator("details.nav-group", has=page.get_by_test_id(testid))
    if group.count() and not group.evaluate("details => details.open"):
        group.locator("summary").click()
    page.get_by_test_id(testid).click()
