"""The payment sources against the sandbox bank over real HTTP on 127.0.0.1.

The sandbox bank receives transfers and delivers SePay's, Casso's and payOS's webhooks to a
small local receiver that verifies each call with the adapters and stores transfers by
``(provider, transaction_id)``. With duplicates, out-of-order delivery, delays, mangled
contents, wrong amounts and failing endpoints (retries on the bank's virtual clock), every
transfer is verified and stored once; replays and badly signed calls are refused (or, for
payOS, which signs no timestamp, recognised as duplicates).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from integrations import errors, webhooks
from integrations.payments import base, registry
from integrations.payments.payos import PayOSLinks
from sandbox import bank as sandbox_bank
from sandbox import core
from vietnam import transfers

SMALL_CLUB = 10**6 - 1


@dataclasses.dataclass
class Receiver:
    """A webhook endpoint: verify, store once per transaction id, reply as the service wants."""

    bank: sandbox_bank.Bank
    name: str = "receiver"
    sources: dict[str, base.PaymentSource] = dataclasses.field(default_factory=dict)
    stored: dict[tuple[str, str], base.Transfer] = dataclasses.field(default_factory=dict)
    arrivals: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    duplicates: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    rejected: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    failing: dict[str, int] = dataclasses.field(default_factory=dict)  # transaction → 500s left
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for name, config in sandbox_bank.demo_credentials().items():
            self.sources[name] = registry.create(name, config)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        provider = request.path.strip("/")
        source = self.sources[provider]
        body = request.get_data()
        try:
            found = source.verify(dict(request.headers), body, now=self.bank.now_utc())
        except webhooks.WebhookRejected as exc:
            with self.lock:
                self.rejected.append((provider, exc.reason))
            return Response(json.dumps({"error": exc.reason}), status=401)(environ, start_response)
        with self.lock:
            for transfer in found:
                key = (provider, transfer.transaction_id)
                if self.failing.get(transfer.transaction_id, 0) > 0:
                    self.failing[transfer.transaction_id] -= 1
                    return Response("down", status=500)(environ, start_response)
                self.arrivals.append(key)
                if key in self.stored:
                    self.duplicates[provider] += 1
                else:
                    self.stored[key] = transfer
        status, reply = source.success_reply()
        response = Response(json.dumps(reply), status=status, content_type="application/json")
        return response(environ, start_response)


@dataclasses.dataclass
class Rig:
    bank: sandbox_bank.Bank
    sandbox: core.Server[sandbox_bank.BankSandbox]
    receiver: Receiver
    receiver_url: str

    def admin(self, action: str, **body: Any) -> Any:
        reply = requests.post(f"{self.sandbox.url}/_sandbox/{action}", json=body, timeout=60)
        reply.raise_for_status()
        return reply.json()

    def connect(self, provider: str, auth: str = "hmac") -> None:
        self.admin("webhooks", provider=provider, url=f"{self.receiver_url}/{provider}", auth=auth)

    def links(self, **config: str) -> PayOSLinks:
        creds = {**sandbox_bank.demo_credentials()["payos"], "api_base_url": self.sandbox.url}
        return PayOSLinks({**creds, **config})


@pytest.fixture
def rig() -> Iterator[Rig]:
    bank = sandbox_bank.Bank()
    receiver = Receiver(bank)
    with core.Server(sandbox_bank.BankSandbox(bank)) as sandbox, core.Server(receiver) as hook:
        yield Rig(bank, sandbox, receiver, hook.url)


def ask(order_code: int, amount: int, description: str) -> base.LinkRequest:
    return base.LinkRequest(
        order_code, amount, description, "http://127.0.0.1/ok", "http://127.0.0.1/cancel"
    )


def inversions(order: list[int]) -> int:
    return sum(1 for i in range(len(order) - 1) if order[i] > order[i + 1])


FAULTS = {"duplicate_rate": 0.2, "out_of_order_rate": 0.1, "delay_max": 20.0, "seed": 20}


@pytest.mark.parametrize("provider", ["sepay", "casso"])
def test_200_transfers_with_duplicates_and_disorder_are_each_stored_once(
    rig: Rig, provider: str
) -> None:
    rig.connect(provider)
    rig.admin("faults", **FAULTS)
    paid = {}
    for order_id in range(1, 201):
        tx = rig.admin("pay", amount=10_000 * order_id, content=transfers.make_code(order_id))
        paid[str(tx["number"])] = (order_id, tx["amount"])
    calls = rig.admin("drain")["calls"]
    got = rig.receiver
    assert got.rejected == []
    assert {tid for _, tid in got.stored} == set(paid)  # every transfer verified and stored
    assert calls == len(got.arrivals) == 200 + got.duplicates[provider]
    assert 20 <= got.duplicates[provider] <= 60  # about 20 % sent twice, caught by id
    assert inversions([int(tid) for _, tid in got.arrivals]) > 0  # not in the bank's order
    for (_, tid), transfer in got.stored.items():
        order_id, amount = paid[tid]
        assert transfers.order_ids(transfer.content, max_id=SMALL_CLUB) == [order_id]
        assert (transfer.amount, transfer.direction) == (amount, base.Direction.IN)
        assert transfer.account_number == sandbox_bank.DEMO_ACCOUNT
    state = rig.admin("state")
    assert state["pending"] == 0 and state["deliveries"] == {
        f"{provider}:delivered": 200 + got.duplicates[provider]
    }


def test_payos_links_paid_through_the_sandbox(rig: Rig) -> None:
    links = rig.links()
    links.confirm_webhook(f"{rig.receiver_url}/payos")  # payOS calls it once to test it
    assert rig.receiver.arrivals == [("payos", "test-link:TF230204212323")]
    rig.receiver.arrivals.clear()
    rig.receiver.stored.clear()
    rig.admin("faults", **FAULTS)
    for order_id in range(1, 201):
        link = links.create_link(ask(order_id, 5_000 + order_id, transfers.make_code(order_id)))
        assert (link.status, link.order_code, link.amount) == (
            "PENDING",
            order_id,
            5_000 + order_id,
        )
        assert link.checkout_url.startswith(rig.sandbox.url) and link.qr_code.startswith("000201")
        rig.admin("pay", amount=link.amount, content=f"{link.description} chuyen tien")
    rig.admin("drain")
    got = rig.receiver
    assert got.rejected == [] and len(got.stored) == 200
    assert 20 <= got.duplicates["payos"] <= 60
    by_code = {int(t.provider_code or -1): t for t in got.stored.values()}
    assert sorted(by_code) == list(range(1, 201))
    assert all(by_code[i].amount == 5_000 + i for i in by_code)
    status = links.link_status(17)
    assert (status.status, status.amount_paid) == ("PAID", 5_017)
    assert links.link_status(status.payment_link_id).order_code == 17


def test_mangled_contents_and_wrong_amounts_never_name_another_order(rig: Rig) -> None:
    rig.connect("sepay")
    rig.admin("faults", mangle_rate=0.5, truncate_rate=0.1, wrong_amount_rate=0.1, seed=5)
    asked = {}
    for order_id in range(1, 201):
        tx = rig.admin("pay", amount=50_000, content=f"{transfers.make_code(order_id)} mua hang")
        asked[str(tx["number"])] = order_id
    rig.admin("drain")
    found = lost = wrong_amounts = 0
    for (_, tid), transfer in rig.receiver.stored.items():
        ids = transfers.order_ids(transfer.content, max_id=SMALL_CLUB)
        assert ids in ([asked[tid]], [])  # the right order, or none (then: review list)
        found += bool(ids)
        lost += not ids
        wrong_amounts += transfer.amount != 50_000
    assert len(rig.receiver.stored) == 200
    assert found >= 170 and lost > 0 and wrong_amounts > 0
    mangled = [t for t in rig.admin("state")["transactions"] if t["content"] != t["asked_content"]]
    assert len(mangled) > 80  # the contents really were changed


def test_sepay_retries_on_its_schedule_then_gives_up(rig: Rig) -> None:
    rig.connect("sepay")
    doomed = rig.admin("pay", amount=1_000, content="DH0000013")["number"]
    late = rig.admin("pay", amount=2_000, content="DH0000027")["number"]
    rig.receiver.failing = {str(doomed): 99, str(late): 2}
    start = rig.bank.now()
    rig.admin("drain")
    attempts = rig.admin("state")["attempts"]
    times = [round(a["at"] - start) for a in attempts if a["number"] == doomed]
    assert times == [0, 60, 120, 240, 420, 720, 1200, 1980]  # 0,1,2,4,7,12,20,33 minutes
    late_calls = [a for a in attempts if a["number"] == late]
    assert [a["status"] for a in late_calls] == [500, 500, 200]
    assert round(late_calls[-1]["at"] - start) == 120
    assert set(rig.receiver.stored) == {("sepay", str(late))}
    assert rig.admin("state")["deliveries"] == {"sepay:failed": 1, "sepay:delivered": 1}


def test_casso_and_payos_retry_on_their_assumed_schedules(rig: Rig) -> None:
    rig.connect("casso")
    number = rig.admin("pay", amount=1_000, content="DH0000013")["number"]
    rig.receiver.failing = {str(number): 99}
    start = rig.bank.now()
    rig.admin("drain")
    times = [round(a["at"] - start) for a in rig.admin("state")["attempts"]]
    assert times == [60 * m for m in sandbox_bank.RETRY_MINUTES["casso"]]


@pytest.mark.parametrize(
    ("provider", "auth", "replay_reason"),
    [
        ("sepay", "hmac", "stale_timestamp"),
        ("sepay", "api_key", None),  # no timestamp: the dedupe catches it
        ("casso", "hmac", "stale_timestamp"),
        ("payos", "hmac", None),
    ],
)
def test_replays_and_bad_signatures_change_nothing(
    rig: Rig, provider: str, auth: str, replay_reason: str | None
) -> None:
    if provider == "payos":
        rig.links().confirm_webhook(f"{rig.receiver_url}/payos")
        rig.links().create_link(ask(42, 90_000, "DH0000427"))
        rig.receiver.stored.clear()  # the test call payOS made
        rig.receiver.arrivals.clear()
    else:
        rig.connect(provider, auth)
    if auth == "api_key":
        rig.receiver.sources["sepay"] = registry.create(
            "sepay", {"auth": "api_key", "api_key": sandbox_bank.DEMO_SEPAY_API_KEY}
        )
    rig.admin("pay", amount=90_000, content="DH0000427")
    rig.admin("drain")
    stored = dict(rig.receiver.stored)
    assert len([k for k in stored if k[0] == provider]) == 1
    arrivals = len(rig.receiver.arrivals)
    rig.admin("advance", seconds=600)  # ten minutes later, someone sends the old call again
    replay = rig.admin("replay", provider=provider)
    if replay_reason is None:
        assert replay["status"] == 200  # verifies: no timestamp to refuse it by…
        assert rig.receiver.duplicates[provider] == 1  # …and the dedupe key catches it
        assert len(rig.receiver.arrivals) == arrivals + 1
    else:
        assert replay["status"] == 401
        assert rig.receiver.rejected == [(provider, replay_reason)]
    bad = rig.admin("bad-signature", provider=provider)
    assert bad["status"] == 401
    assert rig.receiver.rejected[-1] == (provider, "bad_signature")
    assert rig.receiver.stored == stored  # nothing new, nothing changed


def test_payos_merchant_api_refusals(rig: Rig) -> None:
    links = rig.links()
    with pytest.raises(errors.ValidationFailed) as caught:
        links.create_link(ask(1, 1_000, "DH00000130"))
    assert caught.value.fields["description"][0] == errors.Problem(
        "description_length", {"min": 1, "max": 9}, "description must be 1–9 characters"
    )
    assert rig.admin("state")["links"] == []  # refused before any call
    made = links.create_link(ask(1, 1_000, "DH0000013"))
    with pytest.raises(errors.ValidationFailed) as caught:
        links.create_link(ask(1, 1_000, "DH0000013"))
    assert caught.value.code == "231"
    with pytest.raises(errors.PermanentError) as denied:
        rig.links(api_key="wrong").link_status(1)
    assert denied.value.reason == "credentials_refused"
    with pytest.raises(errors.ValidationFailed):
        links.link_status(999)
    with pytest.raises(errors.ValidationFailed):  # nobody listens there: payOS refuses it
        links.confirm_webhook(f"{rig.receiver_url.rsplit(':', 1)[0]}:9/payos")
    page = requests.get(made.checkout_url, timeout=5)
    assert page.status_code == 200 and "DH0000013" in page.text


def test_the_checkout_button_pays_the_link(rig: Rig) -> None:
    links = rig.links()
    links.confirm_webhook(f"{rig.receiver_url}/payos")
    link = links.create_link(ask(7, 33_000, transfers.make_code(7)))
    assert transfers.order_ids(link.description) == [7]
    requests.post(f"{link.checkout_url}/pay", timeout=5).raise_for_status()
    rig.admin("drain")
    assert links.link_status(7).status == "PAID"
    [transfer] = [t for (p, _), t in rig.receiver.stored.items() if t.provider_code == "7"]
    assert transfer.amount == 33_000


def test_a_real_time_bank_delivers_on_its_own() -> None:
    """The demo's bank: ``pay`` over HTTP and the webhook arrives without anyone driving the
    clock; the receiver verifies against the real time."""
    bank = sandbox_bank.Bank(realtime=True)
    receiver = Receiver(bank)
    with core.Server(sandbox_bank.BankSandbox(bank)) as sandbox, core.Server(receiver) as hook:
        requests.post(
            f"{sandbox.url}/_sandbox/webhooks",
            json={"provider": "sepay", "url": f"{hook.url}/sepay"},
            timeout=5,
        ).raise_for_status()
        code = transfers.make_code(1042)
        paid = requests.post(
            f"{sandbox.url}/_sandbox/pay", json={"amount": 180_000, "content": code}, timeout=5
        ).json()
        arrived = threading.Event()
        for _ in range(200):  # up to 20 s on a loaded machine; usually the first few tries
            if receiver.stored:
                arrived.set()
                break
            arrived.wait(0.1)
        bank.close()
        refused = requests.post(f"{sandbox.url}/_sandbox/drain", timeout=5)
    assert arrived.is_set()
    [transfer] = receiver.stored.values()
    assert transfer.transaction_id == str(paid["number"]) and transfer.amount == 180_000
    assert transfers.order_ids(transfer.content) == [1042]
    assert refused.status_code == 400  # a real-time clock is not driven by hand
