"""Buyer messages: the message accounts a club connects (its Zalo app and Official Account, its
Facebook Page), the ZNS templates it registered, which channel tells the buyer about each order
event, and the buyers' addresses on each channel with their opt-outs.

The messages themselves are ``comments.OrderMessage`` rows (one table for every message about
an order: the live desk's replies and these).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import base, orgs, types


class ConnectionStatus(enum.StrEnum):
    AWAITING_CONSENT = "awaiting_consent"  # settings saved; the OA's admin has not consented
    CONNECTED = "connected"
    RECONNECT_NEEDED = "reconnect_needed"  # tokens refused (``problem`` says why)


class MessageConnection(base.Timestamps, extensions.Model):
    """A club's account on one message provider: ``zalo`` (its Zalo app and OA: serves ZNS and
    OA messages) or ``messenger`` (its Facebook Page).

    Like the comment accounts, ``config`` keeps only what may be shown; secrets (app secret,
    OA secret key, Page token) are sealed in ``secrets_enc`` and the OA's OAuth pair in
    ``tokens_enc`` (both tokens saved together, ``token_version`` counting the saves).
    ``webhook_key`` names the connection in its public webhook address.
    """

    __tablename__ = "message_connections"
    __table_args__ = (sa.UniqueConstraint("club_id", "provider", name="uq_message_connections"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    provider: so.Mapped[str] = so.mapped_column(sa.String(20))
    config: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    secrets_enc: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    tokens_enc: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    token_version: so.Mapped[int] = so.mapped_column(default=0)
    status: so.Mapped[ConnectionStatus] = so.mapped_column(
        types.str_enum(ConnectionStatus), default=ConnectionStatus.AWAITING_CONSENT
    )
    # Why it needs connecting again: {"code": …, "params": {…}}, worded for each reader.
    problem: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    oauth_state: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    webhook_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    club: so.Mapped[orgs.Club] = so.relationship()


class MessageTemplate(extensions.Model):
    """A ZNS template approved by Zalo, as the club registered it: Zalo's id, its parameters
    (``[{"name", "type"}]``, types of ``integrations.messages.base.MAX_LENGTH``) and what one
    delivered message costs (đồng)."""

    __tablename__ = "message_templates"
    __table_args__ = (
        sa.UniqueConstraint("club_id", "template_id", name="uq_message_templates_club"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    template_id: so.Mapped[str] = so.mapped_column(sa.String(40))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    params: so.Mapped[list[dict[str, str]]] = so.mapped_column(sa.JSON, default=list)
    price: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)


class MessageRule(extensions.Model):
    """What a club tells the buyer on one order event: the channel, and a ZNS template (with
    each parameter's value as a text with ``{fields}``) or a text with ``{fields}`` (OA,
    Messenger). One rule per club and event."""

    __tablename__ = "message_rules"
    __table_args__ = (sa.UniqueConstraint("club_id", "event", name="uq_message_rules_event"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    event: so.Mapped[str] = so.mapped_column(sa.String(20))
    channel: so.Mapped[str] = so.mapped_column(sa.String(20))
    template_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("message_templates.id", ondelete="SET NULL")
    )
    params: so.Mapped[dict[str, str]] = so.mapped_column(sa.JSON, default=dict)
    text: so.Mapped[str | None] = so.mapped_column(sa.Text)
    enabled: so.Mapped[bool] = so.mapped_column(default=True)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow, onupdate=clock.utcnow
    )

    template: so.Mapped[MessageTemplate | None] = so.relationship()


class BuyerContact(extensions.Model):
    """A buyer's address on one channel of a club: a phone (ZNS, national form), a Zalo user
    id (OA) or a page-scoped id (Messenger); the buyer's phone when known (links the ids to
    orders), when they last wrote (the channel's window) and when they asked for no more
    messages."""

    __tablename__ = "buyer_contacts"
    __table_args__ = (
        sa.UniqueConstraint("club_id", "channel", "address", name="uq_buyer_contacts_address"),
        sa.Index("ix_buyer_contacts_phone", "club_id", "phone"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"))
    channel: so.Mapped[str] = so.mapped_column(sa.String(20))
    address: so.Mapped[str] = so.mapped_column(sa.String(120))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    last_interaction_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    opted_out_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)


class InboundMessageEvent(extensions.Model):
    """A webhook event already applied (channels resend them): its key is unique per
    connection."""

    __tablename__ = "message_inbound_events"
    __table_args__ = (
        sa.UniqueConstraint("connection_id", "key", name="uq_message_inbound_events_key"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    connection_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("message_connections.id", ondelete="CASCADE")
    )
    key: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    received_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow
    )
