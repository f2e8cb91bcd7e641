"""Background jobs: create and queue, run with progress, cancel, list.

A Job row is the truth about a piece of background work; Celery only carries
its id to a worker. Kinds of job (what actually runs) are declared by each feature and
registered at app creation (``app.jobs.registry``); each handler reports progress through a
``JobContext``, which is also where a cancel request is noticed. Services queue work through
``runtime()``, the queue the app installs (kinds and dispatch), never through the registry or
Celery directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypedDict

import flask
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from typing_extensions import Unpack

from app.core import clock, errors, i18n, permissions, tenancy, uow
from app.core.i18n import N_
from app.models import accounts, jobs

log = logging.getLogger(__name__)

JobStatus = jobs.JobStatus
MESSAGE_LIMIT = 500  # jobs.message's length
Dispatch = Callable[[jobs.Job, str], str]
"""Send a job id to the queue named; returns the broker's task id."""


class JobCancelled(Exception):
    """Raised inside a handler when its job was asked to stop."""


class JobFailed(Exception):
    """Raised by a handler to end its job as failed with a message and a result (e.g. the
    list of bad rows of an import); nothing the handler wrote is kept. The message is a msgid
    (``N_``) or an ``i18n.deferred`` one, so each reader gets it in their language."""

    def __init__(
        self, message: str | Mapping[str, Any], result: dict[str, Any] | None = None
    ) -> None:
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
    # True for work about the install, not a club (the system check): such a job has no club.
    install_wide: bool = False


@dataclasses.dataclass(frozen=True)
class Runtime:
    """The job kinds and the queue this app sends jobs to, installed on the Flask app at start
    (``tasks.init_celery``), so a service queueing follow-up work needs neither the kinds'
    registry (which imports the services) nor the Celery wiring."""

    kinds: Mapping[str, JobKind]
    dispatch: Dispatch
    dispatch_later: Callable[[float], Dispatch]


RUNTIME_EXTENSION = "ocop.jobs"


def install(app: flask.Flask, runtime: Runtime) -> None:
    app.extensions[RUNTIME_EXTENSION] = runtime


def runtime() -> Runtime:
    """The running app's job kinds and dispatch (see ``install``)."""
    return flask.current_app.extensions[RUNTIME_EXTENSION]


class JobContext:
    """What a running handler sees: progress reporting and the cancel flag."""

    def __init__(self, session: so.Session, job: jobs.Job, now: clock.Clock) -> None:
        self.session = session
        self.job = job
        self._now = now

    @property
    def now(self) -> clock.Clock:
        """The clock this run goes by (``run(now=…)``)."""
        return self._now

    @property
    def club_id(self) -> int | None:
        """The club the work is for: the job row is the source (handlers touch only its rows)."""
        return self.job.club_id

    def progress(self, percent: int, message: str | Mapping[str, Any] = "") -> None:
        """Record progress (0–100) and stop here if the job was cancelled. ``message`` is a
        msgid (``N_``) or an ``i18n.deferred`` one: stored as such, worded for each reader."""
        self.session.refresh(self.job, ["cancel_requested"])
        if self.job.cancel_requested:
            raise JobCancelled()
        moment = self._now()
        # A job reporting progress is running, whatever path brought it here: the page never
        # shows "waiting" with no start time above a moving bar.
        if self.job.status == JobStatus.QUEUED:
            self.job.status = JobStatus.RUNNING
        if self.job.started_at is None:
            self.job.started_at = moment
        self.job.progress = max(0, min(100, int(percent)))
        self.job.message = i18n.encode(message, limit=MESSAGE_LIMIT)
        self.job.heartbeat_at = moment
        uow.checkpoint(self.session, "progress: the job page and a cancel read it now")


def kind_title(job: jobs.Job) -> str:
    """The job's kind name in the reader's language (the stored title was written in the
    language of whoever queued it); the stored title for a kind this install no longer has."""
    kind = runtime().kinds.get(job.kind)
    return str(kind.title) if kind is not None else job.title


class JobOrder(TypedDict):
    """What queueing a job takes: its kind by name, its parameters, who starts it and how its
    message reaches the queue (the keywords of ``enqueue`` and ``start``)."""

    kind: str
    params: dict[str, Any]
    owner: accounts.User | None  # None: the app's own work (a buyer message on an order event)
    dispatch: Dispatch


def enqueue(
    session: so.Session,
    kinds: Mapping[str, JobKind],
    *,
    identity_key: str | None = None,
    club_id: int | None = None,
    **order: Unpack[JobOrder],
) -> jobs.Job:
    """Check, store and queue a job. The row is committed before the message is sent.

    ``club_id`` is the club the work is for (its result is reachable only in that club's
    scope); None for install-wide work such as the system check.

    With an ``identity_key``, a job with the same key still waiting in the queue
    is returned instead of queueing the same work twice (a unique partial index
    makes this hold across processes too).
    """
    kind, params, owner = order["kind"], order["params"], order["owner"]
    job_kind = kinds.get(kind)
    if job_kind is None:
        raise errors.ValidationError(fields={"kind": [_("Loại công việc không tồn tại.")]})
    if owner is not None and not permissions.can(owner, job_kind.permission):
        raise errors.Forbidden()
    clean = job_kind.validate(dict(params))
    if identity_key is not None:
        waiting = _queued_with_key(session, identity_key)
        if waiting is not None:
            return waiting
    job = jobs.Job(
        kind=kind,
        title=str(job_kind.title),
        owner_id=owner.id if owner is not None else None,
        club_id=club_id,
        params=clean,
        status=JobStatus.QUEUED,
        message=N_("Đang chờ trong hàng đợi…"),
        identity_key=identity_key,
    )
    session.add(job)
    try:
        uow.checkpoint(session, "the job row exists before its message is sent")
    except sa.exc.IntegrityError:
        uow.discard(session, "the same work is already queued (its row is the one)")
        waiting = _queued_with_key(session, identity_key) if identity_key else None
        if waiting is None:
            raise
        return waiting
    try:
        job.task_id = order["dispatch"](job, job_kind.queue)
    except Exception as exc:
        log.exception("could not queue job %s", job.id)
        job.status = JobStatus.FAILED
        why = i18n.deferred(
            N_("Không gửi được công việc tới hàng đợi: %(e)s"), e=type(exc).__name__
        )
        job.error = i18n.encode(why)
        uow.checkpoint(session, "a job that could not be queued says so")
        raise errors.ServiceUnavailable(i18n.message_text(why)) from exc
    uow.checkpoint(session, "the queue's task id is kept")
    return job


def start(session: so.Session, kinds: Mapping[str, JobKind], **order: Unpack[JobOrder]) -> jobs.Job:
    """Queue a job a user starts by name (the generic jobs API and page): an install-wide kind
    has no club; any other kind runs for the user's home club (NoClub, a 422, when none)."""
    owner = order["owner"]
    job_kind = kinds.get(order["kind"])
    club_id = None
    # (An unknown kind or a missing permission is refused by enqueue, before any club matters.)
    if (
        job_kind is not None
        and not job_kind.install_wide
        and permissions.can(owner, job_kind.permission)
    ):
        club_id = tenancy.scope_for(session, owner).home_club()
    return enqueue(session, kinds, club_id=club_id, **order)


def _queued_with_key(session: so.Session, identity_key: str) -> jobs.Job | None:
    return session.scalars(
        sa.select(jobs.Job).where(
            jobs.Job.identity_key == identity_key, jobs.Job.status == JobStatus.QUEUED
        )
    ).first()


@dataclasses.dataclass(frozen=True)
class RunPolicy:
    """How a worker proves it is alive, and when a silent one is presumed dead."""

    heartbeat_seconds: float = 10.0
    stale_seconds: float = 60.0  # no heartbeat for this long: the runner is gone
    max_attempts: int = 3  # runs started (first + take-overs) before the job is failed

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RunPolicy:
        return cls(
            heartbeat_seconds=float(config.get("JOB_HEARTBEAT_SECONDS", cls.heartbeat_seconds)),
            stale_seconds=float(config.get("JOB_STALE_SECONDS", cls.stale_seconds)),
            max_attempts=int(config.get("JOB_MAX_ATTEMPTS", cls.max_attempts)),
        )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


class _Heartbeat(threading.Thread):
    """Marks the job alive every few seconds while a long step runs (its own connection)."""

    def __init__(
        self, engine: sa.Engine, job_id: int, worker: str, interval: float, now: clock.Clock
    ) -> None:
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.engine, self.job_id, self.worker = engine, job_id, worker
        self.interval, self.now = interval, now
        self.stopped = threading.Event()

    def run(self) -> None:
        job = jobs.Job
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        sa.update(job)
                        .where(job.id == self.job_id, job.worker == self.worker)
                        .where(job.status == JobStatus.RUNNING)
                        .values(heartbeat_at=self.now())
                    )
            except Exception:  # a missed beat is not fatal; the next one may pass
                log.warning("heartbeat for job %s failed", self.job_id, exc_info=True)


def _claim(
    session: so.Session, job_id: int, worker: str, moment: dt.datetime, policy: RunPolicy
) -> bool:
    """Take the job to run it: a queued one, or a running one whose runner went silent.

    Both are compare-and-set UPDATEs, so of two workers holding copies of one message only
    one runs it. A job that died ``max_attempts`` times is failed instead."""
    job = jobs.Job
    claimed = session.execute(
        sa.update(job)
        .where(job.id == job_id, job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            worker=worker,
            heartbeat_at=moment,
            started_at=moment,
            attempts=job.attempts + 1,
            message=N_("Đang chạy…"),
        )
        .execution_options(synchronize_session=False)
    )
    if uow.affected(claimed) == 1:
        uow.checkpoint(session, "claimed: no other worker runs it")
        return True
    taken = session.execute(
        sa.update(job)
        .where(job.id == job_id, _silent(moment, policy))
        .where(job.attempts < policy.max_attempts)
        .values(
            worker=worker,
            heartbeat_at=moment,
            attempts=job.attempts + 1,
            progress=0,
            message=N_("Máy chạy trước bị ngắt giữa chừng; đang chạy lại…"),
        )
        .execution_options(synchronize_session=False)
    )
    if uow.affected(taken) == 1:
        uow.checkpoint(session, "taken over from a silent worker")
        log.warning("job %s: its worker went silent; taken over by %s", job_id, worker)
        return True
    _fail_worn_out(session, moment, policy, job.id == job_id)
    uow.checkpoint(session, "failed after too many silent workers (or not ours)")
    return False


def _silent(moment: dt.datetime, policy: RunPolicy) -> sa.ColumnElement[bool]:
    """Running, and no heartbeat for ``policy.stale_seconds``: its worker is presumed dead."""
    job = jobs.Job
    return sa.and_(
        job.status == JobStatus.RUNNING,
        sa.or_(
            job.heartbeat_at.is_(None),
            job.heartbeat_at < moment - dt.timedelta(seconds=policy.stale_seconds),
        ),
    )


def _fail_running(
    session: so.Session, moment: dt.datetime, error: str, *which: sa.ColumnElement[bool]
) -> list[int]:
    """End the running jobs among ``which`` as failed with ``error`` (stored); their ids."""
    job = jobs.Job
    failed = session.execute(
        sa.update(job)
        .where(job.status == JobStatus.RUNNING, *which)
        .values(
            status=JobStatus.FAILED,
            finished_at=moment,
            heartbeat_at=None,
            error=error,
            message=N_("Thất bại."),
        )
        .returning(job.id)
        .execution_options(synchronize_session=False)
    )
    return list(failed.scalars())


def _fail_worn_out(
    session: so.Session, moment: dt.datetime, policy: RunPolicy, *which: sa.ColumnElement[bool]
) -> list[int]:
    """Fail the silent jobs (among ``which``) that already started ``max_attempts`` times."""
    why = i18n.deferred(
        N_("Máy chạy công việc bị ngắt %(n)d lần; đã dừng thử lại."), n=policy.max_attempts
    )
    worn_out = jobs.Job.attempts >= policy.max_attempts
    return _fail_running(
        session, moment, i18n.encode(why), _silent(moment, policy), worn_out, *which
    )


def requeue_silent(
    session: so.Session,
    queue: Runtime,
    *,
    now: clock.Clock = clock.utcnow,
    policy: RunPolicy | None = None,
    limit: int = 100,
) -> list[int]:
    """Put the running jobs whose worker went silent back in the queue (a chore of beat's,
    every minute); returns their ids.

    A broker that keeps a dead worker's message brings such a job back by itself (Redis, after
    its visibility timeout); the embedded SQLite broker never does, so without this a worker
    killed mid-job (power cut, out of memory) would leave its job "running" for ever. The
    message is sent first and the job set back to queued by compare-and-set (only while still
    silent): whichever lands first, one worker runs it (``_claim``). A job left in the queue
    is not sent again, so a long outage of every worker does not pile up messages. A job that
    started ``max_attempts`` times is failed instead; one whose work was queued again under
    the same identity key meanwhile is failed in favour of that job."""
    policy = policy or RunPolicy()
    moment = now()
    job = jobs.Job
    if _fail_worn_out(session, moment, policy):
        uow.checkpoint(session, "jobs whose workers died too often are failed")
    silent = list(
        session.execute(
            sa.select(job.id, job.kind, job.identity_key)
            .where(_silent(moment, policy), job.attempts < policy.max_attempts)
            .order_by(job.id)
            .limit(limit)
        )
    )
    requeued: list[int] = []
    for job_id, kind, identity_key in silent:
        if identity_key is not None and _queued_with_key(session, identity_key) is not None:
            _supersede(session, job_id, moment)
            continue
        job_kind = queue.kinds.get(kind)
        task_id = queue.dispatch(
            session.get_one(job, job_id), job_kind.queue if job_kind else "default"
        )
        try:  # (the unique index on queued identity keys answers at the UPDATE or the commit)
            back = session.execute(
                sa.update(job)
                .where(job.id == job_id, _silent(moment, policy))
                .values(
                    status=JobStatus.QUEUED,
                    worker=None,
                    heartbeat_at=None,
                    started_at=None,
                    progress=0,
                    task_id=task_id,
                    message=N_("Máy chạy trước bị ngắt giữa chừng; đang chờ chạy lại…"),
                )
                .execution_options(synchronize_session=False)
            )
            uow.checkpoint(session, "back in the queue; its message is on its way")
        except sa.exc.IntegrityError:
            uow.discard(session, "the same work was queued meanwhile: that job does it")
            _supersede(session, job_id, moment)
            continue
        if uow.affected(back) == 1:
            log.warning("job %s: its worker went silent; queued again", job_id)
            requeued.append(job_id)
    return requeued


def _supersede(session: so.Session, job_id: int, moment: dt.datetime) -> None:
    why = N_("Máy chạy công việc bị ngắt giữa chừng; việc này đã được xếp hàng lại.")
    _fail_running(session, moment, i18n.encode(why), jobs.Job.id == job_id)
    uow.checkpoint(session, "the interrupted copy of queued work ends")


def run(
    session: so.Session,
    kinds: Mapping[str, JobKind],
    job_id: int,
    now: clock.Clock = clock.utcnow,
    policy: RunPolicy | None = None,
    worker: str | None = None,
) -> JobStatus | None:
    """Run one job to its end state (called by the worker with each delivery of its message).

    Returns the job's status afterwards: RUNNING means another live worker has it (the caller
    checks back later, so the job is recovered if that worker dies too)."""
    policy = policy or RunPolicy()
    worker = worker or worker_name()
    if not _claim(session, job_id, worker, now(), policy):
        job = session.get(jobs.Job, job_id)
        if job is None:
            log.warning("job %s vanished before it ran", job_id)
            return None
        session.refresh(job)
        return job.status  # finished, cancelled while queued, or alive on another worker
    job = session.get(jobs.Job, job_id)
    assert job is not None
    session.refresh(job)
    engine = session.get_bind()
    assert isinstance(engine, sa.Engine)  # the app's sessions are bound to its engine
    beat = _Heartbeat(engine, job_id, worker, policy.heartbeat_seconds, now)
    beat.start()
    context = JobContext(session, job, now)
    try:
        result = kinds[job.kind].handler(context, dict(job.params or {}))
    except JobCancelled:
        uow.discard(session, "the handler's unfinished writes go; the outcome is written")
        job.status, job.message = JobStatus.CANCELLED, N_("Đã huỷ theo yêu cầu.")
    except JobFailed as exc:
        uow.discard(session, "the handler's unfinished writes go; the outcome is written")
        job.status, job.error, job.result = JobStatus.FAILED, i18n.encode(exc.message), exc.result
        job.message = N_("Thất bại.")
    except Exception as exc:
        uow.discard(session, "the handler's unfinished writes go; the outcome is written")
        log.exception("job %s (%s) failed", job.id, job.kind)
        job.status = JobStatus.FAILED
        job.error = str(exc) or type(exc).__name__
        job.message = N_("Thất bại.")
    else:
        job.status, job.progress, job.result = JobStatus.SUCCEEDED, 100, result
        job.message = N_("Hoàn tất.")
    finally:
        beat.stopped.set()
        beat.join()
    owner = session.scalar(sa.select(jobs.Job.worker).where(jobs.Job.id == job_id))
    if owner != worker:  # presumed dead while paused, and taken over: the new run reports
        log.warning("job %s was taken over by %s; dropping this run's outcome", job_id, owner)
        uow.discard(session, "another worker took it over: its run reports")
        return JobStatus.RUNNING
    job.finished_at = now()
    job.heartbeat_at = None
    uow.checkpoint(session, "the outcome")
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
        job.message = N_("Đã huỷ theo yêu cầu.")
    else:
        job.message = N_("Đang huỷ…")
    uow.checkpoint(session, "the cancel request (a running job reads it at its next step)")
    return job


def _sees(session: so.Session, user: accounts.User, job: jobs.Job) -> bool:
    """Whose jobs: one's own (an admin everyone's), and only while the job's club is in scope
    (a user moved to another club no longer reads the old club's job results)."""
    if not permissions.can_see_job(user, job):
        return False
    if job.club_id is None:
        return True
    scope = tenancy.scope_for(session, user)
    # A producer account's own jobs (a sync of its products) run in the club of the shop they
    # touch; the producer reaches no club's rows, but the work was its own.
    return scope.producer_id is not None or scope.sees_club(job.club_id)


def get_visible(session: so.Session, user: accounts.User, job_id: int) -> jobs.Job:
    job = session.get(jobs.Job, job_id)
    if job is None or not _sees(session, user, job):
        raise errors.NotFound(_("Không tìm thấy công việc."))
    return job


def visible_query(
    user: accounts.User, status: str | None = None, scope: tenancy.Scope | None = None
) -> sa.Select[jobs.Job]:
    """Jobs the user may see, newest first (``scope``: the user's, to drop other clubs' jobs)."""
    stmt = sa.select(jobs.Job).order_by(jobs.Job.created_at.desc(), jobs.Job.id.desc())
    if not permissions.can(user, "jobs.view_all"):
        stmt = stmt.where(jobs.Job.owner_id == user.id)
    if scope is not None and not scope.every_club and scope.producer_id is None:
        stmt = stmt.where(sa.or_(jobs.Job.club_id.is_(None), scope.club_filter(jobs.Job.club_id)))
    if status:
        stmt = stmt.where(jobs.Job.status == JobStatus(status))
    return stmt
