"""Bank accounts for VietQR transfers (one per club, one per producer) and the payee of an order.

*Decision* (docs/orders.md): an order whose products all come from one producer with an
account is paid to that producer; otherwise to the order's club account.

Who manages accounts (``app.tenancy``): a coordinator their own club's account and those of the
producers their club works with; an admin any club's or producer's.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, tenancy, uow
from app.models import accounts, orders, orgs
from app.orders import limits, queries
from vietnam import text, transfers, vietqr

# Bank BIN → name, from the VietQR module's list (the one place banks are named).
BANKS: dict[str, str] = {bank_bin: name for name, bank_bin in vietqr.BANK_BINS.items()}
ACCOUNT_NUMBER_RE = re.compile(r"^[0-9]{6,19}$")
ACCOUNT_NAME_RE = re.compile(r"^[A-Z0-9 .\-]{2,70}$")


def bank_name(bank_bin: str) -> str:
    return BANKS.get(bank_bin, bank_bin)


def _reachable(scope: tenancy.Scope) -> sa.ColumnElement[bool]:
    """Accounts of the clubs and producers the scope manages."""
    account = orders.PaymentAccount
    return sa.or_(
        sa.and_(account.club_id.is_not(None), scope.club_filter(account.club_id)),
        sa.and_(account.producer_id.is_not(None), scope.producer_filter(account.producer_id)),
    )


def list_accounts(session: so.Session, scope: tenancy.Scope) -> list[orders.PaymentAccount]:
    return list(
        session.scalars(
            sa.select(orders.PaymentAccount)
            .where(_reachable(scope))
            .options(
                so.selectinload(orders.PaymentAccount.club),
                so.selectinload(orders.PaymentAccount.producer),
            )
            .order_by(orders.PaymentAccount.id)
        )
    )


def owner_choices(session: so.Session, scope: tenancy.Scope) -> list[tuple[str, str]]:
    """('club:1', 'CLB …'), ('producer:3', 'HTX …') — who an account can belong to, among the
    clubs and producers the scope manages."""
    clubs = tenancy.club_choices(session, scope)
    producers = session.scalars(
        sa.select(orgs.Producer)
        .where(scope.producer_filter(orgs.Producer.id))
        .order_by(orgs.Producer.name)
    )
    return [(f"club:{c.id}", c.name) for c in clubs] + [
        (f"producer:{p.id}", p.name) for p in producers
    ]


def account_name_key(value: str) -> str:
    """Holder name as banks print it: 'Nguyễn Văn A' → 'NGUYEN VAN A'."""
    return text.fold(value).upper()


@uow.transactional
def save_account(
    session: so.Session, user: accounts.User, data: dict[str, Any]
) -> orders.PaymentAccount:
    """Create or replace the owner's account (``owner`` = 'club:ID' or 'producer:ID', one the
    user manages); commit."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    fields: dict[str, list[str]] = {}
    owner = str(data.get("owner") or "")
    kind, _sep, raw_id = owner.partition(":")
    owner_id = limits.id_or_none(raw_id)
    club_id = producer_id = None
    if (
        kind == "club"
        and owner_id is not None
        and scope.sees_club(owner_id)
        and session.get(orgs.Club, owner_id) is not None
    ):
        club_id = owner_id
    elif (
        kind == "producer"
        and owner_id is not None
        and session.get(orgs.Producer, owner_id) is not None
        and scope.sees_producer(session, owner_id)
    ):
        producer_id = owner_id
    else:
        fields["owner"] = [_("Hãy chọn CLB hoặc chủ thể.")]
    bank_bin = str(data.get("bank_bin") or "").strip()
    if bank_bin not in BANKS:
        fields["bank_bin"] = [_("Hãy chọn ngân hàng trong danh sách.")]
    number = re.sub(r"[\s.\-]", "", str(data.get("account_number") or ""))
    if not ACCOUNT_NUMBER_RE.match(number):
        fields["account_number"] = [_("Số tài khoản gồm 6–19 chữ số.")]
    name = account_name_key(str(data.get("account_name") or ""))
    if not ACCOUNT_NAME_RE.match(name):
        fields["account_name"] = [_("Tên chủ tài khoản: 2–70 chữ cái không dấu, như trên thẻ.")]
    if fields:
        raise errors.ValidationError(fields=fields)
    column = (
        orders.PaymentAccount.club_id if club_id is not None else orders.PaymentAccount.producer_id
    )
    row = session.scalar(sa.select(orders.PaymentAccount).where(column == (club_id or producer_id)))
    if row is None:
        row = orders.PaymentAccount(club_id=club_id, producer_id=producer_id)
        session.add(row)
    row.bank_bin = bank_bin
    row.account_number = number
    row.account_name = name
    return row


@uow.transactional
def delete_account(session: so.Session, user: accounts.User, account_id: int) -> None:
    """Delete an account the user manages (404 for any other); commit."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    row = (
        session.scalar(
            sa.select(orders.PaymentAccount).where(
                orders.PaymentAccount.id == account_id, _reachable(scope)
            )
        )
        if limits.id_or_none(account_id)
        else None
    )
    if row is None:
        raise errors.NotFound()
    session.delete(row)


def payee(session: so.Session, order: orders.Order) -> orders.PaymentAccount | None:
    """The account an order is paid into (see the module decision), or None if none is set."""
    producer_ids = {line.product.producer_id for line in order.lines if line.product is not None}
    if len(producer_ids) == 1:
        row = session.scalar(
            sa.select(orders.PaymentAccount).where(
                orders.PaymentAccount.producer_id == producer_ids.pop()
            )
        )
        if row is not None:
            return row
    return session.scalar(
        sa.select(orders.PaymentAccount).where(orders.PaymentAccount.club_id == order.club_id)
    )


def reference(order: orders.Order) -> str:
    """The order's code in the transfer content: 'DH', its id zero-padded, a check digit
    ('DH0010429'; ``vietnam.transfers``), which survives what banks do to the content and is
    read back by the payment matching (app/payments/matching.py)."""
    return transfers.make_code(order.id)


@dataclasses.dataclass(frozen=True)
class PaymentQr:
    payload: str
    account: orders.PaymentAccount
    amount: int
    reference: str

    @property
    def bank_name(self) -> str:
        return bank_name(self.account.bank_bin)


def buyer_payment(session: so.Session, order_id: int) -> tuple[orders.Order, PaymentQr]:
    """An order and its VietQR transfer for the buyer's payment page (the page's signed link
    is the buyer's right to see it: no sign-in). NotFound once nothing is due (paid,
    cancelled) or for no order; ValidationError when the club set no account."""
    order = session.get(orders.Order, order_id)
    if order is None or order.status is not orders.OrderStatus.PLACED:
        raise errors.NotFound(_("Đơn này không còn cần thanh toán."))
    return order, payment_qr(session, tenancy.OPERATOR, order_id)


def payment_qr(session: so.Session, scope: tenancy.Scope, order_id: int) -> PaymentQr:
    """The VietQR transfer of an order's amount to its payee, reference ``reference(order)``.

    NotFound when the scope does not reach the whole order (another club's; a producer sharing
    it with others), ValidationError when there is nothing to pay or no account is set."""
    order = queries.get_order(session, scope, order_id)
    if len(queries.visible_lines(scope, order)) != len(order.lines):
        raise errors.NotFound(_("Không tìm thấy đơn hàng."))
    amount = order.amount
    if amount <= 0:
        raise errors.ValidationError(_("Đơn không còn gì cần thanh toán."))
    account = payee(session, order)
    if account is None:
        raise errors.ValidationError(
            _("Chưa có tài khoản nhận tiền của CLB hoặc chủ thể cho đơn này.")
        )
    ref = reference(order)
    try:
        payload = vietqr.build_payload(
            account.bank_bin, account.account_number, amount, ref, f"Thanh toan {ref}"
        )
    except vietqr.VietQRError as exc:
        raise errors.ValidationError(fields=exc.fields) from exc
    return PaymentQr(payload=payload, account=account, amount=amount, reference=ref)
