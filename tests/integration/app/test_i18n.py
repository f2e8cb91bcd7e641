"""Vietnamese by default, English on request; times shown in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from app.models import accounts

Role = accounts.Role


def test_vietnamese_is_the_default(client, people) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page


def test_english_switch_translates_pages_and_sticks(client, auth, people) -> None:
    switched = client.get("/lang/en?next=/auth/login")
    assert switched.status_code == 302 and switched.location.endswith("/auth/login")
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign in" in page
    auth.login(people.username(Role.COORDINATOR))
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Tổng quan điều phối" not in dashboard
    assert "Coordinator" in dashboard
    client.get("/lang/vi")
    assert "Tổng quan điều phối" in client.get("/dashboard").get_data(as_text=True)


def test_unknown_language_is_ignored_and_next_stays_on_site(client, people) -> None:
    response = client.get("/lang/fr?next=//evil.example")
    assert response.location.endswith("/dashboard")
    assert '<html lang="vi">' in client.get("/auth/login").get_data(as_text=True)


def test_saved_language_applies_at_next_sign_in(app, client, auth, people) -> None:
    auth.login(people.username(Role.SELLER))
    client.post("/account/locale", data={"locale": "en"})
    auth.logout()
    fresh = app.test_client()
    fresh.post(
        "/auth/login",
        data={"username": people.username(Role.SELLER), "password": "mat-khau-thu-nghiem"},
    )
    assert '<html lang="en">' in fresh.get("/dashboard").get_data(as_text=True)


def test_api_errors_follow_the_language(client, people) -> None:
    client.get("/lang/en")
    body = client.get("/api/v1/me").get_json()
    assert body["error"]["code"] == "unauthorized"
    assert "Cần đăng nhập" not in body["error"]["message"]
