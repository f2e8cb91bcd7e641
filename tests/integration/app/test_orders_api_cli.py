"""The orders API (list, get, create, import; documented in openapi.json; producer isolation)
and the `flask orders` commands (exit codes, `row N:` lines, JSON output)."""

from __future__ import annotations

import json
from pathlib import Path

import flask
import sqlalchemy as sa

from app import extensions
from app.models import accounts, orders
from tests import conftest
from tests.integration.app import test_orders_comments as comment_tests
from tests.integration.app import test_orders_import as order_tests

Role = accounts.Role


def test_api_import_list_get_create_and_isolation(
    app: flask.Flask, people: conftest.People, bearer: dict[Role, dict[str, str]], tmp_path: Path
) -> None:
    order_tests.make_shop(app, people)
    client = app.test_client()
    path = order_tests.write_csv(tmp_path / "orders.csv", order_tests.template_rows())
    for expected in ((3, 0), (0, 3)):
        with path.open("rb") as handle:
            response = client.post(
                "/api/v1/orders/import",
                data={"file": (handle, "orders.csv")},
                headers=bearer[Role.COORDINATOR],
                content_type="multipart/form-data",
            )
        assert response.status_code == 200, response.json
        assert (response.json["created"], response.json["unchanged"]) == expected
        assert response.json["unmatched"] == [{"sku": "UNKNOWN-1", "name": "Mật ong"}]

    listing = client.get("/api/v1/orders?platform=tiktok", headers=bearer[Role.SELLER]).json
    assert listing["total"] == 2
    a1 = next(item for item in listing["items"] if item["external_id"] == "A1")
    assert set(a1) >= {"id", "platform", "status", "placed_at", "amount", "lines", "buyer_phone"}
    assert a1["amount"] == 245_000 and len(a1["lines"]) == 2
    assert a1["buyer_phone"] == "0912345678"
    assert a1["placed_at"].startswith("2026-06-21T13:15:00")

    mine = client.get(f"/api/v1/orders/{a1['id']}", headers=bearer[Role.PRODUCER]).json
    assert [line["seller_sku"] for line in mine["lines"]] == ["NM-500"]
    assert mine["amount"] == 190_000
    producer_list = client.get("/api/v1/orders", headers=bearer[Role.PRODUCER]).json
    assert {item["external_id"] for item in producer_list["items"]} == {"A1", "A3"}

    refused = client.post(
        "/api/v1/orders",
        json={"platform": "tiktok", "buyer_phone": "123", "lines": [{"sku": "X", "quantity": 0}]},
        headers=bearer[Role.SELLER],
    )
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) >= {
        "buyer_phone",
        "lines.0.sku",
        "lines.0.quantity",
    }
    created = client.post(
        "/api/v1/orders",
        json={"platform": "shopee", "external_id": "260621M7R5PYPN",
              "lines": [{"sku": "CHE-100", "quantity": 2}]},
        headers=bearer[Role.SELLER],
    )  # fmt: skip
    assert created.status_code == 201
    assert created.json["source"] == "manual" and created.json["amount"] == 190_000
    assert (
        client.post("/api/v1/orders", json={"lines": []}, headers=bearer[Role.PRODUCER]).status_code
        == 403
    )

    spec = client.get("/api/v1/openapi.json").json
    assert {"/api/v1/orders", "/api/v1/orders/{order_id}", "/api/v1/orders/import"} <= set(
        spec["paths"]
    )


def test_cli_import_exit_codes_and_json(
    app: flask.Flask, people: conftest.People, runner: flask.testing.FlaskCliRunner, tmp_path: Path
) -> None:
    order_tests.make_shop(app, people)
    good = order_tests.write_csv(tmp_path / "orders.csv", order_tests.template_rows())
    result = runner.invoke(args=["orders", "import", str(good), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["created"], data["orders"], data["lines"]) == (3, 3, 4)
    with app.app_context():
        clubs = extensions.db.session.scalars(sa.select(orders.Order.club_id)).all()
        assert set(clubs) == {conftest.user_named("coordinator1").club_id}  # no --as: the club
    again = json.loads(runner.invoke(args=["orders", "import", str(good), "--json"]).output)
    assert again["unchanged"] == 3 and again["created"] == 0

    rows = order_tests.template_rows("completed")
    rows[2][6] = "0"
    bad = order_tests.write_csv(tmp_path / "bad.csv", rows)
    failed = runner.invoke(args=["orders", "import", str(bad)])
    assert failed.exit_code == 2
    assert "dòng 3, cột Số lượng:" in failed.output
    failed_json = runner.invoke(args=["orders", "import", str(bad), "--json"])
    assert failed_json.exit_code == 2
    assert json.loads(failed_json.output)["error"]["errors"][0]["row"] == 3
    assert order_tests.counts(app)[0] == 3


def test_cli_comments_and_audience(
    app: flask.Flask, people: conftest.People, runner: flask.testing.FlaskCliRunner, tmp_path: Path
) -> None:
    shop = order_tests.make_shop(app, people)
    order_tests.add_slot(app, shop)
    log = tmp_path / "log.json"
    log.write_text(json.dumps(comment_tests.COMMENTS, ensure_ascii=False), encoding="utf-8")
    args = ["orders", "comments", str(log), "--session", str(shop.session_id), "--json"]
    parsed = runner.invoke(args=args)
    assert parsed.exit_code == 0, parsed.output
    data = json.loads(parsed.output)
    assert data["report"]["order_comments"] == 3 and len(data["lines"]) == 2
    assert order_tests.counts(app)[0] == 0
    accepted = json.loads(runner.invoke(args=[*args, "--accept"]).output)
    assert accepted["accepted"]["created"] == 2 and accepted["status"] == "accepted"
    assert order_tests.counts(app)[0] == 2

    broken = tmp_path / "broken.csv"
    broken.write_text("time,viewer,text\nhôm qua,lan,NM1\n", encoding="utf-8")
    failed = runner.invoke(
        args=["orders", "comments", str(broken), "--session", str(shop.session_id)]
    )
    assert failed.exit_code == 2 and "dòng 2, cột time:" in failed.output

    figures = order_tests.write_csv(
        tmp_path / "figures.csv", [["views", "unique viewers"], ["1000", "400"]]
    )
    out = runner.invoke(
        args=["orders", "audience", str(figures), "--session", str(shop.session_id), "--json"]
    )
    assert out.exit_code == 0 and json.loads(out.output)["unique_viewers"] == 400
    missing = runner.invoke(args=["orders", "audience", str(figures), "--session", "999"])
    assert missing.exit_code == 2
