"""`flask clubs …`: create, list, edit, archive and restore clubs, link producers to them.

The command line acts as the install's operator (every club). Bad input exits with code 2 and
one ``field: message`` line per problem; nothing is written then.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
import flask.cli

from app import extensions
from app.clubs import service as clubs_service
from app.core import commands, tenancy
from app.models import orgs

clubs_cli = flask.cli.AppGroup("clubs", help="Câu lạc bộ: tạo, sửa, lưu trữ, liên kết chủ thể.")


def _scope() -> tenancy.Scope:
    return tenancy.scope_for(extensions.session(), None)


def _row(club: orgs.Club) -> dict[str, Any]:
    account = clubs_service.bank_account(extensions.session(), club.id)
    return {
        "id": club.id,
        "name": club.name,
        "province_code": club.province_code,
        "province": club.province,
        "commune_code": club.commune_code,
        "commune": club.commune,
        "contact_name": club.contact_name,
        "contact_phone": club.contact_phone,
        "contact_email": club.contact_email,
        "bank_account": None
        if account is None
        else {
            "bank_bin": account.bank_bin,
            "account_number": account.account_number,
            "account_name": account.account_name,
        },
        "producer_ids": [p.id for p in club.producers],
        "archived": club.is_archived,
    }


def _club_options(command: Any) -> Any:
    """The options shared by `create` and `edit`."""
    options = [
        click.option("--province", "province_code", type=int, help="Mã tỉnh/thành (bản đồ 2025)."),
        click.option("--commune", "commune_code", type=int, help="Mã xã/phường thuộc tỉnh đó."),
        click.option("--contact-name", default=None, help="Người liên hệ."),
        click.option("--contact-phone", default=None, help="Số điện thoại liên hệ."),
        click.option("--contact-email", default=None, help="Email liên hệ."),
        click.option("--bank-bin", default=None, help="Mã BIN ngân hàng (VietQR), vd. 970436."),
        click.option("--account-number", default=None, help="Số tài khoản nhận tiền."),
        click.option("--account-name", default=None, help="Tên chủ tài khoản (không dấu)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


BANK_OPTIONS = ("bank_bin", "account_number", "account_name")
CONTACT_OPTIONS = ("contact_name", "contact_phone", "contact_email")


def _change(action: Callable[..., orgs.Club], *args: Any) -> orgs.Club:
    """Run a club service as the operator; a refusal ends the command (exit 2)."""
    with commands.refusals():
        return action(extensions.session(), _scope(), *args)


@clubs_cli.command("create")
@click.argument("name")
@_club_options
def create_club(name: str, **options: Any) -> None:
    """Create a club: NAME, --province CODE (required), optional commune, contact and bank."""
    data: dict[str, Any] = {"name": name}
    data.update({k: options[k] for k in ("province_code", "commune_code", *CONTACT_OPTIONS)})
    if any(options[k] for k in BANK_OPTIONS):
        data["bank_account"] = {k: options[k] for k in BANK_OPTIONS}
    club = _change(clubs_service.create_club, data)
    click.echo(f"Đã tạo {club.name} (id={club.id}), {club.commune or club.province}")


@clubs_cli.command("edit")
@click.argument("club_id", type=int)
@click.option("--name", default=None, help="Tên mới.")
@_club_options
@click.option("--no-bank-account", is_flag=True, help="Bỏ tài khoản ngân hàng của CLB.")
def edit_club(club_id: int, name: str | None, no_bank_account: bool, **options: Any) -> None:
    """Change a club's fields (only those given); bank options replace its account."""
    session = extensions.session()
    data: dict[str, Any] = {} if name is None else {"name": name}
    data.update(
        {
            k: options[k]
            for k in ("province_code", "commune_code", *CONTACT_OPTIONS)
            if options[k] is not None
        }
    )
    if no_bank_account:
        data["bank_account"] = None
    elif any(options[k] for k in BANK_OPTIONS):
        existing = clubs_service.bank_account(session, club_id)
        data["bank_account"] = {
            k: options[k] or (getattr(existing, k) if existing is not None else None)
            for k in BANK_OPTIONS
        }
    club = _change(clubs_service.update_club, club_id, data)
    click.echo(f"Đã lưu {club.name} (id={club.id})")


@clubs_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
@click.option("--archived", is_flag=True, help="Chỉ các CLB đã lưu trữ.")
@click.option("--all", "show_all", is_flag=True, help="Cả CLB đang hoạt động và đã lưu trữ.")
def list_clubs(as_json: bool, archived: bool, show_all: bool) -> None:
    """List clubs (active ones unless --archived or --all)."""
    which = None if show_all else archived
    clubs = extensions.session().scalars(clubs_service.clubs_query(_scope(), which))
    rows = [_row(club) for club in clubs]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Chưa có câu lạc bộ nào.")
    for row in rows:
        unit = f"{row['commune']}, {row['province']}" if row["commune"] else row["province"]
        flag = "  (đã lưu trữ)" if row["archived"] else ""
        click.echo(f"{row['id']:>4}  {row['name']:<36} {unit}{flag}")


@clubs_cli.command("archive")
@click.argument("club_id", type=int)
def archive_club(club_id: int) -> None:
    """Archive a club: its members can no longer sign in; its data stays."""
    club = _change(clubs_service.archive_club, club_id)
    click.echo(f"Đã lưu trữ {club.name} (id={club.id})")


@clubs_cli.command("restore")
@click.argument("club_id", type=int)
def restore_club(club_id: int) -> None:
    """Restore an archived club."""
    club = _change(clubs_service.restore_club, club_id)
    click.echo(f"Đã khôi phục {club.name} (id={club.id})")


@clubs_cli.command("link-producer")
@click.argument("club_id", type=int)
@click.argument("producer_id", type=int)
def link_producer(club_id: int, producer_id: int) -> None:
    """The club also works with this producer (its members see and edit its catalog)."""
    club = _change(clubs_service.link_producer, club_id, producer_id)
    click.echo(f"{club.name} làm việc với chủ thể #{producer_id}")


@clubs_cli.command("unlink-producer")
@click.argument("club_id", type=int)
@click.argument("producer_id", type=int)
def unlink_producer(club_id: int, producer_id: int) -> None:
    """The club no longer works with this producer (orders already taken stay)."""
    club = _change(clubs_service.unlink_producer, club_id, producer_id)
    click.echo(f"{club.name} không còn làm việc với chủ thể #{producer_id}")
