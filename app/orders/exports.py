"""Reading order exports as sellers download them: TikTok Shop, Shopee and our own template.

Columns are matched by header name, never by position (layouts vary by market, date and
seller-centre language); headers are NFC-normalised first. Every data row becomes one
:class:`OrderLine` (one product line of one order) or an :class:`results.Issue` naming the
row and column; a file with any issue is refused whole (``results.ImportFailed``).

Decisions (documented in docs/orders.md):
- Line value (what GMV adds up) is the price the seller sells at for the line, before platform
  subsidies: TikTok ``SKU Subtotal Before Discount − SKU Seller Discount``; Shopee
  ``Giá ưu đãi × Số lượng``; the template's ``Đơn giá × Số lượng``.
- Times in the files are local (Asia/Ho_Chi_Minh) and are returned in UTC (naive).
- Statuses map to placed, paid, shipped, completed, cancelled, returned (tables below);
  a cancellation or an accepted return wins over the order status.
- Values are held to ``limits`` (quantity, prices, the line's value, 2000–2100, lengths), each
  a row issue. Tabs and line breaks in a cell become spaces (spreadsheet artefacts); any other
  control character is a row issue (it would split a CSV row or a header later).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from flask_babel import gettext as _

from app.catalog_io import readers, results
from app.core import formatting
from app.core.text import has_controls
from app.orders import labels, limits
from vietnam import text

LOCAL = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh: UTC+7, no DST
HEADER_SCAN_ROWS = 10  # Shopee files may have a few rows above the header

STATUSES = ("placed", "paid", "shipped", "completed", "cancelled", "returned")
TIKTOK = "tiktok"
SHOPEE = "shopee"
TEMPLATE = "template"
PLATFORMS = labels.ORDER_PLATFORMS


@dataclasses.dataclass(frozen=True)
class OrderLine:
    """One product line of one order, as read from a file."""

    row: int  # row number in the file (header row counted)
    platform: str
    order_id: str
    status: str
    placed_at: dt.datetime  # UTC, naive
    seller_sku: str
    product_name: str
    variation: str
    quantity: int
    unit_price: int  # đồng
    amount: int  # line value in đồng (see the module note)
    buyer_phone: str | None
    buyer_user: str | None
    buyer_name: str | None
    creator: str | None  # TikTok "Creator Handle" when present


@dataclasses.dataclass(frozen=True)
class Parsed:
    layout: str  # tiktok | shopee | template
    lines: list[OrderLine]
    warnings: list[str]


# --- cell parsing ------------------------------------------------------------------------------

_DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d",
)


class TimeOutOfRange(ValueError):
    """A time that reads, but outside the business dates (``limits``)."""


def parse_local_time(value: str) -> dt.datetime:
    """'21/06/2026 20:15:03\\t' (local) → naive UTC datetime; ValueError if not a time,
    TimeOutOfRange if outside 2000-01-01 … 2100-12-31."""
    cleaned = value.strip().replace("\t", "")
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        if not limits.day_in_range(parsed.date()):
            raise TimeOutOfRange(cleaned)
        return parsed.replace(tzinfo=LOCAL).astimezone(dt.UTC).replace(tzinfo=None)
    raise ValueError(cleaned)


_MONEY_JUNK = re.compile(r"(?i)vnd|vnđ|₫|đ|\s")


def parse_money(value: str) -> int:
    """'180.000 ₫', '180,000', '180000', '180000.0' → 180000; ValueError otherwise.

    Đồng have no minor unit: a separator followed by exactly three digits groups thousands,
    a trailing '.0'/'.00' is a spreadsheet artefact."""
    cleaned = _MONEY_JUNK.sub("", value.strip())
    if not cleaned:
        raise ValueError(value)
    negative = cleaned.startswith("-")
    cleaned = cleaned.lstrip("-")
    cleaned = re.sub(r"[.,]0{1,2}$", "", cleaned)
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", cleaned):
        cleaned = re.sub(r"[.,]", "", cleaned)
    if not cleaned.isdigit():
        raise ValueError(value)
    return -int(cleaned) if negative else int(cleaned)


def parse_quantity(value: str) -> int:
    cleaned = re.sub(r"[.,]0+$", "", value.strip())
    if not cleaned.isdigit() or int(cleaned) < 1:
        raise ValueError(value)
    return int(cleaned)


# --- statuses ----------------------------------------------------------------------------------

_TIKTOK_STATUS = {
    "unpaid": "placed",
    "chờ thanh toán": "placed",
    "awaiting shipment": "paid",
    "to ship": "paid",
    "chờ vận chuyển": "paid",
    "awaiting collection": "paid",
    "chờ lấy hàng": "paid",
    "in transit": "shipped",
    "shipped": "shipped",
    "đã vận chuyển": "shipped",
    "đang vận chuyển": "shipped",
    "delivered": "completed",
    "đã giao": "completed",
    "completed": "completed",
    "hoàn thành": "completed",
    "đã hoàn thành": "completed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "đã hủy": "cancelled",
}

_SHOPEE_STATUS = {
    "chờ xác nhận": "placed",
    "chờ thanh toán": "placed",
    "chờ lấy hàng": "paid",
    "chờ giao hàng": "shipped",
    "đang giao": "shipped",
    "đã giao": "completed",
    "hoàn thành": "completed",
    "đã hủy": "cancelled",
}
_SHOPEE_RECEIVED_PREFIX = "người mua xác nhận đã nhận được hàng"

_TEMPLATE_STATUS = {
    **{status: status for status in STATUSES},
    "đã đặt": "placed",
    "đặt hàng": "placed",
    "đã thanh toán": "paid",
    "đã gửi": "shipped",
    "đang giao": "shipped",
    "hoàn thành": "completed",
    "đã hủy": "cancelled",
    "hủy": "cancelled",
    "trả hàng": "returned",
    "đã trả hàng": "returned",
}


def _status_key(value: str) -> str:
    return " ".join(text.nfc(value).casefold().split())


# --- layouts -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Layout:
    name: str
    platform: str | None  # None: each row names its platform
    required: tuple[str, ...]  # headers that identify the layout and must be present
    read_row: Callable[[_Row], OrderLine]


_LINE_BREAKS = re.compile(r"[\t\r\n\u2028\u2029]+")


class _Row:
    """Cells of one data row by header; collects the row's issues."""

    def __init__(self, number: int, columns: dict[str, int], cells: list[str]) -> None:
        self.number = number
        self.columns = columns
        self.cells = cells
        self.issues: list[results.Issue] = []

    def get(self, header: str) -> str:
        """The cell, trimmed; tabs and line breaks (spreadsheet artefacts: TikTok ends cells
        with a tab) become spaces. Any other control character is a row issue."""
        index = self.columns.get(header)
        if index is None or index >= len(self.cells):
            return ""
        value = _LINE_BREAKS.sub(" ", self.cells[index]).strip()
        if has_controls(value):
            self.issue(header, _("Có ký tự điều khiển không hợp lệ."))
            return ""
        return value

    def require(self, header: str) -> str:
        value = self.get(header)
        if not value:
            self.issue(header, _("Thiếu giá trị."))
        return value

    def issue(self, header: str | None, message: str) -> None:
        found = results.Issue(self.number, header, message)
        if found not in self.issues:  # a cell read twice says its problem once
            self.issues.append(found)

    def check(self, header: str, problem: str | None) -> None:
        if problem:
            self.issue(header, problem)

    def money(self, header: str, *, required: bool = True, maximum: int) -> int:
        value = self.require(header) if required else self.get(header)
        if not value:
            return 0
        try:
            amount = parse_money(value)
        except ValueError:
            self.issue(header, _("“%(v)s” không phải số tiền (đồng).", v=value))
            return 0
        if amount < 0:
            self.issue(header, _("Số tiền không được âm."))
            return 0
        if amount > maximum:
            self.issue(
                header,
                _("Số tiền tối đa %(n)s đồng.", n=formatting.number(maximum)),
            )
            return 0
        return amount

    def quantity(self, header: str) -> int:
        value = self.require(header)
        if not value:
            return 0
        try:
            quantity = parse_quantity(value)
        except ValueError:
            self.issue(header, _("Số lượng phải là số nguyên từ 1 trở lên."))
            return 0
        problem = limits.quantity_problem(quantity)
        if problem:
            self.issue(header, problem)
            return 0
        return quantity

    def line_amount(self, header: str, unit_price: int, quantity: int) -> int:
        """Price × quantity, which must stay a sane line value (reported on ``header``)."""
        amount = unit_price * quantity
        self.check(header, limits.amount_problem(amount))
        return amount

    def time(self, header: str) -> dt.datetime:
        value = self.require(header)
        if value:
            try:
                return parse_local_time(value)
            except TimeOutOfRange:
                self.issue(header, limits.time_range_message())
            except ValueError:
                self.issue(
                    header,
                    _(
                        "“%(v)s” không phải thời gian (dd/mm/yyyy hh:mm hoặc yyyy-mm-dd hh:mm).",
                        v=value,
                    ),
                )
        return dt.datetime(2000, 1, 1)

    def order_id(self, header: str) -> str:
        value = self.require(header)
        self.check(header, limits.text_problem(value, limits.MAX_EXTERNAL_ID))
        return value

    def optional(self, header: str, max_length: int | None = None) -> str | None:
        value = text.nfc(self.get(header))
        if max_length is not None:
            self.check(header, limits.text_problem(value, max_length))
        return value or None

    def buyer(self, phone: str, user: str, name: str) -> dict[str, str | None]:
        """The buyer's phone, platform account and name, within the stored lengths."""
        return {
            "buyer_phone": self.optional(phone, limits.MAX_PHONE),
            "buyer_user": self.optional(user, limits.MAX_BUYER_USER),
            "buyer_name": self.optional(name, limits.MAX_BUYER_NAME),
        }


def _tiktok_row(row: _Row) -> OrderLine:
    order_id = row.order_id("Order ID")
    status_text = row.require("Order Status")
    kind = _status_key(row.get("Cancelation/Return Type"))
    status = _TIKTOK_STATUS.get(_status_key(status_text))
    if kind == "cancel":
        status = "cancelled"
    elif kind in {"return/refund", "return", "refund"}:
        status = "returned"
    if status is None and status_text:
        row.issue("Order Status", _("Trạng thái “%(v)s” chưa được hỗ trợ.", v=status_text))
    quantity = row.quantity("Quantity")
    unit_price = row.money("SKU Unit Original Price", maximum=limits.MAX_UNIT_PRICE)
    subtotal = row.money("SKU Subtotal Before Discount", maximum=limits.MAX_AMOUNT)
    seller_discount = row.money("SKU Seller Discount", required=False, maximum=limits.MAX_AMOUNT)
    return OrderLine(
        row=row.number,
        platform=TIKTOK,
        order_id=order_id,
        status=status or "placed",
        placed_at=row.time("Created Time"),
        seller_sku=text.nfc(row.get("Seller SKU")),
        product_name=text.nfc(row.get("Product Name")),
        variation=text.nfc(row.get("Variation")),
        quantity=quantity,
        unit_price=unit_price,
        amount=max(subtotal - seller_discount, 0),
        **row.buyer("Phone #", "Buyer Username", "Recipient"),
        creator=row.optional("Creator Handle", limits.MAX_BUYER_USER),
    )


def _shopee_row(row: _Row) -> OrderLine:
    order_id = row.order_id("Mã đơn hàng")
    status_text = row.require("Trạng Thái Đơn Hàng")
    key = _status_key(status_text)
    status = _SHOPEE_STATUS.get(key)
    if status is None and key.startswith(_SHOPEE_RECEIVED_PREFIX):
        status = "completed"
    if _status_key(row.get("Trạng thái Trả hàng/Hoàn tiền")) == "đã chấp thuận yêu cầu":
        status = "returned"
    if status is None and status_text:
        row.issue("Trạng Thái Đơn Hàng", _("Trạng thái “%(v)s” chưa được hỗ trợ.", v=status_text))
    quantity = row.quantity("Số lượng")
    deal_price = row.money(
        "Giá ưu đãi", required=False, maximum=limits.MAX_UNIT_PRICE
    ) or row.money("Giá gốc", maximum=limits.MAX_UNIT_PRICE)
    return OrderLine(
        row=row.number,
        platform=SHOPEE,
        order_id=order_id,
        status=status or "placed",
        placed_at=row.time("Ngày đặt hàng"),
        seller_sku=text.nfc(row.get("SKU phân loại hàng") or row.get("SKU sản phẩm")),
        product_name=text.nfc(row.get("Tên sản phẩm")),
        variation=text.nfc(row.get("Tên phân loại hàng")),
        quantity=quantity,
        unit_price=deal_price,
        amount=row.line_amount("Giá gốc", deal_price, quantity),
        **row.buyer("Số điện thoại", "Người Mua", "Tên Người nhận"),
        creator=None,
    )


# Our own template (docs/orders.md): Vietnamese headers; English aliases accepted.
TEMPLATE_HEADERS = (
    "Nền tảng",
    "Mã đơn hàng",
    "Thời gian đặt",
    "Trạng thái",
    "SKU",
    "Tên sản phẩm",
    "Số lượng",
    "Đơn giá",
    "SĐT người mua",
    "Tài khoản người mua",
    "Tên người mua",
)
TEMPLATE_ALIASES = {
    "platform": "Nền tảng",
    "order id": "Mã đơn hàng",
    "placed at": "Thời gian đặt",
    "status": "Trạng thái",
    "sku": "SKU",
    "product name": "Tên sản phẩm",
    "quantity": "Số lượng",
    "unit price": "Đơn giá",
    "buyer phone": "SĐT người mua",
    "buyer user": "Tài khoản người mua",
    "buyer name": "Tên người mua",
}


def platform_code(value: str) -> str | None:
    """A platform by code or name, case, spaces and diacritics ignored ('TikTok Shop' → tiktok,
    'Khác' → other); None when it is none of ``PLATFORMS``."""
    key = text.fold(value).replace(" ", "")
    names = {code: code for code in PLATFORMS} | {"khac": "other"}
    names |= {
        text.fold(str(name)).replace(" ", ""): code for code, name in labels.PLATFORM_LABELS.items()
    }
    return names.get(key)


def platform_problem() -> str:
    """The message for a platform that is none of ours, naming them (never their codes)."""
    return _("Nền tảng phải là một trong: %(names)s.", names=labels.platform_names())


def _template_status(value: str) -> str | None:
    """A template status by code, Vietnamese name, or its name in the page's language."""
    key = _status_key(value)
    found = _TEMPLATE_STATUS.get(key)
    if found is None:
        shown = {_status_key(str(name)): code for code, name in labels.STATUS_LABELS.items()}
        found = shown.get(key)
    return found


def _template_row(row: _Row) -> OrderLine:
    raw_platform = row.require("Nền tảng")
    platform = platform_code(raw_platform) or ""
    if raw_platform and not platform:
        row.issue("Nền tảng", platform_problem())
    status_text = row.get("Trạng thái") or "placed"
    status = _template_status(status_text)
    if status is None:
        row.issue("Trạng thái", _("Trạng thái “%(v)s” chưa được hỗ trợ.", v=status_text))
    quantity = row.quantity("Số lượng")
    unit_price = row.money("Đơn giá", maximum=limits.MAX_UNIT_PRICE)
    return OrderLine(
        row=row.number,
        platform=platform,
        order_id=row.order_id("Mã đơn hàng"),
        status=status or "placed",
        placed_at=row.time("Thời gian đặt"),
        seller_sku=text.nfc(row.require("SKU")),
        product_name=text.nfc(row.get("Tên sản phẩm")),
        variation="",
        quantity=quantity,
        unit_price=unit_price,
        amount=row.line_amount("Đơn giá", unit_price, quantity),
        **row.buyer("SĐT người mua", "Tài khoản người mua", "Tên người mua"),
        creator=None,
    )


LAYOUTS = (
    _Layout(
        TIKTOK,
        TIKTOK,
        (
            "Order ID",
            "Order Status",
            "Seller SKU",
            "Quantity",
            "SKU Unit Original Price",
            "SKU Subtotal Before Discount",
            "Created Time",
        ),
        _tiktok_row,
    ),
    _Layout(
        SHOPEE,
        SHOPEE,
        ("Mã đơn hàng", "Ngày đặt hàng", "Trạng Thái Đơn Hàng", "Số lượng", "Giá gốc"),
        _shopee_row,
    ),
    _Layout(
        TEMPLATE,
        None,
        ("Nền tảng", "Mã đơn hàng", "Thời gian đặt", "SKU", "Số lượng", "Đơn giá"),
        _template_row,
    ),
)


def _columns(headers: Sequence[str]) -> dict[str, int]:
    """Header → column index. Exact (NFC) names first; then case-insensitive names and the
    template's English aliases, each only when it does not clash with an exact one (Shopee has
    two headers that differ by the case of one letter)."""
    exact: dict[str, int] = {}
    for index, header in enumerate(headers):
        exact.setdefault(text.nfc(header), index)
    columns = dict(exact)
    lowered: dict[str, list[str]] = {}
    for header in exact:
        lowered.setdefault(header.casefold(), []).append(header)
    known = {h for layout in LAYOUTS for h in layout.required} | set(TEMPLATE_HEADERS)
    known |= {"Trạng thái Trả hàng/Hoàn tiền", "Giá ưu đãi", "Phone #", "Buyer Username"}
    for name in known:
        if name in columns:
            continue
        matches = lowered.get(name.casefold(), [])
        if len(matches) == 1:
            columns[name] = exact[matches[0]]
    for alias, name in TEMPLATE_ALIASES.items():
        if name not in columns and alias in lowered and len(lowered[alias]) == 1:
            columns[name] = exact[lowered[alias][0]]
    return columns


def _detect(rows: list[tuple[int, list[str]]]) -> tuple[_Layout, int, dict[str, int]]:
    """The layout and the header row (the first of the first rows that has its columns)."""
    best: tuple[int, _Layout, list[str]] | None = None
    for position, (_number, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns = _columns(cells)
        for layout in LAYOUTS:
            missing = [h for h in layout.required if h not in columns]
            if not missing:
                return layout, position, columns
            found = len(layout.required) - len(missing)
            if found >= 2 and (best is None or found > best[0]):
                best = (found, layout, missing)
    if best is not None:
        _found, layout, missing = best
        raise results.ImportFailed(
            [
                results.Issue(
                    None,
                    None,
                    _(
                        "Tệp giống tệp xuất đơn %(layout)s nhưng thiếu cột: %(cols)s.",
                        layout=layout.name,
                        cols=", ".join(missing),
                    ),
                )
            ]
        )
    raise results.ImportFailed(
        [
            results.Issue(
                None,
                None,
                _(
                    "Không nhận ra tệp: cần tệp xuất đơn của TikTok Shop, Shopee hoặc mẫu nhập "
                    "đơn của ứng dụng (dòng tiêu đề trong %(n)d dòng đầu).",
                    n=HEADER_SCAN_ROWS,
                ),
            )
        ]
    )


def parse_table(table: readers.Table) -> Parsed:
    """Order lines from a table read by ``readers.read_table`` (its row 1 taken as a row)."""
    rows = [(1, table.headers), *table.rows]
    layout, header_at, columns = _detect(rows)
    lines: list[OrderLine] = []
    issues: list[results.Issue] = []
    warnings: list[str] = []
    skipped = 0
    for number, cells in rows[header_at + 1 :]:
        row = _Row(number, columns, cells)
        if layout.name == TIKTOK and not row.get("Order ID").isdigit():
            skipped += 1  # the description row under the header, totals, notes
            continue
        line = layout.read_row(row)
        if row.issues:
            issues.extend(row.issues)
        else:
            lines.append(line)
    if skipped > 1:
        warnings.append(_("Đã bỏ qua %(n)d dòng không có mã đơn dạng số.", n=skipped))
    issues.extend(_consistency_issues(lines))
    if issues:
        raise results.ImportFailed(issues, warnings)
    if not lines:
        raise results.ImportFailed([results.Issue(None, None, _("Tệp không có dòng đơn nào."))])
    return Parsed(layout.name, lines, warnings)


def _consistency_issues(lines: Sequence[OrderLine]) -> list[results.Issue]:
    """Lines of one order must agree on when it was placed (a sign of a mangled file)."""
    placed: dict[tuple[str, str], dt.datetime] = {}
    issues: list[results.Issue] = []
    for line in lines:
        key = (line.platform, line.order_id)
        first = placed.setdefault(key, line.placed_at)
        if first != line.placed_at:
            issues.append(
                results.Issue(
                    line.row,
                    None,
                    _(
                        "Đơn %(id)s có các dòng với thời gian đặt khác nhau.",
                        id=line.order_id,
                    ),
                )
            )
    return issues


def parse_file(path: Path, filename: str | None = None) -> Parsed:
    """Read and parse an order export (CSV or XLSX); ``results.ImportFailed`` lists problems."""
    return parse_table(readers.read_table(path, filename))
