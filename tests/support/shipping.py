"""Shipping in app tests: the shop fixture's producers given pickup addresses and its variants
weights, orders with a delivery address, and the club's GHN account at a sandbox."""

from __future__ import annotations

import flask
import sqlalchemy as sa

from app import extensions
from app.models import catalog, orders, orgs
from app.shipping import accounts
from sandbox.carriers import ghn as ghn_sandbox
from tests import conftest
from tests.integration.app import test_orders_import as shop_support


def ready_shop(app: flask.Flask, shop: shop_support.Shop) -> None:
    """Both producers pick up at an address; NM-500 weighs 650 g, CHE-100 was never weighed;
    100 of everything in stock."""
    with app.app_context():
        db = extensions.db.session
        for producer_id, street, phone in (
            (shop.people.producer_id, "Số 5 đường Trà Cổ", "0912345678"),
            (shop.people.other_producer_id, "Xóm Nam Đồng", "0987000111"),
        ):
            producer = db.get(orgs.Producer, producer_id)
            assert producer is not None
            producer.address_line, producer.phone = street, phone
        for variant in db.scalars(sa.select(catalog.Variant)):
            variant.stock = 100
            if variant.sku == "NM-500":
                variant.weight_g = 650
            if variant.sku == "CHE-100":
                variant.weight_g = None  # not weighed yet: the parcel says it was guessed
        db.commit()


def connect_ghn(app: flask.Flask, shop: shop_support.Shop, sandbox_url: str) -> int:
    """The club's GHN account at the sandbox served at ``sandbox_url``; its id."""
    with app.app_context():
        coordinator = conftest.user_named(shop.people.username("coordinator"))
        row = accounts.connect(
            extensions.session(),
            coordinator,
            carrier="ghn",
            settings=ghn_sandbox.demo_config(sandbox_url),
        )
        return row.id


def order_to_ship(
    app: flask.Flask, buyer: str = "Lan", che: int = 1, session_id: int | None = None
) -> int:
    """A Facebook order of 2 NM-500 (and ``che`` CHE-100) going to Phường Sài Gòn, taken in
    the live session ``session_id`` when given."""
    lines = [{"sku": "NM-500", "quantity": "2"}]
    if che:
        lines.append({"sku": "CHE-100", "quantity": str(che)})
    order_id = shop_support.enter(
        app, {"platform": "facebook", "buyer_name": buyer, "lines": lines}
    )
    with app.app_context():
        db = extensions.db.session
        order = db.get(orders.Order, order_id)
        assert order is not None
        order.session_id = session_id
        order.ship_name = buyer
        order.ship_phone = "0987654321"
        order.ship_street = "12 Trần Phú"
        order.ship_province_code, order.ship_province = 79, "Thành phố Hồ Chí Minh"
        order.ship_commune_code, order.ship_commune = 26740, "Phường Sài Gòn"
        db.commit()
    return order_id
