"""Two people saving the same product at the same moment: the second save, whose read happened
before the first one committed, is refused with a 409 instead of silently overwriting it
(optimistic locking on ``products.version``), on SQLite and PostgreSQL. The check is in the
UPDATE itself, so it holds between processes, not only within one."""

from __future__ import annotations

from typing import Any

import flask
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.catalog import service as catalog_service
from app.core import errors
from app.models import accounts, catalog
from tests import conftest
from tests.support import catalog as builders

Role = accounts.Role


def test_a_save_racing_another_is_refused_not_lost(
    app: flask.Flask, people: conftest.People, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(app, seller, builders.product_data(people.producer_id))
    original_apply = catalog_service.apply_product
    raced = {"done": False}

    def apply_after_the_other_save(session: so.Session, *args: Any, **kwargs: Any) -> Any:
        """Lan's save has read the product (version 1); Minh saves and commits right now."""
        if not raced["done"]:
            raced["done"] = True
            with so.Session(extensions.db.engine) as other:
                minh = other.get(accounts.User, conftest.user_named(seller).id)
                assert minh is not None
                data = builders.product_data(people.producer_id, name="Minh sửa", version=1)
                catalog_service.save_product(other, minh, data, product_id)
        return original_apply(session, *args, **kwargs)

    with app.app_context():
        session = extensions.db.session
        lan = conftest.user_named(seller)
        monkeypatch.setattr(catalog_service, "apply_product", apply_after_the_other_save)
        data = builders.product_data(people.producer_id, name="Lan sửa", version=1)
        with pytest.raises(errors.Conflict, match="người khác sửa"):
            catalog_service.save_product(session, lan, data, product_id)
        monkeypatch.setattr(catalog_service, "apply_product", original_apply)
        session.expire_all()
        product = session.get(catalog.Product, product_id)
        assert product is not None
        assert (product.name, product.version) == ("Minh sửa", 2)  # Minh's save kept whole

        # Lan reloads (version 2) and saves again: accepted.
        again = builders.product_data(people.producer_id, name="Lan sửa", version=2)
        saved = catalog_service.save_product(session, lan, again, product_id)
        assert (saved.name, saved.version) == ("Lan sửa", 3)


def test_the_api_answers_409_with_the_error_shape(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
) -> None:
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(app, seller, builders.product_data(people.producer_id))
    url = f"/api/v1/products/{product_id}"
    headers = bearer[Role.SELLER]
    first = builders.product_data(people.producer_id, name="Bản một", version=1)
    assert client.put(url, json=first, headers=headers).status_code == 200
    stale = builders.product_data(people.producer_id, name="Bản hai", version=1)
    reply = client.put(url, json=stale, headers=headers)
    assert reply.status_code == 409
    error = reply.get_json()["error"]
    assert error["code"] == "conflict" and "tải lại" in error["message"]
    assert client.get(url, headers=headers).get_json()["name"] == "Bản một"


def test_two_new_products_racing_for_one_sku_the_second_is_a_409(
    app: flask.Flask, people: conftest.People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both saves checked that NM-1 was free; the later write meets the unique SKU: a 409 with
    a message, not a 500, and the first product is kept whole."""
    seller = people.username(Role.SELLER)
    original_validate = catalog_service.validate_variants
    raced = {"done": False}

    def validate_while_the_other_commits(*args: Any, **kwargs: Any) -> Any:
        checked = original_validate(*args, **kwargs)  # NM-1 looked free
        if not raced["done"]:
            raced["done"] = True
            with so.Session(extensions.db.engine) as other:
                minh = other.get(accounts.User, conftest.user_named(seller).id)
                data = builders.product_data(people.producer_id, name="Của Minh", skus=("NM-1",))
                catalog_service.save_product(other, minh, data)
        return checked

    with app.app_context():
        session = extensions.db.session
        monkeypatch.setattr(catalog_service, "validate_variants", validate_while_the_other_commits)
        lan = conftest.user_named(seller)
        data = builders.product_data(people.producer_id, name="Của Lan", skus=("NM-1",))
        with pytest.raises(errors.Conflict, match="tải lại"):
            catalog_service.save_product(session, lan, data)
        names = session.scalars(sa.select(catalog.Product.name)).all()
        assert names == ["Của Minh"]
