"""Shared bits of the livestream services: the club scope, local time, object look-ups.

Which clubs a user reaches is decided by ``app.tenancy`` alone; these helpers only apply it
to livestream rows: another club's session or streamer answers 404, lists keep the scope's
clubs, and new rows go to ``scope.home_club()``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, formatting, tenancy, validators
from app.core.text import has_controls
from app.models import accounts, live, orgs
from vietnam import text

LOCAL_TZ = formatting.LOCAL_TZ
NOTES_MAX = 10_000  # notes, talking points

# Either the clubs a scope reaches or one club by id (a session's own, a feed's).
Clubs = tenancy.Scope | int


def club_clause(clubs: Clubs, column: Any) -> sa.ColumnElement[bool]:
    """WHERE ``column`` (a club id) is one of ``clubs``."""
    if isinstance(clubs, tenancy.Scope):
        return clubs.club_filter(column)
    return column == clubs


def shows_club(session: so.Session, scope: tenancy.Scope) -> bool:
    """True when the scope reaches several clubs, so rows are labelled with their club."""
    if scope.club_ids is not None:
        return len(scope.club_ids) > 1
    count = session.scalar(sa.select(sa.func.count()).select_from(orgs.Club))
    return int(count or 0) > 1


def writable_club(session: so.Session, scope: tenancy.Scope, club_id: int) -> int:
    """A club new livestream rows may go to: in scope, writable, not archived."""
    scope.check_writable()
    scope.check(club_id)
    club = session.get(orgs.Club, club_id)
    if club is None:
        raise errors.NotFound()
    if club.archived_at is not None:
        raise errors.ValidationError(
            _("Câu lạc bộ “%(name)s” đã lưu trữ, không tạo thêm được.", name=club.name)
        )
    return club_id


def home_club(session: so.Session, scope: tenancy.Scope) -> int:
    """The club a user's new sessions, streamers and feeds go to (NoClub, 422, when none)."""
    return writable_club(session, scope, scope.home_club())


def clean_line(
    raw: Any, name: str, fields: dict[str, list[str]], *, max_length: int, required: str
) -> str:
    """One line of text (a title): NFC, no control characters, within ``max_length``."""
    value = text.nfc(str(raw or ""))
    if not value:
        fields[name] = [required]
    elif has_controls(value):
        fields[name] = [_("Không được chứa ký tự điều khiển (xuống dòng, tab…).")]
    elif len(value) > max_length:
        fields[name] = [_("Tối đa %(n)d ký tự.", n=max_length)]
    return value


def clean_notes(raw: Any, name: str, fields: dict[str, list[str]]) -> str | None:
    """Free text that may run over several lines (notes, talking points)."""
    value = text.nfc(str(raw or "")).replace("\r\n", "\n").replace("\r", "\n")
    if has_controls(value, allow_newlines=True):
        fields[name] = [_("Không được chứa ký tự điều khiển.")]
    elif len(value) > NOTES_MAX:
        fields[name] = [_("Tối đa %(n)d ký tự.", n=NOTES_MAX)]
    return value or None


def date_problem(value: dt.date) -> str | None:
    """``validators.business_date_problem`` for a livestream's day or time. A naive time is a
    wall-clock time in Vietnam (a form's, or an API value without an offset), not UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)  # no arithmetic: safe in year 1 or 9999
    return validators.business_date_problem(value)


def local_to_utc(day: dt.date, time: dt.time) -> dt.datetime:
    """A wall-clock date and time in Asia/Ho_Chi_Minh as an aware UTC datetime."""
    return dt.datetime.combine(day, time.replace(tzinfo=None), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def to_local(value: dt.datetime) -> dt.datetime:
    """A stored time in Vietnam's zone; one at the very end of the calendar (a stored year
    9999) cannot be moved there and is given back in UTC rather than failing the page."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(LOCAL_TZ)
    except OverflowError:
        return value


def after(value: dt.datetime, seconds: int) -> dt.datetime:
    """``value`` plus ``seconds``, held at the calendar's end instead of overflowing."""
    try:
        return value + dt.timedelta(seconds=seconds)
    except OverflowError:
        edge = dt.datetime.max if seconds > 0 else dt.datetime.min
        return edge.replace(tzinfo=value.tzinfo)


def local_label(value: dt.datetime) -> str:
    """'20:00 05/12/2026' — how a session's time is named in messages."""
    return formatting.local_datetime(value, "%H:%M %d/%m/%Y")


def get_session(session: so.Session, scope: tenancy.Scope, session_id: int) -> live.LiveSession:
    """A session of a club the scope reaches; any other id answers 404."""
    message = _("Không tìm thấy phiên livestream.")
    return scope.find(session, live.LiveSession, session_id, message)


def get_streamer(session: so.Session, scope: tenancy.Scope, streamer_id: int) -> live.Streamer:
    """A streamer of a club the scope reaches; any other id answers 404."""
    message = _("Không tìm thấy người livestream.")
    return scope.find(session, live.Streamer, streamer_id, message)


def streamer_of(
    session: so.Session, user: accounts.User, scope: tenancy.Scope | None = None
) -> live.Streamer | None:
    """The streamer profile linked to a user account, if any (and, given a scope, in it)."""
    row = session.scalar(sa.select(live.Streamer).where(live.Streamer.user_id == user.id))
    if row is not None and scope is not None and not scope.sees_club(row.club_id):
        return None
    return row


def is_planner(user: accounts.User) -> bool:
    return user.role in (accounts.Role.ADMIN, accounts.Role.COORDINATOR)


def can_host_view(session: so.Session, user: accounts.User, row: live.LiveSession) -> bool:
    """Planners see every session in their scope; a seller only the sessions they host."""
    if is_planner(user):
        return True
    mine = streamer_of(session, user)
    return mine is not None and any(h.id == mine.id for h in row.hosts)
