"""`flask catalog …`: import, export and the template, for coordinators' scripts.

`flask catalog import FILE` runs synchronously and all-or-nothing: exit 0 with the summary,
or exit 2 with one line per problem (`row N, column C: message`) and nothing written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import flask.cli
import sqlalchemy as sa

from app import extensions
from app.catalog import service as catalog_service
from app.catalog_io import actors, export, formats, importer, results
from app.core import commands, errors
from app.models import accounts, orgs

EXIT_INVALID = commands.EXIT_INVALID

catalog_cli = flask.cli.AppGroup("catalog", help="Danh mục sản phẩm: nhập, xuất, mẫu.")


def _invalid(message: str) -> None:
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(EXIT_INVALID)


def _format_of(path: str) -> str:
    fmt = formats.file_format(path)
    if fmt is None:
        _invalid(f"{path}: tên tệp phải kết thúc bằng .csv hoặc .xlsx")
    return str(fmt)


def actor(username: str | None, club_id: int | None = None) -> actors.Actor:
    """The account named by `--as` (exit 2 if there is none), else the trusted operator
    (new producers of an import go to `--club`, or to the install's only club)."""
    if username is None:
        return actors.SystemActor(club_id=club_id)
    user = extensions.session().scalar(
        sa.select(accounts.User).where(accounts.User.username == username)
    )
    if user is None:
        _invalid(f"không có người dùng {username!r}")
    return user  # type: ignore[return-value]


@catalog_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "username",
    default=None,
    help="Nhập với quyền của tài khoản này (mặc định: quyền quản trị của dòng lệnh).",
)
@click.option(
    "--club",
    "club_id",
    type=click.IntRange(1, catalog_service.MAX_ID),
    default=None,
    help="CLB của chủ thể mới có trong tệp (không có --as; mặc định: CLB duy nhất).",
)
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi gì.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def import_command(
    file: Path, username: str | None, club_id: int | None, dry_run: bool, as_json: bool
) -> None:
    """Import products and variants from a CSV/XLSX file in the template's columns."""
    if club_id is not None and extensions.session().get(orgs.Club, club_id) is None:
        _invalid(f"không có câu lạc bộ {club_id}")
    user = actor(username, club_id)
    try:
        summary = importer.import_file(
            extensions.session(), user, file, filename=file.name, dry_run=dry_run
        )
    except results.ImportFailed as exc:
        if as_json:
            click.echo(json.dumps(exc.to_result(limit=len(exc.issues)), ensure_ascii=False))
        else:
            click.echo(f"Lỗi: {exc.message}", err=True)
            for issue in exc.issues:
                click.echo(issue.as_line(), err=True)
            for warning in exc.warnings:
                click.echo(f"Cảnh báo: {warning}", err=True)
        sys.exit(EXIT_INVALID)
    except errors.Forbidden as exc:
        _invalid(exc.message)
        return
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        return
    prefix = "Kiểm tra xong (không ghi gì)" if dry_run else "Đã nhập"
    producers = f"chủ thể mới: {summary.created_producers}; " if summary.created_producers else ""
    click.echo(
        f"{prefix}: {summary.rows} dòng; {producers}sản phẩm: {summary.created_products} mới, "
        f"{summary.updated_products} cập nhật, {summary.unchanged_products} không đổi; "
        f"phân loại: {summary.created_variants} mới, {summary.updated_variants} cập nhật, "
        f"{summary.unchanged_variants} không đổi."
    )
    for warning in summary.warnings:
        click.echo(f"Cảnh báo: {warning}")


@catalog_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--producer", default=None, help="Chỉ xuất sản phẩm của chủ thể (tên hoặc MST).")
@click.option("--as", "username", default=None, help="Xuất như tài khoản này thấy.")
def export_command(file: Path, producer: str | None, username: str | None) -> None:
    """Export products (one row per variant) to FILE.csv or FILE.xlsx."""
    fmt = _format_of(str(file))
    filters = catalog_service.ProductFilters()
    if producer:
        found = export.find_producer(extensions.session(), producer)
        if found is None:
            _invalid(f"không có chủ thể sản xuất {producer!r}")
            return
        filters.producer_id = found.id
    download = export.export_products(extensions.session(), actor(username), filters, fmt)
    file.write_bytes(download.data)
    click.echo(f"Đã xuất {download.rows} dòng ({download.products} sản phẩm) vào {file}")


@catalog_cli.command("template")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def template_command(file: Path) -> None:
    """Write the empty import template to FILE.csv or FILE.xlsx."""
    download = export.template(_format_of(str(file)))
    file.write_bytes(download.data)
    click.echo(f"Đã ghi mẫu nhập vào {file}")
