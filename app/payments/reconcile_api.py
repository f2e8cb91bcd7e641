"""Reconciliation and bank statement import over the API (the same services as the pages)."""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest
import flask_smorest.fields
import marshmallow as ma

from app import extensions
from app.catalog_io import formats
from app.core import permissions
from app.http import schemas
from app.payments import reconcile, statements
from vietnam import statements as bank_statements

blp = flask_smorest.Blueprint(
    "reconcile_api",
    __name__,
    url_prefix="/api/v1/payments",
    description="Đối soát chuyển khoản theo phiên live và theo ngày; nhập sao kê ngân hàng",
)


class DayArgsSchema(ma.Schema):
    day = schemas.BusinessDate(
        metadata={"description": "Ngày (giờ Việt Nam) NNNN-TT-NN; bỏ trống: hôm nay"}
    )
    club = schemas.Id(metadata={"description": "Một CLB (bỏ trống: mọi CLB trong phạm vi)"})


class TotalsSchema(ma.Schema):
    expected_orders = ma.fields.Integer(required=True)
    expected_amount = ma.fields.Integer(required=True)
    received_count = ma.fields.Integer(required=True)
    received_amount = ma.fields.Integer(required=True)
    refund_amount = ma.fields.Integer(required=True)
    outstanding_amount = ma.fields.Integer(required=True)
    paid_orders = ma.fields.Integer(required=True)
    settled_orders = ma.fields.Integer(required=True)
    partial_orders = ma.fields.Integer(required=True)
    unpaid_orders = ma.fields.Integer(required=True)
    overdue_orders = ma.fields.Integer(required=True)
    overdue_amount = ma.fields.Integer(required=True)
    unmatched_count = ma.fields.Integer(required=True)
    unmatched_amount = ma.fields.Integer(required=True)


class OrderRowSchema(ma.Schema):
    order_id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"description": "Mã trong nội dung CK"})
    club = ma.fields.String(required=True)
    external_id = ma.fields.String(required=True)
    platform = ma.fields.String(required=True)
    buyer = ma.fields.String(
        allow_none=True, metadata={"description": "null với tài khoản không xem người mua"}
    )
    placed_at = ma.fields.AwareDateTime(required=True)
    hold_until = ma.fields.AwareDateTime(allow_none=True)
    status = ma.fields.String(required=True)
    amount = ma.fields.Integer(required=True)
    paid_amount = ma.fields.Integer(required=True)
    due = ma.fields.Integer(required=True)
    refund = ma.fields.Integer(required=True)
    state = ma.fields.String(
        required=True, metadata={"description": "paid | settled | overdue | partial | unpaid"}
    )


class ReceiptSchema(ma.Schema):
    transaction_id = ma.fields.Integer(required=True)
    occurred_at = ma.fields.AwareDateTime(required=True)
    amount = ma.fields.Integer(required=True)
    applied_amount = ma.fields.Integer(required=True)
    refund = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    order_id = ma.fields.Integer(allow_none=True)
    code = ma.fields.String(required=True)
    provider = ma.fields.String(required=True)
    reference = ma.fields.String(required=True)
    content = ma.fields.String(allow_none=True)
    counter_name = ma.fields.String(allow_none=True)


class WindowSchema(ma.Schema):
    start = ma.fields.AwareDateTime(required=True)
    end = ma.fields.AwareDateTime(required=True)


class ReconciliationSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"description": "session | day"})
    title = ma.fields.String(required=True)
    day = ma.fields.String(allow_none=True)
    session_id = ma.fields.Integer(allow_none=True)
    club_id = ma.fields.Integer(allow_none=True)
    window = ma.fields.Nested(WindowSchema, required=True)
    totals = ma.fields.Nested(TotalsSchema, required=True)
    orders = ma.fields.List(ma.fields.Nested(OrderRowSchema), required=True)
    received = ma.fields.List(ma.fields.Nested(ReceiptSchema), required=True)
    unmatched = ma.fields.List(ma.fields.Nested(ReceiptSchema), required=True)


class StatementUploadSchema(ma.Schema):
    file = flask_smorest.fields.Upload(
        required=True,
        metadata={
            "description": "Sao kê tải từ internet banking (CSV/XLSX); "
            f"tối đa {formats.MAX_BYTES >> 20} MB."
        },
    )


class StatementArgsSchema(ma.Schema):
    bank = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(["", *bank_statements.BANKS, bank_statements.OTHER]),
        metadata={"description": "Mã ngân hàng; bỏ trống: nhận diện từ tệp"},
    )


class OutcomeSchema(ma.Schema):
    line = ma.fields.Integer(required=True)
    transaction_id = ma.fields.Integer(required=True)
    occurred_at = ma.fields.AwareDateTime(required=True)
    amount = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    order_id = ma.fields.Integer(allow_none=True)
    order_code = ma.fields.String(required=True)
    new = ma.fields.Boolean(required=True)


class ImportReportSchema(ma.Schema):
    bank = ma.fields.String(required=True)
    account_number = ma.fields.String(required=True)
    rows = ma.fields.Integer(required=True, metadata={"description": "Dòng tiền vào"})
    new = ma.fields.Integer(required=True)
    already = ma.fields.Integer(required=True, metadata={"description": "Đã có từ trước"})
    matched = ma.fields.Integer(required=True)
    review = ma.fields.Integer(required=True)
    money_out = ma.fields.Integer(required=True)
    skipped_lines = ma.fields.List(ma.fields.Integer(), required=True)
    outcomes = ma.fields.List(ma.fields.Nested(OutcomeSchema), required=True)


@blp.route("/reconcile/day", methods=["GET"])
@permissions.require("payments.reconcile")
@blp.arguments(DayArgsSchema, location="query")
@blp.response(200, ReconciliationSchema)
def day(args: dict[str, Any]) -> object:
    """One day's reconciliation (Vietnam time): expected orders, transfers received, the day's
    transfers in review, overdue orders. `club` out of scope: 404."""
    session = extensions.session()
    day_value = args.get("day") or reconcile.today()
    recon = reconcile.for_day(
        session, flask_login.current_user, day_value, club_id=args.get("club")
    )
    return reconcile.as_json(recon)


@blp.route("/reconcile/sessions/<int:session_id>", methods=["GET"])
@permissions.require("payments.reconcile")
@blp.response(200, ReconciliationSchema)
def session_reconciliation(session_id: int) -> object:
    """One live session's reconciliation (another club's session: 404)."""
    recon = reconcile.for_session(extensions.session(), flask_login.current_user, session_id)
    return reconcile.as_json(recon)


@blp.route("/statements", methods=["POST"])
@permissions.require("payments.statements")
@blp.arguments(StatementArgsSchema, location="query")
@blp.arguments(StatementUploadSchema, location="files")
@blp.response(200, ImportReportSchema)
def import_statement(args: dict[str, Any], files: dict[str, Any]) -> object:
    """Import a bank statement for the user's club: every money-in row recorded and matched
    like a webhook's transfer. All or nothing: on a bad row, 422 and nothing is written;
    `error.fields` names each problem as `rows.<line>.<column>`. The same file again records
    nothing new (`already`)."""
    return statements.import_statement(
        extensions.session(), flask_login.current_user, files["file"], bank=args.get("bank")
    )
