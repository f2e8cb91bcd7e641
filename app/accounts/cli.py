"""Command-line tools for accounts: `flask users …` (create, list, unlock, reset-password) and
`flask tokens …`.

Errors exit with a non-zero code and a message naming the bad field.
"""

from __future__ import annotations

import json

import click
import flask
import flask.cli
import sqlalchemy as sa

from app import extensions
from app.accounts import service as accounts_service
from app.core import commands, errors
from app.models import accounts, orgs
from vietnam import text

users_cli = flask.cli.AppGroup("users", help="Quản lý tài khoản người dùng.")
tokens_cli = flask.cli.AppGroup("tokens", help="Mã API cho script.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in accounts.Role]))
@click.option("--full-name", required=True, help="Họ tên hiển thị.")
@click.option("--email", default=None)
@click.option(
    "--producer",
    "producer_name",
    default=None,
    help="Tên chủ thể sản xuất (bắt buộc với vai trò producer).",
)
@click.option(
    "--club",
    "club_ref",
    default=None,
    help="Mã (id) hoặc tên câu lạc bộ: bắt buộc với coordinator và seller; với admin là câu "
    "lạc bộ làm việc.",
)
@click.option("--union-province", type=int, default=None, help="Vai trò union: mã tỉnh.")
@click.option(
    "--union-commune", type=int, default=None, help="Vai trò union: mã xã/phường (tuỳ chọn)."
)
@click.option(
    "--password",
    default=None,
    envvar="OCOP_NEW_PASSWORD",
    help="Mật khẩu; bỏ trống để được hỏi (hoặc đặt OCOP_NEW_PASSWORD).",
)
def create_user(
    username: str,
    role: str,
    full_name: str,
    email: str | None,
    producer_name: str | None,
    club_ref: str | None,
    union_province: int | None,
    union_commune: int | None,
    password: str | None,
) -> None:
    """Create a user account (coordinators and sellers: --club; Youth Union: --union-province)."""
    club_id = _club_id(club_ref)
    if password is None:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    producer_id = None
    if producer_name:
        producer = extensions.session().scalar(
            sa.select(orgs.Producer).where(orgs.Producer.name == producer_name)
        )
        if producer is None:
            commands.fail(
                errors.ValidationError(
                    fields={"producer": [f"không có chủ thể tên {producer_name!r}"]}
                )
            )
        else:
            producer_id = producer.id
    with commands.refusals(errors.ValidationError):
        user = accounts_service.create_user(
            extensions.session(),
            username=username,
            password=password,
            full_name=full_name,
            role=role,
            email=email,
            producer_id=producer_id,
            club_id=club_id,
            union_province_code=union_province,
            union_commune_code=union_commune,
        )
    where = f", {user.club.name}" if user.club is not None else ""
    click.echo(f"Đã tạo {user.username} ({user.role.value}{where}), id={user.id}")


def _club_id(club_ref: str | None) -> int | None:
    """A club named by id or by name (exit 2 when there is none)."""
    if not club_ref:
        return None
    session = extensions.session()
    club = (
        session.get(orgs.Club, int(club_ref))
        if club_ref.isdigit()
        else session.scalar(sa.select(orgs.Club).where(orgs.Club.name == club_ref.strip()))
    )
    if club is None:
        commands.fail(
            errors.ValidationError(
                fields={"club_id": [f"không có câu lạc bộ {club_ref!r} (xem `flask clubs list`)"]}
            )
        )
    return club.id if club is not None else None


@users_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def list_users(as_json: bool) -> None:
    """List user accounts."""
    rows = [
        {
            "id": u.id,
            "username": u.username,
            "role": u.role.value,
            "full_name": u.full_name,
            "club_id": u.club_id,
            "club": u.club.name if u.club is not None else None,
            "union_unit": accounts_service.union_unit_name(
                u.union_province_code, u.union_commune_code
            ),
            "active": u.is_active_account,
            "must_change_password": u.must_change_password,
        }
        for u in extensions.session().scalars(accounts_service.users_query())
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        flag = "" if row["active"] else "  (đã khoá)"
        if row["must_change_password"]:
            flag += "  (chờ đổi mật khẩu một lần)"
        where = row["club"] or row["union_unit"]
        where = f"  [{where}]" if where else ""
        click.echo(
            f"{row['id']:>4}  {row['username']:<20} {row['role']:<12} {row['full_name']}"
            f"{where}{flag}"
        )


def _user_named(username: str) -> accounts.User:
    """The account with that username (exit 2 with a clear message when there is none)."""
    user = extensions.session().scalar(
        sa.select(accounts.User).where(accounts.User.username == text.nfc(username).lower())
    )
    if user is None:
        commands.fail(
            errors.ValidationError(
                fields={"username": [f"không có người dùng {username!r} (xem `flask users list`)"]}
            )
        )
    return user


@users_cli.command("unlock")
@click.argument("username")
def unlock_user(username: str) -> None:
    """Clear an account's sign-in lock after too many wrong passwords."""
    user = _user_named(username)
    if accounts_service.unlock_sign_in(extensions.session(), user):
        click.echo(f"Đã mở khoá đăng nhập cho {user.username}.")
    else:
        click.echo(f"{user.username} không bị khoá đăng nhập; đã xoá số lần nhập sai mật khẩu.")
    if not user.is_active_account:
        click.echo(
            f"Lưu ý: tài khoản {user.username} đang ngừng hoạt động (mở lại ở trang sửa người "
            "dùng hoặc PATCH /api/v1/users/{id} với active: true).",
            err=True,
        )


@users_cli.command("reset-password")
@click.argument("username")
def reset_password(username: str) -> None:
    """Set a one-time password and print it (on its own line, once): the account must choose
    its own at the next sign-in; its sessions end and its API tokens are revoked."""
    user = _user_named(username)
    password = accounts_service.set_one_time_password(extensions.session(), user, by=None)
    click.echo(
        f"Mật khẩu một lần của {user.username} (chỉ hiện lần này; khi đăng nhập phải đặt mật khẩu "
        "mới; các phiên đăng nhập đã kết thúc, mọi mã API đã bị thu hồi):",
        err=True,
    )
    click.echo(password)


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", default="script", help="Tên để nhận ra mã.")
def create_token(username: str, name: str) -> None:
    """Issue an API token for a user and print it once."""
    user = extensions.session().scalar(
        sa.select(accounts.User).where(accounts.User.username == username)
    )
    if user is None:
        commands.fail(errors.NotFound(f"không có người dùng {username!r}"))
        return
    with commands.refusals(errors.ValidationError):
        issued = accounts_service.issue_token(extensions.session(), user, name)
    click.echo(issued.secret)
