"""What the accounts API reads and writes: users and API tokens."""

from __future__ import annotations

import marshmallow as ma
import marshmallow.validate as mv

from app.accounts import service as accounts_service
from app.http import schemas
from app.models import accounts

ROLES = [role.value for role in accounts.Role]


class UserSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)
    email = ma.fields.String(allow_none=True)
    role = ma.fields.String(required=True, validate=mv.OneOf(ROLES))
    producer = ma.fields.Nested(schemas.ProducerRefSchema, allow_none=True)
    club_id = ma.fields.Integer(
        allow_none=True,
        metadata={
            "description": "Câu lạc bộ của điều phối viên/người bán; của quản trị viên: câu lạc "
            "bộ làm việc"
        },
    )
    club = ma.fields.Nested(schemas.ClubRefSchema, allow_none=True)
    union_province_code = ma.fields.Integer(
        allow_none=True, metadata={"description": "Tài khoản Đoàn: mã tỉnh (bản đồ 2025)"}
    )
    union_commune_code = ma.fields.Integer(
        allow_none=True, metadata={"description": "Tài khoản Đoàn: mã xã/phường (nếu có)"}
    )
    union_unit = ma.fields.Function(
        lambda user: accounts_service.union_unit_name(
            user.union_province_code, user.union_commune_code
        ),
        allow_none=True,
        metadata={"description": "Tên đơn vị Đoàn, ví dụ 'Phường Móng Cái 1, Quảng Ninh'"},
    )
    active = ma.fields.Boolean(required=True, attribute="is_active_account")
    must_change_password = ma.fields.Boolean(
        required=True,
        metadata={"description": "Đang dùng mật khẩu một lần: phải đặt mật khẩu mới khi đăng nhập"},
    )
    locale = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    last_login_at = ma.fields.DateTime(allow_none=True)


class UserPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(UserSchema), required=True)


class UserListArgsSchema(schemas.PageArgsSchema):
    role = ma.fields.String(validate=mv.OneOf(ROLES))


class UserCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=mv.Length(min=1, max=64))
    password = ma.fields.String(required=True, load_only=True, validate=mv.Length(min=1, max=200))
    full_name = ma.fields.String(required=True, validate=mv.Length(min=1, max=200))
    email = ma.fields.String(load_default=None, allow_none=True, validate=mv.Length(max=254))
    role = ma.fields.String(required=True, validate=mv.OneOf(ROLES))
    producer_id = schemas.Id(load_default=None, allow_none=True)
    club_id = schemas.Id(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Bắt buộc với coordinator và seller (một câu lạc bộ đang hoạt động); "
            "tuỳ chọn với admin (câu lạc bộ làm việc); để trống với producer và union"
        },
    )
    union_province_code = schemas.Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "Bắt buộc với union: mã tỉnh (bản đồ 2025)"},
    )
    union_commune_code = schemas.Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "Tuỳ chọn với union: mã xã/phường thuộc tỉnh đó"},
    )


class UserUpdateSchema(ma.Schema):
    full_name = ma.fields.String(validate=mv.Length(min=1, max=200))
    email = ma.fields.String(allow_none=True, validate=mv.Length(max=254))
    role = ma.fields.String(validate=mv.OneOf(ROLES))
    producer_id = schemas.Id(allow_none=True)
    club_id = schemas.Id(allow_none=True)
    union_province_code = schemas.Id(allow_none=True)
    union_commune_code = schemas.Id(allow_none=True)
    active = ma.fields.Boolean()
    password = ma.fields.String(load_only=True, validate=mv.Length(min=1, max=200))


class TokenSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    prefix = ma.fields.String(required=True, metadata={"description": "Đầu mã, để nhận ra"})
    created_at = ma.fields.DateTime(required=True)
    last_used_at = ma.fields.DateTime(allow_none=True)


class TokenCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=mv.Length(min=1, max=100))


class IssuedTokenSchema(TokenSchema):
    token = ma.fields.String(required=True, metadata={"description": "Chỉ trả về một lần"})
