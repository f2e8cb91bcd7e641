"""What the carrier sandbox tests share: places on the 2025 map, a parcel to ship, a webhook
receiver on 127.0.0.1 that records every call (and answers 500 when told to), and a rig: the
carrier's sandbox server, the receiver and an adapter pointed at the sandbox."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from integrations import http
from integrations.carriers import base
from sandbox import core
from sandbox.carriers.common import CarrierSandbox

SENDER = base.Place(
    name="HTX Chè Shan Tuyết",
    phone="0911222333",
    street="Số 5 Phố Đội Cấn",
    province="Thành phố Hà Nội",
    commune="Phường Ba Đình",
    province_code=1,
    commune_code=4,
)
RECIPIENT = base.Place(
    name="Lan",
    phone="0987654321",
    street="12 Trần Phú",
    province="Thành phố Hồ Chí Minh",
    commune="Phường An Đông",
    province_code=79,
    commune_code=27316,
)
NEARBY = dataclasses.replace(RECIPIENT, province="Thành phố Hà Nội", commune="Phường Bạch Mai")
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


@contextmanager
def servers(sandbox: CarrierSandbox) -> Iterator[tuple[core.Server[Any], core.Server[Any]]]:
    """The sandbox and a receiver, each served on 127.0.0.1 (one pair per test module)."""
    receiver = Receiver()
    with core.Server(sandbox) as served, core.Server(receiver) as hook:
        yield served, hook


def rig(
    served: tuple[core.Server[Any], core.Server[Any]],
    make: Callable[..., base.Carrier],
    carrier: base.Carrier,
) -> Rig:
    """The module's servers, emptied (parcels, faults, webhook address, receiver calls)."""
    sandbox, hook = served
    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=10).raise_for_status()
    receiver = hook.dialect
    assert isinstance(receiver, Receiver)
    with receiver.lock:
        receiver.calls.clear()
        receiver.failing.clear()
    return Rig(sandbox, receiver, hook.url, carrier, make)
