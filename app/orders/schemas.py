"""Schemas of the orders API."""

from __future__ import annotations

from typing import Any

import flask_smorest.fields
import marshmallow as ma
import marshmallow.validate as mv
from flask_babel import lazy_gettext as _l

from app.catalog_io import formats
from app.core import validators
from app.http import schemas
from app.models import orders
from app.orders import exports, limits, manual


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


class StatusChangeSchema(ma.Schema):
    from_status = ma.fields.String(required=True, validate=mv.OneOf(exports.STATUSES))
    to_status = ma.fields.String(required=True, validate=mv.OneOf(exports.STATUSES))
    via = ma.fields.String(
        required=True,
        validate=mv.OneOf([str(via) for via in orders.StatusChangeVia]),
        metadata={
            "description": "app: đổi trên trang/API; import, manual, comments: ghi lại đơn; "
            "hold_expired: hết thời gian giữ hàng của đơn chốt trên bàn live"
        },
    )
    changed_at = ma.fields.AwareDateTime(required=True)
    changed_by_id = ma.fields.Integer(allow_none=True, metadata={"description": "null với chủ thể"})
    changed_by_name = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)


class OrderDetailSchema(OrderSchema):
    status_changes = ma.fields.List(
        ma.fields.Nested(StatusChangeSchema),
        required=True,
        metadata={"description": "Lịch sử đổi trạng thái, cũ trước"},
    )


class OrderStatusInputSchema(ma.Schema):
    """Allowed moves: placed → paid, shipped, completed, cancelled; paid → shipped, completed,
    cancelled; shipped → completed, cancelled, returned; completed → returned; cancelled →
    placed; returned → completed."""

    status = ma.fields.String(required=True, validate=mv.OneOf(exports.STATUSES))
    note = ma.fields.String(load_default="", metadata={"maxLength": limits.MAX_NOTE})
    from_status = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=mv.OneOf(exports.STATUSES),
        metadata={"description": "Trạng thái bạn đã đọc: khác trạng thái hiện tại thì 409"},
    )


class TemplateArgsSchema(ma.Schema):
    format = ma.fields.String(load_default="xlsx", validate=mv.OneOf(formats.FORMATS))


class OrderPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(OrderSchema), required=True)


class OrderListArgsSchema(schemas.PageArgsSchema):
    club = schemas.Id(metadata={"description": "Chỉ đơn của CLB này (quản trị viên)"})
    session_id = schemas.Id()
    platform = ma.fields.String(validate=mv.OneOf(exports.PLATFORMS))
    status = ma.fields.String(validate=mv.OneOf(exports.STATUSES))
    date_from = schemas.BusinessDate(metadata={"description": "Ngày đặt (giờ Việt Nam), từ"})
    date_to = schemas.BusinessDate(
        metadata={"description": "Ngày đặt (giờ Việt Nam), đến hết ngày"}
    )


def _whole_number(minimum: int, maximum: int, **kwargs: Any) -> schemas.BoundedInt:
    """A whole number the service holds to ``minimum`` … ``maximum`` (``limits``), reporting
    it with every other problem of the order at once; the schema refuses only what is no whole
    number at all (1.5, past a bigint) and documents the bounds."""
    metadata = {**kwargs.pop("metadata", {}), "minimum": minimum, "maximum": maximum}
    return schemas.BoundedInt(
        minimum=-validators.DB_BIGINT_MAX - 1,
        maximum=validators.DB_BIGINT_MAX,
        metadata=metadata,
        **kwargs,
    )


class OrderLineInputSchema(ma.Schema):
    sku = ma.fields.String(required=True, metadata={"maxLength": 64})
    quantity = _whole_number(1, limits.MAX_QUANTITY, required=True)
    unit_price = _whole_number(
        0,
        limits.MAX_UNIT_PRICE,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "đồng; bỏ trống: giá live của phiên hoặc giá bán. Đơn giá × số "
            f"lượng tối đa {limits.MAX_AMOUNT} đồng."
        },
    )


class OrderCreateSchema(ma.Schema):
    """Every value is checked by the service, which reports all problems at once (422,
    ``fields`` like ``lines.0.quantity``); the schema documents the bounds."""

    platform = ma.fields.String(load_default="", metadata={"description": "Bỏ trống: theo phiên"})
    external_id = ma.fields.String(
        load_default="",
        metadata={
            "description": "Mã đơn trên sàn; bỏ trống: ứng dụng tự đặt",
            "maxLength": limits.MAX_EXTERNAL_ID,
        },
    )
    session_id = _whole_number(1, limits.MAX_ID, load_default=None, allow_none=True)
    placed_at = ma.fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "01/01/2000 – 31/12/2100 (giờ Việt Nam)"},
    )
    status = ma.fields.String(load_default="placed")
    buyer_phone = ma.fields.String(load_default="", metadata={"maxLength": limits.MAX_PHONE})
    buyer_user = ma.fields.String(load_default="", metadata={"maxLength": limits.MAX_BUYER_USER})
    buyer_name = ma.fields.String(load_default="", metadata={"maxLength": limits.MAX_BUYER_NAME})
    note = ma.fields.String(load_default="", metadata={"maxLength": limits.MAX_NOTE})
    lines = ma.fields.List(
        ma.fields.Nested(OrderLineInputSchema),
        required=True,
        validate=mv.Length(
            max=manual.MAX_LINES, error=_l("Tối đa %(n)d dòng.", n=manual.MAX_LINES)
        ),
        metadata={"minItems": 1},
    )


class OrderImportSchema(ma.Schema):
    file = flask_smorest.fields.Upload(
        required=True,
        metadata={
            "description": "Tệp xuất đơn TikTok Shop/Shopee hoặc mẫu nhập đơn (CSV/XLSX); "
            f"tối đa {formats.MAX_BYTES >> 20} MB."
        },
    )


class OrderImportArgsSchema(ma.Schema):
    session_id = schemas.Id(
        metadata={"description": "Gắn mọi đơn với phiên này (bỏ trống: theo giờ đặt)"}
    )


class UnmatchedSchema(ma.Schema):
    sku = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class OversoldSchema(ma.Schema):
    variant_id = ma.fields.Integer(required=True)
    sku = ma.fields.String(required=True)
    wanted = ma.fields.Integer(required=True, metadata={"description": "Số lượng trong tệp"})
    available = ma.fields.Integer(required=True, metadata={"description": "Tồn kho lúc nhập"})


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
    oversold = ma.fields.List(
        ma.fields.Nested(OversoldSchema),
        required=True,
        metadata={
            "description": "Dòng bán nhiều hơn tồn kho: tồn kho về 0 (cũng có trong warnings)"
        },
    )
