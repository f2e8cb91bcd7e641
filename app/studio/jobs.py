"""The studio's background jobs: processing an upload, rendering a video."""

from __future__ import annotations

from typing import Any

import flask
from flask_babel import lazy_gettext as _l

from app.jobs import service as jobs_service
from app.studio import assets, renders


def ingest(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Normalise an accepted upload, make its proxy and (for videos) analyse it."""
    return assets.run_ingest_job(ctx, params, flask.current_app.config["MEDIA_ROOT"])


def render(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Render a video's recipe to an MP4 and a thumbnail (atomic publish)."""
    config = flask.current_app.config
    size = config.get("STUDIO_RENDER_SIZE")
    return renders.run_render_job(
        ctx,
        params,
        media_root=config["MEDIA_ROOT"],
        timeout=float(config["RENDER_TIMEOUT_S"]),
        frame_size=(int(size[0]), int(size[1])) if size else None,
    )


KINDS = (
    jobs_service.JobKind(
        name=assets.INGEST,
        title=_l("Xử lý tệp media tải lên"),
        handler=ingest,
        permission="studio.use",
        validate=assets.validate_ingest_params,
        startable=False,
    ),
    jobs_service.JobKind(
        name=renders.RENDER,
        title=_l("Xuất video"),
        handler=render,
        permission="studio.use",
        validate=renders.validate_render_params,
        startable=False,
    ),
)
