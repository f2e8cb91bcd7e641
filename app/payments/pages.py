"""Payment pages: the club's connections to SePay, Casso and payOS (with the webhook address to
paste into the service), the review list of transfers no order took by itself, every
transaction of the club, one transaction with its order picker; and the webhook endpoint the
services call (``hooks``: public, no CSRF token, JSON answers)."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.core import clock, errors, formatting, pagination, permissions
from app.http import forms as http_forms
from app.http import helpers
from app.http import webhooks as http_webhooks
from app.models import orders
from app.models import payments as models
from app.orders import payments as order_payments_service
from app.payments import connections, labels, matching, review, webhooks
from app.payments import forms as payment_forms
from app.payments.schemas import webhook_url
from vietnam import transfers

bp = flask.Blueprint("payments", __name__, url_prefix="/payments", template_folder="templates")
hooks = http_webhooks.blueprint("payment_hooks", __name__, "/webhooks/payments")
PER_PAGE = 25
# Tests point the webhook endpoint at the sandbox bank's virtual clock (a callable giving an
# aware UTC datetime); unset, it is the real clock.
CLOCK_SETTING = "PAYMENTS_WEBHOOK_CLOCK"


def _db() -> Any:
    return extensions.session()


def _user() -> Any:
    return flask_login.current_user


@bp.context_processor
def _payment_helpers() -> dict[str, Any]:
    return {
        "provider_label": labels.provider_label,
        "state_label": labels.state_label,
        "note_label": labels.note_label,
        "problem_label": labels.problem_label,
        "webhook_url": webhook_url,
        "setting_label": labels.setting_label,
        "setting_value": labels.setting_value,
        "auth_labels": labels.AUTH_LABELS,
        "bank_name": order_payments_service.bank_name,
        "order_code": transfers.make_code,
        "parse_stored": formatting.parse_stored,
    }


@bp.app_template_global()
def order_payments(order: orders.Order) -> review.OrderPayments:
    """What transfers brought to an order, for the order page (``payments/_order.html``)."""
    return review.order_payments(_db(), helpers.current_scope(), order)


@bp.app_template_global()
def payment_note(row: Any) -> str:
    return labels.note_label(row.match_note)


@bp.app_template_global()
def payment_state(row: Any) -> str:
    return labels.state_label(row.state)


# --- connections -----------------------------------------------------------------------------


def _connections_page(form: payment_forms.ConnectionForm | None = None, code: int = 200) -> Any:
    rows = connections.connections_for(_db(), _user())
    forms = {}
    for provider in connections.PROVIDERS:
        if form is not None and form.provider.data == provider:
            forms[provider] = form
        else:
            forms[provider] = payment_forms.ConnectionForm(formdata=None, provider=provider)
    body = flask.render_template(
        "payments/connections.html",
        rows=rows,
        forms=forms,
        fields={p: connections.settings_fields(p) for p in connections.PROVIDERS},
        posted=flask.request.form if form is not None else {},
        shown_config=connections.shown_config,
        action_form=http_forms.EmptyForm(),
    )
    return body, code


@bp.route("/connections")
@permissions.require("payments.manage")
def connections_page() -> Any:
    return _connections_page()


@bp.route("/connections", methods=["POST"])
@permissions.require("payments.manage")
def connect() -> Any:
    form = payment_forms.ConnectionForm()
    if not form.validate_on_submit():
        flask.flash(_("Biểu mẫu chưa hợp lệ; hãy tải lại trang rồi thử lại."), "error")
        return _connections_page(form, 422)
    settings = {
        key.removeprefix("config."): value
        for key, value in flask.request.form.items()
        if key.startswith("config.")
    }
    try:
        row = connections.connect(
            _db(),
            _user(),
            provider=form.provider.data or "",
            bank_bin=form.bank_bin.data or "",
            account_number=form.account_number.data or "",
            label=form.label.data or "",
            settings=settings,
            webhook_url=webhook_url,
        )
    except errors.ValidationError as error:
        if not error.fields:
            flask.flash(error.message, "error")
        helpers.flash_fields(error, form)
        return _connections_page(form, 422)
    flask.flash(
        _(
            "Đã kết nối %(service)s. Dán địa chỉ webhook vào trang của dịch vụ.",
            service=labels.provider_label(row.provider),
        ),
        "success",
    )
    return flask.redirect(flask.url_for("payments.connections_page") + f"#connection-{row.id}")


@bp.route("/connections/<int:connection_id>/active", methods=["POST"])
@permissions.require("payments.manage")
def set_active(connection_id: int) -> werkzeug.Response:
    on = flask.request.form.get("active") == "1"
    if not http_forms.EmptyForm().validate_on_submit():
        connections.get_connection(_db(), _user(), connection_id)  # 404 first
        flask.abort(400)
    row = connections.set_active(_db(), _user(), connection_id, on)
    flask.flash(_("Đã bật kết nối.") if row.active else _("Đã tắt kết nối."), "success")
    return flask.redirect(flask.url_for("payments.connections_page"))


@bp.route("/connections/<int:connection_id>/delete", methods=["POST"])
@permissions.require("payments.manage")
def delete(connection_id: int) -> werkzeug.Response:
    if not http_forms.EmptyForm().validate_on_submit():
        connections.get_connection(_db(), _user(), connection_id)  # 404 first
        flask.abort(400)
    connections.delete(_db(), _user(), connection_id)
    flask.flash(_("Đã xóa kết nối."), "success")
    return flask.redirect(flask.url_for("payments.connections_page"))


# --- review and transactions -------------------------------------------------------------


@bp.route("/review")
@permissions.require("payments.review")
def review_page() -> str:
    page = pagination.page_number(flask.request.args.get("page"))
    return flask.render_template(
        "payments/review.html", page=review.review_list(_db(), _user(), page, PER_PAGE)
    )


@bp.route("/transactions")
@permissions.require("payments.review")
def transactions() -> str:
    filters = review.Filters.from_args(flask.request.args)
    page = pagination.page_number(flask.request.args.get("page"))
    return flask.render_template(
        "payments/transactions.html",
        page=review.transactions(_db(), _user(), filters, page, PER_PAGE),
        filters=filters,
        args=filters.as_args(),
        states=labels.STATE_LABELS,
    )


def _transaction_page(transaction_id: int, code: int = 200) -> tuple[str, int]:
    db, user = _db(), _user()
    row = review.get_transaction(db, user, transaction_id)
    q = str(flask.request.args.get("q") or "")
    page = pagination.page_number(flask.request.args.get("page"))
    candidates = (
        review.find_orders(db, user, q or str(row.amount), page, 10)
        if row.state in models.REVIEW_STATES
        else None
    )
    body = flask.render_template(
        "payments/transaction.html",
        row=row,
        q=q,
        candidates=candidates,
        action_form=http_forms.EmptyForm(),
    )
    return body, code


@bp.route("/transactions/<int:transaction_id>")
@permissions.require("payments.review")
def transaction(transaction_id: int) -> tuple[str, int]:
    return _transaction_page(transaction_id)


@bp.route("/transactions/<int:transaction_id>/assign", methods=["POST"])
@permissions.require("payments.review")
def assign(transaction_id: int) -> Any:
    form = payment_forms.AssignForm()
    if not form.validate_on_submit():
        review.get_transaction(_db(), _user(), transaction_id)  # 404 first
        flask.flash(_("Hãy chọn một đơn."), "error")
        return _transaction_page(transaction_id, 422)
    try:
        row = matching.assign(_db(), _user(), transaction_id, int(form.order_id.data or 0))
    except (errors.ValidationError, errors.Conflict) as error:
        messages = [m for ms in error.fields.values() for m in ms] or [error.message]
        for message in messages:
            flask.flash(message, "error")
        return _transaction_page(transaction_id, error.status)
    flask.flash(_("Đã tính giao dịch vào đơn #%(id)s.", id=row.order_id), "success")
    return flask.redirect(flask.url_for("payments.review_page"))


@bp.route("/transactions/<int:transaction_id>/set-aside", methods=["POST"])
@permissions.require("payments.review")
def set_aside(transaction_id: int) -> Any:
    if not http_forms.EmptyForm().validate_on_submit():
        review.get_transaction(_db(), _user(), transaction_id)  # 404 first
        flask.abort(400)
    try:
        matching.set_aside(_db(), _user(), transaction_id)
    except errors.Conflict as error:
        flask.flash(error.message, "error")
        return _transaction_page(transaction_id, error.status)
    flask.flash(_("Đã để riêng giao dịch."), "success")
    return flask.redirect(flask.url_for("payments.review_page"))


# --- the webhook endpoint -----------------------------------------------------------------


@hooks.route("/<token>", methods=["POST"])
@permissions.public
def receive(token: str) -> flask.Response:
    """A service's call: verified with the connection's secrets, recorded once; JSON back."""
    body = http_webhooks.read_body()
    now = flask.current_app.config.get(CLOCK_SETTING) or clock.utcnow
    reply = webhooks.receive(_db(), token, dict(flask.request.headers), body, now=now)
    response = flask.jsonify(reply.body)
    response.status_code = reply.status
    return response
