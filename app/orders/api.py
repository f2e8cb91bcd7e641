"""Orders API: list, one order (with its status history), manual create, status change,
export import (synchronous, all or nothing) and its template.

Everything is in the caller's club scope (``app.tenancy``): another club's order answers 404,
new orders go to the chosen session's club, else the caller's own club."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import flask_smorest

from app import extensions
from app.catalog_io import formats
from app.core import pagination, permissions, tenancy
from app.http import helpers, openapi
from app.orders import imports, manual, queries
from app.orders import schemas as order_schemas
from app.orders import status as order_status
from app.orders import template as order_template

TEMPLATE_DESCRIPTION = "Mẫu nhập đơn: dòng tiêu đề và một dòng ví dụ (CSV UTF-8 có BOM, hoặc XLSX)"

blp = flask_smorest.Blueprint(
    "orders_api",
    __name__,
    url_prefix="/api/v1/orders",
    description="Đơn hàng: danh sách, nhập tay, nhập tệp xuất đơn TikTok Shop/Shopee",
)


@blp.route("", methods=["GET"])
@permissions.require("orders.view")
@blp.arguments(order_schemas.OrderListArgsSchema, location="query")
@blp.response(200, order_schemas.OrderPageSchema)
def list_orders(args: dict[str, Any]) -> object:
    """Orders newest first, filtered: staff their club's (an admin every club's; `club` filters
    one); a producer gets only orders with its products, from every club (`club_name` says
    which), and of those only its own lines (`amount` sums them)."""
    session = extensions.session()
    scope = tenancy.scope_for(session, flask_login.current_user)
    filters = queries.OrderFilters(
        club_id=args.get("club"),
        session_id=args.get("session_id"),
        platform=args.get("platform"),
        status=args.get("status"),
        date_from=args.get("date_from"),
        date_to=args.get("date_to"),
    )
    page = queries.list_orders(session, scope, filters, args["page"], args["per_page"])
    return pagination.Page(
        items=[queries.present(scope, order) for order in page.items],
        page=page.page,
        per_page=page.per_page,
        total=page.total,
    )


@blp.route("/<int:order_id>", methods=["GET"])
@permissions.require("orders.view")
@blp.response(200, order_schemas.OrderDetailSchema)
def get_order(order_id: int) -> object:
    """One order with its status history (404 when the caller may not see it, e.g. another
    club's)."""
    session = extensions.session()
    scope = tenancy.scope_for(session, flask_login.current_user)
    return queries.present(scope, queries.get_order(session, scope, order_id), history=True)


@blp.route("/<int:order_id>/status", methods=["POST"])
@permissions.require("orders.record")
@blp.arguments(order_schemas.OrderStatusInputSchema)
@blp.response(200, order_schemas.OrderDetailSchema)
@blp.alt_response(
    409,
    schema=order_schemas.schemas.ErrorSchema,
    description="Không chuyển được, đơn vừa bị đổi (from_status), hoặc không đủ hàng để mở lại",
)
def change_status(body: dict[str, Any], order_id: int) -> object:
    """Change the order's status; its valid lines follow and stock moves with them (a cancel or
    return gives the units back once, reopening takes them again). The same status again
    changes nothing. Each change is kept in `status_changes`."""
    session = extensions.session()
    user = flask_login.current_user
    order = order_status.change_status(
        session,
        user,
        order_id,
        body["status"],
        note=body["note"],
        expected=body["from_status"],
    )
    return queries.present(tenancy.scope_for(session, user), order, history=True)


@blp.route("/import/template", methods=["GET"])
@permissions.require("orders.record")
@blp.arguments(order_schemas.TemplateArgsSchema, location="query")
@openapi.file_response(
    blp,
    TEMPLATE_DESCRIPTION,
    (formats.CSV_MIMETYPE, formats.XLSX_MIMETYPE),
    content_type=formats.XLSX_MIMETYPE,
)
def import_template(args: dict[str, Any]) -> flask.Response:
    """Download the order import template (what `POST /import` reads as `template`)."""
    session = extensions.session()
    scope = tenancy.scope_for(session, flask_login.current_user)
    return helpers.send_download(order_template.download(session, scope, args["format"]))


@blp.route("", methods=["POST"])
@permissions.require("orders.record")
@blp.arguments(order_schemas.OrderCreateSchema)
@blp.response(201, order_schemas.OrderSchema)
def create_order(body: dict[str, Any]) -> object:
    """Enter an order by hand. Every invalid field is reported at once (422, `fields` like
    `lines.0.sku`). The order goes to the session's club, else the caller's own club; the same
    `platform` + `external_id` again updates that club's order (another club's is never
    touched). SKUs are those of the producers the club works with."""
    session = extensions.session()
    user = flask_login.current_user
    order = manual.enter_order(session, user, body)
    return queries.present(tenancy.scope_for(session, user), order)


@blp.route("/import", methods=["POST"])
@permissions.require("orders.record")
@blp.arguments(order_schemas.OrderImportArgsSchema, location="query")
@blp.arguments(order_schemas.OrderImportSchema, location="files")
@blp.response(200, order_schemas.ImportSummarySchema)
def import_orders(args: dict[str, Any], files: dict[str, Any]) -> object:
    """Import a TikTok Shop or Shopee order export, or the app's template.

    All or nothing: on any bad row, 422 and nothing is written; `error.fields` names each
    problem as `rows.<row>.<column>` (the header is row 1). Idempotent by club, platform and
    order id: the same file again reports every order `unchanged`; a newer export updates
    statuses. SKUs of producers the club does not work with are reported `unmatched`."""
    user, session_id = flask_login.current_user, args.get("session_id")
    return imports.import_upload(extensions.session(), user, files["file"], session_id=session_id)
