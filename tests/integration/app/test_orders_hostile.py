"""Hostile input to every way orders come in (pages, API, command line, export files, comment
logs, audience files) answers 4xx with a message and writes nothing; values at the bounds are
taken. A stored value the bounds would refuse (an order placed at 9999-12-31, written straight
into the database) still renders everywhere orders are shown."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.channels import sync
from app.models import accounts, catalog, orders
from tests import conftest
from tests.integration.app import test_orders_comments as comment_tests
from tests.integration.app import test_orders_import as order_tests
from tests.support import catalog as builders

Role = accounts.Role
HUGE = 2**63
TEMPLATE_ROW = ["tiktok", "H1", "21/06/2026 20:15", "placed", "NM-500", "Nước mắm", "2", "95000",
                "", "", ""]  # fmt: skip
QUANTITY, PRICE, PLACED_AT, ORDER_ID, BUYER_NAME = 6, 7, 2, 1, 10


@pytest.fixture(autouse=True)
def _no_marketplace_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync, "products_changed", lambda *args, **kwargs: None)


@pytest.fixture
def shop(app: flask.Flask, people: conftest.People) -> order_tests.Shop:
    made = order_tests.make_shop(app, people)
    order_tests.add_slot(app, made)
    data = builders.product_data(people.producer_id, name="Kho lớn", skus=("BIG-1",))
    data["variants"][0]["stock"] = 50_000
    builders.make_product(app, people.username(Role.COORDINATOR), data)
    return made


def written(app: flask.Flask) -> tuple[int, ...]:
    """Everything an order input could write: orders, lines, their value, batches, audience
    figures, viewer visits, and the stock."""
    with app.app_context():
        db = extensions.db.session

        def count(model: Any) -> int:
            return int(db.scalar(sa.select(sa.func.count()).select_from(model)) or 0)

        stock = db.scalar(sa.select(sa.func.sum(catalog.Variant.stock))) or 0
        return (
            *order_tests.counts(app),
            count(orders.CommentBatch),
            count(orders.SessionAudience),
            count(orders.ViewerVisit),
            int(stock),
        )


def template_csv(*changes: tuple[int, str], row: list[str] | None = None) -> bytes:
    cells = list(row or TEMPLATE_ROW)
    for index, value in changes:
        cells[index] = value
    buffer = io.StringIO()
    csv.writer(buffer).writerows([order_tests.TEMPLATE, cells])
    return buffer.getvalue().encode("utf-8")


# Order files refused by row and column: (what is changed, the column named).
BAD_FILES = [
    ([(QUANTITY, "2147483648")], "Số lượng"),
    ([(QUANTITY, "9223372036854775808")], "Số lượng"),
    ([(QUANTITY, "10001")], "Số lượng"),
    ([(PRICE, "1000000001")], "Đơn giá"),
    ([(PRICE, "18446744073709551616")], "Đơn giá"),
    ([(QUANTITY, "10000"), (PRICE, "1000000000")], "Đơn giá"),  # 10**13 đồng for the line
    ([(PLACED_AT, "01/01/0001 00:00")], "Thời gian đặt"),
    ([(PLACED_AT, "31/12/9999 23:59")], "Thời gian đặt"),
    ([(PLACED_AT, "31/12/1999 23:59")], "Thời gian đặt"),
    ([(ORDER_ID, "A" * 65)], "Mã đơn hàng"),
    ([(BUYER_NAME, "Lan\x1b[2J")], "Tên người mua"),
    ([(BUYER_NAME, "L" * 201)], "Tên người mua"),
]
TIKTOK_HEADERS = ["Order ID", "Order Status", "Seller SKU", "Product Name", "Quantity",
                  "SKU Unit Original Price", "SKU Subtotal Before Discount",
                  "Created Time"]  # fmt: skip


def tiktok_csv(quantity: str, subtotal: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [TIKTOK_HEADERS,
         ["579000000000000001", "To ship", "NM-500", "Nước mắm", quantity, "95000", subtotal,
          "21/06/2026 20:15:00\t"]]
    )  # fmt: skip
    return buffer.getvalue().encode()


def test_order_files_out_of_bounds_are_refused_by_row_on_api_page_and_cli(
    shop: order_tests.Shop,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    bearer: dict[Role, dict[str, str]],
    tmp_path: Path,
) -> None:
    app = shop.app
    before = written(app)
    runner = app.test_cli_runner()
    auth.login("coordinator1")
    files = [(template_csv(*changes), column) for changes, column in BAD_FILES]
    files += [
        (tiktok_csv("2147483648", "95000"), "Quantity"),
        (tiktok_csv("1", "10000000000000"), "SKU Subtotal Before Discount"),
    ]
    for index, (data, column) in enumerate(files):
        api = client.post(
            "/api/v1/orders/import",
            data={"file": (io.BytesIO(data), "orders.csv")},
            headers=bearer[Role.COORDINATOR],
            content_type="multipart/form-data",
        )
        assert api.status_code == 422, (column, api.json)
        assert f"rows.2.{column}" in api.json["error"]["fields"], (column, api.json)
        page = client.post(
            "/orders/import",
            data={"file": (io.BytesIO(data), "orders.csv"), "session_id": ""},
            content_type="multipart/form-data",
        )
        assert page.status_code == 422 and 'data-testid="import-errors"' in page.text, column
        path = tmp_path / f"bad{index}.csv"
        path.write_bytes(data)
        cli = runner.invoke(args=["orders", "import", str(path)])
        assert cli.exit_code == 2, (column, cli.output)
        assert f"dòng 2, cột {column}:" in cli.output, cli.output
    good_file = tmp_path / "good.csv"
    good_file.write_bytes(template_csv())
    for option in ("--session", "--club"):
        cli = runner.invoke(args=["orders", "import", str(good_file), option, str(HUGE)])
        assert cli.exit_code == 2 and "Không tìm thấy" in cli.output, (option, cli.output)
    audience = runner.invoke(args=["orders", "audience", str(good_file), "--session", str(HUGE)])
    assert audience.exit_code == 2, audience.output
    assert written(app) == before

    # The neighbours: values at the bounds are taken.
    good = template_csv(
        (QUANTITY, "10000"), (PRICE, "100000000"), (PLACED_AT, "31/12/2100 23:59"), (4, "BIG-1")
    )
    api = client.post(
        "/api/v1/orders/import",
        data={"file": (io.BytesIO(good), "orders.csv")},
        headers=bearer[Role.COORDINATOR],
        content_type="multipart/form-data",
    )
    assert api.status_code == 200 and api.json["created"] == 1, api.json
    assert order_tests.counts(app)[2] == 10_000 * 100_000_000


def test_tabs_and_line_breaks_in_export_names_are_spreadsheet_artefacts(
    shop: order_tests.Shop, tmp_path: Path
) -> None:
    data = template_csv((5, "Nước mắm\r\ncá cơm"), (BUYER_NAME, "Lan\tNguyễn"))
    path = tmp_path / "tabs.csv"
    path.write_bytes(data)
    order_tests.run_import(shop.app, path)
    with shop.app.app_context():
        order = extensions.db.session.scalar(sa.select(orders.Order))
        assert order is not None
        assert order.buyer_name == "Lan Nguyễn"
        assert order.lines[0].product_name == "Nước mắm cá cơm"


MANUAL_FORM_CASES: list[tuple[dict[str, str], str]] = [
    ({"lines-0-quantity": "2147483648"}, "lines-0-quantity"),
    ({"lines-0-quantity": "9223372036854775808"}, "lines-0-quantity"),
    ({"lines-0-quantity": "10001"}, "lines-0-quantity"),
    ({"lines-0-quantity": "²"}, "lines-0-quantity"),
    ({"lines-0-unit_price": "1000000001"}, "lines-0-unit_price"),
    ({"lines-0-unit_price": "-1"}, "lines-0-unit_price"),
    ({"lines-0-quantity": "10000", "lines-0-unit_price": "1000000000"}, "lines-0-quantity"),
    ({"placed_at": "01/01/0001 00:00"}, "placed_at"),
    ({"placed_at": "31/12/9999 23:59"}, "placed_at"),
    ({"placed_at": "31/12/1999 23:59"}, "placed_at"),
    ({"buyer_name": "Lan\r\nX-Injected: 1"}, "buyer_name"),
    ({"buyer_name": "L" * 201}, "buyer_name"),
    ({"buyer_user": "lan\x1b[31m"}, "buyer_user"),
    ({"buyer_phone": "0912345678" * 5}, "buyer_phone"),
    ({"external_id": "A\u2028B"}, "external_id"),
    ({"session_id": "9223372036854775808"}, "session_id"),
    ({"note": "x" * 2001}, "note"),
]


def test_manual_entry_page_refuses_out_of_bounds_values(
    shop: order_tests.Shop, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    auth.login("seller1")
    base = {"platform": "tiktok", "status": "placed", "lines-0-sku": "BIG-1",
            "lines-0-quantity": "1"}  # fmt: skip
    before = written(shop.app)
    for changes, field in MANUAL_FORM_CASES:
        page = client.post("/orders/new", data={**base, **changes})
        assert page.status_code == 422, (changes, page.text[:500])
        assert f'data-field="{field}"' in page.text, (changes, field)
    assert written(shop.app) == before
    for changes in (
        {"lines-0-quantity": "10000", "lines-0-unit_price": "100000000"},
        {"lines-0-unit_price": "1000000000", "placed_at": "01/01/2000 00:00"},
        {"placed_at": "31/12/2100 23:59", "note": "Giao buổi sáng\r\nGọi trước"},
    ):
        assert client.post("/orders/new", data={**base, **changes}).status_code == 302, changes


API_CASES: list[tuple[dict[str, Any], str]] = [
    ({"lines": [{"sku": "BIG-1", "quantity": HUGE}]}, "lines.0.quantity"),
    ({"lines": [{"sku": "BIG-1", "quantity": 2**31}]}, "lines.0.quantity"),
    ({"lines": [{"sku": "BIG-1", "quantity": 10_001}]}, "lines.0.quantity"),
    ({"lines": [{"sku": "BIG-1", "quantity": 0}]}, "lines.0.quantity"),
    ({"lines": [{"sku": "BIG-1", "quantity": 1.5}]}, "lines.0.quantity"),
    ({"lines": [{"sku": "BIG-1", "quantity": 1, "unit_price": HUGE}]}, "lines.0.unit_price"),
    ({"lines": [{"sku": "BIG-1", "quantity": 1, "unit_price": 10**9 + 1}]}, "lines.0.unit_price"),
    ({"lines": [{"sku": "BIG-1", "quantity": 10_000, "unit_price": 10**9}]}, "lines.0.quantity"),
    ({"placed_at": "0001-01-01T00:00:00+07:00"}, "placed_at"),
    ({"placed_at": "9999-12-31T23:59:59-07:00"}, "placed_at"),
    ({"placed_at": "1999-12-31T16:59:59Z"}, "placed_at"),
    ({"session_id": HUGE}, "session_id"),
    ({"external_id": "A\r\nB"}, "external_id"),
    ({"buyer_name": "Lan\u2028Nguyễn"}, "buyer_name"),
    ({"note": "x" * 2001}, "note"),
    ({"lines": [{"sku": "BIG-1", "quantity": 1}] * 21}, "lines"),
    ({"lines": [{"sku": "BIG-1", "quantity": 1}] * 5000}, "lines"),
]


def test_api_refuses_out_of_bounds_orders_and_filters(
    shop: order_tests.Shop, bearer: dict[Role, dict[str, str]]
) -> None:
    client = shop.app.test_client()
    headers = bearer[Role.SELLER]
    base: dict[str, Any] = {"platform": "tiktok", "lines": [{"sku": "BIG-1", "quantity": 1}]}
    before = written(shop.app)
    for changes, field in API_CASES:
        response = client.post("/api/v1/orders", json={**base, **changes}, headers=headers)
        assert response.status_code == 422, (changes, response.json)
        assert field in response.json["error"]["fields"], (field, response.json)
        assert response.json["error"]["message"]
    assert written(shop.app) == before
    for changes in (
        {"lines": [{"sku": "BIG-1", "quantity": 10_000, "unit_price": 100_000_000}]},
        {"placed_at": "2000-01-01T00:00:00+07:00"},
        {"placed_at": "2100-12-31T23:59:59+07:00"},
    ):
        response = client.post("/api/v1/orders", json={**base, **changes}, headers=headers)
        assert response.status_code == 201, (changes, response.json)

    for query in (
        "date_from=0001-01-01",
        "date_to=9999-12-31",
        f"club={HUGE}",
        f"session_id={HUGE}",
        "session_id=-1",
    ):
        listing = client.get(f"/api/v1/orders?{query}", headers=headers)
        assert listing.status_code == 422, (query, listing.json)
    assert client.get(f"/api/v1/orders/{HUGE}", headers=headers).status_code == 404
    imported = client.post(
        f"/api/v1/orders/import?session_id={HUGE}",
        data={"file": (io.BytesIO(template_csv()), "orders.csv")},
        headers=bearer[Role.COORDINATOR],
        content_type="multipart/form-data",
    )
    assert imported.status_code == 422


def test_order_pages_take_any_query_string(
    shop: order_tests.Shop, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    auth.login("coordinator1")
    for query in (
        f"page={HUGE}",
        "page=²",
        "page=-1",
        f"session_id={HUGE}",
        "session_id=١٢",
        f"club={2**64}",
        "date_from=0001-01-01",
        "date_to=9999-12-31",
        "date_from=9999-12-31&date_to=0001-01-01",
        "format=csv&date_to=9999-12-31",
        f"format=xlsx&page={HUGE}",
    ):
        response = client.get(f"/orders/?{query}")
        assert response.status_code == 200, query
    for url in (
        f"/orders/{HUGE}",
        "/orders/2147483648",
        "/orders/2147483648/qr.png",
        "/orders/comments/99999999999",
        "/orders/audience/99999999999",
        f"/orders/new?session_id={HUGE}",
        f"/orders/import?session_id={HUGE}",
    ):
        assert client.get(url).status_code in (200, 404), url
    refused = client.post(
        "/orders/import",
        data={"file": (io.BytesIO(template_csv()), "orders.csv"), "session_id": str(HUGE)},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert order_tests.counts(shop.app) == (0, 0, 0)


def test_comment_logs_out_of_bounds_are_refused_and_write_nothing(
    shop: order_tests.Shop, client: flask.testing.FlaskClient, auth: conftest.Auth, tmp_path: Path
) -> None:
    app = shop.app
    auth.login("coordinator1")
    logs = [
        ("log.csv", "time,viewer,text\n0001-01-01 00:00,lan,NM1\n"),
        ("log.csv", "time,viewer,text\n2150-01-01 20:00,lan,NM1\n"),
        ("log.csv", "time,viewer,text\n100000000000000000000,lan,NM1\n"),
        ("log.csv", 'time,viewer,text\n21/06/2026 20:05,"lan\r\nX-Evil: 1",NM1\n'),
        ("log.csv", "time,viewer,text\n21/06/2026 20:05,lan,NM1 \x1b[2J\n"),
        ("log.json", "[" * 5000 + "]" * 5000),
        ("log.jsonl", "[" * 5000 + "]" * 5000 + "\n"),
    ]
    runner = app.test_cli_runner()
    before = written(app)
    for index, (name, log) in enumerate(logs):
        page = client.post(
            "/orders/comments",
            data={"file": (io.BytesIO(log.encode()), name), "session_id": str(shop.session_id)},
            content_type="multipart/form-data",
        )
        assert page.status_code == 422, (log[:80], page.status_code)
        assert 'data-testid="import-errors"' in page.text, log[:80]
        path = tmp_path / f"{index}-{name}"
        path.write_text(log, encoding="utf-8")
        cli = runner.invoke(
            args=["orders", "comments", str(path), "--session", str(shop.session_id)]
        )
        assert cli.exit_code == 2, (log[:80], cli.output)
    missing = runner.invoke(args=["orders", "comments", str(path), "--session", str(HUGE)])
    assert missing.exit_code == 2
    assert written(app) == before


def test_a_viewers_comments_adding_up_past_the_limit_are_not_accepted(
    shop: order_tests.Shop, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    app = shop.app
    # Eleven different comments of 999 each: 10,989 jars for one viewer's line.
    log = [
        {
            "time": f"21/06/2026 20:{minute:02d}:00",
            "viewer": "lan",
            "text": f"NM1 x999 lần {minute}",
        }
        for minute in range(11)
    ]
    batch_id = comment_tests.upload(app, shop, json.dumps(log).encode(), "log.json")
    auth.login("coordinator1")
    response = client.post(
        f"/orders/comments/{batch_id}/accept",
        data={"keep": [str(index) for index in range(11)]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "10.000" in response.text  # the limit is said
    assert order_tests.counts(app) == (0, 0, 0)
    with app.app_context():
        batch = extensions.db.session.get(orders.CommentBatch, batch_id)
        assert batch is not None and batch.status == orders.BatchStatus.PENDING


def test_audience_figures_and_viewer_logs_out_of_bounds(
    shop: order_tests.Shop, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    auth.login("seller1")
    url = f"/orders/audience/{shop.session_id}"
    before = written(shop.app)
    for value in ("2147483648", "9223372036854775808", "1000000001"):
        page = client.post(url, data={"views": value})
        assert page.status_code == 422 and 'data-field="views"' in page.text, value
    for log in (
        "Người xem,Vào lúc,Rời lúc\nlan,01/01/0001 00:00,\n",
        "Người xem,Vào lúc,Rời lúc\nlan,21/06/2026 20:00,31/12/9999 23:00\n",
        "Người xem,Vào lúc,Rời lúc\nlan\x1b,21/06/2026 20:00,\n",
        "Lượt xem,Người xem\n99999999999,1\n",
    ):
        page = client.post(
            url,
            data={"file-file": (io.BytesIO(log.encode()), "viewers.csv")},
            content_type="multipart/form-data",
        )
        assert page.status_code == 422 and 'data-testid="import-errors"' in page.text, log
    assert written(shop.app) == before


# --- a stored value beyond the bounds ------------------------------------------------------------


def test_an_order_stored_at_9999_12_31_renders_for_every_role(
    shop: order_tests.Shop, client: flask.testing.FlaskClient, bearer: dict[Role, dict[str, str]]
) -> None:
    app = shop.app
    with app.app_context():
        db = extensions.db.session
        variant = db.scalar(sa.select(catalog.Variant).where(catalog.Variant.sku == "NM-500"))
        assert variant is not None
        for external_id, placed_at in (
            ("FAR-FUTURE", dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)),
            ("FAR-PAST", dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC)),
        ):
            db.add(
                orders.Order(
                    platform="tiktok",
                    external_id=external_id,
                    club_id=shop.people.club_id,
                    placed_at=placed_at,
                    source=orders.OrderSource.MANUAL,
                    status=orders.OrderStatus.PLACED,
                    lines=[
                        orders.OrderLine(
                            seller_sku="NM-500",
                            product_name="Nước mắm",
                            quantity=1,
                            unit_price=95_000,
                            amount=95_000,
                            status=orders.OrderStatus.PLACED,
                            product_id=variant.product_id,
                            variant_id=variant.id,
                        )
                    ],
                )
            )
        db.commit()
        order_id = db.scalar(
            sa.select(orders.Order.id).where(orders.Order.external_id == "FAR-FUTURE")
        )
    auth = conftest.Auth(client)
    for role in (Role.ADMIN, Role.COORDINATOR, Role.SELLER, Role.PRODUCER):
        auth.login(shop.people.username(role))
        listing = client.get("/orders/")
        assert listing.status_code == 200, role
        # Vietnam wall time (app.formatting): 9999-12-31 23:00 UTC is 01/01/10000 06:00 there.
        assert "01/01/10000 06:00" in listing.text and "FAR-PAST" in listing.text, role
        assert "UTC" not in listing.text, role
        detail = client.get(f"/orders/{order_id}")
        assert detail.status_code == 200 and "01/01/10000 06:00" in detail.text, role
        for fmt in ("csv", "xlsx"):
            download = client.get(f"/orders/?format={fmt}")
            assert download.status_code == 200, (role, fmt)
        assert b"10000-01-01 06:00" in client.get("/orders/?format=csv").data
        api = client.get("/api/v1/orders", headers=bearer[role])
        assert api.status_code == 200, role
        assert "9999-12-31T23:00:00+00:00" in {item["placed_at"] for item in api.json["items"]}
        one = client.get(f"/api/v1/orders/{order_id}", headers=bearer[role])
        assert one.status_code == 200, role
        auth.logout()
