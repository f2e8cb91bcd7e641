"""Account help: an admin (every account) and a coordinator (their own club's coordinators and
sellers) clear a sign-in lock or set a one-time password that must be changed at the next sign-in.
Another club's account answers exactly as a missing id. Both databases."""

from __future__ import annotations

import logging
import re

import flask
import flask.testing
import pytest
import sqlalchemy as sa

from app import extensions
from app.accounts import service as accounts_service
from app.models import accounts
from tests import conftest
from tests.support import clubs as clubs_support

Role = accounts.Role
MISSING = 987654
NEW_PASSWORD = "ca-phe-sang-thu-bay"
_ONE_TIME = re.compile(r'data-testid="one-time-password">([a-z0-9-]+)</code>')


def _id(app: flask.Flask, username: str) -> int:
    with app.app_context():
        return conftest.user_named(username).id


def _login(
    client: flask.testing.FlaskClient, username: str, password: str = conftest.PASSWORD
) -> flask.Response:
    return client.post("/auth/login", data={"username": username, "password": password})


def _signed_in_client(app: flask.Flask, username: str) -> flask.testing.FlaskClient:
    client = app.test_client()
    response = _login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _lock(app: flask.Flask, username: str) -> None:
    """Five wrong passwords: the account is locked, even for the right password."""
    client = app.test_client()
    for _ in range(5):
        assert _login(client, username, "sai-mat-khau").status_code in (401, 429)
    assert _login(client, username).status_code == 429


def _can_sign_in(app: flask.Flask, username: str, password: str = conftest.PASSWORD) -> bool:
    response = _login(app.test_client(), username, password)
    assert response.status_code in (302, 401, 429), response.status_code
    return response.status_code == 302


def _bearer(app: flask.Flask, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {conftest.issue_token(app, username)}"}


def _flag(app: flask.Flask, username: str) -> bool:
    with app.app_context():
        return conftest.user_named(username).must_change_password


# --- unlock ---------------------------------------------------------------------------------


def test_an_admin_unlocks_a_locked_account_from_the_users_page(app, people) -> None:
    seller = people.username(Role.SELLER)
    seller_id = _id(app, seller)
    _lock(app, seller)
    admin = _signed_in_client(app, people.username(Role.ADMIN))
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert 'data-testid="sign-in-locked"' in listing
    assert f"/admin/users/{seller_id}/help" in listing
    page = admin.get(f"/admin/users/{seller_id}/help")
    assert page.status_code == 200
    assert 'data-testid="sign-in-locked"' in page.get_data(as_text=True)
    response = admin.post(f"/admin/users/{seller_id}/unlock")
    assert response.status_code == 302
    assert response.location.endswith(f"/admin/users/{seller_id}/help")
    assert "Đã mở khoá đăng nhập" in admin.get(response.location).get_data(as_text=True)
    assert _can_sign_in(app, seller)
    with app.app_context():
        assert extensions.db.session.get(accounts.LoginFailure, f"user:{seller}") is None


def test_a_coordinator_unlocks_their_clubs_account_but_not_another_clubs(
    app, people, other_club: clubs_support.OtherClub
) -> None:
    mine, theirs = people.username(Role.SELLER), other_club.seller
    _lock(app, mine)
    _lock(app, theirs)
    token = _bearer(app, people.username(Role.COORDINATOR))
    client = app.test_client()
    missing = client.post(f"/api/v1/users/{MISSING}/unlock", headers=token)
    other = client.post(f"/api/v1/users/{_id(app, theirs)}/unlock", headers=token)
    assert missing.status_code == other.status_code == 404
    assert other.get_json() == missing.get_json()
    assert not _can_sign_in(app, theirs)  # still locked
    own = client.post(f"/api/v1/users/{_id(app, mine)}/unlock", headers=token)
    assert own.status_code == 200
    assert own.get_json() == {"user_id": _id(app, mine), "username": mine, "was_locked": True}
    assert _can_sign_in(app, mine)
    # The web pages answer the same way for the other club's account.
    web = _signed_in_client(app, people.username(Role.COORDINATOR))
    for method, path in (("GET", "help"), ("POST", "unlock"), ("POST", "one-time-password")):
        missing_page = web.open(f"/admin/users/{MISSING}/{path}", method=method)
        other_page = web.open(f"/admin/users/{_id(app, theirs)}/{path}", method=method)
        assert missing_page.status_code == other_page.status_code == 404, path
    assert not _can_sign_in(app, theirs)
    # The other club's own coordinator can.
    theirs_token = _bearer(app, other_club.coordinator)
    again = client.post(f"/api/v1/users/{_id(app, theirs)}/unlock", headers=theirs_token)
    assert again.status_code == 200
    assert _can_sign_in(app, theirs)


def test_who_may_not_help(app, people) -> None:
    """A seller (or producer, Youth Union) helps nobody; a coordinator helps no admin and no
    producer account, even those they can list; nobody gives themselves a one-time password."""
    client = app.test_client()
    seller_id = _id(app, people.username(Role.SELLER))
    for role in (Role.SELLER, Role.PRODUCER, Role.UNION):
        token = _bearer(app, people.username(role))
        for action in ("unlock", "one-time-password"):
            response = client.post(f"/api/v1/users/{seller_id}/{action}", headers=token)
            assert response.status_code == 403, (role, action)
    coordinator = _bearer(app, people.username(Role.COORDINATOR))
    for role in (Role.ADMIN, Role.PRODUCER):
        target = _id(app, people.username(role))
        assert client.get(f"/api/v1/users/{target}", headers=coordinator).status_code == 200
        for action in ("unlock", "one-time-password"):
            response = client.post(f"/api/v1/users/{target}/{action}", headers=coordinator)
            assert response.status_code == 403, (role, action)
    admin_id = _id(app, people.username(Role.ADMIN))
    admin = _bearer(app, people.username(Role.ADMIN))
    response = client.post(f"/api/v1/users/{admin_id}/one-time-password", headers=admin)
    assert response.status_code == 422
    assert client.get("/api/v1/me", headers=admin).status_code == 200  # nothing changed
    assert _can_sign_in(app, people.username(Role.ADMIN))
    assert not _flag(app, people.username(Role.ADMIN))
    assert not _flag(app, people.username(Role.SELLER))
    seller_page = _signed_in_client(app, people.username(Role.SELLER))
    assert seller_page.get(f"/admin/users/{seller_id}/help").status_code == 403


# --- one-time password ----------------------------------------------------------------------


def test_one_time_password_forces_a_new_password_at_the_next_sign_in(app, people) -> None:
    seller = people.username(Role.SELLER)
    seller_id = _id(app, seller)
    phone = _signed_in_client(app, seller)  # a session from before
    old_token = _bearer(app, seller)
    admin = _signed_in_client(app, people.username(Role.ADMIN))
    response = admin.post(f"/admin/users/{seller_id}/one-time-password")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    found = _ONE_TIME.search(response.get_data(as_text=True))
    assert found is not None
    one_time = found.group(1)
    with app.app_context():
        assert accounts_service.password_problems(one_time, username=seller) == []
    assert _flag(app, seller)
    # Old sessions and tokens have ended; the old password no longer works.
    assert phone.get("/dashboard").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=old_token).status_code == 401
    assert not _can_sign_in(app, seller)

    browser = app.test_client()
    signed_in = _login(browser, seller, one_time)
    assert signed_in.status_code == 302
    assert "/auth/new-password" in signed_in.location
    for path in ("/dashboard", "/orders/", "/account/", f"/admin/users/{seller_id}/help"):
        held = browser.get(path)
        assert held.status_code == 302, path
        assert "/auth/new-password" in held.location, path
    assert "/auth/new-password" in browser.post("/account/password", data={}).location
    page = browser.get("/auth/new-password")
    assert page.status_code == 200
    assert 'data-testid="new-password"' in page.get_data(as_text=True)
    # The API refuses the account, through its session and through any token.
    refused = browser.get("/api/v1/me")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "password_change_required"
    script_token = _bearer(app, seller)  # e.g. `flask tokens create`
    refused = app.test_client().get("/api/v1/me", headers=script_token)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "password_change_required"
    assert "mật khẩu một lần" in refused.get_json()["error"]["message"]

    weak = browser.post(
        "/auth/new-password", data={"new_password": "aaaaaaaa", "confirm": "aaaaaaaa"}
    )
    assert weak.status_code == 422
    same = browser.post("/auth/new-password", data={"new_password": one_time, "confirm": one_time})
    assert same.status_code == 422
    assert "khác mật khẩu một lần" in same.get_data(as_text=True)
    assert _flag(app, seller)

    done = browser.post(
        "/auth/new-password?next=/orders/",
        data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert done.location.endswith("/orders/")
    assert not _flag(app, seller)
    assert browser.get("/dashboard").status_code == 200  # this browser stays signed in
    assert browser.get("/api/v1/me").status_code == 200
    assert app.test_client().get("/api/v1/me", headers=script_token).status_code == 401
    assert app.test_client().get("/api/v1/me", headers=_bearer(app, seller)).status_code == 200
    assert _can_sign_in(app, seller, NEW_PASSWORD)
    assert not _can_sign_in(app, seller, one_time)
    # No longer needed: the page sends the account on.
    assert browser.get("/auth/new-password").status_code == 302


def test_a_coordinator_sets_a_one_time_password_for_their_club_only(
    app, people, other_club: clubs_support.OtherClub, password_hash: str
) -> None:
    with app.app_context():
        extensions.db.session.add(
            accounts.User(
                username="coordinator1b",
                full_name="Điều phối viên thứ hai",
                role=Role.COORDINATOR,
                club_id=people.club_id,
                password_hash=password_hash,
            )
        )
        extensions.db.session.commit()
    client = app.test_client()
    token = _bearer(app, people.username(Role.COORDINATOR))
    missing = client.post(f"/api/v1/users/{MISSING}/one-time-password", headers=token)
    for username in (other_club.seller, other_club.coordinator):
        other = client.post(f"/api/v1/users/{_id(app, username)}/one-time-password", headers=token)
        assert other.status_code == missing.status_code == 404
        assert other.get_json() == missing.get_json()
        assert not _flag(app, username)
        assert _can_sign_in(app, username)  # password unchanged
    for username in (people.username(Role.SELLER), "coordinator1b"):
        _lock(app, username)
        response = client.post(
            f"/api/v1/users/{_id(app, username)}/one-time-password", headers=token
        )
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_json()
        assert body["username"] == username and body["must_change_password"] is True
        assert _flag(app, username)
        # The lock is cleared too: the one-time password signs in, to the change page.
        signed_in = _login(app.test_client(), username, body["password"])
        assert signed_in.status_code == 302
        assert "/auth/new-password" in signed_in.location
    assert client.get("/api/v1/me", headers=token).status_code == 200  # the helper is unaffected


def test_the_one_time_password_is_never_logged_nor_kept_in_the_session(
    app, people, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seller_id = _id(app, people.username(Role.SELLER))
    admin = _signed_in_client(app, people.username(Role.ADMIN))
    page = admin.post(f"/admin/users/{seller_id}/one-time-password")
    found = _ONE_TIME.search(page.get_data(as_text=True))
    assert found is not None
    api = app.test_client().post(
        f"/api/v1/users/{seller_id}/one-time-password",
        headers=_bearer(app, people.username(Role.ADMIN)),
    )
    passwords = [found.group(1), api.get_json()["password"]]
    assert passwords[0] != passwords[1]
    with admin.session_transaction() as session:
        kept = repr(dict(session))
    for password in passwords:
        assert password not in caplog.text
        assert password not in kept
    with app.app_context():
        stored = conftest.user_named(people.username(Role.SELLER)).password_hash
    assert all(password not in stored for password in passwords)


def test_an_account_without_a_one_time_password_is_not_held(app, people) -> None:
    browser = _signed_in_client(app, people.username(Role.SELLER))
    assert browser.get("/auth/new-password").status_code == 302
    refused = browser.post(
        "/auth/new-password", data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert refused.status_code == 302  # nothing to change here: sent on, nothing changed
    assert _can_sign_in(app, people.username(Role.SELLER))
    assert browser.get("/dashboard").status_code == 200


# --- command line ---------------------------------------------------------------------------


def test_flask_users_unlock(app, runner, people) -> None:
    seller = people.username(Role.SELLER)
    _lock(app, seller)
    result = runner.invoke(args=["users", "unlock", seller])
    assert result.exit_code == 0, result.output
    assert f"Đã mở khoá đăng nhập cho {seller}" in result.output
    assert _can_sign_in(app, seller)
    again = runner.invoke(args=["users", "unlock", seller])
    assert again.exit_code == 0
    assert "không bị khoá đăng nhập" in again.output
    unknown = runner.invoke(args=["users", "unlock", "khong-co-ai"])
    assert unknown.exit_code == 2
    assert "không có người dùng 'khong-co-ai'" in unknown.output


def test_flask_users_reset_password(app, runner, people) -> None:
    seller = people.username(Role.SELLER)
    token = _bearer(app, seller)
    _lock(app, seller)
    result = runner.invoke(args=["users", "reset-password", seller])
    assert result.exit_code == 0, result.output
    one_time = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", one_time)
    assert "Mật khẩu một lần" in result.stderr
    assert _flag(app, seller)
    assert app.test_client().get("/api/v1/me", headers=token).status_code == 401
    signed_in = _login(app.test_client(), seller, one_time)
    assert signed_in.status_code == 302
    assert "/auth/new-password" in signed_in.location
    unknown = runner.invoke(args=["users", "reset-password", "khong-co-ai"])
    assert unknown.exit_code == 2
    assert "không có người dùng 'khong-co-ai'" in unknown.output
    with app.app_context():
        count = extensions.db.session.scalar(
            sa.select(sa.func.count(accounts.User.id)).where(accounts.User.must_change_password)
        )
    assert count == 1
