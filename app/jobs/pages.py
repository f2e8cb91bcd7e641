"""Background jobs as pages: list, detail with live progress, cancel, start a check.

Only jobs of the clubs in the user's scope are listed or opened (app.services.jobs). What a job
says (its kind's name, messages, result) is shown in the page's language (app.web.job_results).
"""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.core import errors, i18n, pagination, permissions, tenancy
from app.http import forms
from app.jobs import registry, tasks
from app.jobs import results as job_results
from app.jobs import service as jobs_service

bp = flask.Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates")


@bp.app_context_processor
def _job_helpers() -> dict[str, Any]:
    # On every page: dashboards and the import page list jobs too.
    return {"job_title": jobs_service.kind_title, "job_text": i18n.stored_text}


@bp.route("/")
@permissions.require("jobs.view_own")
def index() -> str:
    status = flask.request.args.get("status") or None
    if status not in (None, *jobs_service.JobStatus):
        status = None
    session = extensions.session()
    user = flask_login.current_user
    page = pagination.paginate(
        session,
        jobs_service.visible_query(user, status, scope=tenancy.scope_for(session, user)),
        page=flask.request.args.get("page", 1, type=int),
        per_page=flask.current_app.config["JOBS_PER_PAGE"],
    )
    return flask.render_template(
        "jobs/index.html", page=page, status=status, check_form=forms.SystemCheckForm()
    )


@bp.route("/<int:job_id>")
@permissions.require("jobs.view_own")
def detail(job_id: int) -> str:
    job = jobs_service.get_visible(extensions.session(), flask_login.current_user, job_id)
    return flask.render_template(
        "jobs/detail.html",
        job=job,
        presented=job_results.present(job),
        cancel_form=forms.EmptyForm(),
    )


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@permissions.require("jobs.view_own")
def cancel(job_id: int) -> werkzeug.Response:
    if forms.EmptyForm().validate_on_submit():
        try:
            jobs_service.cancel(extensions.session(), flask_login.current_user, job_id)
        except errors.Conflict as exc:
            flask.flash(exc.message, "error")
        else:
            flask.flash(_("Đã gửi yêu cầu huỷ."), "info")
    return flask.redirect(flask.url_for("jobs.detail", job_id=job_id))


@bp.route("/system-check", methods=["POST"])
@permissions.require("jobs.run_system_check")
def system_check() -> werkzeug.Response:
    if not forms.SystemCheckForm().validate_on_submit():
        flask.abort(400)
    job = jobs_service.start(
        extensions.session(),
        registry.current(),
        kind="system.check",  # install-wide: no club
        params={},
        owner=flask_login.current_user,
        dispatch=tasks.dispatch,
    )
    flask.flash(_("Đã xếp hàng công việc kiểm tra hệ thống."), "success")
    return flask.redirect(flask.url_for("jobs.detail", job_id=job.id))
