"""The channels feature's periodic chores, sent by Celery beat on the schedule of
``app.jobs.tasks.beat_schedule`` (daily certificate check, hourly push of queued listings)."""

from __future__ import annotations

import logging

import celery

from app import extensions
from app.channels import publishing, sync
from app.jobs import tasks

log = logging.getLogger(__name__)


@celery.shared_task(name=tasks.CHECK_CERTIFICATES, ignore_result=True)
def check_certificates() -> dict[str, int]:
    """The daily certificate check of every club's listings (what `flask channels
    check-certificates` does by hand)."""
    result = sync.check_certificates(extensions.session(), publishing.Options())
    log.info("daily certificate check: %s", result)
    return result


@celery.shared_task(name=tasks.RESUME_QUEUED, ignore_result=True)
def resume_queued() -> dict[str, object]:
    """Push every listing still waiting in the queue (what `flask channels resume` does)."""
    summary = sync.resume_queued(extensions.session(), publishing.Options())
    log.info("hourly push of queued listings: %s", summary.as_dict())
    return summary.as_dict()
