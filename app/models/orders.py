"""Sales capture: orders and their lines, per-session audience figures and viewer logs,
comment-order review batches, and the bank accounts VietQR payments go to.

``(club_id, platform, external_id)`` is an order's idempotency key: every way in (manual entry, file
import, accepted comment batch) upserts by it, so nothing is ever counted twice.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import accounts, base, catalog, channels, live, orgs, types


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    RETURNED = "returned"

    @property
    def valid(self) -> bool:
        """Counts in Net GMV, orders, units and buyers (domain.md)."""
        return self not in (OrderStatus.CANCELLED, OrderStatus.RETURNED)


class OrderSource(enum.StrEnum):
    MANUAL = "manual"
    IMPORT = "import"
    COMMENTS = "comments"


class BatchStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DISCARDED = "discarded"


class Order(base.Timestamps, extensions.Model):
    """One order on one platform, as the platform numbers it."""

    __tablename__ = "orders"
    __table_args__ = (
        # Platform order ids are unique per club: two clubs may hold the same number.
        sa.UniqueConstraint(
            "club_id", "platform", "external_id", name="uq_orders_club_platform_external_id"
        ),
        sa.Index("ix_orders_club_placed", "club_id", "placed_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    platform: so.Mapped[str] = so.mapped_column(sa.String(20))
    external_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("live_sessions.id", ondelete="SET NULL"), index=True
    )
    channel_account_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("channel_accounts.id", ondelete="SET NULL"), index=True
    )
    streamer_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("streamers.id", ondelete="SET NULL"), index=True
    )
    status: so.Mapped[OrderStatus] = so.mapped_column(
        types.str_enum(OrderStatus), default=OrderStatus.PLACED, index=True
    )
    # Normalised 0xxxxxxxxx when the number is a valid mobile, else None; raw kept as given.
    buyer_phone: so.Mapped[str | None] = so.mapped_column(sa.String(10), index=True)
    buyer_phone_raw: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    buyer_user: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    buyer_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    placed_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), index=True)
    source: so.Mapped[OrderSource] = so.mapped_column(types.str_enum(OrderSource))
    comment_batch_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("comment_batches.id", ondelete="SET NULL")
    )
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # A live order taken on the desk holds its units until then unless paid ("giữ hàng");
    # past it, the order is cancelled and the units go back (app/live/holds.py).
    hold_until: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime(), index=True)
    # What bank transfers matched to the order brought in (đồng; app/payments/matching.py) and
    # when the amount was reached; the unpaid buyer is reminded once before the hold runs out.
    paid_amount: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0, server_default="0")
    paid_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    payment_reminded_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    # Where the parcel goes, on the 2025 two-level map (vietnam.addresses); ``ship_address``
    # keeps what the buyer typed, ``ship_legacy`` the old province/district/ward names when
    # the buyer typed the old form (carriers still on three levels get those).
    ship_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    ship_phone: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    ship_street: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    ship_province_code: so.Mapped[int | None] = so.mapped_column()
    ship_province: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    ship_commune_code: so.Mapped[int | None] = so.mapped_column()
    ship_commune: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    ship_address: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    ship_legacy: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)

    club: so.Mapped[orgs.Club] = so.relationship()
    session: so.Mapped[live.LiveSession | None] = so.relationship()
    channel_account: so.Mapped[channels.ChannelAccount | None] = so.relationship()
    streamer: so.Mapped[live.Streamer | None] = so.relationship()
    lines: so.Mapped[list[OrderLine]] = so.relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.position"
    )
    status_changes: so.Mapped[list[OrderStatusChange]] = so.relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="[OrderStatusChange.changed_at, OrderStatusChange.id]",
    )

    @property
    def amount(self) -> int:
        """Value of the order's lines (đồng), cancelled and returned lines left out."""
        return sum(line.amount for line in self.lines if line.status.valid)

    def __repr__(self) -> str:
        return f"<Order {self.platform}:{self.external_id}>"


class OrderLine(extensions.Model):
    """One product line; unmatched lines (SKU not in the catalog) keep their SKU and name."""

    __tablename__ = "order_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0 AND amount >= 0", name="money_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=0)
    product_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    variant_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("variants.id", ondelete="SET NULL"), index=True
    )
    seller_sku: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    product_name: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    variation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    quantity: so.Mapped[int] = so.mapped_column()
    unit_price: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # đồng
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # đồng, what GMV adds up
    status: so.Mapped[OrderStatus] = so.mapped_column(types.str_enum(OrderStatus))

    order: so.Mapped[Order] = so.relationship(back_populates="lines")
    product: so.Mapped[catalog.Product | None] = so.relationship()
    variant: so.Mapped[catalog.Variant | None] = so.relationship()


class StatusChangeVia(enum.StrEnum):
    """How a status change came in: the order page or API, or a newer export / entry."""

    APP = "app"
    IMPORT = "import"
    MANUAL = "manual"
    COMMENTS = "comments"
    HOLD_EXPIRED = "hold_expired"  # a live order's hold ran out unpaid (app/live/holds.py)
    PAYMENT = "payment"  # a bank transfer paid it (app/payments/matching.py)
    SHIPPING = "shipping"  # its parcel moved at the carrier (app/shipping/tracking.py)


class OrderStatusChange(extensions.Model):
    """One change of an order's status: who, when, from → to, and why (the history shown on
    the order page). It belongs to its order's club through the order (``app.tenancy``)."""

    __tablename__ = "order_status_changes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    from_status: so.Mapped[OrderStatus] = so.mapped_column(types.str_enum(OrderStatus))
    to_status: so.Mapped[OrderStatus] = so.mapped_column(types.str_enum(OrderStatus))
    via: so.Mapped[StatusChangeVia] = so.mapped_column(types.str_enum(StatusChangeVia))
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    changed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    changed_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)

    order: so.Mapped[Order] = so.relationship(back_populates="status_changes")
    changed_by: so.Mapped[accounts.User | None] = so.relationship()


class SessionAudience(extensions.Model):
    """A session's audience figures, entered by hand or imported from the platform's stats."""

    __tablename__ = "session_audiences"
    __table_args__ = (
        sa.CheckConstraint(
            "views >= 0 AND unique_viewers >= 0 AND product_clicks >= 0 AND product_visitors >= 0",
            name="figures_not_negative",
        ),
    )

    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    views: so.Mapped[int] = so.mapped_column(default=0)
    unique_viewers: so.Mapped[int] = so.mapped_column(default=0)
    product_clicks: so.Mapped[int] = so.mapped_column(default=0)
    product_visitors: so.Mapped[int] = so.mapped_column(default=0)
    source: so.Mapped[str] = so.mapped_column(sa.String(20), default="entered")  # entered|import
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow, onupdate=clock.utcnow
    )

    session: so.Mapped[live.LiveSession] = so.relationship()


class ViewerVisit(extensions.Model):
    """One viewer's stay in a stream (join/leave), from the platform's viewer log."""

    __tablename__ = "viewer_visits"
    __table_args__ = (sa.CheckConstraint("left_at >= joined_at", name="leaves_after_join"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    viewer: so.Mapped[str] = so.mapped_column(sa.String(120))
    joined_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime())
    left_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime())


class CommentBatch(extensions.Model):
    """An uploaded comment log parsed into proposed order lines, waiting for review."""

    __tablename__ = "comment_batches"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    status: so.Mapped[BatchStatus] = so.mapped_column(
        types.str_enum(BatchStatus), default=BatchStatus.PENDING
    )
    # Proposed lines: [{"viewer", "code", "quantity", "phone", "time", "text"}, …]
    proposals: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON, default=list)
    report: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())

    session: so.Mapped[live.LiveSession] = so.relationship()


class PaymentAccount(extensions.Model):
    """The bank account a club or a producer is paid into by VietQR transfer (one each)."""

    __tablename__ = "payment_accounts"
    __table_args__ = (
        sa.CheckConstraint("(club_id IS NULL) <> (producer_id IS NULL)", name="one_owner"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clubs.id"), unique=True)
    producer_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("producers.id"), unique=True
    )
    bank_bin: so.Mapped[str] = so.mapped_column(sa.String(6))
    account_number: so.Mapped[str] = so.mapped_column(sa.String(19))
    account_name: so.Mapped[str] = so.mapped_column(sa.String(70))
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow, onupdate=clock.utcnow
    )

    club: so.Mapped[orgs.Club | None] = so.relationship()
    producer: so.Mapped[orgs.Producer | None] = so.relationship()
