"""Carriers' COD payout statements (GHN, GHTK, Viettel Post, VNPost): reading each carrier's
export, matching its lines to our parcels, and what the club owes each producer.

Reading (:func:`read_statement`)
================================
A statement is the CSV (UTF-8, with or without BOM; ``,``/``;``/tab) or XLSX (first sheet)
a shop downloads from the carrier's portal. Read like the bank statements
(``vietnam.statements``), cells with ``vietnam.cells``:

- **The table is found, not assumed**: the header row is the first of the first
  :data:`HEADER_SCAN_ROWS` rows naming the carrier's tracking-code column, its COD column and
  its net column or a fee column. Titles, the shop's name and the period above it are skipped.
- **Headers read loosely**: case, diacritics, spaces, a unit in brackets (``(VNĐ)``) and
  bilingual ``Vietnamese/English`` cells ignored; each carrier has its own aliases (its export's
  wording first), then synonyms any carrier may use. "Mã đơn hàng" is GHTK's tracking code
  (``label``) but Viettel Post's *our* reference, so aliases are per carrier.
- **Cells**: đồng ``1.250.000``/``1,250,000``/``1250000``/``(22.000)``; dates ``dd/mm/yyyy``
  (a time after it ignored) or a spreadsheet date. Fees written as deductions (``-22.000``)
  count as fees of 22.000. An empty money cell is 0.
- **Rows**: a row with a tracking code is a line. Rows without one are skipped when they are
  blank, a total/summary (``Tổng cộng``, ``Cộng``, ``Total``…), a repeated header, or a
  statement label (below); a row without a tracking code that carries money is a problem.
- **Per line**: ``fees`` by kind (shipping, cod, return, insurance, other; several "other"
  columns are added), ``fee_total`` = their sum, checked against the file's total-fee column
  when it has one (``fee_total_mismatch``); ``net`` = COD − fees, checked against the file's
  net column when it has one (``net_mismatch``, with the file's value and ours). Negative net is
  normal: a returned parcel with no COD still pays its fees.
- **Per statement**: a label cell above or below the table (``Ngày chuyển khoản: 21/06/2026``,
  ``Phí chuyển khoản`` ``5.500`` in the next cell) gives ``payout_date`` and ``transfer_fee``.
  Without a label the transfer fee is the carrier's usual one: GHN 5,500 đ per payout
  (secondary source: research note, ghn.vn COD pages; unconfirmed), others 0.
- **All or nothing**: every problem of the file is collected, then :class:`StatementRejected`
  lists them all, each a :class:`StatementProblem` (reason code, line, column as written,
  params such as the value). Whole-file problems have no line: unknown carrier, unsupported
  format (``.xls``, another extension, an XLSX named ``.csv``), not UTF-8 (UTF-16 too),
  unreadable XLSX, empty file, unknown layout, no lines. A tracking code twice in one file is
  a problem on the second line.

Layouts and where their headers come from — **all unconfirmed**: the carriers do not
publish their exports; nothing here was checked against a real file.

- GHN, "COD và đối soát" on khachhang.ghn.vn (ghn.vn help pages name the screen and say the
  export is an Excel file; the columns are not public): ``Mã đơn GHN``, ``Mã đơn khách hàng``
  (``client_order_code``), ``Tiền thu hộ (COD)``, ``Phí vận chuyển``, ``Phí thu hộ``,
  ``Phí hoàn``, ``Phí bảo hiểm``, ``Tổng phí``, ``Thực nhận``, ``Ngày đối soát`` — designed
  from the API's ``CODAmount`` and ``Fee`` (``MainService``, ``CODFee``, ``Return``,
  ``Insurance``) fields.
- GHTK, shop portal's reconciliation export (no public source found): ``Mã đơn hàng``
  (``label``), ``Mã đơn shop`` (``partner_id``), ``Tiền thu hộ``, ``Phí ship``,
  ``Phí bảo hiểm``, ``Phí hoàn``, ``Tiền trả shop``, ``Ngày đối soát`` — designed; "Tiền thu
  hộ" / "Tiền trả shop" are the wording shop portals use in public code.
- Viettel Post, viettelpost.vn "Thống kê tiền hàng → Dòng tiền → Chi tiết bảng kê" (their
  guide names the screen; an integrator's public code reads the same export by the words
  "mã vận đơn", "tiền COD"/"tiền thu hộ", "cước", "thu về"): ``Số vận đơn``, ``Mã đơn
  hàng`` (our ``ORDER_REFERENCE``), ``Tiền thu hộ``, ``Cước phí``, ``Phí COD``,
  ``Tổng tiền`` (the amount paid; *unconfirmed that it is net*: the API's ``MONEY_TOTAL`` is
  the COD — a file where it is would fail the net check, loudly), ``Ngày đối soát``.
- VNPost (MyVNPost "bảng kê thanh toán tiền COD"): ``Số hiệu bưu gửi`` and ``Số tiền COD``
  are the wording of VNPost's own operations exports (seen in public code reading them);
  ``Mã đơn KH``, ``Tiền COD``, ``Cước``, ``Phí thu hộ``, ``Thực trả``, ``Ngày trả tiền``
  designed.

Reconciling (:func:`reconcile`)
===============================
Pure matching of statement lines (from any number of statements) to our parcels
(:class:`ExpectedParcel`): by tracking code (case and spaces ignored), else by our reference.
Findings (:class:`Finding`, kind :class:`FindingKind`):

- per matched parcel, exactly one payment finding comparing the COD paid (the sum of its lines'
  COD) with the COD expected (0 for a returned parcel): ``ok``, ``short_payment`` (paid less),
  ``over_payment`` (paid more);
- per line with fees, one fee finding: ``fees``, or ``returned_with_fees`` when the parcel was
  returned (every fee is counted: the sum of fee findings is every fee charged on our parcels);
- per delivered parcel with no line in any statement given: ``delivered_not_paid``;
- per line matching none of our parcels: ``unknown_line``.
A parcel neither delivered nor matched (on its way, returned without fees) gives nothing.

What the club owes producers (:func:`producer_payables`)
========================================================
Per producer, over the lines matched to their parcels: COD collected − fees on those lines −
their share of each statement's transfer fee = what the club owes them (negative: what they
owe the club). A statement's transfer fee is split by line count: every line bears
``fee // n`` đồng and the first line of the file the remainder too; a line's share goes to
the producer of its parcel. Lines matching no parcel stay with the club: they are summed under
``producer_id=None``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import io
import types
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

import openpyxl

from vietnam.cells import (
    CellError,
    cell_text,
    header_key,
    header_parts,
    parse_amount,
    parse_local_date,
    sniff_delimiter,
    tidy,
)

CARRIERS = ("ghn", "ghtk", "viettelpost", "vnpost")
HEADER_SCAN_ROWS = 40
MAX_COLUMNS = 100
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024  # guards against zip bombs
FEE_KINDS = ("shipping", "cod", "return", "insurance", "other")
# The carrier's usual transfer fee per payout when the file does not say (đồng).
DEFAULT_TRANSFER_FEE = {"ghn": 5_500}


class Reason:
    """``StatementProblem.code`` values."""

    UNKNOWN_CARRIER = "unknown_carrier"  # params: carrier
    UNSUPPORTED_FORMAT = "unsupported_format"  # .xls or not .csv/.xlsx (params: extension)
    EXCEL_AS_CSV = "excel_as_csv"  # an XLSX file named .csv
    NOT_UTF8 = "not_utf8"  # a CSV that is not UTF-8 (params: encoding "utf-16" when it is)
    UNREADABLE = "unreadable"  # a broken XLSX or CSV
    EMPTY_FILE = "empty_file"
    UNKNOWN_LAYOUT = "unknown_layout"  # no header row (params: carrier, rows)
    NO_LINES = "no_lines"  # a header, then no line
    BAD_AMOUNT = "bad_amount"  # params: value (and the cell codes of vietnam.cells)
    FRACTION = "fraction"
    TOO_LARGE = "too_large"
    BAD_DATE = "bad_date"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    NO_TRACKING_CODE = "no_tracking_code"  # money on a row without a tracking code
    DUPLICATE_TRACKING_CODE = "duplicate_tracking_code"  # params: value, first_line
    FEE_TOTAL_MISMATCH = "fee_total_mismatch"  # params: value (file), expected (sum of fees)
    NET_MISMATCH = "net_mismatch"  # params: value (file), expected (COD − fees)


@dataclasses.dataclass(frozen=True)
class StatementProblem:
    code: str  # a ``Reason`` value
    line: int | None = None  # the row's line in the file; None: the whole file
    column: str | None = None  # the header as written, when one cell is at fault
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class StatementRejected(ValueError):
    """The statement cannot be read; ``problems`` lists every problem found (codes, never
    words: the app words them)."""

    def __init__(self, problems: Sequence[StatementProblem]) -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else None
        super().__init__(f"{len(self.problems)} problem(s), first: {first}")

    @property
    def codes(self) -> list[str]:
        return [problem.code for problem in self.problems]


@dataclasses.dataclass(frozen=True, eq=False)
class CodLine:
    """One parcel's line of a statement (compared by identity: two statements may have the
    same line numbers)."""

    line_no: int
    tracking_code: str
    reference: str
    cod_amount: int
    fees: Mapping[str, int]  # FEE_KINDS → đồng (every kind present)
    fee_total: int
    net: int  # what the carrier pays for this line (negative: what it takes)
    settled_at: dt.date | None


@dataclasses.dataclass(frozen=True)
class Statement:
    carrier: str
    lines: tuple[CodLine, ...]
    payout_date: dt.date | None
    transfer_fee: int

    @property
    def net_total(self) -> int:
        return sum(line.net for line in self.lines)

    @property
    def payout(self) -> int:
        """What the carrier transfers: the lines' net minus the transfer fee."""
        return self.net_total - self.transfer_fee


# ---------------------------------------------------------------------------- layouts

# Column keys; "fee_other" may name several columns (added).
_FEE_COLUMNS = {
    "fee_shipping": "shipping",
    "fee_cod": "cod",
    "fee_return": "return",
    "fee_insurance": "insurance",
    "fee_other": "other",
}
_KEYS = ("tracking", "reference", "cod", *_FEE_COLUMNS, "fee_total", "net", "settled")

# Synonyms any carrier may use (folded), after the carrier's own.
_COMMON: dict[str, tuple[str, ...]] = {
    "tracking": (
        "ma van don",
        "so van don",
        "ma vd",
        "ma buu gui",
        "tracking code",
        "tracking number",
        "waybill",
    ),
    "reference": (
        "ma don khach hang",
        "ma don kh",
        "ma don shop",
        "ma don hang cua shop",
        "ma tham chieu",
        "ma don noi bo",
        "client order code",
        "reference",
    ),
    "cod": ("tien thu ho", "so tien thu ho", "tien cod", "so tien cod", "thu ho", "cod"),
    "fee_shipping": (
        "phi van chuyen",
        "cuoc van chuyen",
        "cuoc phi",
        "cuoc chinh",
        "cuoc",
        "phi ship",
        "phi giao hang",
        "shipping fee",
    ),
    "fee_cod": ("phi thu ho", "phi cod", "cuoc cod", "cod fee"),
    "fee_return": (
        "phi hoan",
        "phi hoan hang",
        "phi chuyen hoan",
        "cuoc chuyen hoan",
        "cuoc hoan",
        "return fee",
    ),
    "fee_insurance": ("phi bao hiem", "phi khai gia", "insurance fee"),
    "fee_other": ("phi khac", "phu phi", "phi giao lai", "phi doi dia chi", "other fee"),
    "fee_total": ("tong phi", "tong cuoc", "tong phi dich vu", "total fee"),
    "net": ("thuc nhan", "so tien thuc nhan", "thuc tra", "tien thu ve", "net amount"),
    "settled": (
        "ngay doi soat",
        "thoi gian doi soat",
        "ngay tra tien",
        "ngay thanh toan",
        "settlement date",
    ),
}

_OWN: dict[str, dict[str, tuple[str, ...]]] = {
    "ghn": {
        "tracking": ("ma don ghn", "ma don hang ghn", "order code"),
        "reference": ("ma don khach hang", "ma don hang khach hang", "ma don rieng"),
        "cod": ("tien thu ho",),
        "net": ("thuc nhan", "tien thuc nhan"),
    },
    "ghtk": {
        "tracking": ("ma don hang", "ma don ghtk", "label", "ma label"),
        "reference": ("ma don shop", "ma don hang shop", "partner id"),
        "cod": ("tien thu ho",),
        "fee_shipping": ("phi ship", "phi giao hang"),
        "net": ("tien tra shop", "so tien tra shop", "tien shop nhan"),
    },
    "viettelpost": {
        "tracking": ("so van don", "ma van don", "ma phieu gui"),
        "reference": ("ma don hang", "ma don hang khach hang"),
        "cod": ("tien thu ho", "tien cod", "tien hang"),
        "fee_shipping": ("cuoc phi", "tong cuoc phi", "cuoc"),
        "fee_cod": ("phi cod", "phi thu ho"),
        "net": ("tong tien", "tien thu ve", "tien tra khach"),
    },
    "vnpost": {
        "tracking": ("so hieu buu gui", "shbg", "ma buu gui"),
        "reference": ("ma don kh", "ma don khach hang", "ma khach hang don"),
        "cod": ("tien cod", "so tien cod", "tien thu ho"),
        "fee_shipping": ("cuoc", "cuoc chinh", "cuoc phi"),
        "fee_cod": ("phi thu ho", "cuoc cod"),
        "net": ("thuc tra", "so tien thuc tra", "tien tra khach hang"),
        "settled": ("ngay tra tien", "ngay thanh toan", "ngay doi soat"),
    },
}


def _aliases(carrier: str) -> dict[str, tuple[str, ...]]:
    own = _OWN[carrier]
    return {key: tuple(dict.fromkeys([*own.get(key, ()), *_COMMON[key]])) for key in _KEYS}


# Statement labels (folded prefixes of a cell) above or below the table.
_LABELS: dict[str, tuple[str, ...]] = {
    "payout_date": (
        "ngay chuyen khoan",
        "ngay chuyen tien",
        "ngay tra tien cod",
        "ngay thanh toan cod",
        "payout date",
    ),
    "transfer_fee": ("phi chuyen khoan", "phi chuyen tien", "transfer fee"),
}
_SUMMARY_WORDS = ("tong", "cong", "total", "sum")


# ---------------------------------------------------------------------------- files


def _reject(code: str, **params: Any) -> StatementRejected:
    return StatementRejected([StatementProblem(code, params=params)])


def _collect(numbered: Iterable[tuple[int, Sequence[Any]]]) -> list[tuple[int, list[str]]]:
    rows = []
    for number, raw in numbered:
        cells = [cell_text(value) for value in list(raw)[:MAX_COLUMNS]]
        if any(cell.strip() for cell in cells):
            rows.append((number, cells))
    return rows


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    if data.startswith(b"PK\x03\x04"):
        raise _reject(Reason.EXCEL_AS_CSV)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:65536]:
        raise _reject(Reason.NOT_UTF8, encoding="utf-16")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StatementRejected([StatementProblem(Reason.NOT_UTF8, line=line)]) from None
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=sniff_delimiter(content))
    try:
        return _collect(enumerate(reader, start=1))
    except csv.Error:
        raise StatementRejected(
            [StatementProblem(Reason.UNREADABLE, line=reader.line_num or None)]
        ) from None


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _reject(Reason.UNREADABLE) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _reject(Reason.UNREADABLE, unpacked=unpacked)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on broken files
        raise _reject(Reason.UNREADABLE) from None
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        return _collect(enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1))
    except Exception:
        raise _reject(Reason.UNREADABLE) from None
    finally:
        workbook.close()


def read_rows(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    """A CSV or XLSX file's non-blank rows as ``(line number, text cells)``; the format by
    the file name's extension (``.xls`` and UTF-16 CSVs refused, as the bank reader does)."""
    extension = PurePath(filename).suffix.lower().lstrip(".")
    if extension not in ("csv", "xlsx") or data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: .xls
        raise _reject(Reason.UNSUPPORTED_FORMAT, extension=extension)
    if not data:
        raise _reject(Reason.EMPTY_FILE)
    rows = _csv_rows(data) if extension == "csv" else _xlsx_rows(data)
    if not rows:
        raise _reject(Reason.EMPTY_FILE)
    return rows


# ---------------------------------------------------------------------------- header


@dataclasses.dataclass(frozen=True)
class _Layout:
    columns: dict[str, int]  # key → index (one column each)
    others: tuple[int, ...]  # every "other fee" column
    headers: list[str]

    def header(self, index: int) -> str:
        return tidy(self.headers[index]) if index < len(self.headers) else ""


def _columns_of(cells: Sequence[str], aliases: Mapping[str, tuple[str, ...]]) -> _Layout:
    """For each key (in ``_KEYS`` order) the untaken cell naming it with its most specific
    alias; then every remaining cell naming an "other" fee."""
    parts = [header_parts(cell) for cell in cells]
    columns: dict[str, int] = {}
    taken: set[int] = set()
    for key in _KEYS:
        best: tuple[int, int] | None = None  # (alias rank, index)
        for index, names in enumerate(parts):
            if index in taken:
                continue
            ranks = [aliases[key].index(name) for name in names if name in aliases[key]]
            if ranks and (best is None or min(ranks) < best[0]):
                best = (min(ranks), index)
        if best is not None:
            columns[key] = best[1]
            taken.add(best[1])
    others = [columns.pop("fee_other")] if "fee_other" in columns else []
    others += [
        index
        for index, names in enumerate(parts)
        if index not in taken and any(name in aliases["fee_other"] for name in names)
    ]
    return _Layout(columns, tuple(sorted(others)), list(cells))


def _is_header(layout: _Layout) -> bool:
    keys = layout.columns.keys()
    has_fee = bool(layout.others) or any(k in keys for k in (*_FEE_COLUMNS, "fee_total"))
    return "tracking" in keys and "cod" in keys and ("net" in keys or has_fee)


def _find_header(
    rows: Sequence[tuple[int, list[str]]], carrier: str, aliases: Mapping[str, tuple[str, ...]]
) -> tuple[int, _Layout]:
    for position, (_line, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        layout = _columns_of(cells, aliases)
        if _is_header(layout):
            return position, layout
    raise _reject(Reason.UNKNOWN_LAYOUT, carrier=carrier, rows=HEADER_SCAN_ROWS)


# ---------------------------------------------------------------------------- rows


class _Row:
    def __init__(self, line: int, cells: Sequence[str], layout: _Layout) -> None:
        self.line = line
        self.cells = cells
        self.layout = layout
        self.problems: list[StatementProblem] = []

    def at(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""

    def get(self, key: str) -> str:
        index = self.layout.columns.get(key)
        return "" if index is None else self.at(index)

    def problem(self, index: int | None, code: str, **params: Any) -> None:
        column = self.layout.header(index) if index is not None else None
        self.problems.append(StatementProblem(code, self.line, column, params))

    def amount_at(self, index: int) -> int:
        try:
            return parse_amount(self.at(index)) or 0
        except CellError as exc:
            self.problem(index, exc.code, value=exc.value[:40])
            return 0

    def amount(self, key: str) -> int | None:
        """The amount of a column; None when the layout has no such column."""
        index = self.layout.columns.get(key)
        return None if index is None else self.amount_at(index)

    def money_indices(self) -> list[int]:
        keys = ("cod", *_FEE_COLUMNS, "fee_total", "net")
        found = [self.layout.columns[key] for key in keys if key in self.layout.columns]
        return [*found, *self.layout.others]

    def has_money(self) -> bool:
        for index in self.money_indices():
            try:
                if parse_amount(self.at(index)):
                    return True
            except CellError:
                return True
        return False

    def is_summary(self) -> bool:
        """A totals row: some cell reads ``Tổng…``/``Cộng…``/``Total…``."""
        return any(_is_summary_word(header_key(cell)) for cell in self.cells if cell.strip())


def _is_summary_word(key: str) -> bool:
    return any(key == word or key.startswith(word + " ") for word in _SUMMARY_WORDS)


def _labels(rows: Iterable[Sequence[str]]) -> dict[str, tuple[str, str]]:
    """Statement labels found in rows: key → (label as written, value as written); the value
    after a colon in the same cell, else the next non-empty cell."""
    found: dict[str, tuple[str, str]] = {}
    for cells in rows:
        for index, cell in enumerate(cells):
            key = header_key(cell)
            for name, prefixes in _LABELS.items():
                if name in found or not any(key.startswith(p) for p in prefixes):
                    continue
                label, _colon, value = cell.partition(":")
                if not value.strip():
                    value = next((c for c in cells[index + 1 :] if c.strip()), "")
                found[name] = (tidy(label), value.strip())
    return found


def _statement_fields(
    labels: Mapping[str, tuple[str, str]], carrier: str, problems: list[StatementProblem]
) -> tuple[dt.date | None, int]:
    payout_date = None
    transfer_fee = DEFAULT_TRANSFER_FEE.get(carrier, 0)
    if "payout_date" in labels:
        label, value = labels["payout_date"]
        try:
            payout_date = parse_local_date(value)
        except CellError as exc:
            problems.append(StatementProblem(exc.code, None, label, {"value": value[:40]}))
    if "transfer_fee" in labels:
        label, value = labels["transfer_fee"]
        try:
            transfer_fee = abs(parse_amount(value) or 0)
        except CellError as exc:
            problems.append(StatementProblem(exc.code, None, label, {"value": value[:40]}))
    return payout_date, transfer_fee


def _read_line(row: _Row) -> CodLine | None:
    """A line of the statement; None with the row's problems recorded."""
    layout = row.layout
    cod = row.amount("cod") or 0
    fees = dict.fromkeys(FEE_KINDS, 0)
    fee_columns = False
    for key, kind in _FEE_COLUMNS.items():
        value = row.amount(key)
        if value is not None:
            fees[kind] += abs(value)
            fee_columns = True
    for index in layout.others:
        fees["other"] += abs(row.amount_at(index))
        fee_columns = True
    fee_total = sum(fees.values())
    written_total = row.amount("fee_total")
    if written_total is not None:
        written_total = abs(written_total)
        if not fee_columns:
            fees["other"] = fee_total = written_total
        elif written_total != fee_total and not row.problems:
            row.problem(
                layout.columns["fee_total"],
                Reason.FEE_TOTAL_MISMATCH,
                value=written_total,
                expected=fee_total,
            )
    net = cod - fee_total
    written_net = row.amount("net")
    if written_net is not None and written_net != net and not row.problems:
        row.problem(layout.columns["net"], Reason.NET_MISMATCH, value=written_net, expected=net)
    settled_at = None
    if row.get("settled").strip():
        try:
            settled_at = parse_local_date(row.get("settled"))
        except CellError as exc:
            row.problem(layout.columns["settled"], exc.code, value=exc.value[:40])
    if row.problems:
        return None
    return CodLine(
        line_no=row.line,
        tracking_code=tidy(row.get("tracking")).replace(" ", ""),
        reference=tidy(row.get("reference")),
        cod_amount=cod,
        fees=types.MappingProxyType(fees),
        fee_total=fee_total,
        net=net,
        settled_at=settled_at,
    )


def read_statement(carrier: str, filename: str, data: bytes) -> Statement:
    """Read a carrier's COD payout statement (see the module note); ``StatementRejected``
    lists every problem of the file."""
    if carrier not in CARRIERS:
        raise _reject(Reason.UNKNOWN_CARRIER, carrier=carrier[:40])
    aliases = _aliases(carrier)
    table = read_rows(filename, data)
    position, layout = _find_header(table, carrier, aliases)
    label_rows: list[Sequence[str]] = [cells for _line, cells in table[:position]]
    lines: list[CodLine] = []
    problems: list[StatementProblem] = []
    first_seen: dict[str, int] = {}
    tracking_index = layout.columns["tracking"]
    for line, cells in table[position + 1 :]:
        row = _Row(line, cells, layout)
        if _labels([cells]):
            label_rows.append(cells)
            continue
        tracking = tidy(row.get("tracking")).replace(" ", "")
        tracking_key = header_key(row.get("tracking"))
        if tracking_key in aliases["tracking"] or _is_summary_word(tracking_key):
            continue  # a repeated header, or the totals written in the code's column
        if not tracking:
            if not row.is_summary() and row.has_money():
                row.problem(tracking_index, Reason.NO_TRACKING_CODE)
                problems.extend(row.problems)
            continue
        read = _read_line(row)
        problems.extend(row.problems)
        if read is None:
            continue
        folded = tracking.casefold()
        if folded in first_seen:
            row.problem(
                tracking_index,
                Reason.DUPLICATE_TRACKING_CODE,
                value=tracking[:40],
                first_line=first_seen[folded],
            )
            problems.extend(row.problems)
            continue
        first_seen[folded] = line
        lines.append(read)
    payout_date, transfer_fee = _statement_fields(_labels(label_rows), carrier, problems)
    if not problems and not lines:
        problems.append(StatementProblem(Reason.NO_LINES))
    if problems:
        raise StatementRejected(problems)
    return Statement(carrier, tuple(lines), payout_date, transfer_fee)


# ---------------------------------------------------------------------------- reconcile


@dataclasses.dataclass(frozen=True)
class ExpectedParcel:
    """One of our parcels, as the app knows it."""

    tracking_code: str
    reference: str
    cod_amount: int  # the COD we asked the carrier to collect
    delivered: bool
    returned: bool
    producer_id: int


class FindingKind(enum.StrEnum):
    OK = "ok"
    SHORT_PAYMENT = "short_payment"
    OVER_PAYMENT = "over_payment"
    FEES = "fees"
    RETURNED_WITH_FEES = "returned_with_fees"
    DELIVERED_NOT_PAID = "delivered_not_paid"
    UNKNOWN_LINE = "unknown_line"


PAYMENT_KINDS = frozenset({FindingKind.OK, FindingKind.SHORT_PAYMENT, FindingKind.OVER_PAYMENT})
FEE_FINDING_KINDS = frozenset({FindingKind.FEES, FindingKind.RETURNED_WITH_FEES})


@dataclasses.dataclass(frozen=True)
class Finding:
    kind: FindingKind
    parcel: ExpectedParcel | None  # None: an unknown line
    lines: tuple[CodLine, ...]  # payment: every line of the parcel; fees/unknown: the line
    expected: int = 0  # COD expected (payment findings, delivered-not-paid)
    paid: int = 0  # COD paid (payment findings, unknown lines)
    fee_total: int = 0  # fees (fee findings, unknown lines)

    @property
    def difference(self) -> int:
        """Paid − expected: negative when short."""
        return self.paid - self.expected


def _code(value: str) -> str:
    return "".join(value.split()).casefold()


def reconcile(lines: Iterable[CodLine], expected: Iterable[ExpectedParcel]) -> list[Finding]:
    """Match lines to parcels and list the findings (see the module note): payment findings
    in our parcels' order, then fee findings, delivered-but-not-paid parcels and unknown lines
    in the lines' order."""
    parcels = list(expected)
    by_tracking: dict[str, int] = {}
    by_reference: dict[str, int] = {}
    for index, parcel in enumerate(parcels):
        if parcel.tracking_code.strip():
            by_tracking.setdefault(_code(parcel.tracking_code), index)
        if parcel.reference.strip():
            by_reference.setdefault(_code(parcel.reference), index)
    matched: dict[int, list[CodLine]] = {}
    fee_findings: list[Finding] = []
    unknown: list[Finding] = []
    for line in lines:
        found = by_tracking.get(_code(line.tracking_code))
        if found is None and line.reference.strip():
            found = by_reference.get(_code(line.reference))
        if found is None:
            unknown.append(
                Finding(
                    FindingKind.UNKNOWN_LINE,
                    None,
                    (line,),
                    paid=line.cod_amount,
                    fee_total=line.fee_total,
                )
            )
            continue
        parcel = parcels[found]
        matched.setdefault(found, []).append(line)
        if line.fee_total:
            kind = FindingKind.RETURNED_WITH_FEES if parcel.returned else FindingKind.FEES
            fee_findings.append(Finding(kind, parcel, (line,), fee_total=line.fee_total))
    payments: list[Finding] = []
    not_paid: list[Finding] = []
    for index, parcel in enumerate(parcels):
        expected_cod = 0 if parcel.returned else parcel.cod_amount
        if index not in matched:
            if parcel.delivered and not parcel.returned:
                not_paid.append(
                    Finding(FindingKind.DELIVERED_NOT_PAID, parcel, (), expected=expected_cod)
                )
            continue
        paid_lines = tuple(matched[index])
        paid = sum(line.cod_amount for line in paid_lines)
        if paid < expected_cod:
            kind = FindingKind.SHORT_PAYMENT
        elif paid > expected_cod:
            kind = FindingKind.OVER_PAYMENT
        else:
            kind = FindingKind.OK
        payments.append(
            Finding(
                kind,
                parcel,
                paid_lines,
                expected=expected_cod,
                paid=paid,
                fee_total=sum(line.fee_total for line in paid_lines),
            )
        )
    return [*payments, *fee_findings, *not_paid, *unknown]


@dataclasses.dataclass(frozen=True)
class Payable:
    """What the club owes one producer (``producer_id`` None: lines matching no parcel)."""

    producer_id: int | None
    parcels: int
    lines: int
    collected: int  # COD paid on their parcels
    fees: int  # every fee on those lines
    transfer_fee: int  # their share of the statements' transfer fees

    @property
    def owed(self) -> int:
        return self.collected - self.fees - self.transfer_fee


def split_transfer_fee(fee: int, count: int) -> list[int]:
    """A statement's transfer fee over its lines: ``fee // count`` each, the remainder on
    the first line; [] when there are no lines."""
    if count <= 0:
        return []
    base, remainder = divmod(fee, count)
    return [base + remainder, *([base] * (count - 1))]


def producer_payables(
    findings: Iterable[Finding], statements: Iterable[Statement]
) -> list[Payable]:
    """Per producer, what the club owes them (see the module note), from ``reconcile``'s
    findings over the lines of ``statements``; ordered by producer id, unmatched lines last."""
    owner: dict[int, ExpectedParcel] = {}  # id(line) → its parcel
    for finding in findings:
        if finding.kind in PAYMENT_KINDS and finding.parcel is not None:
            for line in finding.lines:
                owner[id(line)] = finding.parcel
    totals: dict[int | None, dict[str, Any]] = {}

    def bucket(producer: int | None) -> dict[str, Any]:
        return totals.setdefault(
            producer, {"parcels": set(), "lines": 0, "collected": 0, "fees": 0, "transfer": 0}
        )

    for statement in statements:
        shares = split_transfer_fee(statement.transfer_fee, len(statement.lines))
        for line, share in zip(statement.lines, shares, strict=True):
            parcel = owner.get(id(line))
            producer = parcel.producer_id if parcel is not None else None
            into = bucket(producer)
            into["lines"] += 1
            into["collected"] += line.cod_amount
            into["fees"] += line.fee_total
            into["transfer"] += share
            if parcel is not None:
                into["parcels"].add(parcel)
    ordered = sorted(totals, key=lambda p: (p is None, p or 0))
    return [
        Payable(
            producer_id=producer,
            parcels=len(totals[producer]["parcels"]),
            lines=totals[producer]["lines"],
            collected=totals[producer]["collected"],
            fees=totals[producer]["fees"],
            transfer_fee=totals[producer]["transfer"],
        )
        for producer in ordered
    ]
