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
from collections.abc import Callable
from typing import Any

import marshmallow as ma
import marshmallow.validate as mv

from app.core import formatting, pagination, validators


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Mã lỗi máy đọc được"})
    message = ma.fields.String(required=True, metadata={"description": "Thông báo cho người dùng"})
    # "fields" in JSON; the attribute name "fields" would hide Schema.fields
    field_errors = ma.fields.Dict(
        data_key="fields",
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


def stored_problem(
    problem: dict[str, Any] | None, words: Callable[[dict[str, Any]], str]
) -> dict[str, Any] | None:
    """A connection's stored problem (a reason code, its params, when) for the API: the code,
    the message in the reader's language (``words``) and when it happened."""
    if not problem:
        return None
    return {
        "code": str(problem.get("code") or ""),
        "message": words(problem),
        "at": problem.get("at"),
    }
