"""Marketplace channels: connected accounts, category mappings and listing bindings."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.models import accounts, base, catalog, orgs, types


class AccountStatus(enum.StrEnum):
    NOT_CONNECTED = "not_connected"
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"
    DISABLED = "disabled"


class ListingState(enum.StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    PUBLISHING = "publishing"
    LIVE = "live"
    NEEDS_ACTION = "needs_action"
    FAILED = "failed"
    PAUSED = "paused"
    DELISTED = "delisted"

    @property
    def settled(self) -> bool:
        """No more work will happen on its own (a person has to act, or it is done)."""
        return self not in (ListingState.QUEUED, ListingState.PUBLISHING)


class ChannelAccount(base.Timestamps, extensions.Model):
    """One shop on one marketplace, run by a club (for itself, or for one of its producers).

    Secrets (app secret, tokens) are encrypted with the key from the
    environment and never leave the server; ``config`` holds only what may be shown.
    """

    __tablename__ = "channel_accounts"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    marketplace: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # The club whose staff run the shop (and alone see it and its credentials) ...
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    # ... and, for a producer's own shop, that producer (None: the club's own shop).
    producer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("producers.id"), index=True)
    config: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    secrets_enc: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    tokens_enc: so.Mapped[str | None] = so.mapped_column(sa.Text)
    access_expires_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    refresh_expires_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    # Bumped on every stored token change; refreshes are compare-and-set on it.
    token_version: so.Mapped[int] = so.mapped_column(default=0)
    refresh_lease_owner: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    refresh_lease_until: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    status: so.Mapped[AccountStatus] = so.mapped_column(
        types.str_enum(AccountStatus), default=AccountStatus.NOT_CONNECTED
    )
    oauth_state: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    shop_label: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Outage breaker: server errors in a row from this shop's marketplace (any listing); past a
    # threshold, pushes to this shop pause until ``outage_until`` instead of using up retries.
    failures_in_row: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    outage_until: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    club: so.Mapped[orgs.Club] = so.relationship()
    producer: so.Mapped[orgs.Producer | None] = so.relationship()
    created_by: so.Mapped[accounts.User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<ChannelAccount {self.marketplace}:{self.name}>"


class CategoryMapping(extensions.Model):
    """Which marketplace category an OCOP category is listed under, per account."""

    __tablename__ = "channel_category_mappings"
    __table_args__ = (sa.UniqueConstraint("account_id", "ocop_category_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    account_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("channel_accounts.id", ondelete="CASCADE"), index=True
    )
    ocop_category_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("ocop_categories.id"))
    external_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    external_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    account: so.Mapped[ChannelAccount] = so.relationship()
    ocop_category: so.Mapped[catalog.OcopCategory] = so.relationship()


class Listing(base.Timestamps, extensions.Model):
    """The binding of a product (with its variants) to one channel account.

    ``external_id`` is committed the moment the marketplace gives it;
    ``create_attempted`` is committed *before* a create is sent, so any later
    attempt looks the product up by SKU first instead of creating it twice.
    """

    __tablename__ = "listings"
    __table_args__ = (sa.UniqueConstraint("account_id", "product_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    account_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("channel_accounts.id", ondelete="CASCADE"), index=True
    )
    product_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    state: so.Mapped[ListingState] = so.mapped_column(
        types.str_enum(ListingState), default=ListingState.DRAFT, index=True
    )
    external_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    sku_ids: so.Mapped[dict[str, str]] = so.mapped_column(sa.JSON, default=dict)
    image_ids: so.Mapped[dict[str, str]] = so.mapped_column(sa.JSON, default=dict)
    url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    payload_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))  # what was last sent
    last_synced_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    error_fields: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    error_code: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    create_attempted: so.Mapped[bool] = so.mapped_column(default=False)
    lease_owner: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    lease_until: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    certificate_override: so.Mapped[bool] = so.mapped_column(default=False)
    paused_reason: so.Mapped[str | None] = so.mapped_column(sa.String(32))

    account: so.Mapped[ChannelAccount] = so.relationship()
    product: so.Mapped[catalog.Product] = so.relationship()

    def __repr__(self) -> str:
        return f"<Listing {self.account_id}/{self.product_id} {self.state}>"
