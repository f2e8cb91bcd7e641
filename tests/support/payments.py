"""Payments in app tests: the app served over real HTTP (the sandbox bank calls its webhook
endpoint), the sandbox bank beside it on its virtual clock, orders waiting for money made
in one go, and single transfers recorded through the payment matching."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import flask
import requests
import sqlalchemy as sa

from app import extensions
from app.models import orders
from app.models import payments as models
from app.payments import matching
from integrations.payments.base import Direction, Transfer
from sandbox import bank as sandbox_bank
from sandbox import core

PLACED_AT = dt.datetime(2026, 6, 20, 13, 0, tzinfo=dt.UTC)


@contextlib.contextmanager
def serving(app: flask.Flask) -> Iterator[str]:
    """``app`` on a free port of 127.0.0.1 (threaded), as the services reach it; its base URL.
    PUBLIC_BASE_URL points there, so the webhook addresses the app gives out are reachable."""
    with core.Server(app) as server:
        app.config["PUBLIC_BASE_URL"] = server.url
        try:
            yield server.url
        finally:
            with app.app_context():
                extensions.db.session.remove()


@dataclasses.dataclass
class Rig:
    """The app served, the sandbox bank (virtual clock, the app's webhook clock too)."""

    app: flask.Flask
    url: str
    bank: sandbox_bank.Bank
    sandbox: core.Server[sandbox_bank.BankSandbox]

    def post(self, path: str, token: str, **body: Any) -> requests.Response:
        return requests.post(
            f"{self.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )


@contextlib.contextmanager
def rig(app: flask.Flask) -> Iterator[Rig]:
    bank = sandbox_bank.Bank()
    app.config["PAYMENTS_WEBHOOK_CLOCK"] = bank.now_utc
    with core.Server(sandbox_bank.BankSandbox(bank)) as sandbox, serving(app) as url:
        yield Rig(app, url, bank, sandbox)


def place_orders(app: flask.Flask, club_id: int, amounts: list[int]) -> list[int]:
    """Orders of ``club_id`` waiting for money (one line each, the given amounts), in one
    transaction; their ids in that order."""
    with app.app_context():
        db = extensions.db.session
        rows = []
        for index, amount in enumerate(amounts):
            order = orders.Order(
                platform="facebook",
                external_id=f"PAY-{index:04d}",
                club_id=club_id,
                status=orders.OrderStatus.PLACED,
                buyer_name=f"Khách {index}",
                placed_at=PLACED_AT + dt.timedelta(seconds=index),
                source=orders.OrderSource.MANUAL,
            )
            order.lines = [
                orders.OrderLine(
                    seller_sku="NM-500",
                    product_name="Nước mắm",
                    quantity=1,
                    unit_price=amount,
                    amount=amount,
                    status=orders.OrderStatus.PLACED,
                )
            ]
            rows.append(order)
        db.add_all(rows)
        db.commit()
        return [row.id for row in rows]


def order_states(app: flask.Flask, ids: list[int]) -> dict[int, tuple[str, int, int]]:
    """order id → (status, paid amount, amount)."""
    with app.app_context():
        db = extensions.db.session
        db.expire_all()
        found = db.scalars(sa.select(orders.Order).where(orders.Order.id.in_(ids))).all()
        return {o.id: (str(o.status), o.paid_amount, o.amount) for o in found}


def transactions(app: flask.Flask) -> list[models.BankTransaction]:
    with app.app_context():
        db = extensions.db.session
        db.expire_all()
        stmt = sa.select(models.BankTransaction).order_by(models.BankTransaction.id)
        rows = list(db.scalars(stmt))
        db.expunge_all()
        return rows


ACCOUNT = "0123499999"
AT = dt.datetime(2026, 6, 21, 14, 0, tzinfo=dt.UTC)


def transfer(
    txid: str, amount: int, content: str, *, at: dt.datetime = AT, **fields: Any
) -> Transfer:
    """Money in on the club's account (``fields``: any other ``Transfer`` field)."""
    values: dict[str, Any] = {
        "provider": "sepay",
        "transaction_id": txid,
        "account_number": ACCOUNT,
        "amount": amount,
        "direction": Direction.IN,
        "content": content,
        "occurred_at": at,
        **fields,
    }
    return Transfer(**values)


def pay(
    club_id: int, txid: str, amount: int, content: str, *, at: dt.datetime = AT, **fields: Any
) -> matching.Recorded:
    """Record one webhook-reported transfer for the club (it was received at ``at``)."""
    return matching.record(
        extensions.db.session,
        club_id,
        transfer(txid, amount, content, at=at, **fields),
        source=models.TransactionSource.WEBHOOK,
        now=lambda: at,
    )
