"""Sales dashboards: the club over a period, one livestream, one streamer, a producer's month,
and the Youth Union's comparison of its clubs.

Each page can be downloaded as CSV (one part, UTF-8 with BOM) or XLSX (every part): add
``format=csv|xlsx`` (and ``part=`` for CSV) to the page's address. Which clubs a page covers is
``app.tenancy``'s decision, taken in the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask
import flask_login
from flask_babel import gettext as _

from app import extensions
from app.catalog import service as catalog_service
from app.core import errors, formatting, permissions, validators
from app.http import helpers
from app.reports import charts, dashboards, files, region
from app.reports import clubs as club_comparison

bp = flask.Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
# The app-wide formatters and label tables (also installed by the factory; idempotent).


def _date(name: str, default: dt.date) -> dt.date:
    raw = flask.request.args.get(name, "").strip()
    return dashboards.parse_day(raw, name) if raw else default


def _period() -> tuple[dt.date, dt.date]:
    today = catalog_service.today_local()
    return _date("start", today.replace(day=1)), _date("end", today)


def _int_arg(name: str, default: int | None = None) -> int | None:
    raw = flask.request.args.get(name, "").strip()
    if not raw:
        return default
    # ASCII digits within an id's range: '²' passes str.isdigit() and int() refuses it.
    value = validators.parse_int(raw, 0, validators.MAX_ID)
    if value is None:
        raise errors.ValidationError(
            _("Giá trị không hợp lệ: %(value)s.", value=raw[:40]),
            fields={name: [_("Phải là số.")]},
        )
    return value


def _render(
    template: str, report: dashboards.Report | club_comparison.Comparison, **context: Any
) -> Any:
    """The page, or with ``format=csv|xlsx`` the same report as a download."""
    fmt = flask.request.args.get("format", "").lower()
    if fmt:
        part = flask.request.args.get("part", "summary")
        return helpers.send_download(files.download(report, fmt, part))
    return flask.render_template(template, report=report, **context)


@bp.app_template_global()
def chart_columns(labels: list[str], values: list[float], **kw: Any) -> Any:
    bands = [charts.Band(a, b, code) for a, b, code in kw.pop("bands", [])]
    return charts.columns(labels, values, bands=bands, **kw)


@bp.app_template_global()
def chart_bars(rows: list[tuple[str, float]], **kw: Any) -> Any:
    return charts.bars(rows, **kw)


@bp.app_template_global()
def money_short(value: float) -> str:
    return formatting.vnd(value)


@bp.app_template_global()
def report_url(args: dict[str, Any], **extra: Any) -> str:
    """This report page's address with its period and the download options."""
    values = {**(flask.request.view_args or {}), **args, **extra}
    return flask.url_for(flask.request.endpoint or "reports.index", **values)


@bp.app_template_global()
def link_url(link: tuple[str, str], key: Any, **extra: Any) -> str:
    endpoint, name = link
    return flask.url_for(endpoint, **{name: key, **extra})


@bp.app_template_global()
def show_metric(name: str, value: Any) -> str:
    return dashboards.show(name, value)


@bp.app_template_global()
def bar_rows(table: dashboards.Table, limit: int = 12) -> list[tuple[str, float]]:
    """The chart beside a breakdown table: Net GMV of its first rows."""
    return [(str(row["label"]), float(row["net_gmv"] or 0)) for row in table.rows[:limit]]


def _page_or_file(item: files.Printable, part: str, template: str, **context: Any) -> Any:
    """The page, or with ``format`` (csv: one ``part``; xlsx) its figures as a download."""
    args = flask.request.args
    fmt = args.get("format", "").lower()
    if fmt:
        return helpers.send_download(files.download(item, fmt, args.get("part", part)))
    return flask.render_template(template, **context)


@bp.route("/")
@permissions.require("reports.view")
def index() -> Any:
    user = flask_login.current_user
    if user.role.value == "producer":
        return flask.redirect(flask.url_for("reports.producer"))
    start, end = _period()
    club_id = _int_arg("club")
    db = extensions.session()
    if club_id is None and permissions.can(user, "union.compare"):
        # many clubs over a long period: too many lines to read per request; the monthly
        # aggregates answer instead (a club's own overview always reads its lines: exact)
        size = dashboards.overview_size(db, user, start, end)
        if size > flask.current_app.config["REPORT_RAW_LINES"]:
            flask.flash(
                _(
                    "Kỳ này có %(n)s dòng đơn của nhiều câu lạc bộ: báo cáo đọc số liệu tổng hợp "
                    "theo tháng (tiền, đơn, sản phẩm chính xác; người mua ước tính).",
                    n=formatting.number(size),
                )
            )
            months: dict[str, Any] = {"from": start.strftime("%Y-%m"), "to": end.strftime("%Y-%m")}
            return flask.redirect(flask.url_for("reports.region_page", **months))
    report = dashboards.club_overview(db, user, start, end, club_id)
    return _render(
        "reports/overview.html",
        report,
        start=start,
        end=end,
        club_id=club_id,
        clubs=dashboards.club_choices(db, user),
        sessions=dashboards.recent_sessions(db, user, club_id=club_id),
        streamers=dashboards.streamer_choices(db, user, club_id),
    )


@bp.route("/clubs")
@permissions.require("union.compare")
def clubs() -> Any:
    """The Youth Union's comparison: its clubs per month (admins: every club)."""
    args = flask.request.args
    comparison = club_comparison.compare_clubs(
        extensions.session(),
        flask_login.current_user,
        args.get("from"),
        args.get("to"),
        args.get("sort") or None,
    )
    return _page_or_file(
        comparison,
        "clubs",
        "reports/clubs.html",
        comparison=comparison,
        labels=club_comparison.LABELS,
        summary=club_comparison.SUMMARY,
        monthly=club_comparison.MONTHLY,
        show_figure=club_comparison.show,
    )


@bp.route("/region")
@permissions.require("union.compare")
def region_page() -> Any:
    """The province view (a Youth Union) or the national one (an admin), from the aggregates."""
    args = flask.request.args
    view = region.region_view(
        extensions.session(),
        flask_login.current_user,
        args.get("from"),
        args.get("to"),
        _int_arg("province"),
    )
    return _page_or_file(
        view,
        "places",
        "reports/region.html",
        view=view,
        labels=region.LABELS,
        figures=region.FIGURES,
        breakdowns=region.BREAKDOWNS,
        show_figure=region.show,
    )


@bp.route("/sessions/<int:session_id>")
@permissions.require("reports.club")
def session(session_id: int) -> Any:
    minutes = _int_arg("minutes", 5) or 5
    report = dashboards.session_report(
        extensions.session(), flask_login.current_user, session_id, minutes
    )
    return _render("reports/session.html", report, minutes=minutes, session_id=session_id)


@bp.route("/streamers/<int:streamer_id>")
@permissions.require("reports.club")
def streamer(streamer_id: int) -> Any:
    start, end = _period()
    report = dashboards.streamer_report(
        extensions.session(), flask_login.current_user, streamer_id, start, end
    )
    return _render("reports/streamer.html", report, start=start, end=end, streamer_id=streamer_id)


@bp.route("/producer")
@permissions.require("reports.view")
def producer() -> Any:
    user = flask_login.current_user
    month = flask.request.args.get("month", "").strip() or catalog_service.today_local().strftime(
        "%Y-%m"
    )
    producer_id = _int_arg("producer_id")
    choices = dashboards.producer_choices(extensions.session(), user)
    if producer_id is None and user.role.value != "producer":
        if not choices:
            return flask.render_template(
                "reports/producer.html", report=None, month=month, choices=choices, producer_id=None
            )
        producer_id = choices[0][0]
    report = dashboards.producer_report(extensions.session(), user, producer_id, month)
    return _render(
        "reports/producer.html",
        report,
        month=month,
        choices=choices,
        producer_id=report.meta["producer_id"],
    )
