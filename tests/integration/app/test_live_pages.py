"""Livestream pages through the test client: week view, forms with errors and conflicts,
local time round trip, run-of-show editor, print sheet, host screen and control, own
schedule, calendar feeds (parsed back with ``icalendar``) and their rotation, permissions."""

from __future__ import annotations

import datetime as dt
import re

import flask
import flask.testing
import icalendar
import pytest
import sqlalchemy as sa

from app import extensions
from app.models import accounts, live
from tests import conftest
from tests.integration.app import test_live_services as support

Role = accounts.Role
UTC = dt.UTC


@pytest.fixture
def world(app: flask.Flask, people: conftest.People) -> support.World:
    return support.build_world(app, people)


def session_form(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Chợ phiên OCOP tối thứ bảy",
        "platform": "tiktok",
        "day": "2026-12-05",
        "start_time": "20:00",
        "end_time": "21:00",
        "host_ids": [],
        "live_url": "https://www.tiktok.com/@clbmongcai/live",
        "notes": "",
    }
    data.update(fields)
    return data


def login(auth: conftest.Auth, world: support.World, who: str = "coordinator") -> None:
    auth.login(world.coordinator if who == "coordinator" else world.seller)


def create_via_form(
    client: flask.testing.FlaskClient, world: support.World, **fields: object
) -> int:
    data = session_form(host_ids=[world.streamer_ids[0]], **fields)
    response = client.post("/live/sessions/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/live/sessions/(\d+)$", response.headers["Location"])
    assert match
    return int(match.group(1))


def test_local_time_form_round_trip_and_week_view(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    login(auth, world)
    sid = create_via_form(client, world)
    with world.app.app_context():
        row = extensions.db.session.get(live.LiveSession, sid)
        assert row is not None
        assert row.starts_at == dt.datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    page = client.get(f"/live/sessions/{sid}").get_data(as_text=True)
    assert "05/12/2026 20:00–21:00" in page
    week = client.get("/live/?week=2026-12-02").get_data(as_text=True)
    assert 'data-testid="day-2026-12-05"' in week
    assert "20:00–21:00" in week and "Chợ phiên OCOP tối thứ bảy" in week and "Lan Anh" in week
    assert "30/11 – 06/12/2026" in week  # Monday to Sunday
    other_week = client.get("/live/?week=2026-12-07").get_data(as_text=True)
    assert "Chợ phiên OCOP tối thứ bảy" not in other_week
    edit = client.get(f"/live/sessions/{sid}/edit").get_data(as_text=True)
    assert 'value="20:00"' in edit


def test_form_errors_and_conflict_message(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    login(auth, world)
    bad = client.post(
        "/live/sessions/new",
        data=session_form(end_time="19:00", live_url="ftp://x", host_ids=[world.streamer_ids[0]]),
    )
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "Giờ kết thúc phải sau giờ bắt đầu." in body
    assert "http://" in body
    missing = client.post("/live/sessions/new", data=session_form(day="", title=""))
    assert missing.status_code == 422
    assert "Chọn ngày." in missing.get_data(as_text=True)
    create_via_form(client, world)
    clash = client.post(
        "/live/sessions/new",
        data=session_form(
            title="Phiên chồng giờ",
            start_time="20:30",
            end_time="21:30",
            host_ids=[world.streamer_ids[0]],
        ),
    )
    assert clash.status_code == 409
    text = clash.get_data(as_text=True)
    assert 'data-testid="conflict"' in text
    assert "Chợ phiên OCOP tối thứ bảy" in text and "20:00 05/12/2026" in text


def test_run_of_show_editor_and_print_sheet(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    login(auth, world)
    sid = create_via_form(client, world)
    for pid, price in zip(world.product_ids, ("49.000", "", "120000"), strict=True):
        response = client.post(
            f"/live/sessions/{sid}/slots",
            data={"product_id": pid, "length": "15", "live_price": price},
        )
        assert response.status_code == 302
    overrun = client.post(
        f"/live/sessions/{sid}/slots",
        data={"product_id": world.product_ids[0], "length": "20"},
    )
    assert overrun.status_code == 422
    assert "vượt quá giờ kết thúc phiên 5 phút" in overrun.get_data(as_text=True)
    duplicate_code = client.post(
        f"/live/sessions/{sid}/slots",
        data={"product_id": world.product_ids[0], "length": "5", "code": "ct1"},
    )
    assert "Mã “CT1” đã dùng" in duplicate_code.get_data(as_text=True)
    page = client.get(f"/live/sessions/{sid}").get_data(as_text=True)
    assert page.count('data-testid="slot-row"') == 3
    assert "49.000 ₫" in page and "−6.000 ₫" in page
    sheet = client.get(f"/live/sessions/{sid}/print")
    assert sheet.status_code == 200
    text = sheet.get_data(as_text=True)
    assert 'data-testid="nav-live"' not in text  # no navigation on the sheet
    assert "live.css" in text
    assert re.search(r"20:15–20:30</td>\s*<td><strong class=\"live-code\">CT1", text)
    assert "Câu chuyện: Chè Tân Cương làm thủ công." in text
    assert "120.000 ₫" in text
    # move the last slot up: codes reorder, times re-pack
    with world.app.app_context():
        last = extensions.db.session.scalar(
            sa.select(live.LiveSlot).where(live.LiveSlot.code == "MO1")
        )
        assert last is not None
        last_id = last.id
    client.post(f"/live/sessions/{sid}/slots/{last_id}/move", data={"direction": "up"})
    page = client.get(f"/live/sessions/{sid}").get_data(as_text=True)
    assert re.findall(r'data-code="(\w+)"', page) == ["NM1", "MO1", "CT1"]


def test_host_screen_follows_control(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    login(auth, world)
    sid = create_via_form(client, world)
    for pid in world.product_ids:
        client.post(f"/live/sessions/{sid}/slots", data={"product_id": pid, "length": "10"})
    client.post(f"/live/sessions/{sid}/control", data={"action": "start"})
    client.post(f"/live/sessions/{sid}/control", data={"action": "next"})
    client.post(f"/live/sessions/{sid}/control", data={"action": "extend", "seconds": "60"})
    control = client.get(f"/live/sessions/{sid}/control").get_data(as_text=True)
    assert 'data-testid="control-current">CT1 ·' in control and "đã thêm 1 phút" in control
    client.post(f"/live/sessions/{sid}/control", data={"action": "goto", "index": "2"})
    client.post(f"/live/sessions/{sid}/control", data={"action": "prev"})
    client.post(f"/live/sessions/{sid}/control", data={"action": "extend", "seconds": "60"})
    auth.logout()
    login(auth, world, "seller")  # Lan Anh hosts this session
    screen = client.get(f"/live/sessions/{sid}/host")
    assert screen.status_code == 200
    html = screen.get_data(as_text=True)
    assert 'data-testid="host-code">CT1<' in html and 'data-testid="nav-live"' not in html
    state = client.get(f"/live/sessions/{sid}/host/state").get_json()
    assert state["current"]["code"] == "CT1" and state["next"]["code"] == "MO1"
    assert state["current"]["extension_s"] == 60 and state["status"] == "live"
    assert client.post(f"/live/sessions/{sid}/control", data={"action": "next"}).status_code == 403


def test_seller_sees_only_own_sessions(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    login(auth, world)
    mine = create_via_form(client, world)
    theirs = client.post(
        "/live/sessions/new",
        data=session_form(title="Phiên của Minh", host_ids=[world.streamer_ids[1]]),
    )
    theirs_id = int(theirs.headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    login(auth, world, "seller")
    schedule = client.get("/live/mine").get_data(as_text=True)
    assert "Chợ phiên OCOP tối thứ bảy" in schedule and "Phiên của Minh" not in schedule
    assert client.get(f"/live/sessions/{mine}/print").status_code == 200
    assert client.get(f"/live/sessions/{theirs_id}/host").status_code == 404
    assert client.get("/live/").status_code == 403
    assert client.get(f"/live/sessions/{mine}").status_code == 403


def test_pages_permissions(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    assert client.get("/live/").status_code == 302  # to the login page
    auth.login("producer1")
    assert client.get("/live/").status_code == 403
    assert client.get("/live/mine").status_code == 403
    assert 'data-testid="nav-live"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    login(auth, world)
    assert 'data-testid="nav-live"' in client.get("/live/streamers").get_data(as_text=True)


def test_streamer_pages(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    login(auth, world)
    page = client.get("/live/streamers").get_data(as_text=True)
    assert page.count('data-testid="streamer-row"') == 2
    form = client.get("/live/streamers/new").get_data(as_text=True)
    assert "admin1" in form and "seller1" not in form  # already a streamer
    with world.app.app_context():
        admin_id = conftest.user_named("admin1").id
    bad = client.post("/live/streamers/new", data={"user_id": "", "platforms": ["tiktok"]})
    assert bad.status_code == 422
    ok = client.post(
        "/live/streamers/new",
        data={"user_id": admin_id, "display_name": "Quản trị", "tiktok_handle": "@QuanTri"},
    )
    assert ok.status_code == 302
    again = client.post("/live/streamers/new", data={"user_id": admin_id})
    assert again.status_code == 422
    edit_url = f"/live/streamers/{world.streamer_ids[0]}/edit"
    edit = client.get(edit_url).get_data(as_text=True)
    assert 'value="Lan Anh"' in edit
    saved = client.post(
        edit_url,
        data={"display_name": "Lan Anh OCOP", "platforms": ["facebook"], "is_active": "y"},
    )
    assert saved.status_code == 302
    listing = client.get("/live/streamers").get_data(as_text=True)
    assert "Lan Anh OCOP" in listing and "Facebook" in listing
    taken = client.post(edit_url, data={"display_name": "Lan", "tiktok_handle": "quantri"})
    assert taken.status_code == 422
    assert "Tên TikTok này đã gắn" in taken.get_data(as_text=True)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_feeds_parse_rotate_and_cancelled(
    client: flask.testing.FlaskClient, auth: conftest.Auth, world: support.World
) -> None:
    login(auth, world)
    sid = create_via_form(client, world)
    client.post(f"/live/sessions/{sid}/slots", data={"product_id": world.product_ids[0]})
    week = client.get("/live/?week=2026-12-05").get_data(as_text=True)
    club_url = re.search(r'value="(http[^"]+\.ics)"', week)
    assert club_url and club_url.group(1)
    club_path = club_url.group(1).split("localhost", 1)[1]
    auth.logout()  # feeds are public: the token is the secret
    first = client.get(club_path)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = parse(first.data)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"live-session-{sid}@ocop-live"
    start = event.decoded("DTSTART")
    assert start.astimezone(UTC) == dt.datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    assert start.strftime("%H:%M") == "20:00"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "NM1" in str(event["DESCRIPTION"]) and "Nước mắm" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == "https://www.tiktok.com/@clbmongcai/live"
    alarms = event.walk("VALARM")
    assert len(alarms) == 1 and str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0].decoded("TRIGGER") == -dt.timedelta(minutes=30)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Asia/Ho_Chi_Minh"
    sequence = int(event["SEQUENCE"])
    second = parse(client.get(club_path).data)
    assert [str(e["UID"]) for e in second.walk("VEVENT")] == [str(event["UID"])]
    # cancel: same UID, STATUS:CANCELLED, SEQUENCE bumped
    login(auth, world)
    client.post(f"/live/sessions/{sid}/status", data={"status": "cancelled"})
    auth.logout()
    cancelled = parse(client.get(club_path).data).walk("VEVENT")[0]
    assert str(cancelled["UID"]) == str(event["UID"])
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) > sequence
    # rotate the seller's own link: the old one is gone
    login(auth, world, "seller")
    mine = client.get("/live/mine").get_data(as_text=True)
    own = re.search(r'value="(http[^"]+\.ics)"', mine)
    assert own
    own_path = own.group(1).split("localhost", 1)[1]
    assert client.get(own_path).status_code == 200
    client.post("/live/feeds/rotate", data={"streamer_id": world.streamer_ids[0]})
    assert client.get(own_path).status_code == 404
    new = re.search(r'value="(http[^"]+\.ics)"', client.get("/live/mine").get_data(as_text=True))
    assert new and new.group(1) != own.group(1)
    assert client.get(new.group(1).split("localhost", 1)[1]).status_code == 200
    # a seller rotates only their own link (no streamer given: theirs), never another's
    client.post("/live/feeds/rotate", data={})
    newest = re.search(r'value="(http[^"]+\.ics)"', client.get("/live/mine").get_data(as_text=True))
    assert newest and newest.group(1) != new.group(1)
    other = client.post("/live/feeds/rotate", data={"streamer_id": world.streamer_ids[1]})
    assert other.status_code == 403
    assert client.get(club_path).status_code == 200
    assert client.get("/live/feeds/not-a-token.ics").status_code == 404
