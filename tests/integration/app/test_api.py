"""The JSON API: token auth, the one error shape, users and tokens, the OpenAPI document."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import extensions
from app.models import accounts
from tests import conftest

Role = accounts.Role


def _assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_no_token_is_401_with_the_error_shape(client, people) -> None:
    _assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_bad_or_revoked_token_is_401(app, client, people, bearer) -> None:
    _assert_error(
        client.get("/api/v1/me", headers={"Authorization": "Bearer ocop_nope"}), 401, "unauthorized"
    )
    headers = bearer[Role.SELLER]
    tokens = client.get("/api/v1/tokens", headers=headers).get_json()
    assert client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=headers).status_code == 204
    _assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_signed_in_but_not_allowed_is_403(client, people, bearer) -> None:
    _assert_error(client.get("/api/v1/users", headers=bearer[Role.SELLER]), 403, "forbidden")
    _assert_error(
        client.post("/api/v1/users", headers=bearer[Role.COORDINATOR], json={"username": "x"}),
        403,
        "forbidden",
    )


def test_me_returns_the_token_owner(client, people, bearer) -> None:
    body = client.get("/api/v1/me", headers=bearer[Role.PRODUCER]).get_json()
    assert body["username"] == people.username(Role.PRODUCER)
    assert body["role"] == "producer"
    assert body["producer"]["id"] == people.producer_id
    assert "password" not in body and "password_hash" not in body


def test_unknown_path_and_wrong_method_use_the_error_shape(client, people, bearer) -> None:
    _assert_error(client.get("/api/v1/no-such-thing", headers=bearer[Role.ADMIN]), 404, "not_found")
    error = client.put("/api/v1/me", headers=bearer[Role.ADMIN])
    _assert_error(error, 405, "method_not_allowed")
    assert "GET" in error.headers["Allow"]


def test_schema_validation_reports_each_field(client, people, bearer) -> None:
    response = client.post(
        "/api/v1/users", headers=bearer[Role.ADMIN], json={"username": "moi", "role": "boss"}
    )
    error = _assert_error(response, 422, "validation_error")
    assert set(error["fields"]) >= {"password", "full_name", "role"}


def test_service_validation_reports_each_field(client, people, bearer) -> None:
    response = client.post(
        "/api/v1/users",
        headers=bearer[Role.ADMIN],
        json={
            "username": "Có Dấu",
            "password": "123",
            "full_name": "X",
            "role": "producer",
        },
    )
    error = _assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"username", "password", "producer_id"}


def test_admin_creates_and_updates_a_producer_account(client, people, bearer) -> None:
    admin = bearer[Role.ADMIN]
    created = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "htx.moi",
            "password": "mat-khau-dai",
            "full_name": "Nguyễn Văn A",
            "role": "producer",
            "producer_id": people.other_producer_id,
            "email": "A@Example.vn",
        },
    )
    assert created.status_code == 201, created.get_json()
    user = created.get_json()
    assert user["producer"]["id"] == people.other_producer_id
    assert user["email"] == "a@example.vn"
    duplicate = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "htx.moi",
            "password": "mat-khau-dai",
            "full_name": "B",
            "role": "seller",
            "club_id": people.club_id,
        },
    )
    assert _assert_error(duplicate, 422, "validation_error")["fields"].keys() == {"username"}
    changed = client.patch(
        f"/api/v1/users/{user['id']}",
        headers=admin,
        json={"role": "seller", "producer_id": None, "club_id": people.club_id, "active": False},
    )
    assert changed.status_code == 200
    assert changed.get_json()["role"] == "seller"
    assert changed.get_json()["club"] == {
        "id": people.club_id,
        "name": "CLB Streamer Móng Cái",
        "archived": False,
    }
    assert changed.get_json()["active"] is False
    listed = client.get("/api/v1/users?role=seller&per_page=1", headers=admin).get_json()
    assert listed["total"] == 2 and listed["per_page"] == 1 and listed["pages"] == 2
    assert len(listed["items"]) == 1


def test_user_names_are_stored_nfc(client, people, bearer) -> None:
    decomposed = "Nguye\u0302\u0303n Thi\u0323"  # "Nguyễn Thị" typed with combining marks
    response = client.post(
        "/api/v1/users",
        headers=bearer[Role.ADMIN],
        json={
            "username": "nfc.test",
            "password": "mat-khau-dai",
            "full_name": decomposed,
            "role": "seller",
            "club_id": people.club_id,
        },
    )
    assert response.get_json()["full_name"] == "Nguyễn Thị"


def test_pagination_bounds_are_validated(client, people, bearer) -> None:
    error = _assert_error(
        client.get("/api/v1/users?per_page=1000", headers=bearer[Role.ADMIN]),
        422,
        "validation_error",
    )
    assert "per_page" in error["fields"]


def test_token_secret_is_shown_once_and_works(client, auth, people, bearer) -> None:
    auth.login(people.username(Role.SELLER))  # tokens are made from a signed-in session
    page = client.get("/dashboard").get_data(as_text=True)
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    issued = client.post("/api/v1/tokens", json={"name": "script"}, headers={"X-CSRFToken": csrf})
    assert issued.status_code == 201
    secret = issued.get_json()["token"]
    assert secret.startswith("ocop_")
    listed = client.get("/api/v1/tokens", headers=bearer[Role.SELLER]).get_json()
    assert all("token" not in t for t in listed)
    assert {t["name"] for t in listed} == {"tests", "script"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["username"] == people.username(Role.SELLER)


def test_a_token_cannot_mint_a_token(app, client, people, bearer) -> None:
    """A stolen token must not outlive its own revocation through a child token."""
    refused = client.post("/api/v1/tokens", headers=bearer[Role.ADMIN], json={"name": "child"})
    error = _assert_error(refused, 403, "forbidden")
    assert "Mã API không tạo được mã API khác" in error["message"]
    names = [t["name"] for t in client.get("/api/v1/tokens", headers=bearer[Role.ADMIN]).json]
    assert names == ["tests"]


def test_a_bearer_token_decides_who_asks_over_a_session_cookie(client, auth, people) -> None:
    """Session of one account + token of another: the token's account answers; a bad token
    with a good session is refused, not passed over for the cookie."""
    app = client.application
    auth.login(people.username(Role.ADMIN))
    assert client.get("/api/v1/me").get_json()["username"] == people.username(Role.ADMIN)
    seller_token = conftest.issue_token(app, people.username(Role.SELLER))
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {seller_token}"})
    assert me.get_json()["username"] == people.username(Role.SELLER)
    _assert_error(
        client.get("/api/v1/users", headers={"Authorization": f"Bearer {seller_token}"}),
        403,
        "forbidden",
    )
    _assert_error(
        client.get("/api/v1/me", headers={"Authorization": "Bearer ocop_nope"}), 401, "unauthorized"
    )
    # Pages too: the token's account, not the session's.
    page = client.get("/dashboard", headers={"Authorization": f"Bearer {seller_token}"})
    assert "Tổng quan người bán" in page.get_data(as_text=True)
    assert client.get("/api/v1/me").get_json()["username"] == people.username(Role.ADMIN)


def test_a_remember_cookie_does_not_beat_a_bearer_token(client, people) -> None:
    app = client.application
    signed_in = client.post(
        "/auth/login",
        data={
            "username": people.username(Role.ADMIN),
            "password": conftest.PASSWORD,
            "remember": "y",
        },
    )
    assert signed_in.status_code == 302
    remember = client.get_cookie("remember_token")
    assert remember is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/api/v1/me").get_json()["username"] == people.username(Role.ADMIN)
    again = app.test_client()
    again.set_cookie("remember_token", remember.value)
    seller_token = conftest.issue_token(app, people.username(Role.SELLER))
    me = again.get("/api/v1/me", headers={"Authorization": f"Bearer {seller_token}"})
    assert me.get_json()["username"] == people.username(Role.SELLER)


def test_tokens_of_a_deactivated_account_stop_at_once(client, people, bearer) -> None:
    seller = bearer[Role.SELLER]
    assert client.get("/api/v1/me", headers=seller).status_code == 200
    seller_id = client.get("/api/v1/me", headers=seller).get_json()["id"]
    locked = client.patch(
        f"/api/v1/users/{seller_id}", headers=bearer[Role.ADMIN], json={"active": False}
    )
    assert locked.status_code == 200
    _assert_error(client.get("/api/v1/me", headers=seller), 401, "unauthorized")
    # Revoked, not only paused: unlocking the account does not bring the old token back.
    client.patch(f"/api/v1/users/{seller_id}", headers=bearer[Role.ADMIN], json={"active": True})
    _assert_error(client.get("/api/v1/me", headers=seller), 401, "unauthorized")


def test_a_new_password_set_by_an_admin_revokes_the_accounts_tokens(client, people, bearer) -> None:
    seller = bearer[Role.SELLER]
    seller_id = client.get("/api/v1/me", headers=seller).get_json()["id"]
    changed = client.patch(
        f"/api/v1/users/{seller_id}",
        headers=bearer[Role.ADMIN],
        json={"password": "ca-phe-sang-thu-bay"},
    )
    assert changed.status_code == 200, changed.get_json()
    _assert_error(client.get("/api/v1/me", headers=seller), 401, "unauthorized")
    assert client.get("/api/v1/me", headers=bearer[Role.COORDINATOR]).status_code == 200


def test_the_last_active_admin_can_be_neither_locked_nor_demoted(client, people, bearer) -> None:
    admin = bearer[Role.ADMIN]
    admin_id = client.get("/api/v1/me", headers=admin).get_json()["id"]
    locked = client.patch(f"/api/v1/users/{admin_id}", headers=admin, json={"active": False})
    assert (
        "quản trị viên cuối cùng"
        in _assert_error(locked, 422, "validation_error")["fields"]["active"][0]
    )
    demoted = client.patch(
        f"/api/v1/users/{admin_id}",
        headers=admin,
        json={"role": "coordinator", "club_id": people.club_id},
    )
    assert "role" in _assert_error(demoted, 422, "validation_error")["fields"]
    me = client.get("/api/v1/me", headers=admin).get_json()
    assert (me["role"], me["active"]) == ("admin", True)
    # With a second active admin, the first may step down.
    second = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "quantri.hai",
            "password": "ca-phe-sang-thu-bay",
            "full_name": "Quản trị hai",
            "role": "admin",
        },
    )
    assert second.status_code == 201, second.get_json()
    stepped_down = client.patch(
        f"/api/v1/users/{admin_id}",
        headers=admin,
        json={"role": "coordinator", "club_id": people.club_id},
    )
    assert stepped_down.status_code == 200, stepped_down.get_json()
    assert stepped_down.get_json()["role"] == "coordinator"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "quá dễ đoán"),
        ("aaaaaaaa", "quá dễ đoán"),
        ("P@ssw0rd", "quá dễ đoán"),
        ("qwertyuiop", "quá dễ đoán"),
        ("matkhau123", "quá dễ đoán"),
        ("htx.moi.nuoc2026", "quá dễ đoán"),  # the username and a year
        ("Nguyen Van Hoa", "quá dễ đoán"),  # the full name, accents off
        ("htx.moi.nuoc", "Mật khẩu không được trùng tên đăng nhập."),
        ("12345678901", "Mật khẩu không được chỉ gồm chữ số."),
        ("ngan", "Mật khẩu cần ít nhất 8 ký tự."),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(
    app, client, people, bearer, password: str, message: str
) -> None:
    response = client.post(
        "/api/v1/users",
        headers=bearer[Role.ADMIN],
        json={
            "username": "htx.moi.nuoc",
            "password": password,
            "full_name": "Nguyễn Văn Hoà",
            "role": "seller",
            "club_id": people.club_id,
        },
    )
    error = _assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"password"}
    assert any(message in reason for reason in error["fields"]["password"])
    with app.app_context():
        stmt = sa.select(accounts.User.id).where(accounts.User.username == "htx.moi.nuoc")
        assert extensions.db.session.scalar(stmt) is None


def test_cannot_revoke_someone_elses_token(client, people, bearer) -> None:
    theirs = client.get("/api/v1/tokens", headers=bearer[Role.ADMIN]).get_json()[0]["id"]
    _assert_error(
        client.delete(f"/api/v1/tokens/{theirs}", headers=bearer[Role.SELLER]), 404, "not_found"
    )


def test_openapi_document_describes_the_api(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    for path in (
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}/cancel",
        "/api/v1/tokens",
    ):
        assert path in spec["paths"], path
    error_schema = spec["components"]["schemas"]["Error"]
    assert error_schema["required"] == ["error"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert "default" in operation["responses"], f"{method} {path} documents no errors"


@pytest.mark.parametrize("asset", ["swagger-ui-bundle.js", "swagger-ui.css"])
def test_interactive_docs_are_served_locally(client, asset: str) -> None:
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert f"/api/v1/docs/assets/{asset}" in page
    response = client.get(f"/api/v1/docs/assets/{asset}")
    assert response.status_code == 200
    assert len(response.data) > 10_000
    response.close()


def test_docs_assets_refuse_path_traversal(client) -> None:
    response = client.get("/api/v1/docs/assets/../../__init__.py")
    assert response.status_code == 404
