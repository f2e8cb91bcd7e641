"""The club overview for a period: every metric in total and in every breakdown."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from analytics import frames, metrics, viewers


@dataclasses.dataclass(frozen=True)
class ClubOverview:
    """totals: :data:`analytics.metrics.METRICS` → value; breakdowns: name (see
    :data:`analytics.metrics.BREAKDOWNS`) → table as returned by :func:`metrics.breakdown`."""

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    totals: dict[str, int | float | None]
    breakdowns: dict[str, pd.DataFrame]


def club_overview(
    lines: pd.DataFrame,
    audience: pd.DataFrame,
    viewer_sessions: pd.DataFrame,
    sessions: pd.DataFrame,
    start: dt.datetime | pd.Timestamp | None = None,
    end: dt.datetime | pd.Timestamp | None = None,
    breakdowns: tuple[str, ...] = tuple(metrics.BREAKDOWNS),
) -> ClubOverview:
    """All metrics and all breakdowns for ``[start, end)`` (either bound may be None = open).

    The period selects lines by ``placed_at`` and streams by their ``start``; audience and viewer
    sessions follow their stream. Lines are prepared once (phones normalised, buyers keyed) and
    every breakdown reuses them.
    """
    frames.require(sessions, "sessions", frames.SESSION_COLUMNS)
    frames.require(audience, "audience", frames.AUDIENCE_COLUMNS)
    frames.require(lines, "lines", frames.LINE_COLUMNS)
    if start is not None or end is not None:
        lo = frames.instant_ns(start) if start is not None else np.iinfo(np.int64).min + 1
        hi = frames.instant_ns(end) if end is not None else np.iinfo(np.int64).max
        placed = frames.epoch_ns(lines["placed_at"])
        lines = lines[(placed >= lo) & (placed < hi)]
        began = frames.epoch_ns(sessions["start"])
        sessions = sessions[(began >= lo) & (began < hi)]
        chosen = pd.Index(sessions["session_id"])
        audience = audience[chosen.get_indexer(audience["session_id"]) >= 0]
        viewer_sessions = viewer_sessions[chosen.get_indexer(viewer_sessions["session_id"]) >= 0]
    prepared = frames.prepare_lines(lines)
    viewing = viewers.viewing(viewer_sessions, sessions)
    tables = {
        name: metrics.table_for(metrics.BREAKDOWNS[name], prepared, audience, sessions, viewing)
        for name in breakdowns
    }
    return ClubOverview(
        start=None if start is None else pd.Timestamp(start),
        end=None if end is None else pd.Timestamp(end),
        totals=metrics.totals_for(prepared, audience, viewing),
        breakdowns=tables,
    )
