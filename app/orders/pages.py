"""Order pages: the list with filters (and its CSV/XLSX download), one order (with its VietQR
transfer), manual entry, export import, comment-log review, a session's audience figures,
payment accounts. Every page works in the user's club scope (``app.tenancy``)."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import sqlalchemy as sa
import sqlalchemy.orm as so
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.catalog_io import results
from app.core import errors, formatting, pagination, permissions, tenancy
from app.core import labels as app_labels
from app.http import helpers
from app.live import common as live_common
from app.models import live
from app.orders import (
    audience,
    comments,
    downloads,
    imports,
    labels,
    limits,
    manual,
    payments,
    picker,
    queries,
)
from app.orders import forms as order_forms
from app.orders import status as order_status
from app.orders import template as order_template
from vietnam import vietqr

bp = flask.Blueprint("orders", __name__, url_prefix="/orders", template_folder="templates")
PER_PAGE = 25
RECENT_SESSIONS = 60


def _scope() -> tenancy.Scope:
    """The signed-in user's club scope, worked out once per request."""
    if "orders_scope" not in flask.g:
        flask.g.orders_scope = tenancy.scope_for(extensions.session(), flask_login.current_user)
    scope: tenancy.Scope = flask.g.orders_scope
    return scope


def _shows_club() -> bool:
    """Rows are labelled with their club when the user reaches several (or is a producer,
    whose lines come from every club that sells them)."""
    scope = _scope()
    return scope.producer_id is not None or live_common.shows_club(extensions.session(), scope)


@bp.context_processor
def _order_helpers() -> dict[str, Any]:
    return {
        "order_status_labels": order_forms.STATUS_LABELS,
        "order_source_labels": order_forms.SOURCE_LABELS,
        "platform_labels": order_forms.PLATFORM_LABELS,
        "batch_status_labels": order_forms.BATCH_STATUS_LABELS,
        "status_change_via_labels": labels.VIA_LABELS,
        "message_status_label": app_labels.message_status_label,
        "bank_name": payments.bank_name,
        "visible_lines": lambda order: queries.visible_lines(_scope(), order),
        "visible_amount": lambda order: queries.visible_amount(_scope(), order),
        "order_buyer": lambda order: queries.buyer(_scope(), order),
        "proposal_time": _proposal_time,
    }


def _proposal_time(value: str | None) -> str:
    """A proposed line's comment time (stored as ISO text, UTC) in Vietnam time; '—' when it
    does not read (never the stored UTC text)."""
    if not value:
        return ""
    moment = comments.proposal_time(value)
    return formatting.local_datetime(moment, "%d/%m %H:%M:%S") if moment else formatting.MISSING


def _recent_sessions() -> list[live.LiveSession]:
    """The session picker's and filter's options: the latest sessions of the user's clubs."""
    return list(
        extensions.session().scalars(
            sa.select(live.LiveSession)
            .where(_scope().club_filter(live.LiveSession.club_id))
            .options(so.selectinload(live.LiveSession.club))
            .order_by(live.LiveSession.starts_at.desc())
            .limit(RECENT_SESSIONS)
        )
    )


def _session_choices() -> list[order_forms.Choice]:
    return order_forms.session_choices(_recent_sessions(), show_club=_shows_club())


def _session_arg() -> int | None:
    """The session id of the query string or form; None when none is given or no session can
    have it."""
    return limits.id_or_none(flask.request.values.get("session_id"))


def _chosen_session() -> int | None:
    """The session an upload is for: None when none is chosen; a value no session can have is a
    field error (the upload is not made without the session the user meant)."""
    if not flask.request.values.get("session_id", "").strip():
        return None
    session_id = _session_arg()
    if session_id is None:
        raise errors.ValidationError(fields={"session_id": [_("Không tìm thấy phiên livestream.")]})
    return session_id


# --- list and detail ------------------------------------------------------------------------


@bp.route("/")
@permissions.require("orders.view")
def index() -> str | flask.Response:
    """The filtered list, or with ``format=csv|xlsx`` the same orders as a download (one row
    per order line the user may see)."""
    session = extensions.session()
    scope = _scope()
    filters = queries.OrderFilters.from_args(flask.request.args)
    fmt = flask.request.args.get("format", "").strip().lower()
    if fmt:
        return helpers.send_download(downloads.download(session, scope, filters, fmt))
    page = pagination.page_number(flask.request.args.get("page"))
    result = queries.list_orders(session, scope, filters, page, PER_PAGE)
    show_club = _shows_club()
    # The club filter: for users who reach several clubs (a producer's lines are not filtered
    # by club here: its scope reaches no club as such).
    clubs = tenancy.club_choices(session, scope) if show_club and scope.producer_id is None else []
    return flask.render_template(
        "orders/index.html",
        page=result,
        filters=filters,
        args=filters.as_args(),
        sessions=_recent_sessions() if scope.producer_id is None else [],
        clubs=clubs if len(clubs) > 1 else [],
        show_club=show_club,
        platforms=order_forms.PLATFORM_LABELS,
        statuses=order_forms.STATUS_LABELS,
    )


def _detail_page(
    order_id: int, form: order_forms.StatusForm | None = None, code: int = 200
) -> tuple[str, int]:
    session = extensions.session()
    scope = _scope()
    order = queries.get_order(session, scope, order_id)
    qr: payments.PaymentQr | None = None
    qr_problem: str | None = None
    try:
        qr = payments.payment_qr(session, scope, order_id)
    except errors.NotFound:
        qr_problem = None  # a producer sharing the order: no transfer to show
    except errors.ValidationError as exc:
        qr_problem = exc.message
    svg = vietqr.render_svg(qr.payload, scale=4) if qr else None
    # Staff of the order's club change its status (a producer sees the history only).
    changes_status = (
        permissions.can(flask_login.current_user, "orders.record") and scope.producer_id is None
    )
    if changes_status:
        form = form or order_forms.StatusForm(formdata=None)
        form.offer(str(order.status))
    body = flask.render_template(
        "orders/detail.html",
        order=order,
        qr=qr,
        qr_svg=svg,
        qr_problem=qr_problem,
        status_form=form if changes_status else None,
        history=queries.status_history(scope, order),
        buyer_messages=queries.buyer_messages(session, scope, order),
    )
    return body, code


@bp.route("/<int:order_id>")
@permissions.require("orders.view")
def detail(order_id: int) -> tuple[str, int]:
    return _detail_page(order_id)


@bp.route("/<int:order_id>/status", methods=["POST"])
@permissions.require("orders.record")
def change_status(order_id: int) -> tuple[str, int] | werkzeug.Response:
    """Move the order to another status (stock follows), or show why not (409/422)."""
    form = order_forms.StatusForm()
    if not form.validate_on_submit():
        flask.flash(_("Phiên làm việc đã hết hạn; hãy tải lại trang."), "error")
        return _detail_page(order_id, code=422)
    try:
        order = order_status.change_status(
            extensions.session(),
            flask_login.current_user,
            order_id,
            form.status.data or "",
            note=form.note.data,
            expected=form.from_status.data or None,
        )
    except errors.ValidationError as exc:
        helpers.flash_fields(exc, form)
        if not exc.fields:
            flask.flash(exc.message, "error")
        return _detail_page(order_id, form, 422)
    except errors.Conflict as exc:  # not allowed from here, changed meanwhile, or too little stock
        flask.flash(exc.message, "error")
        for messages in exc.fields.values():
            for message in messages:
                if message != exc.message:
                    flask.flash(message, "error")
        return _detail_page(order_id, code=409)
    flask.flash(
        _(
            "Đơn %(id)s: %(status)s.",
            id=order.external_id,
            status=order_forms.STATUS_LABELS[str(order.status)],
        ),
        "success",
    )
    return flask.redirect(flask.url_for("orders.detail", order_id=order_id))


def _qr_response(order_id: int, fmt: str) -> flask.Response:
    qr = payments.payment_qr(extensions.session(), _scope(), order_id)
    if fmt == "png":
        response = flask.Response(vietqr.render_png(qr.payload), mimetype="image/png")
    else:
        response = flask.Response(vietqr.render_svg(qr.payload), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-VietQR-Payload"] = qr.payload
    return response


@bp.route("/<int:order_id>/qr.png")
@permissions.require("orders.view")
def qr_png(order_id: int) -> flask.Response:
    return _qr_response(order_id, "png")


@bp.route("/<int:order_id>/qr.svg")
@permissions.require("orders.view")
def qr_svg(order_id: int) -> flask.Response:
    return _qr_response(order_id, "svg")


# --- manual entry ---------------------------------------------------------------------------


def _manual_page(form: order_forms.ManualOrderForm, status: int) -> tuple[str, int]:
    form.session_id.choices = _session_choices()
    order_forms.set_sku_choices(form, picker.sku_groups(extensions.session(), _scope()))
    return flask.render_template("orders/new.html", form=form), status


@bp.route("/new", methods=["GET", "POST"])
@permissions.require("orders.record")
def new() -> tuple[str, int] | werkzeug.Response:
    form = order_forms.ManualOrderForm()
    if flask.request.method == "GET":
        preset = _session_arg()
        if preset is not None:
            form.session_id.data = str(preset)
        return _manual_page(form, 200)
    if form.validate_on_submit():
        try:
            order = manual.enter_order(
                extensions.session(), flask_login.current_user, form.service_data()
            )
        except errors.ValidationError as exc:
            for message in form.attach_errors(exc.fields) or ([] if exc.fields else [exc.message]):
                flask.flash(message, "error")
        except errors.Conflict as exc:  # too little stock, or another write of the same order
            flask.flash(exc.message, "error")
            for messages in exc.fields.values():
                for message in messages:
                    flask.flash(message, "error")
            return _manual_page(form, 409)
        else:
            flask.flash(_("Đã lưu đơn %(id)s.", id=order.external_id), "success")
            return flask.redirect(flask.url_for("orders.detail", order_id=order.id))
    return _manual_page(form, 422)


# --- import ---------------------------------------------------------------------------------


def _upload_form() -> order_forms.UploadForm:
    form = order_forms.UploadForm()
    form.session_id.choices = _session_choices()
    return form


@bp.route("/import/template")
@permissions.require("orders.record")
def import_template() -> flask.Response:
    """The import template (``?format=csv|xlsx``): header row and one example row."""
    fmt = flask.request.args.get("format", "xlsx").strip().lower()
    return helpers.send_download(order_template.download(extensions.session(), _scope(), fmt))


@bp.route("/import", methods=["GET", "POST"])
@permissions.require("orders.record")
def import_orders() -> tuple[str, int]:
    form = _upload_form()
    summary = None
    failure: results.ImportFailed | None = None
    status = 200
    if flask.request.method == "GET":
        preset = _session_arg()
        if preset is not None:
            form.session_id.data = str(preset)
    elif form.validate_on_submit():
        try:
            summary = imports.import_upload(
                extensions.session(),
                flask_login.current_user,
                form.file.data,
                session_id=_chosen_session(),
            )
        except errors.ValidationError as exc:  # the file's problems, or the form's
            failure, status = results.shown_on_page(exc, form), 422
        except errors.Conflict as exc:  # the same orders written twice at once: try again
            flask.flash(exc.message, "error")
            status = 409
    else:
        status = 422
    body = flask.render_template(
        "orders/import.html",
        form=form,
        summary=summary,
        failure=failure,
        template_guide=order_template.guide(),
    )
    return body, status


# --- comment orders -------------------------------------------------------------------------


@bp.route("/comments", methods=["GET", "POST"])
@permissions.require("orders.record")
def comment_upload() -> tuple[str, int] | werkzeug.Response:
    form = _upload_form()
    choices = form.session_id.choices
    assert isinstance(choices, list)  # _upload_form sets a list, the blank choice first
    # A session is required here.
    form.session_id.choices = choices[1:]
    failure: results.ImportFailed | None = None
    status = 200
    if flask.request.method == "POST":
        session_id = _session_arg()
        valid = form.validate_on_submit()
        if valid and session_id is None:
            form.session_id.errors = [_("Hãy chọn phiên livestream.")]
        elif valid and session_id is not None:
            storage = form.file.data
            try:
                batch = comments.upload(
                    extensions.session(),
                    flask_login.current_user,
                    session_id,
                    storage.stream.read(),
                    storage.filename or "",
                )
            except results.ImportFailed as exc:
                failure = exc
            except errors.ValidationError as exc:
                flask.flash(exc.message, "error")
            else:
                return flask.redirect(flask.url_for("orders.comment_review", batch_id=batch.id))
        status = 422
    body = flask.render_template(
        "orders/comments.html",
        form=form,
        failure=failure,
        batches=comments.batches_for(extensions.session(), _scope()),
    )
    return body, status


@bp.route("/comments/<int:batch_id>")
@permissions.require("orders.record")
def comment_review(batch_id: int) -> str:
    batch = comments.get_batch(extensions.session(), _scope(), batch_id)
    return flask.render_template(
        "orders/comment_review.html", batch=batch, form=order_forms.ReviewForm()
    )


@bp.route("/comments/<int:batch_id>/accept", methods=["POST"])
@permissions.require("orders.review")
def comment_accept(batch_id: int) -> werkzeug.Response:
    form = order_forms.ReviewForm()
    if not form.validate_on_submit():
        raise errors.ValidationError(_("Phiên làm việc đã hết hạn; hãy tải lại trang."))
    keep = {
        int(v)
        for v in flask.request.form.getlist("keep")
        if v.isascii() and v.isdigit() and len(v) < 9
    }
    try:
        summary = comments.accept(
            extensions.session(), flask_login.current_user, batch_id, keep=keep
        )
    except (errors.Conflict, errors.ValidationError) as exc:
        flask.flash(exc.message, "error")
        for name, messages in exc.fields.items():
            for message in messages:
                flask.flash(f"{name}: {message}", "error")
    else:
        flask.flash(
            _(
                "Đã tạo %(created)d đơn, cập nhật %(updated)d đơn từ bình luận.",
                created=summary.created,
                updated=summary.updated,
            ),
            "success",
        )
    return flask.redirect(flask.url_for("orders.comment_review", batch_id=batch_id))


@bp.route("/comments/<int:batch_id>/discard", methods=["POST"])
@permissions.require("orders.review")
def comment_discard(batch_id: int) -> werkzeug.Response:
    form = order_forms.ReviewForm()
    if not form.validate_on_submit():
        raise errors.ValidationError(_("Phiên làm việc đã hết hạn; hãy tải lại trang."))
    try:
        comments.discard(extensions.session(), flask_login.current_user, batch_id)
    except errors.Conflict as exc:
        flask.flash(exc.message, "error")
    else:
        flask.flash(_("Đã bỏ qua lô bình luận."), "success")
    return flask.redirect(flask.url_for("orders.comment_upload"))


# --- audience -------------------------------------------------------------------------------


@bp.route("/audience/<int:session_id>", methods=["GET", "POST"])
@permissions.require("orders.record")
def audience_form(session_id: int) -> tuple[str, int] | werkzeug.Response:
    session = extensions.session()
    live_session, current, visits = audience.get_audience(session, _scope(), session_id)
    form = order_forms.AudienceForm(obj=current)
    upload = order_forms.UploadForm(prefix="file")
    status = 200
    failure: results.ImportFailed | None = None
    if flask.request.method == "POST":
        status = 422
        if "file-file" in flask.request.files:
            if upload.validate_on_submit():
                storage = upload.file.data
                try:
                    outcome = _audience_file(session_id, storage)
                except results.ImportFailed as exc:
                    failure = exc
                else:
                    flask.flash(outcome, "success")
                    return flask.redirect(
                        flask.url_for("orders.audience_form", session_id=session_id)
                    )
        elif form.validate_on_submit():
            try:
                audience.save_audience(session, flask_login.current_user, session_id, form.data)
            except errors.ValidationError as exc:
                helpers.flash_fields(exc, form)
            else:
                flask.flash(_("Đã lưu số liệu người xem."), "success")
                return flask.redirect(flask.url_for("orders.audience_form", session_id=session_id))
    body = flask.render_template(
        "orders/audience.html",
        live_session=live_session,
        form=form,
        upload=upload,
        failure=failure,
        current=current,
        visits=visits,
    )
    return body, status


def _audience_file(session_id: int, storage: Any) -> str:
    """Import an uploaded audience file; the flash message saying what it did."""
    outcome = audience.import_upload(
        extensions.session(),
        flask_login.current_user,
        session_id,
        storage.stream,
        storage.filename or "",
    )
    if outcome["kind"] == "viewers":
        return _(
            "Đã nhập %(n)d lượt vào xem của %(v)d người xem.",
            n=outcome["visits"],
            v=outcome["viewers"],
        )
    return _("Đã nhập số liệu người xem.")


# --- payment accounts -----------------------------------------------------------------------


@bp.route("/payments", methods=["GET", "POST"])
@permissions.require("orders.payments")
def payment_accounts() -> tuple[str, int] | werkzeug.Response:
    session = extensions.session()
    form = order_forms.PaymentAccountForm()
    form.owner.choices = [order_forms.Choice("", _("— Chọn CLB hoặc chủ thể —"))] + [
        order_forms.Choice(key, label) for key, label in payments.owner_choices(session, _scope())
    ]
    status = 200
    if flask.request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                payments.save_account(session, flask_login.current_user, form.data)
            except errors.ValidationError as exc:
                helpers.flash_fields(exc, form)
            else:
                flask.flash(_("Đã lưu tài khoản nhận tiền."), "success")
                return flask.redirect(flask.url_for("orders.payment_accounts"))
    body = flask.render_template(
        "orders/payments.html", form=form, accounts=payments.list_accounts(session, _scope())
    )
    return body, status


@bp.route("/payments/<int:account_id>/delete", methods=["POST"])
@permissions.require("orders.payments")
def payment_delete(account_id: int) -> werkzeug.Response:
    form = order_forms.ReviewForm()
    if not form.validate_on_submit():
        raise errors.ValidationError(_("Phiên làm việc đã hết hạn; hãy tải lại trang."))
    payments.delete_account(extensions.session(), flask_login.current_user, account_id)
    flask.flash(_("Đã xóa tài khoản nhận tiền."), "success")
    return flask.redirect(flask.url_for("orders.payment_accounts"))
