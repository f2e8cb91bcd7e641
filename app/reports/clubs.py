"""The Youth Union's comparison of its clubs: per club and per month (Vietnam time).

Figures (the same definitions as a club's own overview, domain.md):

- gmv: every order line placed in the month, cancelled and returned included;
- net_gmv: the same without cancelled and returned lines;
- orders: distinct orders with at least one valid (not cancelled/returned) line;
- livestreams: the club's sessions with status live or ended that start in the month;
- videos: renders with status done whose ``finished_at`` falls in the month, of the club's videos;
- products_listed: distinct products whose listing on one of the club's shops got published
  (has an ``external_id``) and was created in the month; over a period, distinct over the
  period (a product listed on two shops, or in two months, counts once for the club);
- listed_now ("đang bán"): distinct products with a live listing on the club's shops now.

A total row adds the clubs up (a product sold by two clubs counts for each). The sales figures
come from the aggregates (``app/rollups``: the club's month, remade within a minute of a change
by the refresh job), never from the order lines; the other figures are one grouped query each
over the scope's clubs (club × month bucket), never a query per club; the month bucket is a
CASE over the months' UTC bounds, so SQLite and PostgreSQL group the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.catalog import service as catalog_service
from app.core import errors, permissions, tenancy
from app.live import common as live_common
from app.models import channels, live, orgs
from app.models import studio as media
from app.reports import dashboards
from app.rollups import reading as rollup_reading

MAX_MONTHS = 24
DEFAULT_MONTHS = 6
MONTHLY = ("gmv", "net_gmv", "orders", "livestreams", "videos", "products_listed")
SUMMARY = (*MONTHLY, "listed_now")
LABELS: dict[str, Any] = {
    "gmv": _l("GMV (gồm đơn hủy/trả)"),
    "net_gmv": _l("GMV thực (trừ hủy/trả)"),
    "orders": _l("Đơn hợp lệ"),
    "livestreams": _l("Phiên live đã diễn ra"),
    "videos": _l("Video đã làm"),
    "products_listed": _l("Sản phẩm mới đăng bán"),
    "listed_now": _l("Đang bán"),
}
MONEY = frozenset({"gmv", "net_gmv"})
SORTS = ("name", "net_gmv")

Counts = dict[tuple[int, int], int]  # (club id, month index) → figure


@dataclasses.dataclass
class ClubRow:
    club_id: int
    name: str
    archived: bool
    months: list[dict[str, int]]  # one per month of the comparison, MONTHLY figures
    totals: dict[str, int]  # SUMMARY figures over the period


@dataclasses.dataclass
class Comparison:
    first: dt.date  # first day of the first month
    last: dt.date  # first day of the last month
    months: list[str]  # "2026-11", oldest first
    clubs: list[ClubRow]
    totals: dict[str, int]  # the clubs added up (SUMMARY)
    month_totals: list[dict[str, int]]  # per month, the clubs added up (MONTHLY)
    sort: str = "name"

    @property
    def period_end(self) -> dt.date:
        """The last day of the last month (for the clubs' overview links)."""
        return dashboards.month_bounds(self.months[-1])[1]

    @property
    def title(self) -> str:
        return str(_("So sánh câu lạc bộ"))

    @property
    def subtitle(self) -> str:
        return months_subtitle(self.first, self.last)

    @property
    def filename(self) -> str:
        return f"so-sanh-clb-{self.months[0]}-{self.months[-1]}"

    def month_label(self, index: int) -> str:
        """ "11/2026": how the page names a month."""
        year, month = self.months[index].split("-")
        return f"{month}/{year}"

    def net_gmv_bars(self) -> list[tuple[str, float]]:
        """The chart beside the clubs' table: each club's Net GMV over the period."""
        return [(row.name, float(row.totals["net_gmv"])) for row in self.clubs]

    def as_json(self) -> dict[str, Any]:
        """Plain figures: what the page shows, the API returns and ``--json`` prints."""
        return {
            "from": self.months[0],
            "to": self.months[-1],
            "months": list(self.months),
            "clubs": [
                {
                    "id": row.club_id,
                    "name": row.name,
                    "archived": row.archived,
                    "totals": dict(row.totals),
                    "months": [
                        {"month": month, **figures}
                        for month, figures in zip(self.months, row.months, strict=True)
                    ],
                }
                for row in self.clubs
            ],
            "totals": dict(self.totals),
            "month_totals": [
                {"month": month, **figures}
                for month, figures in zip(self.months, self.month_totals, strict=True)
            ],
        }


# ---------------------------------------------------------------- months


def months_subtitle(first: dt.date, last: dt.date) -> str:
    """ "Tháng 06/2026 – 11/2026": how a page names its months."""
    return _(
        "Tháng %(first)s – %(last)s", first=first.strftime("%m/%Y"), last=last.strftime("%m/%Y")
    )


def add_months(first: dt.date, n: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(
    first: str | None, last: str | None, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The first days of the first and last months; the last six months (the current one
    included) when not given; 422 naming ``from``/``to`` when malformed, reversed or too long."""
    current = (today or catalog_service.today_local()).replace(day=1)
    last_day = dashboards.month_bounds(last.strip(), "to")[0] if last and last.strip() else None
    first_day = (
        dashboards.month_bounds(first.strip(), "from")[0] if first and first.strip() else None
    )
    if last_day is None:
        last_day = current if first_day is None else max(first_day, current)
        if first_day is not None and months_between(first_day, last_day) > MAX_MONTHS:
            last_day = add_months(first_day, MAX_MONTHS - 1)
    if first_day is None:
        first_day = add_months(last_day, -(DEFAULT_MONTHS - 1))
    if last_day < first_day:
        message = _("Tháng cuối phải từ tháng đầu trở đi.")
        raise errors.ValidationError(message, fields={"to": [message]})
    if months_between(first_day, last_day) > MAX_MONTHS:
        message = _("Chọn tối đa %(n)d tháng.", n=MAX_MONTHS)
        raise errors.ValidationError(message, fields={"to": [message]})
    return first_day, last_day


def months_between(first: dt.date, last: dt.date) -> int:
    """Number of months from ``first`` to ``last``, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _month_starts_utc(first: dt.date, count: int) -> list[dt.datetime]:
    """UTC instants of the local month starts: count + 1 bounds (the last is exclusive)."""
    midnight = dt.time()
    return [live_common.local_to_utc(add_months(first, i), midnight) for i in range(count + 1)]


def _bucket(column: Any, bounds: Sequence[dt.datetime]) -> Any:
    """The month index of ``column`` (rows already limited to [bounds[0], bounds[-1]))."""
    if len(bounds) == 2:
        return sa.literal(0, sa.Integer)
    return sa.case(
        *[(column < bounds[i + 1], i) for i in range(len(bounds) - 2)],
        else_=len(bounds) - 2,
    )


def _in_period(column: Any, bounds: Sequence[dt.datetime]) -> sa.ColumnElement[bool]:
    return sa.and_(column >= bounds[0], column < bounds[-1])


# ---------------------------------------------------------------- grouped queries


def _sales(
    session: so.Session, scope: tenancy.Scope, first: dt.date, count: int
) -> dict[str, Counts]:
    """GMV, Net GMV and orders per club and month, from the sales aggregates (app/rollups)."""
    months = {add_months(first, i): i for i in range(count)}
    out: dict[str, Counts] = {"gmv": {}, "net_gmv": {}, "orders": {}}
    for row in rollup_reading.month_totals(session, scope.club_filter, min(months), max(months)):
        key = (row.club_id, months[row.month])
        out["gmv"][key] = row.gmv
        out["net_gmv"][key] = row.net_gmv
        out["orders"][key] = row.orders
    return out


def _count_by_club_month(
    session: so.Session, inner: sa.Select[Any], distinct: bool = False
) -> Counts:
    """Count the rows (or distinct ``item``s) of ``inner`` (club_id, month[, item]) per group."""
    rows = inner.subquery()
    counted = sa.func.count(sa.distinct(rows.c.item)) if distinct else sa.func.count()
    stmt = sa.select(rows.c.club_id, rows.c.month, counted).group_by(rows.c.club_id, rows.c.month)
    return {(int(c), int(m)): int(n) for c, m, n in session.execute(stmt)}


def _livestreams(
    session: so.Session, scope: tenancy.Scope, bounds: Sequence[dt.datetime]
) -> Counts:
    S = live.LiveSession
    held = [live.SessionStatus.LIVE, live.SessionStatus.ENDED]
    return _count_by_club_month(
        session,
        sa.select(S.club_id.label("club_id"), _bucket(S.starts_at, bounds).label("month")).where(
            S.status.in_(held), scope.club_filter(S.club_id), _in_period(S.starts_at, bounds)
        ),
    )


def _videos(session: so.Session, scope: tenancy.Scope, bounds: Sequence[dt.datetime]) -> Counts:
    V, R = media.Video, media.Render
    return _count_by_club_month(
        session,
        sa.select(V.club_id.label("club_id"), _bucket(R.finished_at, bounds).label("month"))
        .select_from(R)
        .join(V, R.video_id == V.id)
        .where(
            R.status == media.RenderStatus.DONE,
            scope.club_filter(V.club_id),
            _in_period(R.finished_at, bounds),
        ),
    )


def _published() -> sa.ColumnElement[bool]:
    L = channels.Listing
    return sa.and_(L.external_id.is_not(None), L.external_id != "")


def _products_listed(
    session: so.Session, scope: tenancy.Scope, bounds: Sequence[dt.datetime]
) -> tuple[Counts, dict[int, int]]:
    """Distinct newly published products per club and month, and per club over the period."""
    L, A = channels.Listing, channels.ChannelAccount
    where = (_published(), scope.club_filter(A.club_id), _in_period(L.created_at, bounds))
    monthly = _count_by_club_month(
        session,
        sa.select(
            A.club_id.label("club_id"),
            _bucket(L.created_at, bounds).label("month"),
            L.product_id.label("item"),
        )
        .select_from(L)
        .join(A, L.account_id == A.id)
        .where(*where),
        distinct=True,
    )
    period = (
        sa.select(A.club_id, sa.func.count(sa.distinct(L.product_id)))
        .select_from(L)
        .join(A, L.account_id == A.id)
    )
    over_period = dict(session.execute(period.where(*where).group_by(A.club_id)).all())
    return monthly, {int(c): int(n) for c, n in over_period.items()}


def _listed_now(session: so.Session, scope: tenancy.Scope) -> dict[int, int]:
    L, A = channels.Listing, channels.ChannelAccount
    stmt = (
        sa.select(A.club_id, sa.func.count(sa.distinct(L.product_id)))
        .select_from(L)
        .join(A, L.account_id == A.id)
        .where(L.state == channels.ListingState.LIVE, scope.club_filter(A.club_id))
        .group_by(A.club_id)
    )
    return {int(c): int(n) for c, n in session.execute(stmt)}


# ---------------------------------------------------------------- the comparison


def check_allowed(scope: tenancy.Scope) -> None:
    if scope.role is not None and not permissions.allows(scope.role, "union.compare"):
        raise errors.Forbidden(
            _("Chỉ Đoàn cấp trên và quản trị viên xem được so sánh các câu lạc bộ.")
        )


def compare_clubs(
    session: so.Session,
    user: dashboards.Actor,
    first: str | None = None,
    last: str | None = None,
    sort: str | None = None,
    today: dt.date | None = None,
) -> Comparison:
    """Every club the user reaches (the Youth Union: those under its unit; an admin: all),
    per month from ``first`` to ``last`` ("YYYY-MM", Vietnam time)."""
    scope = dashboards.scope_of(session, user)
    check_allowed(scope)
    sort = sort or "name"
    if sort not in SORTS:
        message = _("Sắp xếp theo name hoặc net_gmv.")
        raise errors.ValidationError(message, fields={"sort": [message]})
    first_day, last_day = month_range(first, last, today)
    count = months_between(first_day, last_day)
    bounds = _month_starts_utc(first_day, count)
    clubs: list[orgs.Club] = tenancy.club_choices(session, scope)
    monthly: dict[str, Counts] = {name: {} for name in MONTHLY}
    listed_over_period: dict[int, int] = {}
    now_listed: dict[int, int] = {}
    if clubs:  # a unit with no clubs: nothing to ask
        monthly.update(_sales(session, scope, first_day, count))
        monthly["livestreams"] = _livestreams(session, scope, bounds)
        monthly["videos"] = _videos(session, scope, bounds)
        monthly["products_listed"], listed_over_period = _products_listed(session, scope, bounds)
        now_listed = _listed_now(session, scope)
    rows = []
    for club in clubs:
        months = [
            {name: monthly[name].get((club.id, i), 0) for name in MONTHLY} for i in range(count)
        ]
        totals = {name: sum(m[name] for m in months) for name in MONTHLY}
        totals["products_listed"] = listed_over_period.get(club.id, 0)
        totals["listed_now"] = now_listed.get(club.id, 0)
        rows.append(
            ClubRow(
                club_id=club.id,
                name=club.name,
                archived=club.is_archived,
                months=months,
                totals=totals,
            )
        )
    if sort == "net_gmv":
        rows.sort(key=lambda row: (-row.totals["net_gmv"], row.name))
    return Comparison(
        first=first_day,
        last=last_day,
        months=[add_months(first_day, i).strftime("%Y-%m") for i in range(count)],
        clubs=rows,
        totals={name: sum(row.totals[name] for row in rows) for name in SUMMARY},
        month_totals=[
            {name: sum(row.months[i][name] for row in rows) for name in MONTHLY}
            for i in range(count)
        ],
        sort=sort,
    )


def show(name: str, value: int) -> str:
    """A figure as the page prints it (money as ``1.300.000 ₫``)."""
    return dashboards.show("gmv" if name in MONEY else "orders", value)
