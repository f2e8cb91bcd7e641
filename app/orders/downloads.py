"""The orders list as a file (CSV or XLSX): one row per order line the user may see.

The rows are exactly the list's (``queries.list_query``, same filters and club scope): a
producer gets its own lines from every club, each row names the club that sold it, and the
buyer columns are left out for scopes that do not see buyers.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import openpyxl.cell
import openpyxl.styles
import openpyxl.utils
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.catalog_io import export, formats
from app.core import errors, formatting, tenancy
from app.models import orders
from app.orders import labels, queries

MONEY_FORMAT = '#,##0 "₫"'
MONEY_COLUMNS = frozenset({"unit_price", "amount"})
BATCH = 500


def _columns(scope: tenancy.Scope) -> list[tuple[str, str]]:
    """(key, header) of each column; the buyer's only where buyers are shown."""
    columns = [
        ("club", _("CLB")),
        ("external_id", _("Mã đơn")),
        ("platform", _("Nền tảng")),
        ("placed_at", _("Đặt lúc")),
        ("order_status", _("Trạng thái đơn")),
        ("source", _("Nguồn")),
        ("session", _("Phiên livestream")),
        ("sku", "SKU"),
        ("product", _("Sản phẩm")),
        ("variation", _("Phân loại")),
        ("quantity", _("Số lượng")),
        ("unit_price", _("Đơn giá")),
        ("amount", _("Thành tiền")),
        ("line_status", _("Trạng thái dòng")),
    ]
    if scope.sees_buyers:
        columns += [
            ("buyer_name", _("Tên người mua")),
            ("buyer_user", _("Tài khoản người mua")),
            ("buyer_phone", _("SĐT người mua")),
        ]
    return columns


def _rows(
    session: so.Session, scope: tenancy.Scope, filters: queries.OrderFilters, keys: list[str]
) -> Iterator[list[Any]]:
    stmt = queries.list_query(scope, filters).options(so.selectinload(orders.Order.session))
    for order in session.scalars(stmt.execution_options(yield_per=BATCH)):
        contact = queries.buyer(scope, order)
        for line in queries.visible_lines(scope, order):
            values: dict[str, Any] = {
                "club": order.club.name,
                "external_id": order.external_id,
                "platform": str(labels.PLATFORM_LABELS.get(order.platform, order.platform)),
                "placed_at": formatting.local_datetime(order.placed_at, "%Y-%m-%d %H:%M"),
                "order_status": str(labels.STATUS_LABELS[str(order.status)]),
                "source": str(labels.SOURCE_LABELS[str(order.source)]),
                "session": order.session.title if order.session else "",
                "sku": line.seller_sku,
                "product": line.product.name if line.product else line.product_name,
                "variation": line.variation,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": line.amount,
                "line_status": str(labels.STATUS_LABELS[str(line.status)]),
                "buyer_name": contact["buyer_name"],
                "buyer_user": contact["buyer_user"],
                "buyer_phone": contact["buyer_phone"] or contact["buyer_phone_raw"],
            }
            yield [values[key] for key in keys]


def _xlsx(headers: list[str], keys: list[str], rows: Iterator[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Đơn hàng"))
    sheet.freeze_panes = "A2"
    for index in range(1, len(headers) + 1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = 18
    export.append_header(sheet, headers)
    for row in rows:
        cells = []
        for key, value in zip(keys, row, strict=True):
            cell = export.xlsx_cell(sheet, value)
            if key in MONEY_COLUMNS:
                cell.number_format = MONEY_FORMAT
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(
    session: so.Session, scope: tenancy.Scope, filters: queries.OrderFilters, fmt: str
) -> export.Download:
    """The filtered orders the scope reaches, one row per visible line, as ``fmt`` (csv|xlsx)."""
    if fmt not in formats.FORMATS:
        raise errors.ValidationError(
            _("Định dạng tải về phải là csv hoặc xlsx."), fields={"format": [_("csv hoặc xlsx.")]}
        )
    columns = _columns(scope)
    keys = [key for key, _header in columns]
    headers = [header for _key, header in columns]
    rows = _rows(session, scope, filters, keys)
    data = export.csv_bytes(headers, rows) if fmt == "csv" else _xlsx(headers, keys, rows)
    return export.Download(f"don-hang.{fmt}", formats.MIMETYPES[fmt], data)
