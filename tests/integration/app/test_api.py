"""The JSON API: token auth, the one error shape, users and tokens, the OpenAPI document."""

from __future__ import annotations

import pytest

from app.models import accounts

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


def test_token_secret_is_shown_once_and_works(client, people, bearer) -> None:
    issued = client.post("/api/v1/tokens", headers=bearer[Role.SELLER], json={"name": "script"})
    assert issued.status_code == 201
    secret = issued.get_json()["token"]
    assert secret.startswith("ocop_")
    listed = client.get("/api/v1/tokens", headers=bearer[Role.SELLER]).get_json()
    assert all("token" not in t for t in listed)
    assert {t["name"] for t in listed} == {"tests", "script"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["username"] == people.username(Role.SELLER)


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
