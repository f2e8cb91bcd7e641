"""The carrier contract: one delivery company (GHN, GHTK, Viettel Post, Vietnam Post) that
quotes a fee, books a parcel with cash on delivery (COD), prints its label, cancels it and
reports where it is (by webhook, or by polling where the carrier offers a status query).

Like the other adapter kinds: class-level metadata (name, title, config schema with secrets
marked, capabilities, the carrier's documented request rate), one module per carrier, a
registry that imports a module only when asked (``integrations.carriers.registry``), typed
errors from ``integrations.errors``. A carrier holds no database handle and no state.

Addresses are the app's canonical two-level places (the 2025 map: province → commune/ward,
``vietnam.addresses``); each adapter maps them to what its carrier takes at call time (names,
or the carrier's own province/district/ward codes through the old three-level units the
place came from, ``Place.legacy``).

Booking is idempotent on ``ShipmentRequest.reference`` (our code for the parcel, sent as the
carrier's client order code): after a lost reply, or when the carrier refuses the reference
as already used, ``book`` finds the parcel already made and returns it with
``Booking.created = False`` — a retried booking never makes a second parcel.

Statuses: every carrier's own codes map to ``ShipStatus`` (``STATUS_MAP`` per adapter); an
unknown code maps to ``ShipStatus.EXCEPTION``. ``StatusUpdate.event_key`` is the carrier's
dedupe key for one update (GHN ``OrderCode+Type+Time``, Viettel Post
``ORDER_NUMBER+ORDER_STATUS+ORDER_STATUSDATE``…); updates may come twice and out of order,
so the caller never moves a parcel backwards (``ShipStatus.rank``).
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from integrations import base, errors


class Capability(enum.StrEnum):
    QUOTE = "quote"  # fee quotes before booking
    LABEL_PDF = "label_pdf"  # the carrier's own label document
    CANCEL = "cancel"
    WEBHOOK = "webhook"  # pushes status updates
    POLL = "poll"  # a status query for one parcel (``track``)
    FIND_BY_REFERENCE = "find_by_reference"  # look a parcel up by our reference


class ShipStatus(enum.StrEnum):
    """Where a parcel is, in the app's words (each carrier's codes map to one of these)."""

    BOOKING = "booking"  # our side: asked the carrier, no answer yet (never from a carrier)
    CREATED = "created"  # booked, waiting for pickup
    PICKING = "picking"  # a courier is on the way to pick it up
    PICKED_UP = "picked_up"  # in the carrier's hands
    IN_TRANSIT = "in_transit"  # between hubs
    DELIVERING = "delivering"  # out for delivery
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"  # an attempt failed; the carrier may try again
    RETURNING = "returning"  # on its way back to the sender
    RETURNED = "returned"  # back with the sender
    CANCELLED = "cancelled"
    LOST = "lost"  # lost or damaged: a claim
    EXCEPTION = "exception"  # a code we do not know, or the carrier's own "exception"

    @property
    def rank(self) -> int:
        """Order of progress: an update with a lower rank than the parcel's never moves it
        back (updates arrive twice and out of order). Failed delivery sits between
        delivering and returning: the carrier may still deliver after it."""
        return _RANK[self]

    @property
    def final(self) -> bool:
        return self in (
            ShipStatus.DELIVERED,
            ShipStatus.RETURNED,
            ShipStatus.CANCELLED,
            ShipStatus.LOST,
        )


_RANK = {
    ShipStatus.BOOKING: 0,
    ShipStatus.CREATED: 1,
    ShipStatus.PICKING: 2,
    ShipStatus.PICKED_UP: 3,
    ShipStatus.IN_TRANSIT: 4,
    ShipStatus.DELIVERING: 5,
    ShipStatus.DELIVERY_FAILED: 6,
    ShipStatus.EXCEPTION: 6,
    ShipStatus.RETURNING: 7,
    ShipStatus.DELIVERED: 8,
    ShipStatus.RETURNED: 8,
    ShipStatus.CANCELLED: 9,
    ShipStatus.LOST: 9,
}


class Paper(enum.StrEnum):
    A6 = "a6"  # one label per A6 page (thermal label printers)
    A5 = "a5"
    A4 = "a4"  # four A6 labels on an A4 sheet (office printers)


@dataclasses.dataclass(frozen=True)
class LegacyPlace:
    """The pre-2025 three-level names of a place (province, district, ward), for carriers
    whose masters still ask for a district."""

    province: str
    district: str
    ward: str


@dataclasses.dataclass(frozen=True)
class Place:
    """One end of a parcel on the 2025 two-level map (codes of the national statistics
    office, as ``vietnam.addresses`` gives them)."""

    name: str
    phone: str  # 0xxxxxxxxx
    street: str  # house number, street, hamlet: what comes before the commune
    province: str  # "Tỉnh Quảng Ninh"
    commune: str  # "Phường Móng Cái 2"
    province_code: int
    commune_code: int
    legacy: LegacyPlace | None = None

    def one_line(self) -> str:
        return ", ".join(part for part in (self.street, self.commune, self.province) if part)


@dataclasses.dataclass(frozen=True)
class Item:
    name: str
    code: str  # seller SKU
    quantity: int
    price: int  # đồng, per unit
    weight_g: int  # per unit


@dataclasses.dataclass(frozen=True)
class Parcel:
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int


@dataclasses.dataclass(frozen=True)
class ShipmentRequest:
    """One parcel to quote or book."""

    reference: str  # our code for the parcel (the carrier's client order code): idempotency key
    sender: Place  # where the courier picks up (the producer's address)
    recipient: Place
    parcel: Parcel
    items: tuple[Item, ...]
    cod_amount: int  # đồng the courier collects from the buyer (0 = none)
    declared_value: int  # đồng, for insurance
    note: str = ""
    service: str = ""  # the carrier's service code; "" = its default
    buyer_pays_fee: bool = False  # the fee is collected from the buyer on top of the COD


@dataclasses.dataclass(frozen=True)
class Quote:
    carrier: str
    service: str  # the carrier's service code
    service_name: str  # as the carrier names it (shown as is)
    fee: int  # đồng, everything the carrier charges for this parcel
    insurance_fee: int = 0
    cod_fee: int = 0
    expected_days: int | None = None
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)


@dataclasses.dataclass(frozen=True)
class Booking:
    carrier: str
    tracking_code: str  # the carrier's code for the parcel (GHN OrderCode, GHTK label…)
    reference: str  # ours, as sent
    fee: int  # đồng
    sort_code: str = ""  # the carrier's routing code printed on labels (GHN sort_code…)
    expected_delivery: dt.datetime | None = None  # UTC
    created: bool = True  # False: found an existing parcel for the reference
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)


@dataclasses.dataclass(frozen=True)
class StatusUpdate:
    carrier: str
    tracking_code: str
    reference: str  # ours when the carrier echoes it, else ""
    status: ShipStatus
    carrier_status: str  # the carrier's own code, as text ("delivered", "5", "501")
    occurred_at: dt.datetime  # UTC
    event_key: str  # the carrier's dedupe key for this update
    description: str = ""  # the carrier's words (shown as is)
    cod_amount: int | None = None  # đồng, when the update states it (COD changed)
    fee: int | None = None  # đồng, when the update states it
    partial: bool = False  # partial delivery / partial return
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)


@dataclasses.dataclass(frozen=True)
class LabelDocument:
    """The carrier's own label: a PDF, or (GHN) a link valid for a while."""

    content_type: str  # "application/pdf" or "text/uri-list"
    content: bytes = b""
    url: str = ""
    expires_at: dt.datetime | None = None


class Carrier(base.Remote, abc.ABC):
    """One carrier account. Build one per connected account (its config) and call."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    # The carrier's documented request rate (calls per second) this adapter keeps under;
    # the sandbox refuses faster callers with 429, as the carrier does.
    rate_limit: ClassVar[float] = 5.0
    # The carrier's status codes (as text) → ours; anything else is EXCEPTION.
    STATUS_MAP: ClassVar[Mapping[str, ShipStatus]] = {}

    @classmethod
    def map_status(cls, code: object) -> ShipStatus:
        return cls.STATUS_MAP.get(str(code).strip(), ShipStatus.EXCEPTION)

    @abc.abstractmethod
    def quote(self, request: ShipmentRequest) -> list[Quote]:
        """The carrier's fee for the parcel under each service it offers on that route
        (cheapest first). Raises ``errors.ValidationFailed`` for an address it cannot serve."""

    @abc.abstractmethod
    def book(self, request: ShipmentRequest) -> Booking:
        """Book the parcel; idempotent on ``request.reference`` (see the module doc)."""

    def find(self, reference: str) -> Booking | None:
        """The parcel booked under our ``reference``, or None."""
        raise errors.NotSupported(f"{self.name} cannot look parcels up by reference")

    def label(self, tracking_codes: Sequence[str], paper: Paper = Paper.A6) -> LabelDocument:
        raise errors.NotSupported(f"{self.name} prints no label document")

    def cancel(self, tracking_code: str) -> None:
        """Cancel a parcel not yet picked up; ``errors.ValidationFailed`` once it is too late."""
        raise errors.NotSupported(f"{self.name} cannot cancel parcels")

    def track(self, tracking_code: str) -> list[StatusUpdate]:
        """The parcel's status now (polling), as one or more updates."""
        raise errors.NotSupported(f"{self.name} has no status query")

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> list[StatusUpdate]:
        """The updates one webhook call reports, once its secret checks out (raises
        ``integrations.webhooks.BadSignature`` / ``MalformedBody`` otherwise)."""
        raise errors.NotSupported(f"{self.name} sends no webhooks")

    def webhook_reply(self) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body that tell the carrier the call was taken."""
        return 200, {"success": True}
