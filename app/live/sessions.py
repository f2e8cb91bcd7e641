"""Livestream sessions: create, edit, status changes, duplicate, and the calendar queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, links, tenancy, uow, validators
from app.live import capture, common, conflicts
from app.models import accounts, channels, live
from vietnam import text

Status = live.SessionStatus

# status → statuses it may move to
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PLANNED: frozenset({Status.LIVE, Status.ENDED, Status.CANCELLED}),
    Status.LIVE: frozenset({Status.ENDED}),
    Status.ENDED: frozenset(),
    Status.CANCELLED: frozenset({Status.PLANNED}),
}
MAX_LENGTH = dt.timedelta(hours=24)
TITLE_MAX = 200
MAX_HOSTS = 20


def _aware(value: Any, name: str, fields: dict[str, list[str]]) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            fields[name] = [_("Thời gian không hợp lệ.")]
            return None
    if not isinstance(value, dt.datetime):
        fields[name] = [_("Nhập thời gian.")]
        return None
    # Checked before any time zone arithmetic: year 1 or 9999 cannot be moved between zones.
    problem = common.date_problem(value)
    if problem:
        fields[name] = [problem]
        return None
    if value.tzinfo is None:  # a wall-clock time: Vietnam's
        value = value.replace(tzinfo=common.LOCAL_TZ)
    return value.astimezone(dt.UTC)


def clean_url(raw: Any, fields: dict[str, list[str]], name: str = "live_url") -> str | None:
    """The livestream's address: the app's one link check (https only in production)."""
    value = text.nfc(str(raw or ""))
    if not value:
        return None
    problem = links.url_problem(value, https_only=links.https_only())
    if problem:
        fields[name] = [problem]
        return None
    return value


def _ids(raw: Any, name: str, fields: dict[str, list[str]], limit: int) -> set[int]:
    values = raw if isinstance(raw, list | tuple | set) else [raw]
    ids = {validators.parse_id(v) for v in values if v not in (None, "")}
    if None in ids:
        fields[name] = [_("Mã không hợp lệ.")]
        return set()
    if len(ids) > limit:
        fields[name] = [_("Tối đa %(n)d.", n=limit)]
        return set()
    return {i for i in ids if i is not None}


def _clean(
    session: so.Session, club_id: int, data: Mapping[str, Any], current: live.LiveSession | None
) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if "title" in data or current is None:
        out["title"] = common.clean_line(
            data.get("title"), "title", fields, max_length=TITLE_MAX, required=_("Nhập tên phiên.")
        )
    if "platform" in data or current is None:
        platform = str(data.get("platform") or "")
        if platform not in {p.value for p in live.Platform}:
            fields["platform"] = [_("Chọn nền tảng.")]
        out["platform"] = platform
    if "channel_account_id" in data:
        account_id = data.get("channel_account_id")
        if account_id in (None, "", 0):
            out["channel_account_id"] = None
        else:
            found = validators.parse_id(account_id)
            account = session.get(channels.ChannelAccount, found) if found else None
            if account is None or account.club_id != club_id:
                fields["channel_account_id"] = [_("Tài khoản kênh không thuộc câu lạc bộ.")]
            else:
                out["channel_account_id"] = account.id
    for name in ("starts_at", "ends_at"):
        if name in data or current is None:
            value = _aware(data.get(name), name, fields)
            if value is not None:
                out[name] = value
    starts = out.get("starts_at", current.starts_at if current else None)
    ends = out.get("ends_at", current.ends_at if current else None)
    if starts and ends and "starts_at" not in fields and "ends_at" not in fields:
        if ends <= starts:
            fields["ends_at"] = [_("Giờ kết thúc phải sau giờ bắt đầu.")]
        elif ends - starts > MAX_LENGTH:
            fields["ends_at"] = [_("Một phiên dài tối đa 24 giờ.")]
    if "host_ids" in data or current is None:
        ids = _ids(data.get("host_ids") or [], "host_ids", fields, MAX_HOSTS)
        hosts = (
            list(
                session.scalars(
                    sa.select(live.Streamer).where(
                        live.Streamer.id.in_(ids), live.Streamer.club_id == club_id
                    )
                )
            )
            if ids
            else []
        )
        if len(hosts) != len(ids):
            fields["host_ids"] = [_("Có người dẫn không thuộc câu lạc bộ.")]
        out["hosts"] = hosts
    if "notes" in data:
        out["notes"] = common.clean_notes(data.get("notes"), "notes", fields)
    if "live_url" in data:
        out["live_url"] = clean_url(data.get("live_url"), fields)
    if fields:
        raise errors.ValidationError(fields=fields)
    return out


def _slots_fit(row: live.LiveSession) -> None:
    """Editing times must not leave slots running past the session's end."""
    length = int((row.ends_at - row.starts_at).total_seconds())
    over = max((slot.end_offset_s - length for slot in row.slots), default=0)
    if over > 0:
        raise errors.ValidationError(
            fields={
                "ends_at": [
                    _(
                        "Kịch bản sản phẩm dài hơn phiên %(over)s; rút ngắn các mục trước.",
                        over=duration_label(over),
                    )
                ]
            }
        )


def duration_label(seconds: int) -> str:
    """90 → '1 phút 30 giây', 3600 → '60 phút'."""
    minutes, secs = divmod(abs(int(seconds)), 60)
    if secs and minutes:
        return _("%(m)d phút %(s)d giây", m=minutes, s=secs)
    if secs:
        return _("%(s)d giây", s=secs)
    return _("%(m)d phút", m=minutes)


def create(
    session: so.Session, user: accounts.User, data: Mapping[str, Any], *, buffer_min: int
) -> live.LiveSession:
    """Plan a session in the user's club; refused (409) when a host is already booked too
    close to it. Hosts and the shop must be that club's."""
    club_id = common.home_club(session, tenancy.scope_for(session, user))
    cleaned = _clean(session, club_id, data, None)
    row = live.LiveSession(club_id=club_id, created_by_id=user.id, status=Status.PLANNED)
    for key, value in cleaned.items():
        setattr(row, key, value)
    with uow.unit_of_work(session):
        conflicts.check(session, row, buffer_min)
        session.add(row)
    return row


def update(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    data: Mapping[str, Any],
    *,
    buffer_min: int,
) -> live.LiveSession:
    """Edit a session in its own club; moving it or changing its hosts is conflict-checked
    again."""
    row = _writable(session, user, session_id)
    if row.status == Status.ENDED:
        raise errors.Conflict(_("Phiên đã kết thúc, không sửa được."))
    cleaned = _clean(session, row.club_id, data, row)
    with uow.unit_of_work(session):
        with session.no_autoflush:
            for key, value in cleaned.items():
                setattr(row, key, value)
            _slots_fit(row)
            if {"starts_at", "ends_at", "hosts"} & cleaned.keys():
                conflicts.check(session, row, buffer_min)
        row.sequence += 1
    return row


def set_status(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    status: str,
    *,
    buffer_min: int,
) -> live.LiveSession:
    """Move along planned → live → ended, or cancel; un-cancelling is conflict-checked."""
    row = _writable(session, user, session_id)
    try:
        target = Status(status)
    except ValueError:
        raise errors.ValidationError(fields={"status": [_("Trạng thái không hợp lệ.")]}) from None
    if target == row.status:
        return row
    if target not in TRANSITIONS[row.status]:
        raise errors.Conflict(
            _(
                "Không thể chuyển từ “%(a)s” sang “%(b)s”.",
                a=status_label(row.status),
                b=status_label(target),
            ),
            fields={"status": [_("Chuyển trạng thái không hợp lệ.")]},
        )
    with uow.unit_of_work(session):
        previous = row.status
        row.status = target
        if previous == Status.CANCELLED:
            conflicts.check(session, row, buffer_min)
        row.sequence += 1
    capture.follow_session(session, user, row)  # on air: read its comments; over: stop
    return row


def duplicate(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    *,
    days: int = 7,
    starts_at: dt.datetime | None = None,
    buffer_min: int,
) -> live.LiveSession:
    """Copy a session (title, platform, hosts, notes, run-of-show) to a later date, in the
    session's own club."""
    scope = tenancy.scope_for(session, user)
    source = common.get_session(session, scope, session_id)
    club_id = common.writable_club(session, scope, source.club_id)
    if starts_at is None:
        if not -366 <= int(days) <= 366 or int(days) == 0:
            raise errors.ValidationError(fields={"days": [_("Số ngày từ 1 đến 366.")]})
        shift, field = dt.timedelta(days=int(days)), "days"
    else:
        problem = common.date_problem(starts_at)
        if problem:
            raise errors.ValidationError(fields={"starts_at": [problem]})
        if starts_at.tzinfo is None:
            starts_at = starts_at.replace(tzinfo=common.LOCAL_TZ)
        shift, field = starts_at.astimezone(dt.UTC) - source.starts_at, "starts_at"
    try:
        new_start, new_end = source.starts_at + shift, source.ends_at + shift
    except OverflowError:  # a stored session at the calendar's edge
        new_start = new_end = dt.datetime.min.replace(tzinfo=dt.UTC)
    problem = common.date_problem(new_start) or common.date_problem(new_end)
    if problem:
        raise errors.ValidationError(fields={field: [problem]})
    copy = live.LiveSession(
        club_id=club_id,
        title=source.title,
        platform=source.platform,
        channel_account_id=source.channel_account_id,
        starts_at=new_start,
        ends_at=new_end,
        status=Status.PLANNED,
        notes=source.notes,
        live_url=None,
        created_by_id=user.id,
        hosts=list(source.hosts),
    )
    for slot in source.slots:
        copy.slots.append(
            live.LiveSlot(
                position=slot.position,
                product_id=slot.product_id,
                variant_id=slot.variant_id,
                start_offset_s=slot.start_offset_s,
                length_s=slot.length_s,
                live_price=slot.live_price,
                code=slot.code,
                talking_points=slot.talking_points,
            )
        )
    with uow.unit_of_work(session):
        with session.no_autoflush:
            conflicts.check(session, copy, buffer_min)
        session.add(copy)
    return copy


@uow.transactional
def delete(session: so.Session, user: accounts.User, session_id: int) -> None:
    """Remove a planned or cancelled session (a held one stays, for the records)."""
    row = _writable(session, user, session_id)
    if row.status in (Status.LIVE, Status.ENDED):
        raise errors.Conflict(_("Phiên đã diễn ra, không xoá được; hãy để lại làm hồ sơ."))
    session.delete(row)


def get(session: so.Session, user: accounts.User, session_id: int) -> live.LiveSession:
    """A session of a club the user reaches (404 otherwise)."""
    return common.get_session(session, tenancy.scope_for(session, user), session_id)


def _writable(session: so.Session, user: accounts.User, session_id: int) -> live.LiveSession:
    """A session the user may change: in scope (404 otherwise), and a scope that writes."""
    scope = tenancy.scope_for(session, user)
    row = common.get_session(session, scope, session_id)
    scope.check_writable()
    return row


def get_for_host(session: so.Session, user: accounts.User, session_id: int) -> live.LiveSession:
    """A session its host (or a planner) may see; others get 404."""
    row = get(session, user, session_id)
    if not common.can_host_view(session, user, row):
        raise errors.NotFound(_("Không tìm thấy phiên livestream."))
    return row


def range_query(
    clubs: common.Clubs,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    *,
    streamer_id: int | None = None,
    status: str | None = None,
) -> sa.Select[live.LiveSession]:
    """Sessions of one club (an id) or of a scope's clubs overlapping [start, end), by start
    time."""
    stmt = sa.select(live.LiveSession).where(common.club_clause(clubs, live.LiveSession.club_id))
    if start is not None:
        stmt = stmt.where(live.LiveSession.ends_at > start)
    if end is not None:
        stmt = stmt.where(live.LiveSession.starts_at < end)
    if streamer_id is not None:
        hosts = live.session_hosts
        stmt = stmt.where(
            live.LiveSession.id.in_(
                sa.select(hosts.c.session_id).where(hosts.c.streamer_id == streamer_id)
            )
        )
    if status:
        stmt = stmt.where(live.LiveSession.status == status)
    return stmt.order_by(live.LiveSession.starts_at, live.LiveSession.id)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week(
    session: so.Session, clubs: common.Clubs, monday: dt.date, *, streamer_id: int | None = None
) -> list[tuple[dt.date, list[live.LiveSession]]]:
    """Monday–Sunday in local time, each day with the sessions starting on it."""
    monday = week_start(monday)
    start = common.local_to_utc(monday, dt.time(0, 0))
    end = common.local_to_utc(monday + dt.timedelta(days=7), dt.time(0, 0))
    stmt = range_query(clubs, start, end, streamer_id=streamer_id).options(
        so.selectinload(live.LiveSession.hosts), so.selectinload(live.LiveSession.club)
    )
    rows = list(session.scalars(stmt))
    days: list[tuple[dt.date, list[live.LiveSession]]] = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        days.append((day, [r for r in rows if common.to_local(r.starts_at).date() == day]))
    return days


def upcoming_for_streamer(
    session: so.Session, streamer: live.Streamer, now: dt.datetime, *, days_back: int = 1
) -> list[live.LiveSession]:
    return list(
        session.scalars(
            range_query(
                streamer.club_id, now - dt.timedelta(days=days_back), None, streamer_id=streamer.id
            )
        )
    )


def status_label(status: Status | str) -> str:
    labels = {
        Status.PLANNED: _("Đã lên lịch"),
        Status.LIVE: _("Đang live"),
        Status.ENDED: _("Đã kết thúc"),
        Status.CANCELLED: _("Đã huỷ"),
    }
    return labels.get(Status(status), str(status))


def platform_label(platform: str) -> str:
    labels = {
        "tiktok": "TikTok",
        "facebook": "Facebook",
        "shopee": "Shopee",
        "youtube": "YouTube",
        "zalo": "Zalo",
        "lazada": "Lazada",
        "other": _("Khác"),
    }
    return labels.get(platform, platform)
