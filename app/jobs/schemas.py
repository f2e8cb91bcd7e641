"""What the jobs API reads and writes."""

from __future__ import annotations

import marshmallow as ma
import marshmallow.validate as mv

from app.core import i18n
from app.http import schemas
from app.jobs import service as jobs_service
from app.models import jobs

JOB_STATUSES = [status.value for status in jobs.JobStatus]


class JobSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    title = ma.fields.Function(jobs_service.kind_title, required=True)
    owner_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(required=True, validate=mv.OneOf(JOB_STATUSES))
    progress = ma.fields.Integer(required=True, metadata={"description": "0–100"})
    message = ma.fields.Function(lambda job: i18n.stored_text(job.message), required=True)
    error = ma.fields.Function(lambda job: i18n.stored_text(job.error) or None, allow_none=True)
    params = ma.fields.Dict(required=True)
    result = ma.fields.Dict(allow_none=True)
    cancel_requested = ma.fields.Boolean(required=True)
    created_at = ma.fields.DateTime(required=True)
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)


class JobPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(JobSchema), required=True)


class JobListArgsSchema(schemas.PageArgsSchema):
    status = ma.fields.String(validate=mv.OneOf(JOB_STATUSES))


class JobCreateSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=mv.Length(min=1, max=64))
    params = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


class JobKindSchema(ma.Schema):
    name = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
