"""Viewer-session clipping and the in-stream time series (S1: 13:00–14:00 UTC)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics import frames, timeseries, viewers


def test_clipped_sessions(viewer_sessions, sessions) -> None:
    got = viewers.clipped(viewer_sessions, sessions)
    s1 = got[got["session_id"] == "S1"].set_index("viewer")
    assert s1["seconds"].to_dict() == {"v1": 1200.0, "v2": 1800.0, "v3": 3000.0, "v4": 600.0}
    assert "v5" not in s1.index  # entirely after the stream
    assert "z1" not in got["viewer"].tolist()  # unknown stream
    assert s1.loc["v3", "left_at"] == pd.Timestamp("2026-03-01 14:00")


def test_touching_sessions_do_not_overlap(sessions) -> None:
    # 13:30 UTC is 20:30 in Vietnam: one viewer leaves as the other joins
    frame = pd.DataFrame(
        {
            "session_id": ["S1", "S1"],
            "viewer": ["a", "b"],
            "joined_at": pd.to_datetime(["2026-03-01 13:00", "2026-03-01 13:30"], utc=True),
            "left_at": pd.to_datetime(["2026-03-01 13:30", "2026-03-01 14:00"], utc=True),
        }
    )
    assert viewers.viewing(frame, sessions).peak.tolist() == [1, 0, 0]
    overlapping = frame.assign(
        left_at=pd.to_datetime(["2026-03-01 13:31", "2026-03-01 14:00"], utc=True)
    )
    assert viewers.viewing(overlapping, sessions).peak.tolist() == [2, 0, 0]


def test_timeseries_5_minutes(lines, sessions, slots, viewer_sessions) -> None:
    series = timeseries.session_timeseries(
        lines, sessions.iloc[0], slots, viewer_sessions, minutes=5
    )
    b = series.buckets
    assert len(b) == 12
    assert b["bucket_start"].iloc[0] == pd.Timestamp("2026-03-01 13:00", tz="UTC")
    assert b["bucket_end"].iloc[-1] == pd.Timestamp("2026-03-01 14:00", tz="UTC")
    assert b["gmv"].tolist() == [0, 250_000, 100_000, 0, 150_000, 0, 0, 0, 100_000, 0, 0, 0]
    assert b["net_gmv"].tolist() == [0, 250_000, 0, 0, 150_000, 0, 0, 0, 0, 0, 0, 0]
    assert b["orders"].tolist() == [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert b["units"].tolist() == [0, 3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]
    assert b["joins"].tolist() == [1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    assert b["average_viewers"].tolist() == [1.0, 1.0, 2.0, 2.0] + [2.0] * 8
    assert b["slot_codes"].tolist() == [["NM1"]] * 4 + [["CHE2"]] * 5 + [[]] * 3
    marks = series.slots
    assert marks["code"].tolist() == ["NM1", "CHE2"]
    assert marks["first_bucket"].tolist() == [0, 4]
    assert marks["last_bucket"].tolist() == [3, 8]


def test_timeseries_15_minutes_and_short_last_bucket(lines, slots) -> None:
    session = {
        "session_id": "S1",
        "start": pd.Timestamp("2026-03-01 13:00", tz="UTC"),
        "end": pd.Timestamp("2026-03-01 13:40", tz="UTC"),
    }
    b = timeseries.session_timeseries(lines, session, slots, minutes=15).buckets
    assert b["gmv"].tolist() == [350_000, 150_000, 0]  # the 13:40 line is outside the stream
    assert b["bucket_end"].iloc[-1] == pd.Timestamp("2026-03-01 13:40", tz="UTC")
    assert b["average_viewers"].tolist() == [None, None, None]  # no viewer data
    assert b["slot_codes"].tolist() == [["NM1"], ["NM1", "CHE2"], ["CHE2"]]


def test_timeseries_rejects_other_bucket_sizes(lines, sessions) -> None:
    with pytest.raises(ValueError, match="5, 15"):
        timeseries.session_timeseries(lines, sessions.iloc[0], minutes=10)


# --- stored times past the nanosecond range (a year 9999 restored from an old bug) ----------

EDGE_START = dt.datetime(9999, 12, 31, 22, 30, tzinfo=dt.UTC)
EDGE_END = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)


def test_times_past_the_nanosecond_range_are_held_at_its_edges() -> None:
    first = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    column = pd.Series([EDGE_END, dt.datetime(2026, 3, 1, 13, tzinfo=dt.UTC), None, first])
    ns = frames.epoch_ns(column)
    assert ns[1] == pd.Timestamp("2026-03-01 13:00").value
    assert ns[2] == frames.NAT
    assert ns[0] <= frames.LAST_NS and ns[0] > pd.Timestamp("2262-04-11").value
    assert ns[3] >= frames.FIRST_NS and ns[3] != frames.NAT
    assert frames.instant_ns(EDGE_END) == ns[0]  # one instant and a column agree
    assert frames.representable(dt.datetime(2262, 4, 11, tzinfo=dt.UTC))
    assert not frames.representable(EDGE_START)
    assert not frames.representable(dt.datetime(1, 1, 1))


def test_a_stream_past_the_range_has_no_viewer_figures_and_no_buckets(
    lines, sessions, slots, viewer_sessions
) -> None:
    edge = pd.DataFrame(
        {
            "session_id": ["E"],
            "start": [EDGE_START],
            "end": [EDGE_END],
            "streamer_id": [7],
            "platform": ["tiktok"],
        }
    )
    watching = pd.DataFrame(
        {
            "session_id": ["E", "S1"],
            "viewer": ["e1", "s1"],
            "joined_at": [EDGE_START, dt.datetime(2026, 3, 1, 13, 0, tzinfo=dt.UTC)],
            "left_at": [EDGE_END, dt.datetime(9999, 1, 1, tzinfo=dt.UTC)],  # "left" at 9999
        }
    )
    both = pd.concat([sessions.iloc[:1], edge], ignore_index=True)
    seen = viewers.viewing(watching, both)
    assert seen.stream_ns.tolist() == [3600 * viewers.NS_PER_SECOND, 0]
    assert seen.peak.tolist() == [1, 0]
    assert seen.watch_ns.tolist() == [3600 * viewers.NS_PER_SECOND, 0]  # clipped to S1's end
    series = timeseries.session_timeseries(lines, edge.iloc[0], slots, watching, minutes=5)
    assert len(series.buckets) == 0 and len(series.slots) == 0


def test_a_reversed_stream_inside_the_range_is_still_refused(lines) -> None:
    session = {
        "session_id": "S1",
        "start": pd.Timestamp("2026-03-01 14:00", tz="UTC"),
        "end": pd.Timestamp("2026-03-01 13:00", tz="UTC"),
    }
    with pytest.raises(ValueError, match="end after it starts"):
        timeseries.session_timeseries(lines, session)
