"""Shipping: a club's carrier accounts (GHN, GHTK, Viettel Post, Vietnam Post), the parcels
booked for its orders (one per order and producer: each producer's goods are picked up at
the producer's address), every status the carrier reported, and the carriers' COD payout
statements matched against the parcels.

``(club_id, reference)`` is a parcel's idempotency key: the reference is sent to the carrier
as its client order code, so a retried booking finds the parcel made the first time instead
of making a second (``integrations.carriers.base``). ``(shipment_id, event_key)`` keeps each
carrier update once, however often the carrier sends it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import accounts, base, orders, orgs, types
from integrations.carriers.base import ShipStatus

__all__ = [
    "CarrierAccount",
    "CodLine",
    "CodLineState",
    "CodStatement",
    "EventVia",
    "ShipStatus",
    "Shipment",
    "ShipmentEvent",
    "ShipmentLine",
]


class CarrierAccount(base.Timestamps, extensions.Model):
    """A club's account at one carrier. The carrier's status webhooks come to
    ``/webhooks/carriers/<webhook_key>``: the key says which account (and so which club and
    secrets) a call is for; GHTK's ``hash`` and Viettel Post's ``TOKEN`` are checked too."""

    __tablename__ = "carrier_accounts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    carrier: so.Mapped[str] = so.mapped_column(sa.String(20))  # ghn, ghtk, viettelpost, vnpost
    label: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    # The carrier's settings that may be shown; secrets sealed with the install's key.
    config: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    secrets: so.Mapped[str | None] = so.mapped_column(sa.Text)
    webhook_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    last_received_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    # The last refused call or failed booking (a reason code and params), shown on the page.
    last_problem: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    club: so.Mapped[orgs.Club] = so.relationship()


class Shipment(base.Timestamps, extensions.Model):
    """One parcel: an order's lines from one producer, picked up at that producer's address."""

    __tablename__ = "shipments"
    __table_args__ = (
        sa.UniqueConstraint("club_id", "reference", name="uq_shipments_club_reference"),
        sa.Index("ix_shipments_carrier_tracking", "carrier", "tracking_code"),
        sa.Index("ix_shipments_club_status", "club_id", "status"),
        sa.CheckConstraint("cod_amount >= 0 AND fee >= 0", name="money_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"))
    order_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    producer_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("producers.id", ondelete="SET NULL"), index=True
    )
    account_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("carrier_accounts.id", ondelete="SET NULL"), index=True
    )
    carrier: so.Mapped[str] = so.mapped_column(sa.String(20))
    reference: so.Mapped[str] = so.mapped_column(sa.String(40))  # DH0000013-1
    tracking_code: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    sort_code: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    service: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    status: so.Mapped[ShipStatus] = so.mapped_column(
        types.str_enum(ShipStatus), default=ShipStatus.BOOKING
    )
    carrier_status: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    fee: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)  # đồng, the carrier's
    cod_amount: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)  # đồng to collect
    declared_value: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    weight_g: so.Mapped[int] = so.mapped_column(default=0)
    length_cm: so.Mapped[int] = so.mapped_column(default=0)
    width_cm: so.Mapped[int] = so.mapped_column(default=0)
    height_cm: so.Mapped[int] = so.mapped_column(default=0)
    booked_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    status_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    delivered_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    returned_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    # Set once when a returned parcel's units went back to stock: never twice.
    restocked_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    # Why the booking failed or the parcel needs a look (a reason code and its params).
    problem: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    booked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    order: so.Mapped[orders.Order] = so.relationship()
    producer: so.Mapped[orgs.Producer | None] = so.relationship()
    account: so.Mapped[CarrierAccount | None] = so.relationship()
    booked_by: so.Mapped[accounts.User | None] = so.relationship()
    lines: so.Mapped[list[ShipmentLine]] = so.relationship(
        back_populates="shipment", cascade="all, delete-orphan", passive_deletes=True
    )
    events: so.Mapped[list[ShipmentEvent]] = so.relationship(
        back_populates="shipment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="[ShipmentEvent.occurred_at, ShipmentEvent.id]",
    )


class ShipmentLine(extensions.Model):
    """An order line (or part of it) packed in a parcel."""

    __tablename__ = "shipment_lines"
    __table_args__ = (
        sa.UniqueConstraint("shipment_id", "order_line_id", name="uq_shipment_lines_line"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    shipment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    order_line_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    quantity: so.Mapped[int] = so.mapped_column()

    shipment: so.Mapped[Shipment] = so.relationship(back_populates="lines")
    order_line: so.Mapped[orders.OrderLine] = so.relationship()


class EventVia(enum.StrEnum):
    WEBHOOK = "webhook"
    POLL = "poll"
    APP = "app"  # booked or cancelled from the app


class ShipmentEvent(extensions.Model):
    """One status update of a parcel, as the carrier reported it (kept once per key)."""

    __tablename__ = "shipment_events"
    __table_args__ = (
        sa.UniqueConstraint("shipment_id", "event_key", name="uq_shipment_events_key"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    shipment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    event_key: so.Mapped[str] = so.mapped_column(sa.String(200))
    status: so.Mapped[ShipStatus] = so.mapped_column(types.str_enum(ShipStatus))
    carrier_status: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    description: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    occurred_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime())
    received_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow
    )
    via: so.Mapped[EventVia] = so.mapped_column(types.str_enum(EventVia))
    # Whether the update moved the parcel (an older or repeated one is kept, not applied).
    applied: so.Mapped[bool] = so.mapped_column(default=True)

    shipment: so.Mapped[Shipment] = so.relationship(back_populates="events")


class CodStatement(extensions.Model):
    """One COD payout statement a carrier sent (its own file layout), as imported."""

    __tablename__ = "cod_statements"
    __table_args__ = (sa.UniqueConstraint("club_id", "sha256", name="uq_cod_statements_file"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    carrier: so.Mapped[str] = so.mapped_column(sa.String(20))
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    payout_date: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    transfer_fee: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    cod_total: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    fee_total: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    net_total: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    imported_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    imported_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow
    )

    lines: so.Mapped[list[CodLine]] = so.relationship(
        back_populates="statement",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CodLine.line_no",
    )
    imported_by: so.Mapped[accounts.User | None] = so.relationship()


class CodLineState(enum.StrEnum):
    OK = "ok"  # paid what the parcel's COD says
    SHORT = "short"  # paid less COD than the parcel's
    OVER = "over"  # paid more COD than the parcel's
    UNKNOWN = "unknown"  # no parcel of ours by that code
    REPEATED = "repeated"  # the parcel was already paid in an earlier statement


class CodLine(extensions.Model):
    """One parcel's line on a COD statement, matched to our parcel by tracking code (or, when
    the carrier gives only ours, by reference)."""

    __tablename__ = "cod_lines"
    __table_args__ = (
        sa.UniqueConstraint("statement_id", "line_no", name="uq_cod_lines_line"),
        sa.Index("ix_cod_lines_tracking", "tracking_code"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    statement_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cod_statements.id", ondelete="CASCADE"), index=True
    )
    line_no: so.Mapped[int] = so.mapped_column()
    tracking_code: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    reference: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    cod_amount: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    fees: so.Mapped[dict[str, int]] = so.mapped_column(sa.JSON, default=dict)
    fee_total: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    net: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)  # may be negative
    settled_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    shipment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("shipments.id", ondelete="SET NULL"), index=True
    )
    state: so.Mapped[CodLineState] = so.mapped_column(types.str_enum(CodLineState))
    expected_cod: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)

    statement: so.Mapped[CodStatement] = so.relationship(back_populates="lines")
    shipment: so.Mapped[Shipment | None] = so.relationship()
