"""Dashboards: a session, a streamer, the club over a period, a producer's month.

Each function checks who may see what, loads the frames (reports.loading), asks `analytics/`
for the figures and returns a ``Report``: the same figures the pages draw, the CLI prints
as JSON and the CSV/XLSX downloads hold.

Who sees which clubs is ``app.tenancy``'s decision: staff their club, an admin every club (or
the one picked with ``club_id``), the Youth Union the clubs under its unit (never a buyer's
contact details: no report carries them). Producers see only their own products' lines, from
every club that sold them, labelled by club. Audience and viewing figures belong to a whole
stream, so a producer's report leaves them out ("—") rather than set the stream's views
against one producer's sales.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from analytics import frames as analytics_frames
from analytics import metrics, overview, timeseries
from app.catalog_io import actors
from app.core import errors, formatting, labels, tenancy, validators
from app.live import common as live_common
from app.models import accounts, live, orgs
from app.reports import loading

Role = accounts.Role
Actor = actors.Actor

_MONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

MONEY = {"gmv", "net_gmv", "aov", "gpm", "revenue_per_viewer"}
PERCENT = {"product_ctr", "cvr", "ctor", "viewer_conversion"}
SECONDS = {"average_watch_seconds"}
MINUTES = {"total_watch_minutes"}
DECIMAL = {"average_concurrent_viewers"}

METRIC_LABELS: dict[str, Any] = {
    "gmv": _l("GMV (gồm đơn hủy/trả)"),
    "net_gmv": _l("GMV thực (trừ hủy/trả)"),
    "orders": _l("Đơn hợp lệ"),
    "units": _l("Sản phẩm bán"),
    "buyers": _l("Người mua"),
    "aov": _l("Giá trị TB/đơn (AOV)"),
    "views": _l("Lượt xem"),
    "unique_viewers": _l("Người xem"),
    "product_clicks": _l("Lượt bấm sản phẩm"),
    "product_visitors": _l("Người xem sản phẩm"),
    "gpm": _l("GPM (GMV/1000 lượt xem)"),
    "revenue_per_viewer": _l("Doanh thu/người xem"),
    "product_ctr": _l("CTR sản phẩm"),
    "cvr": _l("Tỷ lệ chuyển đổi (CVR)"),
    "ctor": _l("CTOR"),
    "viewer_conversion": _l("Người xem → người mua"),
    "peak_concurrent_viewers": _l("Người xem đồng thời cao nhất"),
    "total_watch_minutes": _l("Tổng thời gian xem (người·phút)"),
    "average_watch_seconds": _l("Thời gian xem TB"),
    "average_concurrent_viewers": _l("Người xem đồng thời TB"),
}
CARDS = ("gmv", "net_gmv", "orders", "units", "buyers", "aov", "gpm", "viewer_conversion")
BREAKDOWN_LABELS: dict[str, Any] = {
    "club": _l("Theo câu lạc bộ"),
    "session": _l("Theo phiên live"),
    "product": _l("Theo sản phẩm"),
    "streamer": _l("Theo streamer"),
    "platform": _l("Theo sàn"),
    "producer": _l("Theo chủ thể"),
    "ocop_group": _l("Theo ngành OCOP"),
    "ocop_stars": _l("Theo hạng sao"),
}
GROUP_TITLES: dict[str, Any] = {
    "club": _l("Câu lạc bộ"),
    "session": _l("Phiên live"),
    "product": _l("Sản phẩm"),
    "streamer": _l("Streamer"),
    "platform": _l("Sàn"),
    "producer": _l("Chủ thể"),
    "ocop_group": _l("Ngành OCOP"),
    "ocop_stars": _l("Hạng sao"),
}
TABLE_METRICS = ("gmv", "net_gmv", "orders", "units", "buyers", "aov")
# Breakdown name → the ``lines`` column it groups by (analytics' breakdowns, and the club).
BREAKDOWN_COLUMNS: dict[str, str] = {"club": "club_id", **metrics.BREAKDOWNS}


def show(name: str, value: Any) -> str:
    """A metric as the dashboards print it, through ``app.formatting`` in the page's locale
    ("—" when there is no figure): money '1.090.000 ₫', ratios '0,2%', watch time
    '17 phút 30 giây', averages '1,2', counts '1.234'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return formatting.MISSING
    if name in MONEY:
        return formatting.vnd(value)
    if name in PERCENT:
        return formatting.percent(value)
    if name in SECONDS:
        return formatting.duration(value)
    if name in MINUTES:  # viewer-minutes, whole
        return formatting.number(round(value))
    if name in DECIMAL:
        return formatting.decimal_number(value, 1)
    return formatting.number(value)


@dataclasses.dataclass
class Table:
    key: str
    title: str
    group_title: str
    metrics: tuple[str, ...]
    rows: list[dict[str, Any]]  # {"label": str, "key": group value, <metric>: raw value}

    def headers(self) -> list[str]:
        return [self.group_title] + [str(METRIC_LABELS[m]) for m in self.metrics]

    def raw_rows(self) -> list[list[Any]]:
        return [[row["label"]] + [row[m] for m in self.metrics] for row in self.rows]


@dataclasses.dataclass
class Series:
    labels: list[str]  # local HH:MM of each bucket start
    gmv: list[int]
    orders: list[int]
    viewers: list[float | None]
    bands: list[tuple[float, float, str]]  # (first bucket, end bucket exclusive, code)
    minutes: int


@dataclasses.dataclass
class Report:
    kind: str
    title: str
    subtitle: str
    totals: dict[str, Any]
    tables: list[Table]
    series: Series | None = None
    audience_shown: bool = True
    lines: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    filename: str = "bao-cao"
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)  # why figures are missing

    def cards(self) -> list[tuple[str, str, str]]:
        keys = CARDS if self.audience_shown else TABLE_METRICS
        return [(k, str(METRIC_LABELS[k]), show(k, self.totals.get(k))) for k in keys]

    def metric_rows(self) -> list[tuple[str, str, str]]:
        names = metrics.METRICS if self.audience_shown else metrics.SALES
        return [(k, str(METRIC_LABELS[k]), show(k, self.totals.get(k))) for k in names]

    def as_json(self) -> dict[str, Any]:
        """Plain figures (the CLI's --json): raw numbers, None where the page shows "—"."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "title": self.title,
            "subtitle": self.subtitle,
            **self.meta,
            "totals": {k: self.totals.get(k) for k in metrics.METRICS},
            "notes": list(self.notes),
            "breakdowns": {
                t.key: [
                    {"label": r["label"], "key": r["key"], **{m: r[m] for m in t.metrics}}
                    for r in t.rows
                ]
                for t in self.tables
            },
        }
        if self.series is not None:
            out["series"] = {
                "minutes": self.series.minutes,
                "buckets": [
                    {"start": label, "gmv": g, "orders": o, "average_viewers": v}
                    for label, g, o, v in zip(
                        self.series.labels,
                        self.series.gmv,
                        self.series.orders,
                        self.series.viewers,
                        strict=True,
                    )
                ],
                "slots": [{"code": c, "first": a, "end": b} for a, b, c in self.series.bands],
            }
        return out


# ---------------------------------------------------------------- who sees what


def scope_of(session: so.Session, user: Actor) -> tenancy.Scope:
    """The user's club scope (``app.tenancy``); the command line without ``--as`` is the
    operator, who sees every club."""
    return tenancy.scope_for(session, user if isinstance(user, accounts.User) else None)


def _staff_only(scope: tenancy.Scope) -> None:
    """Club dashboards are for club staff, admins and the Youth Union, not producers."""
    if scope.producer_id is not None:
        raise errors.Forbidden(
            _("Chủ thể sản xuất chỉ xem báo cáo sản phẩm của mình (mục Báo cáo).")
        )


def selected_clubs(
    session: so.Session, scope: tenancy.Scope, club_id: int | None
) -> frozenset[int] | None:
    """The clubs a club-level page covers: ``club_id`` (404 when out of scope or unknown), else
    every club of the scope (None: every club)."""
    if club_id is None:
        return scope.club_ids
    scope.check(club_id, _("Không tìm thấy câu lạc bộ."))
    if session.get(orgs.Club, club_id) is None:
        raise errors.NotFound(_("Không tìm thấy câu lạc bộ."))
    return frozenset({club_id})


# ---------------------------------------------------------------- building blocks


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value


def _tables(
    frames: loading.Frames,
    names: tuple[str, ...],
    table_metrics: tuple[str, ...],
    audience: bool,
    computed: dict[str, pd.DataFrame] | None = None,
) -> list[Table]:
    known = frames.labels
    label_of: dict[str, Callable[[Any], str]] = {
        "club": lambda k: known["club"].get(k, "—"),
        "product": lambda k: known["product"].get(k, _("(chưa khớp danh mục)")),
        "producer": lambda k: known["producer"].get(k, _("(không rõ)")),
        "streamer": lambda k: known["streamer"].get(k, _("(chưa gán streamer)")),
        "session": lambda k: known["session"].get(k, _("(ngoài phiên live)")),
        "platform": lambda k: labels.platform_label(k) if k is not None else "—",
        "ocop_group": lambda k: str(k) if k is not None else _("(chưa phân ngành)"),
        "ocop_stars": lambda k: f"{int(k)}★" if k is not None else _("(chưa có sao)"),
    }
    tables = []
    for name in names:
        column = BREAKDOWN_COLUMNS[name]
        if computed is not None and name in computed:
            table = computed[name]
        else:
            table = metrics.breakdown(
                frames.lines,
                column,
                frames.audience if audience else None,
                frames.viewer_sessions if audience else None,
                frames.sessions if audience else None,
            )
        rows = []
        for record in table.to_dict("records"):
            key = _plain(record[column])
            if isinstance(key, float) and key.is_integer():
                key = int(key)
            row = {"key": key, "label": label_of[name](key)}
            row.update({m: _plain(record[m]) for m in table_metrics})
            rows.append(row)
        tables.append(
            Table(
                key=name,
                title=str(BREAKDOWN_LABELS[name]),
                group_title=str(GROUP_TITLES[name]),
                metrics=table_metrics,
                rows=rows,
            )
        )
    return tables


def _totals(frames: loading.Frames, audience: bool, viewing: bool = True) -> dict[str, Any]:
    """The report's figures; ``viewing=False`` leaves the viewer-session ones out ("—")."""
    if audience:
        figures = metrics.summary(
            frames.lines,
            frames.audience,
            frames.viewer_sessions if viewing else None,
            frames.sessions if viewing else None,
        )
    else:
        figures = metrics.summary(frames.lines)
    return {k: _plain(v) for k, v in figures.items()}


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local dates [start, end] inclusive → UTC [from, to)."""
    if end < start:
        raise errors.ValidationError(
            _("Ngày kết thúc phải sau ngày bắt đầu."),
            fields={"end": [_("Ngày kết thúc phải sau ngày bắt đầu.")]},
        )
    if (end - start).days > 366:
        raise errors.ValidationError(
            _("Chọn khoảng tối đa một năm."), fields={"end": [_("Tối đa 366 ngày.")]}
        )
    midnight = dt.time()
    return (
        live_common.local_to_utc(start, midnight),
        live_common.local_to_utc(end + dt.timedelta(days=1), midnight),
    )


def _order_lines(frames: loading.Frames) -> list[dict[str, Any]]:
    lines = frames.lines
    out = []
    for row in lines.to_dict("records"):
        placed = pd.Timestamp(row["placed_at"]).to_pydatetime()
        product_id = _plain(row["product_id"])
        out.append(
            {
                "placed_at": formatting.local_datetime(placed),
                "club": frames.labels["club"].get(_plain(row["club_id"]), ""),
                "platform": labels.platform_label(row["platform"]),
                "platform_code": row["platform"],
                "order": row["external_id"],
                "session": frames.labels["session"].get(_plain(row["session_id"]), ""),
                "sku": row["seller_sku"],
                "product": (
                    frames.labels["product"].get(int(product_id), row["product_name"])
                    if product_id is not None
                    else row["product_name"]
                ),
                "quantity": int(row["quantity"]),
                "unit_price": int(row["unit_price"]),
                "amount": int(row["amount"]),
                "status": labels.order_status_label(row["status"]),
                "status_code": row["status"],
            }
        )
    return out


# ---------------------------------------------------------------- the dashboards


def session_report(session: so.Session, user: Actor, session_id: int, minutes: int = 5) -> Report:
    scope = scope_of(session, user)
    _staff_only(scope)
    stream = scope.find(session, live.LiveSession, session_id, _("Không tìm thấy phiên live."))
    if minutes not in timeseries.BUCKET_MINUTES:
        raise errors.ValidationError(
            _("Chọn 5 hoặc 15 phút."), fields={"minutes": [_("Chọn 5 hoặc 15 phút.")]}
        )
    frames = loading.load(
        session, loading.Selection(club_ids=[stream.club_id], session_ids=[session_id])
    )
    # A stored time the analytics cannot place (a year 9999 restored from an old bug): the
    # sales figures stand, the viewer figures and the time buckets are left out, and said so.
    placeable = analytics_frames.representable(stream.starts_at) and (
        analytics_frames.representable(stream.ends_at)
    )
    notes = (
        []
        if placeable
        else [
            _(
                "Thời gian đã lưu của phiên nằm ngoài khoảng tính được (năm 1677–2262), nên "
                "không có số liệu người xem và diễn biến trong phiên. Hãy sửa giờ của phiên."
            )
        ]
    )
    totals = _totals(frames, audience=True, viewing=placeable)
    tables = _tables(frames, ("product", "platform"), TABLE_METRICS, audience=False)
    ts = timeseries.session_timeseries(
        frames.lines,
        {"session_id": stream.id, "start": stream.starts_at, "end": stream.ends_at},
        frames.slots,
        frames.viewer_sessions if placeable and len(frames.viewer_sessions) else None,
        minutes=minutes,
    )
    buckets = ts.buckets
    series = Series(
        labels=[
            formatting.local_time(pd.Timestamp(t).to_pydatetime()) for t in buckets["bucket_start"]
        ],
        gmv=[int(v) for v in buckets["gmv"]],
        orders=[int(v) for v in buckets["orders"]],
        viewers=[_plain(v) for v in buckets["average_viewers"]],
        bands=[
            (float(r["first_bucket"]), float(r["last_bucket"]) + 1, str(r["code"]))
            for r in ts.slots.to_dict("records")
        ],
        minutes=minutes,
    )
    hosts = ", ".join(h.display_name for h in stream.hosts) or _("chưa có người dẫn")
    when = f"{formatting.local_datetime(stream.starts_at)}–{formatting.local_time(stream.ends_at)}"
    return Report(
        kind="session",
        title=stream.title,
        subtitle=" · ".join(
            (stream.club.name, when, labels.platform_label(stream.platform), hosts)
        ),
        totals=totals,
        tables=tables,
        series=series,
        lines=_order_lines(frames),
        filename=f"phien-live-{stream.id}",
        meta={"session_id": stream.id, "club_id": stream.club_id},
        notes=notes,
    )


def streamer_report(
    session: so.Session,
    user: Actor,
    streamer_id: int,
    start: dt.date,
    end: dt.date,
) -> Report:
    scope = scope_of(session, user)
    _staff_only(scope)
    streamer = scope.find(session, live.Streamer, streamer_id, _("Không tìm thấy streamer."))
    lo, hi = period_bounds(start, end)
    frames = loading.load(
        session,
        loading.Selection(club_ids=[streamer.club_id], start=lo, end=hi, streamer_id=streamer_id),
    )
    return Report(
        kind="streamer",
        title=streamer.display_name,
        subtitle=f"{streamer.club.name} · {_period_text(start, end)}",
        totals=_totals(frames, audience=True),
        tables=_tables(frames, ("session", "product", "platform"), TABLE_METRICS, audience=True)
        if len(frames.lines)
        else [],
        lines=_order_lines(frames),
        filename=f"streamer-{streamer.id}-{start.isoformat()}-{end.isoformat()}",
        meta={
            "streamer_id": streamer.id,
            "club_id": streamer.club_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
    )


def _period_text(start: dt.date, end: dt.date) -> str:
    return f"{formatting.local_date(start)} – {formatting.local_date(end)}"


def _clubs_title(session: so.Session, clubs: frozenset[int] | None) -> str:
    if clubs is not None and len(clubs) == 1:
        club = session.get(orgs.Club, next(iter(clubs)))
        if club is not None:
            return club.name
    if clubs is None:
        return _("Tất cả câu lạc bộ")
    return _("Các câu lạc bộ thuộc đơn vị (%(n)d)", n=len(clubs))


def club_overview(
    session: so.Session,
    user: Actor,
    start: dt.date,
    end: dt.date,
    club_id: int | None = None,
) -> Report:
    """The club over a period: the user's club, or (admin, Youth Union) ``club_id`` or all
    the clubs they reach together, with a per-club table then."""
    scope = scope_of(session, user)
    _staff_only(scope)
    clubs = selected_clubs(session, scope, club_id)
    lo, hi = period_bounds(start, end)
    frames = loading.load(session, loading.Selection(club_ids=clubs, start=lo, end=hi))
    result = overview.club_overview(
        frames.lines, frames.audience, frames.viewer_sessions, frames.sessions
    )
    totals = {k: _plain(v) for k, v in result.totals.items()}
    names = ["session", "streamer", "platform", "product", "producer", "ocop_group", "ocop_stars"]
    if clubs is None or len(clubs) > 1:
        names.insert(0, "club")
    tables = (
        _tables(frames, tuple(names), TABLE_METRICS, audience=True, computed=result.breakdowns)
        if len(frames.lines)
        else []
    )
    single = next(iter(clubs)) if clubs is not None and len(clubs) == 1 else None
    return Report(
        kind="overview",
        title=_clubs_title(session, clubs),
        subtitle=_period_text(start, end),
        totals=totals,
        tables=tables,
        lines=_order_lines(frames),
        filename=f"tong-quan-{start.isoformat()}-{end.isoformat()}"
        + (f"-clb-{single}" if single is not None else ""),
        meta={"start": start.isoformat(), "end": end.isoformat(), "club_id": single},
    )


def overview_size(
    session: so.Session, user: Actor, start: dt.date, end: dt.date, club_id: int | None = None
) -> int:
    """How many order lines :func:`club_overview` would read for this user and period: the
    pages choose by it between the exact overview over the lines and the view over the
    aggregates (``region``) when a period of many clubs holds too many lines."""
    scope = scope_of(session, user)
    _staff_only(scope)
    clubs = selected_clubs(session, scope, club_id)
    lo, hi = period_bounds(start, end)
    return loading.count_lines(session, loading.Selection(club_ids=clubs, start=lo, end=hi))


def month_problem(month: str) -> str | None:
    """Why ``month`` is not a report month ``YYYY-MM`` within the business dates (01/2000 …
    12/2100, ``app.validators``), or None; month arithmetic near years 1 and 9999 would leave
    the calendar."""
    if validators.parse_business_month(month) is not None:
        return None
    if _MONTH_RE.fullmatch(str(month or "").strip()):
        return _(
            "Tháng phải trong khoảng %(first)s – %(last)s.",
            first=validators.FIRST_BUSINESS_DAY.strftime("%m/%Y"),
            last=validators.LAST_BUSINESS_DAY.strftime("%m/%Y"),
        )
    return _("Tháng phải có dạng NNNN-TT, ví dụ 2026-11.")


def month_bounds(month: str, field: str = "month") -> tuple[dt.date, dt.date]:
    """'2026-11' → (1 Nov, 30 Nov); a 422 naming ``field`` for a month ``month_problem``
    refuses."""
    first = validators.parse_business_month(month)
    if first is None:
        message = month_problem(month) or ""
        raise errors.ValidationError(message, fields={field: [message]})
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def parse_day(raw: str, field: str) -> dt.date:
    """A report's day ``YYYY-MM-DD`` (Vietnam time) within the business dates; a 422 naming
    ``field`` otherwise."""
    value = str(raw or "").strip()
    day = validators.parse_business_date(value)
    if day is not None:
        return day
    if _DAY_RE.fullmatch(value):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:  # a real day, outside 2000 … 2100
            message = str(validators.business_days_message())
            raise errors.ValidationError(message, fields={field: [message]})
    raise errors.ValidationError(
        _("Ngày không hợp lệ: %(value)s (dạng NNNN-TT-NN).", value=value[:40]),
        fields={field: [_("Dạng NNNN-TT-NN.")]},
    )


def producer_report(
    session: so.Session, user: Actor, producer_id: int | None, month: str
) -> Report:
    """A producer's month: only their products' lines.

    A producer account sees its own organisation's lines from every club that sold them, each
    labelled by club (the per-club table and the club column of the lines); staff and the
    Youth Union see a producer their clubs work with, and only their clubs' lines.
    """
    scope = scope_of(session, user)
    if scope.producer_id is not None:
        if scope.producer_id < 0:
            raise errors.Forbidden(_("Tài khoản chưa gắn với chủ thể sản xuất nào."))
        if producer_id is not None and producer_id != scope.producer_id:
            raise errors.NotFound(_("Không tìm thấy chủ thể sản xuất."))
        producer_id = scope.producer_id
        clubs: frozenset[int] | None = None  # every club that sold their products
    else:
        if producer_id is None:
            raise errors.ValidationError(
                _("Chọn chủ thể sản xuất."), fields={"producer_id": [_("Bắt buộc.")]}
            )
        if not scope.sees_producer(session, producer_id):
            raise errors.NotFound(_("Không tìm thấy chủ thể sản xuất."))
        clubs = scope.club_ids
    producer = session.get(orgs.Producer, producer_id)
    if producer is None:
        raise errors.NotFound(_("Không tìm thấy chủ thể sản xuất."))
    start, end = month_bounds(month)
    lo, hi = period_bounds(start, end)
    frames = loading.load(
        session, loading.Selection(club_ids=clubs, start=lo, end=hi, producer_id=producer_id)
    )
    return Report(
        kind="producer",
        title=producer.name,
        subtitle=_("Tháng %(month)s", month=start.strftime("%m/%Y")),
        totals=_totals(frames, audience=False),
        tables=_tables(
            frames, ("club", "product", "session", "platform"), TABLE_METRICS, audience=False
        )
        if len(frames.lines)
        else [],
        audience_shown=False,
        lines=_order_lines(frames),
        filename=f"bao-cao-{producer.id}-{month}",
        meta={"producer_id": producer.id, "month": month},
    )


def producer_choices(session: so.Session, user: Actor) -> list[tuple[int, str]]:
    """Producers a staff member (or the Youth Union) may open a report for: their clubs'."""
    scope = scope_of(session, user)
    if scope.producer_id is not None:
        return []
    P = orgs.Producer
    stmt = sa.select(P.id, P.name).where(scope.producer_filter(P.id)).order_by(P.name)
    return [(row.id, row.name) for row in session.execute(stmt)]


def club_choices(session: so.Session, user: Actor) -> list[tuple[int, str]]:
    """The clubs a user may pick on the overview (the scope's; one for club staff)."""
    scope = scope_of(session, user)
    return [(club.id, club.name) for club in tenancy.club_choices(session, scope)]


def streamer_choices(
    session: so.Session, user: Actor, club_id: int | None = None
) -> list[tuple[int, str]]:
    scope = scope_of(session, user)
    S = live.Streamer
    stmt = (
        sa.select(S.id, S.display_name)
        .where(scope.club_filter(S.club_id))
        .order_by(S.display_name, S.id)
    )
    if club_id is not None:
        stmt = stmt.where(S.club_id == club_id)
    return [(row.id, row.display_name) for row in session.execute(stmt)]


def recent_sessions(
    session: so.Session, user: Actor, limit: int = 20, club_id: int | None = None
) -> list[live.LiveSession]:
    scope = scope_of(session, user)
    _staff_only(scope)
    S = live.LiveSession
    stmt = (
        sa.select(S)
        .where(S.status != live.SessionStatus.CANCELLED, scope.club_filter(S.club_id))
        .order_by(S.starts_at.desc())
        .limit(limit)
        .options(so.selectinload(S.club))
    )
    if club_id is not None:
        stmt = stmt.where(S.club_id == club_id)
    return list(session.scalars(stmt))
