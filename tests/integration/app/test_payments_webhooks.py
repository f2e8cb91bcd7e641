"""Bank transfers confirmed through the webhook services, end to end over real HTTP: the sandbox
bank (sandbox/bank.py) receives the buyers' transfers and SePay, Casso or payOS calls the app's
``/webhooks/payments/<token>``, on SQLite and PostgreSQL.

For each service: a live session's 200 orders paid with 20 % of the calls duplicated, 10 % held
back past later ones, mangled and truncated contents and some wrong amounts. Every order's
paid state and amount is right, no transaction is applied twice or to an order it does not
name, and what could not be matched waits in review. A replayed or badly signed call changes
nothing; unknown and disabled tokens answer 404; the same call sent many times at once is
applied once.
"""

from __future__ import annotations

import collections
import itertools
import threading

import flask
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.models import payments as models
from integrations.payments.base import LinkRequest
from integrations.payments.payos import PayOSLinks
from sandbox import bank as sandbox_bank
from tests import conftest
from tests.support import payments as support
from vietnam import transfers

State = models.MatchState
FAULTS = {
    "duplicate_rate": 0.2,
    "out_of_order_rate": 0.1,
    "hold_seconds": 90.0,
    "delay_max": 20.0,
    "mangle_rate": 0.15,
    "truncate_rate": 0.04,
    "wrong_amount_rate": 0.06,
    "seed": 20,
}
SETTINGS = {
    "sepay": {"auth": "hmac", "webhook_secret": sandbox_bank.DEMO_SEPAY_SECRET},
    "casso": {"checksum_key": sandbox_bank.DEMO_CASSO_CHECKSUM_KEY},
    "payos": {
        "client_id": sandbox_bank.DEMO_PAYOS_CLIENT_ID,
        "api_key": sandbox_bank.DEMO_PAYOS_API_KEY,
        "checksum_key": sandbox_bank.DEMO_PAYOS_CHECKSUM_KEY,
    },
}


def _connect(rig: support.Rig, token: str, provider: str) -> dict[str, object]:
    settings = dict(SETTINGS[provider])
    if provider == "payos":
        settings["api_base_url"] = rig.sandbox.url
    reply = rig.post(
        "/api/v1/payments/connections",
        token,
        provider=provider,
        bank_bin=sandbox_bank.DEMO_BIN,
        account_number=sandbox_bank.DEMO_ACCOUNT,
        label=f"{provider} test",
        settings=settings,
    )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    for secret in ("webhook_secret", "checksum_key", "api_key", "client_id"):
        assert secret not in body["config"]
    if provider != "payos":  # payOS was told the address by the app itself (confirm-webhook)
        rig.bank.connect(provider, str(body["webhook_url"]))
    assert rig.bank.hooks[provider].url == body["webhook_url"]
    return body


def _snapshot(app: flask.Flask, ids: list[int]) -> tuple[object, ...]:
    rows = support.transactions(app)
    return (
        support.order_states(app, ids),
        [(r.transaction_id, r.state, r.order_id, r.applied_amount) for r in rows],
    )


@pytest.mark.parametrize("provider", ["sepay", "casso", "payos"])
def test_a_sessions_orders_paid_through_the_service(
    app: flask.Flask, people: conftest.People, provider: str
) -> None:
    token = conftest.issue_token(app, people.username("coordinator"))
    amounts = [50_000 + 1_000 * (i % 37) for i in range(200)]
    ids = support.place_orders(app, people.club_id, amounts)
    with support.rig(app) as rig:
        connection = _connect(rig, token, provider)
        bank = rig.bank
        bank.set_faults(**FAULTS)
        links = None
        if provider == "payos":
            creds = {**SETTINGS["payos"], "api_base_url": rig.sandbox.url}
            links = PayOSLinks(creds)
        asked: dict[int, int] = {}  # bank transaction number → the order it was meant for
        for order_id, amount in zip(ids, amounts, strict=True):
            code = transfers.make_code(order_id)
            if links is not None:
                links.create_link(
                    LinkRequest(order_id, amount, code, "http://127.0.0.1/ok", "http://x/no")
                )
            tx = bank.pay(amount, code, order_code=order_id if links is not None else None)
            asked[tx.number] = order_id
        bank.drain()
        sent = bank.snapshot()
        assert sent["pending"] == 0
        assert not any(k.endswith(":failed") for k in sent["deliveries"]), sent["deliveries"]
        calls = [a for a in bank.attempts if a.kind in ("delivery", "duplicate")]
        assert {a.status for a in calls} == {200}
        assert sum(a.kind == "duplicate" for a in calls) >= 20  # the faults did happen
        numbers = [a.number for a in calls]
        assert any(b < a for a, b in itertools.pairwise(numbers))  # out of order

        rows = support.transactions(app)
        # One row per bank transaction, however often it was reported.
        per_id = collections.Counter(r.transaction_id for r in rows)
        assert set(per_id.values()) == {1}
        assert len(rows) == len(bank.transactions) == 200
        by_number = {tx.number: tx for tx in bank.transactions.values()}
        states = support.order_states(app, ids)
        applied: dict[int, int] = collections.defaultdict(int)
        readable = 0
        for row in rows:
            number = int(row.transaction_id) if provider != "payos" else _payos_number(bank, row)
            tx, meant = by_number[number], asked[number]
            assert row.amount == tx.amount and row.content == tx.content
            assert row.connection_id == connection["id"]
            if row.state in models.APPLIED_STATES:
                assert row.order_id == meant  # never an order the transfer did not name
                applied[meant] += row.applied_amount
            else:
                assert row.state in models.REVIEW_STATES and row.order_id is None
            if transfers.order_ids(tx.content, max_id=max(ids)) == [meant]:
                readable += 1
                status, paid, amount = states[meant]
                if tx.amount == amount:
                    assert (row.state, status, paid) == (State.EXACT, "paid", amount)
                elif tx.amount < amount:
                    assert (row.state, status, paid) == (State.PARTIAL, "placed", tx.amount)
                else:
                    assert (row.state, status, paid) == (State.OVER, "paid", amount)
                    assert row.match_note["due"] == amount
            else:
                assert row.state in models.REVIEW_STATES, row.content  # the leftovers
        assert readable >= 180
        assert len(rows) - readable > 0  # some did lose their code
        for order_id in ids:
            status, paid, amount = states[order_id]
            assert paid == applied[order_id]
            assert (status == "paid") == (paid >= amount)
        assert sum(applied.values()) == sum(paid for _s, paid, _a in states.values())
        assert sum(r.applied_amount for r in rows) == sum(applied.values())

        # The review list shows the leftovers, worded.
        waiting = requests.get(
            f"{rig.url}/api/v1/payments/transactions?per_page=100",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        assert waiting["total"] == sum(r.state in models.REVIEW_STATES for r in rows)
        assert all(item["note"] for item in waiting["items"])

        # A replay of an accepted call, later, and a badly signed call change nothing.
        before = _snapshot(app, ids)
        bank.advance(600)
        replayed = bank.replay(provider)
        spoilt = bank.bad_signature(provider)
        assert spoilt.status == 401
        if provider == "payos":
            # payOS signs no time: a replay verifies, and the transaction's key keeps it harmless.
            assert replayed.status == 200
        else:
            assert replayed.status == 401
        assert _snapshot(app, ids) == before
        problem = _connection_problem(app, int(str(connection["id"])))
        assert problem is not None and problem["code"] == "bad_signature"


def _payos_number(bank: sandbox_bank.Bank, row: models.BankTransaction) -> int:
    """payOS's key is ``paymentLinkId:reference``: the bank transaction with that reference."""
    reference = row.transaction_id.partition(":")[2]
    found = [tx.number for tx in bank.transactions.values() if tx.reference == reference]
    assert len(found) == 1
    return found[0]


def _connection_problem(app: flask.Flask, connection_id: int) -> dict[str, object] | None:
    with app.app_context():
        db = extensions.db.session
        db.expire_all()
        row = db.get_one(models.PaymentConnection, connection_id)
        return row.last_problem


def test_unknown_disabled_and_deleted_tokens_answer_404(
    app: flask.Flask, people: conftest.People
) -> None:
    token = conftest.issue_token(app, people.username("coordinator"))
    [order_id] = support.place_orders(app, people.club_id, [80_000])
    with support.rig(app) as rig:
        body = _connect(rig, token, "sepay")
        hook = str(body["webhook_url"])
        missing = requests.post(f"{rig.url}/webhooks/payments/nothing-here", json={}, timeout=10)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        client = app.test_client()
        auth = {"Authorization": f"Bearer {token}"}
        with app.app_context():
            db = extensions.db.session
            row = db.get_one(models.PaymentConnection, int(str(body["id"])))
            row.active = False
            db.commit()
        rig.bank.pay(80_000, transfers.make_code(order_id))
        rig.bank.advance(1)
        assert rig.bank.attempts[-1].status == 404
        assert support.transactions(app) == []
        # Deleted through the API: the same.
        gone = client.delete(f"/api/v1/payments/connections/{body['id']}", headers=auth)
        assert gone.status_code == 204
        assert requests.post(hook, json={}, timeout=10).status_code == 404
        assert support.order_states(app, [order_id])[order_id] == ("placed", 0, 80_000)


def test_a_bad_call_is_refused_worded_and_stored_nowhere(
    app: flask.Flask, people: conftest.People
) -> None:
    token = conftest.issue_token(app, people.username("coordinator"))
    with support.rig(app) as rig:
        body = _connect(rig, token, "sepay")
        hook = str(body["webhook_url"])
        for _ in range(30):  # a flood: one connection row rewritten, nothing added
            refused = requests.post(
                hook,
                data=b'{"id": 1}',
                headers={"X-SePay-Timestamp": "1", "X-SePay-Signature": "sha256=00"},
                timeout=10,
            )
            assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "bad_signature"
        assert "chữ ký" in refused.json()["error"]["message"]
        too_big = requests.post(hook, data=b"x" * 70_000, timeout=10)
        assert too_big.status_code == 413
        assert support.transactions(app) == []
        page = rig.app.test_client()
        page.post("/auth/login", data={"username": "coordinator1", "password": conftest.PASSWORD})
        html = page.get("/payments/connections").get_data(as_text=True)
        assert "chữ ký, khóa API hoặc mã bảo mật không đúng" in html
        assert sandbox_bank.DEMO_SEPAY_SECRET not in html


def test_another_account_waits_in_review(app: flask.Flask, people: conftest.People) -> None:
    token = conftest.issue_token(app, people.username("coordinator"))
    [order_id] = support.place_orders(app, people.club_id, [80_000])
    with support.rig(app) as rig:
        _connect(rig, token, "sepay")
        rig.bank.pay(80_000, transfers.make_code(order_id), account="9988776655")
        rig.bank.drain()
    [row] = support.transactions(app)
    assert (row.state, row.match_note["reason"], row.order_id) == (
        State.UNMATCHED,
        "other_account",
        None,
    )
    assert support.order_states(app, [order_id])[order_id] == ("placed", 0, 80_000)


def test_the_same_call_at_once_is_applied_once(app: flask.Flask, people: conftest.People) -> None:
    token = conftest.issue_token(app, people.username("coordinator"))
    ids = support.place_orders(app, people.club_id, [80_000, 60_000])
    with support.rig(app) as rig:
        body = _connect(rig, token, "sepay")
        hook = str(body["webhook_url"])
        bank = rig.bank
        calls = []
        for order_id, amount in zip(ids, [80_000, 30_000], strict=True):
            tx = bank.pay(amount, transfers.make_code(order_id))
            calls.append(bank.build_call("sepay", tx))
        statuses: list[int] = []
        lock = threading.Lock()
        start = threading.Barrier(8)

        def send(index: int) -> None:
            headers, data = calls[index % 2]
            start.wait()
            with requests.Session() as http:
                reply = http.post(hook, data=data, headers=headers, timeout=60)
            with lock:
                statuses.append(reply.status_code)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 8
    rows = support.transactions(app)
    assert len(rows) == 2
    states = support.order_states(app, ids)
    assert states[ids[0]] == ("paid", 80_000, 80_000)
    assert states[ids[1]] == ("placed", 30_000, 60_000)
    with app.app_context():
        history = extensions.db.session.scalar(
            sa.text("SELECT count(*) FROM order_status_changes WHERE order_id = :o"),
            {"o": ids[0]},
        )
    assert history == 1
