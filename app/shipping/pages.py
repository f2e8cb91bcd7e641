"""Shipping pages: the orders to ship (a live session's or a day's) with what each still needs,
the carriers' fees side by side (a quote job) and the booking of the chosen ones (a booking
job), the parcels list (filters, stuck ones, labels PDF in A6 or A4), one parcel with its
events, cancelling, and an order's delivery address (a form on the order page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.core import errors, pagination, permissions, validators
from app.http import helpers
from app.jobs import service as jobs_service
from app.models import orders
from app.orders import limits
from app.shipping import addresses, booking, labels, parcels, planning, sheets

bp = flask.Blueprint("shipping", __name__, url_prefix="/shipping", template_folder="templates")
PER_PAGE = 25


def _db() -> Any:
    return extensions.session()


def _user() -> Any:
    return flask_login.current_user


bp.add_app_template_global(labels.carrier_name, "carrier_name")
bp.add_app_template_global(labels.status_label, "ship_status_label")
bp.add_app_template_global(labels.problem_label, "ship_problem_label")


@bp.app_template_global()
def order_parcels(order: orders.Order) -> list[Any]:
    """The order's parcels, for the order page (``shipping/_order.html``)."""
    return parcels.order_parcels(_db(), order.id)


@bp.app_template_global()
def order_parcel_statuses(rows: list[orders.Order]) -> dict[int, Any]:
    """Each listed order's newest parcel, for the order list (one query for the page)."""
    return parcels.parcels_of_orders(_db(), [order.id for order in rows])


@bp.app_template_global()
def parcel_status(row: Any) -> str:
    return labels.status_label(row.status)


def _day(raw: str | None) -> dt.date | None:
    """The filter's day (``YYYY-MM-DD``, within the business dates); a 422 for anything else."""
    if not (raw or "").strip():
        return None
    day = validators.parse_business_date(raw)
    if day is None:
        message = _("Ngày không hợp lệ: %(value)s (dạng NNNN-TT-NN).", value=str(raw)[:40])
        raise errors.ValidationError(message, fields={"day": [message]})
    return day


# --- orders to ship, quotes, booking --------------------------------------------------------


@bp.route("/")
@permissions.require("shipping.book")
def index() -> str:
    session_id = limits.id_or_none(flask.request.args.get("session_id"))
    day = _day(flask.request.args.get("day"))
    rows = parcels.orders_to_ship(_db(), _user(), session_id=session_id, day=day)
    return flask.render_template(
        "shipping/index.html",
        rows=rows,
        session_id=session_id,
        day=day.isoformat() if day else "",
    )


@bp.route("/quotes", methods=["POST"])
@permissions.require("shipping.book")
def start_quotes() -> werkzeug.Response:
    ids = planning.ordered_ids(flask.request.form.getlist("order_id"))
    try:
        job = booking.start_quotes(_db(), _user(), ids)
    except errors.ValidationError as exc:
        flask.flash(exc.message if not exc.fields else _("Hãy chọn ít nhất một đơn hàng."), "error")
        return flask.redirect(flask.url_for("shipping.index"))
    return flask.redirect(flask.url_for("shipping.quotes", job_id=job.id))


@bp.route("/quotes/<int:job_id>")
@permissions.require("shipping.book")
def quotes(job_id: int) -> str:
    job = jobs_service.get_visible(_db(), _user(), job_id)
    if job.kind != booking.QUOTE_JOB:
        raise errors.NotFound(_("Không tìm thấy công việc."))
    return flask.render_template(
        "shipping/quotes.html",
        job=job,
        choices=parcels.quote_choices(job.result) if job.status.finished else [],
    )


@bp.route("/bookings", methods=["POST"])
@permissions.require("shipping.book")
def start_booking() -> werkzeug.Response:
    form = flask.request.form
    choices = []
    for order_id in planning.ordered_ids(form.getlist("order_id")):
        choice = parcels.parse_choice(order_id, form.get(f"choice-{order_id}"))
        if choice is not None:
            choices.append(choice)
    try:
        job, skipped = booking.start_booking(_db(), _user(), choices)
    except errors.ValidationError as exc:
        flask.flash(exc.message if not exc.fields else _("Hãy chọn ít nhất một đơn hàng."), "error")
        return flask.redirect(flask.request.referrer or flask.url_for("shipping.index"))
    if job is not None:
        flask.flash(_("Đang đặt giao hàng với hãng vận chuyển."), "success")
    for item in skipped:
        reasons = "; ".join(labels.problem_label(p) for p in item.get("problems", []))
        flask.flash(_("Bỏ qua đơn #%(id)s: %(why)s", id=item["order_id"], why=reasons), "warning")
    return flask.redirect(flask.url_for("shipping.parcel_list"))


# --- parcels ----------------------------------------------------------------------------------


@bp.route("/parcels")
@permissions.require("shipping.book")
def parcel_list() -> str:
    filters = parcels.ParcelFilters.from_args(flask.request.args)
    page = pagination.page_number(flask.request.args.get("page"))
    result = parcels.list_parcels(_db(), _user(), filters, page, PER_PAGE)
    return flask.render_template(
        "shipping/parcels.html",
        page=result,
        filters=filters,
        args=filters.as_args(),
        ship_statuses=labels.STATUS_LABELS,
        carrier_names=labels.CARRIER_NAMES,
    )


@bp.route("/parcels/labels", methods=["POST"])
@permissions.require("shipping.book")
def parcel_labels() -> flask.Response | werkzeug.Response:
    paper = flask.request.form.get("paper", "a6").strip().lower()
    ids = planning.ordered_ids(flask.request.form.getlist("shipment_id"))
    try:
        path, _pages = sheets.render_labels(_db(), _user(), ids, paper)
    except errors.ValidationError as exc:
        flask.flash(exc.message if not exc.fields else _("Khổ giấy là A6 hoặc A4."), "error")
        return flask.redirect(flask.url_for("shipping.parcel_list"))
    return helpers.send_temporary_file(path, sheets.filename(paper), "application/pdf")


@bp.route("/parcels/<int:shipment_id>")
@permissions.require("shipping.book")
def parcel_detail(shipment_id: int) -> str:
    row = parcels.get_parcel(_db(), _user(), shipment_id)
    return flask.render_template("shipping/parcel.html", row=row)


@bp.route("/parcels/<int:shipment_id>/cancel", methods=["POST"])
@permissions.require("shipping.book")
def parcel_cancel(shipment_id: int) -> werkzeug.Response | tuple[str, int]:
    try:
        parcels.cancel(_db(), _user(), shipment_id)
    except errors.ValidationError as exc:
        flask.flash(exc.message, "error")
        row = parcels.get_parcel(_db(), _user(), shipment_id)
        return flask.render_template("shipping/parcel.html", row=row), 422
    flask.flash(_("Đã huỷ kiện hàng."), "success")
    return flask.redirect(flask.url_for("shipping.parcel_detail", shipment_id=shipment_id))


# --- an order's delivery address ----------------------------------------------------------


@bp.route("/orders/<int:order_id>/address", methods=["POST"])
@permissions.require("shipping.book")
def set_address(order_id: int) -> werkzeug.Response:
    form = flask.request.form
    target = flask.url_for("orders.detail", order_id=order_id) + "#shipping"
    try:
        addresses.set_address(
            _db(),
            _user(),
            order_id,
            text=form.get("text") or None,
            province_code=limits.id_or_none(form.get("province_code")),
            commune_code=limits.id_or_none(form.get("commune_code")),
            street=form.get("street"),
            name=form.get("name"),
            phone=form.get("phone"),
        )
    except errors.ValidationError as exc:
        flask.flash(exc.message, "error")
        for field, messages in exc.fields.items():
            if field == "candidates":
                flask.flash(_("Có thể là: %(names)s", names=", ".join(messages)), "warning")
            else:
                for message in messages:
                    if message != exc.message:
                        flask.flash(message, "error")
        return flask.redirect(target)
    flask.flash(_("Đã lưu địa chỉ giao hàng."), "success")
    return flask.redirect(target)
