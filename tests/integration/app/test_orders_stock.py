"""Orders move the catalog's stock: orders taken in the app never oversell (even when buyers
race for the last jars), imports of marketplace sales stop at 0 with a warning, re-imports
do not take twice, and cancellations give the stock back."""

from __future__ import annotations

import threading
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.models import catalog
from app.orders import stock
from tests.integration.app import test_orders_import as shop_support
from tests.integration.app.test_orders_import import Shop
from tests.support import race


def _stock(app: flask.Flask) -> dict[str, int]:
    with app.app_context():
        rows = extensions.db.session.execute(sa.select(catalog.Variant.sku, catalog.Variant.stock))
        return dict(rows.all())


def _entry(sku: str, quantity: int) -> dict[str, object]:
    return {
        "platform": "tiktok",
        "buyer_name": "Lan",
        "lines": [{"sku": sku, "quantity": str(quantity)}],
    }


def test_manual_orders_take_stock_and_never_oversell(shop: Shop) -> None:
    shop_support.enter(shop.app, _entry("NM-500", 3))
    assert _stock(shop.app)["NM-500"] == 7
    before = shop_support.counts(shop.app)
    with pytest.raises(stock.OutOfStock) as refused:
        shop_support.enter(shop.app, _entry("NM-500", 8))
    assert refused.value.status == 409
    assert any("NM-500 chỉ còn 7" in m for ms in refused.value.fields.values() for m in ms)
    assert shop_support.counts(shop.app) == before  # no order written
    assert _stock(shop.app)["NM-500"] == 7


def test_buyers_racing_for_the_last_jars(shop: Shop) -> None:
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def buy() -> None:
        start.wait()
        try:
            shop_support.enter(shop.app, _entry("NM-500", 2))
            outcomes.append("sold")
        except stock.OutOfStock:
            outcomes.append("refused")

    race.run_at_once(buy, 6)
    assert sorted(outcomes) == ["refused"] + ["sold"] * 5  # 10 in stock, 2 each
    assert _stock(shop.app)["NM-500"] == 0


def test_imports_take_once_give_back_on_cancel_and_stop_at_zero(shop: Shop, tmp_path: Path) -> None:
    rows = shop_support.template_rows("placed")
    shop_support.run_import(shop.app, shop_support.write_csv(tmp_path / "a.csv", rows))
    after_first = _stock(shop.app)
    assert (after_first["NM-500"], after_first["CHE-100"]) == (8, 9)
    assert after_first["NM-1000"] == 10  # A3 was cancelled: nothing taken
    shop_support.run_import(shop.app, shop_support.write_csv(tmp_path / "b.csv", rows))
    assert _stock(shop.app) == after_first  # the same file again takes nothing
    cancelled = shop_support.template_rows("cancelled")
    shop_support.run_import(shop.app, shop_support.write_csv(tmp_path / "c.csv", cancelled))
    back = _stock(shop.app)
    assert (back["NM-500"], back["CHE-100"]) == (10, 10)

    big = [rows[0], ["tiktok", "Z9", "22/06/2026 20:00", "paid", "NM-500", "Nước mắm", "12",
                     "95000", "", "", ""]]  # fmt: skip
    summary = shop_support.run_import(shop.app, shop_support.write_csv(tmp_path / "d.csv", big))
    assert _stock(shop.app)["NM-500"] == 0
    assert any("NM-500" in w and "về 0" in w for w in summary["warnings"])  # type: ignore[union-attr]
    with shop.app.app_context():
        product = extensions.db.session.scalar(
            sa.select(catalog.Product).join(catalog.Variant).where(catalog.Variant.sku == "NM-500")
        )
        assert product is not None
        assert product.total_stock == sum(v.stock for v in product.variants)


def test_the_entry_form_says_what_is_short(
    shop: Shop, client: flask.testing.FlaskClient, auth: object
) -> None:
    auth.login("seller1")  # type: ignore[attr-defined]
    page = client.post(
        "/orders/new",
        data={
            "platform": "tiktok",
            "buyer_name": "Lan",
            "lines-0-sku": "NM-500",
            "lines-0-quantity": "11",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 409, html[:2000]
    assert "NM-500 chỉ còn 10, không đủ 11" in html
    assert _stock(shop.app)["NM-500"] == 10


def test_a_stock_move_queues_the_marketplace_sync_of_those_products(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.channels import sync

    queued: list[list[int]] = []
    monkeypatch.setattr(sync, "products_changed", lambda s, u, ids: queued.append(list(ids)))
    shop_support.enter(shop.app, _entry("NM-500", 2))
    assert queued == [[shop.mine_product_id]]
    with pytest.raises(stock.OutOfStock):
        shop_support.enter(shop.app, _entry("NM-500", 99))
    assert len(queued) == 1  # nothing committed, nothing queued
