"""Reconciliation per live session and per day (app/payments/reconcile.py) on SQLite and
PostgreSQL: expected, received (exact, partial, over with its refund), unmatched and overdue
figures, the pages and their CSV/XLSX downloads, the API, and another club's session or day."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import flask
import openpyxl
import pytest
import sqlalchemy as sa

from app import extensions
from app.models import accounts, catalog, orders
from app.models import payments as models
from app.orders import manual
from app.payments import reconcile
from tests import conftest
from tests.integration.app.test_orders_import import Shop
from tests.support import clubs as clubs_support
from tests.support import payments as payment_support
from vietnam import transfers

UTC = dt.UTC
PLACED = dt.datetime(2026, 6, 21, 13, 30, tzinfo=UTC)  # 20:30 on 21/06 in Vietnam
NOW = dt.datetime(2026, 6, 21, 15, 30, tzinfo=UTC)  # 22:30 the same evening
NEXT_DAY = dt.datetime(2026, 6, 21, 18, 0, tzinfo=UTC)  # 01:00 on 22/06
DAY = dt.date(2026, 6, 21)


@dataclasses.dataclass
class Scene:
    shop: Shop
    club_id: int
    exact: int
    partial: int
    over: int
    unpaid: int  # hold until tomorrow morning
    overdue: int  # hold ran out at 21:00
    no_hold: int  # no hold: overdue once 21/06 has ended
    cancelled: int
    marketplace: int  # a TikTok Shop order from an export: paid on the platform
    price: int  # each order's amount


def _enter(session_id: int, external_id: str, **extra: object) -> int:
    user = conftest.user_named("seller1")
    order = manual.enter_order(
        extensions.db.session,
        user,
        {
            "platform": "facebook",
            "external_id": external_id,
            "session_id": str(session_id),
            "buyer_name": f"Khách {external_id}",
            "lines": [{"sku": "NM-500", "quantity": "2"}],
            **extra,
        },
        now=lambda: PLACED,
    )
    return order.id


def _pay(club_id: int, txid: str, amount: int, content: str, at: dt.datetime = NOW) -> None:
    payment_support.pay(
        club_id,
        txid,
        amount,
        content,
        at=at,
        reference=f"FT{txid}",
        counter_account_name="NGUYEN VAN LAN",
    )


@pytest.fixture
def scene(shop: Shop) -> Scene:
    with shop.app.app_context():
        db = extensions.db.session
        club_id = conftest.user_named("seller1").club_id
        assert club_id is not None
        sid = shop.session_id
        db.execute(sa.update(catalog.Variant).values(stock=1_000))
        ids = {name: _enter(sid, f"R-{name}") for name in (
            "exact", "partial", "over", "unpaid", "overdue", "no_hold", "cancelled", "market"
        )}  # fmt: skip
        price = db.get_one(orders.Order, ids["exact"]).amount
        assert price > 0
        holds = {
            "exact": PLACED + dt.timedelta(hours=1),
            "partial": PLACED + dt.timedelta(hours=12),
            "over": PLACED + dt.timedelta(hours=1),
            "unpaid": PLACED + dt.timedelta(hours=12),
            "overdue": PLACED + dt.timedelta(minutes=30),
        }
        for name, until in holds.items():
            db.get_one(orders.Order, ids[name]).hold_until = until
        cancelled = db.get_one(orders.Order, ids["cancelled"])
        cancelled.status = orders.OrderStatus.CANCELLED
        for line in cancelled.lines:
            line.status = orders.OrderStatus.CANCELLED
        market = db.get_one(orders.Order, ids["market"])
        market.platform, market.source = "tiktok", orders.OrderSource.IMPORT
        db.commit()
        code = transfers.make_code
        _pay(club_id, "1", price, f"MBVCB.1 {code(ids['exact'])} ck")
        _pay(club_id, "2", price // 2, code(ids["partial"]))
        _pay(club_id, "3", price + 7_000, code(ids["over"]))
        _pay(club_id, "4", 55_000, "chuyen tien an sang")  # no code: to review
        _pay(club_id, "5", 66_000, "hom truoc", at=NOW - dt.timedelta(days=2))  # another day
        return Scene(
            shop,
            club_id,
            ids["exact"],
            ids["partial"],
            ids["over"],
            ids["unpaid"],
            ids["overdue"],
            ids["no_hold"],
            ids["cancelled"],
            ids["market"],
            price,
        )


def _states(recon: reconcile.Reconciliation) -> dict[int, str]:
    return {row.order_id: str(row.state) for row in recon.rows}


def test_a_sessions_figures(scene: Scene) -> None:
    with scene.shop.app.app_context():
        user = conftest.user_named("seller1")
        recon = reconcile.for_session(
            extensions.db.session, user, scene.shop.session_id, now=lambda: NOW
        )
        price = scene.price
        assert _states(recon) == {
            scene.exact: "paid",
            scene.partial: "partial",
            scene.over: "paid",
            scene.unpaid: "unpaid",
            scene.overdue: "overdue",
            scene.no_hold: "unpaid",  # 21/06 has not ended yet
        }
        t = recon.totals
        assert (t.expected_orders, t.expected_amount) == (6, 6 * price)
        assert (t.received_count, t.received_amount) == (3, price + price // 2 + price)
        assert t.refund_amount == 7_000
        due_partial = price - price // 2
        assert t.outstanding_amount == due_partial + 3 * price
        assert (t.overdue_orders, t.overdue_amount) == (1, price)
        assert (t.paid_orders, t.partial_orders, t.unpaid_orders) == (2, 1, 2)
        # The session's day: the code-less transfer of 22:30, not the one of two days before.
        assert (t.unmatched_count, t.unmatched_amount) == (1, 55_000)
        (refund,) = [r for r in recon.received if r.refund]
        assert (refund.order_id, refund.amount, refund.applied_amount) == (
            scene.over,
            price + 7_000,
            price,
        )
        rows = {row.order_id: row for row in recon.rows}
        assert rows[scene.over].refund == 7_000
        assert rows[scene.partial].due == due_partial
        assert rows[scene.exact].code == transfers.make_code(scene.exact)
        assert rows[scene.exact].buyer == "Khách R-exact"

        # The next morning: the order without a hold is overdue too.
        later = reconcile.for_session(
            extensions.db.session, user, scene.shop.session_id, now=lambda: NEXT_DAY
        )
        assert _states(later)[scene.no_hold] == "overdue"
        assert _states(later)[scene.unpaid] == "unpaid"  # its hold runs until 08:30 on 22/06
        assert later.totals.overdue_orders == 2


def test_a_days_figures_and_the_days_either_side(scene: Scene) -> None:
    with scene.shop.app.app_context():
        db, user = extensions.db.session, conftest.user_named("coordinator1")
        recon = reconcile.for_day(db, user, DAY, now=lambda: NOW)
        assert set(_states(recon)) == {
            scene.exact,
            scene.partial,
            scene.over,
            scene.unpaid,
            scene.overdue,
            scene.no_hold,
        }
        assert recon.totals.expected_amount == 6 * scene.price
        assert [r.amount for r in recon.unmatched] == [55_000]
        before = reconcile.for_day(db, user, DAY - dt.timedelta(days=2), now=lambda: NOW)
        assert before.rows == [] and [r.amount for r in before.unmatched] == [66_000]
        after = reconcile.for_day(db, user, DAY + dt.timedelta(days=1), now=lambda: NOW)
        assert after.rows == [] and after.unmatched == [] and after.totals.expected_amount == 0


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_page_and_its_downloads(scene: Scene) -> None:
    client = scene.shop.app.test_client()
    token = {"Authorization": f"Bearer {conftest.issue_token(scene.shop.app, 'seller1')}"}
    url = f"/payments/reconcile/sessions/{scene.shop.session_id}"
    page = client.get(url, headers=token)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert transfers.make_code(scene.exact) in body
    assert f"/orders/{scene.exact}" in body
    assert "chuyen tien an sang" in body
    assert transfers.make_code(scene.cancelled) not in body
    assert transfers.make_code(scene.marketplace) not in body

    csv_response = client.get(url + "?format=csv&part=orders", headers=token)
    assert csv_response.status_code == 200
    rows = _csv_rows(csv_response.data)
    header, data = rows[0], rows[1:]
    assert header[:2] == ["Mã chuyển khoản", "Mã đơn"]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in data}
    assert len(by_code) == 6
    over = by_code[transfers.make_code(scene.over)]
    assert (over["Số tiền"], over["Đã nhận"], over["Cần hoàn"]) == (
        str(scene.price),
        str(scene.price),
        "7000",
    )
    assert over["Người mua"] == "Khách R-over"
    unmatched = _csv_rows(client.get(url + "?format=csv&part=unmatched", headers=token).data)
    assert [row[3] for row in unmatched[1:]] == ["55000"]

    xlsx = client.get(url + "?format=xlsx", headers=token)
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert book.sheetnames == ["Tổng hợp", "Đơn hàng", "Đã nhận", "Chưa khớp"]
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Tiền cần thu"] == 6 * scene.price
    assert summary["Tiền thừa cần hoàn"] == 7_000
    assert summary["Đơn quá hạn"] >= 1
    order_rows = list(book["Đơn hàng"].iter_rows(values_only=True))
    assert len(order_rows) == 7
    received = list(book["Đã nhận"].iter_rows(values_only=True))
    assert sorted(row[3] for row in received[1:]) == sorted(
        [scene.price, scene.price // 2, scene.price + 7_000]
    )

    assert client.get(url + "?format=pdf", headers=token).status_code == 422
    day = client.get("/payments/reconcile/?day=2026-06-21", headers=token)
    assert day.status_code == 200 and transfers.make_code(scene.over) in day.get_data(True)
    assert client.get("/payments/reconcile/?day=21-06-2026", headers=token).status_code == 422
    empty = client.get("/payments/reconcile/?day=2026-06-25", headers=token).get_data(True)
    assert 'data-testid="reconcile-orders-empty"' in empty


def test_long_tables_are_paged(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconcile, "PER_PAGE", 4)
    client = scene.shop.app.test_client()
    token = {"Authorization": f"Bearer {conftest.issue_token(scene.shop.app, 'seller1')}"}
    url = f"/payments/reconcile/sessions/{scene.shop.session_id}"
    first = client.get(url, headers=token).get_data(as_text=True)
    second = client.get(url + "?page=2", headers=token).get_data(as_text=True)
    assert first.count('data-order="') > second.count('data-order="') > 0
    assert "page=2" in first


def test_the_api(scene: Scene) -> None:
    client = scene.shop.app.test_client()
    token = {"Authorization": f"Bearer {conftest.issue_token(scene.shop.app, 'coordinator1')}"}
    answer = client.get(
        f"/api/v1/payments/reconcile/sessions/{scene.shop.session_id}", headers=token
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["totals"]["refund_amount"] == 7_000
    assert answer.json["totals"]["expected_orders"] == 6
    day = client.get("/api/v1/payments/reconcile/day?day=2026-06-19", headers=token)
    assert day.status_code == 200
    assert [r["amount"] for r in day.json["unmatched"]] == [66_000]


def test_another_clubs_session_and_day(
    scene: Scene, other_club: clubs_support.OtherClub, app: flask.Flask
) -> None:
    client = app.test_client()
    theirs = {"Authorization": f"Bearer {conftest.issue_token(app, other_club.coordinator)}"}
    session_id = scene.shop.session_id
    for url in (
        f"/payments/reconcile/sessions/{session_id}",
        f"/api/v1/payments/reconcile/sessions/{session_id}",
        f"/payments/reconcile/?day=2026-06-21&club={scene.club_id}",
        f"/api/v1/payments/reconcile/day?day=2026-06-21&club={scene.club_id}",
    ):
        response = client.get(url, headers=theirs)
        assert response.status_code == 404, url
        assert "Khách R-" not in response.get_data(as_text=True)
    # Their own day shows none of ours.
    day = client.get("/api/v1/payments/reconcile/day?day=2026-06-21", headers=theirs)
    assert day.status_code == 200
    assert day.json["orders"] == [] and day.json["unmatched"] == []
    assert day.json["totals"]["expected_amount"] == 0
    missing = client.get("/payments/reconcile/sessions/987654", headers=theirs)
    assert missing.status_code == 404


def test_the_youth_union_reads_without_buyers(scene: Scene, people: conftest.People) -> None:
    app = scene.shop.app
    client = app.test_client()
    token = {
        "Authorization": f"Bearer {conftest.issue_token(app, people.username(accounts.Role.UNION))}"
    }
    answer = client.get(
        f"/api/v1/payments/reconcile/sessions/{scene.shop.session_id}", headers=token
    )
    assert answer.status_code == 200
    assert {row["buyer"] for row in answer.json["orders"]} == {None}
    assert {row["content"] for row in answer.json["unmatched"]} == {None}
    page = client.get(
        f"/payments/reconcile/sessions/{scene.shop.session_id}?format=csv", headers=token
    ).get_data(as_text=True)
    assert "Khách R-" not in page and transfers.make_code(scene.exact) in page
    with app.app_context():
        count = extensions.db.session.scalar(sa.select(sa.func.count(models.BankTransaction.id)))
    assert count == 5
