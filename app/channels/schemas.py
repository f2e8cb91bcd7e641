"""Marshmallow schemas of the channels API: shop accounts (never a secret), listings,
publishing.

Required config fields, owners and lengths are checked by the services, which
report every bad field at once (config fields as ``config.<name>``).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import marshmallow.validate as mv

from app.channels import listings, messages
from app.http import routing, schemas
from app.jobs import schemas as job_schemas
from app.models import channels
from integrations import base, registry

LISTING_STATES = [s.value for s in channels.ListingState]
ACCOUNT_STATUSES = [s.value for s in channels.AccountStatus]
KINDS = [k.value for k in base.Kind]


class AccountSchema(ma.Schema):
    """A shop as ``actions.AccountView`` shows it: secrets only as set / not set."""

    id = ma.fields.Integer(required=True, attribute="account.id")
    marketplace = ma.fields.String(required=True, attribute="account.marketplace")
    marketplace_title = ma.fields.String(required=True, attribute="title")
    kind = ma.fields.Method(
        "_kind",
        required=True,
        metadata={
            "type": "string",
            "enum": KINDS,
            "description": "`api`: published through the API; `pack`: listing packs",
        },
    )
    name = ma.fields.String(required=True, attribute="account.name")
    owner = ma.fields.String(
        required=True,
        attribute="owner_key",
        metadata={"description": "`club:<id>` hoặc `producer:<id>`"},
    )
    owner_name = ma.fields.String(required=True)
    club_id = ma.fields.Integer(
        required=True, attribute="account.club_id", metadata={"description": "CLB vận hành"}
    )
    club_name = ma.fields.String(required=True)
    status = ma.fields.Method(
        "_status", required=True, metadata={"type": "string", "enum": ACCOUNT_STATUSES}
    )
    shop_label = ma.fields.String(allow_none=True, attribute="account.shop_label")
    last_error = ma.fields.Method(
        "_last_error",
        allow_none=True,
        metadata={"type": "string", "description": "Lỗi gần nhất, bằng ngôn ngữ của người đọc"},
    )
    config = ma.fields.Dict(
        required=True,
        metadata={
            "description": "Cấu hình hiển thị được; trường bí mật chỉ báo `true` (đã lưu) "
            "hoặc `false` (chưa có), không bao giờ trả giá trị"
        },
    )
    default_category_id = ma.fields.String(required=True)
    listing_counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        attribute="counts",
        metadata={"description": "Số tin đăng theo trạng thái"},
    )
    created_at = ma.fields.DateTime(required=True, attribute="account.created_at")

    def _kind(self, view: Any) -> str:
        return str(view.kind.value)

    def _last_error(self, view: Any) -> str | None:
        return messages.account_error(view.account)

    def _status(self, view: Any) -> str:
        return str(view.account.status.value)


class AccountCreateSchema(ma.Schema):
    marketplace = ma.fields.String(
        required=True, metadata={"enum": registry.names(), "description": "Tên sàn"}
    )
    name = ma.fields.String(required=True, metadata={"maxLength": 120})
    owner = ma.fields.String(
        required=True, metadata={"description": "`club:<id>` hoặc `producer:<id>`"}
    )
    club_id = ma.fields.Integer(
        strict=True,
        validate=mv.Range(min=1, max=routing.MAX_ID),
        metadata={
            "description": "CLB vận hành gian hàng của một chủ thể (quản trị viên chọn; "
            "mặc định: CLB làm việc)"
        },
    )
    config = ma.fields.Dict(
        keys=ma.fields.String(validate=mv.Length(max=64)),
        values=ma.fields.String(),
        load_default=dict,
        validate=mv.Length(max=50),
        metadata={
            "description": "Trường cấu hình của sàn (theo `config_schema` của adapter); "
            "lỗi báo theo `config.<trường>`. Trường địa chỉ (`…_url`, `authorize_url_base`): "
            "http(s) không có khoảng trắng hay ký tự điều khiển; khi chạy production chỉ https "
            "và thuộc tên miền của sàn"
        },
    )
    default_category_id = ma.fields.String(
        load_default="",
        metadata={"maxLength": 64, "description": "Danh mục trên sàn khi chưa ghép nhóm OCOP"},
    )

    @ma.post_load
    def flatten(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """The flat form ``accounts.save_account`` reads (``config.<field>`` keys)."""
        config = data.pop("config")
        return {**data, **{f"config.{k}": v for k, v in config.items()}}


class ListingSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    account_id = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(required=True)
    product_name = ma.fields.String(required=True, attribute="product.name")
    state = ma.fields.Method(
        "_state", required=True, metadata={"type": "string", "enum": LISTING_STATES}
    )
    external_id = ma.fields.String(allow_none=True, metadata={"description": "Mã trên sàn"})
    url = ma.fields.String(allow_none=True)
    last_error = ma.fields.Method(
        "_last_error",
        allow_none=True,
        metadata={"type": "string", "description": "Lỗi bằng lời, theo ngôn ngữ của người đọc"},
    )
    error_fields = ma.fields.Method(
        "_error_fields",
        allow_none=True,
        metadata={
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Lỗi theo từng trường của nội dung đăng, theo ngôn ngữ của người đọc "
            "(lời của sàn giữ nguyên)",
        },
    )
    error_code = ma.fields.String(
        allow_none=True,
        metadata={"description": "Mã lỗi ổn định (xem docs/channels.md), không phải mã của sàn"},
    )
    error_params = ma.fields.Method(
        "_error_params",
        allow_none=True,
        metadata={"type": "object", "description": "Tham số của mã lỗi"},
    )
    attempts = ma.fields.Integer(required=True)
    certificate_override = ma.fields.Boolean(required=True)
    paused_reason = ma.fields.String(allow_none=True)
    last_synced_at = ma.fields.DateTime(allow_none=True)
    updated_at = ma.fields.DateTime(required=True)

    def _state(self, listing: channels.Listing) -> str:
        return str(listing.state.value)

    def _last_error(self, listing: channels.Listing) -> str | None:
        return messages.listing_error_text(listing)

    def _error_fields(self, listing: channels.Listing) -> dict[str, list[str]] | None:
        return messages.listing_error_fields(listing)

    def _error_params(self, listing: channels.Listing) -> dict[str, Any] | None:
        record = messages.record_of_listing(listing)
        return record.params or None if record is not None else None


class ListingPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(ListingSchema), required=True)


class ListingListArgsSchema(schemas.PageArgsSchema):
    state = ma.fields.String(validate=mv.OneOf(LISTING_STATES))


class PublishSchema(ma.Schema):
    product_ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=mv.Range(min=1)),
        required=True,
        validate=mv.Length(min=1, max=listings.MAX_PRODUCTS_PER_PUBLISH),
    )


class PublishResultSchema(ma.Schema):
    job = ma.fields.Nested(
        job_schemas.JobSchema,
        allow_none=True,
        metadata={"description": "Việc đăng chạy nền; null khi không có gì cần đẩy lên sàn"},
    )
    listings = ma.fields.List(ma.fields.Nested(ListingSchema), required=True)


class CertificateOverrideSchema(ma.Schema):
    on = ma.fields.Boolean(
        required=True, metadata={"description": "true: vẫn bán khi chứng nhận OCOP hết hạn"}
    )


class LiveReferenceSchema(ma.Schema):
    reference = ma.fields.String(
        required=True,
        validate=mv.Length(min=1, max=500),
        metadata={"description": "Đường dẫn hoặc mã sản phẩm đang bán trên sàn"},
    )
