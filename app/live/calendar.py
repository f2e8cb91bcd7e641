"""iCalendar (RFC 5545) export of sessions, for phones subscribing to a feed link.

Each session is one VEVENT with a stable UID (``live-session-<id>@<host>``), DTSTAMP (its last
change), DTSTART/DTEND with TZID=Asia/Ho_Chi_Minh (and the VTIMEZONE), SUMMARY,
DESCRIPTION (hosts, products with live prices and codes, notes), URL, STATUS
(CANCELLED for cancelled sessions), SEQUENCE (bumped on every change) and a
VALARM DISPLAY reminder.

Rendering never fails on a stored value: every text goes through ``_line`` (one line) or
``_lines`` (description) so no control character reaches the feed (the library escapes
newlines and folds long lines, RFC 5545 §3.1 and §3.3.11), a stored ``live_url`` that fails the
link check is left out, and a time at the calendar's edge (a stored year 9999) is written in
UTC. A session that still cannot be written is skipped and logged, not the whole feed.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

import icalendar
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import formatting, links, text
from app.live import common
from app.live import sessions as sessions_service
from app.models import live

log = logging.getLogger(__name__)

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


def _line(value: str | None) -> str:
    """One line of calendar text: control characters (CR, LF, U+2028…) become spaces."""
    return " ".join("".join(" " if text.has_controls(ch) else ch for ch in (value or "")).split())


def _lines(value: str | None) -> str:
    """Several lines (a description): line breaks kept as LF, other controls dropped."""
    rows = (value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_line(row) for row in rows)


def _url(value: str | None) -> str | None:
    """The stored livestream address, or None when it does not pass the link check."""
    if not value or links.url_problem(value) is not None:
        return None
    return value


def _clock(value: dt.datetime) -> str:
    return common.to_local(value).strftime("%H:%M")


def description(row: live.LiveSession) -> str:
    lines: list[str] = []
    if row.hosts:
        names = ", ".join(_line(h.display_name) for h in row.hosts)
        lines.append(_("Người dẫn: %(names)s", names=names))
    lines.append(_("Nền tảng: %(name)s", name=sessions_service.platform_label(row.platform)))
    if row.slots:
        lines.append("")
        lines.append(_("Sản phẩm:"))
        for slot in row.slots:
            start = common.after(row.starts_at, slot.start_offset_s)
            name = slot.product.name + (f" ({slot.variant.name})" if slot.variant else "")
            lines.append(
                f"{_clock(start)} [{_line(slot.code)}] {_line(name)} — "
                f"{formatting.vnd(slot.live_price)}"
            )
    if row.notes:
        lines.append("")
        lines.append(_lines(row.notes))
    return "\n".join(lines)


def event(row: live.LiveSession, host: str, reminder_min: int) -> icalendar.Event:
    title = _line(row.title)
    ev = icalendar.Event()
    ev.add("uid", uid(row, _line(host)))
    ev.add("dtstamp", row.updated_at.astimezone(dt.UTC))
    ev.add("dtstart", common.to_local(row.starts_at))
    ev.add("dtend", common.to_local(row.ends_at))
    ev.add("summary", title)
    ev.add("description", description(row))
    url = _url(row.live_url)
    if url:
        ev.add("url", url)
    ev.add("status", _STATUS.get(row.status, "CONFIRMED"))
    ev.add("sequence", max(0, int(row.sequence or 0)))
    if reminder_min > 0 and row.status != live.SessionStatus.CANCELLED:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _("Sắp livestream: %(title)s", title=title))
        alarm.add("trigger", dt.timedelta(minutes=-reminder_min))
        ev.add_component(alarm)
    return ev


def export(rows: Iterable[live.LiveSession], *, name: str, host: str, reminder_min: int) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _line(name))
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for row in rows:
        try:
            component = event(row, host, reminder_min)
            component.to_ical()  # fails here, for this session alone, if it cannot be written
        except (ValueError, OverflowError, AssertionError):
            log.warning("live session %s left out of a calendar feed", row.id, exc_info=True)
            continue
        cal.add_component(component)
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
