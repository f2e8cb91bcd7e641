"""Marshmallow schemas: what the API reads and writes (and documents).

Shared bounded fields, for every feature's schemas (the bounds are ``app.validators``'s, so a
form, an import and the API agree; the OpenAPI document shows them as minimum/maximum):

- ``BoundedInt(minimum=…, maximum=…)``: a whole number in a range (default 0 … 2**31 - 1, an
  ``integer`` column). Refuses ``1.5``, ``true`` and numbers past the range with a field error
  (422) instead of letting them reach the database.
- ``Id()``: a database id, 1 … 2**31 - 1 (an id past it names no row: a field error, not 500).
- ``Money(maximum=…)``: đồng, 0 … 10**12 unless a feature holds it tighter.
- ``Quantity(minimum=…, maximum=…)``: units, 0 … 1,000,000 unless held tighter.
- ``BusinessDate()``: ``YYYY-MM-DD`` from 2000-01-01 to 2100-12-31.
- ``BusinessDateTime()``: ISO 8601 in the same years; without an offset it is Vietnam time.

``PageArgsSchema``: ``page`` 1 … 100,000 and ``per_page`` 1 … 100; outside them a 422 (pages
in the browser clamp instead, see ``app.pagination``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
import marshmallow.validate as mv

from app import formatting, i18n, pagination, validators
from app.models import accounts, jobs
from app.services import accounts as accounts_service
from app.services import jobs as jobs_service

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


class BoundedInt(ma.fields.Integer):
    """A whole number from ``minimum`` to ``maximum`` (both included)."""

    def __init__(
        self, *, minimum: int = 0, maximum: int = validators.DB_INT_MAX, **kwargs: Any
    ) -> None:
        self.minimum, self.maximum = minimum, maximum
        validate = kwargs.pop("validate", None)
        extra = [] if validate is None else validate if isinstance(validate, list) else [validate]
        range_ = mv.Range(min=minimum, max=maximum, error=self._range_message())
        super().__init__(validate=[range_, *extra], **kwargs)

    def _range_message(self) -> Any:
        # Lazy: translated when the error is shown. Marshmallow calls .format() on it (it holds
        # no braces); the bounds are written the Vietnamese way.
        return validators.range_message(self.minimum, self.maximum)

    def _validated(self, value: Any) -> int:
        # A float with a fraction (1.5) is not silently cut to 1.
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        if isinstance(value, str) and len(value.strip().lstrip("+-")) > 19:
            raise self.make_error("too_large", input=value)
        return super()._validated(value)


class Id(BoundedInt):
    """A database id: 1 … 2**31 - 1."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(minimum=1, maximum=validators.MAX_ID, **kwargs)


class Money(BoundedInt):
    """An amount in đồng: 0 … ``maximum`` (default 10**12)."""

    def __init__(self, *, maximum: int = validators.MONEY_MAX, **kwargs: Any) -> None:
        super().__init__(minimum=0, maximum=maximum, **kwargs)

    def _range_message(self) -> Any:
        return validators.money_message(self.maximum)


class Quantity(BoundedInt):
    """A number of units: ``minimum`` … ``maximum`` (default 0 … 1,000,000)."""

    def __init__(
        self, *, minimum: int = 0, maximum: int = validators.QUANTITY_MAX, **kwargs: Any
    ) -> None:
        super().__init__(minimum=minimum, maximum=maximum, **kwargs)

    def _range_message(self) -> Any:
        return validators.quantity_message(self.minimum, self.maximum)


def _business_day(value: dt.date) -> None:
    problem = validators.business_date_problem(value)
    if problem:
        raise ma.ValidationError(problem)


def _business_metadata(kwargs: dict[str, Any], text: str) -> dict[str, Any]:
    metadata = dict(kwargs.pop("metadata", None) or {})
    described = metadata.get("description")
    metadata["description"] = f"{described} ({text})" if described else text
    return metadata


class BusinessDate(ma.fields.Date):
    """A day ``YYYY-MM-DD`` from 2000-01-01 to 2100-12-31."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = _business_metadata(kwargs, "2000-01-01 … 2100-12-31")
        validate = kwargs.pop("validate", None)
        extra = [] if validate is None else validate if isinstance(validate, list) else [validate]
        super().__init__(validate=[_business_day, *extra], metadata=metadata, **kwargs)


class BusinessDateTime(ma.fields.AwareDateTime):
    """ISO 8601 from 2000 to 2100; without an offset, Vietnam time (Asia/Ho_Chi_Minh)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = _business_metadata(
            kwargs, "ISO 8601, năm 2000–2100; không có múi giờ thì hiểu là giờ Việt Nam"
        )
        validate = kwargs.pop("validate", None)
        extra = [] if validate is None else validate if isinstance(validate, list) else [validate]
        kwargs.setdefault("default_timezone", formatting.LOCAL_TZ)
        super().__init__(validate=[_business_day, *extra], metadata=metadata, **kwargs)


class PageArgsSchema(ma.Schema):
    page = BoundedInt(minimum=1, maximum=pagination.MAX_PAGE, load_default=1)
    per_page = BoundedInt(minimum=1, maximum=pagination.MAX_PER_PAGE, load_default=20)


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
    must_change_password = ma.fields.Boolean(
        required=True,
        metadata={"description": "Đang dùng mật khẩu một lần: phải đặt mật khẩu mới khi đăng nhập"},
    )
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
    producer_id = Id(load_default=None, allow_none=True)
    club_id = Id(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Bắt buộc với coordinator và seller (một câu lạc bộ đang hoạt động); "
            "tuỳ chọn với admin (câu lạc bộ làm việc); để trống với producer và union"
        },
    )
    union_province_code = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "Bắt buộc với union: mã tỉnh (bản đồ 2025)"},
    )
    union_commune_code = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "Tuỳ chọn với union: mã xã/phường thuộc tỉnh đó"},
    )


class UserUpdateSchema(ma.Schema):
    full_name = ma.fields.String(validate=mv.Length(min=1, max=200))
    email = ma.fields.String(allow_none=True, validate=mv.Length(max=254))
    role = ma.fields.String(validate=mv.OneOf(ROLES))
    producer_id = Id(allow_none=True)
    club_id = Id(allow_none=True)
    union_province_code = Id(allow_none=True)
    union_commune_code = Id(allow_none=True)
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
    title = ma.fields.Function(jobs_service.kind_title, required=True)
    owner_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(required=True, validate=mv.OneOf(JOB_STATUSES))
    progress = ma.fields.Integer(required=True, metadata={"description": "0–100"})
    message = ma.fields.Function(lambda job: i18n.stored_text(job.message), required=True)
    error = ma.fields.Function(lambda job: i18n.stored_text(job.error) or None, allow_none=True)
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
