"""bench/national at a tiny size: 3,000 order lines over 6 clubs in 3 provinces, on PostgreSQL.

The figures are not checked (no timing assertions); the run is, so the bench never rots: the
data loads through COPY into the migrated schema, the aggregates rebuilt from it by two refresh
workers at once equal the raw computation (``app.rollups.check``), every province and national
view through the app's service agrees with DuckDB over the raw lines (exact figures exactly,
buyers estimates within the sketch's error), and orders imported with the aggregates kept leave
them equal to the raw lines again.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.national import data, run
from tests.support import postgres

LINES = 3000
CLUBS = 6


def test_national_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    problem = postgres.missing_binaries()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests cannot run in CI: {problem}")
        pytest.skip(f"PostgreSQL tests skipped: {problem}")
    options = run.Options(
        lines=LINES,
        clubs=CLUBS,
        repeat=1,
        ref_repeat=1,
        explain=tmp_path / "plans.txt",
        provinces=2,
        import_orders=24,
        import_file_orders=6,
        import_batch_files=2,
        import_clubs=2,
        refresh_workers=2,
    )

    result = run.run(options, tmp_path, say=lambda _line: None)

    assert result["load"]["rows"]["order_lines"] == LINES
    assert result["load"]["rows"]["clubs"] == CLUBS
    assert result["orders"] == result["load"]["rows"]["orders"] > LINES // 3
    assert result["disk_loaded"]["database"] > 0 and result["disk_loaded"]["datadir"] > 0
    # every club sold in every month of the year: 12 cells each, all remade by the two
    # workers between them (each cell once: they claim disjoint cells), none left waiting
    assert result["rebuild"]["cells"] == result["rebuild"]["remade"] == CLUBS * 12
    assert len(result["rebuild"]["per_worker"]) == 2
    assert result["rebuild"]["waiting"] == 0
    assert result["check"]["rows"] > 0 and result["check"]["differences"] == []
    assert result["disk_aggregates"]["sales_months"] > 0

    views = result["views"]
    # the country and 2 provinces (of 3), over the last month, quarter and year
    assert len(views) == 3 * len(run.PERIODS)
    assert data.province_count(CLUBS) == 3
    for row in views:
        assert row["differences"] == [], row["view"]
        assert row["figures"] > 100, row["view"]
        assert row["estimated_buyers"] > 0, row["view"]
        assert row["app_p50"] > 0 and row["ref_p50"] > 0, row["view"]
        # the daily chart over a month (30 days) and a quarter (91), none over the year
        assert (
            row["days"]
            == {"last month": 30, "last quarter": 91, "year": 0}[row["view"].split(", ")[1]]
        ), row["view"]
    # a province's clubs over one month: the app's buyers are exact, and equal
    assert all(row["exact_buyers"] > 0 for row in views if row["view"].endswith("last month")
               and row["view"].startswith("province"))  # fmt: skip

    # every estimate of a count above zero is in the error summary
    summarised = sum(bucket["count"] for bucket in result["buyers_errors"])
    assert 0 < summarised <= sum(row["estimated_buyers"] for row in views)
    # the plans of the year's views and of the refresh's month loads
    plans = (tmp_path / "plans.txt").read_text()
    assert plans.count("## region_view") == 2 and plans.count("## load_month") == 2
    assert "sales_months" in plans and "order_lines" in plans and "actual time" in plans

    writes = result["writes"]
    assert writes["kept"]["orders"] == writes["off"]["orders"] == 24
    # the kept side's refreshes remade exactly the cells its batches wrote to: the off side
    # marked nothing
    assert writes["kept"]["cells"] == writes["kept"]["touched"] > 0
    assert writes["off"]["cells"] == 0 and writes["off"]["touched"] > 0
    assert writes["kept"]["lines"] > 24 and writes["off"]["lines"] > 24
    assert result["writes_check"]["rows"] > 0 and result["writes_check"]["differences"] == []
    assert result["writes_check"]["stale"] == 0
    # what the command prints at the end
    printed = list(run.report(result))
    assert len(printed) >= 2 + len(views) and printed[-1].startswith("write path: kept")
    assert not any(line.startswith("DIFFERENCE") for line in printed)
