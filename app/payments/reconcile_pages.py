"""Reconciliation pages (a day, a live session; CSV/XLSX downloads with ``format=``) and the
bank statement upload. The decisions are the services' (``reconcile``, ``statements``)."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import flask_wtf.file
import wtforms
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import extensions
from app.catalog_io import results
from app.core import errors, permissions
from app.http import forms, helpers
from app.orders import labels
from app.payments import reconcile, statements

bp = flask.Blueprint("reconcile", __name__, url_prefix="/payments", template_folder="templates")


class StatementForm(forms.Form):
    # Extension, size and content are checked by the service (the API shares it).
    file = flask_wtf.file.FileField(
        _l("Tệp sao kê (CSV hoặc XLSX)"),
        validators=[flask_wtf.file.FileRequired(_l("Hãy chọn tệp sao kê."))],
    )
    bank = wtforms.SelectField(_l("Ngân hàng"), validate_choice=False)
    submit = wtforms.SubmitField(_l("Tải lên và đối soát"))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "pay_state_labels": reconcile.PAY_STATE_LABELS,
        "match_labels": reconcile.MATCH_LABELS,
        "order_labels": labels,
        "source_label": reconcile.source_label,
        "here_url": _here_url,
    }


def _here_url(**changes: Any) -> str:
    """This page's address with its query string, ``changes`` applied (page, format…)."""
    values: dict[str, Any] = dict(flask.request.view_args or {})
    values.update(flask.request.args.to_dict())
    values.update(changes)
    return flask.url_for(flask.request.endpoint or "reconcile.day", **values)


def _render(template: str, recon: reconcile.Reconciliation, **context: Any) -> Any:
    """The page, or with ``format=csv|xlsx`` the same reconciliation as a download."""
    args = flask.request.args
    fmt = args.get("format", "").strip().lower()
    if fmt:
        return helpers.send_download(reconcile.download(recon, fmt, args.get("part", "orders")))
    return flask.render_template(
        template,
        recon=recon,
        orders_page=reconcile.page_of(recon.rows, args.get("page")),
        received_page=reconcile.page_of(recon.received, args.get("rpage")),
        unmatched_page=reconcile.page_of(recon.unmatched, args.get("upage")),
        overdue_page=reconcile.page_of(recon.overdue, args.get("opage")),
        **context,
    )


def _club_arg() -> int | None:
    raw = flask.request.args.get("club", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise errors.NotFound(_("Không tìm thấy câu lạc bộ."))
    return int(raw)


@bp.route("/reconcile/")
@permissions.require("payments.reconcile")
def day() -> Any:
    """One day's reconciliation (``?day=YYYY-MM-DD``, default today; ``?club=``)."""
    db, user = extensions.session(), flask_login.current_user
    day_value = reconcile.parse_day(flask.request.args.get("day"), reconcile.today())
    recon = reconcile.for_day(db, user, day_value, club_id=_club_arg())
    return _render(
        "payments/reconcile.html",
        recon,
        clubs=reconcile.club_choices(db, user),
        sessions=reconcile.recent_sessions(db, user),
    )


@bp.route("/reconcile/sessions/<int:session_id>")
@permissions.require("payments.reconcile")
def session_view(session_id: int) -> Any:
    recon = reconcile.for_session(extensions.session(), flask_login.current_user, session_id)
    return _render("payments/reconcile.html", recon, clubs=[], sessions=[])


@bp.route("/statements/import", methods=["GET", "POST"])
@permissions.require("payments.statements")
def statement_import() -> tuple[str, int]:
    form = StatementForm()
    form.bank.choices = statements.bank_choices()
    report = None
    failure: results.ImportFailed | None = None
    status = 200
    if flask.request.method == "POST":
        if form.validate_on_submit():
            try:
                report = statements.import_statement(
                    extensions.session(),
                    flask_login.current_user,
                    form.file.data,
                    bank=form.bank.data or None,
                )
            except errors.ValidationError as exc:  # the file's problems, or the form's
                failure, status = results.shown_on_page(exc, form), 422
        else:
            status = 422
    body = flask.render_template(
        "payments/statement_import.html", form=form, report=report, failure=failure
    )
    return body, status
