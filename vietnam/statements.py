"""Bank statements as the Vietnamese banks' internet banking exports them (CSV or XLSX, read
into rows of text cells by the caller): the transactions in them, each with an id that stays
the same when the same statement is read again.

The banks do not agree on a layout, so nothing here depends on a column's position or on one
bank's exact wording:

- **The table is found, not assumed.** Banks put the account holder, the account number and
  the period above the table; the header row is the first of the first
  :data:`HEADER_SCAN_ROWS` rows whose cells name a date column and a money-in column
  (``Số tiền ghi có``/``Ghi có``/``Credit``, or one signed ``Số tiền``/``Amount``).
- **Headers are read loosely.** Case, diacritics, spaces, a unit in brackets (``(VND)``) and
  the bilingual forms banks use (``Ngày giao dịch/Transaction date``, ``Nợ/Debit``, two lines
  in one cell) are ignored; each header part is compared with the aliases of
  :data:`COLUMNS`, and where several columns fit (Techcombank's *requesting date* and
  *transaction date*) the alias listed first wins.
- **Cells as the banks write them.** Dates ``dd/mm/yyyy`` (``-`` or ``.`` too) with an
  optional ``HH:MM[:SS]``, ISO dates (a spreadsheet's date cell), text after the date on the
  same cell ignored (Vietcombank puts its reference under the date). Amounts ``1.250.000``,
  ``1,250,000``, ``1250000.00``, ``1.250.000,00``, ``+500.000``, ``(20.000)``, with ``VND``
  or ``đ`` around them; đồng have no minor unit, so a non-zero fraction is a problem.
- **Rows.** A row whose date cell reads as a date is a transaction; its problems are reported
  with the row's line number. Rows without a date — totals (``Tổng cộng``), opening and
  closing balances, a repeated or English header line, signatures — are skipped, unless they
  carry an amount (a transaction whose date is missing or unreadable is a problem, never
  dropped silently). Every problem of the file is collected, then :class:`StatementRejected`
  lists them all.

Transaction ids (:attr:`StatementRow.transaction_id`): the bank's reference (``Số tham
chiếu``, ``Số bút toán``…) when the row has one, with the day and amount beside it (a few
banks number references per day or reuse one for a transfer and its fee); otherwise a hash of
the time, the amounts, the content and the running balance. Either way an ordinal is added
when identical rows repeat in the file, so two real transactions that look alike stay two,
and the same file read twice gives the same ids. Reading another export of an overlapping
period gives the same ids for the same transactions as long as the bank writes them the same.

The bank is recognised from the lines above the table (its name, as the banks print it):
:func:`detect_bank`. Times in statements are Vietnam time and are returned in UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from vietnam import cells as cellkit
from vietnam import text
from vietnam.cells import (
    MAX_AMOUNT,
    CellError,
    header_key,
    header_parts,
    looks_like_date,
    parse_amount,
    parse_local_time,
    tidy,
)
from vietnam.zone import VIETNAM

__all__ = ["MAX_AMOUNT", "looks_like_date", "parse_amount", "parse_local_time", "tidy"]

HEADER_SCAN_ROWS = 40
OTHER = "other"

# Bank code → name, and the words that name it in a statement's heading (folded: no
# diacritics, lower case; matched as whole words).
BANKS: dict[str, str] = {
    "vietcombank": "Vietcombank",
    "vietinbank": "VietinBank",
    "bidv": "BIDV",
    "techcombank": "Techcombank",
    "mbbank": "MB Bank",
    "acb": "ACB",
    "agribank": "Agribank",
    "tpbank": "TPBank",
    "vpbank": "VPBank",
    "sacombank": "Sacombank",
}
_BANK_MARKERS: dict[str, tuple[str, ...]] = {
    "vietcombank": ("vietcombank", "ngoai thuong viet nam", "vcb"),
    "vietinbank": ("vietinbank", "cong thuong viet nam"),
    "bidv": ("bidv", "dau tu va phat trien viet nam"),
    "techcombank": ("techcombank", "ky thuong viet nam"),
    "mbbank": ("mbbank", "mb bank", "tmcp quan doi", "military commercial"),
    "acb": ("acb", "a chau", "asia commercial"),
    "agribank": ("agribank", "nong nghiep va phat trien nong thon"),
    "tpbank": ("tpbank", "tien phong"),
    "vpbank": ("vpbank", "viet nam thinh vuong"),
    "sacombank": ("sacombank", "sai gon thuong tin"),
}

# Column key → header aliases (folded), the most specific first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": (
        "ngay giao dich",
        "transaction date",
        "ngay gd",
        "thoi gian giao dich",
        "ngay gio giao dich",
        "ngay hach toan",
        "posting date",
        "ngay hieu luc",
        "effective date",
        "value date",
        "ngay thuc hien",
        "thoi gian",
        "ngay",
        "date",
        "txn date",
        "ngay kh thuc hien",
        "requesting date",
    ),
    "time": ("gio giao dich", "gio", "time"),
    "credit": (
        "so tien ghi co",
        "ghi co",
        "so tien co",
        "phat sinh co",
        "tien vao",
        "credit amount",
        "credit",
        "co",
        "so tien vao",
    ),
    "debit": (
        "so tien ghi no",
        "ghi no",
        "so tien no",
        "phat sinh no",
        "tien ra",
        "debit amount",
        "debit",
        "no",
        "so tien ra",
    ),
    "amount": ("so tien giao dich", "so tien", "amount", "transaction amount"),
    "content": (
        "noi dung",
        "noi dung giao dich",
        "noi dung chi tiet",
        "dien giai",
        "mo ta",
        "description",
        "transaction description",
        "chi tiet giao dich",
        "transaction details",
        "transactions in detail",
        "details",
        "narrative",
        "remark",
        "remarks",
    ),
    "reference": (
        "so tham chieu",
        "so but toan",
        "ma giao dich",
        "ma gd",
        "so giao dich",
        "so gd",
        "so chung tu",
        "so ct",
        "reference number",
        "reference no",
        "reference",
        "ref no",
        "transaction no",
        "transaction number",
        "transaction id",
        "trace number",
    ),
    "balance": ("so du", "so du cuoi", "so du sau giao dich", "balance", "running balance"),
    "counter_name": (
        "ten tai khoan doi ung",
        "ten tai khoan doi tac",
        "ten doi ung",
        "ten nguoi chuyen",
        "nguoi chuyen",
        "ten nguoi gui",
        "remitter's account name",
        "remitter name",
        "remitter",
        "counterparty name",
    ),
    "counter_account": (
        "so tai khoan doi ung",
        "tai khoan doi ung",
        "tk doi ung",
        "tai khoan doi tac",
        "so tai khoan nguoi chuyen",
        "remitter's account number",
        "counterparty account",
    ),
}
# Words that start a row that is not a transaction (folded).
_SUMMARY_WORDS = (
    "tong",
    "total",
    "cong phat sinh",
    "so du dau",
    "so du cuoi",
    "opening balance",
    "closing balance",
    "ending balance",
    "beginning balance",
)


class Problem:
    """Why a statement (or one of its rows) cannot be read: ``StatementProblem.code``."""

    NOT_A_STATEMENT = "not_a_statement"  # no header row with a date and a money-in column
    NO_TRANSACTIONS = "no_transactions"  # a header, then no transaction row
    BAD_DATE = cellkit.BAD_DATE  # a date that does not read (params: value)
    DATE_OUT_OF_RANGE = cellkit.DATE_OUT_OF_RANGE  # a date outside 2000–2100 (params: value)
    NO_DATE = "no_date"  # an amount without a date
    BAD_AMOUNT = cellkit.BAD_AMOUNT  # an amount that does not read (params: value)
    FRACTION = cellkit.FRACTION  # an amount with a fraction of a đồng (params: value)
    TOO_LARGE = cellkit.TOO_LARGE  # an amount above MAX_AMOUNT (params: value)
    NO_AMOUNT = "no_amount"  # a dated row with nothing in or out
    BOTH_SIDES = "both_sides"  # money in and out on one row


@dataclasses.dataclass(frozen=True)
class StatementProblem:
    line: int | None  # the row's line number in the file; None: the whole file
    column: str | None  # the header as written in the file, when one cell is at fault
    code: str  # a ``Problem`` value
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class StatementRejected(ValueError):
    """The statement cannot be read; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[StatementProblem]) -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else None
        super().__init__(f"{len(self.problems)} problem(s), first: {first}")


@dataclasses.dataclass(frozen=True)
class StatementRow:
    """One transaction of the statement."""

    line: int  # line number in the file (1 = the first line)
    transaction_id: str  # stable: see the module note
    occurred_at: dt.datetime  # UTC (aware); a date without a time is Vietnam midnight
    credit: int  # đồng in (0 for money out)
    debit: int  # đồng out (0 for money in)
    content: str  # the transfer content as written (NFC, whitespace runs collapsed)
    reference: str = ""
    balance: int | None = None
    counter_name: str = ""
    counter_account: str = ""

    @property
    def money_in(self) -> bool:
        return self.credit > 0


@dataclasses.dataclass(frozen=True)
class Statement:
    bank: str | None  # a ``BANKS`` code recognised in the heading, None when none or several
    account_number: str  # the account named above the table ('' when none is)
    header_line: int
    columns: dict[str, str]  # column key → the header as written
    rows: list[StatementRow]
    skipped_lines: list[int]  # lines below the header that are not transactions


# ---------------------------------------------------------------------------- layout


# The order columns are given cells in: a cell naming two columns goes to the first.
_PRIORITY = (
    "date",
    "credit",
    "debit",
    "amount",
    "content",
    "reference",
    "balance",
    "counter_name",
    "counter_account",
    "time",
)


def _columns_of(cells: Sequence[str]) -> dict[str, int]:
    """Column key → index for a candidate header row: for each key (in ``_PRIORITY`` order)
    the cell naming it with its most specific alias, among the cells not taken yet."""
    parts = [header_parts(cell) for cell in cells]
    columns: dict[str, int] = {}
    taken: set[int] = set()
    for key in _PRIORITY:
        aliases = COLUMNS[key]
        best: tuple[int, int] | None = None  # (alias rank, index)
        for index, names in enumerate(parts):
            if index in taken:
                continue
            ranks = [aliases.index(name) for name in names if name in aliases]
            if ranks and (best is None or min(ranks) < best[0]):
                best = (min(ranks), index)
        if best is not None:
            columns[key] = best[1]
            taken.add(best[1])
    return columns


def _is_header(columns: dict[str, int]) -> bool:
    return "date" in columns and ("credit" in columns or "amount" in columns)


def detect_bank(lines: Iterable[Sequence[str]]) -> str | None:
    """The bank whose name appears in these lines (a statement's heading), as a ``BANKS``
    code; None when none does or several do."""
    heading = " ".join(header_key(cell) for cells in lines for cell in cells if cell)
    found = {
        code
        for code, markers in _BANK_MARKERS.items()
        if any(re.search(rf"(?<![a-z0-9]){re.escape(m)}(?![a-z0-9])", heading) for m in markers)
    }
    return found.pop() if len(found) == 1 else None


_ACCOUNT_LABEL = re.compile(r"(so tai khoan|tai khoan|account number|account no|so tk)")


def _account_number(lines: Iterable[Sequence[str]]) -> str:
    """The first 6–19 digit number on a line that names the account (above the table)."""
    for cells in lines:
        joined = " ".join(cell for cell in cells if cell)
        if not _ACCOUNT_LABEL.search(header_key(joined)):
            continue
        for number in re.findall(r"(?<![\d.,])\d[\d ]{4,22}\d(?![\d.,])", joined):
            digits = str(number).replace(" ", "")
            if 6 <= len(digits) <= 19:
                return digits
    return ""


def _find_header(rows: Sequence[tuple[int, Sequence[str]]]) -> tuple[int, dict[str, int]]:
    for position, (_line, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns = _columns_of(cells)
        if _is_header(columns):
            return position, columns
    raise StatementRejected(
        [StatementProblem(None, None, Problem.NOT_A_STATEMENT, {"rows": HEADER_SCAN_ROWS})]
    )


# ---------------------------------------------------------------------------- rows


class _Row:
    def __init__(
        self, line: int, cells: Sequence[str], columns: dict[str, int], headers: Sequence[str]
    ) -> None:
        self.line = line
        self.cells = cells
        self.columns = columns
        self.headers = headers
        self.problems: list[StatementProblem] = []

    def get(self, key: str) -> str:
        index = self.columns.get(key)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def header(self, key: str) -> str:
        index = self.columns[key]
        return tidy(self.headers[index]) if index < len(self.headers) else key

    def problem(self, key: str | None, code: str, **params: Any) -> None:
        column = self.header(key) if key is not None else None
        self.problems.append(StatementProblem(self.line, column, code, params))

    def amount(self, key: str) -> int | None:
        if key not in self.columns:
            return None
        try:
            return parse_amount(self.get(key))
        except CellError as exc:
            self.problem(key, exc.code, value=exc.value[:40])
            return None

    def has_money(self) -> bool:
        """Whether some amount cell holds a non-zero number (or something unreadable)."""
        for key in ("credit", "debit", "amount"):
            if key in self.columns and self.get(key).strip():
                try:
                    if parse_amount(self.get(key)):
                        return True
                except CellError:
                    return True
        return False

    def is_summary(self) -> bool:
        keys = [header_key(cell) for cell in self.cells if cell.strip()]
        if any(key.startswith(_SUMMARY_WORDS) for key in keys):
            return True
        return len(_columns_of(self.cells)) >= 2  # a header repeated, or its English line


def _read_row(row: _Row) -> tuple[dt.datetime, int, int] | None:
    """(when, in, out) of a transaction row; None with the row's problems recorded."""
    try:
        when = parse_local_time(row.get("date"), row.get("time"))
    except CellError as exc:
        row.problem("date", exc.code, value=exc.value[:40])
        when = None
    credit = debit = 0
    if "credit" in row.columns:
        credit_cell, debit_cell = row.amount("credit"), row.amount("debit")
        credit, debit = abs(credit_cell or 0), abs(debit_cell or 0)
    else:
        signed = row.amount("amount") or 0
        credit, debit = (signed, 0) if signed > 0 else (0, -signed)
        if "debit" in row.columns:
            debit = debit or abs(row.amount("debit") or 0)
    if row.problems or when is None:
        return None
    if credit and debit:
        row.problem(None, Problem.BOTH_SIDES)
        return None
    if not credit and not debit:
        row.problem(None, Problem.NO_AMOUNT)
        return None
    return when, credit, debit


def _transaction_ids(rows: list[dict[str, Any]]) -> list[str]:
    """Stable ids (see the module note), an ordinal added to repeats."""
    seen: dict[str, int] = {}
    ids = []
    for row in rows:
        local_day = row["occurred_at"].astimezone(VIETNAM)
        if row["reference"]:
            base = f"{row['reference'][:60]}|{local_day:%Y%m%d}|{row['credit']}|{row['debit']}"
        else:
            raw = "|".join(
                [
                    local_day.isoformat(),
                    str(row["credit"]),
                    str(row["debit"]),
                    text.fold(row["content"]),
                    "" if row["balance"] is None else str(row["balance"]),
                ]
            )
            base = "h:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]
        count = seen.get(base, 0) + 1
        seen[base] = count
        ids.append(base if count == 1 else f"{base}#{count}")
    return ids


def parse(rows: Iterable[tuple[int, Sequence[str]]]) -> Statement:
    """The transactions of a statement given as ``(line number, cells)`` rows (blank rows may
    be left out); ``StatementRejected`` lists every problem (see the module note)."""
    table = [
        (line, [str(cell) if cell is not None else "" for cell in cells]) for line, cells in rows
    ]
    position, columns = _find_header(table)
    header_line, headers = table[position]
    above = [cells for _line, cells in table[:position]]
    found: list[dict[str, Any]] = []
    problems: list[StatementProblem] = []
    skipped: list[int] = []
    for line, cells in table[position + 1 :]:
        row = _Row(line, cells, columns, headers)
        if not looks_like_date(row.get("date")):
            if row.is_summary() or not row.has_money():
                skipped.append(line)
                continue
            if row.get("date").strip():
                row.problem("date", Problem.BAD_DATE, value=row.get("date")[:40])
            else:
                row.problem("date", Problem.NO_DATE)
            problems.extend(row.problems)
            continue
        read = _read_row(row)
        if read is None:
            problems.extend(row.problems)
            continue
        when, credit, debit = read
        balance_cell = row.amount("balance")
        problems.extend(row.problems)
        found.append(
            {
                "line": line,
                "occurred_at": when,
                "credit": credit,
                "debit": debit,
                "content": tidy(row.get("content")),
                "reference": tidy(row.get("reference")).replace(" ", ""),
                "balance": balance_cell,
                "counter_name": tidy(row.get("counter_name")),
                "counter_account": tidy(row.get("counter_account")).replace(" ", ""),
            }
        )
    if not problems and not found:
        problems.append(StatementProblem(None, None, Problem.NO_TRANSACTIONS))
    if problems:
        raise StatementRejected(problems)
    ids = _transaction_ids(found)
    return Statement(
        bank=detect_bank([*above, headers]),
        account_number=_account_number(above),
        header_line=header_line,
        columns={key: tidy(headers[index]) for key, index in columns.items()},
        rows=[StatementRow(transaction_id=tid, **row) for tid, row in zip(ids, found, strict=True)],
        skipped_lines=skipped,
    )
