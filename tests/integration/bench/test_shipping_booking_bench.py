"""bench/shipping/booking at a tiny size: 10 orders per run booked through the app's booking
job with GHN and Viettel Post (their sandboxes over real HTTP, on SQLite), clean and with
replies lost after the write.

No timing assertions: the run is what is checked (every parcel booked once, the carrier's
parcels one per reference and the app's tracking codes the carrier's, the lost replies made
up for by extra calls), so the bench never rots.
"""

from __future__ import annotations

from pathlib import Path

from bench.shipping import booking as booking_bench

PARCELS = 10


def test_booking_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    report = booking_bench.run(
        ["ghn", "viettelpost"],
        PARCELS,
        database="sqlite",
        lost_reply_rate=0.3,  # so that some of only 10 replies are really lost
        workdir=tmp_path,
    )

    runs = report["runs"]
    assert [(r["carrier"], bool(r["faults"])) for r in runs] == [
        ("ghn", False),
        ("ghn", True),
        ("viettelpost", False),
        ("viettelpost", True),
    ]
    for row in runs:
        assert row["job"] == {"booked": PARCELS, "failed": 0, "already": 0, "total": PARCELS}
        assert row["shipments"] == row["booked"] == PARCELS, row["carrier"]
        assert row["sandbox_parcels"] == row["sandbox_references"] == PARCELS
        assert row["duplicates"] == 0 and row["booked_twice"] == 0
        assert row["distinct_tracking_codes"] == PARCELS
        assert row["codes_unlike_carrier"] == 0 and row["with_problem"] == 0
        assert row["floor_s"] == PARCELS / row["rate_limit"] and row["ratio"] > 0
        assert f"| {row['carrier']} |" in booking_bench.line(row)
    ghn_clean, ghn_lost, vtp_clean, vtp_lost = runs
    # GHN: one create per parcel; a lost reply costs a look-up by reference (and its fee),
    # never a second create.
    assert ghn_clean["calls"] == ghn_clean["create_calls"] == PARCELS
    lookups = ghn_lost["calls_by_path"].get(
        "/shiip/public-api/v2/shipping-order/detail-by-client-code", 0
    )
    assert lookups > 0 and ghn_lost["create_calls"] == PARCELS
    assert ghn_lost["extra_calls"] >= lookups
    # Viettel Post: a login and its address lists besides the creates; a lost reply costs a
    # second create, which the carrier answers with the parcel it already has.
    assert vtp_clean["create_calls"] == PARCELS and vtp_clean["extra_calls"] > 0
    assert vtp_lost["create_calls"] > PARCELS
