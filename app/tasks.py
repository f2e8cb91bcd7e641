"""Celery wiring: the Celery app bound to a Flask app, and the one job task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import celery
import flask

from app import extensions, job_kinds
from app.models import jobs
from app.services import jobs as jobs_service


def init_celery(app: flask.Flask) -> celery.Celery:
    """Create the Celery app for this Flask app; tasks run inside its app context."""

    class FlaskTask(celery.Task):  # type: ignore[misc]
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
    )
    if str(app.config["BROKER_URL"]).startswith(("redis://", "rediss://")):
        # (The SQLite transport hands these options to create_engine: Redis only.)
        visibility = int(app.config["BROKER_VISIBILITY_TIMEOUT"])
        worker.conf.broker_transport_options = {
            "visibility_timeout": visibility,
            # Look for messages of dead workers every few seconds (kombu's default sweep is
            # about every 100 s), so a lost job comes back soon after its timeout.
            "unacked_restore_interval": max(1, min(10, visibility // 4)),
            "unacked_restore_throttle": 1,
        }
    worker.set_default()
    app.extensions["celery"] = worker
    return worker


@celery.shared_task(name="jobs.run", ignore_result=True)
def run_job(job_id: int) -> str | None:
    policy = jobs_service.RunPolicy.from_config(flask.current_app.config)
    status = jobs_service.run(extensions.db.session, job_kinds.KINDS, job_id, policy=policy)
    if status == jobs.JobStatus.RUNNING:
        # Another worker runs it. Look again later: if that worker dies, this message (not
        # the one it holds, which may be gone with it) is what brings the job back.
        job = extensions.db.session.get(jobs.Job, job_id)
        kind = job_kinds.KINDS.get(job.kind) if job else None
        run_job.apply_async(
            args=[job_id],
            queue=kind.queue if kind else "default",
            countdown=policy.stale_seconds,
        )
    return str(status) if status else None


def dispatch(job: jobs.Job, queue: str) -> str:
    """Send a stored job to the broker (the default ``Dispatch`` for enqueue)."""
    result = run_job.apply_async(args=[job.id], queue=queue)
    return str(result.id)


def dispatch_later(seconds: float) -> Callable[[jobs.Job, str], str]:
    """A ``Dispatch`` that sends the job to run no sooner than ``seconds`` from now."""

    def send(job: jobs.Job, queue: str) -> str:
        result = run_job.apply_async(args=[job.id], queue=queue, countdown=max(0.0, seconds))
        return str(result.id)

    return send
