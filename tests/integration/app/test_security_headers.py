"""Security headers on every kind of response, and the CSP nonce that lets the app's own
inline scripts run while nothing else inline does; HSTS in production; ``no-store`` on what a
signed-in user is served and on secrets; one charset on every download."""

from __future__ import annotations

import re

import flask
import pytest

from app import extensions
from app.models import accounts
from tests import conftest
from tests.support import catalog as builders
from tests.support import reports as seed

Role = accounts.Role
HSTS = "max-age=31536000; includeSubDomains"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ICS = "text/calendar; charset=utf-8"

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _directives(header: str) -> dict[str, str]:
    parts = (item.strip().split(" ", 1) for item in header.split(";") if item.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def _common(response: flask.Response) -> dict[str, str]:
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    return policy


def test_inline_script_carries_the_nonce_of_its_response(
    client: flask.testing.FlaskClient, auth: conftest.Auth, people: conftest.People
) -> None:
    auth.login(people.username(accounts.Role.SELLER))
    first = client.get("/producers/new")
    second = client.get("/producers/new")
    assert first.status_code == second.status_code == 200
    nonces = []
    for response in (first, second):
        policy = _common(response)
        match = NONCE.search(policy["script-src"])
        assert match, policy
        html = response.get_data(as_text=True)
        assert f'<script nonce="{match.group(1)}">' in html
        assert "<script>" not in html  # no inline script without the nonce
        nonces.append(match.group(1))
    assert nonces[0] != nonces[1]  # a fresh nonce per response


def test_pages_without_inline_script_allow_only_own_files(
    client: flask.testing.FlaskClient, people: object
) -> None:
    response = client.get("/auth/login")  # with users: the login page itself, not the setup
    assert response.status_code == 200
    policy = _common(response)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert 'style="' not in response.get_data(as_text=True)


def test_api_errors_and_health_have_the_headers(client: flask.testing.FlaskClient) -> None:
    unauthorised = client.get("/api/v1/products")
    assert unauthorised.status_code == 401
    _common(unauthorised)
    _common(client.get("/healthz"))
    _common(client.get("/no-such-page"))


def test_api_docs_page_may_run_its_inline_setup(client: flask.testing.FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = _directives(response.headers["Content-Security-Policy"])
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"


# --- HSTS -------------------------------------------------------------------------------------


def test_production_answers_carry_hsts(db_url: str, app_factory) -> None:
    app = app_factory(db_url, APP_ENV="production", PUBLIC_BASE_URL="https://ocop.example.vn")
    with app.app_context():
        extensions.db.create_all()
    client = app.test_client()
    for url, status in (
        ("/healthz", 200),
        ("/setup/", 200),
        ("/auth/login", 302),  # no user yet: on to the setup page
        ("/api/v1/products", 401),
        ("/no-such-page", 404),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.headers["Strict-Transport-Security"] == HSTS, url


def test_no_hsts_outside_production(client: flask.testing.FlaskClient) -> None:
    # A trial on http://127.0.0.1 must not teach the browser to insist on HTTPS there.
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


# --- caching ----------------------------------------------------------------------------------


def _cache_control(response: flask.Response) -> str:
    return response.headers.get("Cache-Control", "")


def test_signed_in_pages_and_downloads_are_never_stored(
    client: flask.testing.FlaskClient, auth: conftest.Auth, people: conftest.People
) -> None:
    assert "no-store" not in _cache_control(client.get("/auth/login"))
    auth.login(people.username(Role.COORDINATOR))
    for url in (
        "/dashboard",
        "/account/",
        "/orders/",
        "/reports/",
        "/no-such-page",
        "/orders/?format=csv",
        "/catalog/io/export?format=xlsx",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert _cache_control(response) == "no-store", url
    auth.logout()
    assert "no-store" not in _cache_control(client.get("/auth/login"))


def test_replies_carrying_a_new_token_are_not_stored(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
) -> None:
    auth.login(people.username(Role.SELLER))
    page = client.post("/account/tokens", data={"name": "Máy tính CLB"})
    assert page.status_code == 200
    assert "chỉ hiện một lần" in page.get_data(as_text=True)
    assert _cache_control(page) == "no-store"
    csrf = CSRF_META.search(client.get("/dashboard").get_data(as_text=True))
    assert csrf
    api = client.post(
        "/api/v1/tokens", json={"name": "Bảng tính"}, headers={"X-CSRFToken": csrf.group(1)}
    )
    assert api.status_code == 201 and api.get_json()["token"]
    assert _cache_control(api) == "no-store"
    auth.logout()
    listed = app.test_client().get("/api/v1/products", headers=bearer[Role.SELLER])
    assert listed.status_code == 200
    assert _cache_control(listed) == "no-store"  # any answer for an account


def test_setup_page_is_not_stored(client: flask.testing.FlaskClient) -> None:
    page = client.get("/setup/")  # an empty instance: the first admin is made here
    assert page.status_code == 200
    assert _cache_control(page) == "no-store"


def test_public_replies_keep_their_caching(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://ocop.example.vn"
    product_id = builders.make_product(
        app, people.username(Role.SELLER), builders.product_data(people.producer_id)
    )
    page = client.get(f"/p/{product_id}")
    assert page.status_code == 200
    assert "no-store" not in _cache_control(page)
    for signed_in in (False, True):
        if signed_in:
            auth.login(people.username(Role.SELLER))
        qr = client.get(f"/p/{product_id}/qr.png")
        assert qr.status_code == 200
        assert qr.cache_control.public and qr.cache_control.max_age == 86400, signed_in
        assert not qr.cache_control.no_store, signed_in


# --- downloads: exactly one charset -----------------------------------------------------------


@pytest.fixture
def seeded(app: flask.Flask, people: conftest.People) -> seed.Seeded:
    """A stream with orders, so every report download has rows."""
    return seed.seed_stream(app, people)


def test_every_download_kind_has_its_exact_content_type(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
    seeded: seed.Seeded,
) -> None:
    auth.login(people.username(Role.ADMIN))
    expected = {
        "/catalog/io/export?format=csv": CSV,
        "/catalog/io/export?format=xlsx": XLSX,
        "/catalog/io/template?format=csv": CSV,
        "/catalog/io/template?format=xlsx": XLSX,
        "/orders/?format=csv": CSV,
        "/orders/?format=xlsx": XLSX,
        f"/reports/sessions/{seeded.session_id}?format=csv&part=lines": CSV,
        f"/reports/sessions/{seeded.session_id}?format=xlsx": XLSX,
        "/reports/?start=2026-11-01&end=2026-11-30&format=csv": CSV,
        f"/live/sessions/{seeded.session_id}/session.ics": ICS,
    }
    for url, content_type in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == content_type, url
    auth.logout()
    for url, content_type in (
        ("/api/v1/catalog/export?format=csv", CSV),
        ("/api/v1/catalog/template?format=xlsx", XLSX),
    ):
        response = client.get(url, headers=bearer[Role.SELLER])
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == content_type, url
