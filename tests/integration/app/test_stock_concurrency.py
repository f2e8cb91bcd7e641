"""Many buyers of the same variant at the same moment never oversell it, on SQLite and
PostgreSQL; a product edit opened before a sale cannot write the old stock back."""

from __future__ import annotations

import threading

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.catalog import service as catalog_service
from app.core import errors
from app.models import accounts, catalog
from app.orders import stock
from tests import conftest
from tests.support import catalog as builders
from tests.support import race

Role = accounts.Role
BUYERS = 16  # stock is 10 (builders.product_data)


def _variant(app: flask.Flask, product_id: int) -> int:
    with app.app_context():
        return extensions.db.session.scalars(
            sa.select(catalog.Variant.id).where(catalog.Variant.product_id == product_id)
        ).one()


def test_concurrent_orders_never_oversell(app: flask.Flask, people: conftest.People) -> None:
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(app, seller, builders.product_data(people.producer_id))
    variant_id = _variant(app, product_id)
    start = threading.Barrier(BUYERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy() -> None:
        with app.app_context():
            session = extensions.db.session
            start.wait()
            try:
                stock.take(session, [(variant_id, 1)])
                session.commit()
                result = "sold"
            except stock.OutOfStock:
                session.rollback()
                result = "refused"
            with lock:
                outcomes.append(result)

    race.run_at_once(buy, BUYERS)
    assert sorted(outcomes) == ["refused"] * (BUYERS - 10) + ["sold"] * 10
    with app.app_context():
        product = extensions.db.session.get(catalog.Product, product_id)
        assert product is not None
        assert (product.variants[0].stock, product.total_stock) == (0, 0)
        assert product.version == 1 + 10  # each sale bumped it


def test_an_order_is_all_or_nothing_and_names_the_short_variant(
    app: flask.Flask, people: conftest.People
) -> None:
    seller = people.username(Role.SELLER)
    data = builders.product_data(people.producer_id, skus=("NM-500", "NM-250"))
    data["variants"][1]["stock"] = 2
    product_id = builders.make_product(app, seller, data)
    with app.app_context():
        session = extensions.db.session
        ids = dict(
            session.execute(
                sa.select(catalog.Variant.sku, catalog.Variant.id).where(
                    catalog.Variant.product_id == product_id
                )
            ).all()
        )
        with pytest.raises(stock.OutOfStock) as refused:
            stock.take(session, [(ids["NM-500"], 3), (ids["NM-250"], 2), (ids["NM-250"], 1)])
        session.rollback()
        assert refused.value.status == 409
        assert list(refused.value.fields) == [f"variant:{ids['NM-250']}"]
        assert "NM-250 chỉ còn 2, không đủ 3" in refused.value.fields[f"variant:{ids['NM-250']}"][0]
        product = session.get(catalog.Product, product_id)
        assert product is not None
        assert sorted(v.stock for v in product.variants) == [2, 10]  # nothing taken
        assert product.total_stock == 12

        stock.take(session, [(ids["NM-500"], 3)])
        stock.give_back(session, [(ids["NM-500"], 1)])
        session.commit()
        assert session.get(catalog.Variant, ids["NM-500"]).stock == 8  # type: ignore[union-attr]
        assert session.get(catalog.Product, product_id).total_stock == 10  # type: ignore[union-attr]
        with pytest.raises(errors.ValidationError):
            stock.take(session, [(ids["NM-500"], 0)])


def test_an_edit_opened_before_a_sale_cannot_restore_the_sold_stock(
    app: flask.Flask, people: conftest.People
) -> None:
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(app, seller, builders.product_data(people.producer_id))
    variant_id = _variant(app, product_id)
    with app.app_context():
        session = extensions.db.session
        form = builders.product_data(people.producer_id, name="Sửa tên", version=1)  # stock 10
        stock.take(session, [(variant_id, 4)])
        session.commit()
        with pytest.raises(errors.Conflict):
            catalog_service.save_product(session, conftest.user_named(seller), form, product_id)
        session.rollback()
        session.expire_all()
        assert session.get(catalog.Variant, variant_id).stock == 6  # type: ignore[union-attr]
