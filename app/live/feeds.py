"""Secret calendar links: one for the whole club, one per streamer; rotating kills the old one.

A club's link lists that club's sessions only, a streamer's link their own; the public
``/live/feeds/<token>.ics`` route finds the feed by its token alone.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock as clock_mod
from app.core import errors, tenancy, uow
from app.live import common
from app.models import accounts, live


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _find(session: so.Session, club_id: int, streamer_id: int | None) -> live.LiveFeed | None:
    stmt = sa.select(live.LiveFeed).where(live.LiveFeed.club_id == club_id)
    if streamer_id is None:
        stmt = stmt.where(live.LiveFeed.streamer_id.is_(None))
    else:
        stmt = stmt.where(live.LiveFeed.streamer_id == streamer_id)
    return session.scalars(stmt.order_by(live.LiveFeed.id)).first()


def _owner(
    session: so.Session, user: accounts.User, streamer_id: int | None
) -> tuple[int, int | None]:
    """(club, streamer) whose feed a user may manage: planners a streamer of a club they reach
    or (None) their home club's; a seller only their own (None means theirs too)."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    if streamer_id is not None:
        streamer = common.get_streamer(session, scope, streamer_id)
        if not common.is_planner(user) and streamer.user_id != user.id:
            raise errors.Forbidden()
        return streamer.club_id, streamer.id
    if common.is_planner(user):
        return common.home_club(session, scope), None
    # A seller's "the feed" is their own schedule's.
    mine = common.streamer_of(session, user, scope)
    if mine is None:
        raise errors.NotFound(_("Tài khoản của bạn chưa là người livestream."))
    return mine.club_id, mine.id


def ensure(session: so.Session, user: accounts.User, streamer_id: int | None) -> live.LiveFeed:
    """The club's (streamer_id None) or a streamer's feed, made on first use."""
    club_id, owner = _owner(session, user, streamer_id)
    feed = _find(session, club_id, owner)
    if feed is None:
        with uow.unit_of_work(session):
            feed = live.LiveFeed(club_id=club_id, streamer_id=owner, token=_new_token())
            session.add(feed)
    return feed


@uow.transactional
def rotate(
    session: so.Session,
    user: accounts.User,
    streamer_id: int | None,
    *,
    clock: clock_mod.Clock,
) -> live.LiveFeed:
    """A new secret link; the old one answers 404 from now on."""
    club_id, owner = _owner(session, user, streamer_id)
    feed = _find(session, club_id, owner)
    if feed is None:
        feed = live.LiveFeed(club_id=club_id, streamer_id=owner, token=_new_token())
        session.add(feed)
    else:
        feed.token = _new_token()
        feed.rotated_at = clock()
    return feed


def by_token(session: so.Session, token: str) -> live.LiveFeed:
    if not token or len(token) > 64:
        raise errors.NotFound(_("Không tìm thấy lịch."))
    feed = session.scalar(sa.select(live.LiveFeed).where(live.LiveFeed.token == token))
    if feed is None:
        raise errors.NotFound(_("Không tìm thấy lịch."))
    return feed
