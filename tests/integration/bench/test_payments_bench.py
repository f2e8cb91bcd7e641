"""bench/payments at a tiny size: PostgreSQL, Redis, the demo data, gunicorn serving the app
and the bare signature-checking endpoint, and 120 SePay calls (duplicates, calls out of
order, mangled contents, wrong amounts) posted to each, on this machine's loopback only.

No timing assertions: the run is what is checked (every call answered 200 by both, every
transfer stored once, none applied twice, every order's amount as the bank received it), so
the bench never rots.
"""

from __future__ import annotations

from pathlib import Path

from bench.payments import run as payments_bench
from tests.integration.bench import servers


def test_payments_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    servers.require("payments")

    report = payments_bench.run(120, concurrency=4, workers=1, threads=4, workdir=tmp_path)

    assert report["calls"] == 120
    assert report["ceiling"]["statuses"] == {"200": 120}
    assert report["app"]["statuses"] == {"200": 120}
    assert report["transfers_sent"] < 120, "some transfers were delivered twice"
    assert report["transactions_stored"] == report["transfers_sent"]
    assert report["double_applications"] == 0 and report["orders_amount_wrong"] == 0
    assert report["orders_paid"] + report["orders_partly_paid"] == report["transfers_sent"]
    for name in ("ceiling", "app"):
        figures = report[name]
        assert 0 <= figures["p50_s"] <= figures["p95_s"] <= figures["max_s"], name
        assert figures["calls_per_s"] > 0, name
    assert "app ÷ ceiling" in payments_bench.table(report)
