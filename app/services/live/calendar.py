"""iCalendar (RFC 5545) export of sessions, for phones subscribing to a feed link.

Each session is one VEVENT with a stable UID (``live-session-<id>@<host>``), DTSTAMP (its last
change), DTSTART/DTEND with TZID=Asia/Ho_Chi_Minh (and the VTIMEZONE), SUMMARY,
DESCRIPTION (hosts, products with live prices and codes, notes), URL, STATUS
(CANCELLED for cancelled sessions), SEQUENCE (bumped on every change) and a
VALARM DISPLAY reminder.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

import icalendar
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import formatting
from app.models import live
from app.services.live import common
from app.services.live import sessions as sessions_service

PRODID = "-//OCOP Live//Livestream planning//VI"
# How far back a feed reaches; everything ahead is included.
PAST_DAYS = 30

_STATUS = {
    live.SessionStatus.PLANNED: "CONFIRMED",
    live.SessionStatus.LIVE: "CONFIRMED",
    live.SessionStatus.ENDED: "CONFIRMED",
    live.SessionStatus.CANCELLED: "CANCELLED",
}


def uid_host(config: Mapping[str, Any]) -> str:
    """The UID's right-hand side: the public host name, else the app's name."""
    base = config.get("PUBLIC_BASE_URL")
    if base:
        host = urllib.parse.urlsplit(str(base)).hostname
        if host:
            return host
    return "ocop-live"


def uid(row: live.LiveSession, host: str) -> str:
    return f"live-session-{row.id}@{host}"


def description(row: live.LiveSession) -> str:
    lines: list[str] = []
    if row.hosts:
        lines.append(_("Người dẫn: %(names)s", names=", ".join(h.display_name for h in row.hosts)))
    lines.append(_("Nền tảng: %(name)s", name=sessions_service.platform_label(row.platform)))
    if row.slots:
        lines.append("")
        lines.append(_("Sản phẩm:"))
        for slot in row.slots:
            start = row.starts_at + dt.timedelta(seconds=slot.start_offset_s)
            name = slot.product.name + (f" ({slot.variant.name})" if slot.variant else "")
            lines.append(
                f"{formatting.local_datetime(start, '%H:%M')} [{slot.code}] {name} — "
                f"{formatting.vnd(slot.live_price)}"
            )
    if row.notes:
        lines.append("")
        lines.append(row.notes)
    return "\n".join(lines)


def event(row: live.LiveSession, host: str, reminder_min: int) -> icalendar.Event:
    ev = icalendar.Event()
    ev.add("uid", uid(row, host))
    ev.add("dtstamp", row.updated_at.astimezone(dt.UTC))
    ev.add("dtstart", common.to_local(row.starts_at))
    ev.add("dtend", common.to_local(row.ends_at))
    ev.add("summary", row.title)
    ev.add("description", description(row))
    if row.live_url:
        ev.add("url", row.live_url)
    ev.add("status", _STATUS[row.status])
    ev.add("sequence", row.sequence)
    if reminder_min > 0 and row.status != live.SessionStatus.CANCELLED:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _("Sắp livestream: %(title)s", title=row.title))
        alarm.add("trigger", dt.timedelta(minutes=-reminder_min))
        ev.add_component(alarm)
    return ev


def export(rows: Iterable[live.LiveSession], *, name: str, host: str, reminder_min: int) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for row in rows:
        cal.add_component(event(row, host, reminder_min))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def feed_sessions(
    session: so.Session, feed: live.LiveFeed, now: dt.datetime
) -> list[live.LiveSession]:
    stmt = sessions_service.range_query(
        feed.club_id, now - dt.timedelta(days=PAST_DAYS), None, streamer_id=feed.streamer_id
    )
    return list(session.scalars(stmt.options(so.selectinload(live.LiveSession.hosts))))


def feed_ics(
    session: so.Session,
    feed: live.LiveFeed,
    *,
    now: dt.datetime,
    host: str,
    reminder_min: int,
) -> bytes:
    """The calendar a feed link serves."""
    if feed.streamer is not None:
        name = _("Livestream — %(name)s", name=feed.streamer.display_name)
    else:
        name = _("Livestream — %(name)s", name=feed.club.name)
    return export(
        feed_sessions(session, feed, now), name=name, host=host, reminder_min=reminder_min
    )


def session_ics(
    session: so.Session, row: live.LiveSession, *, host: str, reminder_min: int
) -> bytes:
    """One session as a calendar file (the “add to calendar” download)."""
    del session
    return export([row], name=row.title, host=host, reminder_min=reminder_min)
