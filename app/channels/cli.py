"""`flask channels …`: the marketplace chores, by hand; Celery beat runs them on schedule
(app/tasks.py, started by `make run`).

flask channels check-certificates   # pause listings whose OCOP certificate expired
flask channels resume               # push listings left queued (e.g. after a daily quota)
"""

from __future__ import annotations

import click
import flask.cli

from app import extensions
from app.channels import publishing, sync

channels_cli = flask.cli.AppGroup("channels", help="Kênh bán: kiểm tra chứng nhận, đẩy tiếp.")


@channels_cli.command("check-certificates")
def check_certificates() -> None:
    """Pause listings of products whose OCOP certificate expired; resume renewed ones."""
    result = sync.check_certificates(extensions.session(), publishing.Options())
    click.echo(
        f"Tạm dừng {result['paused']} tin đăng (chứng nhận hết hạn); "
        f"mở lại {result['resumed']} tin đăng (đã gia hạn hoặc chọn vẫn bán)."
    )


@channels_cli.command("resume")
def resume_queued() -> None:
    """Push every listing still waiting in the queue (after quotas or an outage)."""
    summary = sync.resume_queued(extensions.session(), publishing.Options())
    click.echo(
        f"Đã xử lý {summary.total} tin: {summary.live} đang bán, {summary.needs_action} cần xử lý, "
        f"{summary.failed} lỗi, {summary.waiting} còn chờ."
    )
