"""Every metric of domain.md against figures worked out by hand from conftest's club.

Lines (đồng): GMV 1,150,000 = 200k+50k+100k(cancelled)+150k+100k(returned)+100k+300k+100k+50k;
Net GMV 950,000; valid orders O1 O3 O5 O6 O7 = 5; units 2+1+3+1+2+1+1 = 11; buyers: O1 and O3
share 0912345678 (+84 and dotted forms), O5 shopee:sp-x, O6 none (its own buyer), O7 shopee:tt-a
(≠ O1's tiktok:tt-a, and O1 is keyed by phone anyway) = 4.
Audience: views 1500, unique 500, clicks 150, visitors 100.
Viewing: S1 (60 min) clipped sessions 20+30+50+10 = 110 min, peak 2 (touching at 13:20 and
13:50 do not overlap); S2 (30 min) 30+10+10 = 50 min, peak 3; S3 (60 min) nobody.
Total watch time 110+50 = 160 viewer-minutes (9600 s) over 7 sessions.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import frames, metrics, overview


def test_summary_every_metric(lines, audience, viewer_sessions, sessions) -> None:
    got = metrics.summary(lines, audience, viewer_sessions, sessions)
    assert got == {
        "gmv": 1_150_000,
        "net_gmv": 950_000,
        "orders": 5,
        "units": 11,
        "buyers": 4,
        "aov": 190_000,
        "views": 1500,
        "unique_viewers": 500,
        "product_clicks": 150,
        "product_visitors": 100,
        "gpm": 633_333,  # 950,000 ÷ 1500 × 1000 = 633,333.3
        "revenue_per_viewer": 1900,
        "product_ctr": pytest.approx(0.2),
        "cvr": pytest.approx(0.04),
        "ctor": pytest.approx(5 / 150),
        "viewer_conversion": pytest.approx(0.008),
        "peak_concurrent_viewers": 3,
        "total_watch_minutes": pytest.approx(160),
        "average_watch_seconds": pytest.approx(9600 / 7),
        "average_concurrent_viewers": pytest.approx(9600 / 9000),
    }
    assert isinstance(got["gmv"], int) and isinstance(got["aov"], int)
    assert isinstance(got["gpm"], int) and isinstance(got["orders"], int)


def test_money_ratios_round_half_up_in_integers() -> None:
    frame = pd.DataFrame(
        {
            "order_id": [1, 2],
            "status": ["paid", "paid"],
            "quantity": [1, 1],
            "amount": [100_000, 100_001],
            "placed_at": pd.to_datetime(["2026-01-01", "2026-01-01"], utc=True),
        }
    )
    assert metrics.summary(frame)["aov"] == 100_001  # 100,000.5 → 100,001


def test_cancelled_and_returned_only_in_gmv(lines) -> None:
    only_bad = lines[lines["status"].isin(["cancelled", "returned"])]
    got = metrics.summary(only_bad)
    assert (got["gmv"], got["net_gmv"], got["orders"], got["units"], got["buyers"]) == (
        200_000,
        0,
        0,
        0,
        0,
    )
    assert got["aov"] is None


def test_zero_denominators_are_none_never_zero_or_nan(lines, audience, sessions) -> None:
    zero = audience.assign(views=0, unique_viewers=0, product_clicks=0, product_visitors=0)
    got = metrics.summary(lines, zero)
    for name in ("gpm", "revenue_per_viewer", "product_ctr", "cvr", "ctor", "viewer_conversion"):
        assert got[name] is None, name
    empty = metrics.summary(lines.iloc[0:0], audience.iloc[0:0], None, sessions.iloc[0:0])
    assert empty["gmv"] == 0 and empty["orders"] == 0
    assert empty["aov"] is None and empty["gpm"] is None
    # no viewer sessions at all: viewing figures unknown, not zero
    assert empty["average_watch_seconds"] is None
    assert empty["total_watch_minutes"] is None


def test_amount_falls_back_to_quantity_times_unit_price(lines) -> None:
    priced = lines.drop(columns=["amount"]).assign(unit_price=10_000)
    assert metrics.summary(priced)["gmv"] == 10_000 * int(lines["quantity"].sum())


def test_buyers_keyed_by_phone_forms_then_platform_id_then_order() -> None:
    frame = pd.DataFrame(
        {
            "order_id": ["a", "b", "c", "d", "e", "f"],
            "platform": ["tiktok", "tiktok", "shopee", "tiktok", "shopee", "shopee"],
            "status": ["paid"] * 6,
            "quantity": [1] * 6,
            "amount": [1] * 6,
            "buyer_phone": ["+84 912 345 678", "84912345678", "0912.345.678", None, None, "12"],
            "buyer_platform_id": ["u1", "u2", None, "u1", "u1", None],
            "placed_at": pd.to_datetime(["2026-01-01"] * 6, utc=True),
        }
    )
    # a, b, c: one phone; d: tiktok:u1; e: shopee:u1; f: invalid phone, no id → itself
    assert metrics.summary(frame)["buyers"] == 4


@pytest.mark.parametrize("name", list(metrics.BREAKDOWNS))
def test_breakdowns_sum_to_totals(name, lines, audience, viewer_sessions, sessions) -> None:
    by = metrics.BREAKDOWNS[name]
    table = metrics.breakdown(lines, by, audience, viewer_sessions, sessions)
    assert list(table.columns) == [by, *metrics.METRICS]
    assert table["gmv"].sum() == 1_150_000
    assert table["net_gmv"].sum() == 950_000
    assert table["units"].sum() == 11
    if by in metrics.ATTRIBUTABLE:
        assert table["orders"].sum() == 5
        assert table["views"].sum() == 1500
        assert table["unique_viewers"].sum() == 500
        watched = [v for v in table["total_watch_minutes"] if v is not None]
        assert sum(watched) == pytest.approx(160)  # viewer-minutes add up across streams
    else:
        assert set(table["total_watch_minutes"]) == {None}  # not attributable to a product


def test_breakdown_by_product(lines) -> None:
    table = metrics.breakdown(lines, "product_id").set_index("product_id")
    assert table.loc[10, ["gmv", "net_gmv", "orders", "units", "buyers", "aov"]].tolist() == [
        600_000,
        400_000,
        3,
        4,
        3,
        133_333,
    ]
    assert table.loc[11, ["gmv", "net_gmv", "orders", "units", "buyers"]].tolist() == [
        250_000,
        250_000,
        3,
        5,
        2,
    ]
    assert table.loc[12, ["gmv", "net_gmv", "orders", "units", "buyers"]].tolist() == [
        300_000,
        300_000,
        1,
        2,
        1,
    ]
    assert table.loc[10, "gpm"] is None and table.loc[10, "peak_concurrent_viewers"] is None
    assert table.index.tolist() == [10, 12, 11]  # by GMV, descending


def test_breakdown_by_streamer_carries_audience_and_viewing(
    lines, audience, viewer_sessions, sessions
) -> None:
    table = metrics.breakdown(lines, "streamer_id", audience, viewer_sessions, sessions)
    table = table.set_index("streamer_id")
    s7, s8, s9 = table.loc[7], table.loc[8], table.loc[9]
    assert (s7["gmv"], s7["net_gmv"], s7["orders"], s7["units"], s7["buyers"]) == (
        600_000,
        400_000,
        2,
        6,
        1,
    )
    assert (s7["views"], s7["gpm"], s7["revenue_per_viewer"]) == (1000, 400_000, 1000)
    assert s7["ctor"] == pytest.approx(2 / 120)
    assert s7["peak_concurrent_viewers"] == 2
    assert s7["total_watch_minutes"] == pytest.approx(110)
    assert s7["average_watch_seconds"] == pytest.approx(6600 / 4)
    assert s7["average_concurrent_viewers"] == pytest.approx(6600 / 3600)
    assert (s8["net_gmv"], s8["orders"], s8["buyers"], s8["gpm"]) == (550_000, 3, 3, 1_100_000)
    assert s8["peak_concurrent_viewers"] == 3
    assert s8["total_watch_minutes"] == pytest.approx(50)
    assert s8["average_concurrent_viewers"] == pytest.approx(3000 / 1800)
    # a stream with no sales and no audience: zeros where counted, None for every ratio
    assert (s9["gmv"], s9["orders"], s9["views"], s9["peak_concurrent_viewers"]) == (0, 0, 0, 0)
    for name in ("aov", "gpm", "product_ctr", "cvr", "ctor", "average_watch_seconds"):
        assert s9[name] is None, name
    assert s9["average_concurrent_viewers"] == 0.0
    assert s9["total_watch_minutes"] == 0.0  # a sum: nobody watched, not unknown


def test_breakdown_by_session_from_audience_alone(lines, audience) -> None:
    table = metrics.breakdown(lines, "session_id", audience).set_index("session_id")
    assert table.loc["S2", "gpm"] == 1_100_000
    assert table.loc["S2", "peak_concurrent_viewers"] is None  # no sessions frame


def test_missing_group_value_is_its_own_none_group(lines) -> None:
    frame = lines.assign(producer_id=lines["producer_id"].astype(object))
    frame.loc[6, "producer_id"] = None
    table = metrics.breakdown(frame, "producer_id")
    assert None in table["producer_id"].tolist()
    assert table["gmv"].sum() == 1_150_000


def test_nullable_integer_group_column_groups_like_numpy_ints(lines) -> None:
    # pandas' nullable Int64 has dtype kind "i" too, but is not a numpy dtype.
    frame = lines.assign(product_id=lines["product_id"].astype("Int64"))
    table = metrics.breakdown(frame, "product_id").set_index("product_id")
    expected = metrics.breakdown(lines, "product_id").set_index("product_id")
    assert table.index.tolist() == [10, 12, 11]
    assert table["gmv"].tolist() == expected["gmv"].tolist() == [600_000, 300_000, 250_000]


def test_missing_columns_are_named(lines) -> None:
    with pytest.raises(frames.ColumnsMissing) as caught:
        metrics.summary(lines.drop(columns=["status", "placed_at"]))
    assert caught.value.missing == ["status", "placed_at"]


def test_club_overview_all_and_period(lines, audience, viewer_sessions, sessions) -> None:
    full = overview.club_overview(lines, audience, viewer_sessions, sessions)
    assert full.totals == metrics.summary(lines, audience, viewer_sessions, sessions)
    assert set(full.breakdowns) == set(metrics.BREAKDOWNS)
    pd.testing.assert_frame_equal(
        full.breakdowns["streamer"],
        metrics.breakdown(lines, "streamer_id", audience, viewer_sessions, sessions),
    )
    part = overview.club_overview(
        lines, audience, viewer_sessions, sessions, start=pd.Timestamp("2026-03-02", tz="UTC")
    )
    assert (part.totals["gmv"], part.totals["orders"], part.totals["views"]) == (550_000, 3, 500)
    assert part.totals["peak_concurrent_viewers"] == 3
    assert part.totals["total_watch_minutes"] == pytest.approx(50)
    assert part.totals["average_concurrent_viewers"] == pytest.approx(3000 / 5400)
    assert set(part.breakdowns["streamer"]["streamer_id"]) == {8, 9}


def test_naive_times_mean_utc(lines, audience, viewer_sessions, sessions) -> None:
    naive = sessions.assign(
        start=sessions["start"].dt.tz_localize(None), end=sessions["end"].dt.tz_localize(None)
    )
    assert metrics.summary(lines, audience, viewer_sessions, naive) == metrics.summary(
        lines, audience, viewer_sessions, sessions
    )


def test_breakdown_values_are_plain_python(lines, audience, viewer_sessions, sessions) -> None:
    table = metrics.breakdown(lines, "streamer_id", audience, viewer_sessions, sessions)
    row = table.iloc[0]
    assert type(row["streamer_id"]) is int
    assert type(row["aov"]) is int and type(row["gpm"]) is int
    assert type(row["cvr"]) is float


def test_club_overview_end_is_exclusive(lines, audience, viewer_sessions, sessions) -> None:
    got = overview.club_overview(
        lines,
        audience,
        viewer_sessions,
        sessions,
        start=pd.Timestamp("2026-03-01 13:00", tz="UTC"),
        end=pd.Timestamp("2026-03-02 13:00", tz="UTC"),  # S2 starts here: left out
    )
    assert (got.totals["gmv"], got.totals["views"], got.totals["peak_concurrent_viewers"]) == (
        600_000,
        1000,
        2,
    )
    assert got.breakdowns["session"]["session_id"].tolist() == ["S1"]
