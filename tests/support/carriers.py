"""What the carrier sandbox tests share: places on the 2025 map, a parcel to ship, a webhook
receiver on 127.0.0.1 that records every call (and answers 500 when told to), and a rig: the
carrier's sandbox server, the receiver and an adapter pointed at the sandbox."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from integrations import errors, http
from integrations.carriers import base, registry
from sandbox import core
from sandbox.carriers.common import CarrierSandbox
from vietnam import admin_units


def place(name: str, phone: str, street: str, province: str, commune: str) -> base.Place:
    """A place on the 2025 map, its codes looked up from the names."""
    unit = admin_units.find_province(province)
    assert unit is not None
    ward = admin_units.find_commune(unit.code, commune)
    assert ward is not None
    return base.Place(name, phone, street, unit.name, ward.name, unit.code, ward.code)


SENDER = place("HTX Chè Shan Tuyết", "0911222333", "Số 5 Phố Đội Cấn", "Hà Nội", "Phường Ba Đình")
RECIPIENT = place("Lan", "0987654321", "12 Trần Phú", "Hồ Chí Minh", "Phường An Đông")
NEARBY = place("Minh", "0987654322", "3 Phố Huế", "Hà Nội", "Phường Bạch Mai")
LEGACY = dataclasses.replace(
    RECIPIENT,
    legacy=base.LegacyPlace("Thành phố Hồ Chí Minh", "Quận 5", "Phường 2"),
)
NOWHERE = dataclasses.replace(RECIPIENT, commune="Phường Không Có Thật")
ITEMS = (
    base.Item("Trà Shan tuyết", "OCOP-TRA-01", 2, 90_000, 300),
    base.Item("Mật ong bạc hà", "OCOP-MO-02", 1, 150_000, 500),
)


def shipment(
    reference: str,
    *,
    recipient: base.Place = RECIPIENT,
    cod: int = 330_000,
    weight_g: int = 1_200,
    size: tuple[int, int, int] = (20, 15, 10),
    declared: int = 1_500_000,
    service: str = "",
) -> base.ShipmentRequest:
    return base.ShipmentRequest(
        reference=reference,
        sender=SENDER,
        recipient=recipient,
        parcel=base.Parcel(weight_g, *size),
        items=ITEMS,
        cod_amount=cod,
        declared_value=declared,
        note="Cho xem hàng",
        service=service,
    )


@dataclasses.dataclass
class Call:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered


class Receiver:
    """A webhook endpoint that keeps every call; ``failing[text]`` = how many calls whose body
    holds ``text`` get a 500 before one is taken."""

    name = "receiver"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failing: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        body = request.get_data()
        status = 200
        with self.lock:
            for text, left in self.failing.items():
                if left > 0 and text.encode() in body:
                    self.failing[text] = left - 1
                    status = 500
                    break
            self.calls.append(
                Call(request.path, dict(request.args), dict(request.headers), body, status)
            )
        return Response("ok" if status == 200 else "down", status=status)(environ, start_response)

    def taken(self) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.status == 200]


@dataclasses.dataclass
class Rig:
    """A carrier's sandbox on 127.0.0.1, the receiver it posts webhooks to, an adapter."""

    sandbox: core.Server[Any]
    receiver: Receiver
    receiver_url: str
    carrier: base.Carrier
    make: Callable[..., base.Carrier]  # (config overrides, client=…, clock=…) → an adapter

    @property
    def url(self) -> str:
        return self.sandbox.url

    def admin(self, action: str, body: Mapping[str, Any] | None = None) -> Any:
        if body is None and action in ("parcels", "stats", "attempts"):
            reply = requests.get(f"{self.url}/_sandbox/{action}", timeout=10)
        else:
            reply = requests.post(f"{self.url}/_sandbox/{action}", json=body or {}, timeout=60)
        reply.raise_for_status()
        return reply.json()

    def move(self, code: str, status: str, **extra: Any) -> None:
        self.admin(f"parcels/{code}/status", {"status": status, **extra})

    def listen(self, path: str = "/hooks/secret-key") -> None:
        self.admin("webhook", {"url": f"{self.receiver_url}{path}"})

    def parcel(self, code: str) -> dict[str, Any]:
        return next(p for p in self.admin("parcels") if p["code"] == code)

    def updates(self) -> list[base.StatusUpdate]:
        """Every webhook the receiver took, read by the adapter, in arrival order."""
        found: list[base.StatusUpdate] = []
        for call in self.receiver.taken():
            found.extend(self.carrier.parse_webhook(call.headers, call.body, call.query))
        return found

    def another(self, overrides: Mapping[str, str] | None = None, **options: Any) -> base.Carrier:
        """An adapter with other config or clock, sharing the rig's client (and so its pace)."""
        options.setdefault("client", self.carrier.client)
        return self.make(dict(overrides or {}), **options)

    def unlimited(self) -> base.Carrier:
        """An adapter with no rate limiter of its own (to meet the sandbox's 429)."""
        return self.another(client=http.HttpClient(self.carrier.config["api_base_url"]))


Served = tuple[core.Server[Any], core.Server[Any]]


def fixtures(
    name: str, sandbox: Callable[[], CarrierSandbox], config: Callable[[str], dict[str, str]]
) -> tuple[Any, Any]:
    """``served`` (the carrier ``name``'s sandbox and a receiver, one pair per test module)
    and ``rig`` (them emptied, and an adapter built from ``config(sandbox address)``); a test
    module assigns them to those names."""

    @pytest.fixture(scope="module")
    def served() -> Iterator[Served]:
        receiver = Receiver()
        with core.Server(sandbox()) as carrier, core.Server(receiver) as hook:
            yield carrier, hook

    @pytest.fixture
    def rig(served: Served) -> Rig:
        sandbox_server, hook = served
        url = sandbox_server.url
        requests.post(f"{url}/_sandbox/reset", timeout=10).raise_for_status()
        receiver = hook.dialect
        assert isinstance(receiver, Receiver)
        with receiver.lock:
            receiver.calls.clear()
            receiver.failing.clear()

        def make(overrides: dict[str, str], **options: Any) -> base.Carrier:
            return registry.get(name)({**config(url), **overrides}, **options)

        return Rig(sandbox_server, receiver, hook.url, registry.create(name, config(url)), make)

    return served, rig


# checks every carrier passes alike -----------------------------------------------------------


def check_lost_replies_make_no_second_parcel(rig: Rig, fee: int) -> None:
    """Half the create replies lost (the parcel made, then 504): 40 bookings through the
    adapter's own loop make 40 parcels, one per reference, the lost ones found by reference."""
    rig.admin("faults", {"lost_reply_rate": 0.5, "seed": 21})
    bookings = [rig.carrier.book(shipment(f"DH{n:07d}-1")) for n in range(100, 140)]
    stats = rig.admin("stats")
    assert stats["duplicates"] == 0 and stats["parcels"] == stats["references"] == 40
    found = [b for b in bookings if not b.created]  # the reply was lost: found by reference
    assert len(found) >= 10 and all(b.fee == fee and b.tracking_code for b in found)
    by_reference = {p["reference"]: p["code"] for p in rig.admin("parcels")}
    assert {b.reference: b.tracking_code for b in bookings} == by_reference


def check_rate_limit(rig: Rig) -> None:
    """Faster than the carrier's rate the sandbox answers 429 (``RateLimited``); the booking
    loop waits it out and still makes one parcel per reference."""
    hasty = rig.unlimited()
    with pytest.raises(errors.RateLimited) as limited:
        for _ in range(3 * int(rig.carrier.rate_limit)):
            hasty.find("DH0000060-1")
    assert limited.value.status == 429 and limited.value.retry_after > 0
    bookings = [hasty.book(shipment(f"DH{n:07d}-1")) for n in range(61, 73)]
    assert all(b.created for b in bookings)
    assert rig.admin("stats")["duplicates"] == 0
