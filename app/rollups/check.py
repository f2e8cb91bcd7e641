"""Compare the stored aggregates with the same figures computed afresh from the raw lines.

Used by ``flask rollups check`` (exit 1 on any difference) and by the tests. Every figure of
every ``sales_months`` row (the sketch bytes too), every ``sales_days`` row and every province
and country row (sums and sketch) is compared; a stale cell is expected to differ and is only
counted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models import orgs, rollups
from app.rollups import cells, refresh, stale

FIGURES = ("gmv", "net_gmv", "orders", "units", "buyers", "sketch")
DAY_FIGURES = ("gmv", "net_gmv", "orders", "units", "buyers")
REGION_FIGURES = ("gmv", "net_gmv", "orders", "units", "buyers", "sketch")


@dataclasses.dataclass(frozen=True)
class Difference:
    table: str
    where: tuple[Any, ...]
    figure: str
    stored: Any
    raw: Any


@dataclasses.dataclass
class Checked:
    months: int = 0
    rows: int = 0
    stale_cells: int = 0
    differences: list[Difference] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _months(session: so.Session, club_ids: Collection[int] | None) -> list[dt.date]:
    S = rollups.SalesMonth
    stmt = sa.select(S.month).distinct()
    if club_ids is not None:
        stmt = stmt.where(S.club_id.in_(sorted(club_ids)))
    found = set(session.scalars(stmt))
    found |= {month for _, month in refresh.order_months(session, club_ids)}
    return sorted(found)


def _compare(
    checked: Checked,
    table: str,
    stored: dict[tuple[Any, ...], dict[str, Any]],
    raw: dict[tuple[Any, ...], dict[str, Any]],
    figures: tuple[str, ...],
) -> None:
    for where in sorted(set(stored) | set(raw), key=repr):
        have, want = stored.get(where), raw.get(where)
        checked.rows += 1
        for figure in figures:
            a = None if have is None else have[figure]
            b = None if want is None else want[figure]
            if a != b:
                checked.differences.append(Difference(table, where, figure, a, b))


def check(
    session: so.Session,
    club_ids: Collection[int] | None = None,
    months: Collection[dt.date] | None = None,
) -> Checked:
    S, D, Club = rollups.SalesMonth, rollups.SalesDay, orgs.Club
    checked = Checked(stale_cells=stale.waiting(session, club_ids))
    provinces = {
        int(i): (rollups.NO_PROVINCE if code is None else int(code))
        for i, code in session.execute(sa.select(Club.id, Club.province_code))
    }
    for month in sorted(months) if months is not None else _months(session, club_ids):
        checked.months += 1
        computed = cells.compute(cells.load_month(session, month, club_ids), month)
        in_clubs = [S.month == month]
        if club_ids is not None:
            in_clubs.append(S.club_id.in_(sorted(club_ids)))
        stored_months = {
            (row.club_id, month, row.dim, row.key): {f: getattr(row, f) for f in FIGURES}
            for row in session.scalars(sa.select(S).where(*in_clubs))
        }
        raw_months = {
            (row["club_id"], month, row["dim"], row["key"]): row for row in computed.months
        }
        _compare(checked, "sales_months", stored_months, raw_months, FIGURES)
        following = cells.next_month(month)
        in_days = [D.day >= month] + ([D.day < following] if following else [])
        if club_ids is not None:
            in_days.append(D.club_id.in_(sorted(club_ids)))
        stored_days = {
            (row.club_id, row.day): {f: getattr(row, f) for f in DAY_FIGURES}
            for row in session.scalars(sa.select(D).where(*in_days))
        }
        raw_days = {(row["club_id"], row["day"]): row for row in computed.days}
        _compare(checked, "sales_days", stored_days, raw_days, DAY_FIGURES)
        if club_ids is None:
            _check_regions(session, checked, month, computed.months, computed.days, provinces)
    return checked


def _check_regions(
    session: so.Session,
    checked: Checked,
    month: dt.date,
    rows: list[dict[str, Any]],
    days: list[dict[str, Any]],
    provinces: dict[int, int],
) -> None:
    """Every province's and the country's rows of the month against the clubs' raw rows
    (breakdowns from their months, "day" rows from their days)."""
    R = rollups.RegionSketch
    parts: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    by_club = [
        (row["club_id"], (row["dim"], row["key"], *(row[n] for n in refresh.SUMS), row["sketch"]))
        for row in rows
        if row["dim"] in refresh.REGION_DIMS
    ] + [
        (
            day["club_id"],
            (refresh.DAY, refresh.day_key(day["day"]), *(day[n] for n in refresh.SUMS), None),
        )
        for day in days
    ]
    for club_id, part in by_club:
        for place in (provinces.get(club_id, rollups.NO_PROVINCE), rollups.NATIONAL):
            parts[place].append(part)
    raw = {}
    for code, items in parts.items():
        for merged in refresh.merge_region(code, month, items):
            raw[(code, month, merged["dim"], merged["key"])] = merged
    stored = {
        (row.province_code, month, row.dim, row.key): {f: getattr(row, f) for f in REGION_FIGURES}
        for row in session.scalars(sa.select(R).where(R.month == month))
    }
    _compare(checked, "region_sketches", stored, raw, REGION_FIGURES)
