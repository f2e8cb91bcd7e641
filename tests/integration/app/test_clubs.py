"""Clubs (the tenants): the service's rules, the admin pages, the API, `flask clubs`, archiving,
and membership (who belongs to which club), on both databases."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
import sqlalchemy.exc
from PIL import Image

from app import extensions
from app.clubs import service as clubs_service
from app.core import clock, errors, tenancy
from app.models import accounts, orders, orgs
from tests import conftest

Role = accounts.Role
VIETCOMBANK = "970436"


def _count(model: type) -> int:
    return int(extensions.db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _fields(response) -> dict[str, list[str]]:
    body = response.get_json()
    assert body["error"]["code"] == "validation_error", body
    return body["error"]["fields"]


def _operator() -> tenancy.Scope:
    return tenancy.scope_for(extensions.db.session, None)


GOOD = {
    "name": "CLB Streamer Tiên Yên",
    "province_code": 22,
    "commune_code": 6712,
    "contact_name": "Lê Văn Bình",
    "contact_phone": "+84 912.345.678",
    "contact_email": "Binh@Example.VN",
}


# --- the service ------------------------------------------------------------------------------


def test_service_stores_names_from_codes_and_normal_forms(app) -> None:
    with app.app_context():
        club = clubs_service.create_club(
            extensions.db.session,
            _operator(),
            {
                **GOOD,
                "name": "  CLB Streamer Tie\u0302n Ye\u0302n ",  # decomposed, padded
                "bank_account": {
                    "bank_bin": VIETCOMBANK,
                    "account_number": "0123 4567 89",
                    "account_name": "Lê Văn Bình",
                },
            },
        )
        assert club.name == "CLB Streamer Tiên Yên"
        assert (club.province, club.commune) == ("Quảng Ninh", "Phường Móng Cái 1")
        assert club.contact_phone == "0912345678"
        assert club.contact_email == "binh@example.vn"
        account = clubs_service.bank_account(extensions.db.session, club.id)
        assert account is not None
        assert (account.bank_bin, account.account_number, account.account_name) == (
            VIETCOMBANK,
            "0123456789",
            "LE VAN BINH",
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"province_code": 99}, "province_code"),
        ({"province_code": None}, "province_code"),
        ({"province_code": "abc"}, "province_code"),
        ({"commune_code": 5503}, "commune_code"),  # Tân Cương is in Thái Nguyên, not Quảng Ninh
        ({"commune_code": 999999}, "commune_code"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_email": "not-an-email"}, "contact_email"),
    ],
)
def test_service_refuses_bad_fields_and_writes_nothing(app, change, field) -> None:
    with app.app_context():
        with pytest.raises(errors.ValidationError) as caught:
            clubs_service.create_club(extensions.db.session, _operator(), {**GOOD, **change})
        assert field in caught.value.fields
        assert _count(orgs.Club) == 0


def test_service_refuses_a_duplicate_name_whatever_its_case(app, people) -> None:
    with app.app_context():
        with pytest.raises(errors.ValidationError) as caught:
            clubs_service.create_club(
                extensions.db.session,
                _operator(),
                {**GOOD, "name": "clb streamer MÓNG CÁI"},
            )
        assert caught.value.fields["name"] == ["Đã có câu lạc bộ tên này."]
        # Renaming a club to its own name is fine.
        club = clubs_service.update_club(
            extensions.db.session, _operator(), people.club_id, {"name": "CLB Streamer Móng Cái"}
        )
        assert club.name == "CLB Streamer Móng Cái"


@pytest.mark.parametrize(
    ("bank", "fields"),
    [
        (
            {"bank_bin": "123456", "account_number": "12", "account_name": "A"},
            {"bank_bin", "account_number", "account_name"},
        ),
        (
            {"bank_bin": VIETCOMBANK, "account_number": "", "account_name": "LE A"},
            {"account_number"},
        ),
        (
            {"bank_bin": VIETCOMBANK, "account_number": "0123456789", "account_name": "Lê & Co"},
            {"account_name"},
        ),
    ],
)
def test_bank_account_is_checked_like_the_payment_account_page(app, bank, fields) -> None:
    with app.app_context():
        with pytest.raises(errors.ValidationError) as caught:
            clubs_service.create_club(
                extensions.db.session, _operator(), {**GOOD, "bank_account": bank}
            )
        assert set(caught.value.fields) == fields
        assert _count(orgs.Club) == 0
        assert _count(orders.PaymentAccount) == 0


def test_blank_bank_account_removes_it(app, people) -> None:
    with app.app_context():
        db = extensions.db.session
        bank = {"bank_bin": VIETCOMBANK, "account_number": "0123456789", "account_name": "CLB MC"}
        clubs_service.update_club(db, _operator(), people.club_id, {"bank_account": bank})
        assert clubs_service.bank_account(db, people.club_id) is not None
        clubs_service.update_club(db, _operator(), people.club_id, {"bank_account": None})
        assert clubs_service.bank_account(db, people.club_id) is None


def test_only_admins_manage_clubs_in_the_service(app, people) -> None:
    with app.app_context():
        db = extensions.db.session
        coordinator = tenancy.scope_for(db, conftest.user_named(people.username(Role.COORDINATOR)))
        union = tenancy.scope_for(db, conftest.user_named(people.username(Role.UNION)))
        for scope in (coordinator, union):
            with pytest.raises(errors.Forbidden):
                clubs_service.create_club(db, scope, GOOD)
            with pytest.raises(errors.Forbidden):
                clubs_service.archive_club(db, scope, people.club_id)


# --- admin pages -------------------------------------------------------------------------------


def test_admin_creates_edits_archives_and_restores_a_club_in_the_pages(
    app, client, auth, people
) -> None:
    auth.login(people.username(Role.ADMIN))
    assert "Thêm câu lạc bộ" in client.get("/admin/clubs/new").get_data(as_text=True)
    refused = client.post(
        "/admin/clubs/new",
        data={"name": "CLB Mới", "province_code": "22", "commune_code": "5503"},
    )
    assert refused.status_code == 422
    assert "Xã/phường không thuộc tỉnh đã chọn." in refused.get_data(as_text=True)
    created = client.post(
        "/admin/clubs/new",
        data={
            "name": "CLB Mới",
            "province_code": "22",
            "commune_code": "6709",
            "contact_phone": "0912 345 678",
            "bank_bin": VIETCOMBANK,
            "account_number": "0123456789",
            "account_name": "clb moi",
            "producer_ids": [str(people.producer_id)],
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    detail = client.get(created.location).get_data(as_text=True)
    assert "Phường Móng Cái 2, Quảng Ninh" in detail
    assert "0123456789 · CLB MOI" in detail
    assert "HTX Nước mắm Trà Cổ" in detail
    with app.app_context():
        club = extensions.db.session.scalar(sa.select(orgs.Club).where(orgs.Club.name == "CLB Mới"))
        club_id = club.id
    edit_page = client.get(f"/admin/clubs/{club_id}/edit").get_data(as_text=True)
    assert 'value="0123456789"' in edit_page  # the bank account is prefilled
    edited = client.post(
        f"/admin/clubs/{club_id}/edit",
        data={
            "name": "CLB Mới Móng Cái",
            "province_code": "22",
            "commune_code": "",
            "producer_ids": [str(people.other_producer_id)],
        },
    )
    assert edited.status_code == 302
    with app.app_context():
        club = extensions.db.session.get(orgs.Club, club_id)
        assert club.name == "CLB Mới Móng Cái" and club.commune_code is None
        assert [p.id for p in club.producers] == [people.other_producer_id]
        assert clubs_service.bank_account(extensions.db.session, club_id) is None
    listing = client.get("/admin/clubs").get_data(as_text=True)
    assert "CLB Mới Móng Cái" in listing and "CLB Streamer Móng Cái" in listing
    archived_page = client.post(f"/admin/clubs/{club_id}/archive", follow_redirects=True)
    assert 'data-testid="club-archived"' in archived_page.get_data(as_text=True)
    assert "CLB Mới Móng Cái" not in client.get("/admin/clubs").get_data(as_text=True)
    archived = client.get("/admin/clubs?status=archived").get_data(as_text=True)
    assert "CLB Mới Móng Cái" in archived and "CLB Streamer Móng Cái" not in archived
    assert client.post(f"/admin/clubs/{club_id}/restore").status_code == 302
    with app.app_context():
        assert extensions.db.session.get(orgs.Club, club_id).archived_at is None


def test_club_list_is_paginated_and_says_when_empty(app, client, auth, people) -> None:
    auth.login(people.username(Role.ADMIN))
    empty = client.get("/admin/clubs?status=archived").get_data(as_text=True)
    assert "Không có câu lạc bộ nào đã lưu trữ." in empty
    with app.app_context():
        for n in range(30):
            extensions.db.session.add(orgs.Club(name=f"CLB {n:02d}", province="Quảng Ninh"))
        extensions.db.session.commit()
    first = client.get("/admin/clubs").get_data(as_text=True)
    assert "Trang 1 / 2" in first
    assert first.count('data-testid="club-row"') == 25


def test_staff_and_union_see_only_the_clubs_in_their_scope(
    app, client, auth, people, other_club
) -> None:
    with app.app_context():
        far = orgs.Club(name="CLB Hà Nội", province="Thành phố Hà Nội", province_code=1)
        extensions.db.session.add(far)
        extensions.db.session.commit()
        far_id = far.id
    auth.login(people.username(Role.COORDINATOR))
    mine = client.get("/admin/clubs").get_data(as_text=True)
    assert "CLB Streamer Móng Cái" in mine
    assert "CLB Streamer Hạ Long" not in mine and "CLB Hà Nội" not in mine
    assert client.get(f"/admin/clubs/{other_club.club_id}").status_code == 404
    assert client.get(f"/admin/clubs/{people.club_id}").status_code == 200
    assert client.get(f"/admin/clubs/{people.club_id}/edit").status_code == 403
    auth.logout()
    auth.login(people.username(Role.UNION))
    union = client.get("/admin/clubs").get_data(as_text=True)
    assert "CLB Streamer Móng Cái" in union and "CLB Streamer Hạ Long" in union
    assert "CLB Hà Nội" not in union
    assert client.get(f"/admin/clubs/{far_id}").status_code == 404
    assert client.post(f"/admin/clubs/{people.club_id}/archive").status_code == 403


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (800, 600), (200, 30, 30, 128)).save(out, "PNG")
    return out.getvalue()


def test_club_logo_is_checked_stored_and_served_in_scope(
    app, client, auth, people, other_club
) -> None:
    auth.login(people.username(Role.ADMIN))
    refused = client.post(
        f"/admin/clubs/{people.club_id}/logo",
        data={"logo": (io.BytesIO(b"not an image"), "logo.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 302
    with app.app_context():
        assert extensions.db.session.get(orgs.Club, people.club_id).logo_path is None
    stored = client.post(
        f"/admin/clubs/{people.club_id}/logo",
        data={"logo": (io.BytesIO(_png()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert stored.status_code == 302
    with app.app_context():
        path = extensions.db.session.get(orgs.Club, people.club_id).logo_path
    assert path.startswith(f"clubs/{people.club_id}/logo-") and path.endswith(".png")
    served = client.get(f"/admin/clubs/{people.club_id}/logo")
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.data)).size == (512, 384)  # fitted within 512 × 512
    served.close()
    auth.logout()
    auth.login(other_club.coordinator)
    assert client.get(f"/admin/clubs/{people.club_id}/logo").status_code == 404


# --- API -----------------------------------------------------------------------------------------


def test_api_crud_for_admins(client, people, bearer) -> None:
    admin = bearer[Role.ADMIN]
    bad = client.post(
        "/api/v1/clubs",
        headers=admin,
        json={
            "name": "CLB Streamer Móng Cái",
            "province_code": 22,
            "commune_code": 5503,
            "bank_account": {
                "bank_bin": VIETCOMBANK,
                "account_number": "12",
                "account_name": "X Y",
            },
        },
    )
    assert bad.status_code == 422
    assert set(_fields(bad)) == {"name", "commune_code", "bank_account.account_number"}
    missing = client.post("/api/v1/clubs", headers=admin, json={"name": "CLB"})
    assert "province_code" in _fields(missing)
    created = client.post(
        "/api/v1/clubs",
        headers=admin,
        json={
            **GOOD,
            "producer_ids": [people.producer_id],
            "bank_account": {
                "bank_bin": VIETCOMBANK,
                "account_number": "0123456789",
                "account_name": "Lê Văn Bình",
            },
        },
    )
    assert created.status_code == 201, created.get_json()
    club = created.get_json()
    assert club["commune"] == "Phường Móng Cái 1" and club["contact_phone"] == "0912345678"
    assert club["bank_account"]["account_name"] == "LE VAN BINH"
    assert club["bank_account"]["bank_name"] == "Vietcombank"
    assert [p["id"] for p in club["producers"]] == [people.producer_id]
    patched = client.patch(
        f"/api/v1/clubs/{club['id']}",
        headers=admin,
        json={"contact_name": None, "bank_account": None, "commune_code": None},
    )
    assert patched.status_code == 200
    body = patched.get_json()
    assert body["contact_name"] is None and body["bank_account"] is None
    assert body["commune"] is None and body["province"] == "Quảng Ninh"
    linked = client.put(
        f"/api/v1/clubs/{club['id']}/producers",
        headers=admin,
        json={"producer_ids": [people.producer_id, people.other_producer_id]},
    )
    assert {p["id"] for p in linked.get_json()["producers"]} == {
        people.producer_id,
        people.other_producer_id,
    }
    unknown = client.put(
        f"/api/v1/clubs/{club['id']}/producers", headers=admin, json={"producer_ids": [987654]}
    )
    assert "producer_ids" in _fields(unknown)
    archived = client.post(f"/api/v1/clubs/{club['id']}/archive", headers=admin)
    assert archived.get_json()["archived"] is True
    active = client.get("/api/v1/clubs", headers=admin).get_json()
    assert [c["name"] for c in active["items"]] == ["CLB Streamer Móng Cái"]
    every = client.get("/api/v1/clubs?status=all", headers=admin).get_json()
    assert every["total"] == 2
    restored = client.post(f"/api/v1/clubs/{club['id']}/restore", headers=admin)
    assert restored.get_json()["archived"] is False


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SELLER, Role.PRODUCER, Role.UNION])
def test_api_writes_are_for_admins_only(client, people, bearer, role) -> None:
    headers = bearer[role]
    assert client.post("/api/v1/clubs", headers=headers, json=GOOD).status_code == 403
    assert (
        client.patch(f"/api/v1/clubs/{people.club_id}", headers=headers, json={}).status_code == 403
    )
    assert (
        client.post(f"/api/v1/clubs/{people.club_id}/archive", headers=headers).status_code == 403
    )
    assert (
        client.put(
            f"/api/v1/clubs/{people.club_id}/producers",
            headers=headers,
            json={"producer_ids": []},
        ).status_code
        == 403
    )


def test_api_reads_are_scoped(app, client, people, bearer, other_club) -> None:
    with app.app_context():
        far = orgs.Club(name="CLB Hà Nội", province="Thành phố Hà Nội", province_code=1)
        extensions.db.session.add(far)
        extensions.db.session.commit()
        far_id = far.id
    coordinator = bearer[Role.COORDINATOR]
    listed = client.get("/api/v1/clubs", headers=coordinator).get_json()
    assert [c["id"] for c in listed["items"]] == [people.club_id]
    assert client.get(f"/api/v1/clubs/{other_club.club_id}", headers=coordinator).status_code == 404
    assert client.get(f"/api/v1/clubs/{people.club_id}", headers=coordinator).status_code == 200
    union = bearer[Role.UNION]
    names = {c["name"] for c in client.get("/api/v1/clubs", headers=union).get_json()["items"]}
    assert names == {"CLB Streamer Móng Cái", "CLB Streamer Hạ Long"}
    assert client.get(f"/api/v1/clubs/{far_id}", headers=union).status_code == 404
    producer = client.get("/api/v1/clubs", headers=bearer[Role.PRODUCER])
    assert producer.status_code == 403  # producer accounts have no club to list
    admin = client.get("/api/v1/clubs?per_page=100", headers=bearer[Role.ADMIN]).get_json()
    assert admin["total"] == 3


def test_openapi_documents_the_clubs_api(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/clubs"])
    assert {"get", "patch"} <= set(paths["/api/v1/clubs/{club_id}"])
    assert "put" in paths["/api/v1/clubs/{club_id}/producers"]
    assert "post" in paths["/api/v1/clubs/{club_id}/archive"]
    assert "club_id" in spec["components"]["schemas"]["UserCreate"]["properties"]


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_create_list_edit_archive_restore(app, runner) -> None:
    bad = runner.invoke(args=["clubs", "create", "CLB X", "--province", "99", "--commune", "1"])
    assert bad.exit_code == 2
    assert "province_code:" in bad.output
    bank = runner.invoke(
        args=[
            "clubs",
            "create",
            "CLB X",
            "--province",
            "22",
            "--bank-bin",
            VIETCOMBANK,
            "--account-number",
            "1",
        ]
    )
    assert bank.exit_code == 2
    assert "account_number:" in bank.output and "account_name:" in bank.output
    created = runner.invoke(
        args=[
            "clubs",
            "create",
            "CLB Streamer Móng Cái",
            "--province",
            "22",
            "--commune",
            "6712",
            "--contact-phone",
            "0912345678",
            "--bank-bin",
            VIETCOMBANK,
            "--account-number",
            "0123456789",
            "--account-name",
            "CLB MONG CAI",
        ]
    )
    assert created.exit_code == 0, created.output
    assert "Phường Móng Cái 1" in created.output
    rows = json.loads(runner.invoke(args=["clubs", "list", "--json"]).output)
    assert [(r["name"], r["commune_code"]) for r in rows] == [("CLB Streamer Móng Cái", 6712)]
    assert rows[0]["bank_account"]["account_name"] == "CLB MONG CAI"
    club_id = rows[0]["id"]
    edited = runner.invoke(args=["clubs", "edit", str(club_id), "--account-number", "99999999"])
    assert edited.exit_code == 0, edited.output
    duplicate = runner.invoke(args=["clubs", "create", "clb streamer móng cái", "--province", "22"])
    assert duplicate.exit_code == 2 and "name:" in duplicate.output
    assert runner.invoke(args=["clubs", "archive", str(club_id)]).exit_code == 0
    assert json.loads(runner.invoke(args=["clubs", "list", "--json"]).output) == []
    archived = json.loads(runner.invoke(args=["clubs", "list", "--json", "--archived"]).output)
    assert [r["archived"] for r in archived] == [True]
    assert archived[0]["bank_account"]["account_number"] == "99999999"
    assert runner.invoke(args=["clubs", "restore", str(club_id)]).exit_code == 0
    assert "CLB Streamer Móng Cái" in runner.invoke(args=["clubs", "list"]).output
    missing = runner.invoke(args=["clubs", "archive", "987654"])
    assert missing.exit_code == 2


def test_cli_links_and_unlinks_producers(app, runner, people) -> None:
    with app.app_context():
        extensions.db.session.execute(sa.delete(orgs.club_producers))
        extensions.db.session.commit()
    linked = runner.invoke(
        args=["clubs", "link-producer", str(people.club_id), str(people.producer_id)]
    )
    assert linked.exit_code == 0, linked.output
    with app.app_context():
        club = extensions.db.session.get(orgs.Club, people.club_id)
        assert [p.id for p in club.producers] == [people.producer_id]
    assert (
        runner.invoke(args=["clubs", "link-producer", str(people.club_id), "987654"]).exit_code == 2
    )
    unlinked = runner.invoke(
        args=["clubs", "unlink-producer", str(people.club_id), str(people.producer_id)]
    )
    assert unlinked.exit_code == 0
    again = runner.invoke(
        args=["clubs", "unlink-producer", str(people.club_id), str(people.producer_id)]
    )
    assert again.exit_code == 2


# --- archiving ------------------------------------------------------------------------------------


def test_archived_clubs_members_cannot_sign_in_and_their_tokens_stop(
    app, client, auth, people, runner
) -> None:
    seller = people.username(Role.SELLER)
    token = conftest.issue_token(app, seller)
    headers = {"Authorization": f"Bearer {token}"}
    assert auth.login(seller).status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    assert runner.invoke(args=["clubs", "archive", str(people.club_id)]).exit_code == 0
    # The open session ends at the next page, with the reason.
    ended = client.get("/dashboard")
    assert ended.status_code == 302 and "/auth/login" in ended.location
    assert "đã ngừng hoạt động" in client.get(ended.location).get_data(as_text=True)
    refused = app.test_client().post(
        "/auth/login", data={"username": seller, "password": conftest.PASSWORD}
    )
    assert refused.status_code == 401
    assert "CLB Streamer Móng Cái đã ngừng hoạt động" in refused.get_data(as_text=True)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    # An admin whose working club it was keeps signing in, without a working club.
    assert (
        app.test_client()
        .post(
            "/auth/login",
            data={"username": people.username(Role.ADMIN), "password": conftest.PASSWORD},
        )
        .status_code
        == 302
    )
    with app.app_context():
        assert conftest.user_named(people.username(Role.ADMIN)).club_id is None
    assert runner.invoke(args=["clubs", "restore", str(people.club_id)]).exit_code == 0
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    assert conftest.Auth(app.test_client()).login(seller).status_code == 302


# --- membership ---------------------------------------------------------------------------------


def test_coordinator_without_a_club_is_refused_everywhere(
    app, client, auth, people, runner, bearer
) -> None:
    auth.login(people.username(Role.ADMIN))
    form = client.post(
        "/admin/users/new",
        data={
            "username": "dieuphoi.moi",
            "full_name": "Điều phối mới",
            "role": "coordinator",
            "club_id": "",
            "password": "mat-khau-dai",
        },
    )
    assert form.status_code == 422
    assert 'data-field="club_id"' in form.get_data(as_text=True)
    api = app.test_client().post(
        "/api/v1/users",
        headers=bearer[Role.ADMIN],
        json={
            "username": "dieuphoi.moi",
            "full_name": "Điều phối mới",
            "role": "coordinator",
            "password": "mat-khau-dai",
        },
    )
    assert api.status_code == 422 and "club_id" in _fields(api)
    cli = runner.invoke(
        args=[
            "users",
            "create",
            "dieuphoi.moi",
            "--role",
            "coordinator",
            "--full-name",
            "Điều phối mới",
            "--password",
            "mat-khau-dai",
        ]
    )
    assert cli.exit_code == 2 and "club_id:" in cli.output
    with app.app_context():
        assert (
            extensions.db.session.scalar(
                sa.select(accounts.User).where(accounts.User.username == "dieuphoi.moi")
            )
            is None
        )


def test_database_refuses_a_seller_without_a_club(app, password_hash) -> None:
    with app.app_context():
        db = extensions.db.session
        db.add(
            accounts.User(
                username="ban.le",
                full_name="Bán lẻ",
                role=Role.SELLER,
                club_id=None,
                password_hash=password_hash,
            )
        )
        with pytest.raises(sa.exc.IntegrityError):
            db.commit()
        db.rollback()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "producer", "producer_id": "PRODUCER", "club_id": "CLUB"}, "club_id"),
        ({"role": "union", "club_id": "CLUB", "union_province_code": 22}, "club_id"),
        ({"role": "union"}, "union_province_code"),
        ({"role": "union", "union_province_code": 99}, "union_province_code"),
        (
            {"role": "union", "union_province_code": 22, "union_commune_code": 5503},
            "union_commune_code",
        ),
        ({"role": "seller", "club_id": "CLUB", "union_province_code": 22}, "union_province_code"),
        ({"role": "seller", "club_id": 987654}, "club_id"),
        ({"role": "seller", "club_id": "ARCHIVED"}, "club_id"),
    ],
)
def test_membership_rules_are_field_errors(app, client, people, bearer, body, field) -> None:
    with app.app_context():
        archived = orgs.Club(
            name="CLB cũ", province="Quảng Ninh", province_code=22, archived_at=clock.utcnow()
        )
        extensions.db.session.add(archived)
        extensions.db.session.commit()
        archived_id = archived.id
    values = {"CLUB": people.club_id, "PRODUCER": people.producer_id, "ARCHIVED": archived_id}
    resolved = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = client.post(
        "/api/v1/users",
        headers=bearer[Role.ADMIN],
        json={"username": "moi", "full_name": "Mới", "password": "mat-khau-dai", **resolved},
    )
    assert response.status_code == 422
    assert field in _fields(response)


def test_union_account_is_created_with_its_unit(client, people, bearer) -> None:
    created = client.post(
        "/api/v1/users",
        headers=bearer[Role.ADMIN],
        json={
            "username": "doan.mongcai",
            "full_name": "Đoàn phường Móng Cái 1",
            "password": "mat-khau-dai",
            "role": "union",
            "union_province_code": 22,
            "union_commune_code": 6712,
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["union_unit"] == "Phường Móng Cái 1, Quảng Ninh"
    assert body["club_id"] is None and body["club"] is None
    me = client.get("/api/v1/me", headers=bearer[Role.SELLER]).get_json()
    assert me["club"]["name"] == "CLB Streamer Móng Cái" and me["club_id"] == people.club_id
    union_me = client.get("/api/v1/me", headers=bearer[Role.UNION]).get_json()
    assert union_me["union_unit"] == "Quảng Ninh" and union_me["union_province_code"] == 22


def test_admin_form_creates_a_seller_in_a_club(app, client, auth, people, other_club) -> None:
    auth.login(people.username(Role.ADMIN))
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert "CLB Streamer Hạ Long" in page
    created = client.post(
        "/admin/users/new",
        data={
            "username": "ban.halong",
            "full_name": "Bán Hạ Long",
            "role": "seller",
            "club_id": str(other_club.club_id),
            "password": "mat-khau-dai",
        },
    )
    assert created.status_code == 302
    with app.app_context():
        assert conftest.user_named("ban.halong").club_id == other_club.club_id


def test_coordinators_user_list_holds_only_their_club(
    app, client, auth, people, other_club, bearer
) -> None:
    auth.login(people.username(Role.COORDINATOR))
    page = client.get("/admin/users").get_data(as_text=True)
    for username in ("coordinator1", "seller1", "producer1", "admin1"):
        assert f">{username}<" in page
    for username in ("coordinator2", "seller2", "producer2", "union1"):
        assert f">{username}<" not in page
    api = app.test_client()  # tokens only, no session cookie
    listed = api.get("/api/v1/users?per_page=100", headers=bearer[Role.COORDINATOR]).get_json()
    names = {u["username"] for u in listed["items"]}
    assert names == {"admin1", "coordinator1", "seller1", "producer1"}
    with app.app_context():
        other_id = conftest.user_named(other_club.coordinator).id
    assert api.get(f"/api/v1/users/{other_id}", headers=bearer[Role.COORDINATOR]).status_code == 404
    admin_list = api.get("/api/v1/users?per_page=100", headers=bearer[Role.ADMIN]).get_json()
    assert {"coordinator2", "union1"} <= {u["username"] for u in admin_list["items"]}


def test_admin_chooses_a_working_club_on_the_account_page(
    app, client, auth, people, other_club
) -> None:
    auth.login(people.username(Role.ADMIN))
    page = client.get("/account/").get_data(as_text=True)
    assert 'data-testid="working-club-form"' in page and "CLB Streamer Hạ Long" in page
    saved = client.post("/account/club", data={"club_id": str(other_club.club_id)})
    assert saved.status_code == 302
    with app.app_context():
        assert conftest.user_named(people.username(Role.ADMIN)).club_id == other_club.club_id
    assert client.post("/account/club", data={"club_id": ""}).status_code == 302
    with app.app_context():
        assert conftest.user_named(people.username(Role.ADMIN)).club_id is None
        clubs_service.archive_club(extensions.db.session, _operator(), other_club.club_id)
    refused = client.post("/account/club", data={"club_id": str(other_club.club_id)})
    assert refused.status_code == 422
    auth.logout()
    auth.login(people.username(Role.SELLER))
    assert 'data-testid="working-club-form"' not in client.get("/account/").get_data(as_text=True)
    client.post("/account/club", data={"club_id": str(other_club.club_id)})
    with app.app_context():
        assert conftest.user_named(people.username(Role.SELLER)).club_id == people.club_id
