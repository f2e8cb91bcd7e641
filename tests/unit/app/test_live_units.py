"""Livestream helpers without a database: local time conversion, comment codes, durations,
iCalendar export of in-memory sessions (parsed back with ``icalendar``), config keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import flask
import flask_babel
import icalendar
import pytest

from app import config
from app.live import calendar, common, slots
from app.models import catalog, live

UTC = dt.UTC


@pytest.fixture
def ctx() -> Iterator[flask.Flask]:
    """An app context for gettext (messages are Vietnamese by default)."""
    app = flask.Flask(__name__)
    flask_babel.Babel(app)
    with app.app_context():
        yield app


@pytest.mark.parametrize(
    ("day", "time", "expected"),
    [
        (dt.date(2026, 12, 5), dt.time(20, 0), dt.datetime(2026, 12, 5, 13, 0, tzinfo=UTC)),
        (dt.date(2026, 12, 6), dt.time(3, 30), dt.datetime(2026, 12, 5, 20, 30, tzinfo=UTC)),
    ],
)
def test_local_to_utc_and_back(day: dt.date, time: dt.time, expected: dt.datetime) -> None:
    assert common.local_to_utc(day, time) == expected
    back = common.to_local(expected)
    assert (back.date(), back.time()) == (day, time)


@pytest.mark.parametrize(
    ("raw", "code"),
    [(" nm-1 ", "NM1"), ("Mắm tôm 2", "MAMTOM2"), ("đặc sản", "DACSAN"), ("x" * 30, "X" * 16)],
)
def test_normalise_code(raw: str, code: str) -> None:
    assert slots.normalise_code(raw) == code


def test_suggest_code_skips_taken() -> None:
    assert slots.suggest_code("Nước mắm cá cơm", set()) == "NM1"
    assert slots.suggest_code("Nước mắm cá cơm", {"NM1"}) == "NM2"
    assert slots.suggest_code("Chè", set()) == "C1"


@pytest.mark.parametrize(
    ("raw", "seconds"), [("12", 720), ("12:30", 750), ("0:45", 45), (90, 90), ("", None)]
)
def test_parse_duration(raw: object, seconds: int | None) -> None:
    fields: dict[str, list[str]] = {}
    assert slots.parse_duration(raw, "length", fields) == seconds
    assert fields == {}


def test_parse_duration_rejects_garbage(ctx: flask.Flask) -> None:
    fields: dict[str, list[str]] = {}
    assert slots.parse_duration("12:75", "length", fields) is None
    assert "length" in fields


def test_clock_label() -> None:
    assert slots.clock_label(750) == "12:30"
    assert slots.clock_label(3900) == "1:05:00"


def _session(status: live.SessionStatus = live.SessionStatus.PLANNED) -> live.LiveSession:
    product = catalog.Product(name="Nước mắm Trà Cổ", min_price=95_000)
    row = live.LiveSession(
        id=42,
        title="Chợ phiên",
        platform="tiktok",
        starts_at=dt.datetime(2026, 12, 5, 13, 0, tzinfo=UTC),
        ends_at=dt.datetime(2026, 12, 5, 14, 30, tzinfo=UTC),
        status=status,
        sequence=3,
        live_url="https://example.vn/live",
        updated_at=dt.datetime(2026, 11, 29, 1, 0, tzinfo=UTC),
    )
    row.slots = [
        live.LiveSlot(
            product=product, start_offset_s=600, length_s=900, live_price=79_000, code="NM1"
        )
    ]
    return row


def test_ics_event_fields_round_trip() -> None:
    data = calendar.export([_session()], name="Lịch", host="ocop.example.vn", reminder_min=15)
    cal = icalendar.Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == "live-session-42@ocop.example.vn"
    assert event.decoded("DTSTART") == dt.datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    assert event.decoded("DTEND").astimezone(UTC).hour == 14
    assert event.decoded("DTSTAMP") == dt.datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert int(event["SEQUENCE"]) == 3 and str(event["STATUS"]) == "CONFIRMED"
    assert "20:10 [NM1] Nước mắm Trà Cổ — 79.000 ₫" in str(event["DESCRIPTION"])
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15)
    assert b"TZID=Asia/Ho_Chi_Minh" in data and b"BEGIN:VTIMEZONE" in data
    # stable across exports
    assert data == calendar.export(
        [_session()], name="Lịch", host="ocop.example.vn", reminder_min=15
    )


def test_ics_cancelled_has_no_alarm() -> None:
    data = calendar.export(
        [_session(live.SessionStatus.CANCELLED)], name="x", host="h", reminder_min=30
    )
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and event.walk("VALARM") == []


def test_uid_host_from_public_base_url() -> None:
    assert calendar.uid_host({"PUBLIC_BASE_URL": "https://ocop.example.vn"}) == "ocop.example.vn"
    assert calendar.uid_host({}) == "ocop-live"


def test_config_keys(tmp_path: Path) -> None:
    defaults = config.from_env({"APP_ENV": "development"}, tmp_path)
    assert (defaults["LIVE_SETUP_BUFFER_MIN"], defaults["LIVE_REMINDER_MIN"]) == (30, 30)
    zero = config.from_env({"APP_ENV": "development", "LIVE_SETUP_BUFFER_MIN": "0"}, tmp_path)
    assert zero["LIVE_SETUP_BUFFER_MIN"] == 0
    with pytest.raises(config.ConfigError, match="LIVE_REMINDER_MIN"):
        config.from_env({"APP_ENV": "development", "LIVE_REMINDER_MIN": "-1"}, tmp_path)
