"""Exporting products in the template's columns (plus read-only ones), and the empty
template with its guide."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import decimal
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import openpyxl
import openpyxl.cell
import openpyxl.cell.cell
import openpyxl.styles
import openpyxl.utils
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.catalog import service as catalog_service
from app.catalog_io import actors, columns, formats, readers
from app.core import errors
from app.models import catalog, orgs
from vietnam import text

GUIDE_SHEET = "Hướng dẫn"
DATA_SHEET = "Sản phẩm"


@dataclasses.dataclass(frozen=True)
class Download:
    """A file to send: its suggested name, MIME type and bytes."""

    filename: str
    mimetype: str
    data: bytes
    rows: int = 0
    products: int = 0


def export_rows(
    session: so.Session,
    user: actors.Actor,
    filters: catalog_service.ProductFilters,
    today: dt.date | None = None,
) -> Iterator[tuple[catalog.Product, catalog.Variant]]:
    """(product, variant) pairs the user may see (their club scope), in the list's order."""
    today = today or catalog_service.today_local()
    scope = actors.scope(session, user)
    stmt = catalog_service.product_query(scope, filters, today).options(
        so.selectinload(catalog.Product.variants),
        so.joinedload(catalog.Product.producer),
        so.joinedload(catalog.Product.category),
    )
    for product in session.scalars(stmt).unique():
        for variant in product.variants:
            yield product, variant


def _row_values(product: catalog.Product, variant: catalog.Variant) -> list[Any]:
    def dim(value: decimal.Decimal | None) -> float | None:
        return float(value) if value is not None else None

    return [
        variant.sku,
        product.name,
        product.producer.name,
        product.category.code if product.category else None,
        product.unit,
        product.brand,
        product.description,
        product.ingredients,
        product.shelf_life,
        variant.name,
        variant.price,
        variant.stock,
        variant.weight_g,
        dim(variant.length_cm),
        dim(variant.width_cm),
        dim(variant.height_cm),
        variant.barcode,
        product.id,
        product.ocop_stars,
        product.ocop_expires_on,
    ]


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return readers.cell_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    out = str(value)
    # A spreadsheet would run a cell starting like a formula; the importer strips the quote.
    if out[:1] in ("=", "+", "-", "@"):
        out = "'" + out
    return out


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def append_header(sheet: Any, values: Iterable[Any]) -> None:
    """Append a bold header row to a write-only sheet."""
    bold = openpyxl.styles.Font(bold=True)
    cells = []
    for value in values:
        cell = openpyxl.cell.WriteOnlyCell(sheet, value=value)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)


def xlsx_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, str):
        value = openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = openpyxl.cell.WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


WIDTHS = {
    "sku": 16,
    "product_name": 36,
    "producer": 28,
    "description": 40,
    "ingredients": 28,
    "variant_name": 20,
    "barcode": 16,
    "ocop_expires_on": 14,
}


def _xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], guide: bool = True) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(header, 12)
    append_header(sheet, headers)
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    if guide:
        _guide_sheet(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _guide_sheet(workbook: Any) -> None:
    sheet = workbook.create_sheet(GUIDE_SHEET)
    for letter, width in zip("ABCDEF", (18, 40, 10, 12, 80, 26), strict=True):
        sheet.column_dimensions[letter].width = width
    title = openpyxl.cell.WriteOnlyCell(sheet, value=_("Mẫu nhập danh mục sản phẩm OCOP"))
    title.font = openpyxl.styles.Font(bold=True, size=14)
    sheet.append([title])
    for line in guide_notes():
        sheet.append([line])
    sheet.append([])
    header = [
        _("Cột (tiêu đề)"),
        _("Tiêu đề tiếng Việt được chấp nhận"),
        _("Bắt buộc"),
        _("Cấp"),
        _("Ý nghĩa và quy tắc"),
        _("Ví dụ"),
    ]
    append_header(sheet, header)
    for column in columns.COLUMNS + columns.READ_ONLY_COLUMNS:
        level = _("sản phẩm") if column.level == "product" else _("phân loại")
        sheet.append(
            [
                column.key,
                ", ".join(column.aliases),
                _("Có") if column.required else _("Không"),
                level,
                str(column.help),
                xlsx_cell(sheet, column.example),
            ]
        )


def guide_notes() -> list[str]:
    """The general rules, shown on the guide sheet and the import page."""
    return [
        _("Mỗi dòng là một phân loại (SKU); thông tin sản phẩm lặp lại trên mọi dòng của nó."),
        _(
            "Dòng 1 là tiêu đề; cột được nhận theo tên (không phân biệt hoa thường, dấu), "
            "không theo thứ tự. Cột lạ bị bỏ qua (có cảnh báo)."
        ),
        _(
            "Nhập là “tất cả hoặc không”: chỉ cần một dòng lỗi thì không có gì được ghi; "
            "mọi lỗi được liệt kê theo dòng và cột."
        ),
        _(
            "Nhập lại cùng tệp sẽ cập nhật chứ không tạo trùng: SKU đã có thì cập nhật; "
            "phân loại không có trong tệp được giữ nguyên."
        ),
        _(
            "Thiếu hẳn một cột không bắt buộc thì giữ nguyên giá trị cũ; ô để trống thì xoá giá "
            "trị đó."
        ),
        _(
            "Tối đa %(n)s dòng, %(mb)d MB mỗi tệp; CSV phải mã UTF-8 (dấu phẩy hoặc chấm phẩy).",
            n=formats.thousands(formats.MAX_ROWS),
            mb=formats.MAX_BYTES >> 20,
        ),
        _(
            "Mỗi sản phẩm có tối đa %(n)d phân loại (tính cả phân loại đã có). Giá tối đa "
            "%(price)s đồng, tồn kho tối đa %(stock)s; tên, SKU không được chứa xuống dòng "
            "hay tab.",
            n=catalog_service.MAX_VARIANTS,
            price=formats.thousands(catalog_service.MAX_PRICE),
            stock=formats.thousands(catalog_service.MAX_STOCK),
        ),
    ]


def export_products(
    session: so.Session,
    user: actors.Actor,
    filters: catalog_service.ProductFilters,
    fmt: str,
    today: dt.date | None = None,
) -> Download:
    """The products the user may see, filtered like the list, as a CSV or XLSX file."""
    if fmt not in formats.FORMATS:
        raise errors.ValidationError(fields={"format": [_("Chọn định dạng csv hoặc xlsx.")]})
    today = today or catalog_service.today_local()
    rows = []
    products: set[int] = set()
    for product, variant in export_rows(session, user, filters, today):
        rows.append(_row_values(product, variant))
        products.add(product.id)
    data = (
        csv_bytes(columns.EXPORT_HEADERS, rows)
        if fmt == "csv"
        else _xlsx_bytes(columns.EXPORT_HEADERS, rows)
    )
    return Download(
        f"san-pham-ocop-{today:%Y%m%d}.{fmt}",
        formats.MIMETYPES[fmt],
        data,
        len(rows),
        len(products),
    )


def template(fmt: str) -> Download:
    """The empty template: the header row (and, in XLSX, a “Hướng dẫn” sheet)."""
    if fmt not in formats.FORMATS:
        raise errors.ValidationError(fields={"format": [_("Chọn định dạng csv hoặc xlsx.")]})
    data = csv_bytes(columns.HEADERS, []) if fmt == "csv" else _xlsx_bytes(columns.HEADERS, [])
    return Download(f"mau-nhap-san-pham-ocop.{fmt}", formats.MIMETYPES[fmt], data)


def find_producer(session: so.Session, name_or_tax_code: str) -> orgs.Producer | None:
    """A producer by exact tax code or by name (case and diacritics ignored)."""
    wanted = text.nfc(name_or_tax_code)
    producer = session.scalar(
        sa.select(orgs.Producer).where(orgs.Producer.tax_code == wanted.replace(" ", ""))
    )
    if producer is not None:
        return producer
    folded = text.fold(wanted)
    for candidate in session.scalars(sa.select(orgs.Producer)):
        if text.fold(candidate.name) == folded:
            return candidate
    return None
