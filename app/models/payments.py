"""Getting paid: a club's connections to bank-transaction webhook services (SePay, Casso,
payOS), every bank transaction they (or an uploaded bank statement) reported, and how each was
matched to an order.

``(club_id, provider, transaction_id)`` is a transaction's idempotency key: a service sends
the same transaction again on every retry or manual resend, a statement row is the same row
when the file is uploaded twice, and each is applied once (app/payments/matching.py).
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


class MatchState(enum.StrEnum):
    """What a money-in transaction did (or could not do) to an order."""

    EXACT = "exact"  # the order's amount, paid in full
    PARTIAL = "partial"  # less than the amount still due: the order stays unpaid
    OVER = "over"  # more than the amount due: the order is paid, the rest to refund
    UNMATCHED = "unmatched"  # no usable order code, or the order is not this club's
    AMBIGUOUS = "ambiguous"  # several orders could be meant, or the order was not payable
    IGNORED = "ignored"  # money out, or set aside by staff: never applied


REVIEW_STATES = (MatchState.UNMATCHED, MatchState.AMBIGUOUS)
APPLIED_STATES = (MatchState.EXACT, MatchState.PARTIAL, MatchState.OVER)


class TransactionSource(enum.StrEnum):
    WEBHOOK = "webhook"
    STATEMENT = "statement"


class PaymentConnection(base.Timestamps, extensions.Model):
    """A club's account at one webhook service, for one bank account.

    The service calls ``/webhooks/payments/<webhook_token>``: the token says which connection
    (and so which club and secrets) a call is for; the signature (or API key) in the call is
    what proves it comes from the service.
    """

    __tablename__ = "payment_connections"
    __table_args__ = (
        sa.UniqueConstraint(
            "club_id", "provider", "account_number", name="uq_payment_connections_account"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    provider: so.Mapped[str] = so.mapped_column(sa.String(20))  # sepay, casso, payos
    bank_bin: so.Mapped[str] = so.mapped_column(sa.String(6))
    account_number: so.Mapped[str] = so.mapped_column(sa.String(19))
    label: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    # The service's settings that may be shown; secrets sealed with the install's key.
    config: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    secrets: so.Mapped[str | None] = so.mapped_column(sa.Text)
    webhook_token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    last_received_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    # The last refused call (reason code and params), shown on the connections page.
    last_problem: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    club: so.Mapped[orgs.Club] = so.relationship()


class BankTransaction(extensions.Model):
    """One bank transaction as reported, and the order it paid (if any)."""

    __tablename__ = "bank_transactions"
    __table_args__ = (
        sa.UniqueConstraint(
            "club_id", "provider", "transaction_id", name="uq_bank_transactions_provider_id"
        ),
        sa.Index("ix_bank_transactions_club_occurred", "club_id", "occurred_at"),
        sa.Index("ix_bank_transactions_club_state", "club_id", "state"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"))
    connection_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("payment_connections.id", ondelete="SET NULL"), index=True
    )
    source: so.Mapped[TransactionSource] = so.mapped_column(types.str_enum(TransactionSource))
    provider: so.Mapped[str] = so.mapped_column(sa.String(30))  # sepay… or statement:<bank>
    transaction_id: so.Mapped[str] = so.mapped_column(sa.String(100))
    account_number: so.Mapped[str] = so.mapped_column(sa.String(19), default="")
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # đồng
    direction: so.Mapped[str] = so.mapped_column(sa.String(3), default="in")  # in, out
    content: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    reference: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    counter_account_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    counter_account_number: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    occurred_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime())
    received_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow
    )
    state: so.Mapped[MatchState] = so.mapped_column(types.str_enum(MatchState))
    # Why it went to review or how it was matched: a reason code and its params.
    match_note: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    order_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    # The part of the amount counted towards the order (the rest of an over-payment is not).
    applied_amount: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    assigned_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    assigned_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())

    connection: so.Mapped[PaymentConnection | None] = so.relationship()
    order: so.Mapped[orders.Order | None] = so.relationship()
    assigned_by: so.Mapped[accounts.User | None] = so.relationship()
