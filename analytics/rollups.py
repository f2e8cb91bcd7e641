"""Sales rolled up per cell (a club's month, a club's day…) and per breakdown value, in one pass.

The figures are those of :mod:`analytics.metrics` (domain.md), computed over the lines of each
cell at once: ``gmv``, ``net_gmv`` and ``units`` add up over cells; ``orders`` add up over cells
that split orders cleanly (an order belongs to one club and is placed at one instant, so its
club-month holds all of it); ``buyers`` is exact within a cell and does not add up across cells,
so the cells of the breakdowns in :data:`SKETCHED` also carry a HyperLogLog sketch of their
buyers (:mod:`analytics.sketches`) that merges across clubs and months.

Call :func:`rollup` with the ``lines`` frame of :mod:`analytics.frames` and a ``cell`` code per
line (the caller decides what a cell is). Every breakdown of :data:`DIMENSIONS` is computed:
``all`` (one row per cell), then one row per (cell, value) of each breakdown column; a missing
value is its own row, key None, exactly as :func:`analytics.metrics.breakdown` groups it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics import frames, phones, sketches

DIMENSIONS: dict[str, str | None] = {
    "all": None,
    "product": "product_id",
    "producer": "producer_id",
    "streamer": "streamer_id",
    "platform": "platform",
    "ocop_group": "ocop_group",
    "ocop_stars": "ocop_stars",
    "session": "session_id",
}
"""Breakdown name → the ``lines`` column it groups by (None: the whole cell)."""

SKETCHED = frozenset({"all", "platform", "ocop_group", "ocop_stars"})
"""Breakdowns whose rows carry a buyers sketch (few values per cell: a sketch each is cheap)."""

FIGURES = ("gmv", "net_gmv", "orders", "units", "buyers")
COLUMNS = ("cell", "dim", "key", *FIGURES, "sketch")


def buyer_key_text(lines: pd.DataFrame) -> np.ndarray:
    """The buyer key of each line as text, the order's (domain.md): ``p:<phone>`` for a
    normalised mobile number on any of the order's lines, else ``u:<platform>:<user id>``,
    else ``o:<order id>`` (an order with neither is its own buyer)."""
    n = len(lines)
    rank = np.full(n, 2, dtype=np.int8)
    text = np.full(n, None, dtype=object)
    if "buyer_platform_id" in lines.columns:
        user = lines["buyer_platform_id"]
        has_user = user.notna().to_numpy()
        if has_user.any():
            platform = (
                lines["platform"].astype(object).where(lines["platform"].notna(), "")
                if "platform" in lines.columns
                else pd.Series("", index=lines.index)
            )
            made = "u:" + platform[has_user].astype(str) + ":" + user[has_user].astype(str)
            text[has_user] = made.to_numpy(dtype=object)
            rank[has_user] = 1
    if "buyer_phone" in lines.columns:
        phone = phones.normalise_phones(lines["buyer_phone"])
        has_phone = phone.notna().to_numpy()
        if has_phone.any():
            text[has_phone] = ("p:" + phone[has_phone].astype(str)).to_numpy(dtype=object)
            rank[has_phone] = 0
    order, uniques = frames.codes(lines["order_id"])
    # the order's best key: the first line of the lowest rank
    sequence = np.lexsort((np.arange(n), rank, order))
    first = np.ones(n, dtype=bool)
    first[1:] = order[sequence][1:] != order[sequence][:-1]
    best = np.full(len(uniques), None, dtype=object)
    chosen = sequence[first]
    best[order[chosen]] = text[chosen]
    missing = np.flatnonzero(pd.isna(best))
    if len(missing):
        names = uniques.tolist()
        best[missing] = ["o:" + str(names[i]) for i in missing.tolist()]
    out: np.ndarray = best[order]
    return out


def _label(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def rollup(
    lines: pd.DataFrame,
    cell: np.ndarray,
    dimensions: Mapping[str, str | None] | None = None,
    sketched: frozenset[str] = SKETCHED,
) -> pd.DataFrame:
    """One row per (cell, breakdown, value): :data:`COLUMNS` (``sketch``: the encoded buyers
    sketch for the breakdowns in ``sketched``, else None). Rows of a cell with no valid line
    are kept (their GMV counts)."""
    dimensions = DIMENSIONS if dimensions is None else dimensions
    cell = np.asarray(cell, dtype=np.int64)
    if len(cell) != len(lines):
        raise ValueError("one cell code per line")
    prepared = frames.prepare_lines(lines)
    valid = prepared.valid
    hashed = (
        sketches.hashes(buyer_key_text(lines[valid]))
        if sketched & set(dimensions) and valid.any()
        else np.zeros(0, dtype=np.uint64)
    )
    parts = []
    for dim, column in dimensions.items():
        if column is None:
            key_codes = np.zeros(len(lines), dtype=np.int64)
            labels: list[object] = [None]
        else:
            frames.require(lines, "lines", (column,))
            key_codes, index = prepared.codes(column)
            labels = [_label(v) for v in index.tolist()]
        width = max(len(labels), 1)
        groups, inverse = np.unique(cell * width + key_codes, return_inverse=True)
        inverse = inverse.astype(np.int64, copy=False)
        n = len(groups)
        good = inverse[valid]
        table = {
            "cell": groups // width,
            "dim": np.full(n, dim, dtype=object),
            "key": np.array([labels[i] for i in (groups % width).tolist()], dtype=object),
            "gmv": frames.sum_by(inverse, prepared.amount, n),
            "net_gmv": frames.sum_by(good, prepared.amount[valid], n),
            "orders": frames.distinct_by(good, prepared.order[valid], prepared.n_orders, n),
            "units": frames.sum_by(good, prepared.quantity[valid], n),
            "buyers": frames.distinct_by(good, prepared.buyer[valid], prepared.n_buyers, n),
        }
        encoded = np.full(n, None, dtype=object)
        if dim in sketched and len(hashed):
            registers = sketches.registers_by(good, hashed, n)
            for i in np.unique(good).tolist():
                encoded[i] = sketches.encode(registers[i])
        table["sketch"] = encoded
        parts.append(pd.DataFrame(table, columns=list(COLUMNS)))
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(parts, ignore_index=True)
