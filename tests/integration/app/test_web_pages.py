"""The web pages behind the shell: users admin, own account, jobs."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from app import extensions
from app.models import accounts, jobs
from tests import conftest

Role = accounts.Role


def test_admin_creates_a_user_through_the_form(app, client, auth, people) -> None:
    auth.login(people.username(Role.ADMIN))
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "HTX Chè Tân Cương" in form  # producers offered for producer accounts
    bad = client.post(
        "/admin/users/new",
        data={
            "username": "a",
            "full_name": "",
            "role": "producer",
            "producer_id": "",
            "password": "123",
        },
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'data-field="username"' in page and 'data-field="password"' in page
    assert 'data-field="producer_id"' in page
    good = client.post(
        "/admin/users/new",
        data={
            "username": "chi.hoa",
            "full_name": "Chị Hoa",
            "role": "producer",
            "producer_id": str(people.other_producer_id),
            "password": "mat-khau-dai",
        },
    )
    assert good.status_code == 302
    listing = client.get("/admin/users?role=producer").get_data(as_text=True)
    assert "chi.hoa" in listing and "HTX Chè Tân Cương" in listing


def test_admin_locks_an_account(app, client, auth, people) -> None:
    auth.login(people.username(Role.ADMIN))
    with app.app_context():
        seller = extensions.db.session.scalar(
            sa.select(accounts.User).where(accounts.User.username == people.username(Role.SELLER))
        )
        seller_id = seller.id
    page = client.get(f"/admin/users/{seller_id}/edit").get_data(as_text=True)
    assert 'value="Người dùng seller"' in page
    response = client.post(
        f"/admin/users/{seller_id}/edit",
        data={
            "full_name": "Người bán đã nghỉ",
            "role": "seller",
            "club_id": str(people.club_id),
            "producer_id": "",
            "email": "",
        },
    )  # the "active" checkbox left unticked
    assert response.status_code == 302
    other = app.test_client()
    refused = other.post(
        "/auth/login",
        data={"username": people.username(Role.SELLER), "password": conftest.PASSWORD},
    )
    assert refused.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in refused.get_data(as_text=True)


def _own_edit_form(client, admin_id: int, **changes: str):
    data = {
        "full_name": "Người dùng admin",
        "role": "admin",
        "club_id": "",
        "producer_id": "",
        "email": "",
        "active": "y",
        **changes,
    }
    return client.post(f"/admin/users/{admin_id}/edit", data={k: v for k, v in data.items() if v})


def test_the_last_admin_cannot_lock_or_demote_themselves(app, client, auth, people) -> None:
    auth.login(people.username(Role.ADMIN))
    with app.app_context():
        admin_id = conftest.user_named(people.username(Role.ADMIN)).id
    locked = _own_edit_form(client, admin_id, active="")
    assert locked.status_code == 422
    page = locked.get_data(as_text=True)
    assert re.search(r'data-field="active">Đây là quản trị viên cuối cùng đang hoạt động', page)
    demoted = _own_edit_form(client, admin_id, role="coordinator", club_id=str(people.club_id))
    assert demoted.status_code == 422
    assert 'data-field="role">Đây là quản trị viên cuối cùng' in demoted.get_data(as_text=True)
    with app.app_context():
        admin = conftest.user_named(people.username(Role.ADMIN))
        assert (admin.role, admin.is_active_account) == (Role.ADMIN, True)
    assert client.get("/admin/users").status_code == 200  # still signed in, still admin


def test_an_admin_setting_their_own_password_stays_signed_in(app, client, auth, people) -> None:
    auth.login(people.username(Role.ADMIN))
    with app.app_context():
        admin_id = conftest.user_named(people.username(Role.ADMIN)).id
    elsewhere = conftest.Auth(app.test_client())
    elsewhere.login(people.username(Role.ADMIN))
    saved = _own_edit_form(client, admin_id, password="ca-phe-sang-thu-bay")
    assert saved.status_code == 302
    assert client.get("/admin/users").status_code == 200
    assert elsewhere.client.get("/admin/users").status_code == 302  # the other device is out


def test_weak_passwords_are_refused_on_the_forms(app, client, auth, people) -> None:
    auth.login(people.username(Role.SELLER))
    for weak, reason in (
        ("password", "Mật khẩu quá dễ đoán"),
        ("aaaaaaaa", "Mật khẩu quá dễ đoán"),
        (people.username(Role.SELLER) + "x", "Mật khẩu quá dễ đoán"),
    ):
        refused = client.post(
            "/account/password",
            data={"current_password": conftest.PASSWORD, "new_password": weak, "confirm": weak},
        )
        assert refused.status_code == 422, weak
        assert re.search(f'data-field="new_password">{reason}', refused.get_data(as_text=True))
    auth.logout()
    assert auth.login(people.username(Role.SELLER)).status_code == 302  # unchanged
    auth.logout()
    auth.login(people.username(Role.ADMIN))
    bad = client.post(
        "/admin/users/new",
        data={
            "username": "ban.hang.moi",
            "full_name": "Bán Hàng Mới",
            "role": "seller",
            "club_id": str(people.club_id),
            "password": "ban.hang.moi",
        },
    )
    assert bad.status_code == 422
    assert 'data-field="password">Mật khẩu không được trùng tên đăng nhập.' in bad.get_data(
        as_text=True
    )


def test_admin_creates_a_youth_union_account_with_its_unit(app, client, auth, people) -> None:
    auth.login(people.username(Role.ADMIN))
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "Đoàn cấp trên" in form and "Quảng Ninh" in form  # the role and the provinces
    refreshed = client.post(  # without JavaScript: show the communes of the chosen province
        "/admin/users/new",
        data={"role": "union", "union_province_code": "22", "refresh_communes": "1"},
    )
    assert refreshed.status_code == 200 and "Phường Móng Cái 1" in refreshed.get_data(as_text=True)
    created = client.post(
        "/admin/users/new",
        data={
            "username": "doan.mongcai",
            "full_name": "Đoàn phường Móng Cái 1",
            "role": "union",
            "union_province_code": "22",
            "union_commune_code": "6712",
            "password": "mat-khau-dai",
        },
    )
    assert created.status_code == 302
    listing = client.get("/admin/users?role=union").get_data(as_text=True)
    assert "doan.mongcai" in listing and "Phường Móng Cái 1, Quảng Ninh" in listing
    auth.logout()
    assert auth.login("doan.mongcai", "mat-khau-dai").status_code == 302
    account = client.get("/account/").get_data(as_text=True)
    assert "Đơn vị Đoàn: Phường Móng Cái 1, Quảng Ninh" in account
    with app.app_context():
        user = conftest.user_named("doan.mongcai")
        assert (user.union_province_code, user.union_commune_code, user.club_id) == (
            22,
            6712,
            None,
        )


def test_coordinator_sees_users_but_cannot_edit(client, auth, people) -> None:
    auth.login(people.username(Role.COORDINATOR))
    listing = client.get("/admin/users")
    assert listing.status_code == 200
    assert "/admin/users/new" not in listing.get_data(as_text=True)
    assert client.get("/admin/users/new").status_code == 403


def test_change_password_then_sign_in_with_it(app, client, auth, people) -> None:
    auth.login(people.username(Role.SELLER))
    new = "mat-khau-moi-1"

    def change(current: str, confirm: str) -> Any:
        return client.post(
            "/account/password",
            data={"current_password": current, "new_password": new, "confirm": confirm},
        )

    wrong = change("sai", new)
    assert wrong.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    mismatch = change(conftest.PASSWORD, "khac")
    assert "Hai mật khẩu không khớp." in mismatch.get_data(as_text=True)
    ok = change(conftest.PASSWORD, new)
    assert ok.status_code == 302
    auth.logout()
    assert auth.login(people.username(Role.SELLER), "mat-khau-moi-1").status_code == 302


def test_token_is_shown_once_on_the_account_page_and_can_be_revoked(
    app, client, auth, people
) -> None:
    auth.login(people.username(Role.PRODUCER))
    page = client.post("/account/tokens", data={"name": "Báo cáo tháng"}).get_data(as_text=True)
    secret = re.search(r'data-testid="new-token">(ocop_[^<]+)<', page).group(1)
    headers = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    again = client.get("/account/").get_data(as_text=True)
    assert secret not in again and "Báo cáo tháng" in again
    token_id = re.search(r"/account/tokens/(\d+)/revoke", again).group(1)
    client.post(f"/account/tokens/{token_id}/revoke")
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401


def test_jobs_pages_start_show_and_cancel(app, client, auth, people) -> None:
    auth.login(people.username(Role.COORDINATOR))
    empty = client.get("/jobs/").get_data(as_text=True)
    assert "Chưa có công việc nền nào." in empty
    started = client.post("/jobs/system-check")
    assert started.status_code == 302
    detail = client.get(started.location).get_data(as_text=True)
    assert "Kiểm tra hệ thống" in detail and 'data-status="queued"' in detail
    cancelled = client.post(started.location + "/cancel")
    assert cancelled.status_code == 302
    page = client.get(started.location).get_data(as_text=True)
    assert 'data-status="cancelled"' in page
    assert 'id="cancel-form"' not in page
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(jobs.Job.status)) == jobs.JobStatus.CANCELLED
    listing = client.get("/jobs/?status=cancelled").get_data(as_text=True)
    assert "Kiểm tra hệ thống" in listing


def test_each_role_gets_its_own_dashboard(client, auth, people) -> None:
    titles = {
        Role.ADMIN: "Tổng quan quản trị",
        Role.COORDINATOR: "Tổng quan điều phối",
        Role.SELLER: "Tổng quan người bán",
        Role.PRODUCER: "Tổng quan nhà sản xuất",
        Role.UNION: "Tổng quan Đoàn",
    }
    for role, title in titles.items():
        auth.login(people.username(role))
        page = client.get("/dashboard").get_data(as_text=True)
        assert title in page
        if role == Role.PRODUCER:
            assert "HTX Nước mắm Trà Cổ" in page and "HTX Chè Tân Cương" not in page
        auth.logout()


def test_the_setup_page_refuses_weak_passwords(app, client) -> None:
    """The first admin of an empty instance follows the same password rules."""
    form = {
        "username": "quantri",
        "full_name": "Nguyễn Văn Quản",
        "club_name": "CLB Streamer Tiên Yên",
        "province_code": "22",
        "commune_code": "6712",
        "contact_phone": "0912 345 678",
    }
    for weak, reason in (
        ("password", "Mật khẩu quá dễ đoán"),
        ("quantri", "Mật khẩu cần ít nhất 8 ký tự."),
        ("Nguyen Van Quan", "Mật khẩu quá dễ đoán"),
    ):
        refused = client.post("/setup/", data={**form, "password": weak, "password_confirm": weak})
        assert refused.status_code == 422, weak
        assert f'data-field="password">{reason}' in refused.get_data(as_text=True)
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(accounts.User.id))) == 0
    accepted = client.post(
        "/setup/",
        data={**form, "password": "ca-phe-sang-thu-bay", "password_confirm": "ca-phe-sang-thu-bay"},
    )
    assert accepted.status_code == 302
