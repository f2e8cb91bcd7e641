"""Renders: a video's recipe checked against a platform profile, then the ``studio.render``
job compiles it to one ffmpeg command and publishes the MP4 and its thumbnail atomically.

A render belongs to its video's club, and so does its job: the recipe is compiled against
that club's assets only."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, i18n, permissions, tenancy, uow
from app.core.i18n import N_
from app.jobs import service as jobs_service
from app.models import accounts
from app.models import studio as media_models
from app.studio import assets as assets_service
from app.studio import messages
from app.studio import videos as videos_service
from media import compile as compile_mod
from media import errors as media_errors
from media import profiles
from media import recipe as recipe_mod
from media import render as render_mod

log = logging.getLogger(__name__)

RENDER = "studio.render"
RENDER_DIR = f"{assets_service.STUDIO_DIR}/renders"
WORK_DIR = f"{assets_service.STUDIO_DIR}/work"
PROGRESS_EVERY_SECONDS = 1.0
CANCEL_CHECK_SECONDS = 0.5


def start_render(
    session: so.Session,
    user: accounts.User,
    video_id: int,
    profile: str,
    *,
    media_root: str | Path,
    kinds: Mapping[str, jobs_service.JobKind],
    dispatch: jobs_service.Dispatch,
) -> media_models.Render:
    """Check the recipe against ``profile``'s limits, store a Render and queue its job."""
    if not permissions.can(user, "studio.use"):
        raise errors.Forbidden()
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    video = videos_service.get(session, scope, video_id)
    if profile not in profiles.PROFILES:
        raise errors.ValidationError(fields={"profile": [_("Nền tảng không hợp lệ.")]})
    data = dict(video.recipe, profile=profile)
    parsed = videos_service.validate(
        session, data, media_root, club_id=video.club_id, enforce_limits=True
    )
    render = media_models.Render(
        video_id=video.id,
        profile=profile,
        status=media_models.RenderStatus.QUEUED,
        recipe=recipe_mod.to_dict(parsed),
        created_by_id=user.id,
    )
    session.add(render)
    uow.checkpoint(session, "the render row exists before its job is queued")

    def failed() -> None:
        render.status, render.error = media_models.RenderStatus.FAILED, N_("Không gửi được.")
        render.finished_at = clock.utcnow()

    assets_service.queue_job(
        session,
        kinds,
        render,
        failed,
        club_id=video.club_id,
        kind=RENDER,
        params={"render_id": render.id},
        owner=user,
        dispatch=dispatch,
    )
    return render


def get(session: so.Session, scope: tenancy.Scope, render_id: int) -> media_models.Render:
    """A render of a video in scope (404 otherwise); one whose job was cancelled while still
    queued reads as cancelled."""
    render = session.get(media_models.Render, render_id)
    if render is None or not scope.sees_club(render.video.club_id):
        raise errors.NotFound(_("Không tìm thấy bản xuất video."))
    if (
        render.status == media_models.RenderStatus.QUEUED
        and render.job is not None
        and render.job.status == jobs_service.JobStatus.CANCELLED
    ):
        render.status = media_models.RenderStatus.CANCELLED
        uow.checkpoint(session, "a render whose job was cancelled while queued reads as cancelled")
    return render


def output_file(render: media_models.Render, media_root: str | Path) -> Path:
    """The published MP4 of a finished render (NotFound otherwise)."""
    if render.status != media_models.RenderStatus.DONE or not render.output_path:
        raise errors.NotFound(_("Video chưa xuất xong."))
    path = Path(media_root) / render.output_path
    if not path.is_file():
        raise errors.NotFound(_("Không tìm thấy tệp video."))
    return path


def validate_render_params(params: dict[str, Any]) -> dict[str, Any]:
    """The render job's parameters: ``{"render_id": int}``."""
    render_id = params.get("render_id")
    if (
        not isinstance(render_id, int)
        or isinstance(render_id, bool)
        or set(params) != {"render_id"}
    ):
        raise errors.ValidationError(fields={"params.render_id": [_("Thiếu mã bản xuất.")]})
    return {"render_id": render_id}


class _Watch:
    """Throttled progress reporting and cancel checks for ``media.render.render``."""

    def __init__(self, ctx: jobs_service.JobContext) -> None:
        self.ctx = ctx
        self.last_progress = 0.0
        self.last_check = 0.0

    def progress(self, fraction: float) -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self.last_progress < PROGRESS_EVERY_SECONDS:
            return
        self.last_progress = now
        # Raises JobCancelled when the flag is set: render.render stops ffmpeg and cleans up.
        self.ctx.progress(int(fraction * 100), N_("Đang xuất video…"))

    def should_cancel(self) -> bool:
        now = time.monotonic()
        if self.last_check and now - self.last_check < CANCEL_CHECK_SECONDS:
            return False
        self.last_check = now
        self.ctx.session.refresh(self.ctx.job, ["cancel_requested"])
        return bool(self.ctx.job.cancel_requested)


def run_render_job(
    ctx: jobs_service.JobContext,
    params: dict[str, Any],
    *,
    media_root: str | Path,
    timeout: float,
    frame_size: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Compile and render; the Render ends done, failed or cancelled (never a half file).

    ``frame_size`` overrides the profile's (tests and previews).
    """
    session = ctx.session
    root = Path(media_root)
    render = session.get(media_models.Render, params["render_id"])
    # The job row says whose work this is: a render of another club's video is not touched.
    if render is None or render.video.club_id != ctx.club_id:
        raise jobs_service.JobFailed(N_("Bản xuất video không còn tồn tại."))
    render_id = render.id
    render.status = media_models.RenderStatus.RENDERING
    uow.checkpoint(session, "the render shows as rendering before ffmpeg starts")
    out_dir = root / RENDER_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / f"{render_id}.mp4"
    thumbnail = out_dir / f"{render_id}.jpg"
    workdir = root / WORK_DIR / str(render_id)
    watch = _Watch(ctx)
    try:
        profile = profiles.get(render.profile)
        if frame_size is not None:
            profile = profile.resized(*frame_size)
        infos = videos_service.asset_infos(session, render.recipe, root, club_id=ctx.club_id)
        # Parsed once here (with the platform's limits, against the club's assets today);
        # compile takes the object.
        parsed = recipe_mod.parse(render.recipe, infos)
        command = compile_mod.compile(parsed, infos, out_path, workdir, profile=profile)
        result = render_mod.render(
            command,
            out_path,
            on_progress=watch.progress,
            should_cancel=watch.should_cancel,
            timeout=timeout,
            thumbnail_path=thumbnail,
        )
    except (jobs_service.JobCancelled, media_errors.RenderCancelled) as exc:
        _finish(session, render_id, media_models.RenderStatus.CANCELLED, None)
        raise jobs_service.JobCancelled() from exc
    except media_errors.RecipeInvalid as exc:
        message = messages.summary_message(exc.fields)
        _finish(session, render_id, media_models.RenderStatus.FAILED, message)
        raise jobs_service.JobFailed(message) from exc
    except (media_errors.MediaError, OSError) as exc:
        log.warning("render %s failed: %s", render_id, exc)
        message = messages.media_error(exc)
        _finish(session, render_id, media_models.RenderStatus.FAILED, message)
        raise jobs_service.JobFailed(message) from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    render.output_path = result.path.relative_to(root).as_posix()
    render.thumbnail_path = result.thumbnail.relative_to(root).as_posix()
    render.duration, render.size_bytes = result.duration, result.size_bytes
    render.status, render.finished_at = media_models.RenderStatus.DONE, clock.utcnow()
    uow.checkpoint(session, "the render is done with its published file")
    return {
        "render_id": render_id,
        "output_path": render.output_path,
        "duration": result.duration,
        "size_bytes": result.size_bytes,
    }


def _finish(
    session: so.Session,
    render_id: int,
    status: media_models.RenderStatus,
    error: Mapping[str, Any] | None,
) -> None:
    uow.discard(session, "what the failed render step wrote")
    render = session.get(media_models.Render, render_id)
    if render is not None:
        render.status = status
        render.error = i18n.encode(error, 2000) if error else None
        render.finished_at = clock.utcnow()
        # kept although the job ends failed or cancelled (the runner rolls back the rest)
        uow.checkpoint(session, "the render's outcome")


def thumbnail_file(render: media_models.Render, media_root: str | Path) -> Path:
    """The JPEG thumbnail of a finished render (NotFound otherwise)."""
    if render.status != media_models.RenderStatus.DONE:
        raise errors.NotFound(_("Video chưa xuất xong."))
    return assets_service.stored_file(media_root, render.thumbnail_path)
