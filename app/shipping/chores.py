"""Shipping's periodic chore, sent by Celery beat (``app.jobs.tasks.beat_schedule``): ask the
carriers with a status query about parcels with no news for a while (``polling``)."""

from __future__ import annotations

import celery

from app import extensions
from app.jobs import tasks
from app.shipping import polling


@celery.shared_task(name=tasks.POLL_PARCELS, ignore_result=True)
def poll_parcels() -> int:
    return polling.poll(extensions.session()).applied
