"""Importing a bank statement (CSV/XLSX from a bank's internet banking) for clubs without a
webhook service: every money-in row is recorded and matched like a webhook's transfer.

All or nothing: the file is read (``app.catalog_io.readers``) and parsed
(``vietnam.statements``) first, every problem reported with its line; then every row is
recorded through ``matching.record`` (provider ``statement:<bank>``, source *statement*) in
ONE unit of work, so a failure anywhere writes nothing.

Once: a row's id is stable (``vietnam.statements``), so the same file uploaded again records
nothing new. A row is also "already there" when another statement (read as another bank) holds
its id, or when a webhook service already reported the same bank reference and amount for the
club (a club that connected a service after importing statements, or the other way round).

Money-out rows are read (a bad one refuses the file) but not recorded: reconciliation is
about money in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.catalog_io import readers, results
from app.core import clock, errors, files, tenancy, uow
from app.models import accounts
from app.models import payments as models
from app.orders import imports as order_imports
from app.payments import matching
from integrations.payments.base import Direction, Transfer
from vietnam import statements, transfers

PROVIDER_PREFIX = "statement:"
BATCH = 500


def bank_choices() -> list[tuple[str, str]]:
    """('', 'Tự nhận diện'), then the banks recognised, then 'other'."""
    return [
        ("", _("Tự nhận diện từ tệp")),
        *statements.BANKS.items(),
        (statements.OTHER, _("Ngân hàng khác")),
    ]


def bank_name(code: str) -> str:
    return statements.BANKS.get(code) or _("Ngân hàng khác")


def provider_bank(provider: str) -> str:
    """'statement:vietcombank' → 'Vietcombank'."""
    return bank_name(provider.removeprefix(PROVIDER_PREFIX))


def problem_message(problem: statements.StatementProblem) -> Any:
    """A statement problem in words (lazy: worded again for each reader)."""
    params = problem.params
    code = problem.code
    Problem = statements.Problem
    if code == Problem.NOT_A_STATEMENT:
        return _l(
            "Không nhận ra sao kê: trong %(n)d dòng đầu không có dòng tiêu đề với cột ngày giao "
            "dịch và cột số tiền ghi có (hoặc số tiền).",
            n=params.get("rows", statements.HEADER_SCAN_ROWS),
        )
    if code == Problem.NO_TRANSACTIONS:
        return _l("Sao kê không có giao dịch nào dưới dòng tiêu đề.")
    if code == Problem.BAD_DATE:
        return _l(
            "Ngày “%(value)s” không đọc được (dạng ngày/tháng/năm [giờ:phút[:giây]]).",
            value=params.get("value", ""),
        )
    if code == Problem.DATE_OUT_OF_RANGE:
        return _l("Ngày “%(value)s” nằm ngoài 2000–2100.", value=params.get("value", ""))
    if code == Problem.NO_DATE:
        return _l("Dòng có số tiền nhưng thiếu ngày giao dịch.")
    if code == Problem.BAD_AMOUNT:
        return _l("Số tiền “%(value)s” không đọc được.", value=params.get("value", ""))
    if code == Problem.FRACTION:
        return _l("Số tiền “%(value)s” có phần lẻ đồng.", value=params.get("value", ""))
    if code == Problem.TOO_LARGE:
        return _l("Số tiền “%(value)s” quá lớn.", value=params.get("value", ""))
    if code == Problem.NO_AMOUNT:
        return _l("Dòng có ngày nhưng không có số tiền ghi có hay ghi nợ.")
    if code == Problem.BOTH_SIDES:
        return _l("Dòng có cả số tiền ghi có và ghi nợ.")
    return _l("Dòng không đọc được (%(code)s).", code=code)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one money-in row of the statement came to: the row, the stored transaction, and
    whether this import recorded it (False: it was already there)."""

    row: statements.StatementRow
    transaction: models.BankTransaction
    new: bool

    @property
    def line(self) -> int:
        return self.row.line

    @property
    def transaction_id(self) -> int:
        return self.transaction.id

    @property
    def occurred_at(self) -> dt.datetime:
        return self.row.occurred_at

    @property
    def amount(self) -> int:
        return self.row.credit

    @property
    def content(self) -> str:
        return self.row.content

    @property
    def state(self) -> models.MatchState:
        return self.transaction.state

    @property
    def order_id(self) -> int | None:
        return self.transaction.order_id

    @property
    def order_code(self) -> str:
        order_id = self.transaction.order_id
        return transfers.make_code(order_id) if order_id is not None else ""


@dataclasses.dataclass
class ImportReport:
    bank: str  # a ``vietnam.statements.BANKS`` code or 'other'
    account_number: str
    rows: int = 0  # money-in rows
    new: int = 0
    already: int = 0
    matched: int = 0  # new rows applied to an order (exact, partial, over)
    review: int = 0  # new rows left for review (unmatched, ambiguous)
    money_out: int = 0  # rows of money out: read, not recorded
    skipped_lines: list[int] = dataclasses.field(default_factory=list)
    outcomes: list[Outcome] = dataclasses.field(default_factory=list)

    @property
    def bank_name(self) -> str:
        return bank_name(self.bank)

    @property
    def provider(self) -> str:
        return PROVIDER_PREFIX + self.bank


def read_statement(path: Path, filename: str | None = None) -> statements.Statement:
    """Read and parse a statement file; ``results.ImportFailed`` lists its problems by line."""
    table = readers.read_table(path, filename)
    try:
        return statements.parse([(1, table.headers), *table.rows])
    except statements.StatementRejected as exc:
        raise results.ImportFailed(
            [results.Issue(p.line, p.column, problem_message(p)) for p in exc.problems]
        ) from None


def _bank(statement: statements.Statement, chosen: str | None) -> str:
    chosen = (chosen or "").strip() or None
    if chosen is not None and chosen != statements.OTHER and chosen not in statements.BANKS:
        raise errors.ValidationError(fields={"bank": [_("Hãy chọn ngân hàng trong danh sách.")]})
    if chosen is not None and statement.bank is not None and chosen != statement.bank:
        message = _(
            "Tệp này là sao kê của %(found)s, không phải %(chosen)s.",
            found=bank_name(statement.bank),
            chosen=bank_name(chosen),
        )
        raise errors.ValidationError(message, fields={"bank": [message]})
    return statement.bank or chosen or statements.OTHER


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), BATCH):
        yield list(values[start : start + BATCH])


def _known(
    session: so.Session, club_id: int, rows: Sequence[statements.StatementRow]
) -> tuple[dict[str, models.BankTransaction], dict[tuple[str, int], models.BankTransaction]]:
    """The club's transactions these rows may already be: statement rows by id (whichever bank
    they were read as), webhook transactions by (bank reference, amount)."""
    Tx = models.BankTransaction
    by_id: dict[str, models.BankTransaction] = {}
    for ids in _chunks([row.transaction_id for row in rows]):
        for tx in session.scalars(
            sa.select(Tx).where(
                Tx.club_id == club_id,
                Tx.source == models.TransactionSource.STATEMENT,
                Tx.transaction_id.in_(ids),
            )
        ):
            by_id.setdefault(tx.transaction_id, tx)
    by_reference: dict[tuple[str, int], models.BankTransaction] = {}
    references = sorted({row.reference for row in rows if row.reference})
    for refs in _chunks(references):
        for tx in session.scalars(
            sa.select(Tx).where(
                Tx.club_id == club_id,
                Tx.source == models.TransactionSource.WEBHOOK,
                Tx.direction == str(Direction.IN),
                Tx.reference.in_(refs),
            )
        ):
            by_reference.setdefault((tx.reference, tx.amount), tx)
    return by_id, by_reference


def _transfer(row: statements.StatementRow, provider: str, account_number: str) -> Transfer:
    return Transfer(
        provider=provider,
        transaction_id=row.transaction_id,
        account_number=account_number,
        amount=row.credit,
        direction=Direction.IN,
        content=row.content,
        occurred_at=row.occurred_at,
        reference=row.reference,
        counter_account_name=row.counter_name,
        counter_account_number=row.counter_account,
    )


def import_statement(
    session: so.Session,
    user: accounts.User | None,
    upload: files.Upload,
    *,
    bank: str | None = None,
    now: clock.Clock = clock.utcnow,
) -> ImportReport:
    """Read an uploaded statement (web form, API) and record its money-in rows for the user's
    club, all or nothing; commit once (see the module note)."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    if scope.producer_id is not None:
        raise errors.Forbidden()
    club_id = scope.home_club()
    filename = upload.filename or ""
    with order_imports.stored_upload(upload.stream, filename) as path:
        statement = read_statement(path, filename)
    code = _bank(statement, bank)
    report = ImportReport(
        bank=code,
        account_number=statement.account_number,
        skipped_lines=statement.skipped_lines,
    )
    credits = [row for row in statement.rows if row.money_in]
    report.money_out = len(statement.rows) - len(credits)
    report.rows = len(credits)
    with uow.unit_of_work(session):
        by_id, by_reference = _known(session, club_id, credits)
        for row in credits:
            known = by_id.get(row.transaction_id) or (
                by_reference.get((row.reference, row.credit)) if row.reference else None
            )
            if known is not None:
                report.outcomes.append(Outcome(row, known, new=False))
                continue
            recorded = matching.record(
                session,
                club_id,
                _transfer(row, report.provider, statement.account_number),
                source=models.TransactionSource.STATEMENT,
                now=now,
            )
            by_id[row.transaction_id] = recorded.transaction
            report.outcomes.append(Outcome(row, recorded.transaction, recorded.new))
    for outcome in report.outcomes:
        if not outcome.new:
            report.already += 1
            continue
        report.new += 1
        if outcome.state in models.APPLIED_STATES:
            report.matched += 1
        elif outcome.state in models.REVIEW_STATES:
            report.review += 1
    return report
