"""Load: gunicorn + PostgreSQL + Redis, 50 concurrent clients (wrk) for 60 s per target.

    apt-get install wrk   # once
    .venv/bin/python -m bench.load.run [--duration 60] [--connections 50] [--workers 4]
                                        [--products 50000] [--sessions 1000]

Starts a throwaway PostgreSQL 15 and Redis (the test helpers), migrates, seeds a catalog of
``--products`` products (bench/catalog's seeder, bulk inserts through Core), loads the demo data
and hands the seeded producers to the demo club, adds ``--sessions`` livestreams (5 products
each) with one on air showing a demo product, issues an API token, starts gunicorn with the
production settings, warms up, then runs wrk against each target in turn: `/healthz` (the
ceiling: one database and one broker ping), the public page of the product on air, its QR
code (the PNG) and the catalog API (`GET /api/v1/products`, Bearer token). Reports
requests/s, p50/p95/p99 latency, errors (HTTP >= 400 and socket errors) and each target's
throughput as a share of the ceiling's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from app import extensions, factory
from app.models import catalog, live, orgs
from app.setup import demo
from bench.catalog import seed as catalog_seed
from tests.support import net, postgres
from tests.support import redis as redis_support

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).with_name("report.lua")
BIN = Path(sys.executable).parent


def _flask(env: dict[str, str], *args: str) -> str:
    """Run ``flask ARGS`` of the app configured by ``env`` (in this process: a ``flask``
    process would spend seconds importing the app for each command)."""
    app = factory.create_app(env=env)
    try:
        result = app.test_cli_runner().invoke(args=list(args))
    finally:
        with app.app_context():
            extensions.db.engine.dispose()
    if result.exit_code != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.output}")
    return result.stdout


SLOTS_PER_SESSION = 5


def _seed_catalog(url: str, products: int) -> None:
    """bench/catalog's generated catalog (run on the freshly migrated database, before the demo:
    it writes its own ids from 1). Its club makes way for the demo's."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            catalog_seed.seed(connection, products)
            connection.execute(
                sa.text("SELECT setval('clubs_id_seq', (SELECT max(id) FROM clubs))")
            )
    finally:
        engine.dispose()


def _hand_over_and_schedule(url: str, sessions: int) -> int:
    """Give the seeded producers to the demo club, add ``sessions`` livestreams of the club
    (past ones ended, later ones planned, 5 products each), one of them on air now showing a
    demo product with photos; that product's id (the page buyers open from the stream)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            club_id = connection.scalar(
                sa.select(orgs.Club.id).where(orgs.Club.name == demo.CLUB["name"])
            )
            connection.execute(
                sa.insert(orgs.club_producers).from_select(
                    ["club_id", "producer_id"],
                    sa.select(sa.literal(club_id), orgs.Producer.id).where(
                        orgs.Producer.id.not_in(
                            sa.select(orgs.club_producers.c.producer_id).where(
                                orgs.club_producers.c.club_id == club_id
                            )
                        )
                    ),
                )
            )
            connection.execute(sa.delete(orgs.Club).where(orgs.Club.id != club_id))
            shown = connection.scalar(
                sa.select(sa.func.min(catalog.ProductImage.product_id)).join(
                    catalog.Certificate,
                    catalog.Certificate.product_id == catalog.ProductImage.product_id,
                )
            )
            if shown is None:
                raise SystemExit("no demo product has a photo and a certificate")
            catalog_ids = list(
                connection.scalars(
                    sa.select(catalog.Product.id).order_by(catalog.Product.id).limit(sessions * 5)
                )
            )
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            on_air = sessions // 2
            session_rows = []
            for index in range(sessions):
                starts = now + dt.timedelta(hours=6 * (index - on_air), minutes=-30)
                status = (
                    live.SessionStatus.ENDED
                    if index < on_air
                    else live.SessionStatus.LIVE
                    if index == on_air
                    else live.SessionStatus.PLANNED
                )
                session_rows.append(
                    {
                        "club_id": club_id,
                        "title": f"Phiên live OCOP số {index + 1}",
                        "platform": ("tiktok", "facebook", "shopee")[index % 3],
                        "starts_at": starts,
                        "ends_at": starts + dt.timedelta(minutes=90),
                        "status": status,
                        "current_slot": 0 if status == live.SessionStatus.LIVE else None,
                        "slot_started_at": now if status == live.SessionStatus.LIVE else None,
                    }
                )
            session_ids = connection.scalars(
                sa.insert(live.LiveSession).returning(live.LiveSession.id), session_rows
            ).all()
            prices = dict(
                connection.execute(sa.select(catalog.Product.id, catalog.Product.min_price)).all()
            )
            slot_rows = []
            for index, session_id in enumerate(session_ids):
                for position in range(SLOTS_PER_SESSION):
                    product_id = catalog_ids[
                        (index * SLOTS_PER_SESSION + position) % len(catalog_ids)
                    ]
                    if index == on_air and position == 0:
                        product_id = shown
                    slot_rows.append(
                        {
                            "session_id": session_id,
                            "position": position,
                            "product_id": product_id,
                            "start_offset_s": position * 18 * 60,
                            "length_s": 18 * 60,
                            "live_price": prices[product_id] or 0,
                            "code": f"SP{position + 1}",
                        }
                    )
            for start in range(0, len(slot_rows), 5000):
                connection.execute(sa.insert(live.LiveSlot), slot_rows[start : start + 5000])
            connection.execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()
    return shown


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _wrk(url: str, connections: int, duration: int, headers: list[str]) -> dict[str, Any]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(LUA)]
    for header in headers:
        args += ["-H", header]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("JSON "))
    figures: dict[str, Any] = json.loads(line[5:])
    figures["rps"] = figures["requests"] / figures["duration_s"]
    figures["errors"] = sum(
        figures[k] for k in ("http_errors", "connect", "read", "write", "timeout")
    )
    return figures


def run(
    duration: int,
    connections: int,
    workers: int,
    threads: int = 1,
    *,
    products: int = 50_000,
    sessions: int = 1_000,
    warmup: int = 3,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """wrk's figures per target (``warmup`` seconds each first, then ``duration``), on a
    catalog of ``products`` generated products (plus the demo's) and ``sessions`` livestreams.

    ``workdir`` (a new temporary folder, removed at the end, when None) holds the servers'
    data, the instance and media.
    """
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    work = workdir or Path(tempfile.mkdtemp(prefix="bench-load-"))
    for name in ("pg", "redis"):
        (work / name).mkdir()
    pg = postgres.start(work / "pg")
    redis = redis_support.start(work / "redis")
    gunicorn: subprocess.Popen[bytes] | None = None
    try:
        env = {
            **os.environ,
            "APP_ENV": "production",
            "PUBLIC_BASE_URL": "https://ocop.example.vn",
            "SECRET_KEY": "bench-load-secret-key-0123456789abcdef",
            "DATABASE_URL": pg.create_database("ocop_load"),
            "BROKER_URL": redis.url(0),
            "RESULT_BACKEND": redis.url(1),
            "INSTANCE_PATH": str(work / "instance"),
            "MEDIA_ROOT": str(work / "media"),
            "SESSION_COOKIE_SECURE": "0",
            "ALLOW_PRIVATE_URLS": "1",  # the demo shops point at local sandboxes
            "CREDENTIALS_KEY": "YmVuY2gtY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE=",
        }
        _flask(env, "db", "upgrade")
        _progress(f"seeding {products:,} products")
        _seed_catalog(env["DATABASE_URL"], products)
        _progress("loading the demo data")
        # Production refuses the demo data (its accounts' passwords are public): a development
        # run loads it into the same database; gunicorn below serves it as production.
        _flask({**env, "APP_ENV": "development"}, "demo", "load", "--password", "bench-password")
        _progress(f"handing the catalog to the demo club, {sessions:,} livestreams")
        product_id = _hand_over_and_schedule(env["DATABASE_URL"], sessions)
        _progress("starting gunicorn")
        token = re.findall(r"\S{20,}", _flask(env, "tokens", "create", "admin"))[-1]
        port = net.free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--threads",
                str(threads),
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        net.wait_for_http(f"{base}/healthz", attempts=300)
        auth = f"Authorization: Bearer {token}"
        listed = requests.get(
            f"{base}/api/v1/products", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
        if listed["total"] < products:
            raise SystemExit(f"the demo club lists {listed['total']} products, not {products}+")
        targets = {
            "healthz (ceiling)": (f"{base}/healthz", []),
            "public product page": (f"{base}/p/{product_id}", []),
            "public product QR": (f"{base}/p/{product_id}/qr.png", []),
            "catalog API": (f"{base}/api/v1/products", [auth]),
        }
        _progress("warming up, then measuring " + ", ".join(targets))
        for url, headers in targets.values() if warmup else ():
            _wrk(url, connections, warmup, headers)  # warm up every worker's connections, caches
        results = {
            name: _wrk(url, connections, duration, headers)
            for name, (url, headers) in targets.items()
        }
        ceiling = results["healthz (ceiling)"]["rps"]
        for figures in results.values():
            figures["share_of_ceiling"] = figures["rps"] / ceiling
        return {
            "products": products,
            "sessions": sessions,
            "shown_product_id": product_id,
            "duration_s": duration,
            "connections": connections,
            "gunicorn_workers": workers,
            "gunicorn_threads": threads,
            "results": results,
        }
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(timeout=30)
        redis.stop()
        pg.stop()
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn threads per worker (>1: gthread)"
    )
    parser.add_argument("--products", type=int, default=50_000, help="generated products")
    parser.add_argument("--sessions", type=int, default=1_000, help="livestreams of the club")
    args = parser.parse_args()
    # Stopped by `timeout` or kill: still stop the servers (run's finally) on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = run(
        args.duration,
        args.connections,
        args.workers,
        args.threads,
        products=args.products,
        sessions=args.sessions,
    )
    print(
        f"{'target':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'of ceiling':>10}"
    )
    for name, f in report["results"].items():
        print(
            f"{name:<22} {f['rps']:>8.1f} {f['p50_ms']:>8.1f} {f['p95_ms']:>8.1f} "
            f"{f['p99_ms']:>8.1f} {f['errors']:>7d} {f['share_of_ceiling']:>10.0%}"
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
