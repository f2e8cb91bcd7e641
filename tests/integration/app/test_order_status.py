"""Changing an order's status (service, page, API) on SQLite and PostgreSQL: allowed and refused
moves, stock given back once and taken again on reopening, parallel cancels moving stock once,
a stale page refused, the history (who, when in Vietnam time, from → to, note), re-imports
recorded, and another club's order out of reach."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.core import errors, formatting
from app.models import catalog, orders
from app.orders import status as order_status
from app.orders import stock
from tests import conftest
from tests.integration.app import test_orders_import as shop_support
from tests.integration.app.test_orders_import import Shop
from tests.support import catalog as builders
from tests.support import clubs as clubs_support
from tests.support import race


def _stock(app: flask.Flask, sku: str = "NM-500") -> int:
    with app.app_context():
        value = extensions.db.session.scalar(
            sa.select(catalog.Variant.stock).where(catalog.Variant.sku == sku)
        )
        assert value is not None
        return int(value)


def _order(app: flask.Flask, quantity: int = 3, sku: str = "NM-500") -> int:
    return shop_support.enter(
        app,
        {
            "platform": "tiktok",
            "buyer_name": "Lan",
            "lines": [{"sku": sku, "quantity": str(quantity)}],
        },
    )


def _change(app: flask.Flask, order_id: int, status: str, **kwargs: object) -> str:
    with app.app_context():
        user = conftest.user_named("seller1")
        order = order_status.change_status(
            extensions.db.session,
            user,
            order_id,
            status,
            **kwargs,  # type: ignore[arg-type]
        )
        return str(order.status)


def _history(app: flask.Flask, order_id: int) -> list[tuple[str, str, str, str | None]]:
    with app.app_context():
        rows = extensions.db.session.execute(
            sa.select(
                orders.OrderStatusChange.from_status,
                orders.OrderStatusChange.to_status,
                orders.OrderStatusChange.via,
                orders.OrderStatusChange.note,
            )
            .where(orders.OrderStatusChange.order_id == order_id)
            .order_by(orders.OrderStatusChange.id)
        ).all()
        return [(str(a), str(b), str(c), d) for a, b, c, d in rows]


def _line_statuses(app: flask.Flask, order_id: int) -> list[str]:
    with app.app_context():
        return [
            str(s)
            for s in extensions.db.session.scalars(
                sa.select(orders.OrderLine.status).where(orders.OrderLine.order_id == order_id)
            )
        ]


def test_moves_follow_the_table_and_stock_follows_the_lines(shop: Shop) -> None:
    app = shop.app
    order_id = _order(app, 3)
    assert _stock(app) == 7
    assert _change(app, order_id, "paid", note="Đã chuyển khoản") == "paid"
    assert _stock(app) == 7  # a valid status to another: nothing moves
    assert _change(app, order_id, "cancelled", note="Khách hủy") == "cancelled"
    assert _stock(app) == 10  # given back
    assert _line_statuses(app, order_id) == ["cancelled"]
    assert _change(app, order_id, "cancelled") == "cancelled"  # the same again: nothing
    assert _stock(app) == 10
    with pytest.raises(errors.Conflict) as refused:
        _change(app, order_id, "shipped")
    assert refused.value.status == 409
    assert "Đã hủy" in refused.value.message and "Đang giao" in refused.value.message
    assert "cancelled" not in refused.value.message  # names, never codes
    assert _change(app, order_id, "placed", note="Khách đặt lại") == "placed"
    assert _stock(app) == 7  # reopened: taken again
    assert _history(app, order_id) == [
        ("placed", "paid", "app", "Đã chuyển khoản"),
        ("paid", "cancelled", "app", "Khách hủy"),
        ("cancelled", "placed", "app", "Khách đặt lại"),
    ]
    with pytest.raises(errors.ValidationError):
        _change(app, order_id, "lost")
    assert order_status.allowed_targets("completed") == [orders.OrderStatus.RETURNED]


def test_returned_then_refused_return_and_completed_is_final_except_return(shop: Shop) -> None:
    app = shop.app
    order_id = _order(app, 2)
    _change(app, order_id, "completed")
    with pytest.raises(errors.Conflict):
        _change(app, order_id, "placed")
    _change(app, order_id, "returned")
    assert _stock(app) == 10
    _change(app, order_id, "completed")  # the return was refused after all
    assert _stock(app) == 8


def test_reopening_is_refused_when_the_stock_is_gone(shop: Shop) -> None:
    app = shop.app
    order_id = _order(app, 3)
    _change(app, order_id, "cancelled")
    _order(app, 9)  # someone else buys 9 of the 10
    assert _stock(app) == 1
    with pytest.raises(stock.OutOfStock) as short:
        _change(app, order_id, "placed")
    assert short.value.status == 409
    assert _stock(app) == 1
    assert _line_statuses(app, order_id) == ["cancelled"]
    assert [row[1] for row in _history(app, order_id)] == ["cancelled"]  # no row for the refusal


def test_a_stale_status_is_refused(shop: Shop) -> None:
    app = shop.app
    order_id = _order(app, 1)
    _change(app, order_id, "paid", expected="placed")
    with pytest.raises(errors.Conflict) as stale:
        _change(app, order_id, "cancelled", expected="placed")
    assert "Đã thanh toán" in stale.value.message
    assert _stock(app) == 9 and _line_statuses(app, order_id) == ["paid"]


@pytest.mark.parametrize("expected", [None, "placed"])
def test_parallel_cancels_give_the_stock_back_once(shop: Shop, expected: str | None) -> None:
    app = shop.app
    order_id = _order(app, 4)
    assert _stock(app) == 6
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def cancel() -> None:
        start.wait()
        try:
            _change(app, order_id, "cancelled", expected=expected)
            outcomes.append("ok")
        except errors.Conflict:
            outcomes.append("conflict")

    race.run_at_once(cancel, 4)
    assert len(outcomes) == 4 and "ok" in outcomes
    if expected is not None:
        assert outcomes.count("ok") == 1  # the others saw it cancelled already
    assert _stock(app) == 10  # given back exactly once
    assert _history(app, order_id) == [("placed", "cancelled", "app", None)]


def test_a_reimport_that_changes_a_status_is_in_the_history(shop: Shop, tmp_path: Path) -> None:
    app = shop.app
    rows = shop_support.template_rows("placed")
    shop_support.run_import(app, shop_support.write_csv(tmp_path / "a.csv", rows))
    cancelled = shop_support.template_rows("cancelled")
    shop_support.run_import(app, shop_support.write_csv(tmp_path / "b.csv", cancelled))
    with app.app_context():
        a1 = extensions.db.session.scalar(
            sa.select(orders.Order.id).where(orders.Order.external_id == "A1")
        )
        b2 = extensions.db.session.scalar(
            sa.select(orders.Order.id).where(orders.Order.external_id == "B2")
        )
    assert a1 is not None and b2 is not None
    assert _history(app, a1) == [("placed", "cancelled", "import", None)]
    assert _history(app, b2) == []  # unchanged by the second file


def _csrf(client: flask.testing.FlaskClient, url: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).text)
    return match.group(1) if match else ""


def test_the_order_page_changes_the_status_and_shows_the_history(
    shop: Shop, auth: conftest.Auth, client: flask.testing.FlaskClient
) -> None:
    app = shop.app
    order_id = _order(app, 3)
    auth.login("seller1")
    page = client.get(f"/orders/{order_id}")
    assert page.status_code == 200
    assert 'data-testid="status-form"' in page.text
    assert 'data-testid="status-history-empty"' in page.text
    options = re.findall(
        r'<option[^>]*value="(\w+)"', page.text.split('data-testid="status-form"')[1]
    )
    assert options[:4] == ["paid", "shipped", "completed", "cancelled"]
    url = f"/orders/{order_id}/status"
    done = client.post(
        url,
        data={
            "csrf_token": _csrf(client, f"/orders/{order_id}"),
            "status": "cancelled",
            "note": "Khách đổi ý",
            "from_status": "placed",
        },
    )
    assert done.status_code == 302
    assert _stock(app) == 10
    shown = client.get(f"/orders/{order_id}").text
    assert 'data-testid="status-change"' in shown and "Khách đổi ý" in shown
    with app.app_context():
        change = extensions.db.session.scalar(sa.select(orders.OrderStatusChange))
        assert change is not None
        local = formatting.local_datetime(change.changed_at, "%d/%m/%Y %H:%M:%S")
        in_utc = change.changed_at.strftime("%d/%m/%Y %H:%M:%S")
        who = conftest.user_named("seller1").full_name
    assert local in shown and in_utc not in shown  # Vietnam time, not UTC
    assert who in shown

    stale = client.post(url, data={"status": "placed", "from_status": "placed"})
    assert stale.status_code == 409
    assert "Đơn vừa được người khác chuyển sang" in stale.text
    refused = client.post(url, data={"status": "shipped", "from_status": "cancelled"})
    assert refused.status_code == 409 and "Không thể chuyển đơn" in refused.text
    assert _stock(app) == 10
    auth.logout()
    auth.login("producer1")
    as_producer = client.get(f"/orders/{order_id}")
    assert as_producer.status_code == 200
    assert 'data-testid="status-form"' not in as_producer.text
    assert (
        'data-testid="status-change"' in as_producer.text and "Khách đổi ý" not in as_producer.text
    )
    assert client.post(url, data={"status": "placed"}).status_code == 403


def test_the_api_changes_the_status_in_the_club_only(
    shop: Shop, password_hash: str, client: flask.testing.FlaskClient
) -> None:
    app = shop.app
    order_id = _order(app, 2)
    headers = {"Authorization": f"Bearer {conftest.issue_token(app, 'seller1')}"}
    url = f"/api/v1/orders/{order_id}/status"
    done = client.post(url, json={"status": "cancelled", "note": "Hết hàng"}, headers=headers)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "cancelled"
    assert [(c["from_status"], c["to_status"], c["note"]) for c in done.json["status_changes"]] == [
        ("placed", "cancelled", "Hết hàng")
    ]
    assert _stock(app) == 10
    again = client.post(url, json={"status": "cancelled"}, headers=headers)
    assert again.status_code == 200 and len(again.json["status_changes"]) == 1
    stale = client.post(url, json={"status": "placed", "from_status": "paid"}, headers=headers)
    assert stale.status_code == 409
    refused = client.post(url, json={"status": "completed"}, headers=headers)
    assert refused.status_code == 409
    assert client.post(url, json={"status": "lost"}, headers=headers).status_code == 422
    got = client.get(f"/api/v1/orders/{order_id}", headers=headers)
    assert got.status_code == 200 and got.json["status_changes"][0]["via"] == "app"

    other = clubs_support.make_other_club(app, password_hash)
    builders.make_product(
        app, other.coordinator, builders.product_data(other.producer_id, skus=("MO-200",))
    )
    theirs = {"Authorization": f"Bearer {conftest.issue_token(app, other.seller)}"}
    assert client.post(url, json={"status": "placed"}, headers=theirs).status_code == 404
    assert client.get(f"/api/v1/orders/{order_id}", headers=theirs).status_code == 404
    assert _stock(app) == 10
    assert _history(app, order_id) == [("placed", "cancelled", "app", "Hết hàng")]


def test_the_command_line_changes_the_status(shop: Shop) -> None:
    app = shop.app
    order_id = _order(app, 2)
    runner = app.test_cli_runner()
    done = runner.invoke(
        args=["orders", "status", str(order_id), "cancelled", "--note", "Gọi không được"]
    )
    assert done.exit_code == 0, done.output
    assert "Đã hủy" in done.output
    assert _stock(app) == 10
    refused = runner.invoke(args=["orders", "status", str(order_id), "shipped", "--json"])
    assert refused.exit_code == 2
    assert "Không thể chuyển đơn" in refused.output
    as_json = runner.invoke(
        args=["orders", "status", str(order_id), "placed", "--as", "seller1", "--json"]
    )
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert [c["via"] for c in data["status_changes"]] == ["app", "app"]
    assert data["status_changes"][1]["changed_by_name"] is not None
    assert _stock(app) == 8
