"""`flask rollups …`: the sales aggregates behind the province and national views.

    flask rollups status              # cells waiting for the refresh job
    flask rollups refresh             # remake the stale cells now (what the beat chore does)
    flask rollups rebuild [--club 3] [--mark-only]
    flask rollups check [--month 2026-11] [--club 3]

``rebuild`` throws the aggregates away and remakes them from the order lines (``--mark-only``
leaves the remaking to the workers: run as many as there are machines). ``check`` computes
every figure afresh from the lines and compares: exit 0 equal, 1 differences (listed), 2 bad
input.
"""

from __future__ import annotations

import sys

import click
import flask
import flask.cli

from app import extensions
from app.core import commands, errors, validators
from app.rollups import check as checking
from app.rollups import refresh, stale

EXIT_DIFFERENT = 1

rollups_cli = flask.cli.AppGroup("rollups", help="Số liệu tổng hợp cho báo cáo tỉnh, toàn quốc.")


def _progress(done: refresh.Refreshed) -> None:
    click.echo(f"  … {done.cells} ô (CLB × tháng), {done.regions} vùng × tháng", err=True)


@rollups_cli.command("status")
def status_command() -> None:
    """Số ô (CLB × tháng) đang chờ tính lại."""
    click.echo(f"Đang chờ tính lại: {stale.waiting(extensions.session())} ô (CLB × tháng)")


@rollups_cli.command("refresh")
def refresh_command() -> None:
    """Tính lại ngay các ô có đơn hàng thay đổi."""
    done = refresh.refresh(extensions.session(), progress=_progress)
    click.echo(f"Đã tính lại {done.cells} ô (CLB × tháng) trong {done.rounds} lượt.")


@rollups_cli.command("rebuild")
@click.option("--club", "club_ids", type=int, multiple=True, help="Chỉ CLB này (lặp lại được).")
@click.option("--mark-only", is_flag=True, help="Chỉ đánh dấu; để worker tính.")
def rebuild_command(club_ids: tuple[int, ...], mark_only: bool) -> None:
    """Bỏ số liệu tổng hợp và tính lại từ các dòng đơn hàng."""
    session = extensions.session()
    marked = refresh.mark_all(session, list(club_ids) if club_ids else None)
    click.echo(f"Đã đánh dấu {marked} ô (CLB × tháng) cần tính lại.")
    if not mark_only:
        done = refresh.refresh(session, progress=_progress)
        click.echo(f"Đã tính lại {done.cells} ô (CLB × tháng) trong {done.rounds} lượt.")


@rollups_cli.command("check")
@click.option("--month", "months", multiple=True, help="Tháng NNNN-TT (lặp lại được).")
@click.option("--club", "club_ids", type=int, multiple=True, help="Chỉ CLB này.")
def check_command(months: tuple[str, ...], club_ids: tuple[int, ...]) -> None:
    """So số liệu tổng hợp với số tính lại từ các dòng đơn hàng."""
    chosen = []
    for value in months:
        first = validators.parse_business_month(value.strip())
        if first is None:
            commands.fail(
                errors.ValidationError(
                    "Tháng không hợp lệ.",
                    fields={"month": [f"{value!r}: tháng NNNN-TT, 2000-01 … 2100-12"]},
                )
            )
        chosen.append(first)
    result = checking.check(
        extensions.session(), list(club_ids) if club_ids else None, chosen or None
    )
    click.echo(
        f"Đã so {result.rows} dòng của {result.months} tháng; "
        f"{len(result.differences)} chỗ khác; {result.stale_cells} ô đang chờ tính lại."
    )
    for difference in result.differences[:50]:
        click.echo(
            f"  {difference.table} {difference.where}: {difference.figure} "
            f"lưu {difference.stored!r} ≠ tính {difference.raw!r}"
        )
    if result.differences:
        sys.exit(EXIT_DIFFERENT)
