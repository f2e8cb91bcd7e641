"""`flask users …`, `flask tokens …` and `flask demo load`."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app import extensions
from app.models import accounts, catalog, channels, orgs
from app.setup import demo as demo_service


def test_users_create_and_list(app, runner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "quantri",
            "--role",
            "admin",
            "--full-name",
            "Quản Trị",
            "--password",
            "mat-khau-dai",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Đã tạo quantri (admin)" in result.output
    listed = runner.invoke(args=["users", "list", "--json"])
    rows = json.loads(listed.output)
    assert [(r["username"], r["role"]) for r in rows] == [("quantri", "admin")]


def test_users_create_reports_bad_fields_with_exit_code(app, runner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "X Y",
            "--role",
            "producer",
            "--full-name",
            "A",
            "--password",
            "ngan",
        ]
    )
    assert result.exit_code == 2
    assert "username:" in result.output
    assert "password:" in result.output
    assert "producer_id:" in result.output
    with app.app_context():
        assert (
            extensions.db.session.scalar(sa.select(sa.func.count()).select_from(accounts.User)) == 0
        )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", "quá dễ đoán"),
        ("aaaaaaaa", "quá dễ đoán"),
        ("quantri", "ít nhất 8 ký tự"),
        ("quantri.clb", "trùng tên đăng nhập"),
    ],
)
def test_users_create_refuses_weak_passwords(app, runner, password: str, reason: str) -> None:
    result = runner.invoke(
        args=["users", "create", "quantri.clb", "--role", "admin", "--full-name", "Quản Trị"],
        env={"OCOP_NEW_PASSWORD": password},
    )
    assert result.exit_code == 2
    assert "password:" in result.output and reason in result.output
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(accounts.User.id))) == 0


def test_users_create_producer_by_organisation_name(app, runner) -> None:
    with app.app_context():
        extensions.db.session.add(
            orgs.Producer(
                name="HTX Chè Tân Cương", type=orgs.ProducerType.COOPERATIVE, province="Thái Nguyên"
            )
        )
        extensions.db.session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "che",
            "--role",
            "producer",
            "--full-name",
            "Chị Hoa",
            "--producer",
            "HTX Chè Tân Cương",
        ],
        input="mat-khau-dai\nmat-khau-dai\n",
    )
    assert result.exit_code == 0, result.output
    missing = runner.invoke(
        args=[
            "users",
            "create",
            "khac",
            "--role",
            "producer",
            "--full-name",
            "B",
            "--producer",
            "Không Có",
            "--password",
            "mat-khau-dai",
        ]
    )
    assert missing.exit_code == 2 and "Không Có" in missing.output


def test_tokens_create_prints_a_working_token(app, runner) -> None:
    club = runner.invoke(args=["clubs", "create", "CLB Thử", "--province", "22"])
    assert club.exit_code == 0, club.output
    created = runner.invoke(
        args=[
            "users",
            "create",
            "script",
            "--role",
            "seller",
            "--full-name",
            "S",
            "--club",
            "CLB Thử",
            "--password",
            "mat-khau-dai",
        ]
    )
    assert created.exit_code == 0, created.output
    assert "(seller, CLB Thử)" in created.output
    result = runner.invoke(args=["tokens", "create", "script", "--name", "báo cáo"])
    secret = result.output.strip()
    assert secret.startswith("ocop_")
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.get_json()["username"] == "script"
    unknown = runner.invoke(args=["tokens", "create", "nobody"])
    assert unknown.exit_code == 2


def test_demo_load_creates_a_club_once(app, runner, categories) -> None:
    first = runner.invoke(args=["demo", "load", "--if-empty", "--password", "demo-pass-1"])
    assert first.exit_code == 0, first.output
    assert "CLB Streamer Trẻ Móng Cái" in first.output
    with app.app_context():
        roles = {u.role for u in extensions.db.session.scalars(sa.select(accounts.User))}
        provinces = set(extensions.db.session.scalars(sa.select(orgs.Producer.province)))
        producer_accounts = extensions.db.session.scalars(
            sa.select(accounts.User).where(accounts.User.role == accounts.Role.PRODUCER)
        ).all()
        products = extensions.db.session.scalars(sa.select(catalog.Product)).all()
        assert len(products) == 5
        assert all(p.category_id and p.ocop_stars and p.variants for p in products)
        assert all(p.producer.province_code and p.producer.commune_code for p in products)
        club = extensions.db.session.scalar(sa.select(orgs.Club))
        assert (club.province_code, club.commune_code) == (22, 6712)
        assert club.commune == "Phường Móng Cái 1"
        assert {p.id for p in club.producers} == {p.producer_id for p in products}
        union = extensions.db.session.scalar(
            sa.select(accounts.User).where(accounts.User.role == accounts.Role.UNION)
        )
        assert (union.username, union.union_province_code, union.club_id) == (
            "doan.quangninh",
            22,
            None,
        )
        staff = extensions.db.session.scalars(
            sa.select(accounts.User).where(
                accounts.User.role.in_([accounts.Role.COORDINATOR, accounts.Role.SELLER])
            )
        ).all()
        assert staff and all(u.club_id == club.id for u in staff)
    assert roles == set(accounts.Role)
    assert len(provinces) >= 4
    assert all(u.producer_id and u.club_id is None for u in producer_accounts)
    second = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "bỏ qua" in second.output
    third = runner.invoke(args=["demo", "load"])
    assert "không thay đổi" in third.output
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count()).select_from(orgs.Club)) == 1
    login = app.test_client().post(
        "/auth/login", data={"username": "dieuphoi", "password": "demo-pass-1"}
    )
    assert login.status_code == 302


@pytest.mark.parametrize("flags", [[], ["--if-empty"]])
def test_demo_load_is_refused_in_production(app, runner, categories, flags: list[str]) -> None:
    """`make run` in production stops here: no admin/ocop-demo on a real server."""
    app.config["APP_ENV"] = "production"
    result = runner.invoke(args=["demo", "load", *flags])
    assert result.exit_code == 2
    assert "Không nạp dữ liệu mẫu khi APP_ENV=production" in result.output
    assert "DEMO=0" in result.output
    with app.app_context():
        session = extensions.db.session
        assert session.scalar(sa.select(sa.func.count(accounts.User.id))) == 0
        assert session.scalar(sa.select(sa.func.count(orgs.Club.id))) == 0


def test_demo_load_without_sandbox_settings_skips_the_sandbox_shops_and_says_why(
    app, runner, categories
) -> None:
    app.config.update(CREDENTIALS_KEYS=[], ALLOW_PRIVATE_URLS=False)
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Bỏ qua các gian hàng sandbox mẫu: chưa đặt CREDENTIALS_KEY" in result.output
    assert "CLB Streamer Trẻ Móng Cái" in result.output
    with app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count()).select_from(orgs.Club)) == 1
        shops = extensions.db.session.scalar(
            sa.select(sa.func.count()).select_from(channels.ChannelAccount)
        )
    assert shops == 0


def test_demo_sandbox_shops_need_private_urls_allowed() -> None:
    urls = {"shopee": "http://127.0.0.1:5701"}
    why = demo_service.why_no_sandbox_shops(
        urls, has_credentials_key=True, allow_private_urls=False
    )
    assert why is not None and "ALLOW_PRIVATE_URLS" in why and "127.0.0.1:5701" in why
    assert (
        demo_service.why_no_sandbox_shops(urls, has_credentials_key=True, allow_private_urls=True)
        is None
    )
