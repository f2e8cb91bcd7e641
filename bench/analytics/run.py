"""Club overview by ``analytics/`` (pandas) beside the same aggregates in DuckDB, per size.

    .venv/bin/python -m bench.analytics.run [--lines 1M,3M,10M] [--sessions 2000]
        [--buyers N] [--repeat 3] [--write-readme] [--json figures.json]
    .venv/bin/python -m bench.analytics.run --from-json figures.json   # the README again

For each number of order lines, generates the seeded club (bench/analytics/data.py), checks
that every total and every breakdown row of ``analytics.overview.club_overview`` and
``bench.analytics.duck.club_overview`` (DuckDB reading the same pandas frames, 2 threads — the
machine's cores — every breakdown from one pass over the lines with GROUPING SETS) agree, then
alternates ``--repeat`` timed runs of each, and measures peak memory in two fresh child
processes (one per side): the rise of the resident-set high-water mark (Linux VmHWM, reset
through /proc/self/clear_refs) over the RSS just before the call; for pandas also
tracemalloc's peak of Python/numpy allocations (DuckDB allocates outside tracemalloc's view).
Growth is each side's median over its median at the previous size.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics import metrics, overview
from bench.analytics import data, duck

PERIOD = (pd.Timestamp("2026-01-01", tz="UTC"), pd.Timestamp("2027-01-01", tz="UTC"))
ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "bench" / "README.md"
SECTION = "## bench/analytics"
SIZES = [1_000_000, 3_000_000, 10_000_000]


def _frames(club: data.Club) -> dict[str, pd.DataFrame]:
    return {
        "lines": club.lines,
        "audience": club.audience,
        "viewer_sessions": club.viewer_sessions,
        "sessions": club.sessions,
    }


def run_pandas(club: data.Club) -> overview.ClubOverview:
    return overview.club_overview(
        club.lines, club.audience, club.viewer_sessions, club.sessions, *PERIOD
    )


def run_duckdb(
    club: data.Club, shared: bool = True
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    try:
        return duck.club_overview(con, _frames(club), *PERIOD, shared=shared)
    finally:
        con.close()


def run_duckdb_each(club: data.Club) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The DuckDB reference with one statement per breakdown (no work shared)."""
    return run_duckdb(club, shared=False)


SIDES: dict[str, Callable[[data.Club], Any]] = {
    "pandas": run_pandas,
    "duckdb": run_duckdb,
    "duckdb_each": run_duckdb_each,
}
"""The timed sides: analytics, the DuckDB reference (shared), DuckDB one statement a breakdown."""
PROBED = ("pandas", "duckdb")
"""The sides whose peak memory is measured."""


# ------------------------------------------------------------------------------- agreement


def _same(a: Any, b: Any) -> bool:
    a_null = a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA
    b_null = b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA
    if a_null or b_null:
        return a_null and b_null
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return int(a) == int(b)


def compare(
    ours: overview.ClubOverview, theirs: tuple[pd.DataFrame, dict[str, pd.DataFrame]]
) -> int:
    """Cells compared; raises AssertionError naming the first disagreement."""
    totals, tables = theirs
    checked = 0
    for name in metrics.METRICS:
        assert _same(ours.totals[name], totals[name].iloc[0]), (name, ours.totals[name])
        checked += 1
    for name, by in metrics.BREAKDOWNS.items():
        mine = ours.breakdowns[name]
        other = tables[name]
        mine_by = {str(k): i for i, k in enumerate(mine[by])}
        other_by = {str(k): i for i, k in enumerate(other["g"])}
        assert mine_by.keys() == other_by.keys(), (name, len(mine_by), len(other_by))
        for column in metrics.METRICS:
            left = mine[column].to_numpy()
            right = other[column].to_numpy()
            for key, i in mine_by.items():
                assert _same(left[i], right[other_by[key]]), (name, key, column)
                checked += 1
    return checked


# ---------------------------------------------------------------------------------- memory


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def probe(side: str, n_lines: int, n_sessions: int, n_buyers: int | None) -> dict[str, float]:
    """In this (fresh) process: run one side once and report its peak memory in MiB."""
    run = run_pandas if side == "pandas" else run_duckdb
    run(data.generate(2000, 20, 10))  # load lazy imports on a tiny club
    club = data.generate(n_lines, n_sessions, n_buyers=n_buyers)
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed heap back, so reuse cannot hide growth
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    run(club)
    out = {"rss_peak_rise_mib": (_status_kib("VmHWM") - before) / 1024}
    if side == "pandas":
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        tracemalloc.start()
        run(club)
        out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def _probe_child(
    side: str, n_lines: int, n_sessions: int, n_buyers: int | None
) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.analytics.run", "--probe", side,
               "--lines", str(n_lines), "--sessions", str(n_sessions)]  # fmt: skip
    if n_buyers is not None:
        command += ["--buyers", str(n_buyers)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------ main


def _sizes(text: str) -> list[int]:
    """``1M,3M,10M`` or ``1000000,3000000`` → [1000000, 3000000, …]."""
    units = {"k": 1_000, "m": 1_000_000}
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        scale = units.get(part[-1:], 1)
        sizes.append(int(float(part[:-1] if scale > 1 else part) * scale))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=_sizes, default=SIZES, help="sizes, e.g. 1M,3M,10M")
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--buyers", type=int, help="buyers (default 250,000 at every size)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--json", type=Path, help="also save the figures to this file")
    parser.add_argument("--from-json", type=Path, help="write the README from saved figures")
    parser.add_argument("--probe", choices=["pandas", "duckdb"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe, args.lines[0], args.sessions, args.buyers)))
        return
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        write_readme(saved["results"], saved["repeat"])
        print(f"wrote {README}")
        return
    results = run_sizes(args.lines, args.sessions, args.repeat, args.buyers)
    if args.json:
        args.json.write_text(json.dumps({"repeat": args.repeat, "results": results}, indent=1))
    if args.write_readme:
        write_readme(results, args.repeat)
        print(f"wrote {README}")


def run_sizes(
    sizes: list[int], n_sessions: int, repeat: int, n_buyers: int | None = None
) -> list[dict[str, Any]]:
    """:func:`run` at each size in turn (one club in memory at a time), with each side's
    growth over the previous size."""
    results: list[dict[str, Any]] = []
    for n_lines in sizes:
        result = run(n_lines, n_sessions, repeat, n_buyers)
        if results:
            before, cpu = results[-1]["median"], results[-1]["cpu_median"]
            result["growth"] = {side: result["median"][side] / before[side] for side in before}
            result["cpu_growth"] = {side: result["cpu_median"][side] / cpu[side] for side in cpu}
            growth = ", ".join(f"{side} {g:.2f}x" for side, g in result["growth"].items())
            print(f"growth from {results[-1]['lines']:,} lines: {growth}")
        results.append(result)
    return results


def run(n_lines: int, n_sessions: int, repeat: int, n_buyers: int | None = None) -> dict[str, Any]:
    """Generate the club, check both sides agree, time ``repeat`` alternating runs of each and
    measure their peak memory in fresh processes; the figures ``write_readme`` reports."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    club = data.generate(n_lines, n_sessions, n_buyers=n_buyers)
    seconds = time.perf_counter() - started
    shape = {
        "lines": len(club.lines),
        "orders": int(club.lines["order_id"].nunique()),
        "buyers": club.buyers,
        "sessions": len(club.sessions),
        "viewer_sessions": len(club.viewer_sessions),
        "distinct_phones": int(club.lines["buyer_phone"].nunique()),
        "generate_seconds": seconds,
    }
    print(
        f"data: {shape['lines']:,} lines, {shape['orders']:,} orders, "
        f"{shape['sessions']:,} sessions, {shape['viewer_sessions']:,} viewer sessions "
        f"({seconds:.1f} s)"
    )
    # warm-up, and the figures compared: both DuckDB forms against analytics
    ours = run_pandas(club)
    agreed = {side: compare(ours, SIDES[side](club)) for side in ("duckdb", "duckdb_each")}
    checked = agreed["duckdb"]
    assert agreed["duckdb_each"] == checked, agreed
    print(f"agreement: {checked:,} figures equal (totals and {len(ours.breakdowns)} breakdowns)")
    times: dict[str, list[float]] = {side: [] for side in SIDES}
    cpu: dict[str, list[float]] = {side: [] for side in SIDES}
    for _ in range(repeat):
        for side, fn in SIDES.items():
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            fn(club)
            times[side].append(time.perf_counter() - t0)
            cpu[side].append(time.process_time() - c0)
    median = {side: statistics.median(v) for side, v in times.items()}
    cpu_median = {side: statistics.median(v) for side, v in cpu.items()}
    ratio = median["pandas"] / median["duckdb"]
    ratio_each = median["pandas"] / median["duckdb_each"]
    for side in times:
        runs = ", ".join(f"{t:.2f}" for t in times[side])
        print(f"{side} runs {runs} s, median {median[side]:.2f} s, CPU {cpu_median[side]:.2f} s")
    print(f"pandas/duckdb: {ratio:.2f}x shared, {ratio_each:.2f}x per breakdown (aim <= 1.0x)")
    del club  # one club in memory at a time: the probes make their own
    gc.collect()
    memory = {side: _probe_child(side, n_lines, n_sessions, n_buyers) for side in PROBED}
    print(f"memory: {json.dumps(memory)}")
    return {
        **shape,
        "checked": checked,
        "times": times,
        "median": median,
        "cpu_median": cpu_median,
        "ratio": ratio,
        "ratio_each": ratio_each,
        "memory": memory,
        "totals": ours.totals,
        "groups": {name: len(t) for name, t in ours.breakdowns.items()},
        "load": load,
    }


NAMES = {"pandas": "analytics", "duckdb": "DuckDB shared", "duckdb_each": "DuckDB per breakdown"}
TIMES = ("lines", "figures equal", *(f"{n} median (s)" for n in NAMES.values()),
         "÷ DuckDB shared", "÷ DuckDB per breakdown")  # fmt: skip
GROWTH = ("lines", *(f"{n} growth" for n in NAMES.values()),
          *(f"{n} CPU (s)" for n in NAMES.values()),
          *(f"{n} CPU growth" for n in NAMES.values()))  # fmt: skip
RUNS = ("lines", *(f"{n}, each run (s)" for n in NAMES.values()), "load average")
MEMORY = ("lines", "analytics: peak RSS rise (MiB)", "analytics: tracemalloc peak (MiB)",
          "DuckDB shared: peak RSS rise (MiB)")  # fmt: skip


def _header(columns: tuple[str, ...]) -> str:
    """A markdown table's header and alignment rows (every column right-aligned)."""
    return f"| {' | '.join(columns)} |\n|{' ---: |' * len(columns)}"


def _verdict(results: list[dict[str, Any]], ratio: str, reference: str) -> str:
    """Against the aim: ≤ 1.0× the reference at every size, growth no worse than its."""
    slow = [r for r in results if r[ratio] > 1.0]
    said = [f"{r['lines']:,} lines at {r[ratio]:.2f}×" for r in slow]
    for r in results[1:]:
        steeper = [
            measure
            for measure, key in (("wall", "growth"), ("CPU", "cpu_growth"))
            if r[key]["pandas"] > r[key][reference]
        ]
        if steeper:
            grew = f"{r['growth']['pandas']:.2f}× vs {r['growth'][reference]:.2f}×"
            said.append(f"growth to {r['lines']:,} lines steeper in {' and '.join(steeper)} time"
                        f" (wall {grew})")  # fmt: skip
    verdict = "**met** at every size" if not said else "**not met**: " + "; ".join(said)
    if len(results) > 1:
        first, last = results[0], results[-1]

        def whole(side: str, key: str) -> str:
            return f"{last[key][side] / first[key][side]:.2f}×"

        verdict += (
            f" (over the whole range, {first['lines']:,} to {last['lines']:,} lines: analytics"
            f" grew {whole('pandas', 'median')} in wall and {whole('pandas', 'cpu_median')} in"
            f" CPU time, the reference {whole(reference, 'median')} and"
            f" {whole(reference, 'cpu_median')})"
        )
    return verdict


def _faster(results: list[dict[str, Any]]) -> str:
    """Which DuckDB form ran faster, said for the README."""
    each = [r for r in results if r["median"]["duckdb_each"] < r["median"]["duckdb"]]
    if len(each) == len(results):
        return "DuckDB runs it faster than the shared form, at every size"
    if not each:
        return "it shows what sharing the work saves DuckDB"
    at = ", ".join(f"{r['lines']:,}" for r in each)
    return f"DuckDB runs it faster than the shared form at {at} lines"


def write_readme(results: list[dict[str, Any]], repeat: int, readme: Path = README) -> None:
    """Replace (or append) the bench/analytics section of ``readme`` (bench/README.md)."""
    last = results[-1]
    t = last["totals"]
    sizes = [f"{r['lines']:,}" for r in results]
    said = ", ".join(sizes[:-1]) + " and " + sizes[-1] if len(sizes) > 1 else sizes[0]
    command = ",".join(f"{r['lines'] // 1_000_000}M" if r["lines"] % 1_000_000 == 0
                       else str(r["lines"]) for r in results)  # fmt: skip
    groups = ", ".join(f"{k} {v:,}" for k, v in last["groups"].items())

    def each(key: str, fmt: str = "{:,}") -> str:
        return ", ".join(fmt.format(r[key]) for r in results)

    def cells(r: dict[str, Any], values: dict[str, float], fmt: str) -> str:
        return " | ".join(fmt.format(values[side]) for side in NAMES)

    rows = [
        f"| {r['lines']:,} | {r['checked']:,} | {cells(r, r['median'], '{:.2f}')} "
        f"| **{r['ratio']:.2f}** | {r['ratio_each']:.2f} |"
        for r in results
    ]
    none = " | ".join("—" * len(NAMES))
    growth = [
        f"| {r['lines']:,} | "
        + (cells(r, r["growth"], "{:.2f}×") if "growth" in r else none)
        + f" | {cells(r, r['cpu_median'], '{:.2f}')} | "
        + (cells(r, r["cpu_growth"], "{:.2f}×") if "cpu_growth" in r else none)
        + " |"
        for r in results
    ]
    runs = [
        f"| {r['lines']:,} | "
        + " | ".join(", ".join(f"{x:.2f}" for x in r["times"][side]) for side in NAMES)
        + f" | {r['load']} |"
        for r in results
    ]
    memory = [
        f"| {r['lines']:,} | {r['memory']['pandas']['rss_peak_rise_mib']:.0f} "
        f"| {r['memory']['pandas']['tracemalloc_peak_mib']:.0f} "
        f"| {r['memory']['duckdb']['rss_peak_rise_mib']:.0f} |"
        for r in results
    ]
    nl = "\n"
    section = f"""{SECTION} — club overview at {said} order lines (issues 7 and 22)

```sh
.venv/bin/python -m bench.analytics.run --lines {command} --repeat {repeat} --write-readme
```

Input: a seeded synthetic club for 2026 (`bench/analytics/data.py`), the frames the app would
load; at each size —

- {each("lines")} order lines in {each("orders")} orders (1–3 lines each) over
  {last["sessions"]:,} livestreams; 5,000 products from 800 producers; 10 % of orders cancelled,
  5 % returned, and 2 % of completed lines returned on their own;
- {each("buyers")} buyers whose phone is typed in five forms (+84, 84, spaced, dotted, plain),
  20 % without a phone and 2 % with a landline ({each("distinct_phones")} distinct raw phone
  values); 90 % of orders carry a platform user id;
- {last["viewer_sessions"]:,} viewer sessions in whole minutes (so leave/join at the same minute
  happens), 10 % never leaving; one audience row per stream, 1 % all zero (ratios None) — the
  same at every size (they follow the streams, not the lines).

Generating the club took {each("generate_seconds", "{:.0f}")} s.

Timed: the club overview for the year — every metric in total and per session, product,
streamer, platform, producer, OCOP group and star rating (rows at {sizes[-1]} lines:
{groups}).

- **analytics**: `analytics.overview.club_overview` — pandas {pd.__version__}, numpy
  {np.__version__}, one thread;
- **DuckDB shared** (the reference) — DuckDB {duckdb.__version__}: the same aggregates in SQL
  (`bench/analytics/duck.py`), reading the same pandas frames, `threads = 2`; phone
  normalisation, integer buyer keys, clipping and the half-open peak sweep included. The lines
  are keyed once; then every breakdown and the total come from one pass over them —
  `GROUP BY GROUPING SETS ((session_id), (product_id), (streamer_id), (platform),
  (producer_id), (ocop_group), (ocop_stars), ())` computing the sums and both
  `count(DISTINCT …)` — one over the audience and one over the viewing figures, merged per
  group;
- **DuckDB per breakdown**: the same SQL with one grouping per statement (the total with the
  first), eight passes over the keyed lines: the reference before issue 22, kept beside it
  because {_faster(results)}.

The three results are compared figure by figure before timing (ints exactly, floats to 1e-9,
None = NULL; both DuckDB forms against analytics). Then {repeat} alternating runs of each after
a warm-up:

{_header(TIMES)}
{nl.join(rows)}

Growth is each side's median over its median at the previous size (wall, then CPU); CPU time
is the process's, so DuckDB's counts both of its threads, and it is the steadier measure on a
shared machine:

{_header(GROWTH)}
{nl.join(growth)}

Each run, and the load average when the size started (when other work shares the 2 cores,
wall times include waiting for a core, DuckDB's two threads more than pandas' one; the
2026-12-04 run under a load average of 6 measured 0.21–0.23× for that reason):

{_header(RUNS)}
{nl.join(runs)}

Peak memory of one overview, each side in a fresh process, measured as the rise of the
resident-set high-water mark (Linux `VmHWM`, reset through `/proc/self/clear_refs`, after
`malloc_trim`) above the RSS just before the call; input frames not counted:

{_header(MEMORY)}
{nl.join(memory)}

Year totals at {sizes[-1]} lines, equal on all sides: GMV {t["gmv"]:,} ₫, Net GMV
{t["net_gmv"]:,} ₫, {t["orders"]:,} orders, {t["buyers"]:,} buyers, AOV {t["aov"]:,} ₫,
GPM {t["gpm"]:,} ₫, peak {t["peak_concurrent_viewers"]} concurrent viewers, average watch
{t["average_watch_seconds"]:.0f} s.

Aim (analytics ÷ DuckDB ≤ 1.0 at every size, growth no worse than DuckDB's): against the
shared reference {_verdict(results, "ratio", "duckdb")}; against DuckDB per breakdown
{_verdict(results, "ratio_each", "duckdb_each")}.

How the pandas side was brought there (issue 22: at 1M → 3M lines it had grown 3.7×, its four
distinct-count tables 4–5×, as hash tables of (group, item) pairs fell out of the caches):

- The valid lines are laid out once per overview, each order's lines side by side (they
  already are when the frame comes in order), and every breakdown goes through them block by
  block (64Ki lines, whole orders), so a block's arrays stay in the CPU's cache while every
  figure reads them: sums by `np.bincount` (weights converted and checked below 2**53 once);
  orders by marking each (order, group)'s first line, comparing the group codes with the same
  codes shifted by one, two … places within the order (orders of more than 8 lines are sorted
  instead); buyers — a buyer belongs to the order — by packing each line's (group, buyer) into
  one uint32 (int64 when they do not fit), one vectorised sort, and counting where the sorted
  pairs change, group by group (a bitmap when groups × buyers is small).
- Buyer keys: phones are normalised with array operations over all distinct raw values'
  characters at once (the rule of `vietnam.phones.mobile`, checked against it on random
  text; other text falls back to it) and keyed as integers; platform user ids are read only on
  the lines of orders without a phone, unless an order carries two users (then all of them,
  so the frame's order decides which one counts, as before).
- Python-backed string columns are factorised as the object arrays they hold.

What is left is mostly hashing the string columns (phone, platform user id, platform, OCOP
group, status): a Python string object per line and column, spread over memory, so past a few
million lines each one costs a cache miss. That part grows faster than the lines; a loader
giving categorical or Arrow-backed columns would remove most of it.
"""
    text = readme.read_text(encoding="utf-8")
    if SECTION in text:
        head = text[: text.index(SECTION)]
        rest = text[text.index(SECTION) + len(SECTION) :]
        tail = rest[rest.index("\n## ") + 1 :] if "\n## " in rest else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
