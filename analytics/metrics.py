"""The livestream metrics of domain.md, as totals and as per-group tables.

Every figure is named as in :data:`METRICS`:

- gmv: all placed lines, cancelled and returned included (int đồng);
- net_gmv: the same without cancelled and returned lines (int đồng);
- orders: distinct orders with at least one valid line; units: quantity of valid lines;
- buyers: distinct buyers of valid lines, keyed by normalised phone, else (platform, platform
  user id), else the order itself; the key belongs to the order (a phone on any of its lines);
- aov = net_gmv ÷ orders; gpm = net_gmv ÷ views × 1000; revenue_per_viewer = net_gmv ÷
  unique_viewers — money ratios in whole đồng (half rounds up), computed in integers;
- product_ctr = product_visitors ÷ unique_viewers; cvr = buyers ÷ product_visitors;
  ctor = orders ÷ product_clicks; viewer_conversion = buyers ÷ unique_viewers — floats (0.25 is
  25 %);
- views, unique_viewers, product_clicks, product_visitors: audience sums over the sessions
  (platforms report unique viewers per stream, so over several streams someone who watched
  two counts twice);
- peak_concurrent_viewers: the largest overlap of clipped viewer sessions (over several
  streams: the highest single-stream peak); total_watch_minutes: total watch time, the sum of
  clipped viewer-session lengths in viewer-minutes (a float; 0 for a stream nobody watched);
  average_watch_seconds: mean clipped viewer-session length; average_concurrent_viewers: total
  clipped watch time ÷ total stream length.

Any ratio with a zero denominator is None (the app shows "—"). Audience and viewing figures are
None where they cannot be attributed (no frame given, or a breakdown by product, producer, OCOP
group or stars, since the audience is per session).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from analytics import frames, ratios, viewers

SALES = ("gmv", "net_gmv", "orders", "units", "buyers", "aov")
AUDIENCE = ("views", "unique_viewers", "product_clicks", "product_visitors")
RATES = ("gpm", "revenue_per_viewer", "product_ctr", "cvr", "ctor", "viewer_conversion")
VIEWING = (
    "peak_concurrent_viewers",
    "total_watch_minutes",
    "average_watch_seconds",
    "average_concurrent_viewers",
)
METRICS = SALES + AUDIENCE + RATES + VIEWING

BREAKDOWNS = {
    "session": "session_id",
    "product": "product_id",
    "streamer": "streamer_id",
    "platform": "platform",
    "producer": "producer_id",
    "ocop_group": "ocop_group",
    "ocop_stars": "ocop_stars",
}
"""Breakdown name → the ``lines`` column it groups by."""

ATTRIBUTABLE = frozenset({"session_id", "streamer_id", "platform"})
"""Columns whose groups can carry audience and viewing figures (through ``sessions``)."""


@dataclasses.dataclass(frozen=True)
class _Groups:
    """Group codes of every input for one grouping, in one shared label space."""

    labels: pd.Index
    lines: np.ndarray
    audience: np.ndarray | None
    sessions: np.ndarray | None


def _columns(
    prepared: frames.PreparedLines,
    groups: _Groups,
    audience: pd.DataFrame | None,
    viewing: viewers.Viewing | None,
) -> dict[str, np.ndarray]:
    """Every metric per group as arrays (object arrays where None is possible)."""
    n = len(groups.labels)
    # the valid lines' layout is shared by every grouping
    sales = prepared.sales.per_group(groups.lines, n, prepared.n_buyers)
    net, orders, buyers = sales["net_gmv"], sales["orders"], sales["buyers"]
    out: dict[str, np.ndarray] = {
        "gmv": sales["gmv"],
        "net_gmv": net,
        "orders": orders,
        "units": sales["units"],
        "buyers": buyers,
        "aov": ratios.money_ratio_array(net, orders),
    }
    none = np.full(n, None, dtype=object)
    if audience is not None and groups.audience is not None:
        known = groups.audience >= 0
        sums = {
            name: frames.sum_by(groups.audience[known], audience[name].to_numpy(np.int64)[known], n)
            for name in AUDIENCE
        }
        out.update(sums)
        out["gpm"] = ratios.money_ratio_array(net, sums["views"], scale=1000)
        out["revenue_per_viewer"] = ratios.money_ratio_array(net, sums["unique_viewers"])
        out["product_ctr"] = ratios.ratio_array(sums["product_visitors"], sums["unique_viewers"])
        out["cvr"] = ratios.ratio_array(buyers, sums["product_visitors"])
        out["ctor"] = ratios.ratio_array(orders, sums["product_clicks"])
        out["viewer_conversion"] = ratios.ratio_array(buyers, sums["unique_viewers"])
    else:
        out.update({name: none for name in AUDIENCE + RATES})
    if viewing is not None and groups.sessions is not None:
        peak = np.zeros(n, dtype=np.int64)
        np.maximum.at(peak, groups.sessions, viewing.peak)
        watch = frames.sum_by(groups.sessions, viewing.watch_ns, n)
        views = frames.sum_by(groups.sessions, viewing.views, n)
        stream = frames.sum_by(groups.sessions, viewing.stream_ns, n)
        has_stream = np.bincount(groups.sessions, minlength=n) > 0
        out["peak_concurrent_viewers"] = _or_none(has_stream, peak)
        minutes = watch / viewers.NS_PER_MINUTE
        out["total_watch_minutes"] = _or_none(has_stream, minutes)
        out["average_watch_seconds"] = ratios.ratio_array(watch / viewers.NS_PER_SECOND, views)
        out["average_concurrent_viewers"] = ratios.ratio_array(watch, stream)
    else:
        out.update({name: none for name in VIEWING})
    return out


def _check_audience(audience: pd.DataFrame | None) -> None:
    if audience is not None:
        frames.require(audience, "audience", frames.AUDIENCE_COLUMNS)


def _check_sessions(sessions: pd.DataFrame | None) -> None:
    if sessions is not None:
        frames.require(sessions, "sessions", frames.SESSION_COLUMNS)


def _plain(value: Any) -> Any:
    """numpy scalars → Python ints/floats (so totals serialise as JSON)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _or_none(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """An object array of ``values`` where ``mask`` holds, None elsewhere."""
    out = values.astype(object)
    out[~mask] = None
    return out


def totals_for(
    prepared: frames.PreparedLines,
    audience: pd.DataFrame | None,
    viewing: viewers.Viewing | None,
) -> dict[str, int | float | None]:
    """Totals from already prepared inputs (what :func:`summary` and the overview call)."""
    groups = _Groups(
        labels=pd.Index(["all"]),
        lines=np.zeros(len(prepared.amount), dtype=np.int64),
        audience=None if audience is None else np.zeros(len(audience), dtype=np.int64),
        sessions=None if viewing is None else np.zeros(len(viewing.peak), dtype=np.int64),
    )
    columns = _columns(prepared, groups, audience, viewing)
    return {name: _plain(columns[name][0]) for name in METRICS}


def summary(
    lines: pd.DataFrame,
    audience: pd.DataFrame | None = None,
    viewer_sessions: pd.DataFrame | None = None,
    sessions: pd.DataFrame | None = None,
) -> dict[str, int | float | None]:
    """All metrics over the given frames, as a plain dict keyed by :data:`METRICS`.

    Pass one session's frames for a session dashboard, or a period's for a club total (audience
    figures are summed over sessions; see the module docstring). Viewing figures need both
    ``viewer_sessions`` and ``sessions`` (for the stream windows).
    """
    _check_audience(audience)
    _check_sessions(sessions)
    prepared = frames.prepare_lines(lines)
    viewing = None
    if sessions is not None and viewer_sessions is not None:
        viewing = viewers.viewing(viewer_sessions, sessions)
    return totals_for(prepared, audience, viewing)


def _encode(labels: pd.Index, values: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """Codes of ``values`` in ``labels``, appending labels not seen yet."""
    target = pd.Index(values)
    found = labels.get_indexer(target)
    if (found < 0).any():
        labels = labels.append(pd.Index(pd.unique(values[found < 0])))
        found = labels.get_indexer(target)
    return labels, found.astype(np.int64, copy=False)


def _groups(
    by: str,
    prepared: frames.PreparedLines,
    audience: pd.DataFrame | None,
    sessions: pd.DataFrame | None,
) -> _Groups:
    """Group codes of lines, sessions and audience rows in one label space.

    Audience rows that cannot be attributed get code -1 (left out of the sums).
    """
    line_codes, labels = prepared.codes(by)
    session_codes = audience_codes = None
    if by in ATTRIBUTABLE and sessions is not None:
        labels, session_codes = _encode(labels, sessions[by])
    if by in ATTRIBUTABLE and audience is not None:
        if by == "session_id":
            labels, audience_codes = _encode(labels, audience["session_id"])
        elif session_codes is not None and sessions is not None:
            row = pd.Index(sessions["session_id"]).get_indexer(audience["session_id"])
            audience_codes = np.where(row >= 0, session_codes[np.maximum(row, 0)], -1)
    return _Groups(labels=labels, lines=line_codes, audience=audience_codes, sessions=session_codes)


def table_for(
    by: str,
    prepared: frames.PreparedLines,
    audience: pd.DataFrame | None,
    sessions: pd.DataFrame | None,
    viewing: viewers.Viewing | None,
) -> pd.DataFrame:
    """:func:`breakdown` from already prepared inputs (``viewing`` aligned with ``sessions``)."""
    groups = _groups(by, prepared, audience, sessions)
    columns = _columns(
        prepared,
        groups,
        audience if groups.audience is not None else None,
        viewing if groups.sessions is not None else None,
    )
    labels = np.array([None if pd.isna(v) else v for v in groups.labels.tolist()], dtype=object)
    table = pd.DataFrame({by: labels, **{name: columns[name] for name in METRICS}})
    order = np.lexsort(
        (np.arange(len(table)), -table["net_gmv"].to_numpy(), -table["gmv"].to_numpy())
    )
    return table.iloc[order].reset_index(drop=True)


def breakdown(
    lines: pd.DataFrame,
    by: str,
    audience: pd.DataFrame | None = None,
    viewer_sessions: pd.DataFrame | None = None,
    sessions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per value of ``by`` (a ``lines`` column, see :data:`BREAKDOWNS`), every metric.

    Columns: ``by`` then :data:`METRICS`; rows sorted by GMV, then Net GMV, descending. Lines
    with a missing value form a group labelled None. GMV, Net GMV and units add up to the
    totals; orders and buyers add up only where an order falls in one group (session, streamer,
    platform), not across products. Audience and viewing figures are filled for ``session_id``
    (also from ``audience`` alone), ``streamer_id`` and ``platform`` (both through
    ``sessions``); None otherwise.
    """
    _check_audience(audience)
    _check_sessions(sessions)
    prepared = frames.prepare_lines(lines)
    frames.require(lines, "lines", (by,))
    viewing = None
    if sessions is not None and viewer_sessions is not None:
        viewing = viewers.viewing(viewer_sessions, sessions)
    return table_for(by, prepared, audience, sessions, viewing)
