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
from app.models import rollups

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


@dataclasses.dataclass(frozen=True)
class RegionRow:
    province_code: int
    month: dt.date
    dim: str
    key: str
    figures: dict[str, int]  # ADDITIVE
    sketch: bytes | None


def region_rows(
    session: so.Session, codes: Collection[int], months: Collection[dt.date], *dims: str
) -> list[RegionRow]:
    """The rows of these breakdowns (one statement for all of them) of the regions' months."""
    R = rollups.RegionSketch
    where = [R.province_code.in_(sorted(codes)), R.dim.in_(dims), R.month.in_(sorted(months))]
    stmt = sa.select(
        R.province_code, R.month, R.dim, R.key, *(getattr(R, name) for name in ADDITIVE), R.sketch
    ).where(*where)
    return [
        RegionRow(
            int(code),
            month,
            dim,
            key,
            dict(zip(ADDITIVE, (int(v) for v in values), strict=True)),
            sketch,
        )
        for code, month, dim, key, *values, sketch in session.execute(stmt)
    ]


def estimate(parts: Iterable[bytes | None]) -> int:
    """Buyers of the union of stored sketches."""
    return sketches.estimate(sketches.merge_encoded(parts))


CANDIDATES = 100  # each month's best rows read as candidates for a top over many months


def region_top(
    session: so.Session,
    code: int,
    months: Collection[dt.date],
    dim: str,
    limit: int,
    candidates: int = CANDIDATES,
) -> list[tuple[str, dict[str, int]]]:
    """The ``limit`` best values of a breakdown over a region's months, by Net GMV, then GMV,
    then key: exactly what adding up every row and sorting gives, mostly without reading them.

    One month holds one row per value: its best rows are the answer (one index scan). Over
    several months, each month's ``candidates`` best rows (one statement, an index scan per
    month) name the candidates, whose totals are then added up. A value that is not a candidate
    sold at most the month's last candidate row's Net GMV in each month, so at most ``bound``
    (their sum) in all; when the ``limit``-th candidate sold more than that, no other value can
    enter the top and the answer is exact. Otherwise (evenly spread sales) every row is added
    up."""
    R = rollups.RegionSketch
    months = sorted(months)
    where = [R.province_code == code, R.dim == dim]
    figures = [getattr(R, name) for name in ADDITIVE]
    if not months:
        return []
    if len(months) == 1:
        one = (
            sa.select(R.key, *figures)
            .where(*where, R.month == months[0])
            .order_by(R.net_gmv.desc(), R.gmv.desc(), R.key)
            .limit(limit)
        )
        return _ranked(session.execute(one))
    per_month = [
        sa.select(R.month, R.key, R.net_gmv)
        .where(*where, R.month == month)
        .order_by(R.net_gmv.desc())
        .limit(candidates)
        .subquery()
        for month in months
    ]
    best = sa.union_all(
        *(sa.select(part.c.month, part.c.key, part.c.net_gmv) for part in per_month)
    ).cte("best")
    # the months whose candidates filled up, and their last candidate's Net GMV (0 at least)
    full = (
        sa.select(best.c.month, sa.func.min(best.c.net_gmv).label("low"))
        .group_by(best.c.month)
        .having(sa.func.count() == candidates)
        .subquery()
    )
    low = sa.case((full.c.low > 0, full.c.low), else_=0)
    bound = sa.select(sa.func.coalesce(sa.func.sum(low), 0)).scalar_subquery()
    filled = sa.select(sa.func.count()).select_from(full).scalar_subquery()
    sums = [sa.func.sum(column).label(column.key) for column in figures]
    order: tuple[Any, ...] = (sa.desc("net_gmv"), sa.desc("gmv"), R.key)
    stmt = sa.select(R.key, *sums).where(*where, R.month.in_(months)).group_by(R.key)
    # one statement: the candidates' best totals, with the bound and whether any month filled
    # up (the same statement for every region and period of as many months)
    rows = session.execute(
        stmt.add_columns(bound.label("bound"), filled.label("filled"))
        .where(R.key.in_(sa.select(best.c.key)))
        .order_by(*order)
        .limit(limit)
    ).all()
    found = _ranked(row[:-2] for row in rows)
    complete = not rows or int(rows[0][-1]) == 0
    if complete or (len(found) >= limit and found[limit - 1][1]["net_gmv"] > int(rows[0][-2])):
        return found
    return _ranked(session.execute(stmt.order_by(*order).limit(limit)))


def best_first(found: Iterable[tuple[Any, dict[str, int]]]) -> list[tuple[Any, dict[str, int]]]:
    """A breakdown's (key, figures) ordered as the views show them: Net GMV, GMV, then key."""
    return sorted(found, key=lambda item: (-item[1]["net_gmv"], -item[1]["gmv"], item[0]))


def _ranked(rows: Iterable[Any]) -> list[tuple[str, dict[str, int]]]:
    return best_first(
        (str(key), dict(zip(ADDITIVE, (int(v or 0) for v in values), strict=True)))
        for key, *values in rows
    )


def _merged(rows: Iterable[tuple[Any, bytes | None]]) -> dict[Any, int]:
    groups: dict[Any, list[np.ndarray]] = defaultdict(list)
    for group, sketch in rows:
        if sketch:
            groups[group].append(sketches.decode(sketch))
    return {group: sketches.estimate(sketches.merge(items)) for group, items in groups.items()}


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
