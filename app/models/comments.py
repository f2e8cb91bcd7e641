"""Livestream comments: the comment source accounts a club connects, a capture per live
session, and the comments themselves (captured while the stream runs, typed on the desk, or
imported from a log afterwards: the same rows every way).

``(platform, live_id, comment_id)`` is a comment's key: a capture that reads a comment again
(overlapping polls, a restart from its cursor) finds it there and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import accounts, base, live, orders, orgs, types


class SourceStatus(enum.StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"  # its token died: the Page's admin connects it again


class CaptureStatus(enum.StrEnum):
    WAITING = "waiting"  # queued, or the live has not started yet
    RUNNING = "running"
    STOPPED = "stopped"  # stopped by a person (or the session ended)
    ENDED = "ended"  # the platform says the live is over
    FAILED = "failed"  # a refusal retrying will not fix (token, permission, unknown live)

    @property
    def active(self) -> bool:
        return self in (CaptureStatus.WAITING, CaptureStatus.RUNNING)


class CommentOrigin(enum.StrEnum):
    CAPTURE = "capture"  # read from the platform while the stream ran
    MANUAL = "manual"  # typed or pasted on the desk (platforms without a feed)
    LOG = "log"  # a comment log uploaded afterwards


class DeskState(enum.StrEnum):
    NEW = "new"
    TAKEN = "taken"  # a staff member has it open (others see it as taken)
    WAITLISTED = "waitlisted"  # its slot was sold out: offered released units in turn
    CONFIRMED = "confirmed"  # turned into (or merged into) an order
    DISMISSED = "dismissed"  # not an order, or handled otherwise


class DeskSettings(extensions.Model):
    """A club's live desk settings: how long a confirmed live order holds its units unpaid,
    and the reply sent to the buyer (Vietnamese, with ``{...}`` fields; None: the default)."""

    __tablename__ = "live_desk_settings"

    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), primary_key=True)
    hold_minutes: so.Mapped[int] = so.mapped_column(default=30)
    # When the hold runs out unpaid, the buyer is reminded once and given this much longer
    # before the order is released (0: released at once, no reminder).
    reminder_minutes: so.Mapped[int] = so.mapped_column(default=15, server_default="15")
    reply_template: so.Mapped[str | None] = so.mapped_column(sa.Text)


class CommentAccount(base.Timestamps, extensions.Model):
    """A club's connected comment source: a Facebook Page, a YouTube API key.

    Like a marketplace shop, secrets (app secret, Page token, API key) are sealed with the
    install's credentials key; ``config`` holds only what may be shown.
    """

    __tablename__ = "comment_accounts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    platform: so.Mapped[str] = so.mapped_column(sa.String(20))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    config: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    secrets_enc: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[SourceStatus] = so.mapped_column(
        types.str_enum(SourceStatus), default=SourceStatus.CONNECTED
    )
    oauth_state: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    club: so.Mapped[orgs.Club] = so.relationship()


class CommentCapture(extensions.Model):
    """Reading one live's comments into one session: where it stands and where to resume.

    ``cursor`` is the source's opaque position, saved in the same transaction as the comments
    read before it, so a restart resumes without losing or repeating a comment.
    """

    __tablename__ = "comment_captures"
    __table_args__ = (sa.Index("ix_comment_captures_session", "session_id", "status"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE")
    )
    account_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("comment_accounts.id", ondelete="CASCADE"), index=True
    )
    live_ref: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    live_id: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    cursor: so.Mapped[str | None] = so.mapped_column(sa.Text)
    status: so.Mapped[CaptureStatus] = so.mapped_column(
        types.str_enum(CaptureStatus), default=CaptureStatus.WAITING
    )
    # Why it failed or waits: {"code": …, "params": {…}}, worded for each reader.
    problem: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    comments: so.Mapped[int] = so.mapped_column(default=0)
    job_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    started_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    read_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    stopped_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())

    session: so.Mapped[live.LiveSession] = so.relationship()
    account: so.Mapped[CommentAccount] = so.relationship()
    started_by: so.Mapped[accounts.User | None] = so.relationship()


class LiveComment(extensions.Model):
    """One viewer's comment on a live session, however it reached the app."""

    __tablename__ = "live_comments"
    __table_args__ = (
        sa.UniqueConstraint("platform", "live_id", "comment_id", name="uq_live_comments_key"),
        sa.Index("ix_live_comments_session_time", "session_id", "commented_at"),
        sa.Index("ix_live_comments_session_changed", "session_id", "changed_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE")
    )
    capture_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("comment_captures.id", ondelete="SET NULL"), index=True
    )
    origin: so.Mapped[CommentOrigin] = so.mapped_column(types.str_enum(CommentOrigin))
    platform: so.Mapped[str] = so.mapped_column(sa.String(20))
    live_id: so.Mapped[str] = so.mapped_column(sa.String(200))
    comment_id: so.Mapped[str] = so.mapped_column(sa.String(200))
    author_id: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    author_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    commented_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime())
    received_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow
    )
    edited_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    deleted_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    can_reply_privately: so.Mapped[bool] = so.mapped_column(default=False)
    # The live selling desk: who has it, what became of it.
    state: so.Mapped[DeskState] = so.mapped_column(types.str_enum(DeskState), default=DeskState.NEW)
    taken_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    taken_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    order_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    # The last change to the row after it came (taken, decided, edited, deleted): what open
    # desks ask for. None until then: a new comment is news, not a change.
    changed_at: so.Mapped[dt.datetime | None] = so.mapped_column(
        types.UTCDateTime(), onupdate=clock.utcnow
    )

    session: so.Mapped[live.LiveSession] = so.relationship()
    taken_by: so.Mapped[accounts.User | None] = so.relationship(foreign_keys=[taken_by_id])
    decided_by: so.Mapped[accounts.User | None] = so.relationship(foreign_keys=[decided_by_id])
    order: so.Mapped[orders.Order | None] = so.relationship()
    capture: so.Mapped[CommentCapture | None] = so.relationship()


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its job (a first try, or a retry at ``next_attempt_at``)
    SENDING = "sending"  # a job has it (claimed once: two copies of a job send it once)
    SENT = "sent"  # the platform took it (its id in ``external_id``)
    FAILED = "failed"  # the platform refused it (``problem``)
    TO_COPY = "to_copy"  # no way to send it from here: shown for staff to copy and send
    SKIPPED = "skipped"  # not sent on purpose (``problem``: opted out, no address…)


class OrderMessage(extensions.Model):
    """A message to a buyer about their order, as sent: the reply to their live comment, or
    the club's message on an order event (``event``: at most one per order and event) sent
    by a job on Zalo or Messenger with its attempts, cost and delivery."""

    __tablename__ = "order_messages"
    __table_args__ = (sa.UniqueConstraint("order_id", "event", name="uq_order_messages_event"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    comment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("live_comments.id", ondelete="SET NULL"), index=True
    )
    # facebook_private, copy (desk replies); zalo_zns, zalo_oa, messenger (order events)
    channel: so.Mapped[str] = so.mapped_column(sa.String(30))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[MessageStatus] = so.mapped_column(types.str_enum(MessageStatus))
    external_id: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    problem: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    event: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # A ZNS message: the template's values as sent.
    params: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    cost: so.Mapped[int | None] = so.mapped_column()  # đồng, when the channel charges
    tracking_id: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    next_attempt_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    sent_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    delivered_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)

    created_by: so.Mapped[accounts.User | None] = so.relationship()
