"""Uploaded clips, photos, logos and music: probed before anything is kept, then the
``studio.ingest`` job normalises them, makes a proxy and analyses videos.

Every asset belongs to a club (the uploader's home club, ``tenancy``): only that club's staff
reach it, and only that club's videos may use it."""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from typing_extensions import Unpack
from werkzeug import datastructures

from app.core import errors, i18n, permissions, tenancy, uow
from app.core.i18n import N_
from app.jobs import service as jobs_service
from app.models import accounts, catalog
from app.models import studio as media_models
from app.studio import messages
from media import analyse, ingest, probe
from media import errors as media_errors
from vietnam import text

log = logging.getLogger(__name__)

INGEST = "studio.ingest"
STUDIO_DIR = "studio"
TMP_DIR = f"{STUDIO_DIR}/tmp"
UPLOAD_DIR = f"{STUDIO_DIR}/uploads"
ASSET_DIR = f"{STUDIO_DIR}/assets"
# What an upload is for, and the kind of media it must be.
ROLES: dict[str, media_models.AssetKind] = {
    "footage": media_models.AssetKind.VIDEO,
    "photo": media_models.AssetKind.IMAGE,
    "logo": media_models.AssetKind.IMAGE,
    "music": media_models.AssetKind.AUDIO,
}


def refusal_message(code: str, limits: probe.Limits | None = None) -> str:
    """A plain reason for a probe refusal code (media.errors.RefusedMedia), in the user's
    language."""
    return i18n.message_text(messages.refusal(code, limits))


def limits(config: Mapping[str, Any]) -> probe.Limits:
    """Upload bounds from the app config (MEDIA_MAX_UPLOAD_MB, MEDIA_MAX_DURATION_S)."""
    return probe.Limits(
        max_bytes=int(config["MEDIA_MAX_UPLOAD_MB"]) * 1024 * 1024,
        max_duration=float(config["MEDIA_MAX_DURATION_S"]),
    )


def _unlink(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)


def upload(
    session: so.Session,
    user: accounts.User,
    file_storage: datastructures.FileStorage,
    *,
    role: str,
    product_id: int | None,
    media_root: str | Path,
    limits: probe.Limits,
    kinds: Mapping[str, jobs_service.JobKind],
    dispatch: jobs_service.Dispatch,
) -> media_models.MediaAsset:
    """Probe an upload; keep it and queue ``studio.ingest`` only if it is acceptable media.

    A refused file is deleted at once and no row is written (ValidationError on ``file``).
    """
    if not permissions.can(user, "studio.use"):
        raise errors.Forbidden()
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    kind = ROLES.get(role)
    if kind is None:
        raise errors.ValidationError(fields={"role": [_("Vai trò tệp không hợp lệ.")]})
    club_id = scope.home_club()
    if product_id is not None:
        product_field(session, club_id, product_id)
    root = Path(media_root)
    (root / TMP_DIR).mkdir(parents=True, exist_ok=True)
    temp = root / TMP_DIR / f"{secrets.token_hex(16)}.upload"
    stored: Path | None = None
    try:
        file_storage.save(temp)
        try:
            info = probe.probe(temp, kind_hint=kind.value, limits=limits)
        except media_errors.RefusedMedia as exc:
            message = refusal_message(exc.code, limits)
            raise errors.ValidationError(message, fields={"file": [message]}) from exc
        (root / UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
        relative = f"{UPLOAD_DIR}/{secrets.token_hex(16)}.{info.container}"
        stored = root / relative
        os.replace(temp, stored)
        asset = media_models.MediaAsset(
            kind=kind,
            club_id=club_id,
            role=role,
            status=media_models.AssetStatus.PROCESSING,
            product_id=product_id,
            original_name=text.nfc(Path(file_storage.filename or "").name)[:255] or "upload",
            upload_path=relative,
            size_bytes=info.size_bytes,
            duration=info.duration,
            width=info.width,
            height=info.height,
            info=dataclasses.asdict(info),
            uploaded_by_id=user.id,
        )
        session.add(asset)
        uow.checkpoint(session, "the asset row exists before its ingest job is queued")
    except BaseException:
        uow.discard(session, "a refused or failed upload leaves no row")
        _unlink(temp, stored)
        raise

    def failed() -> None:
        _unlink(stored)
        asset.status, asset.upload_path = media_models.AssetStatus.FAILED, None
        asset.error = N_("Không gửi được công việc xử lý tệp.")

    queue_job(
        session,
        kinds,
        asset,
        failed,
        club_id=club_id,
        kind=INGEST,
        params={"asset_id": asset.id},
        owner=user,
        dispatch=dispatch,
    )
    return asset


def queue_job(
    session: so.Session,
    kinds: Mapping[str, jobs_service.JobKind],
    row: media_models.MediaAsset | media_models.Render,
    failed: Callable[[], None],
    club_id: int,
    **order: Unpack[jobs_service.JobOrder],
) -> None:
    """Queue the job that works on ``row`` (already stored and checkpointed) and note it on
    the row; when it cannot be queued, ``failed`` marks the row as such and the error goes on."""
    try:
        job = jobs_service.enqueue(session, kinds, club_id=club_id, **order)
    except Exception:
        uow.discard(session, "the job that could not be queued")
        failed()
        uow.checkpoint(session, "the row says its job could not be queued")
        raise
    row.job_id = job.id
    uow.checkpoint(session, "the row knows its job")


def get(session: so.Session, scope: tenancy.Scope, asset_id: int) -> media_models.MediaAsset:
    """An asset of a club in scope (404 otherwise: other clubs' ids are not confirmed)."""
    return scope.find(session, media_models.MediaAsset, asset_id, _("Không tìm thấy tệp media."))


def get_in_club(session: so.Session, club_id: int, asset_id: int) -> media_models.MediaAsset:
    """An asset of exactly this club, e.g. to put in one of its videos (404 otherwise)."""
    asset = session.get(media_models.MediaAsset, asset_id)
    if asset is None or asset.club_id != club_id:
        raise errors.NotFound(_("Không tìm thấy tệp media."))
    return asset


def club_product(session: so.Session, club_id: int, product_id: int) -> catalog.Product:
    """A product of one of the producers the club works with (404 otherwise)."""
    product = session.scalar(
        sa.select(catalog.Product).where(
            catalog.Product.id == product_id,
            catalog.Product.producer_id.in_(tenancy.producers_of_club(club_id)),
        )
    )
    if product is None:
        raise errors.NotFound(_("Không tìm thấy sản phẩm."))
    return product


def product_field(session: so.Session, club_id: int, product_id: int) -> catalog.Product:
    """``club_product`` for a form or body field: a 422 on ``product_id`` when out of reach."""
    try:
        return club_product(session, club_id, product_id)
    except errors.NotFound as exc:
        raise errors.ValidationError(fields={"product_id": [exc.message]}) from exc


def validate_ingest_params(params: dict[str, Any]) -> dict[str, Any]:
    """The ingest job's parameters: ``{"asset_id": int}``."""
    asset_id = params.get("asset_id")
    if not isinstance(asset_id, int) or isinstance(asset_id, bool) or set(params) != {"asset_id"}:
        raise errors.ValidationError(fields={"params.asset_id": [_("Thiếu mã tệp media.")]})
    return {"asset_id": asset_id}


def run_ingest_job(
    ctx: jobs_service.JobContext, params: dict[str, Any], media_root: str | Path
) -> dict[str, Any]:
    """Normalise the asset's upload (master + proxy + poster), analyse videos, mark it ready.

    On any failure the asset is marked failed with a plain message and its files removed.
    """
    session = ctx.session
    root = Path(media_root)
    asset = session.get(media_models.MediaAsset, params["asset_id"])
    # The job row says whose work this is: an asset of another club is not touched.
    if asset is None or asset.upload_path is None or asset.club_id != ctx.club_id:
        raise jobs_service.JobFailed(N_("Tệp media không còn tồn tại."))
    upload_file = root / asset.upload_path
    out_dir = root / ASSET_DIR / str(asset.id)
    try:
        ctx.progress(5, N_("Đang chuẩn hoá tệp…"))
        info = probe.MediaInfo(**asset.info)
        result = ingest.ingest(upload_file, out_dir, info)
        analysis: dict[str, Any] | None = None
        if asset.kind == media_models.AssetKind.VIDEO and result.proxy is not None:
            ctx.progress(50, N_("Đang phân tích video…"))
            analysis = analyse.analyse(result.proxy).as_dict()
    except jobs_service.JobCancelled:
        _fail(session, asset.id, N_("Đã huỷ."), upload_file, out_dir)
        raise
    except (media_errors.MediaError, OSError, ValueError) as exc:
        log.warning("asset %s could not be processed: %s", asset.id, exc)
        message = i18n.deferred(
            N_("Không xử lý được tệp: %(reason)s"), reason=messages.media_reason(exc)
        )
        _fail(session, asset.id, message, upload_file, out_dir)
        raise jobs_service.JobFailed(message) from exc
    asset.master_path = result.master.relative_to(root).as_posix()
    asset.proxy_path = result.proxy.relative_to(root).as_posix() if result.proxy else None
    asset.poster_path = result.poster.relative_to(root).as_posix() if result.poster else None
    asset.info = dataclasses.asdict(result.info)
    asset.duration, asset.width, asset.height = (
        result.info.duration, result.info.width, result.info.height,
    )  # fmt: skip
    asset.analysis = analysis
    asset.status, asset.error, asset.upload_path = media_models.AssetStatus.READY, None, None
    uow.checkpoint(session, "the asset is ready before its upload is deleted")
    upload_file.unlink(missing_ok=True)
    return {"asset_id": asset.id, "master_path": asset.master_path}


def _fail(
    session: so.Session,
    asset_id: int,
    message: str | Mapping[str, Any],
    upload_file: Path,
    out_dir: Path,
) -> None:
    uow.discard(session, "what the failed ingest step wrote")
    upload_file.unlink(missing_ok=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    asset = session.get(media_models.MediaAsset, asset_id)
    if asset is not None:
        asset.status, asset.error = media_models.AssetStatus.FAILED, i18n.encode(message, 2000)
        asset.upload_path = asset.master_path = asset.proxy_path = asset.poster_path = None
        # kept although the job fails (the job runner rolls back what a failed handler wrote)
        uow.checkpoint(session, "the asset says it failed")


def import_product_image(
    session: so.Session,
    user: accounts.User,
    image: catalog.ProductImage,
    media_root: str | Path,
    club_id: int,
) -> media_models.MediaAsset:
    """The product photo as a ready image asset of the club (imported once per club, then
    reused); not committed."""
    name = f"product-image-{image.id}"
    existing = session.scalars(
        sa.select(media_models.MediaAsset).where(
            media_models.MediaAsset.club_id == club_id,
            media_models.MediaAsset.product_id == image.product_id,
            media_models.MediaAsset.original_name == name,
            media_models.MediaAsset.status == media_models.AssetStatus.READY,
        )
    ).first()
    if existing is not None:
        return existing
    root = Path(media_root)
    source = root / image.path
    info = probe.probe(source, kind_hint="image")
    asset = media_models.MediaAsset(
        kind=media_models.AssetKind.IMAGE,
        club_id=club_id,
        role="photo",
        status=media_models.AssetStatus.PROCESSING,
        product_id=image.product_id,
        original_name=name,
        size_bytes=info.size_bytes,
        uploaded_by_id=user.id,
        info=dataclasses.asdict(info),
    )
    session.add(asset)
    session.flush()
    result = ingest.ingest(source, root / ASSET_DIR / str(asset.id), info)
    asset.master_path = result.master.relative_to(root).as_posix()
    asset.proxy_path = result.proxy.relative_to(root).as_posix() if result.proxy else None
    asset.info = dataclasses.asdict(result.info)
    asset.width, asset.height = result.info.width, result.info.height
    asset.status = media_models.AssetStatus.READY
    return asset


# --- for the studio pages -------------------------------------------------------------------

FILES = ("proxy", "poster")  # what the pages may show of an asset


def assets_query(
    scope: tenancy.Scope, kind: media_models.AssetKind | None = None
) -> sa.Select[Any]:
    """The assets of the clubs in scope, newest first (optionally one kind), for a list."""
    stmt = sa.select(media_models.MediaAsset).where(
        scope.club_filter(media_models.MediaAsset.club_id)
    )
    if kind is not None:
        stmt = stmt.where(media_models.MediaAsset.kind == kind)
    return stmt.order_by(media_models.MediaAsset.id.desc())


def ready_assets(session: so.Session, club_id: int | None) -> list[media_models.MediaAsset]:
    """The club's ready assets, newest first (the editor's pickers; None: no club, none)."""
    if club_id is None:
        return []
    return list(
        session.scalars(
            sa.select(media_models.MediaAsset)
            .where(
                media_models.MediaAsset.club_id == club_id,
                media_models.MediaAsset.status == media_models.AssetStatus.READY,
            )
            .order_by(media_models.MediaAsset.id.desc())
        )
    )


def stored_file(root: str | Path, relative: str | None) -> Path:
    """A stored studio file by its server-generated relative path (NotFound if missing,
    or if the path would lead outside ``root``/studio)."""
    if not relative:
        raise errors.NotFound(_("Không tìm thấy tệp."))
    base = (Path(root) / STUDIO_DIR).resolve()
    path = (Path(root) / relative).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise errors.NotFound(_("Không tìm thấy tệp."))
    return path


def asset_file(asset: media_models.MediaAsset, which: str, media_root: str | Path) -> Path:
    """The asset's proxy (MP4) or poster (JPEG); NotFound for anything else."""
    if which not in FILES:
        raise errors.NotFound(_("Không tìm thấy tệp."))
    return stored_file(media_root, getattr(asset, f"{which}_path"))
