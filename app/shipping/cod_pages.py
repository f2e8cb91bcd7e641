"""COD statement pages: the import form and the statements list, one statement with its lines,
the reconciliation (short payments, delivered parcels not paid, unknown lines) with what the
club owes each producer (CSV download)."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
from flask_babel import gettext as _

from app import extensions
from app.core import errors, permissions
from app.http import forms as http_forms
from app.http import helpers
from app.shipping import cod, labels

bp = flask.Blueprint("cod", __name__, url_prefix="/shipping/cod", template_folder="templates")


def _db() -> Any:
    return extensions.session()


def _user() -> Any:
    return flask_login.current_user


@bp.context_processor
def _cod_helpers() -> dict[str, Any]:
    return {
        "carrier_name": labels.carrier_name,
        "state_label": cod.state_label,
        "parcel_state_label": cod.parcel_state_label,
        "fee_labels": cod.FEE_LABELS,
    }


def _carrier_arg() -> str | None:
    carrier = str(flask.request.args.get("carrier") or "")
    return carrier if carrier in cod.cod.CARRIERS else None


def _index(problems: list[str] | None = None, code: int = 200) -> Any:
    body = flask.render_template(
        "shipping/cod.html",
        statements=cod.statements_for(_db(), _user(), _carrier_arg()),
        carriers=cod.carrier_choices(),
        chosen=flask.request.form.get("carrier", ""),
        problems=problems or [],
    )
    return body, code


@bp.route("")
@permissions.require("shipping.cod")
def index() -> Any:
    return _index()


@bp.route("", methods=["POST"])
@permissions.require("shipping.cod")
def upload() -> Any:
    if not http_forms.EmptyForm().validate_on_submit():
        return _index([_("Biểu mẫu chưa hợp lệ; hãy tải lại trang rồi thử lại.")], 422)
    upload = flask.request.files.get("file")
    if upload is None or not upload.filename:
        return _index([_("Hãy chọn tệp bảng kê.")], 422)
    data = upload.stream.read(cod.MAX_BYTES + 1)
    try:
        row = cod.import_statement(
            _db(), _user(), str(flask.request.form.get("carrier") or ""), upload.filename, data
        )
    except (errors.ValidationError, errors.Conflict) as error:
        messages = [m for ms in error.fields.values() for m in ms] or [error.message]
        return _index(messages, error.status)
    flask.flash(_("Đã nhập bảng kê: %(n)d dòng.", n=len(row.lines)), "success")
    return flask.redirect(flask.url_for("cod.statement", statement_id=row.id))


@bp.route("/<int:statement_id>")
@permissions.require("shipping.cod")
def statement(statement_id: int) -> str:
    return flask.render_template(
        "shipping/cod_statement.html", row=cod.get_statement(_db(), _user(), statement_id)
    )


@bp.route("/reconciliation")
@permissions.require("shipping.cod")
def reconciliation() -> Any:
    carrier = _carrier_arg()
    result = cod.reconciliation(_db(), helpers.current_scope(), carrier)
    if flask.request.args.get("format") == "csv":
        return flask.Response(
            cod.payables_csv(result),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=cod-producers.csv"},
        )
    return flask.render_template(
        "shipping/cod_reconciliation.html",
        result=result,
        carrier=carrier or "",
        carriers=cod.carrier_choices(),
    )
