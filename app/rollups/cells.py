"""A cell is one club's local (Vietnam) month: the unit the aggregates are made and remade in.

``month_of`` gives the cell month of a stored time; ``load_month`` reads the raw lines of some
clubs' month into the ``lines`` frame of :mod:`analytics.frames` (product attributes as they
are now, the OCOP group as the category's level-1 ancestor id); ``compute`` turns it into the
rows of ``sales_months`` and ``sales_days`` through :func:`analytics.rollups.rollup`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterator
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
import sqlalchemy.orm as so

from analytics import rollups as analytics_rollups
from app.core import formatting
from app.models import catalog
from app.models import orders as order_models

LOCAL_TZ = formatting.LOCAL_TZ
Cell = tuple[int, dt.date]  # (club id, first day of the local month)


def month_of(value: dt.datetime) -> dt.date:
    """The first day of the Vietnam month of a stored time (aware or naive UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        local = value.astimezone(LOCAL_TZ)
    except OverflowError:  # year 9999: it stays in its month
        local = value
    return dt.date(local.year, local.month, 1)


def next_month(month: dt.date) -> dt.date | None:
    if month.year == dt.MAXYEAR and month.month == 12:
        return None
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Every month from ``first`` to ``last`` (first days), both included."""
    month: dt.date | None = first.replace(day=1)
    while month is not None and month <= last:
        yield month
        month = next_month(month)


def _utc(day: dt.date) -> dt.datetime:
    try:
        return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC)
    except OverflowError:
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def month_window(month: dt.date) -> tuple[dt.datetime, dt.datetime | None]:
    """UTC bounds of a local month: [start, end), end None at the end of the calendar."""
    following = next_month(month)
    return _utc(month), (_utc(following) if following is not None else None)


def group_roots(session: so.Session) -> dict[int, int]:
    """category id → its ngành's (level-1 ancestor's) id."""
    C = catalog.OcopCategory
    parents = dict(session.execute(sa.select(C.id, C.parent_id)).all())
    out: dict[int, int] = {}
    for category_id in parents:
        node, seen = category_id, set()
        while parents.get(node) is not None and node not in seen:
            seen.add(node)
            node = parents[node]  # type: ignore[assignment]
        out[category_id] = node
    return out


def load_month(
    session: so.Session, month: dt.date, club_ids: Collection[int] | None
) -> pd.DataFrame:
    """The lines of the clubs' orders placed in the local month (``club_ids`` None: every
    club), with ``club_id`` and the local ``day`` as extra columns."""
    Ord, L, P = order_models.Order, order_models.OrderLine, catalog.Product
    start, end = month_window(month)
    # placed_at and status as the driver gives them (aware, or naive UTC on SQLite; the
    # status's text): the column types' per-value conversions took most of a refresh round,
    # and the frame converts the whole column at once below
    stmt = (
        sa.select(
            Ord.id.label("order_id"),
            Ord.club_id,
            sa.type_coerce(Ord.placed_at, sa.DateTime(timezone=True)).label("placed_at"),
            Ord.platform,
            Ord.session_id,
            Ord.streamer_id,
            Ord.buyer_phone,
            Ord.buyer_user.label("buyer_platform_id"),
            L.product_id,
            sa.type_coerce(L.status, sa.String()).label("status"),
            L.quantity,
            L.amount,
            P.producer_id,
            P.category_id,
            P.ocop_stars,
        )
        .join(Ord, L.order_id == Ord.id)
        .outerjoin(P, L.product_id == P.id)
        .where(Ord.placed_at >= start)
    )
    if end is not None:
        stmt = stmt.where(Ord.placed_at < end)
    if club_ids is not None:
        stmt = stmt.where(Ord.club_id.in_(sorted(club_ids)))
    # the connection (no ORM row processing), the rows turned into columns by zip (pandas
    # builds a frame from SQLAlchemy rows value by value, probing each for attributes)
    result = session.connection().execute(stmt)
    names = list(result.keys())
    rows = result.all()
    columns = zip(*rows, strict=True) if rows else ([] for _ in names)
    frame = pd.DataFrame(dict(zip(names, map(list, columns), strict=True)), columns=names)
    roots = group_roots(session)
    frame["ocop_group"] = frame["category_id"].astype("Int64").map(roots).astype("Int64")
    for column in ("session_id", "product_id", "producer_id", "streamer_id", "ocop_stars"):
        frame[column] = frame[column].astype("Int64")
    for column in ("order_id", "club_id", "quantity", "amount"):
        frame[column] = frame[column].astype("int64")
    frame["status"] = frame["status"].astype(str)
    frame["day"] = _local_days(frame["placed_at"])
    return frame


def _local_days(placed: pd.Series) -> np.ndarray:
    """The local day of the month of each stored time (times pandas cannot hold, such as a
    year 1 or 9999 kept from an old import, are read one by one)."""
    if placed.empty:
        return np.zeros(0, dtype=np.int64)
    try:
        local = pd.to_datetime(placed, utc=True).dt.tz_convert(LOCAL_TZ)
        return local.dt.day.to_numpy(dtype=np.int64)
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        return np.array([_local_day(value) for value in placed], dtype=np.int64)


def _local_day(value: dt.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(LOCAL_TZ).day
    except OverflowError:
        return value.day


def key_text(value: Any) -> str:
    """A breakdown value as stored in ``key`` ('' for the whole cell or a missing value)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return str(int(value))
    return str(value)


def _figure_rows(table: pd.DataFrame) -> list[list[int]]:
    rows: list[list[int]] = table[list(analytics_rollups.FIGURES)].to_numpy(np.int64).tolist()
    return rows


def _figures(values: list[int]) -> dict[str, int]:
    return dict(zip(analytics_rollups.FIGURES, (int(v) for v in values), strict=True))


@dataclasses.dataclass
class Computed:
    months: list[dict[str, Any]]
    days: list[dict[str, Any]]


def compute(frame: pd.DataFrame, month: dt.date) -> Computed:
    """``sales_months`` and ``sales_days`` rows of the month for the clubs in ``frame``."""
    if frame.empty:
        return Computed(months=[], days=[])
    clubs = frame["club_id"].to_numpy(dtype=np.int64)
    monthly = analytics_rollups.rollup(frame, clubs)
    months = [
        {
            "club_id": int(cell),
            "month": month,
            "dim": str(dim),
            "key": key_text(key),
            **_figures(figures),
            "sketch": sketch,
        }
        for cell, dim, key, figures, sketch in zip(
            monthly["cell"].tolist(),
            monthly["dim"].tolist(),
            monthly["key"].tolist(),
            _figure_rows(monthly),
            monthly["sketch"].tolist(),
            strict=True,
        )
    ]
    day_cell = clubs * 32 + frame["day"].to_numpy(dtype=np.int64)
    daily = analytics_rollups.rollup(frame, day_cell, {"all": None}, frozenset())
    days = [
        {"club_id": int(cell) // 32, "day": month.replace(day=int(cell) % 32), **_figures(figures)}
        for cell, figures in zip(daily["cell"].tolist(), _figure_rows(daily), strict=True)
    ]
    return Computed(months=months, days=days)
