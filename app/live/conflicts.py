"""Double-booking: a streamer's sessions must be at least the setup buffer apart.

With a buffer of B minutes, two sessions of the same streamer clash when the gap between
them is less than B; with B = 0 they clash when they overlap as half-open intervals (one
ending at 21:00 and the next starting at 21:00 are fine). Cancelled sessions never clash.
The check runs in the database; on PostgreSQL the streamers' rows are locked first
(``SELECT … FOR UPDATE``) so two bookings racing for the same streamer run one after the other.
Every query stays inside the session's club (a club's streamers host only its sessions).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors
from app.live import common
from app.models import live


@dataclasses.dataclass(frozen=True)
class Clash:
    streamer: live.Streamer
    other: live.LiveSession

    def message(self) -> str:
        return _(
            "%(name)s đã có phiên “%(title)s” lúc %(when)s; hai phiên phải cách nhau ít nhất "
            "thời gian chuẩn bị.",
            name=self.streamer.display_name,
            title=self.other.title,
            when=common.local_label(self.other.starts_at),
        )


def lock_streamers(session: so.Session, club_id: int, streamer_ids: Iterable[int]) -> None:
    """Serialise bookings per streamer (PostgreSQL row locks; SQLite writes are serial)."""
    ids = sorted(set(streamer_ids))
    if not ids:
        return
    session.execute(
        sa.select(live.Streamer.id)
        .where(live.Streamer.club_id == club_id, live.Streamer.id.in_(ids))
        .order_by(live.Streamer.id)
        .with_for_update()
    ).all()


def find(
    session: so.Session,
    club_id: int,
    streamer_ids: Iterable[int],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    buffer_min: int,
    *,
    exclude_session_id: int | None = None,
) -> Clash | None:
    """The club's first session (by start) clashing with [starts_at, ends_at) for these hosts."""
    ids = sorted(set(streamer_ids))
    if not ids:
        return None
    buffer = dt.timedelta(minutes=max(0, buffer_min))
    hosts = live.session_hosts
    stmt = (
        sa.select(live.LiveSession, hosts.c.streamer_id)
        .join(hosts, hosts.c.session_id == live.LiveSession.id)
        .where(
            live.LiveSession.club_id == club_id,
            hosts.c.streamer_id.in_(ids),
            live.LiveSession.status != live.SessionStatus.CANCELLED,
            # gap < buffer on either side (buffer 0: half-open overlap)
            live.LiveSession.starts_at < ends_at + buffer,
            live.LiveSession.ends_at > starts_at - buffer,
        )
        .order_by(live.LiveSession.starts_at, live.LiveSession.id, hosts.c.streamer_id)
        .limit(1)
    )
    if exclude_session_id is not None:
        stmt = stmt.where(live.LiveSession.id != exclude_session_id)
    row = session.execute(stmt).first()
    if row is None:
        return None
    other, streamer_id = row
    streamer = session.get(live.Streamer, streamer_id)
    assert streamer is not None
    return Clash(streamer=streamer, other=other)


def check(session: so.Session, row: live.LiveSession, buffer_min: int) -> None:
    """Lock the session's streamers, then raise Conflict (409) naming the other session when
    ``row`` (stored, or about to be added) clashes with one; a cancelled session never does.

    The caller owns the transaction: it commits after writing, which releases the locks.
    """
    if row.status == live.SessionStatus.CANCELLED:
        return
    ids = [host.id for host in row.hosts]
    lock_streamers(session, row.club_id, ids)
    clash = find(
        session,
        row.club_id,
        ids,
        row.starts_at,
        row.ends_at,
        buffer_min,
        exclude_session_id=row.id,
    )
    if clash is None:
        return
    message = clash.message()
    raise errors.Conflict(
        message,
        fields={
            "host_ids": [message],
            "conflict_session_id": [str(clash.other.id)],
            "conflict_session_title": [clash.other.title],
            "conflict_session_starts_at": [clash.other.starts_at.isoformat()],
            "conflict_streamer_id": [str(clash.streamer.id)],
        },
    )
