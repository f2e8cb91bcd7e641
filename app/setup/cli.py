"""`flask demo load`: the demo club for trying the app (refused in production)."""

from __future__ import annotations

import time

import click
import flask
import flask.cli

from app import extensions
from app.core import commands
from app.setup import demo as demo_service

demo_cli = flask.cli.AppGroup("demo", help="Dữ liệu mẫu.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Chỉ nạp khi cơ sở dữ liệu chưa có người dùng nào.")
@click.option(
    "--password",
    default=None,
    envvar="OCOP_DEMO_PASSWORD",
    help="Mật khẩu cho mọi tài khoản mẫu (mặc định: ocop-demo).",
)
def load_demo(if_empty: bool, password: str | None) -> None:
    """Create the demo streamer club, producers and one user of each role (refused in
    production, exit code 2)."""
    config = flask.current_app.config
    with commands.refusals():
        demo_service.refuse_in_production(config["APP_ENV"])
    if if_empty and not demo_service.is_empty(extensions.session()):
        click.echo("Cơ sở dữ liệu đã có dữ liệu; bỏ qua dữ liệu mẫu.")
        return
    password = password or "ocop-demo"
    sandbox_urls: dict[str, str] | None = config["SANDBOX_URLS"]
    why_not = demo_service.why_no_sandbox_shops(
        config["SANDBOX_URLS"],
        has_credentials_key=bool(config["CREDENTIALS_KEYS"]),
        allow_private_urls=bool(config["ALLOW_PRIVATE_URLS"]),
    )
    if why_not:
        click.echo(f"Bỏ qua các gian hàng sandbox mẫu: {why_not}.")
        sandbox_urls = None
    if sandbox_urls is not None:
        sandbox_urls = {**sandbox_urls, "messaging": config["SANDBOX_MESSAGING_URL"]}
    summary = demo_service.load(
        extensions.session(),
        password,
        media_root=config["MEDIA_ROOT"],
        sandbox_urls=sandbox_urls,
        live_chat_urls=config["SANDBOX_LIVE_URLS"] if sandbox_urls is not None else None,
        carrier_urls=config["SANDBOX_CARRIER_URLS"] if sandbox_urls is not None else None,
    )
    if not summary.created:
        click.echo(f"Dữ liệu mẫu đã có ({summary.club}); không thay đổi gì.")
        return
    click.echo(f"Đã tạo {summary.club} với {summary.producers} chủ thể sản xuất.")
    click.echo(f"Tài khoản mẫu (mật khẩu: {password}): " + ", ".join(summary.usernames))
    if summary.zalo_problem:
        click.echo(
            f"Zalo OA mẫu chưa kết nối sandbox: {summary.zalo_problem}. "
            "`make run` kết nối khi máy chủ sandbox chạy (flask demo connect-zalo)."
        )


@demo_cli.command("connect-zalo")
@click.option(
    "--wait",
    default=0.0,
    type=float,
    help="Số giây chờ máy chủ sandbox tin nhắn bắt đầu trả lời (mặc định: không chờ).",
)
def connect_zalo(wait: float) -> None:
    """Connect the demo club's Zalo OA to the running messaging sandbox, as its admin would
    (`make run` does it on each start: the sandbox forgets its tokens when it stops). Does
    nothing without the demo's sandbox OA; exit code 1 when the sandbox never answered."""
    config = flask.current_app.config
    with commands.refusals():
        demo_service.refuse_in_production(config["APP_ENV"])
    session = extensions.session()
    if demo_service.sandbox_zalo(session) is None:
        click.echo("Dữ liệu mẫu không có Zalo OA sandbox; bỏ qua.")
        return
    deadline = time.monotonic() + wait
    while (problem := demo_service.connect_sandbox_zalo(session)) is not None:
        if time.monotonic() >= deadline:
            click.echo(f"Chưa kết nối được Zalo OA mẫu: {problem}.", err=True)
            raise SystemExit(1)
        time.sleep(0.5)
    click.echo("Đã kết nối Zalo OA mẫu với máy chủ sandbox tin nhắn.")
