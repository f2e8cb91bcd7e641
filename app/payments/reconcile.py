"""Reconciliation: for one live session, or one day (Vietnam time) of the clubs in scope, what
transfers were expected, what was received, what could not be matched and what is overdue.

*Decisions* (docs/payments.md, "Reconciliation"):

- **Expected**: the valid orders (not cancelled or returned) with something to pay that are
  paid by bank transfer: every order except the marketplaces' own (an order imported from a
  TikTok Shop, Shopee, Lazada, Postmart or Voso export is paid on the platform), and any order
  a transfer was applied to. A session's orders are the orders linked to it; a day's are those
  placed between its local midnights.
- **Received**: the transfers applied to those orders (exact, partial, over), whenever they
  arrived; an over-payment's rest (amount less what was applied) is to refund.
- **Unmatched**: the club's transfers waiting for review (unmatched, ambiguous) that happened
  that day — for a session, from the local midnight before it starts to the one after it ends.
- **Overdue**: orders still waiting for money past their hold (``hold_until``), or, without a
  hold, once the day they were placed has ended (Vietnam time).

Each order's state: *paid* (its transfers reached the amount), *settled* (marked paid,
shipped or completed by hand with less money by transfer: cash, COD…), *overdue*, *partial*
(some money, still waiting) or *unpaid*.

Who: club staff their club; an admin every club; the Youth Union, read-only, the clubs under
its unit without the buyers (names, transfer contents); producers no club's money.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import io
from collections.abc import Iterable, Sequence
from typing import Any

import openpyxl
import openpyxl.utils
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.catalog_io import export, formats
from app.core import clock, errors, formatting, pagination, tenancy, validators
from app.live import common as live_common
from app.models import accounts, live, orders, orgs
from app.models import payments as models
from app.orders import labels
from app.orders import payments as order_payments
from app.payments import statements as statement_import
from vietnam import transfers

LOCAL_TZ = live_common.LOCAL_TZ
# Orders from these platforms' seller-centre exports are paid on the platform, not by transfer.
MARKETPLACES = frozenset({"tiktok", "shopee", "lazada", "postmart", "voso"})
PER_PAGE = 50
BATCH = 500
MONEY_FORMAT = '#,##0 "₫"'


class PayState(enum.StrEnum):
    PAID = "paid"
    SETTLED = "settled"
    OVERDUE = "overdue"
    PARTIAL = "partial"
    UNPAID = "unpaid"


PAY_STATE_LABELS = {
    PayState.PAID: _l("Đã nhận đủ"),
    PayState.SETTLED: _l("Đã xử lý ngoài chuyển khoản"),
    PayState.OVERDUE: _l("Quá hạn"),
    PayState.PARTIAL: _l("Nhận một phần"),
    PayState.UNPAID: _l("Chưa nhận"),
}
MATCH_LABELS = {
    models.MatchState.EXACT: _l("Khớp đủ"),
    models.MatchState.PARTIAL: _l("Một phần"),
    models.MatchState.OVER: _l("Thừa tiền"),
    models.MatchState.UNMATCHED: _l("Không khớp"),
    models.MatchState.AMBIGUOUS: _l("Chưa rõ đơn"),
    models.MatchState.IGNORED: _l("Bỏ qua"),
}


@dataclasses.dataclass(frozen=True)
class OrderRow:
    order_id: int
    code: str  # the transfer code (``app.orders.payments.reference``)
    club: str
    external_id: str
    platform: str
    buyer: str | None  # None: the scope does not see buyers
    placed_at: dt.datetime
    hold_until: dt.datetime | None
    status: orders.OrderStatus
    amount: int
    paid_amount: int
    due: int  # still to pay (0 once paid or settled)
    refund: int  # over-payments' rest, to refund
    state: PayState


@dataclasses.dataclass(frozen=True)
class Receipt:
    transaction_id: int
    occurred_at: dt.datetime
    amount: int
    applied_amount: int
    refund: int
    state: models.MatchState
    order_id: int | None
    code: str
    provider: str
    reference: str
    content: str | None  # None: the scope does not see buyers (contents name them)
    counter_name: str | None


@dataclasses.dataclass(frozen=True)
class Totals:
    expected_orders: int
    expected_amount: int
    received_count: int
    received_amount: int  # applied to the orders
    refund_amount: int  # over-payments to return
    outstanding_amount: int  # still due on orders waiting for money
    paid_orders: int
    settled_orders: int
    partial_orders: int
    unpaid_orders: int
    overdue_orders: int
    overdue_amount: int
    unmatched_count: int
    unmatched_amount: int


@dataclasses.dataclass(frozen=True)
class Reconciliation:
    kind: str  # session | day
    title: str
    day: dt.date | None
    session_id: int | None
    club_id: int | None  # the club chosen on a day view (None: every club in scope)
    start: dt.datetime  # the unmatched transfers' window, UTC [start, end)
    end: dt.datetime
    rows: list[OrderRow]
    received: list[Receipt]
    unmatched: list[Receipt]
    totals: Totals
    sees_buyers: bool
    shows_club: bool

    @property
    def overdue(self) -> list[OrderRow]:
        return [row for row in self.rows if row.state is PayState.OVERDUE]

    @property
    def filename(self) -> str:
        if self.kind == "session":
            return f"doi-soat-phien-{self.session_id}"
        assert self.day is not None
        return f"doi-soat-{self.day:%Y%m%d}"


# ---------------------------------------------------------------------------- reading


def today(now: clock.Clock = clock.utcnow) -> dt.date:
    """Today in Vietnam."""
    return live_common.to_local(now()).date()


def parse_day(raw: str | None, today: dt.date) -> dt.date:
    """A ``YYYY-MM-DD`` day (today when empty); 422 naming ``day`` otherwise."""
    value = (raw or "").strip()
    if not value:
        return today
    day = validators.parse_business_date(value)
    if day is None:
        message = _("Ngày không hợp lệ: %(value)s (dạng NNNN-TT-NN).", value=value[:40])
        raise errors.ValidationError(message, fields={"day": [message]})
    return day


def _local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    midnight = dt.time()
    return (
        live_common.local_to_utc(day, midnight),
        live_common.local_to_utc(day + dt.timedelta(days=1), midnight),
    )


def _day_end(moment: dt.datetime) -> dt.datetime:
    return _local_day_bounds(live_common.to_local(moment).date())[1]


def _staff_scope(session: so.Session, user: accounts.User | None) -> tenancy.Scope:
    scope = tenancy.scope_for(session, user)
    if scope.producer_id is not None:
        raise errors.Forbidden()
    return scope


def _expects_transfer() -> sa.ColumnElement[bool]:
    order = orders.Order
    return sa.and_(
        order.status.not_in([orders.OrderStatus.CANCELLED, orders.OrderStatus.RETURNED]),
        sa.or_(
            order.source != orders.OrderSource.IMPORT,
            order.platform.not_in(sorted(MARKETPLACES)),
            order.paid_amount > 0,
        ),
    )


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield list(ids[start : start + BATCH])


def _buyer(order: orders.Order) -> str:
    return order.buyer_name or order.buyer_user or order.buyer_phone or order.buyer_phone_raw or ""


def _state(order: orders.Order, amount: int, now: dt.datetime) -> PayState:
    if order.paid_amount >= amount:
        return PayState.PAID
    if order.status is not orders.OrderStatus.PLACED:
        return PayState.SETTLED
    deadline = order.hold_until or _day_end(order.placed_at)
    if now >= deadline:
        return PayState.OVERDUE
    return PayState.PARTIAL if order.paid_amount > 0 else PayState.UNPAID


def _receipt(tx: models.BankTransaction, sees_buyers: bool) -> Receipt:
    refund = tx.amount - tx.applied_amount if tx.state is models.MatchState.OVER else 0
    return Receipt(
        transaction_id=tx.id,
        occurred_at=tx.occurred_at,
        amount=tx.amount,
        applied_amount=tx.applied_amount,
        refund=refund,
        state=tx.state,
        order_id=tx.order_id,
        code=transfers.make_code(tx.order_id) if tx.order_id is not None else "",
        provider=tx.provider,
        reference=tx.reference,
        content=tx.content if sees_buyers else None,
        counter_name=tx.counter_account_name if sees_buyers else None,
    )


def _build(
    session: so.Session,
    scope: tenancy.Scope,
    *,
    kind: str,
    title: str,
    order_filter: sa.ColumnElement[bool],
    club_filter: sa.ColumnElement[bool],
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    day: dt.date | None = None,
    session_id: int | None = None,
    club_id: int | None = None,
) -> Reconciliation:
    found = session.scalars(
        sa.select(orders.Order)
        .where(order_filter, _expects_transfer())
        .options(so.selectinload(orders.Order.lines), so.selectinload(orders.Order.club))
        .order_by(orders.Order.placed_at, orders.Order.id)
    ).all()
    payable = [(order, order.amount) for order in found]
    payable = [(order, amount) for order, amount in payable if amount > 0]
    ids = [order.id for order, _amount in payable]
    Tx = models.BankTransaction
    applied: list[models.BankTransaction] = []
    for chunk in _chunks(ids):
        applied.extend(
            session.scalars(
                sa.select(Tx).where(Tx.order_id.in_(chunk), Tx.state.in_(models.APPLIED_STATES))
            )
        )
    applied.sort(key=lambda tx: (tx.occurred_at, tx.id))
    refunds: dict[int, int] = {}
    for tx in applied:
        if tx.state is models.MatchState.OVER and tx.order_id is not None:
            refunds[tx.order_id] = refunds.get(tx.order_id, 0) + tx.amount - tx.applied_amount
    rows = []
    for order, amount in payable:
        state = _state(order, amount, now)
        due = 0 if state in (PayState.PAID, PayState.SETTLED) else amount - order.paid_amount
        rows.append(
            OrderRow(
                order_id=order.id,
                code=order_payments.reference(order),
                club=order.club.name,
                external_id=order.external_id,
                platform=order.platform,
                buyer=_buyer(order) if scope.sees_buyers else None,
                placed_at=order.placed_at,
                hold_until=order.hold_until,
                status=order.status,
                amount=amount,
                paid_amount=order.paid_amount,
                due=due,
                refund=refunds.get(order.id, 0),
                state=state,
            )
        )
    review = session.scalars(
        sa.select(Tx)
        .where(
            club_filter,
            Tx.state.in_(models.REVIEW_STATES),
            Tx.occurred_at >= start,
            Tx.occurred_at < end,
        )
        .order_by(Tx.occurred_at, Tx.id)
    ).all()
    received = [_receipt(tx, scope.sees_buyers) for tx in applied]
    unmatched = [_receipt(tx, scope.sees_buyers) for tx in review]

    def count(state: PayState) -> int:
        return sum(1 for row in rows if row.state is state)

    totals = Totals(
        expected_orders=len(rows),
        expected_amount=sum(row.amount for row in rows),
        received_count=len(received),
        received_amount=sum(r.applied_amount for r in received),
        refund_amount=sum(r.refund for r in received),
        outstanding_amount=sum(row.due for row in rows),
        paid_orders=count(PayState.PAID),
        settled_orders=count(PayState.SETTLED),
        partial_orders=count(PayState.PARTIAL),
        unpaid_orders=count(PayState.UNPAID),
        overdue_orders=count(PayState.OVERDUE),
        overdue_amount=sum(row.due for row in rows if row.state is PayState.OVERDUE),
        unmatched_count=len(unmatched),
        unmatched_amount=sum(r.amount for r in unmatched),
    )
    return Reconciliation(
        kind=kind,
        title=title,
        day=day,
        session_id=session_id,
        club_id=club_id,
        start=start,
        end=end,
        rows=rows,
        received=received,
        unmatched=unmatched,
        totals=totals,
        sees_buyers=scope.sees_buyers,
        shows_club=live_common.shows_club(session, scope),
    )


def for_session(
    session: so.Session,
    user: accounts.User | None,
    session_id: int,
    *,
    now: clock.Clock = clock.utcnow,
) -> Reconciliation:
    """A live session's reconciliation (404 for another club's session or none)."""
    scope = _staff_scope(session, user)
    stream = scope.find(session, live.LiveSession, session_id, _("Không tìm thấy phiên live."))
    start = _local_day_bounds(live_common.to_local(stream.starts_at).date())[0]
    end = _day_end(stream.ends_at)
    return _build(
        session,
        scope,
        kind="session",
        title=stream.title,
        order_filter=sa.and_(
            orders.Order.session_id == stream.id, orders.Order.club_id == stream.club_id
        ),
        club_filter=models.BankTransaction.club_id == stream.club_id,
        start=start,
        end=end,
        now=now(),
        session_id=stream.id,
        club_id=stream.club_id,
    )


def for_day(
    session: so.Session,
    user: accounts.User | None,
    day: dt.date,
    *,
    club_id: int | None = None,
    now: clock.Clock = clock.utcnow,
) -> Reconciliation:
    """One Vietnam day of one club (``club_id``: 404 when out of scope or unknown) or of every
    club in scope."""
    scope = _staff_scope(session, user)
    if club_id is not None:
        scope.check(club_id, _("Không tìm thấy câu lạc bộ."))
        club = session.get(orgs.Club, club_id)
        if club is None:
            raise errors.NotFound(_("Không tìm thấy câu lạc bộ."))
        clubs: frozenset[int] | None = frozenset({club_id})
        title = club.name
    else:
        clubs = scope.club_ids
        title = ""
    start, end = _local_day_bounds(day)

    def within(column: Any) -> sa.ColumnElement[bool]:
        if clubs is None:
            return sa.true()
        return column.in_(sorted(clubs)) if clubs else sa.false()

    return _build(
        session,
        scope,
        kind="day",
        title=title,
        order_filter=sa.and_(
            within(orders.Order.club_id),
            orders.Order.placed_at >= start,
            orders.Order.placed_at < end,
        ),
        club_filter=within(models.BankTransaction.club_id),
        start=start,
        end=end,
        now=now(),
        day=day,
        club_id=club_id,
    )


def recent_sessions(
    session: so.Session, user: accounts.User | None, limit: int = 20
) -> list[live.LiveSession]:
    """The latest sessions of the clubs in scope (the picker on the day page)."""
    scope = _staff_scope(session, user)
    return list(
        session.scalars(
            sa.select(live.LiveSession)
            .where(scope.club_filter(live.LiveSession.club_id))
            .order_by(live.LiveSession.starts_at.desc(), live.LiveSession.id.desc())
            .limit(limit)
        )
    )


def club_choices(session: so.Session, user: accounts.User | None) -> list[tuple[int, str]]:
    scope = _staff_scope(session, user)
    return [(club.id, club.name) for club in tenancy.club_choices(session, scope)]


def page_of(
    items: Sequence[Any], raw_page: Any, per_page: int | None = None
) -> pagination.Page[Any]:
    """One page of an already built list (clamped like the pages' lists)."""
    per_page = per_page or PER_PAGE
    page = pagination.page_number(raw_page)
    pages = max(1, -(-len(items) // per_page))
    page = min(page, pages)
    start = (page - 1) * per_page
    return pagination.Page(
        items=list(items[start : start + per_page]), page=page, per_page=per_page, total=len(items)
    )


# ---------------------------------------------------------------------------- files


def _order_columns(recon: Reconciliation) -> list[tuple[str, str]]:
    columns = [("code", _("Mã chuyển khoản")), ("external_id", _("Mã đơn"))]
    if recon.shows_club:
        columns.append(("club", _("CLB")))
    columns += [
        ("platform", _("Nền tảng")),
        ("placed_at", _("Đặt lúc")),
    ]
    if recon.sees_buyers:
        columns.append(("buyer", _("Người mua")))
    columns += [
        ("status", _("Trạng thái đơn")),
        ("amount", _("Số tiền")),
        ("paid_amount", _("Đã nhận")),
        ("due", _("Còn thiếu")),
        ("refund", _("Cần hoàn")),
        ("state", _("Thanh toán")),
        ("hold_until", _("Giữ hàng đến")),
    ]
    return columns


def _order_values(row: OrderRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "external_id": row.external_id,
        "club": row.club,
        "platform": str(labels.PLATFORM_LABELS.get(row.platform, row.platform)),
        "placed_at": formatting.local_datetime(row.placed_at),
        "buyer": row.buyer or "",
        "status": str(labels.STATUS_LABELS[str(row.status)]),
        "amount": row.amount,
        "paid_amount": row.paid_amount,
        "due": row.due,
        "refund": row.refund,
        "state": str(PAY_STATE_LABELS[row.state]),
        "hold_until": formatting.local_datetime(row.hold_until) if row.hold_until else "",
    }


def _receipt_columns(recon: Reconciliation) -> list[tuple[str, str]]:
    columns = [
        ("occurred_at", _("Thời gian")),
        ("source", _("Nguồn")),
        ("reference", _("Số tham chiếu")),
        ("amount", _("Số tiền")),
        ("applied_amount", _("Tính vào đơn")),
        ("refund", _("Cần hoàn")),
        ("state", _("Kết quả")),
        ("code", _("Mã chuyển khoản")),
    ]
    if recon.sees_buyers:
        columns += [("counter_name", _("Người chuyển")), ("content", _("Nội dung"))]
    return columns


def source_label(provider: str) -> str:
    """'sepay' → 'sepay'; 'statement:vietcombank' → 'Sao kê Vietcombank'."""
    if provider.startswith(statement_import.PROVIDER_PREFIX):
        return _("Sao kê %(bank)s", bank=statement_import.provider_bank(provider))
    return provider


def _receipt_values(receipt: Receipt) -> dict[str, Any]:
    return {
        "occurred_at": formatting.local_datetime(receipt.occurred_at),
        "source": source_label(receipt.provider),
        "reference": receipt.reference,
        "amount": receipt.amount,
        "applied_amount": receipt.applied_amount,
        "refund": receipt.refund,
        "state": str(MATCH_LABELS[receipt.state]),
        "code": receipt.code,
        "counter_name": receipt.counter_name or "",
        "content": receipt.content or "",
    }


def _summary(recon: Reconciliation) -> list[tuple[str, int]]:
    t = recon.totals
    return [
        (_("Đơn cần thu"), t.expected_orders),
        (_("Tiền cần thu"), t.expected_amount),
        (_("Giao dịch đã nhận"), t.received_count),
        (_("Tiền đã nhận"), t.received_amount),
        (_("Tiền thừa cần hoàn"), t.refund_amount),
        (_("Tiền còn thiếu"), t.outstanding_amount),
        (_("Đơn đã nhận đủ"), t.paid_orders),
        (_("Đơn xử lý ngoài chuyển khoản"), t.settled_orders),
        (_("Đơn nhận một phần"), t.partial_orders),
        (_("Đơn chưa nhận"), t.unpaid_orders),
        (_("Đơn quá hạn"), t.overdue_orders),
        (_("Tiền quá hạn"), t.overdue_amount),
        (_("Giao dịch chưa khớp"), t.unmatched_count),
        (_("Tiền chưa khớp"), t.unmatched_amount),
    ]


MONEY_KEYS = frozenset({"amount", "paid_amount", "due", "refund", "applied_amount"})


def _parts(recon: Reconciliation) -> dict[str, tuple[list[tuple[str, str]], list[dict[str, Any]]]]:
    return {
        "orders": (_order_columns(recon), [_order_values(row) for row in recon.rows]),
        "received": (_receipt_columns(recon), [_receipt_values(r) for r in recon.received]),
        "unmatched": (_receipt_columns(recon), [_receipt_values(r) for r in recon.unmatched]),
    }


def _sheet(
    workbook: Any, title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]
) -> None:
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index in range(1, len(columns) + 1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = 18
    export.append_header(sheet, [header for _key, header in columns])
    for values in rows:
        cells = []
        for key, _header in columns:
            cell = export.xlsx_cell(sheet, values[key])
            if key in MONEY_KEYS:
                cell.number_format = MONEY_FORMAT
            cells.append(cell)
        sheet.append(cells)


def download(recon: Reconciliation, fmt: str, part: str = "orders") -> export.Download:
    """The reconciliation as CSV (one part: ``orders``, ``received`` or ``unmatched``; UTF-8
    with BOM) or XLSX (a summary sheet and one sheet per part)."""
    if fmt not in formats.FORMATS:
        raise errors.ValidationError(
            _("Định dạng tải về phải là csv hoặc xlsx."), fields={"format": [_("csv hoặc xlsx.")]}
        )
    parts = _parts(recon)
    if fmt == "csv":
        if part not in parts:
            raise errors.ValidationError(
                _("Phần tải về không hợp lệ."), fields={"part": [", ".join(parts)]}
            )
        columns, rows = parts[part]
        keys = [key for key, _header in columns]
        data = export.csv_bytes(
            [header for _key, header in columns], ([row[k] for k in keys] for row in rows)
        )
        return export.Download(f"{recon.filename}-{part}.csv", formats.MIMETYPES["csv"], data)
    workbook = openpyxl.Workbook(write_only=True)
    summary = workbook.create_sheet(_("Tổng hợp"))
    summary.column_dimensions["A"].width = 32
    summary.column_dimensions["B"].width = 18
    export.append_header(summary, [_("Chỉ tiêu"), _("Giá trị")])
    for label, value in _summary(recon):
        summary.append([label, value])
    titles = {"orders": _("Đơn hàng"), "received": _("Đã nhận"), "unmatched": _("Chưa khớp")}
    for key, (columns, rows) in parts.items():
        _sheet(workbook, titles[key], columns, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return export.Download(f"{recon.filename}.xlsx", formats.MIMETYPES["xlsx"], buffer.getvalue())


def as_json(recon: Reconciliation) -> dict[str, Any]:
    """What the API answers: the totals and every row (buyers only where the scope sees them)."""
    return {
        "kind": recon.kind,
        "title": recon.title,
        "day": recon.day.isoformat() if recon.day else None,
        "session_id": recon.session_id,
        "club_id": recon.club_id,
        "window": {"start": recon.start, "end": recon.end},
        "totals": dataclasses.asdict(recon.totals),
        "orders": [
            {**dataclasses.asdict(row), "status": str(row.status), "state": str(row.state)}
            for row in recon.rows
        ],
        "received": [_receipt_json(r) for r in recon.received],
        "unmatched": [_receipt_json(r) for r in recon.unmatched],
    }


def _receipt_json(receipt: Receipt) -> dict[str, Any]:
    return {**dataclasses.asdict(receipt), "state": str(receipt.state)}
