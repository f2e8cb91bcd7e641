"""Carriers' COD payout statements, app side: importing one (all or nothing, never the same
file twice), its lines matched to the club's parcels, and the reconciliation of every
statement against the parcels delivered, with what the club owes each producer.

Reading is ``integrations.carriers.cod.read_statement`` (each carrier's layout); its problems
(reason codes, line numbers) are worded here. A line is matched to a parcel of the same club
and carrier by tracking code, else by our reference. Its state:

- ``ok`` / ``short`` / ``over``: the COD paid against the parcel's (0 for a returned parcel);
- ``unknown``: no parcel of ours by that code;
- ``repeated``: the parcel was already paid in an earlier statement.

The file's SHA-256 is kept per club: the same file again is refused and writes nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import errors, tenancy, uow
from app.models import accounts, orgs
from app.models import shipping as models
from app.orders import limits
from app.shipping import labels
from integrations.carriers import cod

MAX_BYTES = 10 * 1024 * 1024
CHUNK = 500
FILENAME_MAX = 255
State = models.CodLineState

STATE_LABELS = {
    State.OK: _l("Đủ"),
    State.SHORT: _l("Trả thiếu"),
    State.OVER: _l("Trả thừa"),
    State.UNKNOWN: _l("Không rõ kiện"),
    State.REPEATED: _l("Đã trả ở bảng kê trước"),
}
FEE_LABELS = {
    "shipping": _l("Cước"),
    "cod": _l("Phí thu hộ"),
    "return": _l("Phí hoàn"),
    "insurance": _l("Phí bảo hiểm"),
    "other": _l("Phí khác"),
}


def state_label(state: models.CodLineState | str) -> str:
    try:
        return str(STATE_LABELS[State(state)])
    except ValueError:
        return str(state)


def carrier_choices() -> list[tuple[str, str]]:
    return [(code, labels.carrier_name(code)) for code in cod.CARRIERS]


def _reason(problem: cod.StatementProblem) -> str:
    code, params = problem.code, problem.params
    R = cod.Reason
    value = str(params.get("value", ""))
    words: dict[str, str] = {
        R.UNKNOWN_CARRIER: _("Hãy chọn hãng vận chuyển."),
        R.UNSUPPORTED_FORMAT: _("Chỉ nhận tệp CSV hoặc XLSX (không nhận .xls)."),
        R.EXCEL_AS_CSV: _("Tệp là XLSX nhưng mang đuôi .csv: hãy đổi tên thành .xlsx."),
        R.NOT_UTF8: _("Tệp CSV phải mã hoá UTF-8."),
        R.UNREADABLE: _("Không đọc được tệp."),
        R.EMPTY_FILE: _("Tệp trống."),
        R.UNKNOWN_LAYOUT: _(
            "Không nhận ra bảng kê của %(carrier)s: không thấy dòng tiêu đề có mã vận đơn, "
            "tiền thu hộ và tiền thực nhận hoặc phí.",
            carrier=labels.carrier_name(str(params.get("carrier", ""))),
        ),
        R.NO_LINES: _("Bảng kê không có dòng nào dưới dòng tiêu đề."),
        R.BAD_AMOUNT: _("Số tiền “%(value)s” không đọc được.", value=value),
        R.FRACTION: _("Số tiền “%(value)s” có phần lẻ dưới một đồng.", value=value),
        R.TOO_LARGE: _("Số tiền “%(value)s” quá lớn.", value=value),
        R.BAD_DATE: _("Ngày “%(value)s” không đọc được (dạng ngày/tháng/năm).", value=value),
        R.DATE_OUT_OF_RANGE: _("Ngày “%(value)s” nằm ngoài khoảng cho phép.", value=value),
        R.NO_TRACKING_CODE: _("Dòng có tiền nhưng không có mã vận đơn."),
        R.DUPLICATE_TRACKING_CODE: _(
            "Mã vận đơn %(value)s đã có ở dòng %(first)s.",
            value=value,
            first=params.get("first_line", ""),
        ),
        R.FEE_TOTAL_MISMATCH: _(
            "Tổng phí ghi trong tệp là %(value)s nhưng cộng các phí được %(expected)s.",
            value=params.get("value", ""),
            expected=params.get("expected", ""),
        ),
        R.NET_MISMATCH: _(
            "Thực nhận ghi trong tệp là %(value)s nhưng tiền thu hộ trừ phí là %(expected)s.",
            value=params.get("value", ""),
            expected=params.get("expected", ""),
        ),
    }
    return words.get(code) or _("Lỗi: %(code)s", code=code)


def problem_message(problem: cod.StatementProblem) -> str:
    """A statement problem in words, with its line (and column) when it has one."""
    text = _reason(problem)
    if problem.line is None:
        return text
    if problem.column:
        return _(
            "Dòng %(line)d, cột “%(column)s”: %(text)s",
            line=problem.line,
            column=problem.column,
            text=text,
        )
    return _("Dòng %(line)d: %(text)s", line=problem.line, text=text)


def read(carrier: str, filename: str, data: bytes) -> cod.Statement:
    """The statement, or ValidationError listing every problem (field ``file``)."""
    if carrier not in cod.CARRIERS:
        raise errors.ValidationError(fields={"carrier": [_("Hãy chọn hãng vận chuyển.")]})
    if len(data) > MAX_BYTES:
        raise errors.ValidationError(
            fields={"file": [_("Tệp quá lớn (tối đa %(mb)d MB).", mb=MAX_BYTES >> 20)]}
        )
    try:
        return cod.read_statement(carrier, filename, data)
    except cod.StatementRejected as exc:
        messages = [problem_message(problem) for problem in exc.problems]
        raise errors.ValidationError(messages[0], fields={"file": messages}) from None


def _fold(value: str) -> str:
    return "".join(value.split()).upper()


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def _parcels(
    session: so.Session, club_id: int, carrier: str, lines: Sequence[cod.CodLine]
) -> tuple[dict[str, models.Shipment], dict[str, models.Shipment]]:
    """The club's parcels at the carrier named by the lines: by tracking code, by reference."""
    model = models.Shipment
    codes = sorted({_fold(line.tracking_code) for line in lines if line.tracking_code})
    refs = sorted({_fold(line.reference) for line in lines if line.reference})
    by_tracking: dict[str, models.Shipment] = {}
    by_reference: dict[str, models.Shipment] = {}
    base = sa.select(model).where(model.club_id == club_id, model.carrier == carrier)
    for chunk in _chunks(codes):
        for row in session.scalars(base.where(sa.func.upper(model.tracking_code).in_(chunk))):
            by_tracking.setdefault(_fold(row.tracking_code or ""), row)
    for chunk in _chunks(refs):
        for row in session.scalars(base.where(sa.func.upper(model.reference).in_(chunk))):
            by_reference.setdefault(_fold(row.reference), row)
    return by_tracking, by_reference


def _already_paid(session: so.Session, shipment_ids: Sequence[int]) -> set[int]:
    line = models.CodLine
    paid: set[int] = set()
    for start in range(0, len(shipment_ids), CHUNK):
        chunk = list(shipment_ids[start : start + CHUNK])
        paid.update(
            session.scalars(
                sa.select(line.shipment_id).where(
                    line.shipment_id.in_(chunk), line.state != State.UNKNOWN
                )
            )
        )
    return paid


def expected_cod(shipment: models.Shipment) -> int:
    """What the carrier owes for a parcel: its COD, nothing for a returned one."""
    return 0 if shipment.status == models.ShipStatus.RETURNED else shipment.cod_amount


def import_statement(
    session: so.Session,
    user: accounts.User,
    carrier: str,
    filename: str,
    data: bytes,
) -> models.CodStatement:
    """Import a carrier's COD statement for the user's club, all or nothing. Commits."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    if scope.producer_id is not None:
        raise errors.Forbidden()
    club_id = scope.home_club()
    statement = read(carrier, filename, data)
    digest = hashlib.sha256(data).hexdigest()
    with uow.unit_of_work(session):
        earlier = session.scalars(
            sa.select(models.CodStatement).where(
                models.CodStatement.club_id == club_id, models.CodStatement.sha256 == digest
            )
        ).first()
        if earlier is not None:
            raise errors.Conflict(
                _(
                    "Tệp này đã được nhập (bảng kê #%(id)d, %(name)s).",
                    id=earlier.id,
                    name=earlier.filename,
                ),
                fields={"file": [_("Tệp này đã được nhập.")]},
            )
        by_tracking, by_reference = _parcels(session, club_id, carrier, statement.lines)
        row = models.CodStatement(
            club_id=club_id,
            carrier=carrier,
            filename=(filename or "")[:FILENAME_MAX],
            sha256=digest,
            payout_date=statement.payout_date,
            transfer_fee=statement.transfer_fee,
            cod_total=sum(line.cod_amount for line in statement.lines),
            fee_total=sum(line.fee_total for line in statement.lines),
            net_total=statement.net_total,
            imported_by_id=user.id,
        )
        session.add(row)
        matched: list[models.Shipment | None] = []
        for line in statement.lines:
            parcel = by_tracking.get(_fold(line.tracking_code))
            if parcel is None and line.reference:
                parcel = by_reference.get(_fold(line.reference))
            matched.append(parcel)
        paid_before = _already_paid(session, [p.id for p in matched if p is not None])
        for line, parcel in zip(statement.lines, matched, strict=True):
            row.lines.append(_line(line, parcel, paid_before))
    return row


def _line(
    line: cod.CodLine, parcel: models.Shipment | None, paid_before: set[int]
) -> models.CodLine:
    expected: int | None = None
    if parcel is None:
        state = State.UNKNOWN
    else:
        expected = expected_cod(parcel)
        if parcel.id in paid_before:
            state = State.REPEATED
        elif line.cod_amount < expected:
            state = State.SHORT
        elif line.cod_amount > expected:
            state = State.OVER
        else:
            state = State.OK
    return models.CodLine(
        line_no=line.line_no,
        tracking_code=line.tracking_code[:64],
        reference=line.reference[:64],
        cod_amount=line.cod_amount,
        fees=dict(line.fees),
        fee_total=line.fee_total,
        net=line.net,
        settled_on=line.settled_at,
        shipment=parcel,
        state=state,
        expected_cod=expected,
    )


def statements_for(
    session: so.Session, user: accounts.User, carrier: str | None = None
) -> list[models.CodStatement]:
    """The statements of the clubs the user reaches, newest first."""
    scope = tenancy.scope_for(session, user)
    model = models.CodStatement
    query = sa.select(model).where(scope.club_filter(model.club_id))
    if carrier:
        query = query.where(model.carrier == carrier)
    return list(session.scalars(query.order_by(model.imported_at.desc(), model.id.desc())))


def get_statement(
    session: so.Session, user: accounts.User, statement_id: int
) -> models.CodStatement:
    """A statement of the user's clubs (404 for another club's, as for a missing one)."""
    missing = _("Không tìm thấy bảng kê COD.")
    if limits.id_or_none(statement_id) is None:
        raise errors.NotFound(missing)
    return tenancy.scope_for(session, user).find(
        session, models.CodStatement, statement_id, missing
    )


# ---------------------------------------------------------------------------- reconciliation

PAID, SHORT, OVER, NOT_PAID = "paid", "short", "over", "not_paid"
PARCEL_STATE_LABELS = {
    PAID: _l("Đã trả đủ"),
    SHORT: _l("Trả thiếu"),
    OVER: _l("Trả thừa"),
    NOT_PAID: _l("Đã giao, chưa trả tiền"),
}


def parcel_state_label(state: str) -> str:
    label = PARCEL_STATE_LABELS.get(state)
    return str(label) if label is not None else state


@dataclasses.dataclass
class ParcelRow:
    shipment: models.Shipment
    state: str  # PAID, SHORT, OVER, NOT_PAID
    expected: int
    paid: int
    fees: int
    statement_ids: list[int]

    @property
    def difference(self) -> int:
        return self.paid - self.expected


@dataclasses.dataclass
class ProducerPayable:
    producer: orgs.Producer | None  # None: lines matching no parcel (or a parcel of no producer)
    parcels: int
    lines: int
    collected: int
    fees: int
    transfer_fee: int

    @property
    def owed(self) -> int:
        return self.collected - self.fees - self.transfer_fee

    @property
    def name(self) -> str:
        return self.producer.name if self.producer is not None else _("Không gắn nhà sản xuất")


@dataclasses.dataclass
class Reconciliation:
    parcels: list[ParcelRow]
    unknown: list[models.CodLine]
    payables: list[ProducerPayable]
    statements: int = 0
    collected: int = 0
    fees: int = 0
    transfer_fees: int = 0

    @property
    def short(self) -> list[ParcelRow]:
        return [row for row in self.parcels if row.state == SHORT]

    @property
    def not_paid(self) -> list[ParcelRow]:
        return [row for row in self.parcels if row.state == NOT_PAID]

    @property
    def payout(self) -> int:
        return self.collected - self.fees - self.transfer_fees


def _lib_line(row: models.CodLine) -> cod.CodLine:
    return cod.CodLine(
        line_no=row.line_no,
        tracking_code=row.tracking_code,
        reference=row.reference,
        cod_amount=row.cod_amount,
        fees=dict(row.fees or {}),
        fee_total=row.fee_total,
        net=row.net,
        settled_at=row.settled_on,
    )


def reconciliation(
    session: so.Session, scope: tenancy.Scope, carrier: str | None = None
) -> Reconciliation:
    """Every statement of the clubs in scope (of one carrier, or all) against their parcels
    delivered or returned: per parcel paid / short / over / not yet paid with its fees; the
    lines matching no parcel; per producer what the club owes them."""
    statement_model, shipment_model = models.CodStatement, models.Shipment
    query = (
        sa.select(statement_model)
        .where(scope.club_filter(statement_model.club_id))
        .options(so.selectinload(statement_model.lines))
        .order_by(statement_model.id)
    )
    parcel_query = sa.select(shipment_model).where(
        scope.club_filter(shipment_model.club_id),
        shipment_model.status.in_([models.ShipStatus.DELIVERED, models.ShipStatus.RETURNED]),
    )
    if carrier:
        query = query.where(statement_model.carrier == carrier)
        parcel_query = parcel_query.where(shipment_model.carrier == carrier)
    statements = list(session.scalars(query))
    shipments = {row.id: row for row in session.scalars(parcel_query.order_by(shipment_model.id))}
    on_lines = {
        line.shipment_id
        for statement in statements
        for line in statement.lines
        if line.shipment_id is not None and line.shipment_id not in shipments
    }
    if on_lines:
        for row in session.scalars(
            sa.select(shipment_model).where(shipment_model.id.in_(sorted(on_lines)))
        ):
            shipments[row.id] = row
    groups: dict[tuple[int, str], tuple[list[models.CodStatement], list[models.Shipment]]] = {}
    for statement in statements:
        groups.setdefault((statement.club_id, statement.carrier), ([], []))[0].append(statement)
    for shipment in shipments.values():
        groups.setdefault((shipment.club_id, shipment.carrier), ([], []))[1].append(shipment)
    result = Reconciliation(parcels=[], unknown=[], payables=[], statements=len(statements))
    totals: dict[int | None, dict[str, Any]] = {}
    for key in sorted(groups):
        group_statements, group_parcels = groups[key]
        _reconcile_group(group_statements, group_parcels, result, totals)
    result.parcels.sort(key=lambda row: row.shipment.id)
    producers = {
        row.id: row
        for row in session.scalars(
            sa.select(orgs.Producer).where(orgs.Producer.id.in_([k for k in totals if k]))
        )
    }
    for producer_id in sorted(totals, key=lambda p: (p is None, p or 0)):
        into = totals[producer_id]
        result.payables.append(
            ProducerPayable(
                producer=producers.get(producer_id) if producer_id else None,
                parcels=into["parcels"],
                lines=into["lines"],
                collected=into["collected"],
                fees=into["fees"],
                transfer_fee=into["transfer"],
            )
        )
    for statement in statements:
        result.collected += statement.cod_total
        result.fees += statement.fee_total
        result.transfer_fees += statement.transfer_fee
    return result


def _reconcile_group(
    statements: list[models.CodStatement],
    parcels: list[models.Shipment],
    result: Reconciliation,
    totals: dict[int | None, dict[str, Any]],
) -> None:
    """One club's statements and parcels at one carrier, into ``result`` and ``totals``."""
    expected = [
        cod.ExpectedParcel(
            tracking_code=row.tracking_code or "",
            reference=row.reference,
            cod_amount=row.cod_amount,
            delivered=row.status == models.ShipStatus.DELIVERED,
            returned=row.status == models.ShipStatus.RETURNED,
            producer_id=row.producer_id or 0,
        )
        for row in parcels
    ]
    shipment_of = {id(parcel): row for parcel, row in zip(expected, parcels, strict=True)}
    db_line: dict[int, tuple[models.CodStatement, models.CodLine]] = {}
    lib_statements = []
    for statement in statements:
        lines = []
        for row in statement.lines:
            read = _lib_line(row)
            db_line[id(read)] = (statement, row)
            lines.append(read)
        lib_statements.append(
            cod.Statement(statement.carrier, tuple(lines), None, statement.transfer_fee)
        )
    findings = cod.reconcile(
        [line for statement in lib_statements for line in statement.lines], expected
    )
    states = {
        cod.FindingKind.OK: PAID,
        cod.FindingKind.SHORT_PAYMENT: SHORT,
        cod.FindingKind.OVER_PAYMENT: OVER,
        cod.FindingKind.DELIVERED_NOT_PAID: NOT_PAID,
    }
    for finding in findings:
        if finding.kind in states and finding.parcel is not None:
            result.parcels.append(
                ParcelRow(
                    shipment=shipment_of[id(finding.parcel)],
                    state=states[finding.kind],
                    expected=finding.expected,
                    paid=finding.paid,
                    fees=finding.fee_total,
                    statement_ids=sorted({db_line[id(line)][0].id for line in finding.lines}),
                )
            )
        elif finding.kind == cod.FindingKind.UNKNOWN_LINE:
            result.unknown.extend(db_line[id(line)][1] for line in finding.lines)
    for payable in cod.producer_payables(findings, lib_statements):
        key = payable.producer_id or None
        into = totals.setdefault(
            key, {"parcels": 0, "lines": 0, "collected": 0, "fees": 0, "transfer": 0}
        )
        into["parcels"] += payable.parcels
        into["lines"] += payable.lines
        into["collected"] += payable.collected
        into["fees"] += payable.fees
        into["transfer"] += payable.transfer_fee


def payables_csv(result: Reconciliation) -> bytes:
    """The per-producer table as CSV (UTF-8 with a BOM, so spreadsheet programs read it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Nhà sản xuất"),
            _("Số kiện"),
            _("Số dòng"),
            _("Tiền thu hộ"),
            _("Phí"),
            _("Phí chuyển khoản"),
            _("CLB phải trả"),
        ]
    )
    for row in result.payables:
        writer.writerow(
            [row.name, row.parcels, row.lines, row.collected, row.fees, row.transfer_fee, row.owed]
        )
    return buffer.getvalue().encode("utf-8-sig")
