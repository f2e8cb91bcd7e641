"""Uploaded import files: checking and storing them under MEDIA_ROOT/imports, and the
``catalog.import`` background job that imports one."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.catalog_io import formats, importer, readers, results
from app.core import errors, files, permissions, tenancy
from app.core.i18n import N_
from app.jobs import service as jobs_service
from app.models import accounts, jobs
from vietnam import text

UPLOAD_DIR = "imports"
UPLOAD_MAX_AGE_SECONDS = 7 * 24 * 3600  # leftovers (jobs cancelled while queued) are swept
UPLOAD_PATH_RE = re.compile(r"^imports/[0-9a-f]{32}\.(csv|xlsx)$")
KIND = "catalog.import"


def _sweep(folder: Path, now: float) -> None:
    for old in folder.glob("*"):
        try:
            if old.is_file() and now - old.stat().st_mtime > UPLOAD_MAX_AGE_SECONDS:
                old.unlink()
        except OSError:
            continue


def store_upload(stream: IO[bytes], filename: str, media_root: str | Path) -> dict[str, str]:
    """Check an uploaded file (extension, size, content) and keep it under MEDIA_ROOT/imports.

    Returns the job parameters: ``{"path": "imports/<random>.<ext>", "filename": …}``.
    """
    filename = text.nfc(Path(filename or "").name)[:255]
    fmt = formats.file_format(filename)
    if fmt is None:
        raise errors.ValidationError(fields={"file": [_("Chỉ nhận tệp .csv hoặc .xlsx.")]})
    head = stream.read(formats.MAX_BYTES + 1)
    if len(head) > formats.MAX_BYTES:
        raise errors.ValidationError(fields={"file": [str(readers.too_big().message)]})
    if not head:
        raise errors.ValidationError(fields={"file": [_("Tệp trống.")]})
    is_zip = head.startswith(b"PK\x03\x04")
    if fmt == "xlsx" and not is_zip:
        raise errors.ValidationError(
            fields={
                "file": [_("Tệp không phải Excel .xlsx (tệp .xls cũ cần lưu lại thành .xlsx).")]
            }
        )
    if fmt == "csv" and (is_zip or b"\x00" in head[:65536]):
        raise errors.ValidationError(
            fields={
                "file": [_("Tệp không phải CSV dạng văn bản (UTF-8). Hãy lưu lại thành CSV UTF-8.")]
            }
        )
    folder = Path(media_root) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder, time.time())
    relative = f"{UPLOAD_DIR}/{secrets.token_hex(16)}.{fmt}"
    (Path(media_root) / relative).write_bytes(head)
    return {"path": relative, "filename": filename}


def start_import(
    session: so.Session,
    user: accounts.User,
    upload: files.Upload,
    *,
    media_root: str | Path,
    kinds: Mapping[str, jobs_service.JobKind] | None = None,
    dispatch: jobs_service.Dispatch | None = None,
) -> jobs.Job:
    """Store an uploaded file and queue the ``catalog.import`` job that imports it (a job of
    the user's home club: its result is that club's)."""
    if not permissions.can(user, "catalog.import"):
        raise errors.Forbidden()
    club_id = tenancy.scope_for(session, user).home_club_id
    params = store_upload(upload.stream, upload.filename or "", media_root)
    if kinds is None or dispatch is None:  # the app's queue (a test may pass its own)
        runtime = jobs_service.runtime()
        kinds, dispatch = kinds or runtime.kinds, dispatch or runtime.dispatch
    try:
        return jobs_service.enqueue(
            session,
            kinds,
            kind=KIND,
            params=params,
            owner=user,
            dispatch=dispatch,
            club_id=club_id,
        )
    except Exception:
        (Path(media_root) / params["path"]).unlink(missing_ok=True)
        raise


def validate_job_params(params: dict[str, Any]) -> dict[str, Any]:
    """The job's parameters: a stored upload under imports/ and the original file name."""
    fields: dict[str, list[str]] = {}
    path = params.get("path")
    if not isinstance(path, str) or not UPLOAD_PATH_RE.match(path):
        fields["params.path"] = [_("Đường dẫn tệp tải lên không hợp lệ.")]
    filename = params.get("filename")
    if not isinstance(filename, str) or not filename or len(filename) > 255:
        fields["params.filename"] = [_("Thiếu tên tệp.")]
    elif isinstance(path, str) and formats.file_format(filename) != formats.file_format(path):
        fields["params.filename"] = [_("Tên tệp không khớp định dạng tệp đã tải lên.")]
    for name in sorted(set(params) - {"path", "filename"}):
        fields[f"params.{name}"] = [_("Tham số không được hỗ trợ.")]
    if fields:
        raise errors.ValidationError(fields=fields)
    return {"path": path, "filename": filename}


def run_import_job(
    ctx: jobs_service.JobContext, params: dict[str, Any], media_root: str | Path
) -> dict[str, Any]:
    """The job handler's body: import the stored upload as the job's owner, then delete it."""
    path = Path(media_root) / params["path"]
    try:
        owner = ctx.session.get(accounts.User, ctx.job.owner_id) if ctx.job.owner_id else None
        if owner is None:
            raise jobs_service.JobFailed(N_("Người tạo công việc không còn tồn tại."))
        try:
            summary = importer.import_file(
                ctx.session, owner, path, filename=params["filename"], progress=ctx.progress
            )
        except results.ImportFailed as exc:
            # The msgid itself (not this worker's wording): the job page translates it.
            message = results.msgid_of(results.JOB_FAILED) or str(results.JOB_FAILED)
            raise jobs_service.JobFailed(message, result=exc.to_result()) from exc
        except errors.Forbidden as exc:
            raise jobs_service.JobFailed(exc.message) from exc
        return summary.to_dict()
    finally:
        path.unlink(missing_ok=True)
