"""The live feature's background jobs: capturing a live's comments while it runs."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import errors
from app.jobs import service as jobs_service
from app.live import capture


def validate_capture_params(params: dict[str, Any]) -> dict[str, Any]:
    """``{"capture_id": int}``: the capture the job follows."""
    value = params.get("capture_id")
    if type(value) is not int or value < 1:
        raise errors.ValidationError(fields={"params.capture_id": [_("Thiếu mã phiên thu.")]})
    return {"capture_id": value}


KINDS = (
    jobs_service.JobKind(
        name=capture.CAPTURE,
        title=_l("Thu bình luận buổi live"),
        handler=capture.run_job,
        permission="live.host",
        validate=validate_capture_params,
        queue="live",
        startable=False,
    ),
)
