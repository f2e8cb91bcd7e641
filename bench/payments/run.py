"""Payments: 10,000 SePay webhook calls against gunicorn + PostgreSQL, beside a bare endpoint.

    .venv/bin/python -m bench.payments.run [--calls 10000] [--concurrency 16]
        [--workers 4] [--threads 8] [--out figures.json]

Starts a throwaway PostgreSQL 15 and Redis, migrates, loads the demo data, connects the demo
club's bank account to SePay (HMAC signatures, as staff do on the payments page) and adds
enough unpaid orders for the calls. The sandbox bank (``sandbox.bank.Bank`` on a virtual clock)
receives one transfer per order with the faults of issue 20 — 20 % delivered twice, 10 % held
back behind later ones, some contents mangled the way banks do, some amounts wrong — and its
deliveries, in the order the bank would make them, are the calls. Each call is signed when it
is sent (SePay's timestamp is part of the signature) and posted by ``--concurrency`` clients.

The same calls go first to the ceiling — gunicorn serving ``bench.payments.bare``, which only
checks the signature — then to the app's ``/webhooks/payments/<token>`` with the production
settings of docs/deploy.md (gthread workers). Reports calls/s and p50/p95 latency for each,
the app's share of the ceiling, and what the database holds afterwards: transactions stored
(each once), orders paid, partial, over-paid, left in review, and double applications (an
order credited with more than its transactions brought, a transaction stored twice, or more
than one "paid by transfer" step in an order's history) — which must be 0.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import datetime as dt
import json
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from app.models import accounts, orders
from app.models import payments as models
from bench.desk.run import Processes, _database, _services, gunicorn, summary
from sandbox import bank as sandbox_bank
from vietnam import transfers

STAFF = "dieuphoi"  # the demo club's coordinator
PRICE = 120_000  # đồng, each bench order (one line)
FAULTS = {
    "duplicate_rate": 0.20,
    "out_of_order_rate": 0.10,
    "mangle_rate": 0.05,
    "wrong_amount_rate": 0.03,
    "seed": 20,
}


@dataclasses.dataclass(frozen=True)
class Call:
    number: int  # the bank transaction it reports


def _orders(env: dict[str, str], count: int) -> tuple[int, str, list[int]]:
    """``count`` unpaid orders of the demo club; the club's id, the webhook address of its
    SePay connection (the demo connects the sandbox bank's account) and the orders' ids."""
    placed = dt.datetime.now(dt.UTC)
    with _database(env) as db:
        staff = db.scalars(sa.select(accounts.User).where(accounts.User.username == STAFF)).one()
        club_id = staff.club_id
        assert club_id is not None
        rows = [
            orders.Order(
                platform="facebook",
                external_id=f"bench-pay-{n}",
                club_id=club_id,
                status=orders.OrderStatus.PLACED,
                placed_at=placed,
                source=orders.OrderSource.MANUAL,
                buyer_name=f"Người mua {n}",
                lines=[
                    orders.OrderLine(
                        position=0,
                        product_name="Nước mắm Móng Cái",
                        quantity=1,
                        unit_price=PRICE,
                        amount=PRICE,
                        status=orders.OrderStatus.PLACED,
                    )
                ],
            )
            for n in range(count)
        ]
        db.add_all(rows)
        db.commit()
        token = db.scalars(
            sa.select(models.PaymentConnection.webhook_token).where(
                models.PaymentConnection.club_id == club_id,
                models.PaymentConnection.provider == "sepay",
                models.PaymentConnection.account_number == sandbox_bank.DEMO_ACCOUNT,
            )
        ).one()
        return club_id, f"/webhooks/payments/{token}", [row.id for row in rows]


def _calls(order_ids: list[int], calls: int) -> tuple[sandbox_bank.Bank, list[Call]]:
    """The bank's deliveries for one transfer per order (with the faults), in due order, cut
    at ``calls`` (so a transfer's second copy may be left out, never its only one)."""
    bank = sandbox_bank.Bank(started=time.time())
    bank.set_faults(**FAULTS)
    bank.connect("sepay", "http://127.0.0.1:1/unused")
    for order_id in order_ids:
        bank.pay(PRICE, transfers.make_code(order_id))
        if len(bank.deliveries) >= calls:
            break
    queued = sorted(bank.queue)
    bank.queue.clear()
    return bank, [Call(delivery.number) for _due, _seq, delivery in queued[:calls]]


def _fire(url: str, bank: sandbox_bank.Bank, calls: list[Call], concurrency: int) -> dict[str, Any]:
    """Post every call (signed as it leaves) with ``concurrency`` clients; latency per call."""
    hook = bank.hooks["sepay"]
    local = threading.local()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def post(call: Call) -> None:
        http = getattr(local, "http", None)
        if http is None:
            http = local.http = requests.Session()
        tx = bank.transactions[call.number]
        headers, body = sandbox_bank.sepay_call(
            tx, hook, time.time(), sandbox_bank.sepay_code(tx.content)
        )
        started = time.perf_counter()
        try:
            reply = http.post(
                url,
                data=body,
                headers={"Content-Type": "application/json", **headers},
                timeout=(5, 60),
            )
            status = str(reply.status_code)
        except requests.RequestException as exc:
            status = type(exc).__name__
        took = time.perf_counter() - started
        with lock:
            latencies.append(took)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(post, calls))
    wall = time.perf_counter() - started
    return {
        **summary(latencies),
        "calls_per_s": len(calls) / wall if wall else None,
        "wall_s": wall,
        "statuses": statuses,
    }


def _outcome(
    env: dict[str, str],
    club_id: int,
    order_ids: list[int],
    bank: sandbox_bank.Bank,
    calls: list[Call],
) -> dict[str, Any]:
    """What the database holds after the calls, against what the bank received."""
    sent = {call.number for call in calls}
    with _database(env) as db:
        tx = models.BankTransaction
        stored = db.execute(
            sa.select(tx.transaction_id, sa.func.count())
            .where(tx.club_id == club_id)
            .group_by(tx.transaction_id)
        ).all()
        states = dict(
            db.execute(
                sa.select(tx.state, sa.func.count()).where(tx.club_id == club_id).group_by(tx.state)
            ).all()
        )
        applied = dict(
            db.execute(
                sa.select(tx.order_id, sa.func.sum(tx.applied_amount))
                .where(tx.club_id == club_id, tx.order_id.is_not(None))
                .group_by(tx.order_id)
            ).all()
        )
        paid_rows = db.execute(
            sa.select(orders.Order.id, orders.Order.status, orders.Order.paid_amount).where(
                orders.Order.id.in_(order_ids)
            )
        ).all()
        paid_steps = dict(
            db.execute(
                sa.select(orders.OrderStatusChange.order_id, sa.func.count())
                .where(orders.OrderStatusChange.via == orders.StatusChangeVia.PAYMENT)
                .group_by(orders.OrderStatusChange.order_id)
            ).all()
        )
    received: dict[int, int] = {}
    for number, t in bank.transactions.items():
        if number in sent:
            ids = transfers.order_ids(t.content)
            if ids:
                received[ids[0]] = received.get(ids[0], 0) + t.amount
    doubles = sum(1 for _i, n in stored if n > 1)
    doubles += sum(1 for oid, _s, amount in paid_rows if amount != (applied.get(oid) or 0))
    doubles += sum(1 for n in paid_steps.values() if n > 1)
    wrong = sum(
        1
        for oid, _s, amount in paid_rows
        if oid in received and amount != min(received[oid], PRICE)
    )
    return {
        "transfers_sent": len(sent),
        "transactions_stored": len(stored),
        "states": {str(k): v for k, v in states.items()},
        "orders_paid": sum(1 for _i, s, _a in paid_rows if s is orders.OrderStatus.PAID),
        "orders_partly_paid": sum(
            1 for _i, s, a in paid_rows if s is orders.OrderStatus.PLACED and a > 0
        ),
        "double_applications": doubles,
        "orders_amount_wrong": wrong,
    }


def run(
    calls: int,
    *,
    concurrency: int = 16,
    workers: int = 4,
    threads: int = 8,
    workdir: Path | None = None,
) -> dict[str, Any]:
    work = workdir or Path(tempfile.mkdtemp(prefix="bench-payments-"))
    for name in ("pg", "redis"):
        (work / name).mkdir(exist_ok=True)
    processes = Processes()
    try:
        with _services(work, "postgresql", processes, workers, threads) as app:
            # One transfer per order, a fifth of them twice: enough orders for the calls.
            count = int(calls / (1 + FAULTS["duplicate_rate"])) + 50
            club_id, path, order_ids = _orders(app.env, count)
            bank, planned = _calls(order_ids, calls)
            bare = gunicorn(processes, app.env, workers, threads, "bench.payments.bare:app")
            ceiling = _fire(bare, bank, planned, concurrency)
            target = f"{app.base}{path}"
            measured = _fire(target, bank, planned, concurrency)
            outcome = _outcome(app.env, club_id, order_ids, bank, planned)
        share = (
            measured["calls_per_s"] / ceiling["calls_per_s"]
            if measured["calls_per_s"] and ceiling["calls_per_s"]
            else None
        )
        return {
            "calls": len(planned),
            "concurrency": concurrency,
            "gunicorn_workers": workers,
            "gunicorn_threads": threads,
            "faults": FAULTS,
            "ceiling": ceiling,
            "app": measured,
            "app_share_of_ceiling": share,
            **outcome,
        }
    finally:
        processes.stop()
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def table(report: dict[str, Any]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value * 1000:.0f}"

    lines = [f"{'target':<34} {'calls/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for name, key in (
        ("ceiling: signature check only", "ceiling"),
        ("app: /webhooks/payments", "app"),
    ):
        f = report[key]
        lines.append(
            f"{name:<34} {f['calls_per_s']:>8.0f} {ms(f['p50_s']):>8} {ms(f['p95_s']):>8}"
            f" {ms(f['max_s']):>8}  {f['statuses']}"
        )
    lines.append(f"app ÷ ceiling (calls/s): {report['app_share_of_ceiling']:.2f}")
    lines.append(
        f"calls {report['calls']}, transfers {report['transfers_sent']}, stored "
        f"{report['transactions_stored']}, states {report['states']}, orders paid "
        f"{report['orders_paid']}, partly paid {report['orders_partly_paid']}, double "
        f"applications {report['double_applications']}, amounts wrong "
        f"{report['orders_amount_wrong']}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16, help="clients posting at once")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    report = run(
        args.calls, concurrency=args.concurrency, workers=args.workers, threads=args.threads
    )
    print(table(report))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
