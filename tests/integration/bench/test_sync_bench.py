"""bench/sync at a tiny size: connect a sandbox shop, publish a few listings, read its figures.

No timing assertions: the run is what is checked (the consent flow, the publish scheduler
with the production settings against each dialect's sandbox over real HTTP, the sandbox's
call and duplicate counts, the app's live listings equal to the sandbox's products), so the
bench never rots.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.sync import run as sync_bench
from sandbox import servers

LISTINGS = 2


@pytest.mark.parametrize("dialect", list(servers.DIALECTS))
def test_sync_bench_runs_at_a_tiny_size(dialect: str, tmp_path: Path) -> None:
    row = sync_bench.run(dialect, LISTINGS, rate=200.0, errors=0.0, seed=1, workdir=tmp_path)

    assert row["dialect"] == dialect
    # Published with the production settings, the loopback sandbox allowed as the bench says.
    assert row["app_env"] == "production"
    assert row["listings"] == LISTINGS
    assert row["live"] == LISTINGS
    assert row["remote_products"] == LISTINGS
    assert row["duplicates"] == 0
    assert row["injected_5xx"] == 0
    # At least one create per listing reached the sandbox; the floor is those calls ÷ rate.
    assert row["calls"] >= LISTINGS
    assert row["floor_s"] == pytest.approx(row["calls"] / 200.0)
    assert row["ratio"] > 0
