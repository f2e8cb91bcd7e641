"""The system check: a job that proves a worker can reach what real jobs need (database,
media folder, disk space, ffmpeg). Install-wide: it belongs to no club."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import flask
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import errors, health, i18n
from app.core.i18n import N_
from app.jobs import service as jobs_service

MAX_PAUSE_SECONDS = 30


def _validate_system_check(params: dict[str, Any]) -> dict[str, Any]:
    pause = params.get("pause_seconds", 0)
    if (
        not isinstance(pause, int | float)
        or isinstance(pause, bool)
        or not (0 <= pause <= MAX_PAUSE_SECONDS)
    ):
        raise errors.ValidationError(
            fields={
                "params.pause_seconds": [
                    _("Thời gian chờ giữa các bước phải từ 0 đến %(n)d giây.", n=MAX_PAUSE_SECONDS)
                ]
            }
        )
    unknown = set(params) - {"pause_seconds"}
    if unknown:
        raise errors.ValidationError(
            fields={f"params.{name}": [_("Tham số không được hỗ trợ.")] for name in sorted(unknown)}
        )
    return {"pause_seconds": float(pause)}


def system_check(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Check from the worker's side that it can reach what real jobs need."""
    pause = float(params.get("pause_seconds", 0))
    config = flask.current_app.config
    checks: dict[str, Any] = {}
    steps = {
        "database": N_("cơ sở dữ liệu"),
        "media": N_("thư mục media"),
        "disk": N_("dung lượng đĩa"),
        "ffmpeg": N_("ffmpeg (xuất video)"),
    }
    for index, (step, label) in enumerate(steps.items()):
        ctx.progress(
            index * 100 // len(steps),
            i18n.deferred(N_("Đang kiểm tra: %(step)s"), step=i18n.deferred(label)),
        )
        if step == "database":
            checks["database"] = ctx.session.scalar(sa.text("SELECT 1")) == 1
        elif step == "media":
            root = Path(config["MEDIA_ROOT"])
            root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=root, prefix=".check-", delete=True) as handle:
                handle.write(b"ok")
            checks["media_writable"] = True
        elif step == "disk":
            usage = shutil.disk_usage(config["MEDIA_ROOT"])
            checks["disk_free_mb"] = usage.free // (1024 * 1024)
        elif step == "ffmpeg":
            checks["ffmpeg"] = health.ffmpeg_available()
        if pause:
            time.sleep(pause)
    checks["worker_pid"] = os.getpid()
    ctx.progress(100, N_("Đã kiểm tra xong."))
    return checks


KIND = jobs_service.JobKind(
    name="system.check",
    title=_l("Kiểm tra hệ thống"),
    handler=system_check,
    permission="jobs.run_system_check",
    validate=_validate_system_check,
    install_wide=True,
)
