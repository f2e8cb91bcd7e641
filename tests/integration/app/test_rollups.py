"""The sales aggregates equal the raw computation after any sequence of order writes.

Random sequences (hypothesis) of orders entered through the API and imported as files, edits
of the same order (quantity, status), cancels, returns and reopenings through the status API,
a product moved to another OCOP group and a club moved to another province, over two clubs
and three months: after the refresh job, ``check`` (every figure of every stored row, the
buyers sketches of every province and of the country) finds no difference with the figures
computed afresh from the lines, and the province and national totals equal the lines'.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
from typing import Any

import flask
import hypothesis
import hypothesis.strategies as st
import sqlalchemy as sa

from app import extensions
from app.catalog import service as catalog_service
from app.core import uow
from app.models import accounts, catalog, orgs, rollups
from app.models import orders as order_models
from app.rollups import check, refresh, stale
from tests import conftest
from tests.integration.app import test_orders_import as order_tests
from tests.integration.app.test_orders_invariant import (  # noqa: F401  (autouse fixture)
    _no_marketplace_sync,
)
from tests.support import catalog as builders

Role = accounts.Role
MONTHS = ("2026-04-30T20:10:00+07:00", "2026-05-01T00:30:00+07:00", "2026-06-15T21:00:00+07:00")
CSV_TIMES = ("30/04/2026 20:10", "01/05/2026 00:30", "15/06/2026 21:00")
PHONES = ("0912345678", "0987654321", "0356789012", None)
_examples = itertools.count(1)


@dataclasses.dataclass
class World:
    app: flask.Flask
    headers: dict[int, dict[str, str]]  # club index → bearer header
    skus: dict[int, list[str]]  # club index → SKUs
    products: dict[int, list[tuple[int, int, str]]]  # club index → (product id, producer, sku)
    club_ids: list[int]
    groups: list[int]


def _world(
    app: flask.Flask, people: conftest.People, other: Any, categories: dict[str, int]
) -> World:
    groups = [categories[code] for code in sorted(categories)][:3]
    n = next(_examples)
    products: dict[int, list[tuple[int, int, str]]] = {0: [], 1: []}
    for index, (owner, producer_id) in enumerate(
        [(people.username(Role.COORDINATOR), people.producer_id),
         (other.username(Role.COORDINATOR), other.producer_id)]
    ):  # fmt: skip
        for k in range(2):
            sku = f"R{n}-{index}-{k}"
            data = builders.product_data(producer_id, name=f"Sản phẩm {sku}", skus=(sku,))
            data["variants"][0]["stock"] = 10_000
            data["category_id"] = groups[k]
            products[index].append((builders.make_product(app, owner, data), producer_id, sku))
    headers = {
        0: {"Authorization": f"Bearer {conftest.issue_token(app, people.username(Role.SELLER))}"},
        1: {"Authorization": f"Bearer {conftest.issue_token(app, other.username(Role.SELLER))}"},
    }
    return World(
        app=app,
        headers=headers,
        skus={i: [sku for _, _, sku in products[i]] for i in products},
        products=products,
        club_ids=[people.club_id, other.club_id],
        groups=groups,
    )


def _post_order(world: World, club: int, external_id: str, op: dict[str, Any]) -> int:
    client = world.app.test_client()
    body: dict[str, Any] = {
        "platform": op["platform"],
        "external_id": external_id,
        "status": op["status"],
        "placed_at": MONTHS[op["month"]],
        "lines": [
            {"sku": world.skus[club][k], "quantity": q, "unit_price": 40_000 + 1000 * k}
            for k, q in op["lines"]
        ],
    }
    if op["phone"]:
        body["buyer_phone"] = op["phone"]
    if op["user"]:
        body["buyer_user"] = op["user"]
    response = client.post("/api/v1/orders", json=body, headers=world.headers[club])
    assert response.status_code in (200, 201, 409, 422), response.get_data(as_text=True)
    return response.status_code


def _import(world: World, club: int, prefix: str, op: dict[str, Any]) -> None:
    buffer = io.StringIO()
    rows = [order_tests.TEMPLATE]
    for i, (k, q) in enumerate(op["lines"]):
        rows.append(
            [op["platform"], f"{prefix}-imp-{i}", CSV_TIMES[op["month"]], op["status"],
             world.skus[club][k], "Hàng", str(q), "45000", op["phone"] or "", op["user"] or "", ""]
        )  # fmt: skip
    csv.writer(buffer).writerows(rows)
    response = world.app.test_client().post(
        "/api/v1/orders/import",
        data={"file": (io.BytesIO(buffer.getvalue().encode()), "orders.csv")},
        headers=world.headers[club],
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 409, 422), response.get_data(as_text=True)


def _change_status(world: World, club: int, external_id: str, status: str) -> None:
    with world.app.app_context():
        order_id = extensions.db.session.scalar(
            sa.select(order_models.Order.id).where(
                order_models.Order.external_id == external_id,
                order_models.Order.club_id == world.club_ids[club],
            )
        )
    if order_id is None:
        return
    response = world.app.test_client().post(
        f"/api/v1/orders/{order_id}/status",
        json={"status": status},
        headers=world.headers[club],
    )
    assert response.status_code in (200, 409, 422), response.get_data(as_text=True)


def _move_product(world: World, club: int, k: int, group: int) -> None:
    product_id, producer_id, sku = world.products[club][k]
    with world.app.app_context():
        session = extensions.db.session
        version = session.scalar(
            sa.select(catalog.Product.version).where(catalog.Product.id == product_id)
        )
        data = builders.product_data(producer_id, name=f"Sản phẩm {sku}", skus=(sku,))
        data["variants"][0].pop("stock")
        data["category_id"] = world.groups[group]
        data["version"] = version
        owner = "coordinator1" if club == 0 else "coordinator2"
        catalog_service.save_product(session, conftest.user_named(owner), data, product_id)


def _move_club(world: World, club: int, province: int | None) -> None:
    with world.app.app_context():
        session = extensions.db.session
        with uow.unit_of_work(session):
            session.get(orgs.Club, world.club_ids[club]).province_code = province


order_fields = st.fixed_dictionaries(
    {
        "platform": st.sampled_from(["tiktok", "shopee"]),
        "status": st.sampled_from(["placed", "paid", "completed", "cancelled"]),
        "month": st.integers(0, 2),
        "lines": st.lists(st.tuples(st.integers(0, 1), st.integers(1, 4)), min_size=1, max_size=2),
        "phone": st.sampled_from(PHONES),
        "user": st.sampled_from(["buyer-a", "buyer-b", None]),
    }
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 1), st.integers(0, 3), order_fields),
        st.tuples(st.just("import"), st.integers(0, 1), st.integers(0, 3), order_fields),
        st.tuples(
            st.just("status"),
            st.integers(0, 1),
            st.integers(0, 3),
            st.sampled_from(["cancelled", "returned", "placed", "paid", "completed"]),
        ),
        st.tuples(st.just("group"), st.integers(0, 1), st.integers(0, 1), st.integers(0, 2)),
        st.tuples(st.just("province"), st.integers(0, 1), st.sampled_from([22, 1, None])),
        st.just(("refresh",)),
    ),
    min_size=3,
    max_size=12,
)


def _apply(world: World, prefix: str, operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    if kind == "create":
        _post_order(world, operation[1], f"{prefix}-{operation[2]}", operation[3])
    elif kind == "import":
        _import(world, operation[1], f"{prefix}-{operation[2]}", operation[3])
    elif kind == "status":
        _change_status(world, operation[1], f"{prefix}-{operation[2]}", operation[3])
    elif kind == "group":
        _move_product(world, operation[1], operation[2], operation[3])
    elif kind == "province":
        _move_club(world, operation[1], operation[2])
    else:
        with world.app.app_context():
            refresh.refresh(extensions.db.session)


def _raw_totals(session: Any) -> dict[tuple[int, str], tuple[int, int, int]]:
    """(club, month) → (gmv, net gmv, units) summed straight from the lines."""
    Ord, L = order_models.Order, order_models.OrderLine
    out: dict[tuple[int, str], list[int]] = {}
    rows = session.execute(
        sa.select(Ord.club_id, Ord.placed_at, L.amount, L.quantity, L.status).join(
            Ord, L.order_id == Ord.id
        )
    )
    from app.rollups import cells

    for club_id, placed, amount, quantity, status in rows:
        key = (club_id, cells.month_of(placed).isoformat())
        figures = out.setdefault(key, [0, 0, 0])
        figures[0] += amount
        if status.valid:
            figures[1] += amount
            figures[2] += quantity
    return {key: tuple(value) for key, value in out.items()}  # type: ignore[misc]


def _assert_equal_to_raw(app: flask.Flask) -> None:
    with app.app_context():
        session = extensions.db.session
        refresh.refresh(session)
        assert stale.waiting(session) == 0
        result = check.check(session)
        assert result.differences == []
        assert result.rows > 0
        S = rollups.SalesMonth
        stored = {
            (club, month.isoformat()): (gmv, net, units)
            for club, month, gmv, net, units in session.execute(
                sa.select(S.club_id, S.month, S.gmv, S.net_gmv, S.units).where(S.dim == "all")
            )
        }
        raw = _raw_totals(session)
        assert stored == raw
        # The country's rows add up every club's month (the views read only them).
        R = rollups.RegionSketch
        national = {
            month.isoformat(): (gmv, net, units)
            for month, gmv, net, units in session.execute(
                sa.select(R.month, R.gmv, R.net_gmv, R.units).where(
                    R.dim == "all", R.province_code == rollups.NATIONAL
                )
            )
        }
        months = {month for _club, month in raw}
        assert national == {
            month: tuple(
                sum(figures[i] for (_c, m), figures in raw.items() if m == month) for i in range(3)
            )
            for month in months
        }


@hypothesis.settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
    derandomize=True,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # shrinking takes minutes
)
@hypothesis.given(ops=operations)
def test_aggregates_equal_the_raw_lines_after_any_writes(
    app: flask.Flask,
    people: conftest.People,
    other_club: Any,
    categories: dict[str, int],
    ops: list[tuple[Any, ...]],
) -> None:
    world = _world(app, people, other_club, categories)
    prefix = f"P{next(_examples)}"
    for operation in ops:
        _apply(world, prefix, operation)
    _assert_equal_to_raw(app)
