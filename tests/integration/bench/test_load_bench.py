"""bench/load at a tiny size: PostgreSQL, Redis, a generated catalog of 300 products with 12
livestreams, the demo data and gunicorn under wrk for a second per target, on this machine's
loopback only.

No timing or throughput assertions: the run is what is checked (the servers start, the catalog
is seeded and handed to the demo club, a token is issued, every target answers without an
error), so the bench never rots.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.load import run as load_bench
from tests.integration.bench import servers


def test_load_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    servers.require("load", None if shutil.which("wrk") else "wrk not found (apt-get install wrk)")

    report = load_bench.run(
        duration=1, connections=2, workers=1, products=300, sessions=12, warmup=0, workdir=tmp_path
    )

    assert report["gunicorn_workers"] == 1
    assert (report["products"], report["sessions"]) == (300, 12)
    results = report["results"]
    assert list(results) == [
        "healthz (ceiling)",
        "public product page",
        "public product QR",
        "catalog API",
    ]
    for name, figures in results.items():
        assert figures["requests"] > 0, name
        assert figures["errors"] == 0, (name, figures)
        assert figures["rps"] > 0, name
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"], name
    assert results["healthz (ceiling)"]["share_of_ceiling"] == 1.0
    assert results["catalog API"]["share_of_ceiling"] > 0
