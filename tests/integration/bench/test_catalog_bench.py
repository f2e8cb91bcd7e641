"""bench/catalog at a tiny size: the real migrations, a seeded catalog, every query shape.

The figures are not checked (no timing assertions); the run is, so the bench never rots:
every query answers 200 through the app, the app's total and page equal the Core reference's
(the bench asserts that itself on every request, and the row shows it), the replay sends the
same statements each request and each shape yields its row with a ratio.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.catalog import run as catalog_bench
from tests.support import postgres

PRODUCTS = 40


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_catalog_bench_runs_at_a_tiny_size(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql":
        problem = postgres.missing_binaries()
        if problem:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL tests cannot run in CI: {problem}")
            pytest.skip(f"PostgreSQL tests skipped: {problem}")

    rows = catalog_bench.run(backend, PRODUCTS, repeat=1, workdir=tmp_path)

    assert [row["query"] for row in rows] == [label for label, _ in catalog_bench.QUERIES]
    by_query = {row["query"]: row for row in rows}
    # Every product is active and in the seeded club: "newest" counts them all.
    assert by_query["newest, page 50"]["total"] == PRODUCTS
    assert 0 < by_query["search 'nuoc mam'"]["total"] < PRODUCTS
    # The certificate statuses are judged on the app's today, around which the seed lays out
    # its dates: some certificates are expiring on whatever day this runs.
    assert 0 < by_query["certificate expiring"]["total"] < PRODUCTS
    for row in rows:
        assert row["app_total"] == row["total"], row["query"]
        assert row["app_ids"] == row["core_ids"], row["query"]
        # A statement count per request that does not change: the replay is the app's own.
        assert len(row["statements"]) == 1 and row["statements"][0] >= 2, row["query"]
        for figure in ("app_p50", "app_p95", "core_p50", "core_p95", "ratio"):
            assert row[figure] > 0, (row["query"], figure)
