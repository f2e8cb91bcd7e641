"""Orders on an install with two clubs (docs/clubs.md), on SQLite and PostgreSQL: platform order
ids are unique per club (another club's id makes a new order and leaves the other untouched),
staff never reach another club's orders, comment batches or audience (404 by id, absent from
lists, exports and pickers), SKUs match only the club's producers, a producer sees its lines
from every club labelled by club, the Youth Union reads without buyers, payment accounts stay
in scope, and the command line asks for --club when the install has several clubs."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import threading
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.core import errors, tenancy
from app.models import accounts, catalog, live, orders, orgs
from app.orders import audience, comments, imports, manual, payments, queries
from tests import conftest
from tests.integration.app import test_orders_import as order_tests
from tests.integration.app import test_orders_pages as page_tests
from tests.support import catalog as builders
from tests.support import clubs as clubs_support

Role = accounts.Role
OTHER_CLUB_NAME = "CLB Streamer Hạ Long"
OWN_CLUB_NAME = "CLB Streamer Móng Cái"


@dataclasses.dataclass
class TwoClubs:
    """Club 1 (``people``: the shop of test_orders_import) and club 2 (``other_club``) with a
    honey product of its own producer, a TikTok session in the same window with a host and a
    run-of-show slot MO1."""

    app: flask.Flask
    shop: order_tests.Shop
    other: clubs_support.OtherClub
    other_session_id: int
    other_streamer_id: int
    honey_product_id: int


def make_two_clubs(
    app: flask.Flask, people: conftest.People, other: clubs_support.OtherClub
) -> TwoClubs:
    shop = order_tests.make_shop(app, people)
    honey = builders.make_product(
        app,
        other.coordinator,
        builders.product_data(other.producer_id, name="Mật ong Hạ Long", skus=("MO-250",)),
    )
    with app.app_context():
        db = extensions.db.session
        seller2 = conftest.user_named(other.seller)
        host = order_tests.streamer(seller2.id, other.club_id, "Hà", "clb.halong")
        row = order_tests.tiktok_session(other.club_id, "Đặc sản Hạ Long", host)
        db.add_all([host, row])
        db.flush()
        db.add(
            live.LiveSlot(
                session_id=row.id,
                product_id=honey,
                variant_id=variant_id("MO-250"),
                start_offset_s=0,
                length_s=900,
                live_price=150_000,
                code="MO1",
            )
        )
        db.commit()
        return TwoClubs(app, shop, other, row.id, host.id, honey)


@pytest.fixture
def clubs(
    app: flask.Flask, people: conftest.People, other_club: clubs_support.OtherClub
) -> TwoClubs:
    """Both clubs' shops (``make_two_clubs``)."""
    return make_two_clubs(app, people, other_club)


def variant_id(sku: str) -> int:
    found = extensions.db.session.scalar(
        sa.select(catalog.Variant.id).where(catalog.Variant.sku == sku)
    )
    assert found is not None, sku
    return found


def stock_of(app: flask.Flask, sku: str) -> int:
    with app.app_context():
        db = extensions.db.session
        return int(db.scalar(sa.select(catalog.Variant.stock).where(catalog.Variant.sku == sku)))


def enter(app: flask.Flask, username: str, data: dict[str, Any]) -> int:
    with app.app_context():
        return manual.enter_order(extensions.db.session, conftest.user_named(username), data).id


def link_producer(app: flask.Flask, club_id: int, producer_id: int) -> None:
    with app.app_context():
        extensions.db.session.execute(
            sa.insert(orgs.club_producers).values(club_id=club_id, producer_id=producer_id)
        )
        extensions.db.session.commit()


def order_snapshot(app: flask.Flask, order_id: int) -> tuple[Any, ...]:
    with app.app_context():
        row = extensions.db.session.get(orders.Order, order_id)
        assert row is not None
        return (
            row.club_id,
            row.status,
            row.amount,
            row.session_id,
            row.buyer_phone,
            [(line.seller_sku, line.quantity, line.amount, line.variant_id) for line in row.lines],
        )


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def ids_by_club(app: flask.Flask) -> dict[int, set[int]]:
    with app.app_context():
        found: dict[int, set[int]] = {}
        for order_id, club_id in extensions.db.session.execute(
            sa.select(orders.Order.id, orders.Order.club_id)
        ):
            found.setdefault(club_id, set()).add(order_id)
        return found


# --- writing --------------------------------------------------------------------------------


def test_another_clubs_platform_order_id_makes_a_new_order_and_leaves_the_other_alone(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    bearer: dict[Role, dict[str, str]],
) -> None:
    clubs = make_two_clubs(app, people, other_club)
    client = app.test_client()
    seller2 = {"Authorization": f"Bearer {conftest.issue_token(app, other_club.seller)}"}
    body = {
        "platform": "tiktok",
        "external_id": "576111222333444",
        "placed_at": "2026-06-21T13:15:00+00:00",
        "buyer_phone": "0912345678",
        "lines": [{"sku": "NM-500", "quantity": 2}],
    }
    first = client.post("/api/v1/orders", json=body, headers=bearer[Role.SELLER])
    assert first.status_code == 201, first.json
    assert first.json["club_id"] == people.club_id
    assert first.json["club_name"] == OWN_CLUB_NAME
    assert first.json["session_id"] == clubs.shop.session_id  # club 1's session in the window
    before = order_snapshot(app, first.json["id"])
    assert before[2] == 190_000 and stock_of(app, "NM-500") == 8

    # Club 2 cannot sell producer 1's SKU (not a producer it works with): refused, not matched.
    refused = client.post("/api/v1/orders", json=body, headers=seller2)
    assert refused.status_code == 422
    assert "lines.0.sku" in refused.json["error"]["fields"]

    theirs = {**body, "buyer_phone": "0987654321", "lines": [{"sku": "MO-250", "quantity": 1}]}
    second = client.post("/api/v1/orders", json=theirs, headers=seller2)
    assert second.status_code == 201, second.json
    assert second.json["id"] != first.json["id"]
    assert second.json["club_id"] == other_club.club_id
    assert second.json["club_name"] == OTHER_CLUB_NAME
    assert second.json["session_id"] == clubs.other_session_id  # club 2's session, not club 1's
    assert second.json["streamer_id"] == clubs.other_streamer_id
    assert second.json["amount"] == 95_000

    again = client.post(
        "/api/v1/orders",
        json={**theirs, "status": "paid", "lines": [{"sku": "MO-250", "quantity": 2}]},
        headers=seller2,
    )
    assert again.status_code == 201 and again.json["id"] == second.json["id"]  # club 2's updated

    assert order_snapshot(app, first.json["id"]) == before  # amount, lines, buyer untouched
    assert stock_of(app, "NM-500") == 8
    assert stock_of(app, "MO-250") == 8  # 10 − 2 (the update replaced the line of 1)
    with app.app_context():
        rows = extensions.db.session.execute(
            sa.select(orders.Order.club_id, orders.Order.status).where(
                orders.Order.external_id == "576111222333444"
            )
        ).all()
    assert sorted(rows) == sorted(
        [(people.club_id, orders.OrderStatus.PLACED), (other_club.club_id, orders.OrderStatus.PAID)]
    )
    mine = client.get(f"/api/v1/orders/{first.json['id']}", headers=bearer[Role.SELLER]).json
    assert [(line["seller_sku"], line["quantity"]) for line in mine["lines"]] == [("NM-500", 2)]


def test_an_import_matches_only_the_clubs_skus_streamers_and_sessions(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    bearer: dict[Role, dict[str, str]],
    tmp_path: Path,
) -> None:
    clubs = make_two_clubs(app, people, other_club)
    rows = order_tests.tiktok_export(
        ["579000000000000001", "Đã vận chuyển", "NM-500", "Nước mắm", "1", "95000", "95000",
         "0", "21/06/2026 20:15:00\t", "(+84)912345678", "@clb.halong"],
        ["579000000000000002", "Đã vận chuyển", "MO-250", "Mật ong", "2", "95000", "190000",
         "0", "21/06/2026 20:20:00\t", "(+84)912345678", ""],
    )  # fmt: skip
    path = order_tests.write_csv(tmp_path / "tiktok.csv", rows)
    with path.open("rb") as handle:
        response = app.test_client().post(
            "/api/v1/orders/import",
            data={"file": (handle, "tiktok.csv")},
            headers=bearer[Role.SELLER],
            content_type="multipart/form-data",
        )
    assert response.status_code == 200, response.json
    assert response.json["created"] == 2
    assert response.json["unmatched"] == [{"sku": "MO-250", "name": "Mật ong"}]
    assert stock_of(app, "MO-250") == 10  # another club's producer's stock is not touched
    assert stock_of(app, "NM-500") == 9
    with app.app_context():
        db = extensions.db.session
        placed = {
            row.external_id: row
            for row in db.scalars(sa.select(orders.Order).where(orders.Order.platform == "tiktok"))
        }
        first, second = placed["579000000000000001"], placed["579000000000000002"]
        assert {first.club_id, second.club_id} == {people.club_id}
        assert first.session_id == second.session_id == clubs.shop.session_id
        # Club 2's streamer has that handle; club 1 falls back to its session's host.
        assert first.streamer_id == clubs.shop.streamer_id != clubs.other_streamer_id
        assert second.lines[0].product_id is None and second.lines[0].variant_id is None


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_clubs_importing_the_same_file_at_once_each_get_their_orders_once(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    tmp_path: Path,
) -> None:
    make_two_clubs(app, people, other_club)
    path = order_tests.write_csv(tmp_path / "o.csv", order_tests.template_rows())
    importers = ["coordinator1", "seller1", other_club.coordinator, other_club.seller]
    barrier = threading.Barrier(len(importers))
    outcomes: dict[str, dict[str, Any] | BaseException] = {}

    def work(username: str) -> None:
        with app.app_context():
            user = conftest.user_named(username)
            barrier.wait()
            try:
                outcomes[username] = imports.import_file(
                    extensions.db.session, user, path
                ).to_dict()
            except BaseException as exc:  # reported by the assertion below
                outcomes[username] = exc

    threads = [threading.Thread(target=work, args=(name,)) for name in importers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(outcome, dict) for outcome in outcomes.values()), outcomes
    created = {name: outcome["created"] for name, outcome in outcomes.items()}  # type: ignore[index]
    # Within a club the unique key lets one import create and the other find them (a retry).
    assert created["coordinator1"] + created["seller1"] == 3
    assert created[other_club.coordinator] + created[other_club.seller] == 3
    assert {club: len(ids) for club, ids in ids_by_club(app).items()} == {
        people.club_id: 3,
        other_club.club_id: 3,
    }
    assert stock_of(app, "NM-500") == 8  # club 1's A1, counted once


# --- reading --------------------------------------------------------------------------------


def _two_clubs_with_orders(
    app: flask.Flask, people: conftest.People, other: clubs_support.OtherClub, tmp_path: Path
) -> tuple[TwoClubs, int]:
    """Club 1 imports the template (A1, B2, A3); club 2 enters its own A1 (honey), with a club
    payment account so a QR would be possible. Returns club 2's order id."""
    clubs = make_two_clubs(app, people, other)
    order_tests.run_import(
        app, order_tests.write_csv(tmp_path / "o.csv", order_tests.template_rows())
    )
    theirs = enter(
        app,
        other.seller,
        {
            "platform": "tiktok",
            "external_id": "A1",
            "buyer_name": "Khách Hạ Long",
            "buyer_phone": "0987654321",
            "lines": [{"sku": "MO-250", "quantity": 1}],
        },
    )
    with app.app_context():
        payments.save_account(
            extensions.db.session,
            conftest.user_named(other.coordinator),
            {
                "owner": f"club:{other.club_id}",
                "bank_bin": "970436",
                "account_number": "0011999999",
                "account_name": "CLB Ha Long",
            },
        )
    return clubs, theirs


@pytest.fixture
def theirs(
    app: flask.Flask, people: conftest.People, other_club: clubs_support.OtherClub, tmp_path: Path
) -> int:
    """Both clubs with orders (``_two_clubs_with_orders``): club 2's order id."""
    return _two_clubs_with_orders(app, people, other_club, tmp_path)[1]


def test_staff_never_reach_another_clubs_orders(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    theirs: int,
) -> None:
    own = ids_by_club(app)[people.club_id]
    assert len(own) == 3

    auth.login("seller1")
    listing = client.get("/orders/")
    listed = {int(i) for i in re.findall(r'data-order-id="(\d+)"', listing.text)}
    assert listed == own
    assert OTHER_CLUB_NAME not in listing.text and "Khách Hạ Long" not in listing.text
    assert 'data-testid="orders-club-filter"' not in listing.text  # one club: no club filter
    assert "Đặc sản Hạ Long" not in listing.text  # the session filter offers the club's only
    assert "data-order-id" not in client.get(f"/orders/?club={other_club.club_id}").text
    for url in (f"/orders/{theirs}", f"/orders/{theirs}/qr.png", f"/orders/{theirs}/qr.svg"):
        assert client.get(url).status_code == 404, url
    exported = client.get("/orders/?format=csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    table = csv_rows(exported.data)
    assert table[0][0] == "CLB"
    assert {row[1] for row in table[1:]} == {"A1", "B2", "A3"}
    assert {row[0] for row in table[1:]} == {OWN_CLUB_NAME}
    assert "MO-250" not in exported.text and "Khách Hạ Long" not in exported.text
    xlsx = client.get(f"/orders/?format=xlsx&club={other_club.club_id}")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert client.get("/orders/?format=pdf").status_code == 422
    for url in ("/orders/new", "/orders/import", "/orders/comments"):
        picker = client.get(url)
        assert "Đặc sản Móng Cái" in picker.text and "Đặc sản Hạ Long" not in picker.text, url

    api = bearer[Role.SELLER]
    api_list = client.get("/api/v1/orders?per_page=100", headers=api).json
    assert {item["id"] for item in api_list["items"]} == own
    assert {item["club_name"] for item in api_list["items"]} == {OWN_CLUB_NAME}
    assert client.get(f"/api/v1/orders?club={other_club.club_id}", headers=api).json["total"] == 0
    assert client.get(f"/api/v1/orders/{theirs}", headers=api).status_code == 404

    auth.logout()
    auth.login(other_club.seller)
    theirs_listing = client.get("/orders/")
    assert {int(i) for i in re.findall(r'data-order-id="(\d+)"', theirs_listing.text)} == {theirs}
    for order_id in own:
        assert client.get(f"/orders/{order_id}").status_code == 404
    page = client.get(f"/orders/{theirs}")
    assert re.search(r'data-testid="order-club">CLB Streamer Hạ Long<', page.text)
    assert 'data-testid="vietqr"' in page.text  # its own club's account

    # An admin reaches both clubs, labelled, and filters by club (page and API).
    auth.logout()
    auth.login("admin1")
    everything = client.get("/orders/")
    assert len(re.findall(r'data-testid="order-row"', everything.text)) == 4
    assert 'data-testid="orders-club-filter"' in everything.text
    assert everything.text.count('data-testid="order-club"') == 4
    one_club = client.get(f"/orders/?club={other_club.club_id}")
    assert {int(i) for i in re.findall(r'data-order-id="(\d+)"', one_club.text)} == {theirs}
    admin_api = client.get(
        f"/api/v1/orders?club={other_club.club_id}", headers=bearer[Role.ADMIN]
    ).json
    assert [item["id"] for item in admin_api["items"]] == [theirs]
    assert client.get("/api/v1/orders", headers=bearer[Role.ADMIN]).json["total"] == 4


def test_comment_batches_and_audience_of_another_club_answer_404(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
    runner: flask.testing.FlaskCliRunner,
    tmp_path: Path,
) -> None:
    clubs = make_two_clubs(app, people, other_club)
    log = json.dumps(
        [{"time": "21/06/2026 20:05:00", "viewer": "ha", "text": "chốt MO1 2 0912 345 678"}],
        ensure_ascii=False,
    ).encode()
    with app.app_context():
        db = extensions.db.session
        coordinator2 = conftest.user_named(other_club.coordinator)
        batch_id = comments.upload(db, coordinator2, clubs.other_session_id, log, "halong.json").id
        coordinator1 = conftest.user_named("coordinator1")
        for attempt in (
            lambda: comments.get_batch(db, tenancy.scope_for(db, coordinator1), batch_id),
            lambda: comments.accept(db, coordinator1, batch_id),
            lambda: comments.discard(db, coordinator1, batch_id),
            lambda: comments.upload(db, coordinator1, clubs.other_session_id, log, "x.json"),
            lambda: audience.save_audience(db, coordinator1, clubs.other_session_id, {"views": 9}),
        ):
            try:
                attempt()
            except errors.NotFound:
                db.rollback()
            else:
                raise AssertionError("another club's batch or session was reached")

    auth.login("coordinator1")
    token = page_tests.csrf(client, "/orders/comments")
    assert "halong.json" not in client.get("/orders/comments").text
    assert client.get(f"/orders/comments/{batch_id}").status_code == 404
    for action in ("accept", "discard"):
        posted = client.post(f"/orders/comments/{batch_id}/{action}", data={"csrf_token": token})
        assert posted.status_code == 404, action
    uploaded = page_tests.upload_comments(client, token, log, clubs.other_session_id)
    assert uploaded.status_code == 404
    audience_url = f"/orders/audience/{clubs.other_session_id}"
    assert client.get(audience_url).status_code == 404
    assert client.post(audience_url, data={"csrf_token": token, "views": "5"}).status_code == 404
    assert client.get(f"/orders/audience/{clubs.shop.session_id}").status_code == 200

    figures = order_tests.write_csv(tmp_path / "figures.csv", [["views"], ["1000"]])
    refused = runner.invoke(
        args=["orders", "audience", str(figures), "--session", str(clubs.other_session_id),
              "--as", "coordinator1"]
    )  # fmt: skip
    assert refused.exit_code == 2
    with app.app_context():
        db = extensions.db.session
        batch = db.get(orders.CommentBatch, batch_id)
        assert batch is not None and batch.status == orders.BatchStatus.PENDING
        assert db.get(orders.SessionAudience, clubs.other_session_id) is None
        assert db.scalar(sa.select(sa.func.count()).select_from(orders.CommentBatch)) == 1

    # Club 2's own coordinator accepts it: the orders land in club 2.
    auth.logout()
    auth.login(other_club.coordinator)
    review = client.get(f"/orders/comments/{batch_id}")
    assert review.status_code == 200 and "halong.json" in review.text
    token = page_tests.csrf(client, "/orders/comments")
    client.post(f"/orders/comments/{batch_id}/accept", data={"csrf_token": token, "keep": ["0"]})
    assert set(ids_by_club(app)) == {other_club.club_id}


def test_a_producer_sees_its_lines_from_every_club_labelled_by_club(
    app: flask.Flask,
    people: conftest.People,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    clubs: TwoClubs,
) -> None:
    link_producer(app, clubs.other.club_id, people.producer_id)  # club 2 sells producer 1 too
    ours = enter(
        app,
        "seller1",
        {"platform": "tiktok", "external_id": "P1",
         "lines": [{"sku": "NM-500", "quantity": 1}, {"sku": "CHE-100", "quantity": 1}]},
    )  # fmt: skip
    theirs = enter(
        app,
        clubs.other.seller,
        {"platform": "tiktok", "external_id": "P1",
         "lines": [{"sku": "NM-1000", "quantity": 1}, {"sku": "MO-250", "quantity": 1}]},
    )  # fmt: skip
    assert ours != theirs

    auth.login("producer1")
    listing = client.get("/orders/")
    assert {int(i) for i in re.findall(r'data-order-id="(\d+)"', listing.text)} == {ours, theirs}
    assert re.search(r'data-testid="order-club">CLB Streamer Móng Cái<', listing.text)
    assert re.search(r'data-testid="order-club">CLB Streamer Hạ Long<', listing.text)
    detail = client.get(f"/orders/{theirs}")
    assert re.search(r'data-testid="order-club">CLB Streamer Hạ Long<', detail.text)
    assert detail.text.count('data-testid="order-line"') == 1
    assert "NM-1000" in detail.text and "MO-250" not in detail.text
    exported = csv_rows(client.get("/orders/?format=csv").data)
    assert sorted((row[0], row[7]) for row in exported[1:]) == [
        (OTHER_CLUB_NAME, "NM-1000"),
        (OWN_CLUB_NAME, "NM-500"),
    ]

    api = client.get("/api/v1/orders", headers=bearer[Role.PRODUCER]).json
    seen = {
        (item["club_name"], tuple(line["seller_sku"] for line in item["lines"]))
        for item in api["items"]
    }
    assert seen == {(OWN_CLUB_NAME, ("NM-500",)), (OTHER_CLUB_NAME, ("NM-1000",))}
    one = client.get(f"/api/v1/orders/{theirs}", headers=bearer[Role.PRODUCER]).json
    assert one["club_id"] == clubs.other.club_id and one["amount"] == 55_000

    producer2 = {"Authorization": f"Bearer {conftest.issue_token(app, clubs.other.producer)}"}
    api_client = app.test_client()  # not signed in: the token alone says who asks
    only = api_client.get("/api/v1/orders", headers=producer2).json
    assert [
        (item["id"], [line["seller_sku"] for line in item["lines"]]) for item in only["items"]
    ] == [(theirs, ["MO-250"])]
    assert api_client.get(f"/api/v1/orders/{ours}", headers=producer2).status_code == 404


def test_youth_union_never_reaches_orders_or_buyers(
    app: flask.Flask,
    people: conftest.People,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    theirs: int,
) -> None:
    """The Youth Union reads dashboards, not orders: every orders page and API path is 403,
    and the serialisation layer itself drops buyer fields for a scope without buyers."""
    auth.login(people.username(Role.UNION))
    for url in ("/orders/", f"/orders/{theirs}", "/orders/?format=csv", "/orders/new",
                "/orders/import", "/orders/comments", "/orders/payments"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    for url in ("/api/v1/orders", f"/api/v1/orders/{theirs}"):
        assert client.get(url, headers=bearer[Role.UNION]).status_code == 403, url
    with app.app_context():
        db = extensions.db.session
        union = tenancy.scope_for(db, conftest.user_named(people.username(Role.UNION)))
        staff = tenancy.scope_for(db, conftest.user_named("coordinator2"))
        order = db.get(orders.Order, theirs)
        assert order is not None
        assert queries.present(union, order)["club_name"] == OTHER_CLUB_NAME
        assert [queries.present(union, order)[name] for name in queries.BUYER_FIELDS] == [None] * 4
        assert order.buyer_phone is not None
        assert queries.present(staff, order)["buyer_phone"] == order.buyer_phone


def test_payment_accounts_stay_in_the_coordinators_club(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
    tmp_path: Path,
) -> None:
    _two_clubs_with_orders(app, people, other_club, tmp_path)  # club 2 has an account
    with app.app_context():
        club2_account = extensions.db.session.scalar(
            sa.select(orders.PaymentAccount.id).where(
                orders.PaymentAccount.club_id == other_club.club_id
            )
        )
    auth.login("coordinator1")
    page = client.get("/orders/payments")
    assert "CLB HA LONG" not in page.text
    assert OTHER_CLUB_NAME not in page.text and "HTX Mật ong Hạ Long" not in page.text
    assert f'value="club:{people.club_id}"' in page.text
    assert f'value="producer:{people.producer_id}"' in page.text
    token = page_tests.csrf(client, "/orders/payments")
    account = {"bank_bin": "970436", "account_number": "0011222333", "account_name": "Ai Do"}
    for owner in (f"club:{other_club.club_id}", f"producer:{other_club.producer_id}"):
        refused = client.post(
            "/orders/payments", data={"csrf_token": token, "owner": owner, **account}
        )
        assert refused.status_code == 422 and 'data-field="owner"' in refused.text, owner
    saved = client.post(
        "/orders/payments",
        data={"csrf_token": token, "owner": f"producer:{people.producer_id}", **account},
    )
    assert saved.status_code == 302
    deleted = client.post(f"/orders/payments/{club2_account}/delete", data={"csrf_token": token})
    assert deleted.status_code == 404
    with app.app_context():
        owners = set(
            extensions.db.session.execute(
                sa.select(orders.PaymentAccount.club_id, orders.PaymentAccount.producer_id)
            ).all()
        )
    assert owners == {(other_club.club_id, None), (None, people.producer_id)}

    auth.logout()
    auth.login("admin1")
    admin_page = client.get("/orders/payments")
    assert (
        "CLB HA LONG" in admin_page.text and f'value="club:{other_club.club_id}"' in admin_page.text
    )


# --- command line ---------------------------------------------------------------------------


def test_cli_import_needs_a_club_when_there_are_several(
    app: flask.Flask,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    runner: flask.testing.FlaskCliRunner,
    tmp_path: Path,
) -> None:
    clubs = make_two_clubs(app, people, other_club)
    path = str(order_tests.write_csv(tmp_path / "o.csv", order_tests.template_rows()))

    missing = runner.invoke(args=["orders", "import", path])
    assert missing.exit_code == 2
    assert "--club" in missing.output
    assert order_tests.counts(app) == (0, 0, 0)
    unknown = runner.invoke(args=["orders", "import", path, "--club", "999"])
    assert unknown.exit_code == 2 and order_tests.counts(app) == (0, 0, 0)
    outside = runner.invoke(
        args=["orders", "import", path, "--as", "seller1", "--club", str(other_club.club_id)]
    )
    assert outside.exit_code == 2 and order_tests.counts(app) == (0, 0, 0)
    mismatch = runner.invoke(
        args=["orders", "import", path, "--club", str(other_club.club_id),
              "--session", str(clubs.shop.session_id)]
    )  # fmt: skip
    assert mismatch.exit_code == 2 and order_tests.counts(app) == (0, 0, 0)

    into_two = runner.invoke(
        args=["orders", "import", path, "--club", str(other_club.club_id), "--json"]
    )
    assert into_two.exit_code == 0, into_two.output
    summary = json.loads(into_two.output)
    assert summary["created"] == 3
    # Club 2 does not work with producer 1 or the tea producer: nothing of theirs matches.
    assert {item["sku"] for item in summary["unmatched"]} == {
        "NM-500", "CHE-100", "UNKNOWN-1", "nm-1000"
    }  # fmt: skip
    assert set(ids_by_club(app)) == {other_club.club_id}

    as_seller = runner.invoke(args=["orders", "import", path, "--as", "seller1", "--json"])
    assert as_seller.exit_code == 0, as_seller.output
    assert json.loads(as_seller.output)["created"] == 3  # club 1's own A1, B2, A3
    by_session = runner.invoke(
        args=["orders", "import", path, "--session", str(clubs.shop.session_id), "--json"]
    )
    assert by_session.exit_code == 0, by_session.output
    assert json.loads(by_session.output)["created"] == 0  # club 1's orders, found again
    assert {club: len(ids) for club, ids in ids_by_club(app).items()} == {
        people.club_id: 3,
        other_club.club_id: 3,
    }
    assert stock_of(app, "NM-500") == 8  # taken once, by club 1's import only
