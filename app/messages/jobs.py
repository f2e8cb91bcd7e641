"""The buyer messages' background job: sending one message (queued by an order event)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import errors
from app.jobs import service as jobs_service
from app.messages import sending


def validate_send_params(params: dict[str, Any]) -> dict[str, Any]:
    """``{"message_id": int}``: the message the job sends."""
    try:
        return sending.validate_params(params)
    except ValueError:
        raise errors.ValidationError(
            fields={"params.message_id": [_("Thiếu mã tin nhắn.")]}
        ) from None


KINDS = (
    jobs_service.JobKind(
        name=sending.JOB,
        title=_l("Gửi tin nhắn cho người mua"),
        handler=sending.send_job,
        permission="orders.record",
        validate=validate_send_params,
        queue="default",
        startable=False,
    ),
)
