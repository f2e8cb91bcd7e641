"""The order import template as a file to fill in: the columns the importer reads
(``exports.TEMPLATE_HEADERS``, or their English aliases on English pages), a header row and
one example row, CSV (UTF-8 with a BOM, so Excel shows Vietnamese) or XLSX (plus a guide
sheet). Imported as downloaded, the example row is a valid order: replace it with yours."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import flask_babel
import openpyxl
import openpyxl.cell
import openpyxl.styles
import openpyxl.utils
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.catalog_io import export, formats
from app.core import clock, errors, formatting, tenancy
from app.models import catalog
from app.orders import exports, labels

# The English header of each template column (accepted on import: ``exports.TEMPLATE_ALIASES``).
ENGLISH_HEADERS = {
    "Nền tảng": "Platform",
    "Mã đơn hàng": "Order ID",
    "Thời gian đặt": "Placed at",
    "Trạng thái": "Status",
    "SKU": "SKU",
    "Tên sản phẩm": "Product name",
    "Số lượng": "Quantity",
    "Đơn giá": "Unit price",
    "SĐT người mua": "Buyer phone",
    "Tài khoản người mua": "Buyer user",
    "Tên người mua": "Buyer name",
}
REQUIRED = frozenset(
    next(layout.required for layout in exports.LAYOUTS if layout.name == exports.TEMPLATE)
)
TEXT_COLUMNS = frozenset({"Mã đơn hàng", "Thời gian đặt", "SĐT người mua", "SKU"})
WIDTHS = {"Thời gian đặt": 18, "Tên sản phẩm": 32, "Tên người mua": 22, "Tài khoản người mua": 20}
EXAMPLE_SKU = "SKU-001"


def _english() -> bool:
    locale = flask_babel.get_locale()
    return locale is not None and locale.language == "en"


def headers() -> list[str]:
    """The header row in the page's language (the importer accepts both)."""
    if _english():
        return [ENGLISH_HEADERS[name] for name in exports.TEMPLATE_HEADERS]
    return list(exports.TEMPLATE_HEADERS)


def _example_variant(session: so.Session, scope: tenancy.Scope) -> catalog.Variant | None:
    """A variant of the user's own club's catalog (the first by product name), for the example."""
    club_id = scope.home_club_id
    producers = (
        tenancy.producers_of_club(club_id)
        if club_id is not None
        else sa.select(catalog.Product.producer_id).where(
            scope.producer_filter(catalog.Product.producer_id)
        )
    )
    return session.scalar(
        sa.select(catalog.Variant)
        .join(catalog.Product, catalog.Variant.product_id == catalog.Product.id)
        .where(catalog.Product.producer_id.in_(producers), catalog.Product.is_active.is_(True))
        .options(so.joinedload(catalog.Variant.product))
        .order_by(catalog.Product.name, catalog.Variant.position, catalog.Variant.id)
        .limit(1)
    )


def example_row(session: so.Session, scope: tenancy.Scope) -> dict[str, Any]:
    """One valid order line by column: a product of the user's club when it has one."""
    variant = _example_variant(session, scope)
    status = "paid" if _english() else str(labels.STATUS_LABELS["paid"])
    return {
        "Nền tảng": labels.PLATFORM_LABELS["tiktok"],
        "Mã đơn hàng": "DH-0001",
        "Thời gian đặt": formatting.local_datetime(clock.utcnow(), "%d/%m/%Y %H:%M"),
        "Trạng thái": status,
        "SKU": variant.sku if variant else EXAMPLE_SKU,
        "Tên sản phẩm": variant.product.name if variant else _("Sản phẩm ví dụ"),
        "Số lượng": 1,
        "Đơn giá": variant.price if variant else 100_000,
        "SĐT người mua": "0912345678",
        "Tài khoản người mua": "nguoimua.vidu",
        "Tên người mua": "Nguyễn Văn An",
    }


def guide() -> list[tuple[str, str, str]]:
    """(column, required, what goes in it) for each template column."""
    help_text = {
        "Nền tảng": _("Tên sàn: %(names)s.", names=labels.platform_names()),
        "Mã đơn hàng": _("Mã đơn trên sàn; các dòng cùng mã là một đơn."),
        "Thời gian đặt": _("dd/mm/yyyy hh:mm (giờ Việt Nam) hoặc yyyy-mm-dd hh:mm."),
        "Trạng thái": _("Để trống: đã đặt. Một trong: %(names)s.", names=labels.status_names()),
        "SKU": _("SKU của phân loại trong danh mục (không phân biệt hoa thường)."),
        "Tên sản phẩm": _("Tên trên sàn; giữ lại khi SKU chưa có trong danh mục."),
        "Số lượng": _("Số nguyên từ 1."),
        "Đơn giá": _("Đồng, số nguyên (95000 hoặc 95.000)."),
        "SĐT người mua": _("Số di động Việt Nam, có thể để trống."),
        "Tài khoản người mua": _("Tên tài khoản trên sàn, có thể để trống."),
        "Tên người mua": _("Có thể để trống."),
    }
    english = _english()
    return [
        (
            ENGLISH_HEADERS[name] if english else name,
            _("Có") if name in REQUIRED else _("Không"),
            help_text[name],
        )
        for name in exports.TEMPLATE_HEADERS
    ]


def _xlsx(header: Sequence[str], row: Sequence[Any]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Đơn hàng"))  # the first sheet: the one the importer reads
    sheet.freeze_panes = "A2"
    for index, name in enumerate(exports.TEMPLATE_HEADERS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 14)
    export.append_header(sheet, header)
    data = []
    for name, value in zip(exports.TEMPLATE_HEADERS, row, strict=True):
        cell = export.xlsx_cell(sheet, value)
        if name in TEXT_COLUMNS:
            cell.data_type = "s"
            cell.number_format = "@"  # typed over, a phone keeps its leading 0
        data.append(cell)
    sheet.append(data)
    notes = workbook.create_sheet(_("Hướng dẫn"))
    for letter, width in zip("ABC", (22, 10, 70), strict=True):
        notes.column_dimensions[letter].width = width
    title = openpyxl.cell.WriteOnlyCell(notes, value=_("Mẫu nhập đơn hàng"))
    title.font = openpyxl.styles.Font(bold=True, size=14)
    notes.append([title])
    notes.append(
        [_("Mỗi dòng là một dòng sản phẩm của một đơn; thay dòng ví dụ bằng đơn của bạn.")]
    )
    notes.append([])
    export.append_header(notes, (_("Cột"), _("Bắt buộc"), _("Ghi gì")))
    for line in guide():
        notes.append(list(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(session: so.Session, scope: tenancy.Scope, fmt: str) -> export.Download:
    """The template as ``fmt`` (csv | xlsx): header row and one example row."""
    if fmt not in formats.FORMATS:
        raise errors.ValidationError(fields={"format": [_("Chọn định dạng csv hoặc xlsx.")]})
    header = headers()
    example = example_row(session, scope)
    row = [
        str(value) if not isinstance(value, int) else value
        for value in (example[name] for name in exports.TEMPLATE_HEADERS)
    ]
    data = export.csv_bytes(header, [row]) if fmt == "csv" else _xlsx(header, row)
    return export.Download(f"mau-nhap-don-hang.{fmt}", formats.MIMETYPES[fmt], data)
