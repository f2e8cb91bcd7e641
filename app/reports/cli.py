"""`flask reports …`: the dashboards' figures on the command line, as text, JSON or XLSX.

    flask reports session 12 --json
    flask reports overview --from 2026-11-01 --to 2026-11-30 --xlsx thang-11.xlsx
    flask reports streamer 3 --from 2026-11-01 --to 2026-11-30
    flask reports producer 7 --month 2026-11 --xlsx bao-cao.xlsx
    flask reports clubs --as doan.quangninh --from 2026-06 --to 2026-11 --json

``--json`` prints exactly the figures the dashboard shows (raw numbers; null where the page
shows "—"). ``--as USER`` reports what that account sees (its club; a Youth Union account the
clubs under its unit); without it the command acts as a trusted operator who sees every club.
Exit codes: 0 done, 2 bad input or not allowed (message on stderr), 3 not found.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import flask
import flask.cli

from app import extensions
from app.catalog import cli as cli_catalog
from app.catalog_io import actors
from app.core import commands, errors
from app.reports import clubs as club_comparison
from app.reports import dashboards, files

EXIT_INVALID = commands.EXIT_INVALID
EXIT_NOT_FOUND = 3

reports_cli = flask.cli.AppGroup("reports", help="Báo cáo bán hàng: phiên live, streamer, CLB.")


def _fail(code: int, message: str) -> None:
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(code)


def _date(value: str, name: str) -> dt.date:
    """A day ``YYYY-MM-DD`` within the business dates (2000 … 2100), else exit 2."""
    try:
        return dashboards.parse_day(value, name)
    except errors.ValidationError as exc:
        _fail(EXIT_INVALID, f"{name}: {exc.message}")
        raise  # unreachable


def _build(build: Any) -> Any:
    """Run ``build``; a typed error becomes its exit code and message."""
    try:
        return build()
    except errors.NotFound as exc:
        _fail(EXIT_NOT_FOUND, exc.message)
    except errors.AppError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        _fail(EXIT_INVALID, f"{exc.message} {details}".strip())
    return None  # unreachable


def _write_xlsx(item: files.Printable, xlsx: Path) -> None:
    partial = xlsx.with_name(f".{xlsx.name}.partial")
    partial.write_bytes(files.xlsx_bytes(item))
    partial.replace(xlsx)  # never a half-written file under the real name


def _show_report(report: dashboards.Report) -> None:
    click.echo(f"{report.title} — {report.subtitle}")
    for note in report.notes:
        click.echo(f"  ! {note}")
    for _key, label, value in report.metric_rows():
        click.echo(f"  {label}: {value}")
    for table in report.tables:
        click.echo(f"\n{table.title}")
        for row in table.rows:
            click.echo(
                f"  {row['label']}: {dashboards.show('net_gmv', row['net_gmv'])} "
                f"({dashboards.show('orders', row['orders'])} đơn)"
            )


def _show_comparison(comparison: club_comparison.Comparison) -> None:
    click.echo(f"{comparison.title} — {comparison.subtitle}")
    if not comparison.clubs:
        click.echo("  Đơn vị chưa có câu lạc bộ nào.")
    rows = [(row.name, row.totals) for row in comparison.clubs]
    rows.append(("Tổng các CLB", comparison.totals))
    for name, totals in rows:
        figures = ", ".join(
            f"{club_comparison.LABELS[key]}: {club_comparison.show(key, totals[key])}"
            for key in club_comparison.SUMMARY
        )
        click.echo(f"  {name}: {figures}")


_json = click.option("--json", "as_json", is_flag=True, help="In số liệu dạng JSON.")
_xlsx = click.option(
    "--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Ghi tệp Excel."
)
_as = click.option("--as", "username", default=None, help="Xem như tài khoản này thấy.")


def _report(show: Callable[[Any], None] = _show_report) -> Callable[[Callable[..., Any]], Any]:
    """A report command: ``--json``, ``--xlsx`` and ``--as`` added to the command's own
    arguments; the function gets the account first and returns the report (or comparison),
    written to the Excel file, then printed as JSON or as text by ``show``."""

    def decorate(build: Callable[..., Any]) -> Any:
        @_json
        @_xlsx
        @_as
        @functools.wraps(build)
        def run(
            *args: Any, as_json: bool, xlsx: Path | None, username: str | None, **kwargs: Any
        ) -> None:
            user = cli_catalog.actor(username)
            item = _build(lambda: build(user, *args, **kwargs))
            if xlsx is not None:
                _write_xlsx(item, xlsx)
            if as_json:
                click.echo(json.dumps(item.as_json(), ensure_ascii=False, indent=2, default=str))
                return
            show(item)
            if xlsx is not None:
                click.echo(f"\nĐã ghi {xlsx}")

        return run

    return decorate


@reports_cli.command("session")
@click.argument("session_id", type=int)
@click.option("--minutes", type=click.Choice(["5", "15"]), default="5", show_default=True)
@_report()
def session_command(user: actors.Actor, session_id: int, minutes: str) -> dashboards.Report:
    """Một phiên live: mọi chỉ số, theo sản phẩm, theo thời gian."""
    return dashboards.session_report(extensions.session(), user, session_id, int(minutes))


@reports_cli.command("overview")
@click.option("--from", "start", required=True, help="Ngày đầu (NNNN-TT-NN, giờ Việt Nam).")
@click.option("--to", "end", required=True, help="Ngày cuối (tính cả ngày này).")
@click.option("--club", "club_id", type=int, default=None, help="Chỉ câu lạc bộ này.")
@_report()
def overview_command(
    user: actors.Actor, start: str, end: str, club_id: int | None
) -> dashboards.Report:
    """Tổng quan câu lạc bộ trong một khoảng ngày (mọi CLB trong phạm vi, hoặc --club)."""
    first, last = _date(start, "--from"), _date(end, "--to")
    return dashboards.club_overview(extensions.session(), user, first, last, club_id)


@reports_cli.command("streamer")
@click.argument("streamer_id", type=int)
@click.option("--from", "start", required=True)
@click.option("--to", "end", required=True)
@_report()
def streamer_command(
    user: actors.Actor, streamer_id: int, start: str, end: str
) -> dashboards.Report:
    """Một streamer trong một khoảng ngày."""
    first, last = _date(start, "--from"), _date(end, "--to")
    return dashboards.streamer_report(extensions.session(), user, streamer_id, first, last)


@reports_cli.command("producer")
@click.argument("producer_id", type=int)
@click.option("--month", required=True, help="Tháng, dạng NNNN-TT.")
@_report()
def producer_command(user: actors.Actor, producer_id: int, month: str) -> dashboards.Report:
    """Báo cáo tháng của một chủ thể sản xuất (chỉ sản phẩm của chủ thể)."""
    return dashboards.producer_report(extensions.session(), user, producer_id, month)


@reports_cli.command("clubs")
@click.option("--from", "first", default=None, help="Tháng đầu (NNNN-TT); mặc định 5 tháng trước.")
@click.option("--to", "last", default=None, help="Tháng cuối (tính cả tháng này).")
@click.option("--sort", type=click.Choice(club_comparison.SORTS), default="name", show_default=True)
@_report(_show_comparison)
def clubs_command(
    user: actors.Actor, first: str | None, last: str | None, sort: str
) -> club_comparison.Comparison:
    """So sánh các câu lạc bộ theo tháng (Đoàn cấp trên: các CLB thuộc đơn vị)."""
    return club_comparison.compare_clubs(extensions.session(), user, first, last, sort)
