"""`flask orders …`: order imports, comment parsing and audience files, for coordinators' scripts.

Every command is all-or-nothing: exit 0 with the summary (``--json``: the same figures as the
pages), or exit 2 with one line per problem (``row N, column C: message``) and nothing written.

Club scope: ``--as USER`` acts within that account's clubs (``app.tenancy``); without it the
command is the install's operator (every club). Orders go to the session's club; an import
without ``--session`` goes to ``--club ID``, which is required when the install has several
clubs (else the only club).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import click
import flask.cli
import sqlalchemy as sa

from app import extensions
from app.catalog_io import results
from app.core import commands, errors, tenancy
from app.models import accounts
from app.orders import audience, comments, imports, labels, queries
from app.orders import status as order_status

EXIT_INVALID = commands.EXIT_INVALID

orders_cli = flask.cli.AppGroup(
    "orders", help="Đơn hàng: nhập tệp đơn, bình luận, số liệu xem, đổi trạng thái."
)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


def _fail(error: errors.AppError, as_json: bool) -> None:
    """Report a refused input and exit 2 (one `row N: …` line per problem)."""
    issues = error.issues if isinstance(error, results.ImportFailed) else []
    if as_json:
        _echo_json(
            {
                "error": {
                    "message": error.message,
                    "errors": [issue.as_dict() for issue in issues],
                    "fields": error.fields,
                }
            }
        )
    else:
        click.echo(f"Lỗi: {error.message}", err=True)
        for issue in issues:
            click.echo(issue.as_line(), err=True)
        if not issues:
            for name, messages in error.fields.items():
                for message in messages:
                    click.echo(f"{name}: {message}", err=True)
    sys.exit(EXIT_INVALID)


def _user(username: str | None) -> accounts.User | None:
    if username is None:
        return None
    user = extensions.session().scalar(
        sa.select(accounts.User).where(accounts.User.username == username)
    )
    if user is None:
        click.echo(f"Lỗi: không có người dùng {username!r}", err=True)
        sys.exit(EXIT_INVALID)
    return user


AS_OPTION = click.option(
    "--as", "username", default=None, help="Ghi là việc của tài khoản này (mặc định: dòng lệnh)."
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
FILE_ARGUMENT = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))


@orders_cli.command("import")
@FILE_ARGUMENT
@click.option("--session", "session_id", type=int, default=None, help="Gắn mọi đơn với phiên này.")
@click.option(
    "--club",
    "club_id",
    type=int,
    default=None,
    help="CLB nhận các đơn (bắt buộc khi có nhiều CLB và không chọn --session).",
)
@AS_OPTION
@JSON_OPTION
def import_command(
    file: Path, session_id: int | None, club_id: int | None, username: str | None, as_json: bool
) -> None:
    """Import a TikTok Shop / Shopee order export or the app's order template (CSV/XLSX)."""
    try:
        summary = imports.import_file(
            extensions.session(),
            _user(username),
            file,
            file.name,
            session_id=session_id,
            club_id=club_id,
        )
    except errors.AppError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        data = summary.to_dict()
        data.pop("order_ids", None)
        _echo_json(data)
        return
    click.echo(
        f"{summary.layout}: {summary.orders} đơn ({summary.lines} dòng) — "
        f"mới {summary.created}, cập nhật {summary.updated}, không đổi {summary.unchanged}; "
        f"gắn phiên {summary.linked_to_session}"
    )
    for item in summary.unmatched:
        click.echo(f"SKU chưa có trong danh mục: {item['sku'] or '—'} ({item['name']})")
    for warning in summary.warnings:
        click.echo(f"Cảnh báo: {warning}")


@orders_cli.command("comments")
@FILE_ARGUMENT
@click.option("--session", "session_id", type=int, required=True, help="Phiên livestream.")
@click.option("--accept", is_flag=True, help="Chấp nhận ngay các dòng đề xuất thành đơn.")
@AS_OPTION
@JSON_OPTION
def comments_command(
    file: Path, session_id: int, accept: bool, username: str | None, as_json: bool
) -> None:
    """Parse a comment log (CSV/JSON/JSONL: time, viewer, text) into a review batch."""
    session = extensions.session()
    user = _user(username)
    try:
        batch = comments.upload(session, user, session_id, file.read_bytes(), file.name)
        accepted = comments.accept(session, user, batch.id) if accept else None
    except errors.AppError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        data: dict[str, Any] = {
            "batch_id": batch.id,
            "status": str(batch.status),
            "report": batch.report,
            "lines": batch.proposals,
        }
        if accepted is not None:
            summary = dataclasses.asdict(accepted)
            summary.pop("order_ids", None)
            data["accepted"] = summary
        _echo_json(data)
        return
    report = batch.report
    click.echo(
        f"Lô #{batch.id}: {report['total_comments']} bình luận, {report['order_comments']} chốt "
        f"đơn, {report['duplicates']} trùng, {report['unique_commenters']} người bình luận, "
        f"{report['lines_needing_phone']} dòng cần SĐT"
    )
    for line in batch.proposals:
        click.echo(f"  {line['viewer']}: {line['code']} × {line['quantity']} {line['phone'] or ''}")
    if accepted is not None:
        click.echo(f"Đã chấp nhận: {accepted.created} đơn mới, {accepted.unchanged} không đổi")


@orders_cli.command("audience")
@FILE_ARGUMENT
@click.option("--session", "session_id", type=int, required=True, help="Phiên livestream.")
@AS_OPTION
@JSON_OPTION
def audience_command(file: Path, session_id: int, username: str | None, as_json: bool) -> None:
    """Import a session's audience figures, or its viewer join/leave log (told by headers)."""
    try:
        outcome = audience.import_file(
            extensions.session(), _user(username), session_id, file, file.name
        )
    except errors.AppError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        _echo_json(outcome)
    elif outcome["kind"] == "viewers":
        click.echo(f"Nhật ký người xem: {outcome['visits']} lượt, {outcome['viewers']} người xem")
    else:
        click.echo(", ".join(f"{name} {outcome[name]}" for name in audience.FIGURES))


@orders_cli.command("status")
@click.argument("order_id", type=int)
@click.argument("status", type=click.Choice([str(s) for s in order_status.TRANSITIONS]))
@click.option("--note", default="", help="Lý do đổi trạng thái (ghi vào lịch sử).")
@click.option("--from", "expected", default=None, help="Chỉ đổi khi đơn đang ở trạng thái này.")
@AS_OPTION
@JSON_OPTION
def status_command(
    order_id: int,
    status: str,
    note: str,
    expected: str | None,
    username: str | None,
    as_json: bool,
) -> None:
    """Change an order's status (stock follows; the change is kept in its history)."""
    session = extensions.session()
    user = _user(username)
    try:
        order = order_status.change_status(
            session, user, order_id, status, note=note, expected=expected
        )
    except errors.AppError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        _echo_json(queries.present(tenancy.scope_for(session, user), order, history=True))
        return
    click.echo(f"Đơn {order.external_id}: {labels.STATUS_LABELS[str(order.status)]}")
