"""The template's columns: their keys, the headers accepted for them on import (case and
diacritics do not matter; Vietnamese labels are accepted), and how they map to the catalog
service's fields."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from flask_babel import lazy_gettext as _l

from app.catalog import service as catalog_service
from vietnam import text


@dataclasses.dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...]  # Vietnamese (and English) headers accepted on import
    level: str  # "product" (repeated on each row of a product) or "variant"
    required: bool
    help: Any  # a lazy translated string
    example: str
    field: str | None = None  # the catalog service's field name


COLUMNS: tuple[Column, ...] = (
    Column(
        "sku",
        ("Mã SKU", "SKU", "Mã hàng", "Mã phân loại"),
        "variant",
        True,
        _l(
            "Mã phân loại (SKU), duy nhất trong toàn hệ thống: chữ, số, dấu chấm, gạch; tối đa "
            "64 ký tự (được đổi thành chữ hoa). Là khoá: SKU đã có thì cập nhật, SKU mới thì thêm."
        ),
        "NM-TC-500",
        "sku",
    ),
    Column(
        "product_name",
        ("Tên sản phẩm", "Sản phẩm", "Product name"),
        "product",
        True,
        _l(
            "Tên sản phẩm, lặp lại trên mỗi dòng của cùng sản phẩm. Các dòng SKU mới có cùng "
            "tên và chủ thể thuộc cùng một sản phẩm."
        ),
        "Nước mắm cá cơm Trà Cổ",
        "name",
    ),
    Column(
        "producer",
        ("Chủ thể", "Chủ thể sản xuất", "Chủ thể OCOP", "Nhà sản xuất", "Cơ sở sản xuất"),
        "product",
        True,
        _l("Tên hoặc mã số thuế của chủ thể sản xuất đã có trong hệ thống."),
        "HTX Nước mắm Trà Cổ",
        "producer_id",
    ),
    Column(
        "category_code",
        ("Mã nhóm OCOP", "Nhóm OCOP", "Nhóm sản phẩm OCOP", "Mã phân nhóm", "Category code"),
        "product",
        False,
        _l(
            "Mã nhóm sản phẩm OCOP (Quyết định 148/QĐ-TTg), ví dụ 1.4.a (nước mắm); "
            "có thể để trống."
        ),
        "1.4.a",
        "category_id",
    ),
    Column(
        "unit",
        ("Đơn vị tính", "Đơn vị", "ĐVT"),
        "product",
        False,
        _l("Đơn vị tính: chai, hộp, gói…"),
        "chai",
        "unit",
    ),
    Column(
        "brand",
        ("Thương hiệu", "Nhãn hiệu"),
        "product",
        False,
        _l("Thương hiệu."),
        "Trà Cổ",
        "brand",
    ),
    Column(
        "description",
        ("Mô tả", "Câu chuyện sản phẩm", "Giới thiệu"),
        "product",
        False,
        _l("Mô tả, câu chuyện sản phẩm."),
        "Ủ chượp 12 tháng trong thùng gỗ.",
        "description",
    ),
    Column(
        "ingredients",
        ("Thành phần",),
        "product",
        False,
        _l("Thành phần."),
        "Cá cơm, muối biển",
        "ingredients",
    ),
    Column(
        "shelf_life",
        ("Hạn sử dụng", "Thời hạn sử dụng", "HSD"),
        "product",
        False,
        _l("Hạn sử dụng, ví dụ 24 tháng kể từ ngày sản xuất."),
        "24 tháng",
        "shelf_life",
    ),
    Column(
        "variant_name",
        ("Tên phân loại", "Phân loại", "Quy cách", "Variant name", "Variant"),
        "variant",
        False,
        _l("Tên phân loại (dung tích, quy cách); để trống là “Mặc định”."),
        "Chai 500 ml",
        "name",
    ),
    Column(
        "price",
        ("Giá", "Giá bán", "Giá (đồng)", "Giá (đ)", "Giá (VNĐ)", "Đơn giá", "Price"),
        "variant",
        True,
        _l("Giá bán, số nguyên đồng, tối đa 1.000.000.000; chấp nhận 95000, 95.000 hoặc 95.000 ₫."),
        "95000",
        "price",
    ),
    Column(
        "stock",
        ("Tồn kho", "Số lượng tồn", "Số lượng", "Stock"),
        "variant",
        False,
        _l("Số lượng tồn kho (số nguyên từ 0 đến 1.000.000); để trống là 0."),
        "120",
        "stock",
    ),
    Column(
        "weight_g",
        ("Khối lượng (g)", "Trọng lượng (g)", "Khối lượng", "Trọng lượng", "Weight (g)"),
        "variant",
        False,
        _l("Khối lượng cả bao bì, tính bằng gam (để tính phí vận chuyển)."),
        "650",
        "weight_g",
    ),
    Column(
        "length_cm",
        ("Dài (cm)", "Chiều dài (cm)", "Chiều dài", "Length (cm)"),
        "variant",
        False,
        _l("Chiều dài kiện hàng, cm, tối đa 1000 (một chữ số thập phân, dấu chấm hoặc phẩy)."),
        "7.5",
        "length_cm",
    ),
    Column(
        "width_cm",
        ("Rộng (cm)", "Chiều rộng (cm)", "Chiều rộng", "Width (cm)"),
        "variant",
        False,
        _l("Chiều rộng kiện hàng, cm."),
        "7.5",
        "width_cm",
    ),
    Column(
        "height_cm",
        ("Cao (cm)", "Chiều cao (cm)", "Chiều cao", "Height (cm)"),
        "variant",
        False,
        _l("Chiều cao kiện hàng, cm."),
        "28",
        "height_cm",
    ),
    Column(
        "barcode",
        ("Mã vạch", "EAN", "GTIN", "Barcode"),
        "variant",
        False,
        _l("Mã vạch EAN-8, EAN-13, UPC-A hoặc GTIN-14 (đúng số kiểm tra); có thể để trống."),
        "8934567890120",
        "barcode",
    ),
)
READ_ONLY_COLUMNS: tuple[Column, ...] = (
    Column(
        "product_id",
        ("ID sản phẩm", "Mã sản phẩm"),
        "product",
        False,
        _l("Chỉ để xem (có trong tệp xuất): mã sản phẩm trong hệ thống; bị bỏ qua khi nhập."),
        "42",
    ),
    Column(
        "ocop_stars",
        ("Số sao OCOP", "Sao OCOP"),
        "product",
        False,
        _l("Chỉ để xem: số sao OCOP hiện tại; bị bỏ qua khi nhập."),
        "4",
    ),
    Column(
        "ocop_expires_on",
        ("Hạn chứng nhận OCOP", "Ngày hết hạn OCOP"),
        "product",
        False,
        _l("Chỉ để xem: ngày hết hạn chứng nhận OCOP; bị bỏ qua khi nhập."),
        "2027-08-15",
    ),
)
HEADERS = tuple(c.key for c in COLUMNS)
EXPORT_HEADERS = HEADERS + tuple(c.key for c in READ_ONLY_COLUMNS)
BY_KEY = {c.key: c for c in COLUMNS + READ_ONLY_COLUMNS}
PRODUCT_COLUMNS = tuple(c for c in COLUMNS if c.level == "product")
VARIANT_COLUMNS = tuple(c for c in COLUMNS if c.level == "variant")
TEXT_PRODUCT_FIELDS = ("description", "unit", "brand", "ingredients", "shelf_life")
VARIANT_FIELDS = tuple(f for f in catalog_service.VARIANT_FIELDS if f != "sku")
PRODUCT_FIELD_COLUMN = {c.field: c.key for c in PRODUCT_COLUMNS if c.field}
VARIANT_FIELD_COLUMN = {c.field: c.key for c in VARIANT_COLUMNS if c.field}


def header_key(value: str) -> str:
    """'Giá (đồng)' → 'gia_dong'; 'Product name' → 'product_name'."""
    return re.sub(r"[^a-z0-9]+", "_", text.fold(value)).strip("_")


def _alias_map() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for column in COLUMNS + READ_ONLY_COLUMNS:
        for name in (column.key, *column.aliases):
            key = header_key(name)
            if aliases.get(key, column.key) != column.key:  # pragma: no cover - a typo above
                raise RuntimeError(f"header alias {name!r} is ambiguous")
            aliases[key] = column.key
    return aliases


ALIASES = _alias_map()
