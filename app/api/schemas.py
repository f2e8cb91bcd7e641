"""Marshmallow schemas: what the API reads and writes (and documents)."""

from __future__ import annotations

import marshmallow as ma
import marshmallow.validate as mv

from app.models import accounts, jobs
from app.services import accounts as accounts_service

ROLES = [role.value for role in accounts.Role]
JOB_STATUSES = [status.value for status in jobs.JobStatus]


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Mã lỗi máy đọc được"})
    message = ma.fields.String(required=True, metadata={"description": "Thông báo cho người dùng"})
    fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        required=True,
        metadata={"description": "Lỗi theo từng trường (rỗng nếu không có)"},
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


class PageArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=mv.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=20, validate=mv.Range(min=1, max=100))


class PageSchema(ma.Schema):
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


class ProducerRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    province = ma.fields.String(required=True)


class ClubRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    archived = ma.fields.Boolean(required=True, attribute="is_archived")


class UserSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)
    email = ma.fields.String(allow_none=True)
    role = ma.fields.String(required=True, validate=mv.OneOf(ROLES))
    producer = ma.fields.Nested(ProducerRefSchema, allow_none=True)
    club_id = ma.fields.Integer(
        allow_none=True,
        metadata={
            "description": "Câu lạc bộ của điều phối viên/người bán; của quản trị viên: câu lạc "
            "bộ làm việc"
        },
    )
    club = ma.fields.Nested(ClubRefSchema, allow_none=True)
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
    locale = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    last_login_at = ma.fields.DateTime(allow_none=True)


class UserPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(UserSchema), required=True)


class UserListArgsSchema(PageArgsSchema):
    role = ma.fields.String(validate=mv.OneOf(ROLES))


class UserCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=mv.Length(min=1, max=64))
    password = ma.fields.String(required=True, load_only=True, validate=mv.Length(min=1, max=200))
    full_name = ma.fields.String(required=True, validate=mv.Length(min=1, max=200))
    email = ma.fields.String(load_default=None, allow_none=True, validate=mv.Length(max=254))
    role = ma.fields.String(required=True, validate=mv.OneOf(ROLES))
    producer_id = ma.fields.Integer(load_default=None, allow_none=True)
    club_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Bắt buộc với coordinator và seller (một câu lạc bộ đang hoạt động); "
            "tuỳ chọn với admin (câu lạc bộ làm việc); để trống với producer và union"
        },
    )
    union_province_code = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "Bắt buộc với union: mã tỉnh (bản đồ 2025)"},
    )
    union_commune_code = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "Tuỳ chọn với union: mã xã/phường thuộc tỉnh đó"},
    )


class UserUpdateSchema(ma.Schema):
    full_name = ma.fields.String(validate=mv.Length(min=1, max=200))
    email = ma.fields.String(allow_none=True, validate=mv.Length(max=254))
    role = ma.fields.String(validate=mv.OneOf(ROLES))
    producer_id = ma.fields.Integer(allow_none=True)
    club_id = ma.fields.Integer(allow_none=True)
    union_province_code = ma.fields.Integer(allow_none=True)
    union_commune_code = ma.fields.Integer(allow_none=True)
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


class JobSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    owner_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(required=True, validate=mv.OneOf(JOB_STATUSES))
    progress = ma.fields.Integer(required=True, metadata={"description": "0–100"})
    message = ma.fields.String(required=True)
    error = ma.fields.String(allow_none=True)
    params = ma.fields.Dict(required=True)
    result = ma.fields.Dict(allow_none=True)
    cancel_requested = ma.fields.Boolean(required=True)
    created_at = ma.fields.DateTime(required=True)
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)


class JobPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(JobSchema), required=True)


class JobListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=mv.OneOf(JOB_STATUSES))


class JobCreateSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=mv.Length(min=1, max=64))
    params = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


class JobKindSchema(ma.Schema):
    name = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
