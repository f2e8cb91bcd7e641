"""Background jobs: start, watch progress, cancel (only jobs of the caller's club scope)."""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest

from app import extensions
from app.core import pagination, permissions, tenancy
from app.jobs import registry, schemas, tasks
from app.jobs import service as jobs_service

blp = flask_smorest.Blueprint(
    "jobs_api", __name__, url_prefix="/api/v1/jobs", description="Công việc chạy nền"
)


@blp.route("", methods=["GET"])
@permissions.require("jobs.view_own")
@blp.arguments(schemas.JobListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, schemas.JobPageSchema)
def list_jobs(page: int, per_page: int, status: str | None = None) -> object:
    """The caller's jobs of the clubs in their scope (all jobs for an admin), newest first."""
    session = extensions.session()
    user = flask_login.current_user
    stmt = jobs_service.visible_query(user, status, scope=tenancy.scope_for(session, user))
    return pagination.paginate(session, stmt, page, per_page)


@blp.route("", methods=["POST"])
@permissions.require("jobs.view_own")
@blp.arguments(schemas.JobCreateSchema)
@blp.response(202, schemas.JobSchema)
def create_job(body: dict[str, Any]) -> object:
    """Queue a job of a kind the caller may start; poll it for progress. The system check is
    install-wide; any other kind runs for the caller's club (422 `no_club` when there is none:
    an admin without a working club while the install has several clubs)."""
    return jobs_service.start(
        extensions.session(),
        registry.current().startable(),
        kind=body["kind"],
        params=body["params"],
        owner=flask_login.current_user,
        dispatch=tasks.dispatch,
    )


@blp.route("/kinds", methods=["GET"])
@permissions.require("jobs.view_own")
@blp.response(200, schemas.JobKindSchema(many=True))
def list_kinds() -> object:
    """Kinds of job the caller may start."""
    user = flask_login.current_user
    return [
        {"name": kind.name, "title": str(kind.title)}
        for kind in registry.current().startable().values()
        if permissions.can(user, kind.permission)
    ]


@blp.route("/<int:job_id>", methods=["GET"])
@permissions.require("jobs.view_own")
@blp.response(200, schemas.JobSchema)
def get_job(job_id: int) -> object:
    """One job with its status, progress (0–100), message, error and result."""
    return jobs_service.get_visible(extensions.session(), flask_login.current_user, job_id)


@blp.route("/<int:job_id>/cancel", methods=["POST"])
@permissions.require("jobs.view_own")
@blp.response(200, schemas.JobSchema)
def cancel_job(job_id: int) -> object:
    """Ask a job to stop (409 when it has already ended)."""
    return jobs_service.cancel(extensions.session(), flask_login.current_user, job_id)
