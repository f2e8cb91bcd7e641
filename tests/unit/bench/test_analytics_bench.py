"""bench/analytics at two tiny sizes: both sides agree at each, the timed runs, the growth from
one size to the next, the memory probes in fresh processes, and the README section the figures
are written to.

No timing assertions: the run is what is checked, so the bench never rots.
"""

from __future__ import annotations

from pathlib import Path

from analytics import metrics
from bench.analytics import run as analytics_bench

SIZES, SESSIONS = [2000, 4000], 10


def test_analytics_bench_runs_at_tiny_sizes(tmp_path: Path) -> None:
    results = analytics_bench.run_sizes(SIZES, SESSIONS, repeat=1)

    assert [r["lines"] for r in results] == SIZES
    for result in results:
        assert result["sessions"] == SESSIONS
        # Every total plus every metric of every breakdown row was compared, and agreed.
        rows = sum(result["groups"].values())
        assert result["checked"] == len(metrics.METRICS) * (1 + rows)
        assert set(result["groups"]) == set(metrics.BREAKDOWNS)
        for side in ("pandas", "duckdb", "duckdb_each"):
            assert len(result["times"][side]) == 1
            assert result["median"][side] > 0
        for side in ("pandas", "duckdb"):
            assert result["memory"][side]["rss_peak_rise_mib"] >= 0
        assert result["memory"]["pandas"]["tracemalloc_peak_mib"] > 0
        assert result["ratio"] > 0 and result["ratio_each"] > 0
        assert result["totals"]["gmv"] > 0
    assert "growth" not in results[0]
    for side in ("pandas", "duckdb", "duckdb_each"):
        grown = results[1]["median"][side] / results[0]["median"][side]
        assert results[1]["growth"][side] == grown
        grown = results[1]["cpu_median"][side] / results[0]["cpu_median"][side]
        assert results[1]["cpu_growth"][side] == grown

    readme = tmp_path / "README.md"
    readme.write_text(analytics_bench.README.read_text(encoding="utf-8"), encoding="utf-8")
    analytics_bench.write_readme(results, 1, readme)

    text = readme.read_text(encoding="utf-8")
    section = text[text.index(analytics_bench.SECTION) :]
    section = section[: section.index("\n## ")]
    assert "club overview at 2,000 and 4,000 order lines" in section
    assert "--lines 2000,4000 --repeat 1" in section
    for result in results:
        assert f"| {result['lines']:,} | {result['checked']:,} |" in section
        assert f"**{result['ratio']:.2f}**" in section
    assert f"GMV {results[-1]['totals']['gmv']:,} ₫" in section
    # The other benches' sections are kept, in their place.
    assert text.count(analytics_bench.SECTION) == 1
    assert text.index("## bench/video") < text.index(analytics_bench.SECTION)
    assert text.index(analytics_bench.SECTION) < text.index("## bench/load")


def test_sizes_read_with_units() -> None:
    assert analytics_bench._sizes("1M,3M,10M") == [1_000_000, 3_000_000, 10_000_000]
    assert analytics_bench._sizes("2000, 4k") == [2000, 4000]
