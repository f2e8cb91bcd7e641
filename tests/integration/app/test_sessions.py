"""Sessions end for real: signing out, a password change and deactivation end every session and
remember cookie of the account (a copied cookie included); the last admin stays; the session
version's migration keeps existing accounts. Both databases."""

from __future__ import annotations

import threading

import flask
import flask.testing
import flask_migrate
import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.accounts import service as accounts_service
from app.core import errors
from app.models import accounts
from tests import conftest

Role = accounts.Role
NEW_PASSWORD = "ca-phe-sang-thu-bay"


def _sign_in(client: flask.testing.FlaskClient, username: str, remember: bool = False) -> None:
    data = {"username": username, "password": conftest.PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/auth/login", data=data).status_code == 302


def _with_cookie(app: flask.Flask, name: str, value: str) -> flask.testing.FlaskClient:
    """A new browser holding only a copy of one cookie (stolen, or kept from before)."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def _cookie(client: flask.testing.FlaskClient, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, name
    return cookie.value


def _signed_in(client: flask.testing.FlaskClient) -> bool:
    response = client.get("/dashboard")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_session_cookie_copied_before_logout_stops_working(app, client, people) -> None:
    _sign_in(client, people.username(Role.SELLER))
    copied = _cookie(client, "session")
    assert _signed_in(_with_cookie(app, "session", copied))  # the copy works while signed in
    assert client.post("/auth/logout").status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(_with_cookie(app, "session", copied))


def test_a_remember_cookie_stops_working_after_logout(app, client, people) -> None:
    _sign_in(client, people.username(Role.SELLER), remember=True)
    remembered = _cookie(client, "remember_token")
    assert _signed_in(_with_cookie(app, "remember_token", remembered))
    client.post("/auth/logout")
    assert not _signed_in(_with_cookie(app, "remember_token", remembered))


def test_logout_ends_the_accounts_sessions_on_every_device(app, client, people) -> None:
    phone = app.test_client()
    _sign_in(phone, people.username(Role.SELLER))
    _sign_in(client, people.username(Role.SELLER))
    client.post("/auth/logout")
    assert not _signed_in(phone)
    other_account = app.test_client()
    _sign_in(other_account, people.username(Role.COORDINATOR))
    _sign_in(client, people.username(Role.SELLER))
    client.post("/auth/logout")
    assert _signed_in(other_account)  # only that account's sessions end


def test_a_password_change_ends_other_sessions_remember_cookies_and_tokens(
    app, client, people
) -> None:
    seller = people.username(Role.SELLER)
    _sign_in(client, seller, remember=True)
    old_remember = _cookie(client, "remember_token")
    laptop = app.test_client()
    _sign_in(laptop, seller)
    token = {"Authorization": f"Bearer {conftest.issue_token(app, seller)}"}
    assert app.test_client().get("/api/v1/me", headers=token).status_code == 200

    changed = client.post(
        "/account/password",
        data={
            "current_password": conftest.PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    page = client.get(changed.location).get_data(as_text=True)
    assert "mọi mã API của bạn đã bị thu hồi" in page  # said, not only done
    assert _signed_in(client)  # the browser that changed it stays signed in
    assert not _signed_in(laptop)
    assert not _signed_in(_with_cookie(app, "remember_token", old_remember))
    assert app.test_client().get("/api/v1/me", headers=token).status_code == 401
    # This browser's remember cookie was renewed with the new version.
    assert _signed_in(_with_cookie(app, "remember_token", _cookie(client, "remember_token")))
    with app.app_context():
        user = conftest.user_named(seller)
        assert accounts_service.user_tokens(extensions.db.session, user) == []


def test_deactivation_ends_every_session_for_good(app, client, auth, people) -> None:
    """Locking an account ends its sessions; unlocking it does not bring them back."""
    seller = app.test_client()
    _sign_in(seller, people.username(Role.SELLER), remember=True)
    remembered = _cookie(seller, "remember_token")
    auth.login(people.username(Role.ADMIN))
    with app.app_context():
        seller_id = conftest.user_named(people.username(Role.SELLER)).id
    form = {
        "full_name": "Người dùng seller",
        "role": "seller",
        "club_id": str(people.club_id),
    }
    assert client.post(f"/admin/users/{seller_id}/edit", data=form).status_code == 302
    assert not _signed_in(seller)
    assert not _signed_in(_with_cookie(app, "remember_token", remembered))
    unlocked = client.post(f"/admin/users/{seller_id}/edit", data={**form, "active": "y"})
    assert unlocked.status_code == 302
    assert not _signed_in(seller)
    assert not _signed_in(_with_cookie(app, "remember_token", remembered))
    _sign_in(app.test_client(), people.username(Role.SELLER))  # a new sign-in works again


def test_a_password_set_by_an_admin_ends_the_accounts_sessions(app, client, auth, people) -> None:
    seller = app.test_client()
    _sign_in(seller, people.username(Role.SELLER))
    auth.login(people.username(Role.ADMIN))
    with app.app_context():
        seller_id = conftest.user_named(people.username(Role.SELLER)).id
    saved = client.post(
        f"/admin/users/{seller_id}/edit",
        data={
            "full_name": "Người dùng seller",
            "role": "seller",
            "club_id": str(people.club_id),
            "active": "y",
            "password": NEW_PASSWORD,
        },
    )
    assert saved.status_code == 302
    assert not _signed_in(seller)
    assert _signed_in(client)  # the admin's own session is untouched


def test_a_session_without_a_version_is_refused(app, client, people) -> None:
    """Sessions issued before session versions existed name only the id: sign in again."""
    with app.app_context():
        user = conftest.user_named(people.username(Role.SELLER))
        user_id, version = user.id, user.session_version
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
    assert not _signed_in(client)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{version}"
    assert _signed_in(client)
    for forged in (f"{user_id}:{version + 1}", f"{user_id}:x", f"{10**30}:0", "", "١:٠"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert not _signed_in(client), forged


def test_two_admins_locking_each_other_at_once_leave_one(app, people, password_hash) -> None:
    """Admin A is being locked (not yet committed) while admin B is locked too: B's change
    waits for A's and then finds B the last active admin."""
    with app.app_context():
        session = extensions.db.session
        second = accounts.User(
            username="admin2",
            full_name="Quản trị hai",
            role=Role.ADMIN,
            password_hash=password_hash,
        )
        session.add(second)
        session.commit()
        first_id = conftest.user_named(people.username(Role.ADMIN)).id
        second_id = second.id
        engine = extensions.db.engine
    outcome: dict[str, object] = {}

    def lock_the_second() -> None:
        with app.app_context():
            session = extensions.db.session
            admin = session.get(accounts.User, second_id)
            try:
                accounts_service.update_user(
                    session,
                    admin,
                    full_name=admin.full_name,
                    role="admin",
                    email=None,
                    producer_id=None,
                    active=False,
                )
                outcome["second"] = "locked"
            except errors.ValidationError as exc:
                outcome["second"] = exc.fields
            finally:
                session.rollback()

    with so.Session(engine) as first:
        first.execute(
            sa.update(accounts.User)
            .where(accounts.User.id == first_id)
            .values(is_active_account=False)
        )
        other = threading.Thread(target=lock_the_second)
        other.start()
        other.join(timeout=1.0)  # let it reach the lock; the outcome does not depend on it
        first.commit()
    other.join(timeout=30)
    assert not other.is_alive()
    assert isinstance(outcome["second"], dict) and "active" in outcome["second"]
    with app.app_context():
        active_admins = extensions.db.session.scalars(
            sa.select(accounts.User.username).where(
                accounts.User.role == Role.ADMIN, accounts.User.is_active_account.is_(True)
            )
        ).all()
    assert active_admins == ["admin2"]


def test_session_version_migration_keeps_accounts_able_to_sign_in(db_url: str, app_factory) -> None:
    """Upgrading a database holding accounts from the revision before: each starts at
    version 0 and can sign in; downgrading drops the column and keeps the accounts."""
    app = app_factory(db_url)
    with app.app_context():
        flask_migrate.upgrade(revision="f2a6c8e0b4d7")
        with extensions.db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, username, full_name, role, union_province_code, "
                    "password_hash, is_active_account, created_at) VALUES "
                    "(1, 'admin1', 'A', 'admin', NULL, :h, true, '2026-11-01 10:00:00'), "
                    "(2, 'doan9', 'Đ', 'union', 22, :h, false, '2026-11-01 10:00:00')"
                ).bindparams(h=accounts_service.hash_password(conftest.PASSWORD)),
            )
        flask_migrate.upgrade(revision="a9d3f1c5e7b2")
        with extensions.db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, session_version FROM users ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, 0), (2, 0)]
        # The models are those of the head revision (later columns of users, such as
        # must_change_password): sign in on it.
        flask_migrate.upgrade()
    response = app.test_client().post(
        "/auth/login", data={"username": "admin1", "password": conftest.PASSWORD}
    )
    assert response.status_code == 302
    with app.app_context():
        extensions.db.session.remove()
        flask_migrate.downgrade(revision="f2a6c8e0b4d7")
        with extensions.db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("users")}
            count = conn.scalar(sa.text("SELECT COUNT(*) FROM users"))
        assert "session_version" not in columns and count == 2


def test_a_token_cannot_sign_out_the_accounts_browsers(app, client, people) -> None:
    """Signing out is for browsers: a request made with a bearer token ends no session."""
    _sign_in(client, people.username(Role.SELLER))
    token = {"Authorization": f"Bearer {conftest.issue_token(app, people.username(Role.SELLER))}"}
    assert app.test_client().post("/auth/logout", headers=token).status_code == 302
    assert _signed_in(client)
