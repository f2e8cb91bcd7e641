"""Shipping: booking 1,000 parcels per carrier against its sandbox, at the carrier's rate limit.

    .venv/bin/python -m bench.shipping.booking [--carriers ghn,ghtk,viettelpost,vnpost]
        [--parcels 1000] [--database postgresql|sqlite] [--lost-reply-rate 0.05]
        [--seed 21] [--profile] [--out figures.json]

The app's path, not the adapters alone: a fresh database built by the real migrations
(a throwaway PostgreSQL 15, or SQLite), the demo club (its producers' pickup addresses,
products whose variants have weights), and per run ``--parcels`` new orders, each holding
one producer's goods (one parcel an order) for a 2026 two-level address among ten cities.
Each carrier's sandbox (``sandbox/carriers``) is served over real HTTP on 127.0.0.1 with
the carrier's rate limit (over it: 429 in its envelope); a new carrier account of the club
is connected to it with ``app.shipping.accounts.connect`` (its demo credentials), the orders
are handed to ``app.shipping.booking.start_booking`` and the ``shipping.book`` job it queues
is run by ``app.jobs.service.run`` in this process, as a worker would. Timed: that job.

Two runs per carrier: clean, then with replies lost after the write (``lost_reply_rate``,
fixed seed): the parcel is made, the app gets a 504 and must find it instead of booking it
again. Floor = parcels ÷ the adapter's ``rate_limit``; ratio = the job's wall time ÷ floor.
Duplicates: the sandbox's (parcels beyond one per reference) and the app's rows (every
shipment booked once, with a distinct tracking code, the same code the carrier holds for
its reference, and one "booked" event) — all must be 0.

``--profile`` runs the job under cProfile and prints the top functions (its wall time then
includes the profiler's overhead).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import datetime as dt
import io
import json
import logging
import pstats
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import flask
import flask_migrate
import requests
import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions, factory
from app.jobs import registry
from app.jobs import service as jobs_service
from app.models import accounts, catalog, jobs, orders, orgs
from app.models import shipping as models
from app.setup import demo
from app.shipping import accounts as carrier_accounts
from app.shipping import booking
from integrations.carriers import registry as carrier_registry
from sandbox import core
from sandbox.carriers import common, ghn, ghtk, viettelpost, vnpost
from tests.support import postgres
from vietnam import admin_units, phones

KEY = "YmVuY2gtY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE="
STAFF = "dieuphoi"  # the demo club's coordinator books
PASSWORD = "bench-password-1"
CARRIERS = ("ghn", "ghtk", "viettelpost", "vnpost")
LOST_REPLY_RATE = 0.05
SEED = 21

# Where the parcels go: (province, commune) on the 2025 map.
PLACES = (
    ("Hồ Chí Minh", "Phường Sài Gòn"),
    ("Hồ Chí Minh", "Phường An Đông"),
    ("Hà Nội", "Phường Ba Đình"),
    ("Hà Nội", "Phường Bạch Mai"),
    ("Đà Nẵng", "Phường Hải Châu"),
    ("Thái Nguyên", "Phường Phan Đình Phùng"),
    ("Cần Thơ", "Phường Ninh Kiều"),
    ("Hải Phòng", "Phường Hồng Bàng"),
    ("Huế", "Phường Thuận Hóa"),
    ("Lâm Đồng", "Phường Xuân Hương - Đà Lạt"),
)
NAMES = ("Nguyễn Thị Lan", "Trần Văn Minh", "Lê Hồng Nhung", "Phạm Quốc Huy", "Đặng Thùy Trâm")


@dataclasses.dataclass(frozen=True)
class CarrierKit:
    sandbox: Callable[[], common.CarrierSandbox]
    settings: Callable[[str], dict[str, str]]  # the account's settings for a sandbox address


def _viettelpost(url: str) -> dict[str, str]:
    return {
        "api_base_url": f"{url}{viettelpost.PREFIX}",
        "username": viettelpost.DEMO_USERNAME,
        "password": viettelpost.DEMO_PASSWORD,
        "webhook_token": viettelpost.DEMO_WEBHOOK_TOKEN,
        "print_token": viettelpost.DEMO_PRINT_TOKEN,
    }


def _vnpost(url: str) -> dict[str, str]:
    return {
        "api_base_url": url,
        "username": vnpost.DEMO_USERNAME,
        "password": vnpost.DEMO_PASSWORD,
        "customer_code": vnpost.DEMO_CUSTOMER_CODE,
        "webhook_token": vnpost.DEMO_WEBHOOK_TOKEN,
    }


KITS = {
    "ghn": CarrierKit(ghn.GHNSandbox, ghn.demo_config),
    "ghtk": CarrierKit(ghtk.GHTKSandbox, ghtk.demo_config),
    "viettelpost": CarrierKit(viettelpost.ViettelPostSandbox, _viettelpost),
    "vnpost": CarrierKit(vnpost.VNPostSandbox, _vnpost),
}


@contextlib.contextmanager
def _app(work: Path, database: str) -> Iterator[flask.Flask]:
    """The app on a fresh, migrated database holding the demo data."""
    pg = None
    if database == "postgresql":
        (work / "pg").mkdir(exist_ok=True)
        pg = postgres.start(work / "pg")
    try:
        url = pg.create_database("ocop_ship") if pg else f"sqlite:///{work / 'bench.sqlite'}"
        env = {
            # Development: the carrier accounts point at http://127.0.0.1 (the sandboxes).
            "APP_ENV": "development",
            "PUBLIC_BASE_URL": "https://ocop.example.vn",
            "SECRET_KEY": "bench-shipping-secret-key-0123456789",
            "CREDENTIALS_KEY": KEY,
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(work / "instance"),
            "MEDIA_ROOT": str(work / "media"),
            "BROKER_URL": f"sqla+sqlite:///{work / 'broker.sqlite'}",
        }
        app = factory.create_app({"SESSION_COOKIE_SECURE": False}, env=env)
        with app.app_context():
            flask_migrate.upgrade()
            session = extensions.session()
            demo.load(session, PASSWORD)
            # Every producer gets a street for its pickup address (the demo leaves some out)
            # and a mobile number: Viettel Post and VNPost refuse a landline as the sender's.
            for producer in session.scalars(sa.select(orgs.Producer)):
                producer.address_line = producer.address_line or "Số 1 đường Trung tâm"
                if phones.mobile(producer.phone) is None:
                    producer.phone = "0912345699"
            session.commit()
        try:
            yield app
        finally:
            with app.app_context():
                extensions.db.session.remove()
                extensions.db.engine.dispose()
    finally:
        if pg is not None:
            pg.stop()


def _staff(session: so.Session) -> accounts.User:
    return session.scalars(sa.select(accounts.User).where(accounts.User.username == STAFF)).one()


def _make_orders(session: so.Session, club_id: int, count: int, tag: str, seed: int) -> list[int]:
    """``count`` placed, unpaid orders of one producer's goods each (1–3 weighed variants)."""
    rng = random.Random(seed)
    by_producer: dict[int, list[catalog.Variant]] = {}
    variants = session.scalars(
        sa.select(catalog.Variant)
        .join(catalog.Product)
        .where(catalog.Variant.weight_g.is_not(None))
        .options(so.joinedload(catalog.Variant.product))
        .order_by(catalog.Variant.id)
    )
    for variant in variants:
        by_producer.setdefault(variant.product.producer_id, []).append(variant)
    producers = sorted(by_producer)
    places = []
    for province_name, commune_name in PLACES:
        province = admin_units.find_province(province_name)
        assert province is not None, province_name
        commune = admin_units.find_commune(province.code, commune_name)
        assert commune is not None, commune_name
        places.append((province, commune))
    placed = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(count):
        goods = by_producer[producers[n % len(producers)]]
        province, commune = places[rng.randrange(len(places))]
        lines = []
        for position, variant in enumerate(rng.sample(goods, min(len(goods), rng.randint(1, 3)))):
            quantity = rng.randint(1, 3)
            lines.append(
                orders.OrderLine(
                    position=position,
                    product_id=variant.product_id,
                    variant_id=variant.id,
                    seller_sku=variant.sku,
                    product_name=variant.product.name,
                    variation=variant.name,
                    quantity=quantity,
                    unit_price=variant.price,
                    amount=variant.price * quantity,
                    status=orders.OrderStatus.PLACED,
                )
            )
        name = NAMES[n % len(NAMES)]
        rows.append(
            orders.Order(
                platform="facebook",
                external_id=f"bench-ship-{tag}-{n}",
                club_id=club_id,
                status=orders.OrderStatus.PLACED,
                placed_at=placed,
                source=orders.OrderSource.MANUAL,
                buyer_name=name,
                ship_name=name,
                ship_phone=f"09{rng.randrange(10**8):08d}",
                ship_street=f"Số {rng.randint(1, 300)} ngõ {rng.randint(1, 99)}",
                ship_province_code=province.code,
                ship_province=province.name,
                ship_commune_code=commune.code,
                ship_commune=commune.name,
                lines=lines,
            )
        )
    session.add_all(rows)
    session.commit()
    return [row.id for row in rows]


def _sandbox(server: core.Server[Any], action: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{server.url}/_sandbox/{action}"
    reply = (
        requests.get(url, timeout=30) if body is None else requests.post(url, json=body, timeout=30)
    )
    reply.raise_for_status()
    return reply.json()


def _no_broker(job: jobs.Job, queue: str) -> str:
    """The job is run here (``jobs_service.run``), not sent to a worker."""
    return f"bench-{job.id}"


def _run_job(app: flask.Flask, job_id: int, profile: bool) -> tuple[float, str]:
    """Run the booking job as a worker does; its wall time and (``profile``) the top of its
    profile."""
    with app.app_context():
        session = extensions.session()
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        status = jobs_service.run(session, registry.current(), job_id)
        if profiler is not None:
            profiler.disable()
        wall = time.perf_counter() - started
        assert status == jobs.JobStatus.SUCCEEDED, status
    top = ""
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        top = out.getvalue()
    return wall, top


def _outcome(session: so.Session, account_id: int, sandbox: list[dict[str, Any]]) -> dict[str, Any]:
    """What the app's rows say against the carrier's parcels."""
    rows = list(
        session.scalars(sa.select(models.Shipment).where(models.Shipment.account_id == account_id))
    )
    booked_events = dict(
        session.execute(
            sa.select(models.ShipmentEvent.shipment_id, sa.func.count())
            .join(models.Shipment)
            .where(
                models.Shipment.account_id == account_id,
                models.ShipmentEvent.event_key == "app:booked",
            )
            .group_by(models.ShipmentEvent.shipment_id)
        ).all()
    )
    codes = [row.tracking_code for row in rows if row.tracking_code]
    remote = {p["reference"]: p["code"] for p in sandbox}
    return {
        "shipments": len(rows),
        "booked": sum(1 for row in rows if row.status == models.ShipStatus.CREATED),
        "with_problem": sum(1 for row in rows if row.problem),
        "distinct_tracking_codes": len(set(codes)),
        "booked_twice": sum(1 for n in booked_events.values() if n > 1),
        "codes_unlike_carrier": sum(
            1 for row in rows if remote.get(row.reference) != row.tracking_code
        ),
    }


def run_one(
    app: flask.Flask,
    carrier: str,
    parcels: int,
    *,
    lost_reply_rate: float = 0.0,
    seed: int = SEED,
    profile: bool = False,
) -> dict[str, Any]:
    """One run: ``parcels`` new orders booked with ``carrier`` (a new account, a fresh
    sandbox), with ``lost_reply_rate`` of the create replies lost after the write."""
    kit = KITS[carrier]
    rate = carrier_registry.get(carrier).rate_limit
    tag = f"{carrier}-{'faulted' if lost_reply_rate else 'clean'}"
    with core.Server(kit.sandbox()) as server:
        with app.app_context():
            session = extensions.session()
            staff = _staff(session)
            assert staff.club_id is not None
            order_ids = _make_orders(session, staff.club_id, parcels, tag, seed)
            account = carrier_accounts.connect(
                session, staff, carrier=carrier, settings=kit.settings(server.url), label=tag
            )
            account_id = account.id
            choices = [{"order_id": i, "account_id": account_id} for i in order_ids]
            job, skipped = booking.start_booking(session, staff, choices, dispatch=_no_broker)
            assert not skipped and job is not None, skipped
            job_id = job.id
            extensions.db.session.remove()
        if lost_reply_rate:
            _sandbox(server, "faults", {"lost_reply_rate": lost_reply_rate, "seed": seed})
        wall, top = _run_job(app, job_id, profile)
        stats = _sandbox(server, "stats")
        remote = _sandbox(server, "parcels")
    with app.app_context():
        session = extensions.session()
        outcome = _outcome(session, account_id, remote)
        result = session.get(jobs.Job, job_id)
        assert result is not None and result.result is not None
        job_result = dict(result.result)
        extensions.db.session.remove()
    calls = sum(stats["calls"].values())
    floor = parcels / rate
    return {
        "carrier": carrier,
        "faults": {"lost_reply_rate": lost_reply_rate, "seed": seed} if lost_reply_rate else {},
        "parcels": parcels,
        "rate_limit": rate,
        "floor_s": floor,
        "wall_s": wall,
        "ratio": wall / floor,
        "job": job_result,
        "sandbox_parcels": stats["parcels"],
        "sandbox_references": stats["references"],
        "duplicates": stats["duplicates"],
        "create_calls": stats["create_calls"],
        "calls": calls,
        "extra_calls": calls - parcels,
        "calls_by_path": stats["calls"],
        **outcome,
        "profile": top,
    }


def run(
    carriers: Sequence[str] = CARRIERS,
    parcels: int = 1000,
    *,
    database: str = "postgresql",
    lost_reply_rate: float = LOST_REPLY_RATE,
    seed: int = SEED,
    profile: bool = False,
    workdir: Path | None = None,
    report: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """A clean and a faulted run per carrier, one after another, on one database."""
    work = workdir or Path(tempfile.mkdtemp(prefix="bench-booking-"))
    rows: list[dict[str, Any]] = []
    try:
        with _app(work, database) as app:
            for carrier in carriers:
                for rate in (0.0, lost_reply_rate):
                    row = run_one(
                        app, carrier, parcels, lost_reply_rate=rate, seed=seed, profile=profile
                    )
                    rows.append(row)
                    if report is not None:
                        report(row)
    finally:
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return {"database": database, "parcels": parcels, "runs": rows}


HEADER = (
    "| carrier | run | parcels | floor (s) | wall (s) | wall ÷ floor | calls | extra calls "
    "| sandbox parcels | shipments booked | duplicates |\n"
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def line(row: dict[str, Any]) -> str:
    run_name = f"lost replies {row['faults']['lost_reply_rate']:.0%}" if row["faults"] else "clean"
    duplicates = row["duplicates"] + row["booked_twice"]
    return (
        f"| {row['carrier']} | {run_name} | {row['parcels']} | {row['floor_s']:.1f} "
        f"| {row['wall_s']:.1f} | {row['ratio']:.2f} | {row['calls']} | {row['extra_calls']} "
        f"| {row['sandbox_parcels']} | {row['booked']} | {duplicates} |"
    )


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the sandboxes' access log
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--carriers", default=",".join(CARRIERS), help="comma-separated")
    parser.add_argument("--parcels", type=int, default=1000, help="per run")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--lost-reply-rate", type=float, default=LOST_REPLY_RATE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--profile", action="store_true", help="cProfile each job")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    carriers = [name.strip() for name in args.carriers.split(",") if name.strip()]
    unknown = sorted(set(carriers) - set(CARRIERS))
    if unknown:
        parser.error(f"unknown carriers: {', '.join(unknown)}")
    print(HEADER, flush=True)

    def report(row: dict[str, Any]) -> None:
        print(line(row), flush=True)
        if row["profile"]:
            print(row["profile"], flush=True)

    figures = run(
        carriers,
        args.parcels,
        database=args.database,
        lost_reply_rate=args.lost_reply_rate,
        seed=args.seed,
        profile=args.profile,
        report=report,
    )
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
