"""bench/analytics at a tiny size: both sides agree, the timed runs, the memory probes in
fresh processes, and the README section the figures are written to.

No timing assertions: the run is what is checked, so the bench never rots.
"""

from __future__ import annotations

from pathlib import Path

from analytics import metrics
from bench.analytics import run as analytics_bench

LINES, SESSIONS = 2000, 10


def test_analytics_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    result = analytics_bench.run(LINES, SESSIONS, repeat=1)

    assert result["lines"] == LINES
    assert result["sessions"] == SESSIONS
    # Every total plus every metric of every breakdown row was compared, and agreed.
    rows = sum(result["groups"].values())
    assert result["checked"] == len(metrics.METRICS) * (1 + rows)
    assert set(result["groups"]) == set(metrics.BREAKDOWNS)
    for side in ("pandas", "duckdb"):
        assert len(result["times"][side]) == 1
        assert result["median"][side] > 0
        assert result["memory"][side]["rss_peak_rise_mib"] >= 0
    assert result["memory"]["pandas"]["tracemalloc_peak_mib"] > 0
    assert result["ratio"] > 0
    assert result["totals"]["gmv"] > 0

    readme = tmp_path / "README.md"
    readme.write_text(analytics_bench.README.read_text(encoding="utf-8"), encoding="utf-8")
    analytics_bench.write_readme(result, 1, readme)

    text = readme.read_text(encoding="utf-8")
    section = text[text.index(analytics_bench.SECTION) :]
    section = section[: section.index("\n## ")]
    assert f"club overview over {LINES:,} order lines" in section
    assert f"**{result['checked']:,} figures agree**" in section
    assert f"GMV {result['totals']['gmv']:,} ₫" in section
    assert "| analytics |" in section and "| DuckDB |" in section
    # The other benches' sections are kept, in their place.
    assert text.count(analytics_bench.SECTION) == 1
    assert text.index("## bench/video") < text.index(analytics_bench.SECTION)
    assert text.index(analytics_bench.SECTION) < text.index("## bench/load")
