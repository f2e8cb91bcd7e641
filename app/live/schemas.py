"""Request and response shapes of the livestream planning API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import marshmallow.validate as mv

from app.core import formatting
from app.http import addresses, schemas
from app.live import common
from app.live import host as host_service
from app.live import slots as slots_service
from app.models import live

PLATFORMS = [p.value for p in live.Platform]
STATUSES = [s.value for s in live.SessionStatus]


class StreamerSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    club_id = ma.fields.Integer(required=True)
    club_name = ma.fields.Function(lambda s: s.club.name)
    user_id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)
    platforms = ma.fields.List(ma.fields.String(), required=True)
    tiktok_handle = ma.fields.String(allow_none=True)
    channel_account_ids = ma.fields.Function(lambda s: [a.id for a in s.channel_accounts])
    is_active = ma.fields.Boolean(required=True)


class StreamerCreateSchema(ma.Schema):
    user_id = schemas.Id(required=True)
    display_name = ma.fields.String(validate=mv.Length(min=1, max=120))
    platforms = ma.fields.List(
        ma.fields.String(validate=mv.OneOf(PLATFORMS)), validate=mv.Length(max=len(PLATFORMS))
    )
    tiktok_handle = ma.fields.String(allow_none=True, validate=mv.Length(max=65))
    channel_account_ids = ma.fields.List(schemas.Id(), validate=mv.Length(max=100))
    is_active = ma.fields.Boolean()


class StreamerUpdateSchema(StreamerCreateSchema):
    user_id = schemas.Id(dump_only=True)


class HostRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)


class SlotSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    position = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(required=True)
    product_name = ma.fields.Function(lambda s: s.product.name)
    variant_id = ma.fields.Integer(allow_none=True)
    variant_name = ma.fields.Function(lambda s: s.variant.name if s.variant else None)
    start_offset_s = ma.fields.Integer(required=True)
    length_s = ma.fields.Integer(required=True)
    live_price = ma.fields.Integer(required=True, metadata={"description": "đồng"})
    list_price = ma.fields.Function(lambda s: slots_service.discount(s).list_price)
    discount_amount = ma.fields.Function(lambda s: slots_service.discount(s).amount)
    discount_percent = ma.fields.Function(lambda s: slots_service.discount(s).percent)
    code = ma.fields.String(required=True)
    talking_points = ma.fields.String(allow_none=True)


class SlotCreateSchema(ma.Schema):
    product_id = schemas.Id(required=True)
    variant_id = schemas.Id(allow_none=True)
    start_offset_s = ma.fields.Integer(
        allow_none=True,
        validate=mv.Range(min=0, max=slots_service.MAX_SECONDS),
        metadata={"description": "Giây tính từ đầu phiên; bỏ trống: ngay sau mục cuối"},
    )
    length_s = ma.fields.Integer(validate=mv.Range(min=1, max=slots_service.MAX_SECONDS))
    live_price = ma.fields.Integer(
        allow_none=True,
        validate=mv.Range(min=0, max=slots_service.LIVE_PRICE_MAX),
        metadata={"description": "đồng (0 … 1.000.000.000); bỏ trống: giá niêm yết"},
    )
    code = ma.fields.String(
        allow_none=True,
        validate=mv.Length(max=40),
        metadata={
            "description": "Mã bình luận, chuẩn hoá thành chữ in ASCII (NM1); bỏ trống: gợi ý"
        },
    )
    talking_points = ma.fields.String(allow_none=True, validate=mv.Length(max=common.NOTES_MAX))


class SlotUpdateSchema(SlotCreateSchema):
    product_id = schemas.Id()


class SlotOrderSchema(ma.Schema):
    slot_ids = ma.fields.List(
        schemas.Id(), required=True, validate=mv.Length(max=slots_service.MAX_SLOTS)
    )


class SessionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    club_id = ma.fields.Integer(required=True)
    club_name = ma.fields.Function(lambda s: s.club.name)
    title = ma.fields.String(required=True)
    platform = ma.fields.String(required=True, validate=mv.OneOf(PLATFORMS))
    channel_account_id = ma.fields.Integer(allow_none=True)
    starts_at = ma.fields.DateTime(required=True, metadata={"description": "UTC"})
    ends_at = ma.fields.DateTime(required=True, metadata={"description": "UTC"})
    starts_at_local = ma.fields.Function(
        lambda s: formatting.local_datetime(s.starts_at, "%Y-%m-%dT%H:%M")
    )
    ends_at_local = ma.fields.Function(
        lambda s: formatting.local_datetime(s.ends_at, "%Y-%m-%dT%H:%M")
    )
    status = ma.fields.String(required=True, validate=mv.OneOf(STATUSES))
    notes = ma.fields.String(allow_none=True)
    live_url = ma.fields.String(allow_none=True)
    sequence = ma.fields.Integer(required=True)
    hosts = ma.fields.List(ma.fields.Nested(HostRefSchema), required=True)
    slots = ma.fields.List(ma.fields.Nested(SlotSchema), required=True)


class SessionPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(SessionSchema), required=True)


class SessionListArgsSchema(schemas.PageArgsSchema):
    start = schemas.BusinessDateTime()
    end = schemas.BusinessDateTime()
    streamer_id = schemas.Id()
    status = ma.fields.String(validate=mv.OneOf(STATUSES))


class SessionCreateSchema(ma.Schema):
    title = ma.fields.String(
        required=True,
        validate=mv.Length(min=1, max=200),
        metadata={"description": "Một dòng, không có ký tự điều khiển"},
    )
    platform = ma.fields.String(required=True, validate=mv.OneOf(PLATFORMS))
    channel_account_id = schemas.Id(allow_none=True)
    starts_at = schemas.BusinessDateTime(required=True)
    ends_at = schemas.BusinessDateTime(required=True)
    host_ids = ma.fields.List(schemas.Id(), required=True, validate=mv.Length(max=20))
    notes = ma.fields.String(allow_none=True, validate=mv.Length(max=common.NOTES_MAX))
    live_url = ma.fields.String(
        allow_none=True,
        validate=mv.Length(max=500),
        metadata={"description": "http(s)://…; chỉ https khi chạy production"},
    )


class SessionUpdateSchema(SessionCreateSchema):
    title = ma.fields.String(validate=mv.Length(min=1, max=200))
    platform = ma.fields.String(validate=mv.OneOf(PLATFORMS))
    starts_at = schemas.BusinessDateTime()
    ends_at = schemas.BusinessDateTime()
    host_ids = ma.fields.List(schemas.Id(), validate=mv.Length(max=20))


class StatusSchema(ma.Schema):
    status = ma.fields.String(required=True, validate=mv.OneOf(STATUSES))


class DuplicateSchema(ma.Schema):
    days = ma.fields.Integer(load_default=7, validate=mv.Range(min=-366, max=366))
    starts_at = schemas.BusinessDateTime()


class HostActionSchema(ma.Schema):
    action = ma.fields.String(required=True, validate=mv.OneOf(host_service.ACTIONS))
    seconds = ma.fields.Integer(load_default=0, validate=mv.Range(min=0, max=3600))
    index = ma.fields.Integer(
        allow_none=True, validate=mv.Range(min=0, max=slots_service.MAX_SLOTS)
    )


class HostSlotSchema(ma.Schema):
    index = ma.fields.Integer()
    id = ma.fields.Integer()
    code = ma.fields.String()
    product = ma.fields.String()
    variant = ma.fields.String(allow_none=True)
    live_price = ma.fields.Integer()
    live_price_label = ma.fields.String()
    list_price = ma.fields.Integer(allow_none=True)
    list_price_label = ma.fields.String(allow_none=True)
    discount_percent = ma.fields.Float(allow_none=True)
    talking_points = ma.fields.String()
    length_s = ma.fields.Integer()
    started_at = ma.fields.String()
    ends_at = ma.fields.String(metadata={"description": "Khi hết giờ mục này (UTC, ISO 8601)"})
    extension_s = ma.fields.Integer()


class HostStateSchema(ma.Schema):
    session_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    server_now = ma.fields.String(required=True)
    total = ma.fields.Integer(required=True)
    started = ma.fields.Boolean(required=True)
    finished = ma.fields.Boolean(required=True)
    current = ma.fields.Nested(HostSlotSchema, allow_none=True)
    next = ma.fields.Nested(HostSlotSchema, allow_none=True)


class FeedSchema(ma.Schema):
    scope = ma.fields.Function(lambda f: "streamer" if f.streamer_id else "club")
    streamer_id = ma.fields.Integer(allow_none=True)
    url = ma.fields.Method("feed_url")
    rotated_at = ma.fields.DateTime(allow_none=True)

    def feed_url(self, feed: Any) -> str:
        return addresses.public_url("live.feed", token=feed.token)


class FeedRotateSchema(ma.Schema):
    streamer_id = schemas.Id(
        allow_none=True, metadata={"description": "Bỏ trống: lịch của cả câu lạc bộ"}
    )
