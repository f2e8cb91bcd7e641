"""The live feature's periodic chore, sent by Celery beat every minute
(``app.jobs.tasks.beat_schedule``): cancel the live orders whose hold ran out unpaid."""

from __future__ import annotations

import celery

from app import extensions
from app.jobs import tasks
from app.live import holds


@celery.shared_task(name=tasks.RELEASE_HOLDS, ignore_result=True)
def release_holds() -> list[int]:
    """Cancel every club's placed live orders past their hold (their units go back)."""
    return holds.release_due(extensions.session())
