"""Background jobs: create and queue, run with progress, cancel, list.

A Job row is the truth about a piece of background work; Celery only carries
its id to a worker. Kinds of job (what actually runs) are declared in
``app.job_kinds``; each handler reports progress through a ``JobContext``,
which is also where a cancel request is noticed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import clock, errors, permissions
from app.models import accounts, jobs

log = logging.getLogger(__name__)

JobStatus = jobs.JobStatus
Dispatch = Callable[[jobs.Job, str], str]
"""Send a job id to the queue named; returns the broker's task id."""


class JobCancelled(Exception):
    """Raised inside a handler when its job was asked to stop."""


class JobFailed(Exception):
    """Raised by a handler to end its job as failed with a plain message and a result
    (e.g. the list of bad rows of an import); nothing the handler wrote is kept."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


@dataclasses.dataclass(frozen=True)
class JobKind:
    name: str
    title: Any  # a lazy translated string
    handler: Callable[[JobContext, dict[str, Any]], dict[str, Any] | None]
    permission: str
    validate: Callable[[dict[str, Any]], dict[str, Any]] = lambda params: params
    queue: str = "default"
    # False for kinds other features queue themselves (e.g. a sync after a catalog change):
    # the generic jobs API neither lists nor starts them.
    startable: bool = True


class JobContext:
    """What a running handler sees: progress reporting and the cancel flag."""

    def __init__(self, session: so.Session, job: jobs.Job, now: clock.Clock) -> None:
        self.session = session
        self.job = job
        self._now = now

    def progress(self, percent: int, message: str = "") -> None:
        """Record progress (0–100) and stop here if the job was cancelled."""
        self.session.refresh(self.job, ["cancel_requested"])
        if self.job.cancel_requested:
            raise JobCancelled()
        self.job.progress = max(0, min(100, int(percent)))
        self.job.message = message[:500]
        self.session.commit()


def enqueue(
    session: so.Session,
    kinds: Mapping[str, JobKind],
    *,
    kind: str,
    params: dict[str, Any],
    owner: accounts.User,
    dispatch: Dispatch,
    identity_key: str | None = None,
) -> jobs.Job:
    """Check, store and queue a job. The row is committed before the message is sent.

    With an ``identity_key``, a job with the same key still waiting in the queue
    is returned instead of queueing the same work twice (a unique partial index
    makes this hold across processes too).
    """
    job_kind = kinds.get(kind)
    if job_kind is None:
        raise errors.ValidationError(fields={"kind": [_("Loại công việc không tồn tại.")]})
    if not permissions.can(owner, job_kind.permission):
        raise errors.Forbidden()
    clean = job_kind.validate(dict(params))
    if identity_key is not None:
        waiting = _queued_with_key(session, identity_key)
        if waiting is not None:
            return waiting
    job = jobs.Job(
        kind=kind,
        title=str(job_kind.title),
        owner_id=owner.id,
        params=clean,
        status=JobStatus.QUEUED,
        message=_("Đang chờ trong hàng đợi…"),
        identity_key=identity_key,
    )
    session.add(job)
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
        waiting = _queued_with_key(session, identity_key) if identity_key else None
        if waiting is None:
            raise
        return waiting
    try:
        job.task_id = dispatch(job, job_kind.queue)
    except Exception as exc:
        log.exception("could not queue job %s", job.id)
        job.status = JobStatus.FAILED
        job.error = _("Không gửi được công việc tới hàng đợi: %(e)s", e=type(exc).__name__)
        session.commit()
        raise errors.ServiceUnavailable(job.error) from exc
    session.commit()
    return job


def _queued_with_key(session: so.Session, identity_key: str) -> jobs.Job | None:
    return session.scalars(
        sa.select(jobs.Job).where(
            jobs.Job.identity_key == identity_key, jobs.Job.status == JobStatus.QUEUED
        )
    ).first()


def run(
    session: so.Session,
    kinds: Mapping[str, JobKind],
    job_id: int,
    now: clock.Clock = clock.utcnow,
) -> JobStatus | None:
    """Run one queued job to its end state (called by the worker)."""
    job = session.get(jobs.Job, job_id)
    if job is None:
        log.warning("job %s vanished before it ran", job_id)
        return None
    if job.status != JobStatus.QUEUED:
        return job.status  # cancelled while queued, or a redelivered message
    job.status, job.started_at, job.message = JobStatus.RUNNING, now(), _("Đang chạy…")
    session.commit()
    context = JobContext(session, job, now)
    try:
        result = kinds[job.kind].handler(context, dict(job.params or {}))
    except JobCancelled:
        session.rollback()
        job.status, job.message = JobStatus.CANCELLED, _("Đã huỷ theo yêu cầu.")
    except JobFailed as exc:
        session.rollback()
        job.status, job.error, job.result = JobStatus.FAILED, exc.message, exc.result
        job.message = _("Thất bại.")
    except Exception as exc:
        session.rollback()
        log.exception("job %s (%s) failed", job.id, job.kind)
        job.status = JobStatus.FAILED
        job.error = str(exc) or type(exc).__name__
        job.message = _("Thất bại.")
    else:
        job.status, job.progress, job.result = JobStatus.SUCCEEDED, 100, result
        job.message = _("Hoàn tất.")
    job.finished_at = now()
    session.commit()
    return job.status


def cancel(
    session: so.Session, user: accounts.User, job_id: int, now: clock.Clock = clock.utcnow
) -> jobs.Job:
    """Ask a job to stop: a queued job ends at once, a running one at its next step."""
    job = get_visible(session, user, job_id)
    if not permissions.can_cancel_job(user, job):
        raise errors.Forbidden()
    if job.status.finished:
        raise errors.Conflict(_("Công việc đã kết thúc, không thể huỷ."))
    job.cancel_requested = True
    if job.status == JobStatus.QUEUED:
        job.status, job.finished_at = JobStatus.CANCELLED, now()
        job.message = _("Đã huỷ theo yêu cầu.")
    else:
        job.message = _("Đang huỷ…")
    session.commit()
    return job


def get_visible(session: so.Session, user: accounts.User, job_id: int) -> jobs.Job:
    job = session.get(jobs.Job, job_id)
    if job is None or not permissions.can_see_job(user, job):
        raise errors.NotFound(_("Không tìm thấy công việc."))
    return job


def visible_query(user: accounts.User, status: str | None = None) -> sa.Select[tuple[jobs.Job]]:
    """Jobs the user may see, newest first."""
    stmt = sa.select(jobs.Job).order_by(jobs.Job.created_at.desc(), jobs.Job.id.desc())
    if not permissions.can(user, "jobs.view_all"):
        stmt = stmt.where(jobs.Job.owner_id == user.id)
    if status:
        stmt = stmt.where(jobs.Job.status == JobStatus(status))
    return stmt
