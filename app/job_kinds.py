"""The kinds of background job this app runs, by name.

Later features add their kinds (renders, marketplace pushes, imports) here.
"""

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

from app import errors, i18n
from app.i18n import N_
from app.services import health
from app.services import jobs as jobs_service
from app.services.catalog_io import uploads
from app.services.channels import jobs as channel_jobs
from app.services.studio import assets as studio_assets
from app.services.studio import renders as studio_renders

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


def catalog_import(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Import an uploaded CSV/XLSX catalog file (all or nothing), then delete the upload.

    Bad rows end the job as failed, with the row/column errors as its result.
    """
    return uploads.run_import_job(ctx, params, flask.current_app.config["MEDIA_ROOT"])


def studio_ingest(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Normalise an accepted upload, make its proxy and (for videos) analyse it."""
    return studio_assets.run_ingest_job(ctx, params, flask.current_app.config["MEDIA_ROOT"])


def studio_render(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Render a video's recipe to an MP4 and a thumbnail (atomic publish)."""
    config = flask.current_app.config
    size = config.get("STUDIO_RENDER_SIZE")
    return studio_renders.run_render_job(
        ctx,
        params,
        media_root=config["MEDIA_ROOT"],
        timeout=float(config["RENDER_TIMEOUT_S"]),
        frame_size=(int(size[0]), int(size[1])) if size else None,
    )


KINDS: dict[str, jobs_service.JobKind] = {
    kind.name: kind
    for kind in (
        jobs_service.JobKind(
            name="system.check",
            title=_l("Kiểm tra hệ thống"),
            handler=system_check,
            permission="jobs.run_system_check",
            validate=_validate_system_check,
            install_wide=True,
        ),
        jobs_service.JobKind(
            name=uploads.KIND,
            title=_l("Nhập danh mục sản phẩm"),
            handler=catalog_import,
            permission="catalog.import",
            validate=uploads.validate_job_params,
        ),
        jobs_service.JobKind(
            name=channel_jobs.PUBLISH,
            title=_l("Đăng sản phẩm lên sàn"),
            handler=channel_jobs.publish,
            permission="channels.publish",
            validate=channel_jobs.validate_publish,
            startable=False,
        ),
        jobs_service.JobKind(
            name=channel_jobs.SYNC,
            title=_l("Đồng bộ giá và tồn kho lên sàn"),
            handler=channel_jobs.sync_products,
            permission="catalog.edit",
            validate=channel_jobs.validate_sync,
            startable=False,
        ),
        jobs_service.JobKind(
            name=channel_jobs.CERTIFICATES,
            title=_l("Kiểm tra hạn chứng nhận OCOP của tin đăng"),
            handler=channel_jobs.certificates,
            permission="channels.publish",
            validate=channel_jobs.validate_certificates,
        ),
        jobs_service.JobKind(
            name=channel_jobs.CERTIFICATE_CHANGE,
            title=_l("Cập nhật tin đăng theo chứng nhận OCOP vừa sửa"),
            handler=channel_jobs.certificate_change,
            # Queued by whoever edits the certificate (a producer's representative too).
            permission="catalog.edit",
            validate=channel_jobs.validate_certificate_change,
            startable=False,
        ),
        jobs_service.JobKind(
            name=studio_assets.INGEST,
            title=_l("Xử lý tệp media tải lên"),
            handler=studio_ingest,
            permission="studio.use",
            validate=studio_assets.validate_ingest_params,
            startable=False,
        ),
        jobs_service.JobKind(
            name=studio_renders.RENDER,
            title=_l("Xuất video"),
            handler=studio_render,
            permission="studio.use",
            validate=studio_renders.validate_render_params,
            startable=False,
        ),
    )
}


def startable() -> dict[str, jobs_service.JobKind]:
    """The kinds a user may start by name through the jobs API."""
    return {name: kind for name, kind in KINDS.items() if kind.startable}
