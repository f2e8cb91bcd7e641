"""The catalog import job: an uploaded CSV/XLSX file imported all or nothing."""

from __future__ import annotations

from typing import Any

import flask
from flask_babel import lazy_gettext as _l

from app.catalog_io import uploads
from app.jobs import service as jobs_service


def catalog_import(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Import an uploaded CSV/XLSX catalog file (all or nothing), then delete the upload.

    Bad rows end the job as failed, with the row/column errors as its result.
    """
    return uploads.run_import_job(ctx, params, flask.current_app.config["MEDIA_ROOT"])


KINDS = (
    jobs_service.JobKind(
        name=uploads.KIND,
        title=_l("Nhập danh mục sản phẩm"),
        handler=catalog_import,
        permission="catalog.import",
        validate=uploads.validate_job_params,
    ),
)
