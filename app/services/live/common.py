"""Shared bits of the livestream services: the user's club, local time, object look-ups."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import errors, formatting
from app.models import accounts, live, orgs

LOCAL_TZ = formatting.LOCAL_TZ


def club_id_for(session: so.Session, user: accounts.User) -> int:
    """The club a user plans for: their own, or (an admin without one) the first club."""
    if user.club_id is not None:
        return int(user.club_id)
    club_id = session.scalar(sa.select(orgs.Club.id).order_by(orgs.Club.id).limit(1))
    if club_id is None:
        raise errors.ValidationError(_("Chưa có câu lạc bộ nào."))
    return int(club_id)


def local_to_utc(day: dt.date, time: dt.time) -> dt.datetime:
    """A wall-clock date and time in Asia/Ho_Chi_Minh as an aware UTC datetime."""
    return dt.datetime.combine(day, time.replace(tzinfo=None), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_TZ)


def local_label(value: dt.datetime) -> str:
    """'20:00 05/12/2026' — how a session's time is named in messages."""
    return formatting.local_datetime(value, "%H:%M %d/%m/%Y")


def get_session(session: so.Session, club_id: int, session_id: int) -> live.LiveSession:
    row = session.get(live.LiveSession, session_id)
    if row is None or row.club_id != club_id:
        raise errors.NotFound(_("Không tìm thấy phiên livestream."))
    return row


def get_streamer(session: so.Session, club_id: int, streamer_id: int) -> live.Streamer:
    row = session.get(live.Streamer, streamer_id)
    if row is None or row.club_id != club_id:
        raise errors.NotFound(_("Không tìm thấy người livestream."))
    return row


def streamer_of(session: so.Session, user: accounts.User) -> live.Streamer | None:
    """The streamer profile linked to a user account, if any."""
    return session.scalar(sa.select(live.Streamer).where(live.Streamer.user_id == user.id))


def is_planner(user: accounts.User) -> bool:
    return user.role in (accounts.Role.ADMIN, accounts.Role.COORDINATOR)


def can_host_view(session: so.Session, user: accounts.User, row: live.LiveSession) -> bool:
    """Planners see every session of their club; a seller only the sessions they host."""
    if is_planner(user):
        return True
    mine = streamer_of(session, user)
    return mine is not None and any(h.id == mine.id for h in row.hosts)
