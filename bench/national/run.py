"""Province and national dashboards over a year of a national deployment, beside DuckDB.

    .venv/bin/python -m bench.national.run [--lines 20000000] [--clubs 1700] [--repeat 20]
        [--ref-repeat 5] [--provinces 3] [--import-orders 20000] [--refresh-workers 1]
        [--check-months 2026-11,2026-06] [--explain plans.txt] [--json result.json]

One run, on a throwaway PostgreSQL 15 (tests/support/postgres.py) whose schema the real
migrations build:

1. **data**: ``--clubs`` clubs over 34 provinces, ~30 products each, and ``--lines`` order lines
   over the local year 2025-12 … 2026-11 (bench/national/data.py), loaded with COPY; the time
   and the disk it took (the database's size and the data directory's);
2. **aggregates**: ``app.rollups.refresh.mark_all`` + ``refresh`` (in ``--refresh-workers``
   processes at once) rebuild every club's months from the raw lines (lines/s), then
   ``app.rollups.check.check`` compares the stored aggregates of ``--check-months`` with the
   raw computation: no difference allowed;
3. **reference**: the raw rows copied into DuckDB (bench/national/duck.py);
4. **dashboards**: for the country and ``--provinces`` provinces (a Youth Union account of each),
   over the last month, the last quarter and the year: a warm-up then ``--repeat`` rounds, each
   one call of ``app.reports.region.region_view`` (the service behind the pages, the API and
   the files), the first ``--ref-repeat`` followed by the same view from the raw lines in
   DuckDB; p50/p95 per view and side. Every answer is compared: GMV, Net GMV, orders and units
   exactly everywhere, the top 20 products and producers in order, the daily chart; buyers
   exactly where the app counts them exactly (a club's single month), elsewhere within 4
   standard errors of the HyperLogLog sketch (plus 2 for small counts); ``--explain`` writes
   the plans of the year's views and of the refresh's month loads;
5. **write path**: ``--import-orders`` orders imported on each side through the order import
   service, with the aggregates kept (marking + the refresh of what was marked, counted in)
   and without (``SALES_ROLLUPS=0``), alternating (bench/national/writes.py); then the kept
   side's clubs are checked against their raw lines.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import datetime as dt
import gc
import json
import math
import multiprocessing
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask
import flask_migrate
import sqlalchemy as sa

from analytics import sketches
from app import extensions, factory
from app.accounts import service as accounts_service
from app.models import accounts, catalog, orgs
from app.reports import region
from app.rollups import cells, check, refresh, stale
from bench.national import data, duck, explain, writes
from tests.support import postgres

PERIODS: tuple[tuple[str, dt.date, dt.date], ...] = (
    ("last month", dt.date(2026, 11, 1), dt.date(2026, 11, 1)),
    ("last quarter", dt.date(2026, 9, 1), dt.date(2026, 11, 1)),
    ("year", dt.date(2025, 12, 1), dt.date(2026, 11, 1)),
)
TODAY = dt.date(2026, 12, 4)  # the app's "today" for the views (the month after the data)
WARMUP = 1
# Buyers estimates: within SIGMAS standard errors of the exact count, plus SLACK for the
# register collisions a small count meets (40 buyers share a register now and then: the
# linear-counting estimate is then one below, rarely two or three).
SIGMAS = 4
SLACK = 2
PASSWORD = "bench-password-national"


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank) in milliseconds."""
    ordered = sorted(samples)
    rank = min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)
    return statistics.median(ordered) * 1000, ordered[rank] * 1000


def _app(workdir: Path, url: str) -> flask.Flask:
    return factory.create_app(
        {"SESSION_COOKIE_SECURE": False},
        env={
            "APP_ENV": "production",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-national",
            "CREDENTIALS_KEY": "YmVuY2gtY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE=",
            "PUBLIC_BASE_URL": "https://ocop.example.vn",
            "BROKER_URL": f"sqla+sqlite:///{workdir / 'broker.sqlite'}",
            "INSTANCE_PATH": str(workdir / "instance"),
            "MEDIA_ROOT": str(workdir / "media"),
        },
    )


@dataclasses.dataclass
class Compared:
    figures: int = 0
    exact_buyers: int = 0
    estimated_buyers: int = 0
    days: int = 0  # days of the daily chart compared
    worst_buyers_error: float = 0.0  # relative
    differences: list[str] = dataclasses.field(default_factory=list)
    pairs: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # exact, estimate


def _within(estimate: int, exact: int) -> bool:
    return abs(estimate - exact) <= SIGMAS * sketches.STANDARD_ERROR * exact + SLACK


def _compare_figures(
    out: Compared, where: str, app: duck.Figures, ref: duck.Figures, buyers_exact: bool
) -> None:
    for name in duck.FIGURES:
        have, want = app.get(name), ref.get(name)
        if name == "buyers":
            if have is None:  # products and producers: the app shows no buyers
                continue
            if buyers_exact:
                out.exact_buyers += 1
                if have != want:
                    out.differences.append(f"{where}: buyers {have} vs {want}")
                continue
            out.estimated_buyers += 1
            out.pairs.append((int(want or 0), int(have)))
            if want:
                error = abs(int(have) - int(want)) / int(want)
                out.worst_buyers_error = max(out.worst_buyers_error, error)
            if not _within(int(have), int(want or 0)):
                out.differences.append(f"{where}: buyers ≈{have} vs {want}")
            continue
        out.figures += 1
        if have != want:
            out.differences.append(f"{where}: {name} {have} vs {want}")


def compare(app: duck.Answer, ref: duck.Answer, clubs_single_month: bool) -> Compared:
    """Every figure of the app's view against the reference's."""
    out = Compared()
    _compare_figures(out, "totals", app.totals, ref.totals, False)
    for part, exact in (("months", False), ("places", clubs_single_month)):
        mine, theirs = getattr(app, part), getattr(ref, part)
        if set(mine) != set(theirs):
            out.differences.append(f"{part}: keys {sorted(mine)} vs {sorted(theirs)}")
        for key in sorted(set(mine) & set(theirs)):
            _compare_figures(out, f"{part}[{key}]", mine[key], theirs[key], exact)
    if app.days:  # the app charts days over a few months only
        out.days = len(app.days)
        wrong = [day for day, value in ref.days.items() if app.days.get(day) != value]
        if set(app.days) != set(ref.days) or wrong:
            out.differences.append(f"days: {sorted(set(app.days) ^ set(ref.days))} {wrong[:5]}")
    for dim, theirs_rows in ref.tables.items():
        mine_rows = app.tables.get(dim, [])
        keys = [key for key, _ in mine_rows]
        if keys != [key for key, _ in theirs_rows]:
            out.differences.append(f"{dim}: order {keys} vs {[k for k, _ in theirs_rows]}")
            continue
        for (key, have), (_, want) in zip(mine_rows, theirs_rows, strict=True):
            _compare_figures(out, f"{dim}[{key}]", have, want, False)
    return out


def answer_of(view: region.RegionView) -> duck.Answer:
    """The app's view in the reference's shape."""
    return duck.Answer(
        totals=dict(view.totals),
        months={row.key: dict(row.figures) for row in view.month_rows},
        places={row.key: dict(row.figures) for row in view.places},
        tables={
            dim: [(row.key, dict(row.figures)) for row in rows] for dim, rows in view.tables.items()
        },
        days={day.isoformat(): int(value) for day, value in view.days},
    )


@dataclasses.dataclass
class Timed:
    request: duck.Request
    app_seconds: list[float] = dataclasses.field(default_factory=list)
    ref_seconds: list[float] = dataclasses.field(default_factory=list)
    compared: Compared | None = None

    def row(self) -> dict[str, Any]:
        app_p50, app_p95 = percentiles(self.app_seconds)
        ref_p50, ref_p95 = percentiles(self.ref_seconds)
        compared = self.compared or Compared()
        return {
            "view": self.request.name,
            "app_p50": app_p50,
            "app_p95": app_p95,
            "ref_p50": ref_p50,
            "ref_p95": ref_p95,
            "faster_p50": ref_p50 / app_p50 if app_p50 else 0.0,
            "faster_p95": ref_p95 / app_p95 if app_p95 else 0.0,
            "figures": compared.figures,
            "exact_buyers": compared.exact_buyers,
            "estimated_buyers": compared.estimated_buyers,
            "days": compared.days,
            "worst_buyers_error": compared.worst_buyers_error,
            "differences": compared.differences,
            "pairs": compared.pairs,
        }


def requests(provinces: list[int], how_many: int) -> list[duck.Request]:
    """The country and ``how_many`` provinces spread over the list, each over every period."""
    step = max(1, len(provinces) // max(1, how_many))
    chosen = provinces[::step][:how_many]
    out = [duck.Request(f"country, {name}", first, last) for name, first, last in PERIODS]
    for code in chosen:
        out += [
            duck.Request(f"province {code}, {name}", first, last, code)
            for name, first, last in PERIODS
        ]
    return out


def _call_app(app: flask.Flask, user_id: int, request: duck.Request) -> tuple[float, Any]:
    """One view through the service, in its own session as a request has."""
    with app.app_context():
        session = extensions.session()
        user = session.get(accounts.User, user_id)
        assert user is not None
        started = time.perf_counter()
        view = region.region_view(
            session,
            user,
            request.first.strftime("%Y-%m"),
            request.last.strftime("%Y-%m"),
            today=TODAY,
        )
        seconds = time.perf_counter() - started
        extensions.db.session.remove()
    return seconds, view


def time_views(
    app: flask.Flask,
    con: Any,
    users: dict[int | None, int],
    chosen: list[duck.Request],
    repeat: int,
    ref_repeat: int,
    say: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Each request ``WARMUP + repeat`` times through the app, each round followed by the
    reference in the first ``WARMUP + ref_repeat`` (at full size a year's national view takes
    DuckDB a minute); the answers of the first round compared."""
    rows = []
    for request in chosen:
        timed = Timed(request)
        for round_number in range(WARMUP + max(repeat, ref_repeat)):
            if round_number < WARMUP + repeat:
                seconds, view = _call_app(app, users[request.province], request)
                if round_number >= WARMUP:
                    timed.app_seconds.append(seconds)
            if round_number < WARMUP + ref_repeat:
                started = time.perf_counter()
                reference = duck.view(con, request)
                if round_number >= WARMUP:
                    timed.ref_seconds.append(time.perf_counter() - started)
            if round_number == 0:
                if view.pending:
                    raise AssertionError(f"{request.name}: {view.pending} cells waiting")
                timed.compared = compare(
                    answer_of(view),
                    reference,
                    clubs_single_month=request.province is not None
                    and request.first == request.last,
                )
        row = {**timed.row(), "load_average": os.getloadavg()[0]}
        say(
            f"  {row['view']}: app p50 {row['app_p50']:.1f} p95 {row['app_p95']:.1f} ms, "
            f"DuckDB p50 {row['ref_p50']:.1f} p95 {row['ref_p95']:.1f} ms, "
            f"{row['faster_p95']:.1f}× (p95), {len(row['differences'])} differences "
            f"(load average {row['load_average']:.1f})"
        )
        rows.append(row)
    return rows


def disk(url: str, datadir: Path | None) -> dict[str, int]:
    """The database's size, the data directory's (WAL and all) and the big tables'."""

    def one(query: str) -> int:
        row = conn.execute(query).fetchone()
        return int(row[0]) if row else 0

    with data.connect(url) as conn:
        out = {"database": one("SELECT pg_database_size(current_database())")}
        for table in ("orders", "order_lines", "sales_months", "sales_days", "region_sketches"):
            out[table] = one(f"SELECT pg_total_relation_size('{table}')")
    if datadir is not None:
        found = subprocess.run(["du", "-sb", str(datadir)], capture_output=True, text=True)
        out["datadir"] = int(found.stdout.split()[0]) if found.returncode == 0 else 0
    return out


def _users(
    app: flask.Flask, provinces: list[int], import_clubs: list[int]
) -> dict[str, dict[int | None, int]]:
    """An admin (the country), a Youth Union account per province and a seller per importing
    club, made through the accounts service."""
    wanted: list[tuple[str, int | None, dict[str, Any]]] = [
        ("views", None, {"username": "bench-admin", "role": "admin"})
    ]
    wanted += [
        ("views", code, {"username": f"union-{code}", "role": "union", "union_province_code": code})
        for code in provinces
    ]
    wanted += [
        ("sellers", club, {"username": f"seller-{club}", "role": "seller", "club_id": club})
        for club in import_clubs
    ]
    made: dict[str, dict[int | None, int]] = {"views": {}, "sellers": {}}
    with app.app_context():
        session = extensions.session()
        for group, key, fields in wanted:
            user = accounts_service.create_user(
                session, password=PASSWORD, full_name=fields["username"], **fields
            )
            made[group][key] = user.id
        extensions.db.session.remove()
    return made


def _refresh_worker(workdir: str, url: str) -> refresh.Refreshed:
    """One refresh worker: its own process, app and connections, remaking cells until none
    is left to claim (what the beat chore does on each Celery worker)."""
    app = _app(Path(workdir), url)
    with app.app_context():
        done = refresh.refresh(extensions.session())
        extensions.db.session.remove()
        extensions.db.engine.dispose()
    return done


def refresh_in_workers(workdir: Path, url: str, workers: int) -> list[refresh.Refreshed]:
    """The stale cells remade by ``workers`` processes at once (1: in this process)."""
    if workers <= 1:
        return [_refresh_worker(str(workdir), url)]
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(_refresh_worker, str(workdir), url) for _ in range(workers)]
        return [future.result() for future in futures]


def _say_disk(say: Callable[[str], None], label: str, sizes: dict[str, int]) -> None:
    gib = {name: value / 2**30 for name, value in sizes.items()}
    say(
        f"  disk {label}: database {gib['database']:.2f} GiB, data directory "
        f"{gib.get('datadir', 0):.2f} GiB (orders {gib['orders']:.2f}, lines "
        f"{gib['order_lines']:.2f}, sales_months {gib['sales_months']:.2f}, sales_days "
        f"{gib['sales_days']:.2f}, region_sketches {gib['region_sketches']:.2f})"
    )


def _import_clubs(n_clubs: int, per_side: int) -> dict[str, list[int]]:
    """``per_side`` clubs for each side, spread over the list and alternating (disjoint)."""
    wanted = min(n_clubs // 2, max(1, per_side))
    picks = sorted({1 + (i * n_clubs) // (2 * wanted) for i in range(2 * wanted)})
    return {"kept": picks[0::2], "off": picks[1::2]}


@dataclasses.dataclass
class Options:
    lines: int = 20_000_000
    clubs: int = 1700
    repeat: int = 20
    ref_repeat: int = 5
    provinces: int = 3
    import_orders: int = 20_000
    import_file_orders: int = 500
    import_batch_files: int = 4
    import_clubs: int = 16  # per side
    refresh_workers: int = 1  # processes remaking the aggregates at once (the rebuild)
    check_months: tuple[dt.date, ...] = (dt.date(2026, 11, 1), dt.date(2026, 6, 1))
    threads: int = 2
    explain: Path | None = None  # where to write the plans (EXPLAIN ANALYZE), if anywhere


def run(
    options: Options, workdir: Path | None = None, say: Callable[[str], None] = print
) -> dict[str, Any]:
    """The whole bench; its figures (and the comparisons) as a dict."""
    made_here = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="bench-national-"))
    result: dict[str, Any] = {"lines": options.lines, "clubs": options.clubs}
    server = postgres.start(workdir)
    try:
        url = server.create_database("bench_national")
        app = _app(workdir, url)
        with app.app_context():
            flask_migrate.upgrade()
            session = extensions.session()
            categories = list(
                session.scalars(
                    sa.select(catalog.OcopCategory.id).where(catalog.OcopCategory.level >= 2)
                )
            )
            extensions.db.session.remove()
        say(f"generating {options.lines:,} lines over {options.clubs:,} clubs")
        started = time.perf_counter()
        dataset = data.generate(options.lines, options.clubs, categories)
        result["generate_seconds"] = time.perf_counter() - started
        result["orders"] = dataset.n_orders
        say(f"  {dataset.n_orders:,} orders ({result['generate_seconds']:.0f} s); loading")
        loaded = data.load(url, dataset, workdir, say=say)
        result["load"] = dataclasses.asdict(loaded)
        provinces = dataset.provinces
        del dataset
        result["disk_loaded"] = disk(url, server.datadir)
        _say_disk(say, "after the load", result["disk_loaded"])

        say(f"aggregates: rebuild from the raw lines ({options.refresh_workers} worker(s))")
        with app.app_context():
            session = extensions.session()
            started = time.perf_counter()
            marked = refresh.mark_all(session)
            marked_at = time.perf_counter()
            extensions.db.session.remove()
        done = refresh_in_workers(workdir, url, options.refresh_workers)
        finished = time.perf_counter()
        with app.app_context():
            waiting = stale.waiting(extensions.session())
            extensions.db.session.remove()
        result["rebuild"] = {
            "workers": options.refresh_workers,
            "cells": marked,
            "remade": sum(d.cells for d in done),
            "rounds": sum(d.rounds for d in done),
            "per_worker": [d.cells for d in done],
            "mark_seconds": marked_at - started,
            "refresh_seconds": finished - marked_at,
            "seconds": finished - started,
            "lines_per_second": options.lines / (finished - started),
            "waiting": waiting,
        }
        say(
            f"  {marked:,} cells in {finished - started:.0f} s "
            f"({options.lines / (finished - started):,.0f} lines/s; marking "
            f"{marked_at - started:.1f} s), {waiting} left waiting"
        )
        # what autovacuum does after a write this size (the planner needs the new tables' sizes)
        with data.connect(url) as conn:
            conn.execute("VACUUM ANALYZE sales_months, sales_days, region_sketches")
        result["disk_aggregates"] = disk(url, server.datadir)
        _say_disk(say, "with the aggregates", result["disk_aggregates"])
        result["check"] = _check(app, list(options.check_months), None, say)

        say("reference: the raw rows into DuckDB")
        con = duck.connect(options.threads)
        started = time.perf_counter()
        with data.connect(url) as conn:
            duck.export(conn, con, workdir)
        result["export_seconds"] = time.perf_counter() - started
        say(f"  exported in {result['export_seconds']:.0f} s")

        chosen = requests(provinces, options.provinces)
        sides = _import_clubs(options.clubs, options.import_clubs)
        users = _users(
            app,
            sorted({r.province for r in chosen if r.province is not None}),
            sides["kept"] + sides["off"],
        )
        say(f"dashboards: {len(chosen)} views × {options.repeat} rounds")
        gc.freeze()  # as wsgi.py does once the app is built (see there)
        result["views"] = time_views(
            app, con, users["views"], chosen, options.repeat, options.ref_repeat, say
        )
        con.close()
        result["buyers_errors"] = buyers_errors(
            [pair for row in result["views"] for pair in row.pop("pairs")]
        )
        if options.explain is not None:
            options.explain.write_text(_plans(app, users["views"], chosen))
            say(f"  plans written to {options.explain}")

        if options.import_orders:
            say(f"write path: {options.import_orders:,} orders imported on each side")
            with app.app_context():
                clubs = {
                    name: writes.clubs_for(extensions.session(), ids, users["sellers"])
                    for name, ids in sides.items()
                }
                extensions.db.session.remove()
            measured = writes.measure(
                app,
                clubs,
                options.import_orders,
                options.import_file_orders,
                options.import_batch_files,
                workdir,
                say,
            )
            kept, off = measured["kept"], measured["off"]
            result["writes"] = {
                name: {**dataclasses.asdict(side), "per_second": side.per_second}
                for name, side in measured.items()
            }
            result["writes"]["cost"] = off.per_second / kept.per_second if kept.per_second else 0
            result["writes"]["load_average"] = os.getloadavg()[0]
            say(
                f"  kept {kept.per_second:.0f} orders/s (import {kept.import_seconds:.1f} s + "
                f"refresh {kept.refresh_seconds:.1f} s), off {off.per_second:.0f} orders/s: "
                f"{result['writes']['cost']:.2f}×"
            )
            result["writes_check"] = _check(app, [writes.MONTH], sides["kept"], say)
        with app.app_context():
            extensions.db.session.remove()
            extensions.db.engine.dispose()
    finally:
        server.stop()
        if made_here:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


BUCKETS = (0, 1_000, 10_000, 100_000, 1_000_000)


def buyers_errors(pairs: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """The buyers estimates' relative errors by the size of the exact count: how many, the
    mean (signed: a bias shows) and the worst."""
    out = []
    for low, high in zip(BUCKETS, (*BUCKETS[1:], None), strict=True):
        errors = [
            (estimate - exact) / exact
            for exact, estimate in pairs
            if exact and exact >= low and (high is None or exact < high)
        ]
        if errors:
            out.append(
                {
                    "from": low,
                    "to": high,
                    "count": len(errors),
                    "mean": statistics.fmean(errors),
                    "worst": max(errors, key=abs),
                }
            )
    return out


def _plans(app: flask.Flask, users: dict[int | None, int], chosen: list[duck.Request]) -> str:
    """The year's views (the country and the first province) and the refresh's loads."""
    year = [r for r in chosen if (r.first, r.last) == PERIODS[-1][1:]][:2]
    sections = []
    with app.app_context():
        engine = extensions.db.engine
        for request in year:
            with explain.statements(engine) as sent:
                _call_app(app, users[request.province], request)
            sections.append(f"## region_view: {request.name}\n\n" + explain.plans(engine, sent))
        session = extensions.session()
        clubs = list(session.scalars(sa.select(orgs.Club.id).order_by(orgs.Club.id)))
        month = PERIODS[0][1]
        for label, chosen_clubs in (
            (f"one batch ({refresh.BATCH} clubs)", clubs[: refresh.BATCH]),
            ("every club (check)", None),
        ):
            with explain.statements(engine) as sent:
                cells.load_month(session, month, chosen_clubs)
            sections.append(
                f"## load_month {month:%Y-%m}, {label}\n\n"
                + explain.plans(engine, sent, keep=lambda s: "order_lines" in s)
            )
        extensions.db.session.remove()
    return "\n".join(sections)


def _check(
    app: flask.Flask, months: list[dt.date], club_ids: list[int] | None, say: Callable[[str], None]
) -> dict[str, Any]:
    with app.app_context():
        started = time.perf_counter()
        checked = check.check(extensions.session(), club_ids, months)
        seconds = time.perf_counter() - started
        extensions.db.session.remove()
    out = {
        "months": [m.isoformat() for m in months],
        "clubs": "all" if club_ids is None else len(club_ids),
        "rows": checked.rows,
        "differences": [str(d) for d in checked.differences[:20]],
        "stale": checked.stale_cells,
        "seconds": seconds,
    }
    say(
        f"  check {', '.join(m.strftime('%Y-%m') for m in months)} ({out['clubs']} clubs): "
        f"{checked.rows:,} rows, {len(checked.differences)} differences ({seconds:.0f} s)"
    )
    return out


def table(rows: list[dict[str, Any]]) -> Iterator[str]:
    yield (
        "| view | app p50 | app p95 | DuckDB p50 | DuckDB p95 | faster (p50) | faster (p95) "
        "| figures equal | buyers (worst error) | load average |"
    )
    yield "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for row in rows:
        buyers = f"{row['exact_buyers']} exact, {row['estimated_buyers']} ≈"
        yield (
            f"| {row['view']} | {row['app_p50']:.1f} | {row['app_p95']:.1f} | "
            f"{row['ref_p50']:.1f} | {row['ref_p95']:.1f} | {row['faster_p50']:.1f}× | "
            f"{row['faster_p95']:.1f}× | {row['figures']} | {buyers} "
            f"({100 * row['worst_buyers_error']:.2f} %) | {row.get('load_average', 0):.1f} |"
        )


def report(result: dict[str, Any]) -> Iterator[str]:
    """The run's figures as printed at the end: the views' table, any difference, the buyers
    estimates' errors by size and the write path."""
    yield from table(result["views"])
    for row in result["views"]:
        for difference in row["differences"][:10]:
            yield f"DIFFERENCE {row['view']}: {difference}"
    for bucket in result["buyers_errors"]:
        upper = "" if bucket["to"] is None else f"{bucket['to']:,}"
        yield (
            f"buyers {bucket['from']:,}–{upper}: {bucket['count']} estimates, "
            f"mean {100 * bucket['mean']:+.2f} %, worst {100 * bucket['worst']:+.2f} %"
        )
    writes = result.get("writes")
    if writes:
        yield (
            f"write path: kept {writes['kept']['per_second']:.0f} orders/s, off "
            f"{writes['off']['per_second']:.0f} orders/s: {writes['cost']:.2f}×"
        )


def _months(value: str) -> tuple[dt.date, ...]:
    return tuple(dt.date.fromisoformat(f"{item.strip()}-01") for item in value.split(",") if item)


def main() -> None:
    defaults = Options()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=defaults.lines)
    parser.add_argument("--clubs", type=int, default=defaults.clubs)
    parser.add_argument("--repeat", type=int, default=defaults.repeat)
    parser.add_argument("--ref-repeat", type=int, default=defaults.ref_repeat)
    parser.add_argument("--provinces", type=int, default=defaults.provinces)
    parser.add_argument("--import-orders", type=int, default=defaults.import_orders)
    parser.add_argument("--refresh-workers", type=int, default=defaults.refresh_workers)
    parser.add_argument(
        "--check-months",
        type=_months,
        default=defaults.check_months,
        help="comma-separated YYYY-MM",
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--explain", type=Path, default=None, help="write the plans here")
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    args = parser.parse_args()
    options = Options(
        lines=args.lines,
        clubs=args.clubs,
        repeat=args.repeat,
        ref_repeat=args.ref_repeat,
        explain=args.explain,
        provinces=args.provinces,
        import_orders=args.import_orders,
        refresh_workers=args.refresh_workers,
        check_months=args.check_months,
    )
    started = time.perf_counter()
    result = run(options, args.workdir)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    print()
    for line in report(result):
        print(line)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
