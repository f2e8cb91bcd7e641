"""The Youth Union's read-only comparison of the clubs under its unit."""

from __future__ import annotations

import re
from typing import Any

import flask_login
import flask_smorest
import marshmallow as ma
import marshmallow.validate as mv
from flask_babel import lazy_gettext as _l

from app import extensions
from app.core import permissions
from app.reports import clubs as club_comparison
from app.reports import dashboards, region

blp = flask_smorest.Blueprint(
    "union_api", __name__, url_prefix="/api/v1/union", description="Đoàn cấp trên: so sánh CLB"
)

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTH = mv.Regexp(MONTH_PATTERN, error=_l("Tháng phải có dạng NNNN-TT, ví dụ 2026-11."))


def _business_month(value: str) -> None:
    """2000-01 … 2100-12 (a malformed month is MONTH's error): months near years 1 and 9999
    cannot be added to or moved across time zones."""
    if re.fullmatch(MONTH_PATTERN, value):
        problem = dashboards.month_problem(value)
        if problem:
            raise ma.ValidationError(problem)


def _month_field(description: str, **kwargs: Any) -> ma.fields.String:
    """An optional month argument (NNNN-TT, 2000-01 … 2100-12), ``None`` when not given."""
    return ma.fields.String(
        load_default=None,
        validate=[MONTH, _business_month],
        metadata={"description": description},
        **kwargs,
    )


class UnionComparisonArgsSchema(ma.Schema):
    from_ = _month_field(
        "Tháng đầu (NNNN-TT, giờ Việt Nam, 2000-01 … 2100-12); mặc định 5 tháng trước",
        data_key="from",
    )
    to = _month_field("Tháng cuối (tính cả tháng này, 2000-01 … 2100-12); mặc định tháng hiện tại")
    sort = ma.fields.String(
        load_default="name",
        validate=mv.OneOf(club_comparison.SORTS),
        metadata={"description": "name (tên CLB) hoặc net_gmv (GMV thực, cao trước)"},
    )


class UnionMonthFiguresSchema(ma.Schema):
    gmv = ma.fields.Integer(required=True, metadata={"description": "GMV (đồng), gồm dòng hủy/trả"})
    net_gmv = ma.fields.Integer(
        required=True, metadata={"description": "GMV thực (đồng), trừ dòng hủy/trả"}
    )
    orders = ma.fields.Integer(required=True, metadata={"description": "Đơn hợp lệ"})
    livestreams = ma.fields.Integer(
        required=True, metadata={"description": "Phiên live (đang live/đã kết thúc) bắt đầu"}
    )
    videos = ma.fields.Integer(required=True, metadata={"description": "Bản dựng video hoàn tất"})
    products_listed = ma.fields.Integer(
        required=True,
        metadata={"description": "Sản phẩm khác nhau có tin đăng lên sàn thành công, tạo mới"},
    )


class UnionMonthRowSchema(UnionMonthFiguresSchema):
    month = ma.fields.String(required=True, metadata={"description": "NNNN-TT"})


class UnionTotalsSchema(UnionMonthFiguresSchema):
    listed_now = ma.fields.Integer(
        required=True, metadata={"description": "Sản phẩm đang có tin đăng hoạt động"}
    )


class UnionClubSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    archived = ma.fields.Boolean(required=True)
    totals = ma.fields.Nested(UnionTotalsSchema, required=True)
    months = ma.fields.List(ma.fields.Nested(UnionMonthRowSchema), required=True)


class UnionComparisonSchema(ma.Schema):
    from_ = ma.fields.String(data_key="from", attribute="from", required=True)
    to = ma.fields.String(required=True)
    months = ma.fields.List(ma.fields.String(), required=True)
    clubs = ma.fields.List(ma.fields.Nested(UnionClubSchema), required=True)
    totals = ma.fields.Nested(UnionTotalsSchema, required=True)
    month_totals = ma.fields.List(ma.fields.Nested(UnionMonthRowSchema), required=True)


@blp.route("/clubs", methods=["GET"])
@permissions.require("union.compare")
@blp.arguments(UnionComparisonArgsSchema, location="query")
@blp.response(200, UnionComparisonSchema)
def compare(args: dict[str, Any]) -> object:
    """The clubs under the account's unit (an admin: every club) per month: GMV, Net GMV and
    orders as each club's overview counts them, livestreams held, videos made, products newly
    listed and listed now, with the clubs' totals. At most 24 months; a bad or reversed
    `from`/`to` answers 422 naming the field."""
    comparison = club_comparison.compare_clubs(
        extensions.session(),
        flask_login.current_user,
        args.get("from_"),
        args.get("to"),
        args.get("sort"),
    )
    return comparison.as_json()


class RegionArgsSchema(ma.Schema):
    from_ = _month_field(
        "Tháng đầu (NNNN-TT, giờ Việt Nam, 2000-01 … 2100-12); mặc định 5 tháng trước",
        data_key="from",
    )
    to = _month_field("Tháng cuối (tính cả tháng này, 2000-01 … 2100-12); mặc định tháng hiện tại")
    province = ma.fields.Integer(
        load_default=None,
        validate=mv.Range(min=-1, max=999),
        metadata={"description": "Mã tỉnh (quản trị viên; bỏ trống: toàn quốc)"},
    )


class RegionRowSchema(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    gmv = ma.fields.Integer(required=True, metadata={"description": "GMV (đồng), gồm hủy/trả"})
    net_gmv = ma.fields.Integer(required=True, metadata={"description": "GMV thực (đồng)"})
    orders = ma.fields.Integer(required=True)
    units = ma.fields.Integer(required=True)
    buyers = ma.fields.Integer(
        allow_none=True, metadata={"description": "Người mua, ước tính (HyperLogLog)"}
    )


class RegionTotalsSchema(ma.Schema):
    gmv = ma.fields.Integer(required=True)
    net_gmv = ma.fields.Integer(required=True)
    orders = ma.fields.Integer(required=True)
    units = ma.fields.Integer(required=True)
    buyers = ma.fields.Integer(allow_none=True)


class RegionSchema(ma.Schema):
    level = ma.fields.String(
        required=True, metadata={"description": "country (hàng là tỉnh) hoặc clubs"}
    )
    place = ma.fields.String(required=True)
    province = ma.fields.Integer(allow_none=True)
    from_ = ma.fields.String(data_key="from", attribute="from", required=True)
    to = ma.fields.String(required=True)
    totals = ma.fields.Nested(RegionTotalsSchema, required=True)
    months = ma.fields.List(ma.fields.Nested(RegionRowSchema), required=True)
    places = ma.fields.List(ma.fields.Nested(RegionRowSchema), required=True)
    tables = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.Nested(RegionRowSchema)),
        required=True,
        metadata={
            "description": "product, producer (20 cao nhất), ocop_stars, ocop_group, platform"
        },
    )
    pending_cells = ma.fields.Integer(
        required=True, metadata={"description": "Tháng-CLB đang chờ tính lại"}
    )
    buyers_standard_error = ma.fields.Float(required=True)


@blp.route("/region", methods=["GET"])
@permissions.require("union.compare")
@blp.arguments(RegionArgsSchema, location="query")
@blp.response(200, RegionSchema)
def region_view(args: dict[str, Any]) -> object:
    """The province (a Youth Union account: its unit) or the whole country (an admin; or one
    province with `province`), read from the sales aggregates: places one level down, months,
    top products and producers, OCOP stars and groups, platforms. Money, orders and units are
    exact; buyers are estimates (about ±1.6 % standard error)."""
    view = region.region_view(
        extensions.session(),
        flask_login.current_user,
        args.get("from_"),
        args.get("to"),
        args.get("province"),
    )
    return view.as_json()
