"""Livestreams against hostile input and hostile stored values, on both databases.

- Stored values that no form would accept (CR/LF in a title or a live URL, control characters
  in notes and names, years 1 and 9999), inserted straight into the database: the calendar
  feeds stay valid RFC 5545 (parsed back with ``icalendar``, no injected line), and the week
  view, session pages, host screen, feeds and API still answer.
- Hostile input through the API and the forms (control characters, out-of-range dates, ids
  ≥ 2**31 and 2**63, prices, durations, too many slots): 422 with the field named and nothing
  written. The live URL's link check is in test_links.py.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import flask
import flask.testing
import icalendar
import pytest
import sqlalchemy as sa

from app import extensions
from app.live import feeds
from app.models import accounts, catalog, live
from tests import conftest
from tests.integration.app import test_live_pages as live_pages
from tests.integration.app import test_live_services as support

Role = accounts.Role
UTC = dt.UTC
Headers = dict[Role, dict[str, str]]
BIG = 2**63
MAX_ID = 2**31 - 1


@pytest.fixture
def world(app: flask.Flask, people: conftest.People) -> support.World:
    return support.build_world(app, people)


def insert_session(world: support.World, **fields: Any) -> int:
    """A session written straight to the database, past every check of the services."""
    with world.app.app_context():
        session = extensions.db.session
        values: dict[str, Any] = {
            "club_id": world.club_id,
            "title": "Phiên lưu thẳng",
            "platform": "tiktok",
            "starts_at": dt.datetime(2026, 12, 5, 13, 0, tzinfo=UTC),
            "ends_at": dt.datetime(2026, 12, 5, 14, 0, tzinfo=UTC),
            "status": live.SessionStatus.PLANNED,
        }
        slots = fields.pop("slots", 1)
        values.update(fields)
        row = live.LiveSession(**values)
        row.hosts = [session.get(live.Streamer, world.streamer_ids[0])]
        for index in range(slots):
            row.slots.append(
                live.LiveSlot(
                    position=index,
                    product_id=world.product_ids[index % len(world.product_ids)],
                    start_offset_s=index * 60,
                    length_s=60,
                    live_price=50_000,
                    code=f"SP{index + 1}",
                    talking_points="Ý chính",
                )
            )
        session.add(row)
        session.commit()
        return row.id


def counts(app: flask.Flask) -> tuple[int, int, int]:
    with app.app_context():
        session = extensions.db.session
        return tuple(  # type: ignore[return-value]
            int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)
            for model in (live.LiveSession, live.LiveSlot, live.Streamer)
        )


def club_feed_path(world: support.World) -> str:
    with world.app.app_context():
        user = conftest.user_named(world.coordinator)
        return f"/live/feeds/{feeds.ensure(extensions.db.session, user, None).token}.ics"


# --- the calendar writer -------------------------------------------------------------------

HOSTILE_TITLE = "Phiên tối\r\nBEGIN:VEVENT\r\nUID:evil@x\r\nSUMMARY:giả"
HOSTILE_URL = "https://www.tiktok.com/@clb/live\r\nATTACH:https://evil.example/x"
HOSTILE_NOTES = "Dòng 1\r\nDòng 2\rDòng 3\x0b\u2028END:VCALENDAR\x1b[31m"


def check_wire_format(body: bytes) -> list[bytes]:
    """RFC 5545 content lines: CRLF only, at most 75 octets each, no control character."""
    assert body.count(b"\r") == body.count(b"\r\n") == body.count(b"\n")
    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    for line in lines[:-1]:
        assert len(line) <= 75, line
        assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line), line
    assert "\u2028".encode() not in body and "\x85".encode() not in body
    return lines[:-1]


def test_feeds_escape_stored_crlf_and_control_characters(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    sid = insert_session(world, title=HOSTILE_TITLE, live_url=HOSTILE_URL, notes=HOSTILE_NOTES)
    with world.app.app_context():
        session = extensions.db.session
        session.execute(
            sa.update(live.Streamer)
            .where(live.Streamer.id == world.streamer_ids[0])
            .values(display_name="Lan\r\nATTENDEE:evil")
        )
        session.execute(
            sa.update(catalog.Product)
            .where(catalog.Product.id == world.product_ids[0])
            .values(name="Nước mắm\nX-EVIL:1")
        )
        session.commit()
    auth.login(world.coordinator)
    downloads = {
        "feed": client.get(club_feed_path(world)),
        "session": client.get(f"/live/sessions/{sid}/session.ics"),
    }
    for name, response in downloads.items():
        assert response.status_code == 200, name
        lines = check_wire_format(response.data)
        starts = [line.split(b":", 1)[0].split(b";", 1)[0] for line in lines if line[:1] != b" "]
        assert starts.count(b"BEGIN") == starts.count(b"END")
        assert lines.count(b"BEGIN:VEVENT") == 1 and lines.count(b"END:VCALENDAR") == 1
        for forged in (b"ATTACH", b"ATTENDEE", b"X-EVIL"):
            assert forged not in starts, (name, forged)
        assert starts.count(b"UID") == 1 and starts.count(b"SUMMARY") == 1
        event = icalendar.Calendar.from_ical(response.data).walk("VEVENT")[0]
        assert str(event["UID"]) == f"live-session-{sid}@ocop-live"
        assert str(event["SUMMARY"]) == "Phiên tối BEGIN:VEVENT UID:evil@x SUMMARY:giả"
        assert "URL" not in event  # a stored address failing the link check is left out
        text = str(event["DESCRIPTION"])
        assert "Người dẫn: Lan ATTENDEE:evil" in text
        assert "[SP1] Nước mắm X-EVIL:1" in text
        assert "Dòng 1\nDòng 2\nDòng 3 END:VCALENDAR [31m" in text
        assert str(event.walk("VALARM")[0]["DESCRIPTION"]).endswith("SUMMARY:giả")


def test_long_titles_are_folded_at_75_octets(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    title = "Chợ phiên OCOP Quảng Ninh — nước mắm, chè, mật ong rừng " * 3
    sid = insert_session(world, title=title.strip(), live_url="https://www.tiktok.com/@clb/live")
    auth.login(world.coordinator)
    body = client.get(f"/live/sessions/{sid}/session.ics").data
    check_wire_format(body)
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == title.strip()
    assert str(event["URL"]) == "https://www.tiktok.com/@clb/live"


# --- stored dates at the calendar's edges --------------------------------------------------

EDGE_TIMES = {
    # 20:00 UTC on the last day is already year 10000 in Vietnam
    "year-9999": (
        dt.datetime(9999, 12, 31, 20, 0, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 22, 0, tzinfo=UTC),
    ),
    "year-1": (
        dt.datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        dt.datetime(1, 1, 1, 1, 0, tzinfo=UTC),
    ),
}


@pytest.mark.parametrize("edge", sorted(EDGE_TIMES))
def test_stored_edge_years_do_not_break_any_page(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    bearer: Headers,
    world: support.World,
    edge: str,
) -> None:
    starts, ends = EDGE_TIMES[edge]
    sid = insert_session(
        world,
        title=f"Phiên {edge}",
        starts_at=starts,
        ends_at=ends,
        status=live.SessionStatus.LIVE,
        current_slot=0,
        slot_started_at=ends - dt.timedelta(minutes=1),
        extension_s=3600,
        slots=2,
    )
    auth.login(world.coordinator)
    local_day = "9999-12-31" if edge == "year-9999" else "0001-01-01"
    pages = [
        "/live/",
        f"/live/?week={local_day}",
        "/live/?week=10000-01-01",
        f"/live/sessions/new?day={local_day}",
        f"/live/sessions/{sid}",
        f"/live/sessions/{sid}/edit",
        f"/live/sessions/{sid}/print",
        f"/live/sessions/{sid}/host",
        f"/live/sessions/{sid}/host/state",
        f"/live/sessions/{sid}/control",
        f"/live/sessions/{sid}/session.ics",
        f"/live/streamers/{world.streamer_ids[0]}/schedule",
        club_feed_path(world),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    feed = client.get(club_feed_path(world)).data
    check_wire_format(feed)
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")]
    if edge == "year-9999":  # still ahead, so in the feed, written in UTC
        assert uids == [f"live-session-{sid}@ocop-live"]
        event = icalendar.Calendar.from_ical(feed).walk("VEVENT")[0]
        assert event.decoded("DTSTART") == starts
    state = client.get(f"/live/sessions/{sid}/host/state").get_json()
    assert state["current"]["code"] == "SP1" and state["next"]["code"] == "SP2"
    h = bearer[Role.COORDINATOR]
    api = [
        f"/api/v1/live/sessions/{sid}",
        "/api/v1/live/sessions?per_page=100",
        f"/api/v1/live/sessions/{sid}/host",
    ]
    for path in api:
        response = client.get(path, headers=h)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
    # moving it is refused with a message, never a 500
    before = counts(world.app)
    copy = client.post(f"/api/v1/live/sessions/{sid}/duplicate", json={"days": 7}, headers=h)
    assert copy.status_code == 422 and "days" in copy.get_json()["error"]["fields"]
    page = client.post(f"/live/sessions/{sid}/duplicate", data={"days": "7"})
    assert page.status_code == 302
    assert counts(world.app) == before
    # the host controls still work on it
    moved = client.post(f"/api/v1/live/sessions/{sid}/host", json={"action": "next"}, headers=h)
    assert moved.status_code == 200 and moved.get_json()["current"]["code"] == "SP2"


def test_host_state_survives_a_stored_slot_index_out_of_range(
    client: flask.testing.FlaskClient, bearer: Headers, world: support.World
) -> None:
    for index in (-5, 7, MAX_ID):
        sid = insert_session(
            world,
            title=f"Vị trí {index}",
            current_slot=index,
            slot_started_at=dt.datetime(2026, 12, 5, 13, 5, tzinfo=UTC),
            slots=2,
        )
        response = client.get(f"/api/v1/live/sessions/{sid}/host", headers=bearer[Role.COORDINATOR])
        assert response.status_code == 200, index
        assert response.get_json()["current"] is None


# --- hostile input: API --------------------------------------------------------------------


def session_body(world: support.World, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Phiên sáng chủ nhật",
        "platform": "facebook",
        "starts_at": "2026-12-06T09:00:00",
        "ends_at": "2026-12-06T10:00:00",
        "host_ids": [world.streamer_ids[0]],
    }
    body.update(fields)
    return body


def plan(client: Any, headers: dict[str, str], world: support.World, **fields: Any) -> Any:
    """A session planned through the API from ``session_body``."""
    return client.post("/api/v1/live/sessions", json=session_body(world, **fields), headers=headers)


def refused(response: Any, field: str) -> dict[str, list[str]]:
    """A 422 in the API's error shape naming ``field`` (or one of its items)."""
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and error["message"]
    fields = error["fields"]
    assert any(name == field or name.startswith(f"{field}.") for name in fields), fields
    return fields


HOSTILE_SESSIONS: list[tuple[str, dict[str, Any]]] = [
    ("title", {"title": "Phiên\r\nX-EVIL:1"}),
    ("title", {"title": "Phiên\u2028tối"}),
    ("title", {"title": "Phiên\x1b[31m"}),
    ("title", {"title": "x" * 201}),
    ("notes", {"notes": "Ghi chú\x07"}),
    ("notes", {"notes": "x" * 10_001}),
    ("starts_at", {"starts_at": "0001-01-01T00:00:00"}),
    ("starts_at", {"starts_at": "1999-12-31T20:00:00"}),
    ("ends_at", {"ends_at": "9999-12-31T23:59:59-05:00"}),
    ("starts_at", {"starts_at": "2101-01-01T09:00:00", "ends_at": "2101-01-01T10:00:00"}),
    ("ends_at", {"ends_at": "2026-12-07T09:00:01"}),  # longer than 24 hours
    ("host_ids", {"host_ids": [BIG]}),
    ("host_ids", {"host_ids": [MAX_ID + 1]}),
    ("host_ids", {"host_ids": [0]}),
    ("host_ids", {"host_ids": list(range(1, 22))}),
    ("channel_account_id", {"channel_account_id": BIG}),
]


@pytest.mark.parametrize(("field", "change"), HOSTILE_SESSIONS)
def test_hostile_session_bodies_are_422_and_write_nothing(
    client: flask.testing.FlaskClient,
    bearer: Headers,
    world: support.World,
    field: str,
    change: dict[str, Any],
) -> None:
    h = bearer[Role.COORDINATOR]
    before = counts(world.app)
    refused(plan(client, h, world, **change), field)
    assert counts(world.app) == before
    created = plan(client, h, world)
    assert created.status_code == 201
    sid = created.get_json()["id"]
    refused(client.patch(f"/api/v1/live/sessions/{sid}", json=change, headers=h), field)
    after = client.get(f"/api/v1/live/sessions/{sid}", headers=h).get_json()
    assert after == created.get_json()


def test_hostile_query_and_feed_ids(
    client: flask.testing.FlaskClient, bearer: Headers, world: support.World
) -> None:
    h = bearer[Role.COORDINATOR]
    refused(client.get("/api/v1/live/sessions?start=0001-01-01T00:00:00", headers=h), "start")
    refused(client.get("/api/v1/live/sessions?end=9999-12-31T23:59:59-12:00", headers=h), "end")
    refused(client.get(f"/api/v1/live/sessions?streamer_id={BIG}", headers=h), "streamer_id")
    refused(
        client.post("/api/v1/live/feeds/rotate", json={"streamer_id": BIG}, headers=h),
        "streamer_id",
    )
    refused(
        client.post("/api/v1/live/feeds", json={"streamer_id": MAX_ID + 1}, headers=h),
        "streamer_id",
    )
    assert client.get("/api/v1/live/sessions?page=100001", headers=h).status_code == 422


def test_duplicate_past_2100_is_refused(
    client: flask.testing.FlaskClient, bearer: Headers, world: support.World
) -> None:
    h = bearer[Role.COORDINATOR]
    late = plan(client, h, world, starts_at="2100-12-30T09:00:00", ends_at="2100-12-30T10:00:00")
    assert late.status_code == 201
    sid = late.get_json()["id"]
    before = counts(world.app)
    refused(
        client.post(f"/api/v1/live/sessions/{sid}/duplicate", json={"days": 7}, headers=h), "days"
    )
    refused(
        client.post(
            f"/api/v1/live/sessions/{sid}/duplicate",
            json={"starts_at": "9999-12-31T23:00:00"},
            headers=h,
        ),
        "starts_at",
    )
    assert counts(world.app) == before


HOSTILE_SLOTS: list[tuple[str, dict[str, Any]]] = [
    ("product_id", {"product_id": BIG}),
    ("product_id", {"product_id": MAX_ID + 1}),
    ("variant_id", {"variant_id": BIG}),
    ("live_price", {"live_price": 1_000_000_001}),
    ("live_price", {"live_price": BIG}),
    ("live_price", {"live_price": -1}),
    ("length_s", {"length_s": 86_401}),
    ("length_s", {"length_s": 0}),
    ("start_offset_s", {"start_offset_s": -1}),
    ("start_offset_s", {"start_offset_s": BIG}),
    ("talking_points", {"talking_points": "Giới thiệu\x1b[2J"}),
    ("talking_points", {"talking_points": "x" * 10_001}),
]


@pytest.fixture
def sid(client: flask.testing.FlaskClient, bearer: Headers, world: support.World) -> int:
    """A session the coordinator planned through the API (``session_body``)."""
    created = plan(client, bearer[Role.COORDINATOR], world)
    return int(created.get_json()["id"])


@pytest.mark.parametrize(("field", "change"), HOSTILE_SLOTS)
def test_hostile_slot_bodies_are_422_and_write_nothing(
    client: flask.testing.FlaskClient,
    bearer: Headers,
    world: support.World,
    sid: int,
    field: str,
    change: dict[str, Any],
) -> None:
    h = bearer[Role.COORDINATOR]
    body = {"product_id": world.product_ids[0], "length_s": 600, **change}
    before = counts(world.app)
    refused(client.post(f"/api/v1/live/sessions/{sid}/slots", json=body, headers=h), field)
    assert counts(world.app) == before
    slot = client.post(
        f"/api/v1/live/sessions/{sid}/slots",
        json={"product_id": world.product_ids[0], "length_s": 600},
        headers=h,
    ).get_json()
    refused(
        client.patch(f"/api/v1/live/sessions/{sid}/slots/{slot['id']}", json=change, headers=h),
        field,
    )
    session = client.get(f"/api/v1/live/sessions/{sid}", headers=h).get_json()
    assert session["slots"] == [slot]


def test_notes_and_talking_points_keep_their_line_breaks(
    client: flask.testing.FlaskClient, bearer: Headers, world: support.World
) -> None:
    h = bearer[Role.COORDINATOR]
    created = plan(client, h, world, notes="Dòng 1\r\nDòng 2\n\tthụt lề")
    assert created.status_code == 201
    assert created.get_json()["notes"] == "Dòng 1\nDòng 2\n\tthụt lề"
    slot = client.post(
        f"/api/v1/live/sessions/{created.get_json()['id']}/slots",
        json={"product_id": world.product_ids[0], "talking_points": "Ý 1\nÝ 2", "live_price": 0},
        headers=h,
    )
    assert slot.status_code == 201 and slot.get_json()["talking_points"] == "Ý 1\nÝ 2"
    top = client.post(
        f"/api/v1/live/sessions/{created.get_json()['id']}/slots",
        json={"product_id": world.product_ids[1], "live_price": 1_000_000_000},
        headers=h,
    )
    assert top.status_code == 201  # the largest live price there is


def test_slot_count_per_session_is_capped(
    client: flask.testing.FlaskClient, bearer: Headers, world: support.World
) -> None:
    sid = insert_session(
        world, ends_at=dt.datetime(2026, 12, 6, 12, 0, tzinfo=UTC), slots=200
    )  # 200 one-minute slots in a 23-hour session
    h = bearer[Role.COORDINATOR]
    before = counts(world.app)
    full = client.post(
        f"/api/v1/live/sessions/{sid}/slots",
        json={"product_id": world.product_ids[0], "length_s": 60},
        headers=h,
    )
    error = refused(full, "product_id")
    assert "200" in error["product_id"][0]
    assert counts(world.app) == before
    refused(
        client.put(f"/api/v1/live/sessions/{sid}/slots/order", json={"slot_ids": [BIG]}, headers=h),
        "slot_ids",
    )
    refused(
        client.post(
            f"/api/v1/live/sessions/{sid}/host", json={"action": "goto", "index": BIG}, headers=h
        ),
        "index",
    )


def test_hostile_streamer_bodies(
    client: flask.testing.FlaskClient, bearer: Headers, world: support.World
) -> None:
    h = bearer[Role.COORDINATOR]
    with world.app.app_context():
        admin_id = conftest.user_named("admin1").id
    before = counts(world.app)
    for field, body in (
        ("user_id", {"user_id": BIG}),
        ("display_name", {"user_id": admin_id, "display_name": "Quản\r\ntrị"}),
        ("channel_account_ids", {"user_id": admin_id, "channel_account_ids": [BIG]}),
    ):
        refused(client.post("/api/v1/live/streamers", json=body, headers=h), field)
    assert counts(world.app) == before
    sid = world.streamer_ids[0]
    renamed = client.patch(
        f"/api/v1/live/streamers/{sid}", json={"display_name": "Lan\u2029Anh"}, headers=h
    )
    refused(renamed, "display_name")
    assert client.get(f"/api/v1/live/streamers/{sid}", headers=h).get_json()["display_name"] == (
        "Lan Anh"
    )


# --- hostile input: pages ------------------------------------------------------------------


def session_form(world: support.World, **fields: object) -> dict[str, object]:
    """The live pages' session form, hosted by the world's first streamer."""
    return live_pages.session_form(**{"host_ids": [world.streamer_ids[0]], **fields})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "Phiên\r\nX-EVIL:1"}, "ký tự điều khiển"),
        ({"day": "0001-01-01"}, "01/01/2000 – 31/12/2100"),
        ({"day": "9999-12-31"}, "01/01/2000 – 31/12/2100"),
        ({"end_day": "9999-12-31"}, "01/01/2000 – 31/12/2100"),
        ({"notes": "Ghi chú\x07"}, "ký tự điều khiển"),
        ({"host_ids": ["²"]}, None),
        ({"channel_account_id": "²"}, "Tài khoản kênh"),
    ],
)
def test_hostile_session_forms_are_422_and_write_nothing(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    world: support.World,
    fields: dict[str, object],
    message: str | None,
) -> None:
    auth.login(world.coordinator)
    before = counts(world.app)
    response = client.post("/live/sessions/new", data=session_form(world, **fields))
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert counts(world.app) == before


def test_hostile_slot_forms_and_controls(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    auth.login(world.coordinator)
    response = client.post("/live/sessions/new", data=session_form(world))
    sid = int(response.headers["Location"].rsplit("/", 1)[1])
    before = counts(world.app)
    for data, message in (
        ({"product_id": "²"}, "Chọn sản phẩm."),
        ({"product_id": str(BIG)}, "Chọn sản phẩm."),
        ({"product_id": world.product_ids[0], "variant_id": "²"}, "Phân loại"),
        ({"product_id": world.product_ids[0], "live_price": "2000000000"}, "1.000.000.000"),
        ({"product_id": world.product_ids[0], "live_price": "²"}, "Nhập giá livestream"),
        ({"product_id": world.product_ids[0], "length": "9999"}, "24 giờ"),
        ({"product_id": world.product_ids[0], "talking_points": "Ý\x1b[2J"}, "điều khiển"),
    ):
        page = client.post(f"/live/sessions/{sid}/slots", data=data)
        assert page.status_code == 422, data
        assert message in page.get_data(as_text=True), data
    assert counts(world.app) == before
    assert client.post("/live/streamers/new", data={"user_id": "²"}).status_code == 422
    assert client.post("/live/feeds/rotate", data={"streamer_id": "²"}).status_code == 404
    control = client.post(f"/live/sessions/{sid}/control", data={"action": "goto", "index": "²"})
    assert control.status_code == 302
    assert counts(world.app) == before
