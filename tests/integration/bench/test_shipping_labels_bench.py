"""bench/shipping/labels at a tiny size: 20 seeded labels rendered on A6 and A4 paper.

No timing assertions: the run is what is checked (the page counts, a file of some size for
each paper, and the barcodes of the first and last pages read back by the bench itself), so
the bench never rots.
"""

from __future__ import annotations

from pathlib import Path

from bench.shipping import labels as labels_bench

LABELS = 20


def test_labels_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    report = labels_bench.run(LABELS, repeat=1, workdir=tmp_path)

    a6, a4 = report["papers"]["a6"], report["papers"]["a4"]
    assert a6["pages"] == a6["pages_read"] == 20
    assert a4["pages"] == a4["pages_read"] == 5
    assert a6["barcodes_read_back"] == 2  # one label on each of the first and last pages
    assert a4["barcodes_read_back"] == 8  # four on each
    for figures in (a6, a4):
        assert figures["bytes"] > 0 and figures["median_s"] > 0 and figures["labels_per_s"] > 0
    assert {p.name for p in tmp_path.iterdir()} == {
        "warm-up.pdf",
        "labels-a6.pdf",
        "labels-a4.pdf",
    }
    assert "labels/s" in labels_bench.table(report)


def test_the_bench_labels_are_the_same_for_a_seed_and_mix_the_cases() -> None:
    first, again = labels_bench.labels(200), labels_bench.labels(200)

    assert first == again
    assert {label.carrier for label in first} == {"GHN", "GHTK", "Viettel Post", "Vietnam Post"}
    assert any(label.cod_amount == 0 for label in first)
    assert any(label.cod_amount > 0 for label in first)
    assert any(len(label.items) == 20 for label in first)
    assert len({label.tracking_code for label in first}) == 200
