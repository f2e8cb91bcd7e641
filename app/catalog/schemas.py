"""Marshmallow schemas of the catalog API: producers, products, variants, certificates.

The schemas check types and enumerations and document the rest; business rules
(lengths after NFC normalisation, SKU format and uniqueness, barcodes, OCOP
rules, who may edit what) live in the services, which report every bad field
at once in the same error shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask_babel
import flask_login
import marshmallow as ma
import marshmallow.validate as mv

from app.catalog import service as catalog_service
from app.core import permissions
from app.http import addresses, schemas
from app.models import catalog, orgs
from vietnam import ocop

PRODUCER_TYPES = [t.value for t in orgs.ProducerType]
LEVELS = [level.value for level in catalog.CertificateLevel]
CERTIFICATE_STATUSES = [s.value for s in ocop.Status] + ["none"]
MAX_PRICE = catalog_service.MAX_PRICE
ID_RANGE = mv.Range(min=1, max=catalog_service.MAX_ID)


def _id(description: str | None = None, **kwargs: Any) -> ma.fields.Field:
    """A database id in a body: 1 … 2**31 - 1 (a larger one is a field error, not an overflow)."""
    metadata = {"description": description} if description else {}
    return ma.fields.Integer(strict=True, validate=ID_RANGE, metadata=metadata, **kwargs)


def _query_id(description: str | None = None) -> ma.fields.Field:
    metadata = {"description": description} if description else {}
    return ma.fields.Integer(validate=ID_RANGE, metadata=metadata)


def _cap_list(data: Any, name: str, problem: Any) -> None:
    """Refuse an over-long list before its items are read (50,000 variants: at once)."""
    if isinstance(data, dict) and isinstance(data.get(name), list):
        message = problem(len(data[name]))
        if message:
            raise ma.ValidationError(message, field_name=name)


def _text(
    limit: int | None = None, description: str | None = None, **kwargs: Any
) -> ma.fields.Field:
    """A text field; the limit (counted after NFC normalisation) is checked by the service."""
    metadata: dict[str, Any] = {}
    if limit is not None:
        metadata["maxLength"] = limit
    if description:
        metadata["description"] = description
    return ma.fields.String(metadata=metadata, **kwargs)


def _optional_text(limit: int | None = None, description: str | None = None) -> ma.fields.Field:
    return _text(limit, description, allow_none=True)


def certificate_status(expires_on: dt.date | None) -> str:
    """active / expiring / expired on Vietnam's calendar, or "none" without a certificate."""
    status = catalog_service.certificate_status(expires_on)
    return status.value if status else "none"


def product_public_url(product_id: int) -> str:
    """The absolute address of the public product page (what the QR code encodes)."""
    return addresses.public_url("public.product", product_id=product_id)


# --- producers --------------------------------------------------------------------------


class ProducerSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    type = ma.fields.String(required=True, validate=mv.OneOf(PRODUCER_TYPES))
    tax_code = ma.fields.String(allow_none=True)
    contact_person = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True, metadata={"description": "Dạng 0912345678"})
    province_code = ma.fields.Integer(allow_none=True)
    province = ma.fields.String(required=True)
    commune_code = ma.fields.Integer(allow_none=True)
    commune = ma.fields.String(allow_none=True)
    district = ma.fields.String(allow_none=True, metadata={"description": "Huyện (hồ sơ cũ)"})
    address_line = ma.fields.String(allow_none=True)
    story = ma.fields.String(allow_none=True)
    logo_url = ma.fields.Method("_logo_url", allow_none=True, metadata={"type": "string"})
    clubs = ma.fields.Method(
        "_clubs",
        allow_none=True,
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": "Các CLB làm việc với chủ thể (`{id, name}`); chỉ quản trị viên "
            "thấy, người khác nhận `null`",
        },
    )
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)

    def _logo_url(self, producer: orgs.Producer) -> str | None:
        return addresses.media_url(producer.logo_path, external=True)

    def _clubs(self, producer: orgs.Producer) -> list[dict[str, Any]] | None:
        if not permissions.can(flask_login.current_user, "clubs.manage"):
            return None
        return [{"id": club.id, "name": club.name} for club in producer.clubs]


class ProducerPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(ProducerSchema), required=True)


class ProducerListArgsSchema(schemas.PageArgsSchema):
    q = ma.fields.String(metadata={"description": "Tên hoặc mã số thuế chứa chuỗi này"})
    province_code = _query_id("Mã tỉnh (bản đồ 2025)")


class ProducerUpdateSchema(ma.Schema):
    """Every field optional: omitted fields keep their value, null clears an optional one."""

    name = _text(200)
    type = ma.fields.String(validate=mv.OneOf(PRODUCER_TYPES))
    tax_code = _optional_text(
        14, "10 chữ số, 10 chữ số + `-XXX` (chi nhánh) hoặc 12 chữ số; duy nhất"
    )
    contact_person = _optional_text(200)
    phone = _optional_text(None, "Số điện thoại Việt Nam, vd. `+84 912 345 678`")
    province_code = _id("Mã tỉnh/thành (bản đồ hành chính 2025)")
    commune_code = _id("Mã xã/phường thuộc tỉnh đã chọn")
    district = _optional_text(100, "Huyện cũ (tùy chọn, cho hồ sơ trước 2025)")
    address_line = _optional_text(255)
    story = _optional_text(10_000, "Câu chuyện của chủ thể (được xuống dòng)")


class ProducerCreateSchema(ProducerUpdateSchema):
    club_id = _id(
        "CLB làm việc với chủ thể (quản trị viên chọn; nhân sự CLB: luôn là CLB của mình)"
    )
    name = _text(200, required=True)
    type = ma.fields.String(required=True, validate=mv.OneOf(PRODUCER_TYPES))
    province_code = _id("Mã tỉnh/thành (bản đồ hành chính 2025)", required=True)
    commune_code = _id("Mã xã/phường thuộc tỉnh đã chọn", required=True)


# --- reference data ---------------------------------------------------------------------


class OcopCategorySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"description": "vd. `1`, `1.3`, `1.3.d`"})
    name = ma.fields.String(required=True)
    parent_id = ma.fields.Integer(allow_none=True)
    level = ma.fields.Integer(
        required=True, metadata={"description": "1 ngành, 2 nhóm, 3 phân nhóm"}
    )


class AdminUnitSchema(ma.Schema):
    code = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class CategoryRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


# --- products -----------------------------------------------------------------------------


class VariantSchema(ma.Schema):
    """A variant (SKU), read and written alike; `id` is informative, SKUs identify variants."""

    id = _id("Bỏ qua khi ghi: SKU xác định phân loại")
    sku = _text(
        64,
        "Chữ, số, `.`, `_`, `-`; lưu chữ hoa; duy nhất trong toàn danh mục",
        required=True,
    )
    name = _optional_text(100, "Tên phân loại (mặc định “Mặc định”)")
    price = ma.fields.Integer(
        strict=True,
        required=True,
        validate=mv.Range(min=0, max=MAX_PRICE),
        metadata={"description": "Giá bán, đồng (số nguyên, tối đa 1.000.000.000)"},
    )
    stock = ma.fields.Integer(strict=True, validate=mv.Range(min=0, max=catalog_service.MAX_STOCK))
    weight_g = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=mv.Range(min=0, max=catalog_service.MAX_WEIGHT_G),
        metadata={"description": "Gam, cả bao bì"},
    )
    length_cm = ma.fields.Float(
        allow_none=True, validate=mv.Range(min=0, max=catalog_service.MAX_DIMENSION_CM)
    )
    width_cm = ma.fields.Float(
        allow_none=True, validate=mv.Range(min=0, max=catalog_service.MAX_DIMENSION_CM)
    )
    height_cm = ma.fields.Float(
        allow_none=True, validate=mv.Range(min=0, max=catalog_service.MAX_DIMENSION_CM)
    )
    barcode = _optional_text(14, "EAN-8, UPC-A, EAN-13 hoặc GTIN-14 (kiểm tra số cuối)")


class ProductImageSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.Method("_url", required=True, metadata={"type": "string"})
    thumb_url = ma.fields.Method("_thumb_url", required=True, metadata={"type": "string"})
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    position = ma.fields.Integer(required=True, metadata={"description": "0 là ảnh bìa"})

    def _url(self, image: catalog.ProductImage) -> str | None:
        return addresses.media_url(image.path, external=True)

    def _thumb_url(self, image: catalog.ProductImage) -> str | None:
        return addresses.media_url(image.thumb_path, external=True)


class CertificateSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(required=True)
    score = ma.fields.Float(allow_none=True, metadata={"description": "Điểm 0–100"})
    stars = ma.fields.Integer(required=True, validate=mv.Range(min=3, max=5))
    decision_number = ma.fields.String(required=True)
    decision_date = ma.fields.Date(required=True)
    level = ma.fields.String(required=True, validate=mv.OneOf(LEVELS))
    authority = ma.fields.String(required=True)
    expires_on = ma.fields.Date(required=True, metadata={"description": "36 tháng sau ngày QĐ"})
    status = ma.fields.Method(
        "_status",
        required=True,
        metadata={"type": "string", "enum": [s.value for s in ocop.Status]},
    )
    created_at = ma.fields.DateTime(required=True)

    def _status(self, certificate: catalog.Certificate) -> str:
        return certificate_status(certificate.expires_on)


class CertificateUpdateSchema(ma.Schema):
    """Omitted fields keep their value; a new score alone re-derives the stars."""

    score = ma.fields.Float(
        allow_none=True,
        validate=mv.Range(min=0, max=100),
        metadata={
            "description": "Điểm 0–100, tối đa 2 chữ số thập phân, không làm tròn; số sao suy "
            "ra theo thang OCOP: [50, 70) → 3★, [70, 90) → 4★, [90, 100] → 5★ (69.99 là 3★)"
        },
    )
    stars = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=mv.Range(min=1, max=5),
        metadata={"description": "Nhập khi không có điểm; nếu có cả hai thì phải khớp điểm"},
    )
    decision_number = _text(64)
    decision_date = ma.fields.Date(metadata={"description": "Từ năm 2000, không ở tương lai"})
    level = ma.fields.String(
        validate=mv.OneOf(LEVELS),
        metadata={"description": "Trung ương ⇔ 5 sao; huyện chỉ 3 sao trước 06/07/2025"},
    )
    authority = _text(200, "Cơ quan cấp")


class CertificateCreateSchema(CertificateUpdateSchema):
    decision_number = _text(64, required=True)
    decision_date = ma.fields.Date(
        required=True, metadata={"description": "Từ năm 2000, không ở tương lai"}
    )
    level = ma.fields.String(
        required=True,
        validate=mv.OneOf(LEVELS),
        metadata={"description": "Trung ương ⇔ 5 sao; huyện chỉ 3 sao trước 06/07/2025"},
    )
    authority = _text(200, "Cơ quan cấp", required=True)


class ProductLinkSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    channel = ma.fields.String(required=True, validate=mv.OneOf(catalog_service.CHANNELS))
    url = _text(
        500,
        "Địa chỉ http(s) của gian hàng (chỉ https khi chạy thật); không khoảng trắng, "
        "không xuống dòng",
        required=True,
    )


def _links_problem(count: int) -> str | None:
    if count <= catalog_service.MAX_LINKS:
        return None
    return flask_babel.gettext("Mỗi sản phẩm có tối đa %(n)d nơi bán.", n=catalog_service.MAX_LINKS)


class ProductLinksSchema(ma.Schema):
    links = ma.fields.List(
        ma.fields.Nested(ProductLinkSchema),
        required=True,
        metadata={"description": f"Tối đa {catalog_service.MAX_LINKS} nơi bán"},
    )

    @ma.pre_load
    def _cap(self, data: Any, **_kwargs: Any) -> Any:
        _cap_list(data, "links", _links_problem)
        return data


class ProductSummarySchema(ma.Schema):
    """A product in a list."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    producer_id = ma.fields.Integer(required=True)
    producer = ma.fields.Nested(schemas.ProducerRefSchema, required=True)
    category_id = ma.fields.Integer(allow_none=True)
    category = ma.fields.Nested(CategoryRefSchema, allow_none=True)
    unit = ma.fields.String(allow_none=True)
    brand = ma.fields.String(allow_none=True)
    is_active = ma.fields.Boolean(required=True)
    min_price = ma.fields.Integer(allow_none=True, metadata={"description": "Đồng"})
    max_price = ma.fields.Integer(allow_none=True, metadata={"description": "Đồng"})
    total_stock = ma.fields.Integer(required=True)
    ocop_stars = ma.fields.Integer(allow_none=True, metadata={"description": "Theo GCN mới nhất"})
    ocop_expires_on = ma.fields.Date(allow_none=True)
    certificate_status = ma.fields.Method(
        "_certificate_status",
        required=True,
        metadata={"type": "string", "enum": CERTIFICATE_STATUSES},
    )
    cover_thumb_url = ma.fields.Method(
        "_cover_thumb_url", allow_none=True, metadata={"type": "string"}
    )
    version = ma.fields.Integer(required=True, metadata={"description": "Gửi lại khi sửa (PUT)"})
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)

    def _certificate_status(self, product: catalog.Product) -> str:
        return certificate_status(product.ocop_expires_on)

    def _cover_thumb_url(self, product: catalog.Product) -> str | None:
        cover = product.cover
        return addresses.media_url(cover.thumb_path, external=True) if cover else None


class ProductDetailSchema(ProductSummarySchema):
    """A product with its variants, photos, certificates and where-to-buy links."""

    description = ma.fields.String(allow_none=True)
    ingredients = ma.fields.String(allow_none=True)
    shelf_life = ma.fields.String(allow_none=True)
    variants = ma.fields.List(ma.fields.Nested(VariantSchema), required=True)
    images = ma.fields.List(ma.fields.Nested(ProductImageSchema), required=True)
    certificates = ma.fields.List(
        ma.fields.Nested(CertificateSchema),
        required=True,
        metadata={"description": "Mới nhất trước; GCN đầu tiên là GCN hiện hành"},
    )
    links = ma.fields.List(ma.fields.Nested(ProductLinkSchema), required=True)
    public_url = ma.fields.Method(
        "_public_url",
        required=True,
        metadata={"type": "string", "description": "Trang công khai (mã QR trỏ tới đây)"},
    )

    def _public_url(self, product: catalog.Product) -> str:
        return product_public_url(product.id)


class ProductPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(ProductSummarySchema), required=True)


class ProductListArgsSchema(schemas.PageArgsSchema):
    q = ma.fields.String(
        metadata={"description": "Tìm không phân biệt hoa thường và dấu (`nuoc mam`)"}
    )
    category_id = _query_id("Nhóm OCOP (gồm cả nhóm con)")
    stars = ma.fields.Integer(validate=mv.Range(min=3, max=5))
    producer_id = _query_id()
    province_code = _query_id("Tỉnh của chủ thể (bản đồ 2025)")
    certificate_status = ma.fields.String(validate=mv.OneOf(CERTIFICATE_STATUSES))
    in_stock = ma.fields.Boolean(metadata={"description": "true: còn hàng; false: hết hàng"})
    sort = ma.fields.String(load_default="name", validate=mv.OneOf(catalog_service.SORTS))


class _ProductWriteSchema(ma.Schema):
    category_id = _id("Nhóm OCOP (`/ocop-categories`)", allow_none=True)
    name = _text(200, "Một dòng (không xuống dòng)", required=True)
    description = _optional_text(10_000, "Câu chuyện sản phẩm (được xuống dòng)")
    unit = _optional_text(50, "Đơn vị tính, vd. chai, hộp")
    brand = _optional_text(100)
    ingredients = _optional_text(5_000)
    shelf_life = _optional_text(100, "Hạn sử dụng, vd. 24 tháng")
    variants = ma.fields.List(
        ma.fields.Nested(VariantSchema),
        required=True,
        metadata={
            "description": f"1 đến {catalog_service.MAX_VARIANTS} phân loại; lỗi báo theo "
            "`variants.<i>.<trường>`"
        },
    )

    @ma.pre_load
    def _cap(self, data: Any, **_kwargs: Any) -> Any:
        _cap_list(data, "variants", catalog_service.variant_count_problem)
        return data


class ProductCreateSchema(_ProductWriteSchema):
    producer_id = _id(required=True)


_MISSING_VERSION = flask_babel.LazyString(catalog_service.missing_version_message)


class ProductUpdateSchema(_ProductWriteSchema):
    """The whole product: omitted optional fields are cleared, variants not listed removed."""

    producer_id = _id("Bỏ trống để giữ chủ thể hiện tại")
    version = _id(
        "Bắt buộc: phiên bản đã đọc (GET); khác phiên bản hiện tại → 409, không ghi gì",
        required=True,
        error_messages={"required": _MISSING_VERSION, "null": _MISSING_VERSION},
    )


# --- certificates expiring soon ----------------------------------------------------------


class ExpiringArgsSchema(schemas.PageArgsSchema):
    days = ma.fields.Integer(
        load_default=ocop.EXPIRING_DAYS,
        validate=mv.Range(min=1, max=365),
        metadata={"description": "Hết hạn trong chừng này ngày tới"},
    )


class ExpiringCertificateSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "Mã giấy chứng nhận"})
    product_id = ma.fields.Integer(required=True)
    product_name = ma.fields.String(required=True)
    producer_id = ma.fields.Integer(required=True)
    producer_name = ma.fields.String(required=True)
    stars = ma.fields.Integer(required=True)
    level = ma.fields.String(required=True, validate=mv.OneOf(LEVELS))
    decision_number = ma.fields.String(required=True)
    expires_on = ma.fields.Date(required=True)
    days_left = ma.fields.Integer(required=True)


class ExpiringPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(ExpiringCertificateSchema), required=True)
