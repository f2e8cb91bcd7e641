"""The payment-source contract: a bank-transaction webhook service (SePay, Casso, payOS)
telling us that money moved on a connected account.

Like the marketplace adapters and the comment sources: class-level metadata (name, title,
config schema with secrets marked, capabilities), one module per service, a registry that
imports a module only when asked (``integrations.payments.registry``), typed errors. A source
holds no database handle and no state:

- ``verify(headers, body, now=…)`` checks one webhook call as received (the raw body, before
  any JSON parsing: signatures are over bytes or over the service's canonical JSON) and
  returns the transfers it reports, or raises ``BadSignature``, ``StaleTimestamp`` or
  ``MalformedBody`` (each an ``errors.PermanentError`` with a reason code);
- ``success_reply()`` is what the endpoint answers once the transfers are stored, so the
  service stops retrying.

Every service retries and may send the same transaction twice; ``Transfer.transaction_id`` is
the service's own id for it (the same across retries and manual resends), so the caller
applies ``(provider, transaction_id)`` once. A timestamped signature (SePay's HMAC, Casso v2)
also refuses a replay older than the allowed drift; an API key or payOS's body signature
cannot tell a replay from a retry, and the dedupe key is what keeps those harmless.

Merchant APIs (payOS payment links) are a second kind, ``PaymentLinks``, built on
``base.Remote`` (HTTP through ``integrations.http``).
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from integrations import base
from integrations.webhooks import MalformedBody
from vietnam.zone import VIETNAM

LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"


class Capability(enum.StrEnum):
    SIGNED = "signed"  # the body is signed with a shared secret
    TIMESTAMPED = "timestamped"  # the signature covers a timestamp: stale replays refused
    MONEY_OUT = "money_out"  # reports outgoing transfers too (direction "out")
    PROVIDER_CODE = "provider_code"  # extracts the payment code from the content itself
    PAYMENT_LINKS = "payment_links"  # a merchant API creating payment links


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


@dataclasses.dataclass(frozen=True)
class Transfer:
    """One bank transaction as a service reported it."""

    provider: str  # the source's ``name``
    transaction_id: str  # the service's id for the transaction: the dedupe key
    account_number: str  # the connected account the money moved on
    amount: int  # đồng, positive
    direction: Direction
    content: str  # the transfer content as the bank gave it (raw)
    occurred_at: dt.datetime  # UTC
    provider_code: str | None = None  # the code the service extracted (SePay), the link's
    # orderCode (payOS), or None
    reference: str = ""  # the bank's reference (trace) number
    counter_account_name: str = ""
    counter_account_number: str = ""
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)


class Fields:
    """Typed reads of one JSON object; a missing or mistyped field is ``MalformedBody``."""

    def __init__(self, data: Any, where: str = "") -> None:
        if not isinstance(data, dict):
            raise MalformedBody(f"{where or 'body'} is not an object", params={"field": where})
        self.data: dict[str, Any] = data
        self.where = where

    def _bad(self, name: str, what: str) -> MalformedBody:
        field = f"{self.where}.{name}" if self.where else name
        return MalformedBody(f"{field}: {what}", code="bad_field", params={"field": field})

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise self._bad(name, "missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self._bad(name, "not text")
        return str(value)

    def integer(self, name: str) -> int:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self._bad(name, "not a number")
        try:
            number = float(value)
            whole = int(number)
        except (ValueError, OverflowError):
            raise self._bad(name, "not a number") from None
        if number != whole:
            raise self._bad(name, "not a whole number")
        return whole

    def local_time(self, name: str) -> dt.datetime:
        """A ``YYYY-MM-DD HH:MM:SS`` Vietnam local time, as UTC."""
        text = self.text(name, required=True)
        try:
            local = dt.datetime.strptime(text[:19], LOCAL_FORMAT)
        except ValueError:
            raise self._bad(name, "not a date and time") from None
        return local.replace(tzinfo=VIETNAM).astimezone(dt.UTC)


class PaymentSource(base.Configured, abc.ABC):
    """One webhook service. Build one per connected account (its secrets) and call ``verify``
    with every webhook call the endpoint receives."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    max_drift_seconds: ClassVar[float] = 300.0

    @abc.abstractmethod
    def verify(
        self, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
    ) -> list[Transfer]:
        """The transfers one webhook call reports, once its signature (and timestamp) hold."""

    def success_reply(self) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body that tell the service the call was taken."""
        return 200, {"success": True}


@dataclasses.dataclass(frozen=True)
class PaymentLink:
    """A payment request at a merchant API (payOS): what the buyer opens or scans."""

    order_code: int
    amount: int
    description: str
    status: str  # PENDING, PAID, CANCELLED, EXPIRED
    payment_link_id: str = ""
    checkout_url: str = ""
    qr_code: str = ""  # the VietQR payload
    account_number: str = ""
    account_name: str = ""
    bin: str = ""
    amount_paid: int = 0


@dataclasses.dataclass(frozen=True)
class LinkItem:
    name: str
    quantity: int
    price: int  # đồng


@dataclasses.dataclass(frozen=True)
class LinkRequest:
    """What a payment link asks for (payOS: ``expired_at`` in Unix seconds)."""

    order_code: int
    amount: int  # đồng
    description: str  # the transfer content the buyer's bank sends
    return_url: str
    cancel_url: str
    expired_at: int | None = None
    items: tuple[LinkItem, ...] = ()


class PaymentLinks(base.Remote, abc.ABC):
    """A merchant API that creates payment links and reports their status."""

    @abc.abstractmethod
    def create_link(self, request: LinkRequest) -> PaymentLink:
        """A new payment link for ``request.order_code``."""

    @abc.abstractmethod
    def link_status(self, ref: str | int) -> PaymentLink:
        """The link named by its order code or payment-link id, as it stands now."""

    @abc.abstractmethod
    def confirm_webhook(self, url: str) -> None:
        """Register ``url`` as the account's webhook (the service may call it once to test)."""
