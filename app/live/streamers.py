"""Streamers: club members who host livestreams, linked to their user accounts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, tenancy, uow, validators
from app.live import common
from app.models import accounts, channels, live
from vietnam import text

PLATFORMS = tuple(p.value for p in live.Platform)
_HANDLE = re.compile(r"[A-Za-z0-9._]{1,64}")


def list_streamers(
    session: so.Session, clubs: common.Clubs, *, active_only: bool = False
) -> list[live.Streamer]:
    """Streamers of one club (an id) or of every club a scope reaches, by name."""
    stmt = (
        sa.select(live.Streamer)
        .where(common.club_clause(clubs, live.Streamer.club_id))
        .options(so.selectinload(live.Streamer.club), so.selectinload(live.Streamer.user))
    )
    if active_only:
        stmt = stmt.where(live.Streamer.is_active.is_(True))
    return list(session.scalars(stmt.order_by(live.Streamer.display_name, live.Streamer.id)))


def _member_clause(club_id: int) -> sa.ColumnElement[bool]:
    """Accounts that may host for a club: its coordinators and sellers, and the admins whose
    working club it is."""
    return sa.and_(
        accounts.User.club_id == club_id,
        accounts.User.role.in_([*accounts.CLUB_ROLES, accounts.Role.ADMIN]),
    )


def candidate_users(session: so.Session, club_id: int) -> list[accounts.User]:
    """The club's members who have no streamer profile yet."""
    taken = sa.select(live.Streamer.user_id)
    stmt = (
        sa.select(accounts.User)
        .where(
            _member_clause(club_id),
            accounts.User.is_active_account.is_(True),
            accounts.User.id.not_in(taken),
        )
        .order_by(accounts.User.full_name)
    )
    return list(session.scalars(stmt))


def club_accounts(session: so.Session, club_id: int) -> list[channels.ChannelAccount]:
    """The club's channel accounts (shops), for the streamer and session forms."""
    return list(
        session.scalars(
            sa.select(channels.ChannelAccount)
            .where(channels.ChannelAccount.club_id == club_id)
            .order_by(channels.ChannelAccount.marketplace, channels.ChannelAccount.name)
        )
    )


def _clean(session: so.Session, club_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if "display_name" in data:
        out["display_name"] = common.clean_line(
            data.get("display_name"),
            "display_name",
            fields,
            max_length=120,
            required=_("Nhập tên hiển thị."),
        )
    if "platforms" in data:
        platforms = [str(p) for p in (data.get("platforms") or [])]
        bad = [p for p in platforms if p not in PLATFORMS]
        if bad:
            fields["platforms"] = [_("Nền tảng không hợp lệ: %(p)s", p=", ".join(bad))]
        out["platforms"] = sorted(set(platforms), key=PLATFORMS.index)
    if "tiktok_handle" in data:
        handle = text.nfc(str(data.get("tiktok_handle") or "")).lstrip("@")
        if handle and not _HANDLE.fullmatch(handle):
            fields["tiktok_handle"] = [_("Tên TikTok chỉ gồm chữ, số, dấu chấm và gạch dưới.")]
        out["tiktok_handle"] = handle.lower() or None
    if "channel_account_ids" in data:
        raw_ids = data.get("channel_account_ids") or []
        ids = {validators.parse_id(i) for i in raw_ids} if isinstance(raw_ids, list) else {None}
        found = [a for a in club_accounts(session, club_id) if a.id in ids]
        if len(found) != len(ids):
            fields["channel_account_ids"] = [_("Có tài khoản kênh không thuộc câu lạc bộ.")]
        out["channel_accounts"] = found
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    if fields:
        raise errors.ValidationError(fields=fields)
    return out


def _handle_free(
    session: so.Session, club_id: int, handle: str | None, streamer_id: int | None
) -> None:
    """TikTok handles identify streamers in the club's order exports: one streamer per
    handle in a club (other clubs' streamers are not looked at)."""
    if not handle:
        return
    stmt = sa.select(live.Streamer.id).where(
        live.Streamer.club_id == club_id, live.Streamer.tiktok_handle == handle
    )
    if streamer_id is not None:
        stmt = stmt.where(live.Streamer.id != streamer_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise errors.ValidationError(
            fields={"tiktok_handle": [_("Tên TikTok này đã gắn với người livestream khác.")]}
        )


@uow.transactional
def create(session: so.Session, user: accounts.User, data: Mapping[str, Any]) -> live.Streamer:
    """Make a member of the user's club a streamer (one profile per user account)."""
    scope = tenancy.scope_for(session, user)
    club_id = common.home_club(session, scope)
    member_id = validators.parse_id(data.get("user_id"))
    member = (
        session.scalar(
            sa.select(accounts.User).where(accounts.User.id == member_id, _member_clause(club_id))
        )
        if member_id is not None
        else None
    )
    if member is None:
        raise errors.ValidationError(fields={"user_id": [_("Chọn một thành viên của câu lạc bộ.")]})
    values = {"display_name": member.full_name, "platforms": [], **data}
    cleaned = _clean(session, club_id, values)
    _handle_free(session, club_id, cleaned.get("tiktok_handle"), None)
    if session.scalar(sa.select(live.Streamer.id).where(live.Streamer.user_id == member.id)):
        raise errors.Conflict(
            _("Tài khoản này đã là người livestream."),
            fields={"user_id": [_("Tài khoản này đã là người livestream.")]},
        )
    streamer = live.Streamer(user_id=member.id, club_id=club_id, **cleaned)
    session.add(streamer)
    try:
        session.flush()
    except sqlalchemy.exc.IntegrityError:
        raise errors.Conflict(
            _("Tài khoản này đã là người livestream."),
            fields={"user_id": [_("Tài khoản này đã là người livestream.")]},
        ) from None
    return streamer


@uow.transactional
def update(
    session: so.Session, user: accounts.User, streamer_id: int, data: Mapping[str, Any]
) -> live.Streamer:
    """Edit a streamer of a club the user reaches (its channel accounts stay that club's)."""
    scope = tenancy.scope_for(session, user)
    streamer = common.get_streamer(session, scope, streamer_id)
    scope.check_writable()
    cleaned = _clean(session, streamer.club_id, data)
    _handle_free(session, streamer.club_id, cleaned.get("tiktok_handle"), streamer.id)
    for key, value in cleaned.items():
        setattr(streamer, key, value)
    return streamer


def get(session: so.Session, user: accounts.User, streamer_id: int) -> live.Streamer:
    return common.get_streamer(session, tenancy.scope_for(session, user), streamer_id)


def by_tiktok_handle(session: so.Session, handle: str, *, club_id: int) -> live.Streamer | None:
    """The club's streamer whose TikTok handle matches (TikTok exports' Creator Handle)."""
    cleaned = text.nfc(handle or "").lstrip("@").lower()
    if not cleaned:
        return None
    return session.scalar(
        sa.select(live.Streamer).where(
            live.Streamer.club_id == club_id, live.Streamer.tiktok_handle == cleaned
        )
    )
