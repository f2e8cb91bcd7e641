"""First run: an empty instance sends every page to /setup, which creates the first admin, the
club and its bank account in one transaction, then answers 404; production asks for the
one-time setup code. Also the public address check shown on the setup page."""

from __future__ import annotations

import datetime as dt
import logging
import stat

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.accounts import service as accounts_service
from app.core import clock
from app.models import accounts, live, orders, orgs
from app.setup import service as setup_service
from tests.support import catalog as builders

Role = accounts.Role

FORM = {
    "username": "quantri",
    "full_name": "Nguyễn Văn Quản",
    "email": "",
    "password": "mat-khau-dai",
    "password_confirm": "mat-khau-dai",
    "club_name": "CLB Streamer Tiên Yên",
    "province_code": "22",
    "commune_code": "6712",
    "contact_phone": "0912 345 678",
    "bank_bin": "970436",
    "account_number": "0123456789",
    "account_name": "Nguyễn Văn Quản",
}


def _counts(app: flask.Flask) -> tuple[int, int, int]:
    with app.app_context():
        db = extensions.db.session
        return tuple(
            int(db.scalar(sa.select(sa.func.count()).select_from(model)) or 0)
            for model in (accounts.User, orgs.Club, orders.PaymentAccount)
        )  # type: ignore[return-value]


@pytest.mark.parametrize(
    "path",
    ["/", "/dashboard", "/auth/login", "/catalog/products", "/admin/clubs", "/account/"],
)
def test_every_page_of_an_empty_instance_leads_to_setup(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.endswith("/setup/")


def test_health_static_api_and_language_stay_reachable_on_an_empty_instance(client) -> None:
    assert client.get("/healthz").status_code == 200
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    css.close()
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/p/987654").status_code == 404  # public pages are not redirected
    switched = client.get("/lang/en?next=/setup/")
    assert switched.status_code == 302 and switched.location.endswith("/setup/")
    page = client.get("/setup/")
    assert page.status_code == 200
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_setup_page_is_vietnamese_and_warns_about_the_public_address(client) -> None:
    page = client.get("/setup/").get_data(as_text=True)
    assert "Thiết lập lần đầu" in page
    assert "mã QR in ra sẽ trỏ về máy này, điện thoại khách không mở được" in page
    assert "Mã thiết lập" not in page  # development and testing need no code


def test_setup_page_shows_a_public_address_when_set(db_url: str, app_factory) -> None:
    app = app_factory(db_url, PUBLIC_BASE_URL="https://ocop.example.vn")
    with app.app_context():
        extensions.db.create_all()
    page = app.test_client().get("/setup/").get_data(as_text=True)
    assert "Mã QR in ra sẽ trỏ về https://ocop.example.vn." in page
    assert "điện thoại khách không mở được" not in page
    local = app_factory(db_url, PUBLIC_BASE_URL="http://127.0.0.1:5000")
    warned = local.test_client().get("/setup/").get_data(as_text=True)
    assert "đang là http://127.0.0.1:5000" in warned


def test_setup_creates_admin_club_and_bank_account_then_closes(app, client) -> None:
    response = client.post("/setup/", data=FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith("/dashboard")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Tổng quan quản trị" in dashboard  # signed in as the new admin
    assert "thêm chủ thể sản xuất và sản phẩm" in dashboard
    assert "lên lịch livestream" in dashboard
    with app.app_context():
        db = extensions.db.session
        admin = db.scalar(sa.select(accounts.User))
        club = db.scalar(sa.select(orgs.Club))
        account = db.scalar(sa.select(orders.PaymentAccount))
        assert admin.username == "quantri" and admin.role == Role.ADMIN
        assert admin.club_id == club.id  # the working club is the new club
        assert club.name == "CLB Streamer Tiên Yên"
        assert (club.province, club.commune, club.contact_phone) == (
            "Quảng Ninh",
            "Phường Móng Cái 1",
            "0912345678",
        )
        assert account.club_id == club.id and account.account_name == "NGUYEN VAN QUAN"
    assert client.get("/setup/").status_code == 404
    assert app.test_client().post("/setup/", data={**FORM, "username": "khac"}).status_code == 404
    assert _counts(app) == (1, 1, 1)
    fresh = app.test_client()
    assert "/auth/login" in fresh.get("/dashboard").location  # no longer /setup


def test_setup_without_a_bank_account(app, client) -> None:
    data = {**FORM, "bank_bin": "", "account_number": "", "account_name": ""}
    assert client.post("/setup/", data=data).status_code == 302
    assert _counts(app) == (1, 1, 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"account_number": "12"}, "account_number"),
        ({"password_confirm": "mat-khau-khac"}, "password_confirm"),
        ({"password": "123", "password_confirm": "123"}, "password"),
        ({"username": "X Y"}, "username"),
        ({"club_name": ""}, "club_name"),
        ({"province_code": ""}, "province_code"),
        ({"commune_code": "5503"}, "commune_code"),
        ({"contact_phone": "12"}, "contact_phone"),
    ],
)
def test_a_bad_field_leaves_nothing_written(app, client, change, field) -> None:
    response = client.post("/setup/", data={**FORM, **change})
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.get_data(as_text=True)
    assert _counts(app) == (0, 0, 0)
    assert client.get("/dashboard").location.endswith("/setup/")


def test_every_problem_is_reported_at_once(app, client) -> None:
    response = client.post(
        "/setup/", data={**FORM, "username": "", "club_name": "", "account_name": "!"}
    )
    html = response.get_data(as_text=True)
    for field in ("username", "club_name", "account_name"):
        assert f'data-field="{field}"' in html


def test_a_failure_after_the_club_is_written_rolls_everything_back(
    app, client, monkeypatch
) -> None:
    """Admin, club and bank account are one transaction: a late failure keeps none."""

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(accounts_service, "build_user", broken)
    with app.app_context(), pytest.raises(RuntimeError):
        setup_service.run_setup(extensions.db.session, dict(FORM))
    assert _counts(app) == (0, 0, 0)


# --- production: the one-time setup code ---------------------------------------------------


def _production_app(db_url: str, app_factory) -> flask.Flask:
    app = app_factory(db_url, APP_ENV="production", PUBLIC_BASE_URL="https://ocop.example.vn")
    with app.app_context():
        extensions.db.create_all()
    return app


def test_production_needs_the_setup_code(db_url: str, app_factory, caplog) -> None:
    app = _production_app(db_url, app_factory)
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="app.setup.pages"):
        page = client.get("/setup/").get_data(as_text=True)
    assert "Mã thiết lập" in page
    path = setup_service.setup_code_path(app.instance_path)
    code = path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert code in caplog.text  # logged for whoever runs the server
    refused = client.post("/setup/", data={**FORM, "setup_code": "AAAA-BBBB-CCCC"})
    assert refused.status_code == 422
    assert 'data-field="setup_code"' in refused.get_data(as_text=True)
    missing = client.post("/setup/", data=FORM)
    assert missing.status_code == 422
    assert _counts(app) == (0, 0, 0)
    typed = code.replace("-", " ").lower()  # read off a terminal, typed on a phone
    accepted = client.post("/setup/", data={**FORM, "setup_code": typed})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    assert _counts(app) == (1, 1, 1)
    assert not path.exists()  # used once


def test_production_logs_the_code_at_start_up_while_no_user_exists(
    db_url: str, app_factory, caplog
) -> None:
    _production_app(db_url, app_factory)  # the tables now exist, still no user
    with caplog.at_level(logging.WARNING, logger="app.setup.pages"):
        app = app_factory(db_url, APP_ENV="production", PUBLIC_BASE_URL="https://ocop.example.vn")
    code = setup_service.setup_code_path(app.instance_path).read_text().strip()
    assert f"mã thiết lập {code}" in caplog.text
    # A second process (another worker) logs the same code.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.setup.pages"):
        app_factory(db_url, APP_ENV="production", PUBLIC_BASE_URL="https://ocop.example.vn")
    assert code in caplog.text


def test_no_code_is_written_once_a_user_exists(db_url: str, app_factory, password_hash) -> None:
    first = _production_app(db_url, app_factory)
    with first.app_context():
        extensions.db.session.add(
            accounts.User(
                username="quantri", full_name="Q", role=Role.ADMIN, password_hash=password_hash
            )
        )
        extensions.db.session.commit()
    app = app_factory(db_url, APP_ENV="production", PUBLIC_BASE_URL="https://ocop.example.vn")
    assert not setup_service.setup_code_path(app.instance_path).exists()
    assert app.test_client().get("/setup/").status_code == 404


# --- the public address on pages that print QR codes ------------------------------------------


def _qr_pages(app: flask.Flask, people) -> list[str]:
    """A product's page, its where-to-buy links and a livestream's printable sheet."""
    product_id = builders.make_product(
        app, people.username(Role.SELLER), builders.product_data(people.producer_id)
    )
    with app.app_context():
        starts = clock.utcnow() + dt.timedelta(days=1)
        show = live.LiveSession(
            club_id=people.club_id,
            title="Chợ phiên OCOP",
            platform="tiktok",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
        )
        extensions.db.session.add(show)
        extensions.db.session.commit()
        session_id = show.id
    return [
        f"/catalog/products/{product_id}",
        f"/catalog/products/{product_id}/links",
        f"/live/sessions/{session_id}/print",
    ]


def test_qr_pages_warn_signed_in_users_while_the_public_address_is_unset(
    app, client, auth, people
) -> None:
    pages = _qr_pages(app, people)
    auth.login(people.username(Role.ADMIN))
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert 'data-testid="public-address-warning"' in html, path
        assert "điện thoại khách không mở được" in html
    app.config["PUBLIC_BASE_URL"] = "http://localhost:5000"
    html = client.get(pages[0]).get_data(as_text=True)
    assert "đang là http://localhost:5000" in html
    app.config["PUBLIC_BASE_URL"] = "https://ocop.example.vn"
    for path in pages:
        assert 'data-testid="public-address-warning"' not in client.get(path).get_data(as_text=True)
