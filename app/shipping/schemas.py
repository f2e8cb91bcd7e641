"""Shapes of the shipping API: parcels (with their events), the fee comparison and booking
jobs, an order's delivery address."""

from __future__ import annotations

import marshmallow as ma
import marshmallow.validate as mv

from app.http import schemas
from app.jobs import schemas as job_schemas
from app.models import shipping as models
from app.shipping import labels

STATUSES = [s.value for s in models.ShipStatus]


class EventSchema(ma.Schema):
    status = ma.fields.Function(lambda e: e.status.value, metadata={"enum": STATUSES})
    status_label = ma.fields.Function(lambda e: labels.status_label(e.status))
    carrier_status = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    occurred_at = ma.fields.AwareDateTime(required=True)
    via = ma.fields.Function(lambda e: e.via.value)


class ParcelSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    order_id = ma.fields.Integer(required=True)
    reference = ma.fields.String(required=True)
    carrier = ma.fields.String(required=True)
    carrier_name = ma.fields.Function(lambda s: labels.carrier_name(s.carrier))
    tracking_code = ma.fields.String(allow_none=True)
    service = ma.fields.String(required=True)
    status = ma.fields.Function(lambda s: s.status.value, metadata={"enum": STATUSES})
    status_label = ma.fields.Function(lambda s: labels.status_label(s.status))
    problem = ma.fields.Function(lambda s: labels.problem_label(s.problem) or None)
    fee = ma.fields.Integer(required=True, metadata={"description": "Đồng"})
    cod_amount = ma.fields.Integer(required=True, metadata={"description": "Đồng"})
    weight_g = ma.fields.Integer(required=True)
    booked_at = ma.fields.AwareDateTime(allow_none=True)
    status_at = ma.fields.AwareDateTime(allow_none=True)


class ParcelDetailSchema(ParcelSchema):
    events = ma.fields.List(ma.fields.Nested(EventSchema), required=True)


class ParcelPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(ParcelSchema), required=True)


class ParcelListArgsSchema(schemas.PageArgsSchema):
    status = ma.fields.String(validate=mv.OneOf(STATUSES))
    carrier = ma.fields.String(validate=mv.OneOf(list(labels.CARRIER_NAMES)))
    stuck = ma.fields.Boolean(load_default=False, metadata={"description": "Chỉ kiện bị kẹt"})
    order_id = schemas.Id()


class QuoteRequestSchema(ma.Schema):
    order_ids = ma.fields.List(schemas.Id(), required=True, validate=mv.Length(min=1, max=1000))


class ChoiceSchema(ma.Schema):
    order_id = schemas.Id(required=True)
    account_id = schemas.Id(required=True)
    service = ma.fields.String(load_default="", validate=mv.Length(max=40))


class BookingRequestSchema(ma.Schema):
    choices = ma.fields.List(
        ma.fields.Nested(ChoiceSchema), required=True, validate=mv.Length(min=1, max=1000)
    )


class SkippedSchema(ma.Schema):
    order_id = ma.fields.Integer(required=True)
    problems = ma.fields.Function(
        lambda s: [
            {"code": p.get("code"), "message": labels.problem_label(p)} for p in s["problems"]
        ]
    )


class BookingSchema(ma.Schema):
    job = ma.fields.Nested(job_schemas.JobSchema, allow_none=True)
    skipped = ma.fields.List(ma.fields.Nested(SkippedSchema), required=True)


class AddressSchema(ma.Schema):
    text = ma.fields.String(
        load_default=None,
        validate=mv.Length(max=500),
        metadata={"description": "Địa chỉ người mua gõ, dạng cũ (3 cấp) hoặc mới (2 cấp)"},
    )
    province_code = schemas.Id(load_default=None)
    commune_code = schemas.Id(load_default=None)
    street = ma.fields.String(load_default=None, validate=mv.Length(max=255))
    name = ma.fields.String(load_default=None, validate=mv.Length(max=200))
    phone = ma.fields.String(load_default=None, validate=mv.Length(max=20))


class OrderAddressSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    ship_name = ma.fields.String(allow_none=True)
    ship_phone = ma.fields.String(allow_none=True)
    ship_street = ma.fields.String(allow_none=True)
    ship_province_code = ma.fields.Integer(allow_none=True)
    ship_province = ma.fields.String(allow_none=True)
    ship_commune_code = ma.fields.Integer(allow_none=True)
    ship_commune = ma.fields.String(allow_none=True)
    ship_address = ma.fields.String(allow_none=True)
    ship_legacy = ma.fields.Dict(allow_none=True)
