"""Catalog import and export: one documented template (CSV or XLSX), one row per variant.

The template has one row per variant (SKU); the product's fields are repeated on
every row of the same product. Columns are matched by header name (case and
diacritics do not matter; Vietnamese labels are accepted), never by position.

An import is all-or-nothing: every row is parsed and checked with the same rules
as the product form (``app.services.catalog``), every problem is collected with
its row number as the user sees it (the header is row 1) and its column, and if
there is any problem nothing is written. Re-importing a file updates instead of
duplicating: rows are keyed by SKU.

Phases of an import (``import_file``):

1. read the file into a table (CSV: UTF-8 with or without BOM, ``,``/``;``
   delimiter; XLSX: the first sheet, values not formulas);
2. map headers to columns, resolve producers and OCOP category codes, group rows
   into products, validate every group without writing (progress is reported
   here, and a cancel request is noticed here);
3. apply the changed groups with ``catalog.apply_product(replace_variants=False)``
   in one transaction, then commit (or roll back for a dry run).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import decimal
import io
import re
import secrets
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import openpyxl
import openpyxl.cell
import openpyxl.cell.cell
import openpyxl.styles
import openpyxl.utils
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import errors, permissions, text
from app.models import accounts, catalog, jobs, orgs
from app.services import catalog as catalog_service
from app.services import jobs as jobs_service

FORMATS = ("csv", "xlsx")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}
MAX_BYTES = 10 * 1024 * 1024  # an upload or a file given to the CLI
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024  # guards against zip bombs
MAX_ROWS = 20_000  # data rows, header excluded
MAX_COLUMNS = 100
MAX_RESULT_ERRORS = 1_000  # errors kept in a failed job's result
PROGRESS_EVERY = 200  # rows between progress reports
UPLOAD_DIR = "imports"
UPLOAD_MAX_AGE_SECONDS = 7 * 24 * 3600  # leftovers (jobs cancelled while queued) are swept
UPLOAD_PATH_RE = re.compile(r"^imports/[0-9a-f]{32}\.(csv|xlsx)$")
GUIDE_SHEET = "Hướng dẫn"
DATA_SHEET = "Sản phẩm"
KIND = "catalog.import"

Progress = Callable[[int, str], None]


# --- the template -----------------------------------------------------------------


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
        _l("Giá bán, số nguyên đồng; chấp nhận 95000, 95.000 hoặc 95.000 ₫."),
        "95000",
        "price",
    ),
    Column(
        "stock",
        ("Tồn kho", "Số lượng tồn", "Số lượng", "Stock"),
        "variant",
        False,
        _l("Số lượng tồn kho (số nguyên, không âm); để trống là 0."),
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
        _l("Chiều dài kiện hàng, cm (một chữ số thập phân, dấu chấm hoặc phẩy)."),
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


# --- results and errors -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Issue:
    """One problem: the row as numbered in the file (header = 1) and the column header."""

    row: int | None  # None: the whole file
    column: str | None
    message: str

    def as_line(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportFailed(errors.ValidationError):
    """The file has problems; nothing was written. ``issues`` lists every one of them."""

    def __init__(self, issues: Sequence[Issue], warnings: Sequence[str] = ()) -> None:
        self.issues = list(issues)
        self.warnings = list(warnings)
        fields: dict[str, list[str]] = {}
        for issue in self.issues:
            name = "file" if issue.row is None else f"rows.{issue.row}.{issue.column or ''}"
            fields.setdefault(name.rstrip("."), []).append(issue.message)
        if len(self.issues) == 1 and self.issues[0].row is None:
            message = self.issues[0].message
        else:
            message = _(
                "Tệp có %(n)d lỗi; chưa có gì được ghi. Hãy sửa rồi nhập lại.", n=len(self.issues)
            )
        super().__init__(message, fields=fields)

    def to_result(self, limit: int = MAX_RESULT_ERRORS) -> dict[str, Any]:
        """What a failed job keeps: the first ``limit`` errors, their total and the warnings."""
        return {
            "errors": [issue.as_dict() for issue in self.issues[:limit]],
            "total_errors": len(self.issues),
            "warnings": self.warnings,
        }


@dataclasses.dataclass
class ImportSummary:
    rows: int = 0
    created_products: int = 0
    updated_products: int = 0
    unchanged_products: int = 0
    created_variants: int = 0
    updated_variants: int = 0
    unchanged_variants: int = 0
    warnings: list[str] = dataclasses.field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Download:
    """A file to send: its suggested name, MIME type and bytes."""

    filename: str
    mimetype: str
    data: bytes
    rows: int = 0
    products: int = 0


@dataclasses.dataclass(frozen=True)
class SystemActor:
    """The command line without ``--as``: a trusted operator who sees every producer."""

    id: int | None = None
    role: accounts.Role = accounts.Role.ADMIN
    producer_id: int | None = None
    is_authenticated: bool = True


Actor = accounts.User | SystemActor


# --- reading files ----------------------------------------------------------------


@dataclasses.dataclass
class Table:
    headers: list[str]  # row 1 as written in the file
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells), blank rows skipped


def file_format(filename: str) -> str | None:
    """'csv' or 'xlsx' from a file name, else None."""
    suffix = Path(filename).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def _cell(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO, text in NFC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    cleaned = text.nfc(str(value))
    # Exports protect cells that a spreadsheet would take for a formula with a quote.
    if len(cleaned) > 1 and cleaned[0] == "'" and cleaned[1] in "=+-@":
        cleaned = cleaned[1:]
    return cleaned


def _thousands(number: int) -> str:
    """20000 → '20.000' (Vietnamese digit grouping)."""
    return f"{number:,}".replace(",", ".")


def _too_many_rows() -> Issue:
    return Issue(
        None,
        None,
        _(
            "Tệp có hơn %(n)s dòng dữ liệu. Hãy chia thành nhiều tệp nhỏ hơn.",
            n=_thousands(MAX_ROWS),
        ),
    )


def _collect_rows(numbered: Iterable[tuple[int, Sequence[Any]]]) -> Table:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    blank_run = 0
    for number, raw in numbered:
        cells = [_cell(value) for value in raw[:MAX_COLUMNS]]
        if headers is None:  # row 1
            headers = cells
            continue
        if not any(cells):
            blank_run += 1
            if blank_run > MAX_ROWS:  # a sheet of millions of empty rows
                raise ImportFailed([_too_many_rows()])
            continue
        blank_run = 0
        if len(rows) >= MAX_ROWS:
            raise ImportFailed([_too_many_rows()])
        rows.append((number, cells))
    return Table(headers or [], rows)


def _read_csv(data: bytes) -> Table:
    if data.startswith(b"PK\x03\x04"):
        raise ImportFailed(
            [Issue(None, None, _("Tệp này là tệp Excel; hãy đặt đuôi .xlsx rồi tải lại."))]
        )
    if b"\x00" in data[:65536]:
        raise ImportFailed(
            [
                Issue(
                    None,
                    None,
                    _("Tệp không phải CSV dạng văn bản (UTF-8). Hãy lưu lại thành CSV UTF-8."),
                )
            ]
        )
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            [
                Issue(
                    line,
                    None,
                    _(
                        "Tệp CSV không phải mã UTF-8. Trong Excel hãy chọn “Lưu thành” → "
                        "“CSV UTF-8 (phân tách bằng dấu phẩy)”."
                    ),
                )
            ]
        ) from None
    first_line = content.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        return _collect_rows(enumerate(reader, start=1))
    except csv.Error as exc:
        raise ImportFailed(
            [Issue(reader.line_num or None, None, _("Không đọc được CSV: %(e)s", e=str(exc)))]
        ) from None


def _read_xlsx(path: Path) -> Table:
    unreadable = ImportFailed(
        [
            Issue(
                None,
                None,
                _("Không đọc được tệp Excel (.xlsx). Hãy mở bằng Excel và lưu lại dạng .xlsx."),
            )
        ]
    )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise unreadable from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFailed([Issue(None, None, _("Tệp Excel quá lớn khi giải nén."))])
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on broken files
        raise unreadable from None
    try:
        if not workbook.worksheets:
            return Table([], [])
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        try:
            return _collect_rows(enumerate(rows, start=1))
        except ImportFailed:
            raise
        except Exception:
            raise unreadable from None
    finally:
        workbook.close()


def read_table(path: Path, filename: str | None = None) -> Table:
    """Read a CSV or XLSX file (chosen by the file name's extension) into a table."""
    fmt = file_format(filename or path.name)
    if fmt is None:
        raise ImportFailed([Issue(None, None, _("Chỉ nhận tệp .csv hoặc .xlsx."))])
    try:
        size = path.stat().st_size
    except OSError:
        raise ImportFailed([Issue(None, None, _("Không tìm thấy tệp cần nhập."))]) from None
    if size > MAX_BYTES:
        raise ImportFailed([_too_big()])
    if size == 0:
        raise ImportFailed([Issue(None, None, _("Tệp trống."))])
    return _read_csv(path.read_bytes()) if fmt == "csv" else _read_xlsx(path)


def _too_big() -> Issue:
    return Issue(
        None, None, _("Tệp lớn hơn %(n)d MB. Hãy chia thành nhiều tệp nhỏ hơn.", n=MAX_BYTES >> 20)
    )


# --- importing --------------------------------------------------------------------


@dataclasses.dataclass
class _Row:
    number: int
    values: dict[str, str]  # column key → cell
    sku: str
    producer_id: int | None = None
    category_id: int | None = None
    product_id: int | None = None  # the product owning this SKU already


@dataclasses.dataclass
class _Group:
    product_id: int | None
    rows: list[_Row]
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    changed: bool = True


class _Importer:
    def __init__(
        self, session: so.Session, user: Actor, table: Table, progress: Progress | None
    ) -> None:
        self.session = session
        self.user = user
        self.table = table
        self.progress = progress
        self.issues: list[Issue] = []
        self.seen: set[tuple[int | None, str | None]] = set()
        self.warnings: list[str] = []
        self.columns: dict[str, int] = {}  # key → index in the row
        self.headers: dict[str, str] = {}  # key → header as written in the file
        self.summary = ImportSummary(rows=len(table.rows))

    # -- problems --

    def issue(self, row: int | None, key: str | None, message: str) -> None:
        """Record a problem once per (row, column); the first (most specific) wins."""
        column = None if key is None else self.headers.get(key, key)
        if row is not None and column is not None:
            if (row, column) in self.seen:
                return
            self.seen.add((row, column))
        self.issues.append(Issue(row, column, message))

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None and total:
            self.progress(
                5 + 80 * done // total, _("Đang kiểm tra dòng %(n)d/%(t)d", n=done, t=total)
            )

    # -- headers --

    def map_headers(self) -> None:
        if not self.table.headers or not any(self.table.headers):
            self.issue(1, None, _("Tệp trống hoặc thiếu dòng tiêu đề (dòng 1)."))
            return
        unknown = []
        for index, header in enumerate(self.table.headers):
            if not header:
                continue
            key = ALIASES.get(header_key(header))
            if key is None:
                unknown.append(header)
            elif key in self.columns or key in self.headers:
                self.issue(
                    1,
                    None,
                    _(
                        "Cột “%(a)s” trùng với cột “%(b)s”.",
                        a=header,
                        b=self.headers.get(key, key),
                    ),
                )
            elif key in BY_KEY and BY_KEY[key] in READ_ONLY_COLUMNS:
                self.headers[key] = header  # read-only columns of an export: ignored
            else:
                self.columns[key] = index
                self.headers[key] = header
        if unknown:
            self.warnings.append(
                _("Bỏ qua các cột không dùng: %(c)s.", c=", ".join(f"“{h}”" for h in unknown))
            )
        for column in COLUMNS:
            if column.required and column.key not in self.columns:
                self.issue(
                    1,
                    column.key,
                    _(
                        "Thiếu cột bắt buộc “%(c)s” (hoặc tiêu đề tiếng Việt “%(vi)s”).",
                        c=column.key,
                        vi=column.aliases[0],
                    ),
                )
        if not self.table.rows:
            self.issue(2, None, _("Tệp không có dòng dữ liệu nào."))

    # -- rows --

    def parse_rows(self) -> list[_Row]:
        producers = list(
            self.session.execute(
                sa.select(orgs.Producer.id, orgs.Producer.name, orgs.Producer.tax_code)
            )
        )
        by_tax = {str(tax): pid for pid, _name, tax in producers if tax}
        by_name = {text.fold(name): pid for pid, name, _tax in producers}
        category_ids = dict(
            self.session.execute(
                sa.select(catalog.OcopCategory.code, catalog.OcopCategory.id)
            ).all()
        )
        rows: list[_Row] = []
        first_row_of_sku: dict[str, int] = {}
        for number, cells in self.table.rows:
            values = {
                key: cells[index] if index < len(cells) else ""
                for key, index in self.columns.items()
            }
            row = _Row(number, values, text.nfc(values.get("sku", "")).upper())
            producer = values.get("producer", "")
            if not producer:
                self.issue(number, "producer", _("Hãy nhập tên hoặc mã số thuế chủ thể sản xuất."))
            else:
                row.producer_id = by_tax.get(producer.replace(" ", "")) or by_name.get(
                    text.fold(producer)
                )
                if row.producer_id is None:
                    self.issue(
                        number,
                        "producer",
                        _(
                            "Không có chủ thể sản xuất “%(p)s” (nhập đúng tên hoặc mã số thuế).",
                            p=producer,
                        ),
                    )
            code = values.get("category_code", "").lower()
            if code:
                row.category_id = category_ids.get(code)
                if row.category_id is None:
                    self.issue(
                        number,
                        "category_code",
                        _("Mã nhóm OCOP “%(c)s” không có trong danh mục (ví dụ 1.4.a).", c=code),
                    )
            if not row.sku:
                self.issue(number, "sku", _("Hãy nhập mã SKU."))
            elif row.sku in first_row_of_sku:
                self.issue(
                    number,
                    "sku",
                    _("Mã SKU trùng với dòng %(n)d.", n=first_row_of_sku[row.sku]),
                )
                continue
            else:
                first_row_of_sku[row.sku] = number
            rows.append(row)
        owners = self._sku_owners([r.sku for r in rows if r.sku])
        for row in rows:
            row.product_id = owners.get(row.sku)
        return rows

    def _sku_owners(self, skus: list[str]) -> dict[str, int]:
        owners: dict[str, int] = {}
        for start in range(0, len(skus), 500):
            chunk = skus[start : start + 500]
            owners.update(
                self.session.execute(
                    sa.select(catalog.Variant.sku, catalog.Variant.product_id).where(
                        catalog.Variant.sku.in_(chunk)
                    )
                ).all()
            )
        return owners

    def group(self, rows: list[_Row]) -> list[_Group]:
        """Existing SKUs go to their product; new SKUs join the product with the same
        name and producer (in the file, else in the database), or form a new one."""
        groups: dict[Any, _Group] = {}
        by_name: dict[tuple[str, int], int] = {}
        for row in rows:
            if row.product_id is not None:
                key = ("product", row.product_id)
                groups.setdefault(key, _Group(row.product_id, []))
                name = text.fold(row.values.get("product_name", ""))
                if name and row.producer_id is not None:
                    by_name.setdefault((name, row.producer_id), row.product_id)
        stored: dict[int, dict[str, list[int]]] = {}
        for row in rows:
            if row.product_id is not None:
                groups[("product", row.product_id)].rows.append(row)
                continue
            name = text.fold(row.values.get("product_name", ""))
            if not name or row.producer_id is None:
                groups[("row", row.number)] = _Group(None, [row])  # reported on its own
                continue
            product_id = by_name.get((name, row.producer_id))
            if product_id is None:
                candidates = self._stored_names(stored, row.producer_id).get(name, [])
                if len(candidates) == 1:
                    product_id = by_name[(name, row.producer_id)] = candidates[0]
            if product_id is not None:
                groups.setdefault(("product", product_id), _Group(product_id, [])).rows.append(row)
            else:
                groups.setdefault(("new", name, row.producer_id), _Group(None, [])).rows.append(row)
        ordered = [g for g in groups.values() if g.rows]
        for g in ordered:
            g.rows.sort(key=lambda r: r.number)
        return sorted(ordered, key=lambda g: g.rows[0].number)

    def _stored_names(
        self, cache: dict[int, dict[str, list[int]]], producer_id: int
    ) -> dict[str, list[int]]:
        if producer_id not in cache:
            names: dict[str, list[int]] = {}
            for pid, name in self.session.execute(
                sa.select(catalog.Product.id, catalog.Product.name).where(
                    catalog.Product.producer_id == producer_id
                )
            ):
                names.setdefault(text.fold(name), []).append(pid)
            cache[producer_id] = names
        return cache[producer_id]

    # -- validation of one product --

    def _product_value(self, group: _Group, key: str, fold: bool = False) -> str:
        """The first non-blank value of a product column in the group; conflicts reported."""
        first: tuple[int, str] | None = None
        for row in group.rows:
            value = row.values.get(key, "")
            if not value:
                continue
            if first is None:
                first = (row.number, value)
            elif (text.fold(value) if fold else value) != (
                text.fold(first[1]) if fold else first[1]
            ):
                self.issue(
                    row.number,
                    key,
                    _(
                        "Khác với dòng %(n)d của cùng sản phẩm (“%(v)s”).",
                        n=first[0],
                        v=first[1][:60],
                    ),
                )
        return first[1] if first else ""

    def _group_id(self, group: _Group, attr: str, key: str) -> int | None:
        first: _Row | None = None
        for row in group.rows:
            value = getattr(row, attr)
            if value is None:
                continue
            if first is None:
                first = row
            elif value != getattr(first, attr):
                self.issue(
                    row.number,
                    key,
                    _("Khác với dòng %(n)d của cùng sản phẩm.", n=first.number),
                )
        return getattr(first, attr) if first else None

    def validate(self, group: _Group) -> None:
        product = self.session.get(catalog.Product, group.product_id) if group.product_id else None
        data: dict[str, Any] = {"name": self._product_value(group, "product_name", fold=True)}
        data["producer_id"] = self._group_id(group, "producer_id", "producer")
        if "category_code" in self.columns:
            data["category_id"] = self._group_id(group, "category_id", "category_code")
        else:
            data["category_id"] = product.category_id if product else None
        for field in TEXT_PRODUCT_FIELDS:
            if field in self.columns:
                data[field] = self._product_value(group, field)
            else:
                data[field] = getattr(product, field) if product else None
        existing = {v.sku: v for v in product.variants} if product else {}
        variants = []
        for row in group.rows:
            variant_data: dict[str, Any] = {"sku": row.values.get("sku", "")}
            old = existing.get(row.sku)
            for field in VARIANT_FIELDS:
                key = VARIANT_FIELD_COLUMN[field]
                if key in self.columns:
                    variant_data[field] = row.values.get(key, "")
                else:
                    variant_data[field] = getattr(old, field) if old else None
            variants.append(variant_data)
        data["variants"] = variants
        group.data = data

        clean, fields = catalog_service.validate_product(self.session, self.user, data, product)
        clean_variants, variant_fields = catalog_service.validate_variants(
            self.session, variants, product
        )
        fields.update(variant_fields)
        self.map_fields(group, fields)
        if fields:
            return
        # What would change: unchanged groups are not written at all.
        product_changed = product is None or any(
            getattr(product, name) != value for name, value in clean.items()
        )
        variants_changed = False
        for row in clean_variants:
            old = existing.get(row["sku"])
            if old is None:
                self.summary.created_variants += 1
                variants_changed = True
            elif any(getattr(old, f) != row[f] for f in VARIANT_FIELDS):
                self.summary.updated_variants += 1
                variants_changed = True
            else:
                self.summary.unchanged_variants += 1
        if product is None:
            self.summary.created_products += 1
        elif product_changed or variants_changed:
            self.summary.updated_products += 1
        else:
            self.summary.unchanged_products += 1
        group.changed = product_changed or variants_changed

    def map_fields(self, group: _Group, fields: Mapping[str, list[str]]) -> None:
        """Turn the catalog service's field names back into (row, column)."""
        for name, messages in fields.items():
            row, key = group.rows[0].number, PRODUCT_FIELD_COLUMN.get(name)
            match = re.fullmatch(r"variants\.(\d+)\.(\w+)", name)
            if match:
                index = int(match.group(1))
                row = group.rows[index].number if index < len(group.rows) else row
                key = VARIANT_FIELD_COLUMN.get(match.group(2))
            for message in messages:
                self.issue(row, key, message)

    # -- the whole import --

    def run(self, dry_run: bool) -> ImportSummary:
        self.map_headers()
        if self.issues:
            raise ImportFailed(self.issues, self.warnings)
        rows = self.parse_rows()
        groups = self.group(rows)
        total = len(self.table.rows)
        done = 0
        self._report(0, total)
        for group in groups:
            self.validate(group)
            before = done
            done += len(group.rows)
            if done // PROGRESS_EVERY != before // PROGRESS_EVERY:
                self._report(done, total)
        if self.issues:
            self.issues.sort(key=lambda i: (i.row or 0, self._column_order(i.column)))
            raise ImportFailed(self.issues, self.warnings)
        if self.progress is not None:
            self.progress(90, _("Đang ghi vào cơ sở dữ liệu…"))
        try:
            for group in groups:
                if not group.changed:
                    continue
                product = (
                    self.session.get(catalog.Product, group.product_id)
                    if group.product_id
                    else None
                )
                try:
                    catalog_service.apply_product(
                        self.session, self.user, group.data, product, replace_variants=False
                    )
                except errors.ValidationError as exc:
                    self.map_fields(group, exc.fields)
                    raise ImportFailed(self.issues, self.warnings) from exc
            if dry_run:
                self.session.rollback()
            else:
                self.session.commit()
        except Exception:
            self.session.rollback()
            raise
        self.summary.warnings = self.warnings
        self.summary.dry_run = dry_run
        return self.summary

    def _column_order(self, column: str | None) -> int:
        for key, header in self.headers.items():
            if header == column:
                return self.columns.get(key, 0)
        return -1


def import_table(
    session: so.Session,
    user: Actor,
    table: Table,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import an already-read table (all or nothing); raises ImportFailed listing every issue."""
    if not permissions.can(user, "catalog.import"):
        raise errors.Forbidden()
    return _Importer(session, user, table, progress).run(dry_run)


def import_file(
    session: so.Session,
    user: Actor,
    path: Path,
    *,
    filename: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Read and import a CSV/XLSX file (all or nothing); ``filename`` decides the format."""
    if not permissions.can(user, "catalog.import"):
        raise errors.Forbidden()
    if progress is not None:
        progress(0, _("Đang đọc tệp…"))
    table = read_table(path, filename)
    return import_table(session, user, table, dry_run=dry_run, progress=progress)


# --- uploads and the background job -----------------------------------------------


def _sweep(folder: Path, now: float) -> None:
    for old in folder.glob("*"):
        try:
            if old.is_file() and now - old.stat().st_mtime > UPLOAD_MAX_AGE_SECONDS:
                old.unlink()
        except OSError:
            continue


def store_upload(stream: BinaryIO, filename: str, media_root: str | Path) -> dict[str, str]:
    """Check an uploaded file (extension, size, content) and keep it under MEDIA_ROOT/imports.

    Returns the job parameters: ``{"path": "imports/<random>.<ext>", "filename": …}``.
    """
    filename = text.nfc(Path(filename or "").name)[:255]
    fmt = file_format(filename)
    if fmt is None:
        raise errors.ValidationError(fields={"file": [_("Chỉ nhận tệp .csv hoặc .xlsx.")]})
    head = stream.read(MAX_BYTES + 1)
    if len(head) > MAX_BYTES:
        raise errors.ValidationError(fields={"file": [_too_big().message]})
    if not head:
        raise errors.ValidationError(fields={"file": [_("Tệp trống.")]})
    is_zip = head.startswith(b"PK\x03\x04")
    if fmt == "xlsx" and not is_zip:
        raise errors.ValidationError(
            fields={
                "file": [_("Tệp không phải Excel .xlsx (tệp .xls cũ cần lưu lại thành .xlsx).")]
            }
        )
    if fmt == "csv" and (is_zip or b"\x00" in head[:65536]):
        raise errors.ValidationError(
            fields={
                "file": [_("Tệp không phải CSV dạng văn bản (UTF-8). Hãy lưu lại thành CSV UTF-8.")]
            }
        )
    folder = Path(media_root) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder, time.time())
    relative = f"{UPLOAD_DIR}/{secrets.token_hex(16)}.{fmt}"
    (Path(media_root) / relative).write_bytes(head)
    return {"path": relative, "filename": filename}


def start_import(
    session: so.Session,
    user: accounts.User,
    stream: BinaryIO,
    filename: str,
    *,
    media_root: str | Path,
    kinds: Mapping[str, jobs_service.JobKind],
    dispatch: jobs_service.Dispatch,
) -> jobs.Job:
    """Store an uploaded file and queue the ``catalog.import`` job that imports it."""
    if not permissions.can(user, "catalog.import"):
        raise errors.Forbidden()
    params = store_upload(stream, filename, media_root)
    try:
        return jobs_service.enqueue(
            session, kinds, kind=KIND, params=params, owner=user, dispatch=dispatch
        )
    except Exception:
        (Path(media_root) / params["path"]).unlink(missing_ok=True)
        raise


def validate_job_params(params: dict[str, Any]) -> dict[str, Any]:
    """The job's parameters: a stored upload under imports/ and the original file name."""
    fields: dict[str, list[str]] = {}
    path = params.get("path")
    if not isinstance(path, str) or not UPLOAD_PATH_RE.match(path):
        fields["params.path"] = [_("Đường dẫn tệp tải lên không hợp lệ.")]
    filename = params.get("filename")
    if not isinstance(filename, str) or not filename or len(filename) > 255:
        fields["params.filename"] = [_("Thiếu tên tệp.")]
    elif isinstance(path, str) and file_format(filename) != file_format(path):
        fields["params.filename"] = [_("Tên tệp không khớp định dạng tệp đã tải lên.")]
    for name in sorted(set(params) - {"path", "filename"}):
        fields[f"params.{name}"] = [_("Tham số không được hỗ trợ.")]
    if fields:
        raise errors.ValidationError(fields=fields)
    return {"path": path, "filename": filename}


def run_import_job(
    ctx: jobs_service.JobContext, params: dict[str, Any], media_root: str | Path
) -> dict[str, Any]:
    """The job handler's body: import the stored upload as the job's owner, then delete it."""
    path = Path(media_root) / params["path"]
    try:
        owner = ctx.session.get(accounts.User, ctx.job.owner_id) if ctx.job.owner_id else None
        if owner is None:
            raise jobs_service.JobFailed(_("Người tạo công việc không còn tồn tại."))
        try:
            summary = import_file(
                ctx.session, owner, path, filename=params["filename"], progress=ctx.progress
            )
        except ImportFailed as exc:
            raise jobs_service.JobFailed(exc.message, result=exc.to_result()) from exc
        except errors.Forbidden as exc:
            raise jobs_service.JobFailed(exc.message) from exc
        return summary.to_dict()
    finally:
        path.unlink(missing_ok=True)


# --- exporting --------------------------------------------------------------------


def export_rows(
    session: so.Session,
    user: Actor,
    filters: catalog_service.ProductFilters,
    today: dt.date | None = None,
) -> Iterator[tuple[catalog.Product, catalog.Variant]]:
    """(product, variant) pairs the user may see, in the list's order."""
    today = today or catalog_service.today_local()
    stmt = catalog_service.product_query(user, filters, today).options(
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
        return _cell(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    out = str(value)
    # A spreadsheet would run a cell starting like a formula; the importer strips the quote.
    if out[:1] in ("=", "+", "-", "@"):
        out = "'" + out
    return out


def _csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_cell(sheet: Any, value: Any) -> Any:
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
    header_cells = []
    for header in headers:
        cell = openpyxl.cell.WriteOnlyCell(sheet, value=header)
        cell.font = openpyxl.styles.Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    if guide:
        _guide_sheet(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _guide_sheet(workbook: Any) -> None:
    sheet = workbook.create_sheet(GUIDE_SHEET)
    for letter, width in zip("ABCDEF", (18, 40, 10, 12, 80, 26), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = openpyxl.styles.Font(bold=True)
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
    cells = []
    for value in header:
        cell = openpyxl.cell.WriteOnlyCell(sheet, value=value)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for column in COLUMNS + READ_ONLY_COLUMNS:
        level = _("sản phẩm") if column.level == "product" else _("phân loại")
        sheet.append(
            [
                column.key,
                ", ".join(column.aliases),
                _("Có") if column.required else _("Không"),
                level,
                str(column.help),
                _xlsx_cell(sheet, column.example),
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
            n=_thousands(MAX_ROWS),
            mb=MAX_BYTES >> 20,
        ),
    ]


def export_products(
    session: so.Session,
    user: Actor,
    filters: catalog_service.ProductFilters,
    fmt: str,
    today: dt.date | None = None,
) -> Download:
    """The products the user may see, filtered like the list, as a CSV or XLSX file."""
    if fmt not in FORMATS:
        raise errors.ValidationError(fields={"format": [_("Chọn định dạng csv hoặc xlsx.")]})
    today = today or catalog_service.today_local()
    rows = []
    products: set[int] = set()
    for product, variant in export_rows(session, user, filters, today):
        rows.append(_row_values(product, variant))
        products.add(product.id)
    data = _csv_bytes(EXPORT_HEADERS, rows) if fmt == "csv" else _xlsx_bytes(EXPORT_HEADERS, rows)
    return Download(
        f"san-pham-ocop-{today:%Y%m%d}.{fmt}", MIMETYPES[fmt], data, len(rows), len(products)
    )


def template(fmt: str) -> Download:
    """The empty template: the header row (and, in XLSX, a “Hướng dẫn” sheet)."""
    if fmt not in FORMATS:
        raise errors.ValidationError(fields={"format": [_("Chọn định dạng csv hoặc xlsx.")]})
    data = _csv_bytes(HEADERS, []) if fmt == "csv" else _xlsx_bytes(HEADERS, [])
    return Download(f"mau-nhap-san-pham-ocop.{fmt}", MIMETYPES[fmt], data)


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
