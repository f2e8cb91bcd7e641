"""Column contracts of the frames the metrics read, and their one-time preparation.

Frames (extra columns are ignored; ``*`` marks optional columns):

``lines`` — one row per order line:
    order_id (hashable; identifies the order across the whole frame — use the app's order key),
    line_id*, session_id (None for sales outside a stream), platform, product_id, producer_id,
    streamer_id, ocop_group, ocop_stars, status (placed, paid, shipped, completed, cancelled,
    returned), quantity (int), amount (int đồng, the line's value; if absent,
    quantity × unit_price), unit_price*, buyer_phone* (any form), buyer_platform_id*,
    placed_at (UTC: tz-aware, or naive meaning UTC).
``audience`` — one row per session: session_id, views, unique_viewers, product_clicks,
    product_visitors (ints).
``viewer_sessions`` — one row per join/leave: session_id, viewer, joined_at, left_at (NaT: still
    watching at the end → clipped to the stream end).
``sessions`` — one row per livestream: session_id, start, end, streamer_id, platform.
``slots`` — the run-of-show: session_id, product_id, code, start, end.

Times are read as UTC nanoseconds (:func:`epoch_ns`). A stored time outside that range
(before 1677 or after 2262: a year 1 or 9999 restored from an old bug) is held at the range's
edge, so the figures that need it degrade (a stream window there is empty: no viewer figures,
no time buckets) rather than fail; :func:`representable` tells a caller when to say so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

import numpy as np
import pandas as pd

from analytics import phones

INVALID_STATUSES = frozenset({"cancelled", "returned"})
"""Statuses excluded from Net GMV, orders, units and buyers (GMV still counts them)."""

LINE_COLUMNS = ("order_id", "status", "quantity", "placed_at")
AUDIENCE_COLUMNS = ("session_id", "views", "unique_viewers", "product_clicks", "product_visitors")
VIEWER_SESSION_COLUMNS = ("session_id", "viewer", "joined_at", "left_at")
SESSION_COLUMNS = ("session_id", "start", "end", "streamer_id", "platform")
SLOT_COLUMNS = ("session_id", "product_id", "code", "start", "end")

NAT = np.iinfo(np.int64).min
FIRST_NS = int(pd.Timestamp.min.value)  # 1677-09-21 00:12:43.145224193 UTC
LAST_NS = int(pd.Timestamp.max.value)  # 2262-04-11 23:47:16.854775807 UTC
_NS_PER_UNIT = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
BITMAP_CELLS = 2**25
"""Largest group × item grid :func:`distinct_by` marks in a bitmap (else it sorts pairs)."""
SHIFT_DEPTH = 8
"""Orders with up to this many valid lines are deduplicated by comparing shifted arrays."""


class ColumnsMissing(ValueError):
    """A frame lacks columns its contract requires."""

    def __init__(self, frame: str, missing: list[str]) -> None:
        self.frame = frame
        self.missing = missing
        super().__init__(f"{frame}: missing column(s) {', '.join(missing)}")


def require(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    """Raise :class:`ColumnsMissing` unless every column is present."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnsMissing(name, missing)


def epoch_ns(values: pd.Series) -> np.ndarray:
    """UTC nanoseconds since the epoch as int64 (NaT → ``NAT``); naive values are UTC.

    Instants past the nanosecond range (:func:`representable`) are held at its edges, so a
    stored year 1 or 9999 degrades (a window there shrinks to nothing) instead of failing."""
    series = pd.to_datetime(values)
    if series.dt.tz is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    raw = series.to_numpy()
    unit, count = np.datetime_data(raw.dtype)
    ticks = raw.view(np.int64)
    factor = _NS_PER_UNIT[unit] * count
    if factor == 1:
        return ticks
    # In the column's own unit (pandas keeps microseconds for years it cannot hold in ns).
    first, last = -(-FIRST_NS // factor), LAST_NS // factor
    return np.where(ticks == NAT, NAT, np.clip(ticks, first, last) * factor)


def instant_ns(value: dt.datetime | pd.Timestamp | str) -> int:
    """One instant as UTC nanoseconds (naive = UTC), held at the edges of the nanosecond range
    like :func:`epoch_ns`."""
    stamp = _utc_naive(value)
    if representable(stamp):
        return int(stamp.as_unit("ns").value)
    return int(epoch_ns(pd.Series([stamp]))[0])  # the same edge a column's value is held at


def representable(value: dt.datetime | pd.Timestamp | str) -> bool:
    """True for an instant the metrics can place exactly: from 1677-09-21 to 2262-04-11 (UTC),
    pandas' nanosecond range. Callers say why figures are missing for one outside it."""
    return bool(pd.Timestamp.min <= _utc_naive(value) <= pd.Timestamp.max)


def _utc_naive(value: dt.datetime | pd.Timestamp | str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def line_amounts(lines: pd.DataFrame) -> np.ndarray:
    """Each line's value in đồng (int64): ``amount``, else ``quantity × unit_price``."""
    if "amount" in lines.columns:
        return lines["amount"].to_numpy(dtype=np.int64)
    require(lines, "lines", ("unit_price",))
    quantity = lines["quantity"].to_numpy(dtype=np.int64)
    amounts: np.ndarray = quantity * lines["unit_price"].to_numpy(dtype=np.int64)
    return amounts


def valid_mask(status: pd.Series) -> np.ndarray:
    """True for lines that count as sales (not cancelled, not returned)."""
    return ~status.isin(INVALID_STATUSES).to_numpy()


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes and sorted uniques of a signed-int array whose range is dense; None otherwise.

    Ids from a database are dense, and a lookup table beats hashing them.
    """
    if values.dtype.kind != "i" or len(values) == 0:
        return None
    lo, hi = int(values.min()), int(values.max())
    if hi - lo + 1 > 2 * len(values) + 1024:
        return None
    shifted = values.astype(np.int64, copy=False) - lo
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[shifted] = True
    if present.all():  # every id in the range occurs: the shifted ids are the codes
        return shifted, np.arange(lo, hi + 1, dtype=np.int64)
    lookup = np.cumsum(present, dtype=np.int64) - 1
    return lookup[shifted], np.flatnonzero(present) + lo


def codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Factorise a column; missing values form their own group (label NaN/None)."""
    # A numpy integer column; nullable ``Int64`` and other extension types are factorised.
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "i":
        dense = dense_codes(values.to_numpy())
        if dense is not None:
            return dense[0], pd.Index(dense[1].astype(values.dtype, copy=False))
    found, uniques = factorize(values, use_na_sentinel=False)
    return found.astype(np.int64, copy=False), pd.Index(uniques)


def factorize(values: pd.Series, use_na_sentinel: bool = True) -> tuple[np.ndarray, Any]:
    """``pd.factorize`` of a column; a Python-backed string column is factorised as the object
    array it holds (the same codes and values, without the string array's own checks and
    rebuilt uniques: a third less time on a large column)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "python":
        return pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=use_na_sentinel)
    return pd.factorize(values, use_na_sentinel=use_na_sentinel)


def _factorize_ints(values: np.ndarray) -> tuple[np.ndarray, int]:
    dense = dense_codes(values)
    if dense is not None:
        return dense[0], len(dense[1])
    found, uniques = pd.factorize(values)
    return found.astype(np.int64, copy=False), len(uniques)


@dataclasses.dataclass(frozen=True)
class PreparedLines:
    """``lines`` reduced to the arrays every metric needs (computed once, reused).

    ``buyer`` keys are ints: normalised phone, else (platform, platform user id), else the order;
    all lines of an order share the order's key (a phone on any of its lines wins).
    """

    frame: pd.DataFrame
    amount: np.ndarray
    quantity: np.ndarray
    valid: np.ndarray
    order: np.ndarray
    n_orders: int
    buyer: np.ndarray
    n_buyers: int
    column_codes: dict[str, tuple[np.ndarray, pd.Index]] = dataclasses.field(default_factory=dict)

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """:func:`codes` of a ``lines`` column, computed once per prepared frame."""
        if column not in self.column_codes:
            self.column_codes[column] = codes(self.frame[column])
        return self.column_codes[column]

    @functools.cached_property
    def sales(self) -> ValidLines:
        """The valid lines grouped by order, shared by every grouping (built on first use)."""
        return ValidLines.of(self)


@dataclasses.dataclass(frozen=True)
class ValidLines:
    """The valid lines of a :class:`PreparedLines`, each order's lines side by side (orders in
    code order), with what every grouping's sums and distinct counts read: laid out once, then
    :meth:`per_group` for each grouping.

    ``rows``: each valid line's position in the prepared arrays; ``same_order[k - 1]``: True
    where the line k places back belongs to the same order, for k below ``depth`` (the longest
    order, at most :data:`SHIFT_DEPTH` lines); ``long``: the lines (positions here) of longer
    orders. ``amount``/``quantity``: the valid lines' values, ``others``/``other_amount``: the
    other lines' positions and amounts (GMV counts them too); float64 for ``np.bincount`` when
    ``exact`` holds (every partial sum below 2**53), else int64.

    Not for concurrent use: :meth:`per_group` reuses two scratch arrays as long as ``rows``
    (fresh arrays of that size cost a page fault every 4 KiB each time).
    """

    rows: np.ndarray
    order: np.ndarray
    buyer: np.ndarray
    same_order: tuple[np.ndarray, ...]
    long: np.ndarray
    amount: np.ndarray
    quantity: np.ndarray
    others: np.ndarray
    other_amount: np.ndarray
    exact: bool

    @classmethod
    def of(cls, prepared: PreparedLines) -> ValidLines:
        rows = np.flatnonzero(prepared.valid)
        order = prepared.order[rows]
        if len(order) > 1 and not (order[1:] >= order[:-1]).all():
            by_order = stable_argsort(order, prepared.n_orders)
            rows, order = rows[by_order], order[by_order]
        n = len(order)
        head = np.ones(n, dtype=bool)
        np.not_equal(order[1:], order[:-1], out=head[1:])
        starts = np.flatnonzero(head)
        length = np.diff(np.append(starts, n))
        depth = min(int(length.max()) if n else 0, SHIFT_DEPTH)
        # the lines of the orders longer than SHIFT_DEPTH, run by run
        runs = np.flatnonzero(length > SHIFT_DEPTH)
        long = np.repeat(starts[runs] - (np.cumsum(length[runs]) - length[runs]), length[runs])
        long += np.arange(len(long))
        exact = _exact(prepared.amount) and _exact(prepared.quantity)
        weights = np.float64 if exact else np.int64
        others = np.flatnonzero(~prepared.valid)
        return cls(
            rows=rows,
            order=order,
            buyer=prepared.buyer[rows],
            same_order=tuple(order[k:] == order[:-k] for k in range(1, depth)),
            long=long,
            amount=prepared.amount[rows].astype(weights),
            quantity=prepared.quantity[rows].astype(weights),
            others=others,
            other_amount=prepared.amount[others].astype(weights),
            exact=exact,
        )

    @functools.cached_property
    def _scratch(self) -> tuple[np.ndarray, np.ndarray]:
        return np.empty(len(self.rows), dtype=np.int64), np.empty(len(self.rows), dtype=np.int64)

    def per_group(
        self, line_group: np.ndarray, n_groups: int, n_buyers: int
    ) -> dict[str, np.ndarray]:
        """gmv, net_gmv, units, orders and buyers per group code (int64 arrays);
        ``line_group``: an int64 group code per prepared line."""
        spare, pairs = self._scratch
        group = np.take(line_group, self.rows, out=spare)
        out = {
            "net_gmv": sum_by(group, self.amount, n_groups, self.exact),
            "units": sum_by(group, self.quantity, n_groups, self.exact),
        }
        others = sum_by(line_group[self.others], self.other_amount, n_groups, self.exact)
        out["gmv"] = out["net_gmv"] + others
        # one line per (order, group): their count is the orders; their buyers (a buyer belongs
        # to the order) hold every buyer of the group
        first = self._first(group)
        k = int(np.count_nonzero(first))
        pair_group = np.compress(first, group, out=pairs[:k])
        out["orders"] = np.bincount(pair_group, minlength=n_groups).astype(np.int64)
        pair_buyer = np.compress(first, self.buyer, out=spare[:k])  # group is done with
        pair_group *= max(n_buyers, 1)
        pair_group += pair_buyer
        out["buyers"] = _distinct_pairs(pair_group, n_buyers, n_groups, spare)
        return out

    def _first(self, group: np.ndarray) -> np.ndarray:
        """True for the first line of each distinct (order, group) pair."""
        first = np.ones(len(group), dtype=bool)
        for k, same in enumerate(self.same_order, start=1):
            # the line k places back: of the same order, with the same group
            repeat = group[k:] == group[:-k]
            repeat &= same
            first[k:] &= ~repeat
        if len(self.long):
            # orders longer than SHIFT_DEPTH: the first line of each (order, group) by a sort
            long = self.long
            by_pair = np.lexsort((long, group[long], self.order[long]))
            pair_order, pair_group = self.order[long][by_pair], group[long][by_pair]
            new = np.ones(len(long), dtype=bool)
            new[1:] = (pair_order[1:] != pair_order[:-1]) | (pair_group[1:] != pair_group[:-1])
            first[long] = False
            first[long[by_pair[new]]] = True
        return first


def _exact(values: np.ndarray) -> bool:
    """True when every partial sum of ``values`` stays below 2**53 (float64 sums are exact)."""
    if len(values) == 0:
        return True
    largest = max(abs(int(values.min())), abs(int(values.max())))
    if largest * len(values) < 2**53:  # without a pass making |values|
        return True
    return bool(np.abs(values).sum(dtype=np.float64) < 2**53)


def stable_argsort(values: np.ndarray, bound: int) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` for ints in ``[0, bound)``, by sorting the values
    packed with their positions (numpy sorts int64 values far faster than it argsorts them)."""
    n = len(values)
    if bound * n >= 2**62:
        return np.argsort(values, kind="stable")
    packed = values.astype(np.int64) * n + np.arange(n, dtype=np.int64)
    packed.sort()
    packed %= max(n, 1)
    return packed


def buyer_keys(
    lines: pd.DataFrame,
    order: np.ndarray,
    n_orders: int,
    platform: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Dense integer buyer key per line (0…n-1) and n (see :class:`PreparedLines`).

    ``platform``: the platform column's codes, if already computed.
    """
    n = len(lines)
    phone = np.full(n, -1, dtype=np.int64)
    n_phone = 0
    if "buyer_phone" in lines.columns:
        raw, raw_uniques = factorize(lines["buyer_phone"])
        # each distinct raw value once; phones coded in the order they first appear
        numbers = phones.mobile_numbers(np.asarray(raw_uniques, dtype=object))
        mobile = numbers >= 0
        norm_codes = np.full(len(numbers) + 1, -1, dtype=np.int64)  # raw code -1 → -1
        found, norm_uniques = pd.factorize(numbers[mobile])
        norm_codes[:-1][mobile] = found
        phone = norm_codes[raw]
        n_phone = len(norm_uniques)
    user = np.full(n, -1, dtype=np.int64)
    n_user = 0
    if "buyer_platform_id" in lines.columns:
        ids, id_uniques = factorize(lines["buyer_platform_id"])
        if "platform" in lines.columns:
            plat = platform if platform is not None else codes(lines["platform"])[0]
            pair = plat.astype(np.int64) * max(len(id_uniques), 1)
            pair += ids
            missing = ids < 0
            pair[missing] = -1
            user, n_user = _factorize_ints(pair)
            user[missing] = -1
        else:
            user = ids.astype(np.int64)
            n_user = len(id_uniques)
    # the phone's key, else the platform user's, else the order's (in place: these are long)
    key = order + (n_phone + n_user)
    np.add(user, n_phone, out=key, where=user >= 0)
    np.copyto(key, phone, where=phone >= 0)
    # A buyer belongs to the order, not the line: every line takes its order's best key
    # (phones sort before platform ids, which sort before the order itself).
    best = np.full(max(n_orders, 1), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, order, key)
    return _factorize_ints(best[order])


def prepare_lines(lines: pd.DataFrame) -> PreparedLines:
    """Validate ``lines`` against its contract and build the :class:`PreparedLines` arrays."""
    require(lines, "lines", LINE_COLUMNS)
    order, order_uniques = codes(lines["order_id"])
    n_orders = len(order_uniques)
    cache: dict[str, tuple[np.ndarray, pd.Index]] = {}
    if "platform" in lines.columns:
        cache["platform"] = codes(lines["platform"])
    platform = cache["platform"][0] if cache else None
    buyer, n_buyers = buyer_keys(lines, order, n_orders, platform)
    return PreparedLines(
        frame=lines,
        amount=line_amounts(lines),
        quantity=lines["quantity"].to_numpy(dtype=np.int64),
        valid=valid_mask(lines["status"]),
        order=order,
        n_orders=n_orders,
        buyer=buyer,
        n_buyers=n_buyers,
        column_codes=cache,
    )


def sum_by(
    group: np.ndarray, values: np.ndarray, n_groups: int, exact: bool | None = None
) -> np.ndarray:
    """Exact int64 sums of ``values`` per group code.

    ``exact``: known already whether every partial sum stays below 2**53 (None: find out).
    """
    out = np.zeros(n_groups, dtype=np.int64)
    if len(values) == 0:
        return out
    if exact is None:
        exact = _exact(values)
    # bincount sums in float64, exact while every partial sum stays below 2**53 đồng
    if exact:
        return np.bincount(group, weights=values, minlength=n_groups).astype(np.int64)
    np.add.at(out, group, values.astype(np.int64, copy=False))
    return out


def distinct_by(group: np.ndarray, items: np.ndarray, n_items: int, n_groups: int) -> np.ndarray:
    """Number of distinct item codes per group code."""
    return _distinct_pairs(group * np.int64(max(n_items, 1)) + items, n_items, n_groups)


def _distinct_pairs(
    pairs: np.ndarray, n_items: int, n_groups: int, spare: np.ndarray | None = None
) -> np.ndarray:
    """Distinct items per group from (group × n_items + item) pairs, which it reorders in
    place; ``spare``: an int64 buffer at least as long, for the distinct pairs."""
    if len(pairs) == 0:
        return np.zeros(n_groups, dtype=np.int64)
    n_items = max(n_items, 1)
    cells = n_groups * n_items
    if cells <= BITMAP_CELLS and cells <= 8 * len(pairs):
        # a grid no larger than a few passes over the pairs: mark (group, item) cells
        seen = np.zeros(cells, dtype=bool)
        seen[pairs] = True
        counts: np.ndarray = np.count_nonzero(seen.reshape(n_groups, n_items), axis=1)
        return counts.astype(np.int64)
    # else sort the pairs and count where they change: a sort keeps its speed as pairs grow,
    # where a hash table of them falls out of the caches
    pairs.sort()
    new = np.ones(len(pairs), dtype=bool)
    np.not_equal(pairs[1:], pairs[:-1], out=new[1:])
    found = int(np.count_nonzero(new))
    distinct = np.compress(new, pairs, out=None if spare is None else spare[:found])
    np.floor_divide(distinct, n_items, out=distinct)
    return np.bincount(distinct, minlength=n_groups).astype(np.int64)
