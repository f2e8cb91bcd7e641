"""Matching bank transactions to orders (app/payments/matching.py) on SQLite and PostgreSQL:
exact, partial then the rest, over-payment, the same transaction twice applied once, codes the
banks mangled, codes naming nothing or another club's order, money out, an order no longer
waiting for money, and the review list settled by hand."""

from __future__ import annotations

import datetime as dt

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.core import errors
from app.models import orders
from app.models import payments as models
from app.orders import status as order_status
from app.payments import matching
from integrations.payments.base import Direction, Transfer
from tests import conftest
from tests.integration.app import test_orders_import as shop_support
from tests.integration.app.test_orders_import import Shop
from tests.support import clubs as clubs_support
from tests.support import payments as payment_support
from vietnam import transfers

UTC = dt.UTC
AT = dt.datetime(2026, 6, 21, 14, 0, tzinfo=UTC)
State = models.MatchState


def _order(quantity: int = 2) -> int:
    return shop_support.enter(
        flask.current_app,  # type: ignore[arg-type]
        {
            "platform": "facebook",
            "buyer_name": "Lan",
            "lines": [{"sku": "NM-500", "quantity": str(quantity)}],
        },
    )


def _transfer(txid: str, amount: int, content: str, **kwargs: object) -> Transfer:
    return payment_support.transfer(txid, amount, content, **kwargs)


def _record(club_id: int, transfer: Transfer) -> matching.Recorded:
    return matching.record(
        extensions.db.session,
        club_id,
        transfer,
        source=models.TransactionSource.WEBHOOK,
        now=lambda: AT,
    )


def _amount(order_id: int) -> tuple[str, int, int]:
    db = extensions.db.session
    db.expire_all()
    order = db.get_one(orders.Order, order_id)
    return str(order.status), order.paid_amount, order.amount


@pytest.fixture
def ctx(shop: Shop) -> tuple[Shop, int]:
    with shop.app.app_context():
        club_id = conftest.user_named("seller1").club_id
        assert club_id is not None
    return shop, club_id


def test_exact_partial_over_and_once(ctx: tuple[Shop, int]) -> None:
    shop, club_id = ctx
    with shop.app.app_context():
        exact, partial, over = _order(), _order(), _order()
        total = _amount(exact)[2]
        assert total > 0
        # The buyer's bank: diacritics gone, spaces and punctuation in, its own tokens around.
        code = transfers.make_code(exact)
        mangled = f"MBVCB.3278907687 {code[:4]}-{code[4:]} chuyen tien IBFT"
        first = _record(club_id, _transfer("T1", total, mangled))
        assert first.new and first.transaction.state is State.EXACT
        assert _amount(exact) == ("paid", total, total)
        again = _record(club_id, _transfer("T1", total, mangled))
        assert not again.new and again.transaction.id == first.transaction.id
        assert _amount(exact) == ("paid", total, total)
        history = extensions.db.session.scalars(
            sa.select(orders.OrderStatusChange.via).where(
                orders.OrderStatusChange.order_id == exact
            )
        ).all()
        assert list(history) == [orders.StatusChangeVia.PAYMENT]

        half = total // 2
        p1 = _record(club_id, _transfer("T2", half, transfers.make_code(partial).lower()))
        assert p1.transaction.state is State.PARTIAL
        assert _amount(partial) == ("placed", half, total)
        p2 = _record(club_id, _transfer("T3", total - half, transfers.make_code(partial)))
        assert p2.transaction.state is State.EXACT
        assert _amount(partial) == ("paid", total, total)

        o = _record(club_id, _transfer("T4", total + 5000, transfers.make_code(over)))
        assert o.transaction.state is State.OVER
        assert o.transaction.applied_amount == total
        assert _amount(over) == ("paid", total, total)


def test_nothing_matched_goes_to_review(
    ctx: tuple[Shop, int], other_club: clubs_support.OtherClub
) -> None:
    shop, club_id = ctx
    with shop.app.app_context():
        order_id = _order()
        total = _amount(order_id)[2]
        code = transfers.make_code(order_id)
        cases = {
            "N1": (_transfer("N1", total, "chuyen tien an sang"), State.UNMATCHED, "no_code"),
            # The last digit cut: never read as another order.
            "N2": (_transfer("N2", total, code[:-1]), State.UNMATCHED, "code_broken"),
            # An order id that does not exist.
            "N3": (
                _transfer("N3", total, transfers.make_code(order_id + 999)),
                State.UNMATCHED,
                "code_broken",
            ),
            "N4": (
                _transfer("N4", total, code, direction=Direction.OUT),
                State.IGNORED,
                "money_out",
            ),
        }
        for transfer, state, reason in cases.values():
            row = _record(club_id, transfer).transaction
            assert (row.state, row.match_note["reason"]) == (state, reason), transfer
        assert _amount(order_id) == ("placed", 0, total)
        # Another club's connection reporting this club's code: not its order.
        foreign = _record(other_club.club_id, _transfer("N5", total, code)).transaction
        assert foreign.state is State.UNMATCHED and _amount(order_id)[1] == 0


def test_order_not_waiting_for_money_and_manual_review(
    ctx: tuple[Shop, int], other_club: clubs_support.OtherClub
) -> None:
    shop, club_id = ctx
    with shop.app.app_context():
        cancelled, target = _order(), _order()
        total = _amount(cancelled)[2]
        order_status.change_status(
            extensions.db.session, conftest.user_named("seller1"), cancelled, "cancelled"
        )
        row = _record(club_id, _transfer("R1", total, transfers.make_code(cancelled)))
        assert row.transaction.state is State.AMBIGUOUS
        assert row.transaction.match_note["reason"] == "order_not_payable"
        loose = _record(club_id, _transfer("R2", total, "ck tien hang")).transaction
        user = conftest.user_named("seller1")
        with pytest.raises(errors.Conflict):
            matching.assign(extensions.db.session, user, loose.id, cancelled)
        assigned = matching.assign(extensions.db.session, user, loose.id, target, now=lambda: AT)
        assert assigned.state is State.EXACT and assigned.assigned_by_id == user.id
        assert _amount(target) == ("paid", total, total)
        with pytest.raises(errors.Conflict):
            matching.assign(extensions.db.session, user, loose.id, target)
        aside = matching.set_aside(extensions.db.session, user, row.transaction.id)
        assert aside.state is State.IGNORED
        outsider = conftest.user_named("seller2")
        with pytest.raises(errors.NotFound):  # another club's staff: as if it did not exist
            matching.set_aside(extensions.db.session, outsider, loose.id)
