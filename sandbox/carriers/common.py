"""What the sandbox carriers share: parcels, a clock, faults, the carrier's rate limit, the
status webhooks they push (with the carrier's retries) and the ``/_sandbox/*`` admin calls.

A carrier subclasses ``CarrierSandbox``: ``route(request)`` answers its API (reading and
writing ``self.depot``), ``webhook_call(parcel, event)`` builds one status webhook as that
carrier sends it, ``rate_limited()`` / ``server_error()`` answer in its envelope.

Admin (JSON):
- ``GET /_sandbox/parcels`` — every parcel with its history; ``GET /_sandbox/stats`` —
  counts (parcels, per reference, create calls, duplicates = parcels beyond one per reference);
- ``POST /_sandbox/webhook {"url"}`` — where status webhooks go;
- ``POST /_sandbox/parcels/<code>/status {"status", "cod_amount"?, "fee"?, "partial"?,
  "kind"?}`` — the parcel moves (the carrier's own code; "" keeps it where it is, for an update
  of COD or fee alone); its webhook is queued; ``kind`` names the carrier's update type (GHN
  ``update_cod``…) when the carrier has them;
- ``GET /_sandbox/attempts`` — every webhook call made (code, status, attempt, HTTP status);
- ``POST /_sandbox/advance {"status", "codes"?}`` — every (or the named) live parcel moves;
- ``POST /_sandbox/faults {...Faults}``, ``POST /_sandbox/reset``, ``POST /_sandbox/drain``.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import heapq
import itertools
import json
import math
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from sandbox import core
from vietnam import admin_units, text


@dataclasses.dataclass
class Faults:
    """Chances are per call (0..1). ``seed`` makes a run repeatable."""

    error_rate: float = 0.0  # answer 500 without doing anything
    lost_reply_rate: float = 0.0  # do the write, then answer 504 (the reply is "lost")
    webhook_fail_rate: float = 0.0  # the app "misses" a webhook: the carrier retries it
    duplicate_rate: float = 0.0  # a webhook is sent twice
    seed: int | None = None


@dataclasses.dataclass
class Event:
    status: str  # the carrier's code
    at: float  # seconds since the epoch
    cod_amount: int | None = None
    partial: bool = False
    description: str = ""
    fee: int | None = None
    kind: str = ""  # the carrier's update type ("" = a status move)
    cod_then: int = 0  # the parcel's COD and fee as of this move (what its webhook tells)
    fee_then: int = 0


@dataclasses.dataclass
class SandboxParcel:
    code: str  # the carrier's tracking code
    reference: str  # the client's code for it
    created_at: float
    body: dict[str, Any]  # the create request as received (the carrier's fields)
    cod_amount: int
    fee: int
    weight_g: int = 0
    history: list[Event] = dataclasses.field(default_factory=list)

    @property
    def status(self) -> str:
        return self.history[-1].status if self.history else ""

    def view(self) -> dict[str, Any]:
        fields = ("code", "reference", "status", "cod_amount", "fee", "weight_g")
        shown: dict[str, Any] = {name: getattr(self, name) for name in fields}
        shown["history"] = [dataclasses.asdict(e) for e in self.history]
        return shown


@dataclasses.dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    code: str = dataclasses.field(compare=False)
    index: int = dataclasses.field(compare=False)  # the event's place in the parcel's history
    attempt: int = dataclasses.field(compare=False, default=0)


@dataclasses.dataclass(frozen=True)
class Attempt:
    code: str
    status: str
    attempt: int
    http_status: int | None


def _same_address(url: str) -> str:
    return url


class Depot(core.DeliveryThread):
    """One carrier's parcels and webhook queue. ``retries`` / ``retry_seconds`` are the
    carrier's webhook retry schedule (GHN: 10 retries 5 s apart). On the virtual clock a
    parcel's every move after the first comes ``move_seconds`` after the one before (so each
    has its own time, as the carriers' dedupe keys need)."""

    def __init__(
        self,
        *,
        rate_limit: float = 0.0,
        retries: int = 3,
        retry_seconds: float = 5.0,
        realtime: bool = False,
        move_seconds: float = 60.0,
    ) -> None:
        self.rate_limit = rate_limit
        self.move_seconds = move_seconds
        self.retries = retries
        self.retry_seconds = retry_seconds
        self.realtime = realtime
        self.lock = threading.RLock()
        self.wake = threading.Condition(self.lock)
        self.http = requests.Session()
        # Where a webhook for the registered address goes (GHTK adds its ``?hash=``).
        self.target: Callable[[str], str] = _same_address
        self._worker: threading.Thread | None = None
        self._closed = False
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.faults = Faults()
            self.rng = random.Random()
            self.started = time.time()
            self.elapsed = 0.0
            self.parcels: dict[str, SandboxParcel] = {}
            self.by_reference: dict[str, list[str]] = collections.defaultdict(list)
            self.create_calls = 0
            self.calls: collections.Counter[str] = collections.Counter()
            self.webhook_url: str | None = None
            self.queue: list[_Delivery] = []
            self.attempts: list[Attempt] = []
            self.window: collections.deque[float] = collections.deque()
            self._seq = itertools.count(1)
            self._numbers = itertools.count(1)

    # clock, faults, rate ----------------------------------------------------------------
    def now(self) -> float:
        return time.time() if self.realtime else self.started + self.elapsed

    def chance(self, rate: float) -> bool:
        with self.lock:
            return rate > 0 and self.rng.random() < rate

    def set_faults(self, **values: Any) -> Faults:
        with self.lock:
            self.faults = core.dataclass_from(Faults, values)
            self.rng = random.Random(self.faults.seed)
            return self.faults

    def over_rate(self) -> bool:
        """Record a call; True when it is over ``rate_limit`` calls in the last second."""
        with self.lock:
            return core.window_full(self.window, self.rate_limit)

    def next_number(self) -> int:
        with self.lock:
            return next(self._numbers)

    def create(
        self, reference: str, build: Callable[[int], SandboxParcel], first_status: str
    ) -> tuple[SandboxParcel, bool]:
        """One create call: the parcel ``build(number)`` makes, or (False) the one already
        booked under ``reference`` — checked and added under the lock, so two racing calls
        never make two parcels."""
        with self.lock:
            self.create_calls += 1
            existing = self.find_reference(reference)
            if existing is not None:
                return existing, False
            return self.add(build(self.next_number()), first_status), True

    # parcels ------------------------------------------------------------------------------
    def add(self, parcel: SandboxParcel, first_status: str) -> SandboxParcel:
        with self.lock:
            self.parcels[parcel.code] = parcel
            self.by_reference[parcel.reference].append(parcel.code)
            self.move(parcel.code, first_status)
            return parcel

    def find_reference(self, reference: str) -> SandboxParcel | None:
        with self.lock:
            codes = self.by_reference.get(reference) or []
            return self.parcels[codes[0]] if codes else None

    def move(
        self,
        code: str,
        status: str,
        *,
        cod_amount: int | None = None,
        partial: bool = False,
        description: str = "",
        fee: int | None = None,
        kind: str = "",
    ) -> Event:
        """The parcel reaches ``status`` ("" = stays where it is); its webhook is queued (when
        one is registered)."""
        with self.lock:
            parcel = self.parcels[code]
            if not self.realtime and parcel.history:
                self.elapsed += self.move_seconds
            event = Event(
                status or parcel.status, self.now(), cod_amount, partial, description, fee, kind
            )
            parcel.history.append(event)
            if cod_amount is not None:
                parcel.cod_amount = cod_amount
            if fee is not None:
                parcel.fee = fee
            event.cod_then, event.fee_then = parcel.cod_amount, parcel.fee
            if self.webhook_url:
                self._queue(code, len(parcel.history) - 1, self.now())
                if self.chance(self.faults.duplicate_rate):
                    self._queue(code, len(parcel.history) - 1, self.now())
            return event

    def stats(self) -> dict[str, Any]:
        with self.lock:
            counts = [len(codes) for codes in self.by_reference.values()]
            return {
                "parcels": len(self.parcels),
                "references": len(self.by_reference),
                "duplicates": sum(n - 1 for n in counts if n > 1),
                "create_calls": self.create_calls,
                "calls": dict(self.calls),
                "webhooks_sent": len(self.attempts),
                "webhooks_queued": len(self.queue),
            }

    # webhooks -----------------------------------------------------------------------------
    def _queue(self, code: str, index: int, due: float, attempt: int = 0) -> None:
        heapq.heappush(self.queue, _Delivery(due, next(self._seq), code, index, attempt))
        self.wake.notify_all()
        self._ensure_worker()

    def deliver_one(
        self, build: Callable[[SandboxParcel, Event], tuple[dict[str, str], bytes]]
    ) -> bool:
        """Send the first due webhook (virtual clock: the first queued); False when none."""
        with self.lock:
            if not self.queue:
                return False
            if self.realtime and self.queue[0].due > time.time():
                return False
            delivery = heapq.heappop(self.queue)
            if not self.realtime:
                self.elapsed = max(self.elapsed, delivery.due - self.started)
            parcel = self.parcels[delivery.code]
            event = parcel.history[delivery.index]
            headers, body = build(parcel, event)
            url = self.target(self.webhook_url) if self.webhook_url else None
            missed = self.chance(self.faults.webhook_fail_rate)
        status: int | None = None
        if url and not missed:
            try:
                reply = self.http.post(url, data=body, headers=headers, timeout=(2, 30))
                status = reply.status_code
            except requests.RequestException:
                status = None
        with self.lock:
            self.attempts.append(Attempt(parcel.code, event.status, delivery.attempt, status))
            ok = status is not None and status == 200
            if not ok and delivery.attempt < self.retries:
                self._queue(
                    delivery.code,
                    delivery.index,
                    delivery.due + self.retry_seconds,
                    delivery.attempt + 1,
                )
        return True

    def drain(self, build: Callable[[SandboxParcel, Event], tuple[dict[str, str], bytes]]) -> int:
        """Send everything queued, retries included (virtual clock only)."""
        made = 0
        while self.deliver_one(build):
            made += 1
        return made

    def _ensure_worker(self) -> None:
        if not self.realtime or self._worker is not None:
            return
        self._worker = threading.Thread(target=self._work, daemon=True, name="carrier-hooks")
        self._worker.start()

    builder: Callable[[SandboxParcel, Event], tuple[dict[str, str], bytes]] | None = None

    def _work(self) -> None:
        while True:
            with self.lock:
                while not self._closed and (not self.queue or self.queue[0].due > time.time()):
                    wait = self.queue[0].due - time.time() if self.queue else 60.0
                    self.wake.wait(timeout=max(0.01, min(wait, 60.0)))
                if self._closed:
                    return
                build = self.builder
            if build is not None:
                self.deliver_one(build)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def read_json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class CarrierSandbox:
    """One sandbox carrier as a WSGI app."""

    name = "carrier"
    # Paths (after the prefix) whose calls write: a lost-reply fault does them, then 504s.
    write_paths: tuple[str, ...] = ()

    def __init__(self, depot: Depot | None = None, **depot_options: Any) -> None:
        self.depot = depot or Depot(**depot_options)
        self.depot.builder = self.webhook_call
        self.depot.target = self.webhook_address

    # what a carrier fills in ------------------------------------------------------------
    def route(self, request: Request) -> Response:
        raise NotImplementedError

    def webhook_call(self, parcel: SandboxParcel, event: Event) -> tuple[dict[str, str], bytes]:
        raise NotImplementedError

    def webhook_address(self, url: str) -> str:
        """The address a status webhook is posted to, for the registered ``url``."""
        return url

    def rate_limited(self) -> Response:
        return json_response({"message": "Too many requests"}, 429)

    def server_error(self, status: int) -> Response:
        return json_response({"message": "Server error"}, status)

    # the server ---------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self.dispatch(Request(environ))(environ, start_response)

    def counted(self, request: Request) -> bool:
        """Whether the call counts against the rate limit (pages a person opens do not)."""
        return True

    def is_write(self, request: Request) -> bool:
        return request.method == "POST" and any(
            request.path.endswith(p) or f"{p}/" in request.path for p in self.write_paths
        )

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/_sandbox/"):
            return self.admin(request)
        depot = self.depot
        with depot.lock:
            depot.calls[request.path] += 1
        if self.counted(request) and depot.over_rate():
            return self.rate_limited()
        if depot.chance(depot.faults.error_rate):
            return self.server_error(500)
        writes = self.is_write(request)
        lost = writes and depot.chance(depot.faults.lost_reply_rate)
        response = self.route(request)
        return self.server_error(504) if lost else response

    def admin(self, request: Request) -> Response:
        depot = self.depot
        parts = request.path.strip("/").split("/")[1:]
        body = read_json(request)
        if parts == ["parcels"] and request.method == "GET":
            with depot.lock:
                return json_response([p.view() for p in depot.parcels.values()])
        if parts == ["stats"]:
            return json_response(depot.stats())
        if parts == ["attempts"]:
            with depot.lock:
                return json_response([dataclasses.asdict(a) for a in depot.attempts])
        if parts == ["webhook"] and request.method == "POST":
            with depot.lock:
                depot.webhook_url = str(body.get("url") or "") or None
            return json_response({"url": depot.webhook_url})
        if len(parts) == 3 and parts[0] == "parcels" and parts[2] == "status":
            if parts[1] not in depot.parcels:
                return json_response({"error": "no such parcel"}, 404)
            event = depot.move(
                parts[1],
                str(body.get("status", "")),
                cod_amount=body.get("cod_amount"),
                partial=bool(body.get("partial")),
                description=str(body.get("description", "")),
                fee=body.get("fee"),
                kind=str(body.get("kind", "")),
            )
            return json_response(dataclasses.asdict(event))
        if parts == ["advance"] and request.method == "POST":
            codes = body.get("codes") or list(depot.parcels)
            for code in codes:
                if code in depot.parcels:
                    depot.move(code, str(body.get("status", "")))
            return json_response({"moved": len(codes)})
        if parts == ["faults"] and request.method == "POST":
            return json_response(dataclasses.asdict(depot.set_faults(**body)))
        if parts == ["reset"] and request.method == "POST":
            depot.reset()
            return json_response({"ok": True})
        if parts == ["drain"] and request.method == "POST":
            return json_response({"sent": depot.drain(self.webhook_call)})
        return json_response({"error": "unknown sandbox call"}, 404)


# what the carriers' sandboxes compute alike -------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Tariff:
    """A sandbox carrier's price list, deterministic: ``base_same`` (within one province) or
    ``base_far`` (between provinces) for the first ``first_g`` grams, plus ``step`` đồng per
    started ``step_g`` grams above them. The billable weight is the larger of the real one
    and the volume one (length × width × height cm³ ÷ ``volume_divisor`` grams; 0 = weight
    only). Insurance: ``insurance_rate`` of the declared value above ``insurance_free``."""

    base_same: int
    base_far: int
    step: int
    first_g: int = 500
    step_g: int = 500
    volume_divisor: int = 0
    insurance_rate: float = 0.005
    insurance_free: int = 1_000_000

    def billable_g(self, weight_g: int, dims: tuple[int, int, int] = (0, 0, 0)) -> int:
        volume = 0
        if self.volume_divisor:
            volume = math.ceil(dims[0] * dims[1] * dims[2] / self.volume_divisor)
        return max(weight_g, volume)

    def fee(
        self, weight_g: int, same_province: bool, dims: tuple[int, int, int] = (0, 0, 0)
    ) -> int:
        billable = self.billable_g(weight_g, dims)
        steps = max(0, math.ceil((billable - self.first_g) / self.step_g))
        return (self.base_same if same_province else self.base_far) + steps * self.step

    def insurance(self, value: int) -> int:
        return 0 if value <= self.insurance_free else round(value * self.insurance_rate)


def place_problem(province: str, district: str, ward: str) -> str:
    """ "" when the names are a place the carrier knows, else why not (``missing``,
    ``unknown_province``, ``unknown_commune``). Names on the 2025 map (no district) must be a
    province and one of its communes. Old three-level names (a district given) are taken when
    none is empty: they are not checked against the old map yet (``vietnam.addresses`` will
    give it)."""
    if not province.strip() or not ward.strip():
        return "missing"
    if district.strip():
        return ""
    unit = admin_units.find_province(province)
    if unit is None:
        return "unknown_province"
    if admin_units.find_commune(unit.code, ward) is None:
        return "unknown_commune"
    return ""


def same_province(one: str, other: str) -> bool:
    """Whether two province names (2025 or old, any spelling) name the same province."""
    first, second = admin_units.find_province(one), admin_units.find_province(other)
    if first is not None and second is not None:
        return first.code == second.code
    return text.fold(one).strip() == text.fold(other).strip()


def iso_utc(seconds: float, *, millis: bool = True) -> str:
    """``2021-11-11T03:52:50.158Z`` (GHN's times)."""
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{moment.microsecond // 1000:03d}Z" if millis else f"{stamp}Z"


# Page sizes in PDF points (1/72 inch).
PAGE_SIZES = {"A4": (595, 842), "A5": (420, 595), "A6": (298, 420)}


def minimal_pdf(lines: list[str], size: tuple[int, int] = PAGE_SIZES["A6"]) -> bytes:
    """A valid one-page PDF showing ``lines`` in Helvetica (folded to ASCII: the standard
    fonts have no Vietnamese letters), made by hand: catalog, pages, page, font, content
    stream and a cross-reference table with exact offsets."""
    width, height = size
    parts = ["BT /F1 11 Tf 14 TL", f"18 {height - 30} Td"]
    for line in lines:
        ascii_line = text.strip_accents(line).replace("đ", "d").replace("Đ", "D")
        ascii_line = ascii_line.encode("ascii", "replace").decode("ascii")
        escaped = ascii_line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        parts.append(f"({escaped}) Tj T*")
    parts.append("ET")
    stream = "\n".join(parts).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ).encode("ascii"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
