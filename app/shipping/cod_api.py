"""The COD statements API: importing a carrier's payout statement (multipart, all or nothing;
the same file twice answers 409), the statements and their lines, and the reconciliation
with what the club owes each producer. Another club's statement answers 404."""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest
import marshmallow as ma
import marshmallow.validate as mv

from app import extensions
from app.core import permissions
from app.http import helpers
from app.shipping import cod, labels

blp = flask_smorest.Blueprint(
    "cod_api",
    __name__,
    url_prefix="/api/v1/shipping",
    description="Đối soát tiền thu hộ (COD) của hãng vận chuyển",
)
CARRIER = mv.OneOf(cod.cod.CARRIERS)


class CodLineSchema(ma.Schema):
    line_no = ma.fields.Integer(required=True)
    tracking_code = ma.fields.String(required=True)
    reference = ma.fields.String(required=True)
    cod_amount = ma.fields.Integer(required=True, metadata={"description": "Đồng"})
    expected_cod = ma.fields.Integer(allow_none=True)
    difference = ma.fields.Function(
        lambda line: None if line.expected_cod is None else line.cod_amount - line.expected_cod
    )
    fees = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    fee_total = ma.fields.Integer(required=True)
    net = ma.fields.Integer(required=True)
    settled_on = ma.fields.Date(allow_none=True)
    shipment_id = ma.fields.Integer(allow_none=True)
    state = ma.fields.Function(lambda line: str(line.state))
    state_label = ma.fields.Function(lambda line: cod.state_label(line.state))


class CodStatementSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    carrier = ma.fields.String(required=True)
    carrier_name = ma.fields.Function(lambda row: labels.carrier_name(row.carrier))
    filename = ma.fields.String(required=True)
    payout_date = ma.fields.Date(allow_none=True)
    transfer_fee = ma.fields.Integer(required=True)
    cod_total = ma.fields.Integer(required=True)
    fee_total = ma.fields.Integer(required=True)
    net_total = ma.fields.Integer(required=True)
    imported_at = ma.fields.AwareDateTime(required=True)


class CodStatementDetailSchema(CodStatementSchema):
    lines = ma.fields.List(ma.fields.Nested(CodLineSchema))


class CodImportArgsSchema(ma.Schema):
    carrier = ma.fields.String(required=True, validate=CARRIER)


class CodImportSchema(ma.Schema):
    file = flask_smorest.fields.Upload(
        required=True, metadata={"description": "Bảng kê COD của hãng (CSV/XLSX), tối đa 10 MB"}
    )


class CodCarrierArgsSchema(ma.Schema):
    carrier = ma.fields.String(load_default=None, validate=CARRIER)


class CodParcelRowSchema(ma.Schema):
    shipment_id = ma.fields.Function(lambda row: row.shipment.id)
    reference = ma.fields.Function(lambda row: row.shipment.reference)
    tracking_code = ma.fields.Function(lambda row: row.shipment.tracking_code)
    carrier = ma.fields.Function(lambda row: row.shipment.carrier)
    producer_id = ma.fields.Function(lambda row: row.shipment.producer_id)
    state = ma.fields.String(metadata={"enum": list(cod.PARCEL_STATE_LABELS)})
    state_label = ma.fields.Function(lambda row: cod.parcel_state_label(row.state))
    expected = ma.fields.Integer()
    paid = ma.fields.Integer()
    difference = ma.fields.Integer()
    fees = ma.fields.Integer()
    statement_ids = ma.fields.List(ma.fields.Integer())


class CodPayableSchema(ma.Schema):
    producer_id = ma.fields.Function(lambda row: row.producer.id if row.producer else None)
    name = ma.fields.String()
    parcels = ma.fields.Integer()
    lines = ma.fields.Integer()
    collected = ma.fields.Integer()
    fees = ma.fields.Integer()
    transfer_fee = ma.fields.Integer()
    owed = ma.fields.Integer(metadata={"description": "CLB phải trả nhà sản xuất (đồng)"})


class CodReconciliationSchema(ma.Schema):
    statements = ma.fields.Integer()
    collected = ma.fields.Integer()
    fees = ma.fields.Integer()
    transfer_fees = ma.fields.Integer()
    payout = ma.fields.Integer()
    parcels = ma.fields.List(ma.fields.Nested(CodParcelRowSchema))
    unknown_lines = ma.fields.Function(lambda result: CodLineSchema(many=True).dump(result.unknown))
    payables = ma.fields.List(ma.fields.Nested(CodPayableSchema))


def _user() -> Any:
    return flask_login.current_user


@blp.route("/cod-statements", methods=["POST"])
@permissions.require("shipping.cod")
@blp.arguments(CodImportArgsSchema, location="form")
@blp.arguments(CodImportSchema, location="files")
@blp.response(201, CodStatementDetailSchema)
def import_statement(args: dict[str, Any], files: dict[str, Any]) -> object:
    """Import a carrier's COD statement (multipart: `carrier`, `file`). All or nothing: 422
    with every problem and its line in `fields.file`; the same file again 409."""
    upload = files["file"]
    data = upload.stream.read(cod.MAX_BYTES + 1)
    return cod.import_statement(
        extensions.session(), _user(), args["carrier"], upload.filename or "", data
    )


@blp.route("/cod-statements", methods=["GET"])
@permissions.require("shipping.cod")
@blp.arguments(CodCarrierArgsSchema, location="query")
@blp.response(200, CodStatementSchema(many=True))
def list_statements(args: dict[str, Any]) -> object:
    """The statements of the clubs the user reaches, newest first."""
    return cod.statements_for(extensions.session(), _user(), args.get("carrier"))


@blp.route("/cod-statements/<int:statement_id>", methods=["GET"])
@permissions.require("shipping.cod")
@blp.response(200, CodStatementDetailSchema)
def get_statement(statement_id: int) -> object:
    return cod.get_statement(extensions.session(), _user(), statement_id)


@blp.route("/cod-reconciliation", methods=["GET"])
@permissions.require("shipping.cod")
@blp.arguments(CodCarrierArgsSchema, location="query")
@blp.response(200, CodReconciliationSchema)
def reconciliation(args: dict[str, Any]) -> object:
    """Per parcel delivered: paid, short, not yet paid, fees; lines matching no parcel; per
    producer what the club owes them."""
    return cod.reconciliation(extensions.session(), helpers.current_scope(), args.get("carrier"))
