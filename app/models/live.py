"""Livestream planning: streamers, sessions with their hosts, run-of-show slots, calendar feeds.

Times are stored in UTC (``types.UTCDateTime``) and shown in Asia/Ho_Chi_Minh. The host
screen's live state (current slot, when it started, extra time) lives on the session row so
every device showing the session agrees.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import accounts, base, catalog, channels, orgs, types


class Platform(enum.StrEnum):
    TIKTOK = "tiktok"
    FACEBOOK = "facebook"
    SHOPEE = "shopee"
    YOUTUBE = "youtube"
    ZALO = "zalo"
    LAZADA = "lazada"
    OTHER = "other"


class SessionStatus(enum.StrEnum):
    PLANNED = "planned"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


streamer_accounts = base.link_table(
    "live_streamer_accounts",
    ("streamer_id", "streamers"),
    ("channel_account_id", "channel_accounts"),
    index_second=False,
)

session_hosts = base.link_table(
    "live_session_hosts",
    ("session_id", "live_sessions"),
    ("streamer_id", "streamers"),
    index_second=True,
)


class Streamer(base.Timestamps, extensions.Model):
    """A club member who hosts livestreams, linked to their user account (one per user)."""

    __tablename__ = "streamers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), unique=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # Platform values (``Platform``) they host on.
    platforms: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    # Their handle on TikTok (without "@"), to match the Creator Handle in TikTok order exports.
    tiktok_handle: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    is_active: so.Mapped[bool] = so.mapped_column(default=True)

    user: so.Mapped[accounts.User] = so.relationship()
    club: so.Mapped[orgs.Club] = so.relationship()
    channel_accounts: so.Mapped[list[channels.ChannelAccount]] = so.relationship(
        secondary=streamer_accounts, order_by="ChannelAccount.id"
    )

    def __repr__(self) -> str:
        return f"<Streamer {self.display_name}>"


class LiveSession(base.Timestamps, extensions.Model):
    """One planned livestream: when, where, who hosts it, and its live state."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_live_sessions_club_starts", "club_id", "starts_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    platform: so.Mapped[str] = so.mapped_column(sa.String(20))
    channel_account_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("channel_accounts.id", ondelete="SET NULL"), index=True
    )
    starts_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), index=True)
    ends_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), index=True)
    status: so.Mapped[SessionStatus] = so.mapped_column(
        types.str_enum(SessionStatus), default=SessionStatus.PLANNED, index=True
    )
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    live_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # iCalendar SEQUENCE: bumped whenever what a calendar shows changes.
    sequence: so.Mapped[int] = so.mapped_column(default=0)
    # Host screen state: index into the ordered slots (None before the show starts).
    current_slot: so.Mapped[int | None] = so.mapped_column()
    slot_started_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    extension_s: so.Mapped[int] = so.mapped_column(default=0)
    state_version: so.Mapped[int] = so.mapped_column(default=0)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    club: so.Mapped[orgs.Club] = so.relationship()
    channel_account: so.Mapped[channels.ChannelAccount | None] = so.relationship()
    hosts: so.Mapped[list[Streamer]] = so.relationship(
        secondary=session_hosts, order_by="Streamer.display_name"
    )
    slots: so.Mapped[list[LiveSlot]] = so.relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="LiveSlot.position",
    )

    def __repr__(self) -> str:
        return f"<LiveSession {self.id} {self.title!r}>"


class LiveSlot(extensions.Model):
    """One product's turn in a session's run-of-show."""

    __tablename__ = "live_slots"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "code", name="uq_live_slots_session_code"),
        sa.CheckConstraint("start_offset_s >= 0", name="offset_not_negative"),
        sa.CheckConstraint("length_s > 0", name="length_positive"),
        sa.CheckConstraint("live_price >= 0", name="live_price_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=0)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), index=True)
    variant_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("variants.id", ondelete="SET NULL")
    )
    start_offset_s: so.Mapped[int] = so.mapped_column()
    length_s: so.Mapped[int] = so.mapped_column()
    live_price: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # đồng
    code: so.Mapped[str] = so.mapped_column(sa.String(16))  # upper ASCII, e.g. NM1
    talking_points: so.Mapped[str | None] = so.mapped_column(sa.Text)

    session: so.Mapped[LiveSession] = so.relationship(back_populates="slots")
    product: so.Mapped[catalog.Product] = so.relationship()
    variant: so.Mapped[catalog.Variant | None] = so.relationship()

    @property
    def sold_variant(self) -> catalog.Variant | None:
        """What the slot sells: its variant, else the product's first (None: it has none)."""
        return self.variant or (self.product.variants[0] if self.product.variants else None)

    @property
    def end_offset_s(self) -> int:
        return self.start_offset_s + self.length_s


class LiveFeed(extensions.Model):
    """A secret calendar link: the whole club's sessions, or one streamer's.

    Rotating replaces the token, so the old link stops working at once.
    """

    __tablename__ = "live_feeds"
    __table_args__ = (sa.UniqueConstraint("club_id", "streamer_id", name="uq_live_feeds_owner"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    streamer_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("streamers.id", ondelete="CASCADE")
    )
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    rotated_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())

    club: so.Mapped[orgs.Club] = so.relationship()
    streamer: so.Mapped[Streamer | None] = so.relationship()
