"""The aggregates' periodic chore, sent by Celery beat (``app.jobs.tasks.beat_schedule``):
remake the cells marked stale since the last run. Any number of workers may run it at once
(they claim disjoint cells)."""

from __future__ import annotations

import celery

from app import extensions
from app.jobs import tasks
from app.rollups import refresh


@celery.shared_task(name=tasks.REFRESH_ROLLUPS, ignore_result=True)
def refresh_rollups() -> int:
    return refresh.refresh(extensions.session()).cells
