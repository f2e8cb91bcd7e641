"""Catalog import and export pages: upload a CSV/XLSX file (a background job), download the
template, export the products (filtered like the product list)."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import flask_wtf
import flask_wtf.file
import werkzeug
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import extensions
from app.catalog import service as catalog_service
from app.catalog_io import columns, formats, results, uploads
from app.catalog_io import export as catalog_export
from app.core import errors, permissions, tenancy
from app.http import forms, helpers
from app.jobs import service as jobs_service
from app.models import jobs
from app.producers import service as producers_service

bp = flask.Blueprint("catalog_io", __name__, url_prefix="/catalog/io", template_folder="templates")
RECENT_JOBS = 5


@bp.app_context_processor
def _import_helpers() -> dict[str, Any]:
    """``issue_text(e)``: a failed import's stored problem in the reader's language."""
    return {"issue_text": results.issue_text}


class ImportForm(forms.Form):
    # Extension, size and content are checked by the service (the API shares the rules).
    file = flask_wtf.file.FileField(
        _l("Tệp CSV hoặc Excel (.xlsx)"),
        validators=[flask_wtf.file.FileRequired(_l("Hãy chọn tệp cần nhập."))],
        render_kw={"accept": ".csv,.xlsx"},
    )


def _format() -> str:
    fmt = flask.request.args.get("format", "csv")
    if fmt not in formats.FORMATS:
        raise errors.NotFound()
    return fmt


def _page(form: ImportForm, status: int = 200) -> tuple[str, int]:
    user = flask_login.current_user
    session = extensions.session()
    scope = tenancy.scope_for(session, user)
    filters = catalog_service.ProductFilters.from_args(flask.request.args)
    recent = []
    if permissions.can(user, "catalog.import"):
        recent = list(
            session.scalars(
                jobs_service.visible_query(user, scope=scope)
                .where(jobs.Job.kind == uploads.KIND)
                .limit(RECENT_JOBS)
            )
        )
    producers = []
    if scope.producer_id is None:  # a producer account exports only its own anyway
        producers = producers_service.scope_producers(session, scope)
    body = flask.render_template(
        "catalog_io/index.html",
        form=form,
        filters=filters,
        categories=catalog_service.category_choices(session),
        producers=producers,
        recent=recent,
        columns=columns.COLUMNS,
        read_only_columns=columns.READ_ONLY_COLUMNS,
        notes=catalog_export.guide_notes(),
        max_mb=formats.MAX_BYTES >> 20,
    )
    return body, status


@bp.route("/")
@permissions.require("catalog.view")
def index() -> tuple[str, int]:
    return _page(ImportForm())


@bp.route("/import", methods=["POST"])
@permissions.require("catalog.import")
def upload() -> werkzeug.Response | tuple[str, int]:
    form = ImportForm()
    if form.validate_on_submit():
        try:
            job = uploads.start_import(
                extensions.session(),
                flask_login.current_user,
                form.file.data,
                media_root=flask.current_app.config["MEDIA_ROOT"],
            )
        except errors.ValidationError as exc:
            form.file.errors = [*form.file.errors, *exc.fields.get("file", [exc.message])]
        else:
            flask.flash(_("Đã nhận tệp; đang nhập trong nền."), "success")
            return flask.redirect(flask.url_for("jobs.detail", job_id=job.id))
    return _page(form, 422)


@bp.route("/template")
@permissions.require("catalog.view")
def template() -> flask.Response:
    return helpers.send_download(catalog_export.template(_format()))


@bp.route("/export")
@permissions.require("catalog.view")
def export() -> flask.Response:
    download = catalog_export.export_products(
        extensions.session(),
        flask_login.current_user,
        catalog_service.ProductFilters.from_args(flask.request.args),
        _format(),
    )
    return helpers.send_download(download)
