"""Marshmallow schemas of the clubs API (what it reads and writes, and documents)."""

from __future__ import annotations

from typing import Any

import flask
import marshmallow as ma
import marshmallow.validate as mv
from flask_babel import lazy_gettext as _l

from app import extensions
from app.clubs import service as clubs_service
from app.http import schemas
from app.models import orgs

STATUSES = ("active", "archived", "all")
MAX_PRODUCERS = clubs_service.MAX_PRODUCERS


class BankAccountSchema(ma.Schema):
    bank_bin = ma.fields.String(
        required=True, metadata={"description": "Mã BIN ngân hàng (VietQR), vd. `970436`"}
    )
    bank_name = ma.fields.Method("_bank_name", dump_only=True, metadata={"type": "string"})
    account_number = ma.fields.String(required=True, metadata={"description": "6–19 chữ số"})
    account_name = ma.fields.String(
        required=True,
        metadata={"description": "Tên chủ tài khoản, chữ in hoa không dấu (được chuẩn hoá)"},
    )

    def _bank_name(self, account: Any) -> str:
        return dict(clubs_service.bank_choices()).get(account.bank_bin, account.bank_bin)


class ClubSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    province_code = ma.fields.Integer(allow_none=True)
    province = ma.fields.String(required=True)
    commune_code = ma.fields.Integer(allow_none=True)
    commune = ma.fields.String(allow_none=True)
    contact_name = ma.fields.String(allow_none=True)
    contact_phone = ma.fields.String(allow_none=True, metadata={"description": "Dạng 0912345678"})
    contact_email = ma.fields.String(allow_none=True)
    logo_url = ma.fields.Method("_logo_url", allow_none=True, metadata={"type": "string"})
    bank_account = ma.fields.Method(
        "_bank_account",
        allow_none=True,
        metadata={
            "type": "object",
            "description": "Tài khoản nhận tiền mặc định (VietQR): "
            "`{bank_bin, bank_name, account_number, account_name}` hoặc `null`",
        },
    )
    producers = ma.fields.List(ma.fields.Nested(schemas.ProducerRefSchema), required=True)
    archived = ma.fields.Boolean(required=True, attribute="is_archived")
    archived_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(allow_none=True)

    def _logo_url(self, club: orgs.Club) -> str | None:
        if not club.logo_path:
            return None
        return flask.url_for("clubs.logo", club_id=club.id)

    def _bank_account(self, club: orgs.Club) -> dict[str, Any] | None:
        account = clubs_service.bank_account(extensions.session(), club.id)
        return None if account is None else BankAccountSchema().dump(account)


class ClubPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(ClubSchema), required=True)


class ClubListArgsSchema(schemas.PageArgsSchema):
    status = ma.fields.String(
        load_default="active",
        validate=mv.OneOf(STATUSES),
        metadata={"description": "`active` (mặc định), `archived` hoặc `all`"},
    )


def _producer_ids(*, description: str, **kwargs: Any) -> ma.fields.List:
    """Producer ids (each 1 … 2**31 - 1), at most MAX_PRODUCERS of them."""
    return ma.fields.List(
        schemas.Id(strict=True),
        validate=mv.Length(
            max=MAX_PRODUCERS,
            error=_l("Tối đa %(n)s chủ thể sản xuất.", n=MAX_PRODUCERS),
        ),
        metadata={"description": f"{description} (tối đa {MAX_PRODUCERS})"},
        **kwargs,
    )


def _optional_text(limit: int, description: str = "") -> ma.fields.String:
    return ma.fields.String(
        allow_none=True, validate=mv.Length(max=limit), metadata={"description": description}
    )


class ClubUpdateSchema(ma.Schema):
    """Every field optional: omitted fields keep their value, `null` clears an optional one."""

    name = ma.fields.String(validate=mv.Length(min=1, max=200))
    province_code = schemas.Id(
        strict=True, metadata={"description": "Mã tỉnh/thành của Đoàn quản lý (bản đồ 2025)"}
    )
    commune_code = schemas.Id(
        strict=True,
        allow_none=True,
        metadata={"description": "Mã xã/phường thuộc tỉnh đó (tuỳ chọn)"},
    )
    contact_name = _optional_text(200)
    contact_phone = _optional_text(20, "Số điện thoại Việt Nam, vd. `+84 912 345 678`")
    contact_email = _optional_text(254)
    bank_account = ma.fields.Nested(
        BankAccountSchema,
        allow_none=True,
        metadata={"description": "Tài khoản VietQR mặc định; `null` bỏ tài khoản"},
    )


class ClubCreateSchema(ClubUpdateSchema):
    name = ma.fields.String(required=True, validate=mv.Length(min=1, max=200))
    province_code = schemas.Id(
        required=True,
        strict=True,
        metadata={"description": "Mã tỉnh/thành của Đoàn quản lý (bản đồ 2025)"},
    )
    producer_ids = _producer_ids(
        load_default=list, description="Chủ thể sản xuất CLB làm việc cùng"
    )


class ClubProducersSchema(ma.Schema):
    producer_ids = _producer_ids(
        required=True,
        description="Danh sách đầy đủ chủ thể CLB làm việc cùng (thay danh sách cũ)",
    )
