"""Viewer-session metrics: peak concurrent viewers, total and average watch time, average
concurrency.

Every viewer session is clipped to its stream's window ``[start, end)``; sessions that do not
overlap the window after clipping are ignored, as are those whose stream is unknown or whose
join time is missing. Intervals are half-open: a viewer leaving at 20:30 and another joining at
20:30 are never counted together. A window past the nanosecond range
(:func:`analytics.frames.representable`) is held at its edge and empty: no viewer counts there.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from analytics import frames

NS_PER_SECOND = 1_000_000_000
NS_PER_MINUTE = 60 * NS_PER_SECOND


@dataclasses.dataclass(frozen=True)
class Viewing:
    """Per-stream building blocks, aligned with the rows of the ``sessions`` frame.

    peak: the most overlapping clipped viewer sessions; watch_ns: total clipped watch time;
    views: number of clipped viewer sessions; stream_ns: the stream's length.
    """

    peak: np.ndarray
    watch_ns: np.ndarray
    views: np.ndarray
    stream_ns: np.ndarray


def clipped(viewer_sessions: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Viewer sessions clipped to their stream: session_id, viewer, joined_at, left_at, seconds.

    Only sessions with a positive clipped length are returned (times tz-naive UTC).
    """
    frames.require(viewer_sessions, "viewer_sessions", frames.VIEWER_SESSION_COLUMNS)
    frames.require(sessions, "sessions", ("session_id", "start", "end"))
    row, joined, left = _clip(viewer_sessions, sessions)
    keep = np.flatnonzero(row >= 0)
    source = viewer_sessions.iloc[keep]
    return pd.DataFrame(
        {
            "session_id": source["session_id"].to_numpy(),
            "viewer": source["viewer"].to_numpy(),
            "joined_at": pd.to_datetime(joined[keep]),
            "left_at": pd.to_datetime(left[keep]),
            "seconds": (left[keep] - joined[keep]) / NS_PER_SECOND,
        }
    )


def _clip(
    viewer_sessions: pd.DataFrame, sessions: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per viewer session: index of its stream in ``sessions`` (-1 = dropped), clipped ns."""
    start = frames.epoch_ns(sessions["start"])
    end = frames.epoch_ns(sessions["end"])
    row = pd.Index(sessions["session_id"]).get_indexer(viewer_sessions["session_id"])
    row = row.astype(np.int64)
    joined = frames.epoch_ns(viewer_sessions["joined_at"])
    left = frames.epoch_ns(viewer_sessions["left_at"])
    known = (row >= 0) & (joined != frames.NAT)
    safe = np.where(known, row, 0)
    left = np.where(left == frames.NAT, end[safe], left)
    joined = np.maximum(joined, start[safe])
    left = np.minimum(left, end[safe])
    row = np.where(known & (left > joined), row, -1)
    return row, joined, left


def viewing(viewer_sessions: pd.DataFrame | None, sessions: pd.DataFrame) -> Viewing:
    """Compute :class:`Viewing` for every row of ``sessions`` (zeros without viewer data)."""
    frames.require(sessions, "sessions", ("session_id", "start", "end"))
    n = len(sessions)
    stream_ns = np.maximum(frames.epoch_ns(sessions["end"]) - frames.epoch_ns(sessions["start"]), 0)
    if viewer_sessions is None or len(viewer_sessions) == 0 or n == 0:
        zeros = np.zeros(n, dtype=np.int64)
        return Viewing(peak=zeros, watch_ns=zeros.copy(), views=zeros.copy(), stream_ns=stream_ns)
    frames.require(viewer_sessions, "viewer_sessions", frames.VIEWER_SESSION_COLUMNS)
    row, joined, left = _clip(viewer_sessions, sessions)
    keep = row >= 0
    row, joined, left = row[keep], joined[keep], left[keep]
    start = frames.epoch_ns(sessions["start"])
    watch_ns = frames.sum_by(row, left - joined, n)
    views = np.bincount(row, minlength=n).astype(np.int64)
    return Viewing(
        peak=_peaks(row, joined - start[row], left - start[row], n),
        watch_ns=watch_ns,
        views=views,
        stream_ns=stream_ns,
    )


def _peaks(row: np.ndarray, joined: np.ndarray, left: np.ndarray, n: int) -> np.ndarray:
    """Largest number of overlapping half-open intervals per stream (a sweep over all streams).

    ``joined``/``left`` are offsets from the stream start (non-negative after clipping).

    Events are ordered by (stream, time, leave-before-join); each stream's events sum to zero,
    so one running total over the sorted events is each stream's own concurrency.
    """
    peak = np.zeros(n, dtype=np.int64)
    if len(row) == 0:
        return peak
    stream = np.concatenate([row, row])
    time = np.concatenate([joined, left])
    delta = np.concatenate([np.ones(len(row), np.int64), -np.ones(len(row), np.int64)])
    span = int(time.max()) + 1
    if span * 2 * (n + 1) < 2**62:
        # one int64 sort key: stream, then time, then leave (0) before join (1)
        order = np.argsort((stream * span + time) * 2 + (delta > 0))
    else:
        order = np.lexsort((delta, time, stream))
    running = np.cumsum(delta[order])
    np.maximum.at(peak, stream[order], running)
    return peak
