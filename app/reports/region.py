"""The Youth Union's province view and the national view, read from the aggregates only.

Who sees what is the club comparison's rule (``union.compare``): a Youth Union account its
unit's clubs (a province, or a commune's clubs), an admin every club — the whole country, or
one province picked with ``province``. The view compares the places one level down (the
country: its provinces; a province or commune: its clubs), month by month, and shows the top
products and producers, OCOP stars, OCOP groups and platforms over the period.

Exact figures: GMV, Net GMV, valid orders and units (they add up over clubs and months).
Buyers: estimated from HyperLogLog sketches (analytics.sketches: about ±1.6 % standard error,
±3.3 % for 95 % of estimates, closer for small counts), since a buyer who bought in two clubs
or months counts once; each club's own dashboards stay exact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import errors, labels, tenancy
from app.models import accounts, catalog, orgs, rollups
from app.reports import clubs as club_comparison
from app.reports import dashboards
from app.rollups import reading, stale

FIGURES = ("gmv", "net_gmv", "orders", "units", "buyers")
LABELS: dict[str, Any] = {
    "gmv": _l("GMV (gồm đơn hủy/trả)"),
    "net_gmv": _l("GMV thực (trừ hủy/trả)"),
    "orders": _l("Đơn hợp lệ"),
    "units": _l("Sản phẩm bán"),
    "buyers": _l("Người mua (ước tính)"),
}
MONEY = frozenset({"gmv", "net_gmv"})
TOP = 20
BREAKDOWNS: dict[str, Any] = {
    "product": _l("Sản phẩm bán chạy"),
    "producer": _l("Chủ thể bán chạy"),
    "ocop_stars": _l("Theo hạng sao OCOP"),
    "ocop_group": _l("Theo ngành OCOP"),
    "platform": _l("Theo sàn"),
}
SKETCHED = ("ocop_stars", "ocop_group", "platform")
DAILY_MONTHS = 3  # a daily Net GMV chart up to this many months


@dataclasses.dataclass
class Row:
    key: str
    label: str
    figures: dict[str, int | None]


@dataclasses.dataclass
class RegionView:
    level: str  # "country" (rows are provinces) or "clubs"
    place: str  # "Toàn quốc", a province's name, or the unit's
    province: int | None
    months: list[str]
    first: dt.date
    last: dt.date
    totals: dict[str, int | None]
    month_rows: list[Row]
    places: list[Row]
    tables: dict[str, list[Row]]
    pending: int
    provinces: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    days: list[tuple[dt.date, int]] = dataclasses.field(default_factory=list)  # Net GMV a day

    def day_chart(self) -> tuple[list[str], list[float]]:
        """Labels ("03/11") and Net GMV of each day, for the daily chart."""
        return [d.strftime("%d/%m") for d, _v in self.days], [float(v) for _d, v in self.days]

    @property
    def title(self) -> str:
        return _("Báo cáo %(place)s", place=self.place)

    @property
    def subtitle(self) -> str:
        return club_comparison.months_subtitle(self.first, self.last)

    @property
    def filename(self) -> str:
        where = "toan-quoc" if self.province is None and self.level == "country" else "tinh"
        if self.province is not None:
            where = f"tinh-{self.province}"
        return f"bao-cao-{where}-{self.months[0]}-{self.months[-1]}"

    def as_json(self) -> dict[str, Any]:
        def rows(items: list[Row]) -> list[dict[str, Any]]:
            return [{"key": r.key, "label": r.label, **r.figures} for r in items]

        return {
            "level": self.level,
            "place": self.place,
            "province": self.province,
            "from": self.months[0],
            "to": self.months[-1],
            "totals": dict(self.totals),
            "months": rows(self.month_rows),
            "places": rows(self.places),
            "tables": {key: rows(value) for key, value in self.tables.items()},
            "pending_cells": self.pending,
            "buyers_standard_error": round(reading.sketches.STANDARD_ERROR, 4),
        }


def show(name: str, value: int | None) -> str:
    return dashboards.show("gmv" if name in MONEY else "orders", value)


NAMED: dict[str, tuple[Any, Any]] = {
    "product": (catalog.Product.id, catalog.Product.name),
    "producer": (orgs.Producer.id, orgs.Producer.name),
    "ocop_group": (catalog.OcopCategory.id, catalog.OcopCategory.name),
}


def _labels(session: so.Session, keys: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """Each breakdown's labels of these keys: names of products, producers and OCOP groups
    (one statement for all of them), stars and platforms spelled out."""
    parts = []
    for dim, (id_column, name_column) in NAMED.items():
        ids = sorted({int(k) for k in keys.get(dim, []) if k.isdigit()})
        if ids:
            parts.append(
                sa.select(sa.literal(dim), id_column, name_column).where(id_column.in_(ids))
            )
    labels_of: dict[str, dict[str, str]] = {dim: {} for dim in keys}
    if parts:
        for dim, id_, name in session.execute(sa.union_all(*parts)):
            labels_of[dim][str(id_)] = str(name)
    for key in keys.get("ocop_stars", []):
        if key:
            labels_of["ocop_stars"][key] = f"{key}★"
    for key in keys.get("platform", []):
        if key:
            labels_of["platform"][key] = labels.platform_label(key)
    return labels_of


def _province_names(session: so.Session) -> dict[int, str]:
    Club = orgs.Club
    rows = session.execute(
        sa.select(Club.province_code, sa.func.min(Club.province))
        .where(Club.province_code.is_not(None))
        .group_by(Club.province_code)
    )
    return {int(code or 0): str(name) for code, name in rows}


def region_view(
    session: so.Session,
    user: dashboards.Actor,
    first: str | None = None,
    last: str | None = None,
    province: int | None = None,
    today: dt.date | None = None,
) -> RegionView:
    """The country (an admin), one province (an admin's pick, or a province's Youth Union) or
    a commune's clubs, per month from ``first`` to ``last`` ("YYYY-MM", Vietnam time)."""
    scope = dashboards.scope_of(session, user)
    club_comparison.check_allowed(scope)
    first_day, last_day = club_comparison.month_range(first, last, today)
    months = [
        club_comparison.add_months(first_day, i)
        for i in range(club_comparison.months_between(first_day, last_day))
    ]
    provinces = _province_names(session)
    Club = orgs.Club
    unit = _unit(session, scope)
    if province is not None and province not in provinces:
        raise errors.NotFound(_("Không có câu lạc bộ nào ở tỉnh này."))
    if unit is not None and province is not None and province != unit[0]:
        raise errors.NotFound(_("Không có câu lạc bộ nào ở tỉnh này."))
    national = scope.every_club and province is None
    if national:
        region: int | None = rollups.NATIONAL
        place = str(_("Toàn quốc"))

        def clubs(column: Any) -> sa.ColumnElement[bool]:
            return sa.true()

    else:
        code = province if province is not None else (unit[0] if unit else None)
        commune = unit[1] if unit else None
        region = code if commune is None else None
        place = provinces.get(code or 0, str(_("đơn vị")))
        chosen = sa.select(Club.id).where(Club.province_code == code) if scope.every_club else None

        def clubs(column: Any) -> sa.ColumnElement[bool]:
            if chosen is not None:
                return column.in_(chosen)
            return scope.club_filter(column)

    first_month, last_month = months[0], months[-1]
    found: dict[str, list[tuple[str, dict[str, int]]]] = {}
    buyers: dict[str, dict[Any, int]] = {}
    daily = len(months) <= DAILY_MONTHS
    net_of_day: dict[dt.date, int] = {}
    if region is not None:  # a province or the country: its own rows, a few per month
        dims = ("all", *SKETCHED, *((rollups.DAY,) if daily else ()))
        rows = reading.region_rows(session, [region], months, *dims)
        net_of_day = {
            dt.date.fromisoformat(row.key): row.figures["net_gmv"]
            for row in rows
            if row.dim == rollups.DAY
        }
        month_rows, totals = _region_months([row for row in rows if row.dim == "all"], months)
        if national:
            places = _province_rows(session, months, provinces)
        else:
            places = _club_rows(session, clubs, months)
        for dim in BREAKDOWNS:
            if dim in SKETCHED:
                sums, buyers[dim] = _add_up([row for row in rows if row.dim == dim], per="key")
                found[dim] = reading.best_first(sums.items())
            else:
                found[dim] = reading.region_top(session, region, months, dim, TOP)
    else:  # a commune's clubs: their club rows
        month_rows = _month_rows(session, clubs, months)
        totals = _add([row.figures for row in month_rows])
        totals["buyers"] = reading.club_buyers(session, clubs, months, per="all").get(None, 0)
        places = _club_rows(session, clubs, months)
        for dim in BREAKDOWNS:
            limit = TOP if dim in ("product", "producer") else None
            found[dim] = reading.top(session, clubs, first_month, last_month, dim, limit)
            if dim in SKETCHED:
                buyers[dim] = reading.club_buyers(session, clubs, months, dim, per="key")
    tables = _tables(session, found, buyers)
    days: list[tuple[dt.date, int]] = []
    if daily:
        end_day = club_comparison.add_months(last_month, 1)
        if region is None:  # a commune: its clubs' days
            found_days = reading.day_totals(
                session, clubs, first_month, end_day - dt.timedelta(days=1)
            )
            net_of_day = {day: figures["net_gmv"] for day, figures in found_days.items()}
        day = first_month
        while day < end_day:
            days.append((day, net_of_day.get(day, 0)))
            day += dt.timedelta(days=1)
    # the cells still to be remade: every club's (the country), the places' clubs otherwise
    pending = stale.waiting(session, None if national else [int(row.key) for row in places])
    return RegionView(
        level="country" if national else "clubs",
        place=place,
        province=province if province is not None else (unit[0] if unit else None),
        months=[m.strftime("%Y-%m") for m in months],
        first=first_month,
        last=last_month,
        totals=totals,
        month_rows=month_rows,
        places=places,
        tables=tables,
        pending=pending,
        provinces=sorted(provinces.items(), key=lambda item: item[1]) if scope.every_club else [],
        days=days,
    )


def _unit(session: so.Session, scope: tenancy.Scope) -> tuple[int, int | None] | None:
    """A Youth Union account's (province, commune); None for everyone else."""
    if scope.user_id is None:
        return None
    user = session.get(accounts.User, scope.user_id)
    if user is None or user.union_province_code is None:
        return None
    return int(user.union_province_code), user.union_commune_code


def _add(rows: list[dict[str, int | None]]) -> dict[str, int | None]:
    return {name: sum(int(r.get(name) or 0) for r in rows) for name in reading.ADDITIVE}


def _tables(
    session: so.Session,
    found: dict[str, list[tuple[str, dict[str, int]]]],
    buyers: dict[str, dict[Any, int]],
) -> dict[str, list[Row]]:
    """The breakdowns' rows with their labels (and buyers where sketched)."""
    unknown = str(_("Chưa rõ"))
    labels_of = _labels(session, {dim: [key for key, _f in items] for dim, items in found.items()})
    return {
        dim: [
            Row(
                key=key,
                label=labels_of[dim].get(key, key or unknown),
                figures={
                    **figures,
                    "buyers": buyers.get(dim, {}).get(key, 0) if dim in SKETCHED else None,
                },
            )
            for key, figures in items
        ]
        for dim, items in found.items()
    }


def _region_months(
    rows: list[reading.RegionRow], months: list[dt.date]
) -> tuple[list[Row], dict[str, int | None]]:
    """The region's month rows and its totals over them (buyers merged across months)."""
    found = {row.month: row for row in rows}
    month_rows = []
    for m in months:
        row = found.get(m)
        figures: dict[str, int | None] = {
            **(row.figures if row else dict.fromkeys(reading.ADDITIVE, 0)),
            "buyers": reading.estimate([row.sketch]) if row else 0,
        }
        month_rows.append(Row(key=m.strftime("%Y-%m"), label=m.strftime("%m/%Y"), figures=figures))
    totals = _add([row.figures for row in month_rows])
    totals["buyers"] = reading.estimate(row.sketch for row in found.values())
    return month_rows, totals


def _add_up(
    rows: list[reading.RegionRow], per: str
) -> tuple[dict[Any, dict[str, int]], dict[Any, int]]:
    """Region rows added up per ``key`` or ``province_code``: the sums and merged buyers."""
    sums: dict[Any, dict[str, int]] = {}
    parts: dict[Any, list[bytes | None]] = {}
    for row in rows:
        group = getattr(row, per)
        into = sums.setdefault(group, dict.fromkeys(reading.ADDITIVE, 0))
        for name in reading.ADDITIVE:
            into[name] += row.figures[name]
        parts.setdefault(group, []).append(row.sketch)
    return sums, {group: reading.estimate(items) for group, items in parts.items()}


def _month_rows(session: so.Session, clubs: Any, months: list[dt.date]) -> list[Row]:
    sums: dict[dt.date, dict[str, int]] = {m: dict.fromkeys(reading.ADDITIVE, 0) for m in months}
    for row in reading.month_totals(session, clubs, months[0], months[-1]):
        for name in reading.ADDITIVE:
            sums[row.month][name] += getattr(row, name)
    buyers = reading.club_buyers(session, clubs, months, per="month")
    return [
        Row(
            key=m.strftime("%Y-%m"),
            label=m.strftime("%m/%Y"),
            figures={**sums[m], "buyers": buyers.get(m, 0)},
        )
        for m in months
    ]


def _province_rows(session: so.Session, months: list[dt.date], names: dict[int, str]) -> list[Row]:
    codes = [*names, rollups.NO_PROVINCE]
    figures, buyers = _add_up(
        reading.region_rows(session, codes, months, "all"), per="province_code"
    )
    rows = [
        Row(
            key=str(code),
            label=names.get(code, str(_("Chưa rõ tỉnh"))),
            figures={**values, "buyers": buyers[code]},
        )
        for code, values in figures.items()
    ]
    rows.sort(key=lambda row: (-(row.figures["net_gmv"] or 0), row.label))
    return rows


def _club_rows(session: so.Session, clubs: Any, months: list[dt.date]) -> list[Row]:
    Club = orgs.Club
    names = dict(session.execute(sa.select(Club.id, Club.name).where(clubs(Club.id))).all())
    figures: dict[int, dict[str, int]] = {
        int(club_id): dict.fromkeys(reading.ADDITIVE, 0) for club_id in names
    }
    exact: dict[int, int] = {}
    for row in reading.month_totals(session, clubs, months[0], months[-1]):
        into = figures.setdefault(row.club_id, dict.fromkeys(reading.ADDITIVE, 0))
        for name in reading.ADDITIVE:
            into[name] += getattr(row, name)
        exact[row.club_id] = row.buyers
    buyers = exact if len(months) == 1 else reading.club_buyers(session, clubs, months)
    rows = [
        Row(
            key=str(club_id),
            label=str(names.get(club_id, club_id)),
            figures={**values, "buyers": buyers.get(club_id, 0)},
        )
        for club_id, values in figures.items()
    ]
    rows.sort(key=lambda row: (-(row.figures["net_gmv"] or 0), row.label))
    return rows
