"""Load: gunicorn + PostgreSQL + Redis, 50 concurrent clients (wrk) for 60 s per target.

    apt-get install wrk   # once
    .venv/bin/python -m bench.load.run [--duration 60] [--connections 50] [--workers 4]

Starts a throwaway PostgreSQL 15 and Redis (the test helpers), migrates, loads the demo data,
issues an API token, starts gunicorn with the production settings, warms up, then runs wrk
against each target in turn: `/healthz` (the ceiling: one database and one broker ping), the
public product page and the catalog API (`GET /api/v1/products`, Bearer token). Reports
requests/s, p50/p95/p99 latency, errors (HTTP >= 400 and socket errors) and each target's
throughput as a share of the ceiling's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests

from app import extensions, factory
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
    warmup: int = 3,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """wrk's figures per target (``warmup`` seconds each first, then ``duration``).

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
        # Production refuses the demo data (its accounts' passwords are public): a development
        # run loads it into the same database; gunicorn below serves it as production.
        _flask({**env, "APP_ENV": "development"}, "demo", "load", "--password", "bench-password")
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
        products = requests.get(
            f"{base}/api/v1/products", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
        product_id = products["items"][0]["id"]
        targets = {
            "healthz (ceiling)": (f"{base}/healthz", []),
            "public product page": (f"{base}/p/{product_id}", []),
            "catalog API": (f"{base}/api/v1/products", [auth]),
        }
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
    args = parser.parse_args()
    report = run(args.duration, args.connections, args.workers, args.threads)
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
