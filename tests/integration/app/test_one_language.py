"""One language per page, both ways, and no "UTC": every page of every role, in VI and EN.

A club with full data (``tests/support/tenants.py``) is seeded, then every role signs in,
chooses a language and opens every GET page of the URL map (ids filled from the seed), and
every form page again with an empty form (its error messages). Each HTML answer's visible
text is checked by ``tests/support/one_language.py``: no "UTC"; no English-only word on a
Vietnamese page; no Vietnamese letter on an English page outside user data. User data are the
strings the database holds (names, addresses, notes; not the text the app wrote there, such as
job titles and errors) and the place names of the provinces in use; templates can also mark an
element ``lang="vi"`` or ``data-user-text``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
import werkzeug.routing
from werkzeug.datastructures import FileStorage

from app import catalog_io, extensions
from app.channels import messages
from app.jobs import registry
from app.jobs import service as jobs_service
from app.models import accounts, channels, jobs
from integrations import errors as integration_errors
from tests import conftest
from tests.integration.app import test_club_isolation as isolation
from tests.support import one_language
from vietnam import admin_units

Role = accounts.Role
LANGUAGES = ("vi", "en")
# Not pages: the language switch itself, the health check (JSON), files.
NOT_PAGES = {"static", "main.set_language", "main.healthz", "public.media", "live.feed"}
STRING_VALUES = {"which": "proxy"}
# Forms whose empty POST does something other than show the form's errors.
NO_EMPTY_POST = {
    "auth.login",  # signs the client out of its session; checked anonymously below
    "live.control",  # buttons of a running live, not a form
    "setup.index",  # only on an empty instance; checked below
}
# Columns holding text the app wrote (in the language of the moment), not user data: the
# pages must translate these, so they are not cut out before the checks.
APP_TEXT_COLUMNS = {
    ("jobs", "title"),
    ("jobs", "message"),
    ("jobs", "error"),
    ("jobs", "kind"),
    ("channel_accounts", "last_error"),
    ("listings", "last_error"),
    ("listings", "paused_reason"),
    ("media_assets", "error"),
    ("renders", "error"),
}
# JSON columns holding what people typed (a shop's settings, a video's captions, viewers'
# comments); the other JSON columns are the app's (job results, listing errors, analyses).
USER_JSON_COLUMNS = {
    ("channel_accounts", "config"),
    ("videos", "recipe"),
    ("renders", "recipe"),
    ("comment_batches", "proposals"),
}
CODE = re.compile(r"[a-z]+")
APP_TEXT_COLUMN_NAMES = {"password_hash", "secrets_enc", "search_text", "token_hash"}


def user_data(app: flask.Flask) -> set[str]:
    """Every string people typed that the database holds, and the place names in use."""
    found: set[str] = set()
    provinces: set[int] = set()
    with app.app_context():
        db = extensions.db.session
        for table in extensions.db.metadata.sorted_tables:
            columns = [
                column
                for column in table.columns
                if isinstance(column.type, sa.String)
                and not isinstance(column.type, sa.Enum)
                and (table.name, column.name) not in APP_TEXT_COLUMNS
                and column.name not in APP_TEXT_COLUMN_NAMES
            ]
            columns += [c for c in table.columns if (table.name, c.name) in USER_JSON_COLUMNS]
            codes = [column for column in table.columns if column.name.endswith("province_code")]
            if not columns and not codes:
                continue
            for row in db.execute(sa.select(*columns, *codes)).all():
                for value in row:
                    if isinstance(value, int) and not isinstance(value, bool):
                        provinces.add(value)  # only the province codes are selected as ints
                    else:
                        found.update(piece for text in _strings(value) for piece in _pieces(text))
    for unit in admin_units.provinces():
        found.add(unit.name)
    for code in provinces:
        found.update(unit.name for unit in admin_units.communes(code))
    return {value for value in found if value.strip()}


def _strings(value: Any) -> list[str]:
    """The strings of a value: itself, or the values (not keys) of stored JSON."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _pieces(value: str) -> set[str]:
    """A stored value and its lines (a page may show a multi-line note line by line).

    A lower-case word ("tiktok", "manual") is a code the app stored, not user data; values
    shorter than three characters or without a letter ("2", "80") are left in place, or they
    would cut digits out of every sentence.
    """
    if CODE.fullmatch(value):
        return set()
    lines = {" ".join(line.split()) for line in value.splitlines()}
    pieces = {" ".join(value.split()), *lines}
    return {p for p in pieces if len(p) >= 3 and any(c.isalpha() for c in p)}


def _url(rule: werkzeug.routing.Rule, ids: dict[str, Any]) -> str | None:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, werkzeug.routing.IntegerConverter):
            if name not in ids:
                return None
            values[name] = ids[name]
        else:
            values[name] = STRING_VALUES.get(name, "x")
    return rule.build(values, append_unknown=False)[1]


def _pages(app: flask.Flask, ids: dict[str, Any], method: str = "GET") -> list[tuple[str, str]]:
    """(endpoint, url) of every web page answering ``method`` (GET, or POST for forms)."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        methods = rule.methods or set()
        if (
            rule.endpoint in NOT_PAGES
            or rule.rule.startswith("/api/")
            or "GET" not in methods
            or (method == "POST" and ("POST" not in methods or rule.endpoint in NO_EMPTY_POST))
        ):
            continue
        url = _url(rule, ids)
        if url is not None:
            found.append((rule.endpoint, url))
    return found


class Walk:
    """Opens pages and collects what is wrong with them."""

    def __init__(self, app: flask.Flask) -> None:
        self.user_data = user_data(app)
        self.failures: list[tuple[str, str]] = []  # (where, problem)
        self.checked = 0

    def report(self) -> str:
        """The failures, each problem once with the pages (role, language, request) showing it."""
        pages: dict[str, list[str]] = {}
        for where, problem in self.failures:
            pages.setdefault(problem, []).append(where)
        return "\n".join(
            f"{problem}\n    on {len(where)} page(s): {'; '.join(where[:4])}"
            for problem, where in sorted(pages.items())
        )

    def check(self, response: Any, who: str, language: str, what: str) -> None:
        kind = response.content_type or ""
        if not kind.startswith("text/html") or response.status_code in (301, 302, 303):
            response.close()
            return
        body = response.get_data(as_text=True)
        response.close()
        self.checked += 1
        shown = one_language.page_language(body)
        if shown not in (language, None):  # None: a fragment (options of a select…)
            self.failures.append((f"{who} {language} {what}", f"<html lang={shown!r}>"))
        text = one_language.visible_text(body)
        for problem in one_language.problems(text, language, self.user_data):
            where = f"{who} {language} {what} [{response.status_code}]"
            self.failures.append((where, f"{language}: {problem}"))


# A catalog import with errors of every kind (a duplicate SKU, a bad price, an unknown OCOP
# category, an unknown column) and one that succeeds: their job pages show the messages the
# worker stored (in the default language) and the result.
BAD_IMPORT = (
    "sku,product_name,producer,category_code,price,stock,mystery\n"
    "NM-1,Nuoc mam,HTX Nước mắm Trà Cổ,9.9.z,95000,5,x\n"
    "NM-1,Nuoc mam,HTX Nước mắm Trà Cổ,,abc,5,x\n"
)
GOOD_IMPORT = (
    "sku,product_name,producer,price,stock\nNM-2,Nước mắm nhĩ Trà Cổ,HTX Nước mắm Trà Cổ,120000,7\n"
)


def _import_job(app: flask.Flask, username: str, content: str) -> int:
    """Run a catalog import the way the worker does; the job's id."""
    with app.app_context():
        job = catalog_io.start_import(
            extensions.db.session,
            conftest.user_named(username),
            FileStorage(io.BytesIO(content.encode()), "danh-muc.csv"),
            media_root=app.config["MEDIA_ROOT"],
            kinds=registry.current(),
            dispatch=lambda job, queue: f"task-{job.id}",
        )
        job_id = job.id
        jobs_service.run(extensions.db.session, registry.current(), job_id)
        return job_id


@pytest.fixture
def seeded(app: flask.Flask, people: conftest.People, categories: dict[str, int]) -> dict:
    ids = isolation.seed_own_club(app, people, Path(app.config["MEDIA_ROOT"]))
    with app.app_context():  # the seed's job as a real kind stores it (title in Vietnamese)
        job = extensions.db.session.get(jobs.Job, ids["job_id"])
        assert job is not None
        job.kind, job.title, job.message = "system.check", "Kiểm tra hệ thống", ""
        job.result = {"database": True, "media_writable": True, "ffmpeg": False}
        extensions.db.session.commit()
    seller = people.username(Role.SELLER)
    import_jobs = [_import_job(app, seller, BAD_IMPORT), _import_job(app, seller, GOOD_IMPORT)]
    ids["extra_urls"] = [f"/jobs/{job_id}" for job_id in import_jobs]
    ids["extra_urls"].append(f"/channels/{_failing_shop(app, ids)}")
    return ids


def _failing_shop(app: flask.Flask, ids: dict[str, Any]) -> int:
    """A shop whose last call failed (HTTP 500) with a listing the marketplace refused (too few
    images), stored the way the channel services store them; the shop's id."""
    with app.app_context():
        db = extensions.db.session
        shop = channels.ChannelAccount(
            marketplace="lazada",
            name="Gian hàng Lazada MONGCAI",
            club_id=ids["club_id"],
            config={},
            status=channels.AccountStatus.NEEDS_RECONNECT,
            created_by_id=ids["user_id"],
            last_error=messages.account_record(
                integration_errors.TransientError("HTTP 500", status=500)
            ),
        )
        db.add(shop)
        db.flush()
        listing = channels.Listing(
            account_id=shop.id, product_id=ids["product_id"], state=channels.ListingState.FAILED
        )
        refused = integration_errors.ValidationFailed(
            "images",
            fields={"images": [integration_errors.Problem("images_count", {"min": 1, "max": 9})]},
        )
        messages.store(listing, messages.record_of(refused))
        db.add(listing)
        db.commit()
        return shop.id


def _signed_in(app: flask.Flask, username: str, language: str) -> Any:
    client = app.test_client()
    assert conftest.Auth(client).login(username).status_code == 302
    client.get(f"/lang/{language}")
    return client


def test_every_page_of_every_role_speaks_one_language(
    app: flask.Flask, people: conftest.People, seeded: dict[str, Any]
) -> None:
    walk = Walk(app)
    for role in Role:
        for language in LANGUAGES:
            client = _signed_in(app, people.username(role), language)
            for endpoint, url in _pages(app, seeded):
                walk.check(client.get(url), role.value, language, f"GET {url} ({endpoint})")
            for url in seeded["extra_urls"]:
                walk.check(client.get(url), role.value, language, f"GET {url}")
    anonymous = app.test_client()
    for language in LANGUAGES:
        anonymous.get(f"/lang/{language}")
        for url in ("/auth/login", f"/p/{seeded['product_id']}", "/no-such-page"):
            walk.check(anonymous.get(url), "anonymous", language, f"GET {url}")
        wrong = anonymous.post("/auth/login", data={"username": "x", "password": "sai-mat-khau"})
        walk.check(wrong, "anonymous", language, "POST /auth/login (wrong password)")
    assert walk.checked > 400  # the walk really opened the pages of every role
    assert not walk.failures, walk.report()


def test_form_errors_speak_one_language(
    app: flask.Flask, people: conftest.People, seeded: dict[str, Any]
) -> None:
    """Every form sent empty: its error messages are in the page's language too."""
    walk = Walk(app)
    for role in (Role.ADMIN, Role.COORDINATOR):
        for language in LANGUAGES:
            client = _signed_in(app, people.username(role), language)
            for endpoint, url in _pages(app, seeded, method="POST"):
                walk.check(
                    client.post(url, data={}), role.value, language, f"POST {url} ({endpoint})"
                )
    assert walk.checked > 20
    assert not walk.failures, walk.report()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_run_page_speaks_one_language(app: flask.Flask, language: str) -> None:
    walk = Walk(app)
    client = app.test_client()
    client.get(f"/lang/{language}")
    walk.check(client.get("/setup/"), "anonymous", language, "GET /setup/")
    walk.check(client.post("/setup/", data={}), "anonymous", language, "POST /setup/ (empty)")
    assert walk.checked == 2
    assert not walk.failures, walk.report()


def test_the_walk_flags_planted_leaks_and_spares_user_data(
    app: flask.Flask, people: conftest.People, seeded: dict[str, Any]
) -> None:
    """The checks above can fail: planted leaks are caught, the seeded names are not."""
    walk = Walk(app)
    assert {"Sản phẩm MONGCAI", "HTX Nước mắm Trà Cổ", "Quảng Ninh", "chốt CMONG"} <= walk.user_data
    assert "tiktok" not in walk.user_data  # a stored code is not user data
    assert "Kiểm tra hệ thống" not in walk.user_data  # a job title is the app's text

    def page(language: str, body: str) -> flask.Response:
        html = f'<!doctype html><html lang="{language}"><body><main>{body}</main></body></html>'
        return flask.Response(html, mimetype="text/html")

    clean = "Sản phẩm MONGCAI · HTX Nước mắm Trà Cổ · Phường Móng Cái 1, Quảng Ninh"
    walk.check(page("en", f"<p>Product: {clean}</p>"), "test", "en", "clean")
    walk.check(page("vi", f"<p>Sản phẩm: {clean}</p>"), "test", "vi", "clean")
    assert walk.failures == []
    walk.check(page("vi", "<p>Ảnh: needs 1–9 images</p>"), "test", "vi", "planted")
    walk.check(page("en", "<p>Status: Đang chờ</p>"), "test", "en", "planted")
    walk.check(page("en", "<p>Ends at 12:05 UTC</p>"), "test", "en", "planted")
    walk.check(page("vi", "<p>Nền tảng: tiktok</p>"), "test", "vi", "planted")
    walk.check(page("vi", "<p>Trang</p>"), "test", "en", "wrong lang")
    assert [problem.split(" in ")[0] for _where, problem in walk.failures] == [
        "vi: English 'needs', 'images'",
        "en: Vietnamese 'Đang', 'chờ'",
        "en: UTC",
        "vi: code 'tiktok'",
        "<html lang='vi'>",
    ]
