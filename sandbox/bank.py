"""A sandbox bank: transfers arrive on its accounts and SePay, Casso and payOS tell a webhook
address about them the way each does, on 127.0.0.1, for the tests and the demo.

One ``Bank`` holds the accounts' transactions, the webhook addresses (one per service) and
a queue of deliveries on a clock: virtual (tests move it with ``advance``/``drain``, so a
retry 33 minutes later takes no time) or real time (the demo: a background thread delivers).
Each service's call is built and signed here, independently of ``integrations.payments``:

- SePay: HMAC-SHA256 ``X-SePay-Timestamp``/``X-SePay-Signature: sha256=…`` over
  ``"{timestamp}.{body}"`` (or ``Authorization: Apikey …``); retries at 0, 1, 2, 4, 7, 12,
  20 and 33 minutes after the first attempt (documented), then the delivery is failed;
- Casso v2: ``X-Casso-Signature: t=<ms>,v1=<HMAC-SHA512>`` over the body with keys sorted;
  the body itself is sent unsorted and spaced, so a receiver must canonicalise it; retries
  at 0, 1, 5, 15 and 60 minutes (*assumed*: Casso publishes no policy);
- payOS: a signed body, only for transfers that pay one of its payment links (found by the
  link's description in the content, as payOS does, or named by ``order_code``); retries at
  0, 1, 5 and 15 minutes (*assumed*).

Faults (``Faults``, per transfer, seeded): duplicates (the same transaction delivered again a
little later, as a resend does), out-of-order delivery (held back past later ones), random
delays, mangled contents (what banks do to transfer text: accents dropped, case, spaces and
punctuation in the code, tokens before and after, digits glued to the code), truncation to
VietQR's 25 characters behind a long trace id, and wrong amounts. On request: a replay of an
old delivery as it was sent, and a badly signed call.

payOS's merchant API is served too (``POST /v2/payment-requests``, ``GET
/v2/payment-requests/{id}``, ``POST /confirm-webhook``), with a checkout page per link.

Admin under ``/_sandbox/``: ``pay`` (POST ``{account, amount, content, order_code?}``: the
bank receives a transfer and the webhooks go out), ``webhooks`` (POST ``{provider, url,
auth?}``), ``faults`` (POST), ``advance`` (POST ``{seconds}``), ``drain`` (POST: deliver
everything due, retries included), ``replay`` and ``bad-signature`` (POST ``{provider}``),
``state`` (GET), ``reset`` (POST), ``checkout/<link id>`` (the buyer's page and its button).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import heapq
import hmac
import html
import itertools
import json
import random
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from sandbox import core
from sandbox.core import json_response
from vietnam import vietqr
from vietnam.zone import VIETNAM

DEMO_ACCOUNT = "0123499999"
DEMO_ACCOUNT_NAME = "HTX NUOC MAM MONG CAI"
DEMO_BANK = "Vietcombank"
DEMO_BIN = vietqr.BANK_BINS[DEMO_BANK]
DEMO_SEPAY_SECRET = "sandbox-sepay-secret"
DEMO_SEPAY_API_KEY = "sandbox-sepay-api-key"
DEMO_CASSO_CHECKSUM_KEY = "sandbox-casso-checksum-key"
DEMO_PAYOS_CLIENT_ID = "sandbox-payos-client-id"
DEMO_PAYOS_API_KEY = "sandbox-payos-api-key"
DEMO_PAYOS_CHECKSUM_KEY = "sandbox-payos-checksum-key"

PROVIDERS = ("sepay", "casso", "payos")
# Minutes after the first attempt at which each attempt is made.
RETRY_MINUTES = {
    "sepay": (0, 1, 2, 4, 7, 12, 20, 33),  # documented (Fibonacci)
    "casso": (0, 1, 5, 15, 60),  # assumed
    "payos": (0, 1, 5, 15),  # assumed
}
SENDERS = ("NGUYEN VAN A", "TRAN THI BICH NGOC", "LE HOANG NAM", "PHAM THU TRANG")
PAYOS_DESCRIPTION_MAX = 9


@dataclasses.dataclass
class Faults:
    """Chances per transfer (0..1); ``seed`` makes a run repeatable."""

    duplicate_rate: float = 0.0  # delivered twice (the copy 5–60 s after the first)
    out_of_order_rate: float = 0.0  # held back ``hold_seconds`` past later transfers
    hold_seconds: float = 120.0
    delay_max: float = 0.0  # each first attempt waits 0..delay_max seconds
    mangle_rate: float = 0.0  # content changed the way banks do (code still readable)
    truncate_rate: float = 0.0  # a long trace id in front, then cut to 25 characters
    wrong_amount_rate: float = 0.0  # 1,000 đ short or 10,000 đ over
    seed: int | None = None


@dataclasses.dataclass
class Transaction:
    """Money the bank received."""

    number: int  # the bank's running number (SePay's and Casso's ``id``)
    account: str
    amount: int  # as received (may differ from what was asked)
    asked_amount: int
    content: str  # as the webhook services see it (may be mangled)
    asked_content: str
    at: float  # epoch seconds, on the bank's clock
    reference: str
    sender_name: str
    sender_account: str
    order_code: int | None = None  # the payOS link it paid, if any
    balance: int = 0

    def view(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Hook:
    provider: str
    url: str
    auth: str = "hmac"  # SePay only: "hmac" or "api_key"


@dataclasses.dataclass
class Delivery:
    """One transaction's webhook to one service, attempted until it succeeds or runs out."""

    seq: int
    provider: str
    number: int  # the transaction
    first_due: float
    copy: int = 0  # 0: the delivery, 1: a duplicate
    attempts: int = 0
    state: str = "pending"  # pending | delivered | failed


@dataclasses.dataclass
class Attempt:
    """One HTTP call made to a webhook address (kept for replays and for the tests)."""

    provider: str
    number: int
    attempt: int
    at: float
    kind: str  # "delivery" | "duplicate" | "replay" | "bad_signature" | "test"
    status: int | None  # None: no reply (connection refused, timeout)
    headers: dict[str, str]
    body: bytes

    def view(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "number": self.number,
            "attempt": self.attempt,
            "at": self.at,
            "kind": self.kind,
            "status": self.status,
        }


@dataclasses.dataclass
class Link:
    """A payOS payment link."""

    order_code: int
    link_id: str
    amount: int
    description: str
    cancel_url: str
    return_url: str
    created: float
    status: str = "PENDING"
    paid: int = 0
    transactions: list[int] = dataclasses.field(default_factory=list)


# --- what banks do to transfer content ---------------------------------------------------


def _plain(text: str) -> str:
    """Accents dropped, đ → d (banking apps send plain letters)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _split_code(text: str, rng: random.Random) -> str:
    """Punctuation or a space put inside the first code-looking word (``DH-001042 9``)."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 4 and word[:2].isalpha() and word[2:].isdigit():
            sep = rng.choice(("-", " ", ".", "_", "#"))
            words[i] = f"{word[:2]}{sep}{word[2:-1]} {word[-1]}"
            break
    return " ".join(words)


MANGLES: dict[str, Callable[[str, random.Random], str]] = {
    "plain_upper": lambda text, rng: _plain(text).upper(),
    "lower": lambda text, rng: _plain(text).lower(),
    "split_code": _split_code,
    "ibft_prefix": lambda text, rng: f"IBFT {_plain(text)}",
    "trace_prefix": lambda text, rng: f"MBVCB.{rng.randint(10**9, 10**10 - 1)}.{_plain(text)}",
    "sender_suffix": lambda text, rng: f"{_plain(text)} {rng.choice(SENDERS)} chuyen tien",
    "glued_digits": lambda text, rng: f"{text.split(' ')[0]}{rng.randint(1000, 9999)}",
    "no_spaces": lambda text, rng: _plain(text).replace(" ", ""),
}


def truncated(text: str, rng: random.Random) -> str:
    """A long trace id and the sender's name in front, then VietQR's 25 characters."""
    return f"APPMB{rng.randint(10**11, 10**12 - 1)} {rng.choice(SENDERS)} {_plain(text)}"[:25]


# --- the services' calls -----------------------------------------------------------------


def _local(at: float) -> str:
    return dt.datetime.fromtimestamp(at, VIETNAM).strftime("%Y-%m-%d %H:%M:%S")


def _hex(algorithm: str, key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), getattr(hashlib, algorithm)).hexdigest()


def payos_sign(key: str, data: dict[str, Any]) -> str:
    """payOS's signature: the data's pairs sorted by key, ``null`` as empty, joined by ``&``."""
    pairs = []
    for name, value in sorted(data.items()):
        shown = "" if value is None else value
        if isinstance(shown, (dict, list)):
            shown = json.dumps(shown, separators=(",", ":"), ensure_ascii=False)
        pairs.append(f"{name}={shown}")
    return _hex("sha256", key, "&".join(pairs))


def sepay_call(
    tx: Transaction, hook: Hook, now: float, code: str | None
) -> tuple[dict[str, str], bytes]:
    body = json.dumps(
        {
            "id": tx.number,
            "gateway": DEMO_BANK,
            "transactionDate": _local(tx.at),
            "accountNumber": tx.account,
            "code": code,
            "content": tx.content,
            "transferType": "in",
            "transferAmount": tx.amount,
            "accumulated": tx.balance,
            "subAccount": None,
            "referenceCode": tx.reference,
            "description": f"{tx.reference} {tx.content}",
        },
        ensure_ascii=False,
    ).encode()
    if hook.auth == "api_key":
        return {"Authorization": f"Apikey {DEMO_SEPAY_API_KEY}"}, body
    stamp = str(int(now))
    signed = _hex("sha256", DEMO_SEPAY_SECRET, f"{stamp}.{body.decode()}")
    return {"X-SePay-Timestamp": stamp, "X-SePay-Signature": f"sha256={signed}"}, body


def _shared_fields(tx: Transaction) -> dict[str, Any]:
    """The fields Casso's and payOS's data name alike: the transfer, the sender's account and
    the (unused) virtual account."""
    return {
        "amount": tx.amount,
        "description": tx.content,
        "reference": tx.reference,
        "transactionDateTime": _local(tx.at),
        "accountNumber": tx.account,
        "virtualAccountNumber": "",
        "virtualAccountName": "",
        "counterAccountName": tx.sender_name,
        "counterAccountNumber": tx.sender_account,
        "counterAccountBankId": "970415",
        "counterAccountBankName": "VietinBank",
    }


def casso_call(tx: Transaction, now: float) -> tuple[dict[str, str], bytes]:
    data = {
        "id": tx.number,
        "runningBalance": tx.balance,
        "bankName": DEMO_BANK,
        "bankAbbreviation": "VCB",
        **_shared_fields(tx),
    }
    payload = {"error": 0, "data": data}
    stamp = str(int(now * 1000))
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    signed = _hex("sha512", DEMO_CASSO_CHECKSUM_KEY, f"{stamp}.{canonical}")
    body = json.dumps(payload, ensure_ascii=False, indent=1).encode()
    return {"X-Casso-Signature": f"t={stamp},v1={signed}"}, body


def payos_call(tx: Transaction, link: Link) -> tuple[dict[str, str], bytes]:
    data = {
        "orderCode": link.order_code,
        "currency": "VND",
        "paymentLinkId": link.link_id,
        "code": "00",
        "desc": "success",
        **_shared_fields(tx),
    }
    body = {
        "code": "00",
        "desc": "success",
        "success": True,
        "data": data,
        "signature": payos_sign(DEMO_PAYOS_CHECKSUM_KEY, data),
    }
    return {}, json.dumps(body, ensure_ascii=False).encode()


def sepay_code(content: str) -> str | None:
    """The payment code SePay would extract with prefix ``DH`` and digits only."""
    folded = "".join(c for c in _plain(content).upper() if c.isalnum())
    start = folded.find("DH")
    while start >= 0:
        digits = ""
        for c in folded[start + 2 :]:
            if not c.isdigit():
                break
            digits += c
        if len(digits) >= 4:
            return "DH" + digits[:30]
        start = folded.find("DH", start + 2)
    return None


def _spoil(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    """The same call with its signature broken (or, for payOS, its amount changed)."""
    spoilt = dict(headers)
    if "X-SePay-Signature" in spoilt:
        spoilt["X-SePay-Signature"] = "sha256=" + "0" * 64
    elif "Authorization" in spoilt:
        spoilt["Authorization"] = "Apikey wrong-key"
    elif "X-Casso-Signature" in spoilt:
        stamp = spoilt["X-Casso-Signature"].split(",")[0]
        spoilt["X-Casso-Signature"] = f"{stamp},v1={'f' * 128}"
    else:
        payload = json.loads(body)
        payload["data"]["amount"] = int(payload["data"]["amount"]) * 10
        body = json.dumps(payload, ensure_ascii=False).encode()
    return spoilt, body


class Bank(core.DeliveryThread):
    """The bank's accounts, the services' webhook addresses and the delivery queue."""

    def __init__(self, *, realtime: bool = False, started: float | None = None) -> None:
        self.realtime = realtime
        self.started = float(int(started if started is not None else time.time()))
        self.lock = threading.RLock()
        self.wake = threading.Condition(self.lock)
        self._worker: threading.Thread | None = None
        self._closed = False
        self.http = requests.Session()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.elapsed = 0.0
            self.faults = Faults()
            self.rng = random.Random()
            self.hooks: dict[str, Hook] = {}
            self.transactions: dict[int, Transaction] = {}
            self.deliveries: list[Delivery] = []
            self.queue: list[tuple[float, int, Delivery]] = []
            self.attempts: list[Attempt] = []
            self.links: dict[int, Link] = {}
            self.balance = 25_000_000
            self._numbers = itertools.count(92704)
            self._seq = itertools.count(1)

    # clock ----------------------------------------------------------------------------
    def now(self) -> float:
        """Seconds since the epoch on the bank's clock."""
        return time.time() if self.realtime else self.started + self.elapsed

    def now_utc(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now(), dt.UTC)

    def set_faults(self, **values: Any) -> Faults:
        with self.lock:
            self.faults = core.dataclass_from(Faults, values)
            self.rng = random.Random(self.faults.seed)
            return self.faults

    def connect(self, provider: str, url: str, auth: str = "hmac") -> Hook:
        """Send ``provider``'s webhooks to ``url`` from now on."""
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}")
        with self.lock:
            self.hooks[provider] = hook = Hook(provider, url, auth)
            return hook

    # transfers ------------------------------------------------------------------------
    def pay(
        self,
        amount: int,
        content: str,
        *,
        account: str = DEMO_ACCOUNT,
        order_code: int | None = None,
    ) -> Transaction:
        """The bank receives a transfer; every connected service's webhook is queued."""
        with self.lock:
            faults, rng = self.faults, self.rng
            received = content
            if rng.random() < faults.truncate_rate:
                received = truncated(content, rng)
            elif rng.random() < faults.mangle_rate:
                received = MANGLES[rng.choice(sorted(MANGLES))](content, rng)
            got = amount
            if rng.random() < faults.wrong_amount_rate:
                got = amount - 1_000 if rng.random() < 0.5 else amount + 10_000
            self.balance += got
            tx = Transaction(
                number=next(self._numbers),
                account=account,
                amount=got,
                asked_amount=amount,
                content=received,
                asked_content=content,
                at=self.now(),
                reference=f"FT{rng.randint(10**11, 10**12 - 1)}",
                sender_name=rng.choice(SENDERS),
                sender_account=str(rng.randint(10**9, 10**10 - 1)),
                balance=self.balance,
            )
            link = self._link_paid_by(tx, order_code)
            if link is not None:
                tx.order_code = link.order_code
                link.paid += got
                link.transactions.append(tx.number)
                if link.paid >= link.amount:
                    link.status = "PAID"
            self.transactions[tx.number] = tx
            for provider in PROVIDERS:
                if provider in self.hooks and (provider != "payos" or link is not None):
                    self._schedule(provider, tx)
            self.wake.notify_all()
        self._ensure_worker()
        return tx

    def _link_paid_by(self, tx: Transaction, order_code: int | None) -> Link | None:
        if order_code is not None:
            return self.links.get(order_code)
        squeezed = "".join(c for c in _plain(tx.content).upper() if c.isalnum())
        for link in self.links.values():
            wanted = "".join(c for c in _plain(link.description).upper() if c.isalnum())
            if link.status == "PENDING" and wanted and wanted in squeezed:
                return link
        return None

    def _schedule(self, provider: str, tx: Transaction) -> None:
        faults, rng = self.faults, self.rng
        due = tx.at + rng.uniform(0, faults.delay_max)
        if rng.random() < faults.out_of_order_rate:
            due += faults.hold_seconds
        copies = [due]
        if rng.random() < faults.duplicate_rate:
            copies.append(due + rng.uniform(5, 60))
        for copy, when in enumerate(copies):
            delivery = Delivery(next(self._seq), provider, tx.number, when, copy=copy)
            self.deliveries.append(delivery)
            heapq.heappush(self.queue, (when, delivery.seq, delivery))

    # delivering -----------------------------------------------------------------------
    def build_call(self, provider: str, tx: Transaction) -> tuple[dict[str, str], bytes]:
        """The headers and body ``provider`` sends about ``tx`` now (signed now)."""
        hook = self.hooks[provider]
        if provider == "sepay":
            headers, body = sepay_call(tx, hook, self.now(), sepay_code(tx.content))
        elif provider == "casso":
            headers, body = casso_call(tx, self.now())
        else:
            headers, body = payos_call(tx, self.links[tx.order_code or 0])
        return {"Content-Type": "application/json", **headers}, body

    def send(
        self,
        provider: str,
        number: int,
        attempt: int,
        kind: str,
        headers: dict[str, str],
        body: bytes,
    ) -> Attempt:
        """One HTTP call to ``provider``'s webhook address, recorded."""
        url = self.hooks[provider].url
        status: int | None
        try:
            reply = self.http.post(url, data=body, headers=headers, timeout=(2, 30))
            status = reply.status_code
        except requests.RequestException:
            status = None
        record = Attempt(provider, number, attempt, self.now(), kind, status, headers, body)
        with self.lock:
            self.attempts.append(record)
        return record

    def _deliver(self, delivery: Delivery) -> None:
        with self.lock:
            tx = self.transactions[delivery.number]
            delivery.attempts += 1
            headers, body = self.build_call(delivery.provider, tx)
        kind = "duplicate" if delivery.copy else "delivery"
        record = self.send(delivery.provider, tx.number, delivery.attempts, kind, headers, body)
        ok = record.status is not None and 200 <= record.status < 300
        with self.lock:
            schedule = RETRY_MINUTES[delivery.provider]
            if ok:
                delivery.state = "delivered"
            elif delivery.attempts >= len(schedule):
                delivery.state = "failed"
            else:
                due = delivery.first_due + 60 * schedule[delivery.attempts]
                heapq.heappush(self.queue, (due, delivery.seq, delivery))

    def _take_due(self, until: float) -> Delivery | None:
        with self.lock:
            if not self.queue or self.queue[0][0] > until:
                return None
            due, _, delivery = heapq.heappop(self.queue)
            if not self.realtime:
                self.elapsed = max(self.elapsed, due - self.started)
            return delivery

    def advance(self, seconds: float) -> int:
        """Move the virtual clock ``seconds`` on, delivering what falls due in order; the
        number of calls made."""
        if self.realtime:
            raise RuntimeError("a real-time bank's clock cannot be moved")
        target = self.now() + seconds
        made = 0
        while (delivery := self._take_due(target)) is not None:
            self._deliver(delivery)
            made += 1
        with self.lock:
            self.elapsed = max(self.elapsed, target - self.started)
        return made

    def drain(self) -> int:
        """Deliver everything queued, retries included (the virtual clock runs to the last)."""
        if self.realtime:
            raise RuntimeError("a real-time bank delivers on its own")
        made = 0
        while True:
            with self.lock:
                if not self.queue:
                    return made
                last = max(due for due, _, _ in self.queue)
            made += self.advance(max(0.0, last - self.now()))

    def _ensure_worker(self) -> None:
        if not self.realtime:
            return
        with self.lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, daemon=True, name="bank")
                self._worker.start()

    def _work(self) -> None:
        while True:
            with self.lock:
                while not self._closed and (not self.queue or self.queue[0][0] > time.time()):
                    wait = self.queue[0][0] - time.time() if self.queue else 60.0
                    self.wake.wait(timeout=max(0.01, min(wait, 60.0)))
                if self._closed:
                    return
            delivery = self._take_due(time.time())
            if delivery is not None:
                self._deliver(delivery)

    # on request -----------------------------------------------------------------------
    def replay(self, provider: str, index: int = 0) -> Attempt:
        """Send again, byte for byte, the ``index``-th successful call made to ``provider``
        (the oldest by default): an attacker's or a confused proxy's replay."""
        with self.lock:
            done = [
                a
                for a in self.attempts
                if a.provider == provider
                and a.kind in ("delivery", "duplicate")
                and a.status is not None
                and 200 <= a.status < 300
            ]
            old = done[index]
        return self.send(provider, old.number, 0, "replay", old.headers, old.body)

    def bad_signature(self, provider: str, number: int | None = None) -> Attempt:
        """A call about transaction ``number`` (the last by default) with a wrong signature."""
        with self.lock:
            tx = self.transactions[number if number is not None else max(self.transactions)]
            headers, body = self.build_call(provider, tx)
        headers, body = _spoil(headers, body)
        return self.send(provider, tx.number, 0, "bad_signature", headers, body)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            states: dict[str, int] = {}
            for delivery in self.deliveries:
                key = f"{delivery.provider}:{delivery.state}"
                states[key] = states.get(key, 0) + 1
            return {
                "now": self.now(),
                "transactions": [tx.view() for tx in self.transactions.values()],
                "deliveries": states,
                "pending": len(self.queue),
                "attempts": [a.view() for a in self.attempts],
                "links": [dataclasses.asdict(link) for link in self.links.values()],
                "hooks": {p: dataclasses.asdict(h) for p, h in self.hooks.items()},
            }


# --- HTTP ------------------------------------------------------------------------------


def _payos_reply(data: Any, code: str = "00", desc: str = "success", status: int = 200) -> Response:
    body: dict[str, Any] = {"code": code, "desc": desc, "data": data}
    if isinstance(data, dict):
        body["signature"] = payos_sign(DEMO_PAYOS_CHECKSUM_KEY, data)
    return json_response(body, status=status)


class BankSandbox:
    """The bank's admin endpoints and payOS's merchant API, as one WSGI app."""

    name = "bank"

    def __init__(self, bank: Bank | None = None) -> None:
        self.bank = bank or Bank()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        head, _, rest = request.path.strip("/").partition("/")
        if head == "_sandbox":
            return self.admin(request, rest.split("/"))
        return self.payos(request, [head, *rest.split("/")] if rest else [head])

    # payOS merchant API ---------------------------------------------------------------
    def payos(self, request: Request, parts: list[str]) -> Response:
        if (
            request.headers.get("x-client-id") != DEMO_PAYOS_CLIENT_ID
            or request.headers.get("x-api-key") != DEMO_PAYOS_API_KEY
        ):
            return json_response({"code": "401", "desc": "Unauthorized"}, status=401)
        body = request.get_json(silent=True) or {}
        if parts == ["v2", "payment-requests"] and request.method == "POST":
            return self.create_link(request, body)
        if parts[:2] == ["v2", "payment-requests"] and len(parts) == 3:
            return self.link_status(parts[2])
        if parts == ["confirm-webhook"] and request.method == "POST":
            return self.confirm_webhook(str(body.get("webhookUrl") or ""))
        return json_response({"code": "404", "desc": "Not found"}, status=404)

    def create_link(self, request: Request, body: dict[str, Any]) -> Response:
        signed = {
            k: body.get(k) for k in ("amount", "cancelUrl", "description", "orderCode", "returnUrl")
        }
        if any(v is None for v in signed.values()):
            return _payos_reply(None, "20", "Thiếu tham số", status=400)
        if str(body.get("signature", "")) != payos_sign(DEMO_PAYOS_CHECKSUM_KEY, signed):
            return _payos_reply(None, "201", "Chữ ký không hợp lệ", status=400)
        description = str(body["description"])
        if len(description) > PAYOS_DESCRIPTION_MAX:
            return _payos_reply(None, "20", "Mô tả tối đa 9 kí tự", status=400)
        bank = self.bank
        with bank.lock:
            code = int(body["orderCode"])
            if code in bank.links:
                return _payos_reply(None, "231", "Đơn thanh toán đã tồn tại")
            link = Link(
                code,
                secrets.token_hex(16),
                int(body["amount"]),
                description,
                str(body["cancelUrl"]),
                str(body["returnUrl"]),
                bank.now(),
            )
            bank.links[code] = link
        return _payos_reply(self.link_view(link, request.host_url))

    def link_view(self, link: Link, host_url: str) -> dict[str, Any]:
        return {
            "bin": DEMO_BIN,
            "accountNumber": DEMO_ACCOUNT,
            "accountName": DEMO_ACCOUNT_NAME,
            "amount": link.amount,
            "description": link.description,
            "orderCode": link.order_code,
            "currency": "VND",
            "paymentLinkId": link.link_id,
            "status": link.status,
            "checkoutUrl": f"{host_url.rstrip('/')}/_sandbox/checkout/{link.link_id}",
            "qrCode": vietqr.build_payload(
                DEMO_BIN, DEMO_ACCOUNT, link.amount, None, link.description
            ),
        }

    def find_link(self, ref: str) -> Link | None:
        with self.bank.lock:
            for link in self.bank.links.values():
                if ref in (link.link_id, str(link.order_code)):
                    return link
        return None

    def link_status(self, ref: str) -> Response:
        link = self.find_link(ref)
        if link is None:
            return _payos_reply(None, "101", "Không tìm thấy đơn thanh toán", status=404)
        return _payos_reply(
            {
                "id": link.link_id,
                "orderCode": link.order_code,
                "amount": link.amount,
                "amountPaid": link.paid,
                "amountRemaining": max(0, link.amount - link.paid),
                "status": link.status,
                "createdAt": dt.datetime.fromtimestamp(link.created, dt.UTC).isoformat(),
                "transactions": link.transactions,
            }
        )

    def confirm_webhook(self, url: str) -> Response:
        """Set payOS's webhook address, after a test call to it answers 2xx (as payOS does)."""
        bank = self.bank
        with bank.lock:
            previous = bank.hooks.get("payos")
            bank.connect("payos", url)
            sample = Transaction(
                0,
                DEMO_ACCOUNT,
                3000,
                3000,
                "VQRIO123",
                "VQRIO123",
                bank.now(),
                "TF230204212323",
                "NGUYEN VAN A",
                "0123456789",
            )
            headers, body = payos_call(sample, Link(123, "test-link", 3000, "VQRIO123", "", "", 0))
        test = bank.send(
            "payos", 0, 1, "test", {"Content-Type": "application/json", **headers}, body
        )
        if test.status is None or not 200 <= test.status < 300:
            with bank.lock:
                if previous is None:
                    bank.hooks.pop("payos", None)
                else:
                    bank.hooks["payos"] = previous
            return _payos_reply(None, "20", "Webhook url invalid", status=400)
        return _payos_reply({"webhookUrl": url})

    # admin ----------------------------------------------------------------------------
    def admin(self, request: Request, parts: list[str]) -> Response:
        try:
            return self.admin_action(request, parts)
        except (KeyError, ValueError, TypeError, IndexError, RuntimeError) as exc:
            return json_response({"error": "bad_request", "message": repr(exc)}, status=400)

    def admin_action(self, request: Request, parts: list[str]) -> Response:
        bank = self.bank
        body = request.get_json(silent=True) or {}
        action = "/".join(parts)
        post = request.method == "POST"
        if action == "pay" and post:
            tx = bank.pay(
                int(body["amount"]),
                str(body.get("content", "")),
                account=str(body.get("account") or DEMO_ACCOUNT),
                order_code=int(body["order_code"]) if body.get("order_code") is not None else None,
            )
            return json_response(tx.view())
        if action == "webhooks" and post:
            hook = bank.connect(
                str(body["provider"]), str(body["url"]), str(body.get("auth") or "hmac")
            )
            return json_response(dataclasses.asdict(hook))
        if action == "faults" and post:
            return json_response(dataclasses.asdict(bank.set_faults(**body)))
        if action == "advance" and post:
            return json_response({"calls": bank.advance(float(body.get("seconds", 0)))})
        if action == "drain" and post:
            return json_response({"calls": bank.drain()})
        if action in ("replay", "bad-signature") and post:
            provider = str(body.get("provider") or "sepay")
            if action == "replay":
                made = bank.replay(provider, int(body.get("index", 0)))
            else:
                made = bank.bad_signature(provider)
            return json_response(made.view())
        if action == "reset" and post:
            bank.reset()
            return json_response({"ok": True})
        if action == "state":
            return json_response(bank.snapshot())
        if parts[:1] == ["checkout"] and len(parts) in (2, 3):
            return self.checkout(request, parts[1], pay=len(parts) == 3 and post)
        return json_response({"error": "unknown admin action"}, status=404)

    def checkout(self, request: Request, link_id: str, *, pay: bool) -> Response:
        """The buyer's payOS page: the QR's text and a button that makes the transfer."""
        link = self.find_link(link_id)
        if link is None:
            return Response("not found", status=404, content_type="text/plain")
        if pay and link.status == "PENDING":
            self.bank.pay(link.amount, link.description, order_code=link.order_code)
        view = self.link_view(link, request.host_url)
        page = (
            "<!doctype html><html lang='vi'><meta charset='utf-8'><title>payOS sandbox</title>"
            f"<h1>payOS (sandbox)</h1><p id='amount'>{link.amount}</p>"
            f"<p id='description'>{html.escape(link.description)}</p>"
            f"<p id='status'>{html.escape(link.status)}</p>"
            f"<pre id='qr'>{html.escape(view['qrCode'])}</pre>"
            f"<form method='post' action='/_sandbox/checkout/{html.escape(link.link_id)}/pay'>"
            "<button type='submit' id='pay'>Thanh toán / Pay</button></form></html>"
        )
        return Response(page, content_type="text/html; charset=utf-8")


def demo() -> BankSandbox:
    """The demo's bank: real time, webhooks delivered by a background thread; connect the
    services with ``POST /_sandbox/webhooks`` (or ``confirm-webhook`` for payOS)."""
    return BankSandbox(Bank(realtime=True))


def demo_credentials() -> dict[str, dict[str, str]]:
    """The secrets each service's source needs to verify this bank's calls (config dicts)."""
    return {
        "sepay": {
            "auth": "hmac",
            "webhook_secret": DEMO_SEPAY_SECRET,
            "api_key": DEMO_SEPAY_API_KEY,
        },
        "casso": {"checksum_key": DEMO_CASSO_CHECKSUM_KEY},
        "payos": {
            "client_id": DEMO_PAYOS_CLIENT_ID,
            "api_key": DEMO_PAYOS_API_KEY,
            "checksum_key": DEMO_PAYOS_CHECKSUM_KEY,
        },
    }
