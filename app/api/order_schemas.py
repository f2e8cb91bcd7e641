"""Schemas of the orders API."""

from __future__ import annotations

import flask_smorest.fields
import marshmallow as ma
import marshmallow.validate as mv

from app.api import schemas
from app.services.catalog_io import formats
from app.services.orders import exports


class OrderLineSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(allow_none=True, metadata={"description": "Null: SKU chưa khớp"})
    variant_id = ma.fields.Integer(allow_none=True)
    seller_sku = ma.fields.String(required=True)
    product_name = ma.fields.String(required=True)
    variation = ma.fields.String(required=True)
    quantity = ma.fields.Integer(required=True)
    unit_price = ma.fields.Integer(required=True, metadata={"description": "đồng"})
    amount = ma.fields.Integer(required=True, metadata={"description": "đồng (giá trị tính GMV)"})
    status = ma.fields.String(required=True, validate=mv.OneOf(exports.STATUSES))
    matched = ma.fields.Boolean(required=True)


class OrderSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    platform = ma.fields.String(required=True)
    external_id = ma.fields.String(required=True, metadata={"description": "Mã đơn trên sàn"})
    status = ma.fields.String(required=True, validate=mv.OneOf(exports.STATUSES))
    source = ma.fields.String(required=True, validate=mv.OneOf(["manual", "import", "comments"]))
    placed_at = ma.fields.AwareDateTime(required=True)
    session_id = ma.fields.Integer(allow_none=True)
    streamer_id = ma.fields.Integer(allow_none=True)
    channel_account_id = ma.fields.Integer(allow_none=True)
    club_id = ma.fields.Integer(required=True, metadata={"description": "CLB bán đơn này"})
    club_name = ma.fields.String(required=True)
    buyer_phone = ma.fields.String(
        allow_none=True,
        metadata={"description": "0xxxxxxxxx khi là số di động hợp lệ; null khi không được xem"},
    )
    buyer_phone_raw = ma.fields.String(allow_none=True)
    buyer_user = ma.fields.String(allow_none=True)
    buyer_name = ma.fields.String(allow_none=True)
    amount = ma.fields.Integer(
        required=True,
        metadata={"description": "Tổng các dòng không hủy/trả (đồng); chủ thể: chỉ dòng của mình"},
    )
    lines = ma.fields.List(ma.fields.Nested(OrderLineSchema), required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class OrderPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(OrderSchema), required=True)


class OrderListArgsSchema(schemas.PageArgsSchema):
    club = ma.fields.Integer(metadata={"description": "Chỉ đơn của CLB này (quản trị viên)"})
    session_id = ma.fields.Integer()
    platform = ma.fields.String(validate=mv.OneOf(exports.PLATFORMS))
    status = ma.fields.String(validate=mv.OneOf(exports.STATUSES))
    date_from = ma.fields.Date(metadata={"description": "Ngày đặt (giờ Việt Nam), từ"})
    date_to = ma.fields.Date(metadata={"description": "Ngày đặt (giờ Việt Nam), đến hết ngày"})


class OrderLineInputSchema(ma.Schema):
    sku = ma.fields.String(required=True)
    quantity = ma.fields.Integer(required=True)
    unit_price = ma.fields.Integer(
        load_default=None, metadata={"description": "Bỏ trống: giá live của phiên hoặc giá bán"}
    )


class OrderCreateSchema(ma.Schema):
    platform = ma.fields.String(load_default="", metadata={"description": "Bỏ trống: theo phiên"})
    external_id = ma.fields.String(
        load_default="", metadata={"description": "Mã đơn trên sàn; bỏ trống: ứng dụng tự đặt"}
    )
    session_id = ma.fields.Integer(load_default=None)
    placed_at = ma.fields.AwareDateTime(load_default=None)
    status = ma.fields.String(load_default="placed")
    buyer_phone = ma.fields.String(load_default="")
    buyer_user = ma.fields.String(load_default="")
    buyer_name = ma.fields.String(load_default="")
    note = ma.fields.String(load_default="")
    lines = ma.fields.List(ma.fields.Nested(OrderLineInputSchema), required=True)


class OrderImportSchema(ma.Schema):
    file = flask_smorest.fields.Upload(
        required=True,
        metadata={
            "description": "Tệp xuất đơn TikTok Shop/Shopee hoặc mẫu nhập đơn (CSV/XLSX); "
            f"tối đa {formats.MAX_BYTES >> 20} MB."
        },
    )


class OrderImportArgsSchema(ma.Schema):
    session_id = ma.fields.Integer(
        metadata={"description": "Gắn mọi đơn với phiên này (bỏ trống: theo giờ đặt)"}
    )


class UnmatchedSchema(ma.Schema):
    sku = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class ImportSummarySchema(ma.Schema):
    layout = ma.fields.String(required=True, metadata={"description": "tiktok | shopee | template"})
    orders = ma.fields.Integer(required=True)
    lines = ma.fields.Integer(required=True)
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    linked_to_session = ma.fields.Integer(required=True)
    unmatched = ma.fields.List(ma.fields.Nested(UnmatchedSchema), required=True)
    warnings = ma.fields.List(ma.fields.String(), required=True)
