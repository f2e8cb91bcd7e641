"""Celery wiring: the Celery app bound to a Flask app, the one job task, and the schedule of
the periodic chores Celery beat sends (one beat process per install: `make run` starts it
beside the worker, docs/deploy.md runs it as a systemd unit). The chores themselves belong to
their features (``app/channels/chores.py``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import celery
import flask
from celery.schedules import crontab

from app import extensions
from app.jobs import broker, registry
from app.jobs import service as jobs_service
from app.models import jobs

log = logging.getLogger(__name__)

# Chores of the channels feature (app/channels/chores.py registers the tasks by these names).
CHECK_CERTIFICATES = "channels.check_certificates"
RESUME_QUEUED = "channels.resume_queued"
# The live feature's chore (app/live/chores.py).
RELEASE_HOLDS = "live.release_holds"
# The buyer messages' chore (app/messages/chores.py).
RESUME_MESSAGES = "messages.resume_queued"
POLL_PARCELS = "shipping.poll_parcels"
# The sales aggregates' chore (app/rollups/chores.py).
REFRESH_ROLLUPS = "rollups.refresh"
# The jobs' own chores (below).
REQUEUE_SILENT = "jobs.requeue_silent"
TIDY_BROKER = "jobs.tidy_broker"


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The periodic chores (Celery's clock is UTC: 17:05 UTC is 00:05 in Vietnam).

    - every day just after midnight in Vietnam, when certificates change status, pause the
      listings whose OCOP certificate expired and resume the renewed ones (every club);
    - every hour, push the listings still queued (after a daily quota or an outage);
    - every minute, cancel the live orders whose hold ran out unpaid (their units go back);
    - every five minutes, queue again the buyer messages whose job never reached the broker;
    - every minute, remake the sales aggregates of the months whose orders changed;
    - every minute, queue again the jobs whose worker died mid-run (silent heartbeat);
    - every hour, delete the messages the embedded broker delivered (it keeps them all).

    A run missed while beat was stopped is sent once when it starts again (the schedule file
    remembers the last run).
    """
    return {
        "channels-check-certificates-daily": _chore(CHECK_CERTIFICATES, crontab(hour=17, minute=5)),
        "live-release-holds-every-minute": _chore(RELEASE_HOLDS, crontab()),
        "messages-resume-queued": _chore(RESUME_MESSAGES, crontab(minute="*/5")),
        # Parcels with no news from their carrier for two hours: ask (app/shipping/polling.py).
        "poll-parcels": _chore(POLL_PARCELS, crontab(minute="*/10")),
        # Sales aggregates of the cells whose orders changed (app/rollups/refresh.py).
        "refresh-rollups": _chore(REFRESH_ROLLUPS, crontab(minute="*")),
        # Jobs whose worker died mid-run: back in the queue (app/jobs/service.py).
        "jobs-requeue-silent": _chore(REQUEUE_SILENT, crontab(minute="*")),
        # The embedded broker keeps every delivered message: delete them (app/jobs/broker.py).
        "jobs-tidy-broker-hourly": _chore(TIDY_BROKER, crontab(minute=45)),
        "channels-resume-queued-hourly": _chore(RESUME_QUEUED, crontab(minute=15)),
    }


def _chore(task: str, schedule: crontab) -> dict[str, Any]:
    """A beat entry: the chore's task by name, when, on the default queue (any worker)."""
    return {"task": task, "schedule": schedule, "options": {"queue": "default"}}


def init_celery(app: flask.Flask) -> celery.Celery[Any]:
    """Create the Celery app for this Flask app; tasks run inside its app context."""

    class FlaskTask(celery.Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    worker = celery.Celery(app.import_name, task_cls=FlaskTask)
    worker.conf.update(
        broker_url=app.config["BROKER_URL"],
        result_backend=app.config["RESULT_BACKEND"],
        task_default_queue="default",
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # A job is acknowledged only once it ends, so a killed worker's job is redelivered.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        result_expires=7 * 24 * 3600,
        timezone="UTC",
        enable_utc=True,
        worker_hijack_root_logger=False,
        beat_schedule=beat_schedule(),
    )
    if str(app.config["BROKER_URL"]).startswith(("redis://", "rediss://")):
        # (The SQLite transport hands these options to create_engine: Redis only.)
        visibility = int(app.config["BROKER_VISIBILITY_TIMEOUT"])
        restore_every = max(1, min(10, visibility // 4))
        worker.conf.broker_transport_options = {
            "visibility_timeout": visibility,
            # Look for messages of dead workers every few seconds (kombu's default sweep is
            # about every 100 s), so a lost job comes back soon after its timeout.
            "unacked_restore_interval": restore_every,
            "unacked_restore_throttle": 1,
            # Each sweep holds a Redis lock for a few milliseconds. A worker killed while it
            # holds it leaves the lock to expire (kombu's default: 300 s, and no sweep on any
            # worker until then); three sweeps' time is ample for one sweep.
            "unacked_mutex_expire": 3 * restore_every,
        }
    worker.set_default()
    app.extensions["celery"] = worker
    # ``dispatch`` and ``dispatch_later`` are looked up when called, so the services send
    # through the same functions the views do (and a test's fake broker replaces both).
    jobs_service.install(
        app,
        jobs_service.Runtime(
            kinds=registry.of(app),
            dispatch=lambda job, queue: dispatch(job, queue),
            dispatch_later=lambda seconds: dispatch_later(seconds),
        ),
    )
    return worker


@celery.shared_task(name="jobs.run", ignore_result=True)
def run_job(job_id: int) -> str | None:
    policy = jobs_service.RunPolicy.from_config(flask.current_app.config)
    status = jobs_service.run(extensions.session(), registry.current(), job_id, policy=policy)
    if status == jobs.JobStatus.RUNNING:
        # Another worker runs it. Look again later: if that worker dies, this message (not
        # the one it holds, which may be gone with it) is what brings the job back.
        job = extensions.session().get(jobs.Job, job_id)
        kind = registry.current().get(job.kind) if job else None
        run_job.apply_async(
            args=(job_id,),
            queue=kind.queue if kind else "default",
            countdown=policy.stale_seconds,
        )
    return str(status) if status else None


@celery.shared_task(name=REQUEUE_SILENT, ignore_result=True)
def requeue_silent() -> list[int]:
    """Queue again the running jobs whose worker has been silent too long (died mid-run)."""
    return jobs_service.requeue_silent(
        extensions.session(),
        jobs_service.runtime(),
        policy=jobs_service.RunPolicy.from_config(flask.current_app.config),
    )


@celery.shared_task(name=TIDY_BROKER, ignore_result=True)
def tidy_broker() -> int:
    """Delete the delivered messages the embedded SQLite broker keeps (no-op on Redis)."""
    return broker.tidy(str(flask.current_app.config["BROKER_URL"]))


def dispatch(job: jobs.Job, queue: str) -> str:
    """Send a stored job to the broker (the default ``Dispatch`` for enqueue)."""
    result = run_job.apply_async(args=(job.id,), queue=queue)
    return str(result.id)


def dispatch_later(seconds: float) -> Callable[[jobs.Job, str], str]:
    """A ``Dispatch`` that sends the job to run no sooner than ``seconds`` from now."""

    def send(job: jobs.Job, queue: str) -> str:
        result = run_job.apply_async(args=(job.id,), queue=queue, countdown=max(0.0, seconds))
        return str(result.id)

    return send
