"""Livestream planning with two clubs: every session, streamer, slot and feed stays in its club.

Club 1 is the ``people`` fixture's (coordinator1, seller1, admin1 whose working club it is),
club 2 the ``other_club`` fixture's (coordinator2, seller2). Another club's ids answer 404
on pages and API, lists leave them out (an admin sees both, labelled by club), cross-club
hosts, shops, members and products are refused with field errors, and an admin without a
working club is told to pick one.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import flask
import flask.testing
import icalendar
import pytest
import sqlalchemy as sa

from app import extensions
from app.core import errors
from app.live import sessions as sessions_service
from app.live import streamers as streamers_service
from app.models import accounts, channels, live, orgs
from tests import conftest
from tests.integration.app import test_live_services as support
from tests.support import catalog as builders
from tests.support import clubs as clubs_support

Role = accounts.Role
Headers = dict[Role, dict[str, str]]
CLUB2_TITLE = "Phiên mật ong Hạ Long"
CLUB1_TITLE = "Phiên nước mắm Trà Cổ"


@dataclasses.dataclass(frozen=True)
class TwoClubs:
    world: support.World  # club 1: two streamers, three products, coordinator1's session
    other: clubs_support.OtherClub
    club1_session: int
    club1_shop: int
    club2_session: int
    club2_slot: int
    club2_streamer: int
    club2_product: int
    club2_shop: int
    club2_headers: dict[str, str]


def _shop(club_id: int, name: str) -> int:
    shop = channels.ChannelAccount(marketplace="tiktok", name=name, club_id=club_id)
    extensions.db.session.add(shop)
    extensions.db.session.commit()
    return shop.id


@pytest.fixture
def clubs(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    bearer: Headers,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
) -> TwoClubs:
    world = support.build_world(app, people)
    product2 = builders.make_product(
        app,
        "admin1",
        builders.product_data(other_club.producer_id, name="Mật ong rừng Hạ Long", skus=("HL-1",)),
    )
    with app.app_context():
        shop1 = _shop(people.club_id, "Gian hàng Móng Cái")
        shop2 = _shop(other_club.club_id, "Gian hàng Hạ Long")
        seller2_id = conftest.user_named(other_club.seller).id
    h2 = {"Authorization": f"Bearer {conftest.issue_token(app, other_club.coordinator)}"}

    def created(url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        reply = client.post(url, json=body, headers=headers)
        assert reply.status_code == 201, reply.get_json()
        return reply.get_json()

    streamer2 = created(
        "/api/v1/live/streamers",
        {"user_id": seller2_id, "display_name": "Hương Hạ Long", "platforms": ["tiktok"]},
        h2,
    )
    session = {
        "platform": "tiktok",
        "starts_at": "2026-12-05T20:00:00",
        "ends_at": "2026-12-05T21:00:00",
    }
    sid2 = created(
        "/api/v1/live/sessions",
        {
            **session,
            "title": CLUB2_TITLE,
            "channel_account_id": shop2,
            "host_ids": [streamer2["id"]],
        },
        h2,
    )["id"]
    slot2 = created(
        f"/api/v1/live/sessions/{sid2}/slots",
        {"product_id": product2, "length_s": 600, "live_price": 90_000},
        h2,
    )
    session1 = created(
        "/api/v1/live/sessions",
        {**session, "title": CLUB1_TITLE, "host_ids": [world.streamer_ids[0]]},
        bearer[Role.COORDINATOR],
    )
    return TwoClubs(
        world=world,
        other=other_club,
        club1_session=session1["id"],
        club1_shop=shop1,
        club2_session=sid2,
        club2_slot=slot2["id"],
        club2_streamer=streamer2["id"],
        club2_product=product2,
        club2_shop=shop2,
        club2_headers=h2,
    )


def _club2_unchanged(app: flask.Flask, two: TwoClubs) -> None:
    with app.app_context():
        row = extensions.db.session.get(live.LiveSession, two.club2_session)
        assert row is not None
        assert row.title == CLUB2_TITLE and row.status == live.SessionStatus.PLANNED
        assert row.current_slot is None and [s.id for s in row.slots] == [two.club2_slot]
        assert [h.id for h in row.hosts] == [two.club2_streamer]
        copies = extensions.db.session.scalar(
            sa.select(sa.func.count()).select_from(live.LiveSession)
        )
        assert copies == 2  # nothing duplicated
        streamer = extensions.db.session.get(live.Streamer, two.club2_streamer)
        assert streamer is not None and streamer.display_name == "Hương Hạ Long"


# --- creation lands in the creator's club -----------------------------------------------------


def test_rows_land_in_their_creators_club(app: flask.Flask, clubs: TwoClubs) -> None:
    with app.app_context():
        db = extensions.db.session
        row2 = db.get(live.LiveSession, clubs.club2_session)
        row1 = db.get(live.LiveSession, clubs.club1_session)
        streamer2 = db.get(live.Streamer, clubs.club2_streamer)
        assert row2 is not None and row1 is not None and streamer2 is not None
        assert row2.club_id == clubs.other.club_id and streamer2.club_id == clubs.other.club_id
        assert row1.club_id == clubs.world.club_id


# --- another club's ids: 404 --------------------------------------------------------------


def test_pages_answer_404_for_another_clubs_ids(
    app: flask.Flask, client: flask.testing.FlaskClient, auth: conftest.Auth, clubs: TwoClubs
) -> None:
    sid, slot, streamer = clubs.club2_session, clubs.club2_slot, clubs.club2_streamer
    base = f"/live/sessions/{sid}"
    gets = [
        base,
        f"{base}/edit",
        f"{base}/print",
        f"{base}/session.ics",
        f"{base}/host",
        f"{base}/host/state",
        f"{base}/control",
        f"{base}/slots/{slot}/edit",
        f"/live/streamers/{streamer}/edit",
        f"/live/streamers/{streamer}/schedule",
    ]
    posts: list[tuple[str, dict[str, Any]]] = [
        (f"{base}/edit", {"title": "Đổi tên", "platform": "tiktok"}),
        (f"{base}/status", {"status": "cancelled"}),
        (f"{base}/duplicate", {"days": "7"}),
        (f"{base}/slots", {"product_id": clubs.club2_product, "length": "5"}),
        (f"{base}/slots/{slot}/edit", {"product_id": clubs.club2_product, "code": "X1"}),
        (f"{base}/slots/{slot}/move", {"direction": "up"}),
        (f"{base}/slots/{slot}/delete", {}),
        (f"{base}/control", {"action": "start"}),
        (f"{base}/delete", {}),
        (f"/live/streamers/{streamer}/edit", {"display_name": "Đổi tên"}),
        ("/live/feeds/rotate", {"streamer_id": str(streamer)}),
    ]
    auth.login("coordinator1")
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    auth.logout()
    # a seller reaches only the host side, and gets 404 there too
    auth.login("seller1")
    for url in (f"{base}/print", f"{base}/session.ics", f"{base}/host", f"{base}/host/state"):
        assert client.get(url).status_code == 404, url
    assert client.get(base).status_code == 403  # planning pages: not a seller's, any club
    assert client.post("/live/feeds/rotate", data={"streamer_id": streamer}).status_code == 404
    _club2_unchanged(app, clubs)


def test_api_answers_404_for_another_clubs_ids(
    app: flask.Flask, client: flask.testing.FlaskClient, bearer: Headers, clubs: TwoClubs
) -> None:
    h = bearer[Role.COORDINATOR]
    sid, slot, streamer = clubs.club2_session, clubs.club2_slot, clubs.club2_streamer
    base = f"/api/v1/live/sessions/{sid}"
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", base, None),
        ("PATCH", base, {"title": "Đổi tên"}),
        ("POST", f"{base}/status", {"status": "cancelled"}),
        ("POST", f"{base}/duplicate", {"days": 7}),
        ("POST", f"{base}/slots", {"product_id": clubs.club2_product}),
        ("PATCH", f"{base}/slots/{slot}", {"code": "X1"}),
        ("PUT", f"{base}/slots/order", {"slot_ids": [slot]}),
        ("DELETE", f"{base}/slots/{slot}", None),
        ("GET", f"{base}/host", None),
        ("POST", f"{base}/host", {"action": "start"}),
        ("DELETE", base, None),
        ("GET", f"/api/v1/live/streamers/{streamer}", None),
        ("PATCH", f"/api/v1/live/streamers/{streamer}", {"display_name": "Đổi tên"}),
        ("POST", "/api/v1/live/feeds", {"streamer_id": streamer}),
        ("POST", "/api/v1/live/feeds/rotate", {"streamer_id": streamer}),
    ]
    for method, url, body in calls:
        response = client.open(url, method=method, json=body, headers=h)
        assert response.status_code == 404, (method, url, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found"
    seller = client.get(f"{base}/host", headers=bearer[Role.SELLER])
    assert seller.status_code == 404
    _club2_unchanged(app, clubs)
    # the owner club still reaches it
    own = client.get(base, headers=clubs.club2_headers)
    assert own.status_code == 200
    assert own.get_json()["club_id"] == clubs.other.club_id
    assert own.get_json()["club_name"] == "CLB Streamer Hạ Long"


# --- lists ----------------------------------------------------------------------------------


def test_lists_keep_to_the_club_and_admin_sees_both(
    client: flask.testing.FlaskClient, auth: conftest.Auth, bearer: Headers, clubs: TwoClubs
) -> None:
    h = bearer[Role.COORDINATOR]
    sessions = client.get("/api/v1/live/sessions?per_page=100", headers=h).get_json()
    assert [s["title"] for s in sessions["items"]] == [CLUB1_TITLE]
    assert {s["club_id"] for s in sessions["items"]} == {clubs.world.club_id}
    by_streamer = client.get(
        f"/api/v1/live/sessions?streamer_id={clubs.club2_streamer}", headers=h
    ).get_json()
    assert by_streamer["total"] == 0
    streamer_names = [
        s["display_name"] for s in client.get("/api/v1/live/streamers", headers=h).get_json()
    ]
    assert streamer_names == ["Lan Anh", "Minh"]
    admin = bearer[Role.ADMIN]
    every = client.get("/api/v1/live/sessions?per_page=100", headers=admin).get_json()
    assert sorted(s["title"] for s in every["items"]) == sorted([CLUB1_TITLE, CLUB2_TITLE])
    assert {s["club_name"] for s in every["items"]} == {
        "CLB Streamer Móng Cái",
        "CLB Streamer Hạ Long",
    }
    admin_streamers = client.get("/api/v1/live/streamers", headers=admin).get_json()
    assert {s["display_name"] for s in admin_streamers} == {"Lan Anh", "Minh", "Hương Hạ Long"}

    auth.login("coordinator1")
    week = client.get("/live/?week=2026-12-05").get_data(as_text=True)
    assert CLUB1_TITLE in week and CLUB2_TITLE not in week
    assert 'data-testid="session-club"' not in week  # one club: no labels
    listing = client.get("/live/streamers").get_data(as_text=True)
    assert "Hương Hạ Long" not in listing and listing.count('data-testid="streamer-row"') == 2
    auth.logout()
    auth.login("seller1")
    mine = client.get("/live/mine").get_data(as_text=True)
    assert CLUB1_TITLE in mine and CLUB2_TITLE not in mine
    auth.logout()
    auth.login("admin1")
    week = client.get("/live/?week=2026-12-05").get_data(as_text=True)
    assert CLUB1_TITLE in week and CLUB2_TITLE in week
    labels = re.findall(r'data-testid="session-club">([^<]+)<', week)
    assert sorted(labels) == ["CLB Streamer Hạ Long", "CLB Streamer Móng Cái"]
    listing = client.get("/live/streamers").get_data(as_text=True)
    assert "Hương Hạ Long" in listing and listing.count('data-testid="streamer-row"') == 3
    assert "CLB Streamer Hạ Long" in listing


# --- cross-club references ------------------------------------------------------------------


def test_cross_club_hosts_shops_members_and_products_are_refused(
    app: flask.Flask, client: flask.testing.FlaskClient, bearer: Headers, clubs: TwoClubs
) -> None:
    h = bearer[Role.COORDINATOR]
    body = {
        "title": "Phiên thử",
        "platform": "tiktok",
        "starts_at": "2026-12-07T20:00:00",
        "ends_at": "2026-12-07T21:00:00",
        "host_ids": [clubs.club2_streamer],
    }
    foreign_host = client.post("/api/v1/live/sessions", json=body, headers=h)
    assert foreign_host.status_code == 422
    assert "host_ids" in foreign_host.get_json()["error"]["fields"]
    own_host = {**body, "host_ids": [clubs.world.streamer_ids[0]]}
    foreign_shop = client.post(
        "/api/v1/live/sessions",
        json={**own_host, "channel_account_id": clubs.club2_shop},
        headers=h,
    )
    assert foreign_shop.status_code == 422
    assert "channel_account_id" in foreign_shop.get_json()["error"]["fields"]
    own_shop = client.post(
        "/api/v1/live/sessions",
        json={**own_host, "channel_account_id": clubs.club1_shop},
        headers=h,
    )
    assert own_shop.status_code == 201, own_shop.get_json()
    patched = client.patch(
        f"/api/v1/live/sessions/{clubs.club1_session}",
        json={"host_ids": [clubs.club2_streamer]},
        headers=h,
    )
    assert patched.status_code == 422 and "host_ids" in patched.get_json()["error"]["fields"]
    foreign_product = client.post(
        f"/api/v1/live/sessions/{clubs.club1_session}/slots",
        json={"product_id": clubs.club2_product},
        headers=h,
    )
    assert foreign_product.status_code == 422
    assert "product_id" in foreign_product.get_json()["error"]["fields"]
    with app.app_context():
        seller2 = conftest.user_named(clubs.other.seller)
        coordinator2 = conftest.user_named(clubs.other.coordinator)
    foreign_member = client.post(
        "/api/v1/live/streamers", json={"user_id": coordinator2.id}, headers=h
    )
    assert foreign_member.status_code == 422
    assert "user_id" in foreign_member.get_json()["error"]["fields"]
    foreign_account = client.patch(
        f"/api/v1/live/streamers/{clubs.world.streamer_ids[0]}",
        json={"channel_account_ids": [clubs.club2_shop]},
        headers=h,
    )
    assert foreign_account.status_code == 422
    assert "channel_account_ids" in foreign_account.get_json()["error"]["fields"]
    with app.app_context():
        row = extensions.db.session.get(live.LiveSession, clubs.club1_session)
        assert row is not None and [h.id for h in row.hosts] == [clubs.world.streamer_ids[0]]
        assert row.slots == []
    # pickers offer only the club's own streamers, shops, members and products
    client.post("/auth/login", data={"username": "coordinator1", "password": conftest.PASSWORD})
    form = client.get("/live/sessions/new").get_data(as_text=True)
    assert "Lan Anh" in form and "Hương Hạ Long" not in form
    assert "Gian hàng Móng Cái" in form and "Gian hàng Hạ Long" not in form
    detail = client.get(f"/live/sessions/{clubs.club1_session}").get_data(as_text=True)
    assert "Nước mắm cá cơm Trà Cổ" in detail and "Mật ong rừng Hạ Long" not in detail
    new_streamer = client.get("/live/streamers/new").get_data(as_text=True)
    assert "admin1" in new_streamer
    assert seller2.username not in new_streamer and coordinator2.username not in new_streamer
    edit_streamer = client.get(f"/live/streamers/{clubs.world.streamer_ids[0]}/edit")
    assert "Gian hàng Hạ Long" not in edit_streamer.get_data(as_text=True)


def test_admin_acts_in_the_sessions_own_club(
    app: flask.Flask, client: flask.testing.FlaskClient, bearer: Headers, clubs: TwoClubs
) -> None:
    h = bearer[Role.ADMIN]  # working club: club 1
    base = f"/api/v1/live/sessions/{clubs.club2_session}"
    wrong_host = client.patch(base, json={"host_ids": [clubs.world.streamer_ids[0]]}, headers=h)
    assert wrong_host.status_code == 422 and "host_ids" in wrong_host.get_json()["error"]["fields"]
    wrong_product = client.post(
        f"{base}/slots", json={"product_id": clubs.world.product_ids[0]}, headers=h
    )
    assert wrong_product.status_code == 422
    assert "product_id" in wrong_product.get_json()["error"]["fields"]
    renamed = client.patch(base, json={"title": "Phiên Hạ Long (admin sửa)"}, headers=h)
    assert renamed.status_code == 200 and renamed.get_json()["club_id"] == clubs.other.club_id
    copy = client.post(f"{base}/duplicate", json={"days": 7}, headers=h)
    assert copy.status_code == 201 and copy.get_json()["club_id"] == clubs.other.club_id
    assert [s["product_id"] for s in copy.get_json()["slots"]] == [clubs.club2_product]
    # the admin's own new session goes to the working club
    created = client.post(
        "/api/v1/live/sessions",
        json={
            "title": "Phiên của quản trị",
            "platform": "facebook",
            "starts_at": "2026-12-09T20:00:00",
            "ends_at": "2026-12-09T21:00:00",
            "host_ids": [clubs.world.streamer_ids[1]],
        },
        headers=h,
    )
    assert created.status_code == 201 and created.get_json()["club_id"] == clubs.world.club_id
    # the page's pickers follow the session's club too
    client.post("/auth/login", data={"username": "admin1", "password": conftest.PASSWORD})
    edit = client.get(f"/live/sessions/{clubs.club2_session}/edit").get_data(as_text=True)
    assert "Hương Hạ Long" in edit and "Lan Anh" not in edit and "Gian hàng Hạ Long" in edit
    assert 'data-testid="form-club"' in edit and "CLB Streamer Hạ Long" in edit
    detail = client.get(f"/live/sessions/{clubs.club2_session}").get_data(as_text=True)
    assert "Mật ong rừng Hạ Long" in detail and "Nước mắm cá cơm Trà Cổ" not in detail


# --- calendar feeds -------------------------------------------------------------------------


def _uids(client: flask.testing.FlaskClient, url: str) -> set[str]:
    path = url.split("localhost", 1)[1]
    response = client.get(path)
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def test_club_feeds_hold_their_own_clubs_sessions(
    client: flask.testing.FlaskClient, bearer: Headers, clubs: TwoClubs
) -> None:
    feed1 = client.post("/api/v1/live/feeds", json={}, headers=bearer[Role.COORDINATOR])
    feed2 = client.post("/api/v1/live/feeds", json={}, headers=clubs.club2_headers)
    assert feed1.get_json()["scope"] == feed2.get_json()["scope"] == "club"
    one = _uids(client, feed1.get_json()["url"])
    two = _uids(client, feed2.get_json()["url"])
    assert one == {f"live-session-{clubs.club1_session}@ocop-live"}
    assert two == {f"live-session-{clubs.club2_session}@ocop-live"}
    # the admin's club link is the working club's
    admin_feed = client.post("/api/v1/live/feeds", json={}, headers=bearer[Role.ADMIN])
    assert admin_feed.get_json()["url"] == feed1.get_json()["url"]
    streamer2 = client.post(
        "/api/v1/live/feeds",
        json={"streamer_id": clubs.club2_streamer},
        headers=clubs.club2_headers,
    )
    assert _uids(client, streamer2.get_json()["url"]) == two


# --- an admin without a working club, the Youth Union, archived clubs -------------------------


def _drop_working_club(app: flask.Flask) -> None:
    with app.app_context():
        conftest.user_named("admin1").club_id = None
        extensions.db.session.commit()


def test_admin_without_working_club_is_told_to_pick_one(
    app: flask.Flask, client: flask.testing.FlaskClient, bearer: Headers, clubs: TwoClubs
) -> None:
    _drop_working_club(app)
    h = bearer[Role.ADMIN]
    body = {
        "title": "Phiên không có CLB",
        "platform": "tiktok",
        "starts_at": "2026-12-08T20:00:00",
        "ends_at": "2026-12-08T21:00:00",
        "host_ids": [],
    }
    refused = client.post("/api/v1/live/sessions", json=body, headers=h)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "no_club" and "câu lạc bộ làm việc" in error["message"]
    with app.app_context():
        admin_id = conftest.user_named("admin1").id
    streamer = client.post("/api/v1/live/streamers", json={"user_id": admin_id}, headers=h)
    assert streamer.status_code == 422 and streamer.get_json()["error"]["code"] == "no_club"
    # reading and acting on existing sessions still works
    assert client.get(f"/api/v1/live/sessions/{clubs.club2_session}", headers=h).status_code == 200
    client.post("/auth/login", data={"username": "admin1", "password": conftest.PASSWORD})
    week = client.get("/live/?week=2026-12-05")
    assert week.status_code == 200
    text = week.get_data(as_text=True)
    assert 'data-testid="no-club"' in text and CLUB2_TITLE in text
    page = client.get("/live/sessions/new", follow_redirects=True)
    assert page.status_code == 200
    assert "câu lạc bộ làm việc" in page.get_data(as_text=True)
    posted = client.post(
        "/live/sessions/new",
        data={"title": "x", "platform": "tiktok", "day": "2026-12-08", "start_time": "20:00"},
        follow_redirects=True,
    )
    assert posted.status_code == 200 and "câu lạc bộ làm việc" in posted.get_data(as_text=True)
    new_streamer = client.get("/live/streamers/new", follow_redirects=True)
    assert "câu lạc bộ làm việc" in new_streamer.get_data(as_text=True)
    with app.app_context():
        titles = extensions.db.session.scalars(sa.select(live.LiveSession.title)).all()
        assert "Phiên không có CLB" not in titles and "x" not in titles


def test_admin_without_working_club_uses_the_only_club(
    app: flask.Flask, client: flask.testing.FlaskClient, bearer: Headers, people: conftest.People
) -> None:
    _drop_working_club(app)
    created = client.post(
        "/api/v1/live/sessions",
        json={
            "title": "Phiên một CLB",
            "platform": "tiktok",
            "starts_at": "2026-12-08T20:00:00",
            "ends_at": "2026-12-08T21:00:00",
            "host_ids": [],
        },
        headers=bearer[Role.ADMIN],
    )
    assert created.status_code == 201 and created.get_json()["club_id"] == people.club_id


def test_youth_union_and_archived_clubs_cannot_write(
    app: flask.Flask, client: flask.testing.FlaskClient, bearer: Headers, clubs: TwoClubs
) -> None:
    union = bearer[Role.UNION]
    assert client.get("/api/v1/live/sessions", headers=union).status_code == 403
    client.post("/auth/login", data={"username": "union1", "password": conftest.PASSWORD})
    assert client.get("/live/").status_code == 403
    client.post("/auth/logout")
    with app.app_context():
        db = extensions.db.session
        union1 = conftest.user_named("union1")
        # the Youth Union sees club 1 (same province) but the services never let it write
        with pytest.raises(errors.Forbidden):
            sessions_service.update(
                db, union1, clubs.club1_session, {"title": "Đoàn sửa"}, buffer_min=0
            )
        with pytest.raises(errors.Forbidden):
            sessions_service.delete(db, union1, clubs.club1_session)
        with pytest.raises(errors.ValidationError):
            streamers_service.create(db, union1, {"user_id": union1.id})
        club2 = db.get(orgs.Club, clubs.other.club_id)
        assert club2 is not None
        club2.archived_at = club2.created_at
        db.commit()
    archived = client.post(
        f"/api/v1/live/sessions/{clubs.club2_session}/duplicate",
        json={"days": 7},
        headers=bearer[Role.ADMIN],
    )
    assert archived.status_code == 422, archived.get_json()
    assert "lưu trữ" in archived.get_json()["error"]["message"]
    with app.app_context():
        row = extensions.db.session.get(live.LiveSession, clubs.club1_session)
        assert row is not None and row.title == CLUB1_TITLE


def test_tiktok_handles_are_per_club(app: flask.Flask, clubs: TwoClubs) -> None:
    with app.app_context():
        db = extensions.db.session
        coordinator1 = conftest.user_named("coordinator1")
        coordinator2 = conftest.user_named(clubs.other.coordinator)
        streamers_service.update(
            db, coordinator1, clubs.world.streamer_ids[0], {"tiktok_handle": "@trang.ocop"}
        )
        # the same handle in the other club is that club's business, not a clash
        streamers_service.update(
            db, coordinator2, clubs.club2_streamer, {"tiktok_handle": "trang.ocop"}
        )
        one = streamers_service.by_tiktok_handle(db, "trang.ocop", club_id=clubs.world.club_id)
        two = streamers_service.by_tiktok_handle(db, "trang.ocop", club_id=clubs.other.club_id)
        assert one is not None and one.id == clubs.world.streamer_ids[0]
        assert two is not None and two.id == clubs.club2_streamer
