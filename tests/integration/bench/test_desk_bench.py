"""bench/desk at a tiny size: the Facebook sandbox playing a few seconds of comments, the
capture on a real live worker, gunicorn with the production settings on PostgreSQL and three
desks reading the feed as desk.js does, on this machine's loopback only.

No timing assertions: the run is what is checked (every comment published is stored once and
reaches every desk, the floor reads them all, the desks' confirmations answer without an
error), so the bench never rots.
"""

from __future__ import annotations

from pathlib import Path

from bench.desk import run as desk_bench
from tests.integration.bench import servers


def test_desk_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    servers.require("desk")

    # 10 comments a second for 3 seconds, 3 desks on one gunicorn worker (8 threads).
    options = {"confirm_share": 0.2, "workers": 1, "long_poll": 2}
    report = desk_bench.run(10, 3, 3, workdir=tmp_path, **options)

    assert report["published"] == 30
    assert report["stored"] == 30 and report["lost_never_stored"] == 0
    assert report["lost_never_seen"] == 0 and report["missed_by_some_desk"] == 0
    assert report["floor"]["n"] == 30 and report["floor_lost"] == 0
    assert report["desk_first"]["n"] == 30 and report["desk_every"]["n"] == 90
    assert len(report["per_desk"]) == 3 and all(d["n"] == 30 for d in report["per_desk"])
    assert report["confirm"]["n"] > 0 and report["confirm"]["errors"] == 0
    assert report["feed_errors"] == 0 and report["capture_status"] in ("running", "ended")
    for name in ("floor", "desk_first", "desk_every", "confirm"):
        figures = report[name]
        assert 0 <= figures["p50_s"] <= figures["p95_s"] <= figures["max_s"], name
    assert "confirm: POST -> answer" in desk_bench.table(report)
