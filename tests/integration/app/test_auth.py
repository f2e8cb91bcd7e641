"""Signing in and out, throttling, CSRF and cookie flags, on both databases."""

from __future__ import annotations

import datetime as dt
import re

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.accounts import service as accounts_service
from app.core import errors
from app.models import accounts
from tests import conftest

Role = accounts.Role


def test_login_then_dashboard_then_logout(client, auth, people) -> None:
    response = auth.login(people.username(Role.SELLER))
    assert response.status_code == 302
    assert response.location.endswith("/dashboard")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Tổng quan người bán" in page.get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get("/dashboard").status_code == 302  # back to the login page


def test_wrong_password_shows_an_error_and_stays_signed_out(client, auth, people) -> None:
    response = auth.login(people.username(Role.ADMIN), "sai-mat-khau")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_unknown_user_gets_the_same_message(client, auth, people) -> None:
    response = auth.login("khong-ton-tai", "bat-ky")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_repeated_failures_lock_the_username_even_for_the_right_password(
    client, auth, people
) -> None:
    username = people.username(Role.SELLER)
    for _ in range(4):
        assert auth.login(username, "sai").status_code == 401
    fifth = auth.login(username, "sai")
    assert fifth.status_code == 429
    assert "thử lại sau 15 phút" in fifth.get_data(as_text=True)
    assert 14 * 60 < int(fifth.headers["Retry-After"]) <= 15 * 60
    locked = auth.login(username)  # right password, still locked
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert client.get("/dashboard").status_code == 302


def test_lock_expires_and_success_clears_the_count(app, people) -> None:
    policy = accounts_service.ThrottlePolicy(max_failures=2, ip_max_failures=100, lock_minutes=15)
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    username = people.username(Role.ADMIN)
    with app.app_context():
        for _ in range(2):
            with pytest.raises(
                (accounts_service.InvalidCredentials, accounts_service.LoginThrottled)
            ):
                accounts_service.authenticate(
                    extensions.db.session,
                    username,
                    "sai",
                    ip="10.0.0.1",
                    policy=policy,
                    now=lambda: start,
                )
        with pytest.raises(accounts_service.LoginThrottled) as raised:
            accounts_service.authenticate(
                extensions.db.session,
                username,
                conftest.PASSWORD,
                ip="10.0.0.1",
                policy=policy,
                now=lambda: start + dt.timedelta(minutes=14),
            )
        assert raised.value.retry_after == 60
        later = start + dt.timedelta(minutes=16)
        user = accounts_service.authenticate(
            extensions.db.session,
            username,
            conftest.PASSWORD,
            ip="10.0.0.1",
            policy=policy,
            now=lambda: later,
        )
        assert user.last_login_at == later
        assert extensions.db.session.get(accounts.LoginFailure, f"user:{username}") is None


def test_one_address_guessing_many_usernames_is_throttled(app, people) -> None:
    policy = accounts_service.ThrottlePolicy(max_failures=100, ip_max_failures=3, lock_minutes=5)
    with app.app_context():
        for name in ("a1", "b22", "c333"):
            with pytest.raises(errors.AppError):
                accounts_service.authenticate(
                    extensions.db.session, name, "x", ip="10.9.9.9", policy=policy
                )
        with pytest.raises(accounts_service.LoginThrottled):
            accounts_service.authenticate(
                extensions.db.session,
                people.username(Role.ADMIN),
                conftest.PASSWORD,
                ip="10.9.9.9",
                policy=policy,
            )
        # Another address is not affected.
        assert accounts_service.authenticate(
            extensions.db.session,
            people.username(Role.ADMIN),
            conftest.PASSWORD,
            ip="10.1.1.1",
            policy=policy,
        )


def test_deactivated_account_cannot_sign_in_and_tells_nothing(app, client, auth, people) -> None:
    """A locked account answers a right password exactly as a wrong one: no oracle."""
    with app.app_context():
        user = extensions.db.session.scalar(
            sa.select(accounts.User).where(accounts.User.username == people.username(Role.SELLER))
        )
        user.is_active_account = False
        extensions.db.session.commit()
    right = auth.login(people.username(Role.SELLER))
    wrong = auth.login(people.username(Role.SELLER), "sai-mat-khau")
    assert right.status_code == wrong.status_code == 401
    flashes = [
        re.findall(r'<div class="flash flash-error"[^>]*>(.*?)</div>', r.get_data(as_text=True))
        for r in (right, wrong)
    ]
    assert flashes[0] == flashes[1] == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    assert "khoá" not in right.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_next_parameter_never_leaves_the_site(client, people) -> None:
    response = client.post(
        "/auth/login?next=https://evil.example/x",
        data={"username": people.username(Role.ADMIN), "password": conftest.PASSWORD},
    )
    assert response.location.endswith("/dashboard")
    client.post("/auth/logout")
    response = client.post(
        "/auth/login?next=/jobs/",
        data={"username": people.username(Role.ADMIN), "password": conftest.PASSWORD},
    )
    assert response.location.endswith("/jobs/")


def test_passwords_are_stored_as_argon2_hashes(app, people) -> None:
    with app.app_context():
        user = extensions.db.session.scalar(sa.select(accounts.User).limit(1))
        assert user.password_hash.startswith("$argon2id$")
        assert conftest.PASSWORD not in user.password_hash


@pytest.fixture
def csrf_app(db_url: str, app_factory, password_hash: str) -> flask.Flask:
    application = app_factory(db_url, WTF_CSRF_ENABLED=True)
    with application.app_context():
        extensions.db.create_all()
        extensions.db.session.add(
            accounts.User(
                username="admin1", full_name="A", role=Role.ADMIN, password_hash=password_hash
            )
        )
        extensions.db.session.commit()
    return application


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "login form has no CSRF token"
    return match.group(1)


def test_form_post_without_csrf_token_is_refused(csrf_app: flask.Flask) -> None:
    client = csrf_app.test_client()
    response = client.post(
        "/auth/login", data={"username": "admin1", "password": conftest.PASSWORD}
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_form_post_with_csrf_token_signs_in(csrf_app: flask.Flask) -> None:
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login",
        data={"username": "admin1", "csrf_token": token, "password": conftest.PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    # Logout is a form post too, and is refused without the token.
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_api_write_with_session_cookie_needs_csrf_header(csrf_app: flask.Flask) -> None:
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/auth/login").get_data(as_text=True))
    client.post(
        "/auth/login",
        data={"username": "admin1", "csrf_token": token, "password": conftest.PASSWORD},
    )
    refused = client.post("/api/v1/tokens", json={"name": "x"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    # The session is renewed at sign-in, so pages carry a new token in their <meta>.
    page = client.get("/dashboard").get_data(as_text=True)
    fresh = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": token}
        ).status_code
        == 400
    )
    accepted = client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": fresh})
    assert accepted.status_code == 201


def test_api_write_with_bearer_token_needs_no_csrf(csrf_app: flask.Flask) -> None:
    secret = conftest.issue_token(csrf_app, "admin1")
    conftest.issue_token(csrf_app, "admin1")
    client = csrf_app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    other = max(t["id"] for t in client.get("/api/v1/tokens", headers=headers).get_json())
    response = client.delete(f"/api/v1/tokens/{other}", headers=headers)
    assert response.status_code == 204


def test_session_cookie_is_httponly_and_samesite(client, auth, people) -> None:
    response = auth.login(people.username(Role.ADMIN))
    cookie = next(v for k, v in response.headers if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_stale_failure_counters_are_purged(app, people) -> None:
    """Guessing from many addresses must not grow login_failures for ever: counters whose
    window and lock are over are deleted at the next failure; live ones are kept."""
    policy = accounts_service.ThrottlePolicy(max_failures=5, ip_max_failures=30, lock_minutes=15)
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    with app.app_context():
        session = extensions.db.session
        session.add_all(
            [
                accounts.LoginFailure(key=f"ip:10.9.0.{i}", count=3, first_failed_at=start)
                for i in range(50)
            ]
            + [
                accounts.LoginFailure(
                    key="user:locked-long",
                    count=5,
                    first_failed_at=start,
                    locked_until=start + dt.timedelta(days=1),
                ),
                accounts.LoginFailure(
                    key="ip:10.9.9.9", count=1, first_failed_at=start + dt.timedelta(hours=2)
                ),
            ]
        )
        session.commit()
        later = start + dt.timedelta(hours=2, minutes=5)
        with pytest.raises(accounts_service.InvalidCredentials):
            accounts_service.authenticate(
                session, "ai-do", "sai", ip="10.0.0.7", policy=policy, now=lambda: later
            )
        keys = set(session.scalars(sa.select(accounts.LoginFailure.key)))
        assert keys == {"user:locked-long", "ip:10.9.9.9", "user:ai-do", "ip:10.0.0.7"}


# --- behind a reverse proxy ------------------------------------------------------------------


def _login_from(client, address: str, username: str, password: str):
    # nginx appends the client's address to whatever X-Forwarded-For the client sent.
    return client.post(
        "/auth/login",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_behind_a_trusted_proxy_the_throttle_counts_each_client(
    db_url: str, app_factory, people
) -> None:
    """docs/deploy.md's nginx is one hop: one guesser is locked out, everyone else is not."""
    proxied = app_factory(
        db_url, TRUSTED_PROXY_HOPS=1, LOGIN_IP_MAX_FAILURES=3, LOGIN_MAX_FAILURES=100
    )
    admin = people.username(Role.ADMIN)
    guesser = proxied.test_client()
    for name in ("a1", "b22", "c333"):
        assert _login_from(guesser, "203.0.113.7", name, "x").status_code in (401, 429)
    locked = _login_from(guesser, "203.0.113.7", admin, conftest.PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    # A header the guesser forged comes before the proxy's own value and changes nothing.
    forged = _login_from(guesser, "198.51.100.9, 203.0.113.7", admin, conftest.PASSWORD)
    assert forged.status_code == 429
    colleague = _login_from(proxied.test_client(), "198.51.100.2", admin, conftest.PASSWORD)
    assert colleague.status_code == 302
    with proxied.app_context():
        keys = set(extensions.db.session.scalars(sa.select(accounts.LoginFailure.key)))
    assert "ip:203.0.113.7" in keys and "ip:127.0.0.1" not in keys


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(
    db_url: str, app_factory, people
) -> None:
    """TRUSTED_PROXY_HOPS=0 (the default): a client cannot pick its address with a header."""
    direct = app_factory(db_url, LOGIN_IP_MAX_FAILURES=3, LOGIN_MAX_FAILURES=100)
    assert direct.config["TRUSTED_PROXY_HOPS"] == 0
    client = direct.test_client()
    for number, name in enumerate(("a1", "b22", "c333")):
        _login_from(client, f"203.0.113.{number}", name, "x")
    refused = _login_from(client, "198.51.100.2", people.username(Role.ADMIN), conftest.PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
