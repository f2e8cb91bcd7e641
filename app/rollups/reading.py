"""Queries over the aggregates for the views that read them (never the order lines).

``clubs`` selects the clubs: a function giving a filter on a club id column (a tenancy scope's
``club_filter``), so the same rule decides what a user sees here and everywhere else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Any

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm as so

from analytics import sketches
from app.models import orgs, rollups

ClubFilter = Callable[[Any], sa.ColumnElement[bool]]
ADDITIVE = ("gmv", "net_gmv", "orders", "units")


@dataclasses.dataclass(frozen=True)
class MonthRow:
    club_id: int
    month: dt.date
    gmv: int
    net_gmv: int
    orders: int
    units: int
    buyers: int  # exact for the club's month


def month_totals(
    session: so.Session, clubs: ClubFilter, first: dt.date, last: dt.date
) -> list[MonthRow]:
    """Each club's whole months from ``first`` to ``last`` (first days, both included)."""
    S = rollups.SalesMonth
    stmt = sa.select(S.club_id, S.month, S.gmv, S.net_gmv, S.orders, S.units, S.buyers).where(
        S.dim == "all", S.month >= first, S.month <= last, clubs(S.club_id)
    )
    return [
        MonthRow(int(c), m, int(g), int(n), int(o), int(u), int(b))
        for c, m, g, n, o, u, b in session.execute(stmt)
    ]


def day_totals(
    session: so.Session, clubs: ClubFilter, first: dt.date, last: dt.date
) -> dict[dt.date, dict[str, int]]:
    """The clubs' days from ``first`` to ``last`` (both included) added up: additive figures."""
    D = rollups.SalesDay
    stmt = (
        sa.select(D.day, *(sa.func.sum(getattr(D, name)) for name in ADDITIVE))
        .where(D.day >= first, D.day <= last, clubs(D.club_id))
        .group_by(D.day)
    )
    return {
        day: dict(zip(ADDITIVE, (int(v or 0) for v in values), strict=True))
        for day, *values in session.execute(stmt)
    }


def by_province_month(
    session: so.Session, clubs: ClubFilter, first: dt.date, last: dt.date
) -> dict[tuple[int, dt.date], dict[str, int]]:
    """(province code, month) → additive figures of the clubs in it (NO_PROVINCE: none set)."""
    S, Club = rollups.SalesMonth, orgs.Club
    province = sa.func.coalesce(Club.province_code, rollups.NO_PROVINCE)
    stmt = (
        sa.select(
            province,
            S.month,
            *(sa.func.sum(getattr(S, name)) for name in ADDITIVE),
        )
        .join(Club, S.club_id == Club.id)
        .where(S.dim == "all", S.month >= first, S.month <= last, clubs(S.club_id))
        .group_by(province, S.month)
    )
    return {
        (int(code), month): dict(zip(ADDITIVE, (int(v or 0) for v in values), strict=True))
        for code, month, *values in session.execute(stmt)
    }


def top(
    session: so.Session,
    clubs: ClubFilter,
    first: dt.date,
    last: dt.date,
    dim: str,
    limit: int | None = None,
) -> list[tuple[str, dict[str, int]]]:
    """A breakdown's values over the period, by Net GMV then GMV (highest first)."""
    S = rollups.SalesMonth
    sums = [sa.func.sum(getattr(S, name)).label(name) for name in ADDITIVE]
    stmt = (
        sa.select(S.key, *sums)
        .where(S.dim == dim, S.month >= first, S.month <= last, clubs(S.club_id))
        .group_by(S.key)
        .order_by(sa.desc("net_gmv"), sa.desc("gmv"), S.key)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        (key, dict(zip(ADDITIVE, (int(v or 0) for v in values), strict=True)))
        for key, *values in session.execute(stmt)
    ]


def _merged(rows: Iterable[tuple[Any, bytes | None]]) -> dict[Any, int]:
    groups: dict[Any, list[np.ndarray]] = defaultdict(list)
    for group, sketch in rows:
        if sketch:
            groups[group].append(sketches.decode(sketch))
    return {group: sketches.estimate(sketches.merge(items)) for group, items in groups.items()}


def region_buyers(
    session: so.Session,
    codes: Collection[int],
    months: Collection[dt.date],
    dim: str = "all",
    per: str = "region",
) -> dict[Any, int]:
    """Estimated buyers from the province/country sketches: per ``region`` code, per ``key``
    of ``dim`` (over every code given), or ``month``."""
    R = rollups.RegionSketch
    group = {"region": R.province_code, "key": R.key, "month": R.month}[per]
    stmt = sa.select(group, R.sketch).where(
        R.province_code.in_(sorted(codes)), R.month.in_(sorted(months)), R.dim == dim
    )
    return _merged(session.execute(stmt))


def club_buyers(
    session: so.Session,
    clubs: ClubFilter,
    months: Collection[dt.date],
    dim: str = "all",
    per: str = "club",
) -> dict[Any, int]:
    """Estimated buyers from the clubs' month sketches: per ``club``, per ``key`` of ``dim``,
    per ``month`` or over ``all`` of them (key None)."""
    S = rollups.SalesMonth
    group: Any = {"club": S.club_id, "key": S.key, "month": S.month, "all": sa.null()}[per]
    stmt = sa.select(group, S.sketch).where(
        S.dim == dim, S.month.in_(sorted(months)), clubs(S.club_id)
    )
    return _merged(session.execute(stmt))
