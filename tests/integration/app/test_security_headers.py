"""Security headers on every kind of response, and the CSP nonce that lets the app's own
inline scripts run while nothing else inline does."""

from __future__ import annotations

import re

import flask
import pytest

from app.models import accounts
from tests import conftest

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")


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
