"""Fixtures the app's integration tests share: background jobs caught instead of sent, and the
order tests' shop, with or without a comment slot, and with a club member already signed in on
the test client."""

from __future__ import annotations

import flask
import pytest

from app.jobs import tasks
from tests import conftest
from tests.integration.app import test_jobs
from tests.integration.app import test_orders_import as order_tests


@pytest.fixture
def dispatch(monkeypatch: pytest.MonkeyPatch) -> test_jobs.FakeDispatch:
    """Jobs the app queues are recorded, not sent to a broker."""
    sent = test_jobs.FakeDispatch()
    monkeypatch.setattr(tasks, "dispatch", sent)
    return sent


@pytest.fixture
def shop(app: flask.Flask, people: conftest.People) -> order_tests.Shop:
    return order_tests.make_shop(app, people)


@pytest.fixture
def slotted_shop(app: flask.Flask, shop: order_tests.Shop) -> order_tests.Shop:
    """The shop with the NM1 slot (NM-500 at 79.000 ₫) that comment logs order from."""
    order_tests.add_slot(app, shop)
    return shop


@pytest.fixture
def coordinator_shop(shop: order_tests.Shop, auth: conftest.Auth) -> order_tests.Shop:
    """The shop, with the club's coordinator signed in on the test client."""
    auth.login("coordinator1")
    return shop


@pytest.fixture
def seller_shop(shop: order_tests.Shop, auth: conftest.Auth) -> order_tests.Shop:
    """The shop, with the club's seller signed in on the test client."""
    auth.login("seller1")
    return shop
