"""The buyer messages' periodic chore, sent by Celery beat every few minutes
(``app.jobs.tasks.beat_schedule``): queue again the messages whose job never reached the
broker (the broker was down when the event came)."""

from __future__ import annotations

import celery

from app import extensions
from app.jobs import tasks
from app.messages import sending


@celery.shared_task(name=tasks.RESUME_MESSAGES, ignore_result=True)
def resume_messages() -> list[int]:
    return sending.resume_due(extensions.session())
