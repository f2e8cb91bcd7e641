"""In-stream time series: sales and viewers per 5- or 15-minute bucket, run-of-show slots marked."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analytics import frames, viewers

BUCKET_MINUTES = (5, 15)


@dataclasses.dataclass(frozen=True)
class TimeSeries:
    """``buckets``: one row per bucket of the stream; ``slots``: the run-of-show to mark.

    buckets columns: bucket (0, 1, …), bucket_start, bucket_end (UTC, tz-aware; the last bucket
    ends with the stream), gmv, net_gmv, orders, units (as in :mod:`analytics.metrics`, lines by
    ``placed_at``), joins (viewer sessions starting in the bucket), average_viewers (clipped watch
    time in the bucket ÷ its length; None without viewer data), slot_codes (codes of the slots
    overlapping the bucket, half-open, in start order).
    slots columns: code, product_id, start, end (clipped to the stream), first_bucket,
    last_bucket — the buckets a chart shades for the slot.
    """

    buckets: pd.DataFrame
    slots: pd.DataFrame


def session_timeseries(
    lines: pd.DataFrame,
    session: Mapping[str, Any] | pd.Series,
    slots: pd.DataFrame | None = None,
    viewer_sessions: pd.DataFrame | None = None,
    minutes: int = 5,
) -> TimeSeries:
    """Bucket one stream (``session``: session_id, start, end) from its start to its end.

    ``lines``, ``slots`` and ``viewer_sessions`` may hold other sessions too; only rows with this
    session_id count, and only lines placed inside the stream window. A stream outside the
    range :func:`analytics.frames.representable` allows (a stored year 9999) has no buckets.
    """
    if minutes not in BUCKET_MINUTES:
        raise ValueError(f"bucket size must be one of {BUCKET_MINUTES} minutes, not {minutes}")
    session_id = session["session_id"]
    start = frames.instant_ns(session["start"])
    end = frames.instant_ns(session["end"])
    in_range = frames.representable(session["start"]) and frames.representable(session["end"])
    if end <= start and in_range:
        raise ValueError("the stream must end after it starts")
    width = minutes * 60 * viewers.NS_PER_SECOND
    # A window past the nanosecond range is held at its edge and empty: no buckets.
    n = -(-(end - start) // width) if end > start else 0
    edges = start + np.arange(n + 1, dtype=np.int64) * width
    edges[-1] = end
    bucket_start, bucket_end = edges[:-1], edges[1:]

    frames.require(lines, "lines", (*frames.LINE_COLUMNS, "session_id"))
    mine = lines[(lines["session_id"] == session_id).to_numpy()]
    placed = frames.epoch_ns(mine["placed_at"])
    inside = (placed >= start) & (placed < end)
    prepared = frames.prepare_lines(mine[inside])
    index = (placed[inside] - start) // width
    valid = prepared.valid
    table: dict[str, Any] = {
        "bucket": np.arange(n),
        "bucket_start": _utc(bucket_start),
        "bucket_end": _utc(bucket_end),
        "gmv": frames.sum_by(index, prepared.amount, n),
        "net_gmv": frames.sum_by(index[valid], prepared.amount[valid], n),
        "orders": frames.distinct_by(index[valid], prepared.order[valid], prepared.n_orders, n),
        "units": frames.sum_by(index[valid], prepared.quantity[valid], n),
    }
    table.update(_viewers(viewer_sessions, session_id, start, end, bucket_start, bucket_end, width))
    marks = _slots(slots, session_id, start, end, width)
    table["slot_codes"] = [
        [
            code
            for code, s, e in zip(marks["code"], marks["_s"], marks["_e"], strict=True)
            if s < b_end and e > b_start
        ]
        for b_start, b_end in zip(bucket_start, bucket_end, strict=True)
    ]
    return TimeSeries(
        buckets=pd.DataFrame(table), slots=marks.drop(columns=["_s", "_e"]).reset_index(drop=True)
    )


def _utc(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(ns, unit="ns", utc=True)


def _viewers(
    viewer_sessions: pd.DataFrame | None,
    session_id: Any,
    start: int,
    end: int,
    bucket_start: np.ndarray,
    bucket_end: np.ndarray,
    width: int,
) -> dict[str, Any]:
    n = len(bucket_start)
    if viewer_sessions is None:
        return {"joins": np.zeros(n, dtype=np.int64), "average_viewers": [None] * n}
    frames.require(viewer_sessions, "viewer_sessions", frames.VIEWER_SESSION_COLUMNS)
    window = pd.DataFrame({"session_id": [session_id], "start": [start], "end": [end]})
    window["start"] = pd.to_datetime(window["start"], unit="ns")
    window["end"] = pd.to_datetime(window["end"], unit="ns")
    mine = viewer_sessions[(viewer_sessions["session_id"] == session_id).to_numpy()]
    clipped = viewers.clipped(mine, window)
    joined = frames.epoch_ns(clipped["joined_at"])
    left = frames.epoch_ns(clipped["left_at"])
    joins = np.bincount((joined - start) // width, minlength=n).astype(np.int64)[:n]
    overlap = np.minimum(left[None, :], bucket_end[:, None]) - np.maximum(
        joined[None, :], bucket_start[:, None]
    )
    watched = np.clip(overlap, 0, None).sum(axis=1)
    average = watched / (bucket_end - bucket_start)
    return {"joins": joins, "average_viewers": [float(v) for v in average]}


def _slots(
    slots: pd.DataFrame | None, session_id: Any, start: int, end: int, width: int
) -> pd.DataFrame:
    columns = ["code", "product_id", "start", "end", "first_bucket", "last_bucket", "_s", "_e"]
    if slots is None or len(slots) == 0:
        return pd.DataFrame({c: [] for c in columns})
    frames.require(slots, "slots", frames.SLOT_COLUMNS)
    mine = slots[(slots["session_id"] == session_id).to_numpy()]
    s = np.maximum(frames.epoch_ns(mine["start"]), start)
    e = np.minimum(frames.epoch_ns(mine["end"]), end)
    keep = e > s
    mine, s, e = mine[keep], s[keep], e[keep]
    order = np.argsort(s, kind="stable")
    mine, s, e = mine.iloc[order], s[order], e[order]
    return pd.DataFrame(
        {
            "code": mine["code"].to_numpy(),
            "product_id": mine["product_id"].to_numpy(),
            "start": _utc(s),
            "end": _utc(e),
            "first_bucket": (s - start) // width,
            "last_bucket": (e - 1 - start) // width,
            "_s": s,
            "_e": e,
        }
    )
