"""The payment pages and API: connecting a service (secrets sealed, never shown back), turning a
connection off and deleting it, the review list settled by hand with the order picker, the
transactions list and its filters, the order page's payments, who may do what, another club's
rows answering like missing ones; and the demo: an order paid at the sandbox bank turns paid
in the app."""

from __future__ import annotations

import time

import flask
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.models import orgs
from app.models import payments as models
from app.setup import demo as demo_service
from integrations.payments.base import Direction, Transfer
from sandbox import bank as sandbox_bank
from sandbox import core, servers
from tests import conftest
from tests.support import clubs as clubs_support
from tests.support import payments as support
from vietnam import transfers

State = models.MatchState
SEPAY = {
    "provider": "sepay",
    "bank_bin": "970436",
    "account_number": "0123 499 999",
    "label": "Tài khoản chính",
    "config.auth": "hmac",
    "config.webhook_secret": "a-very-secret-hmac-key",
}


def _record(app: flask.Flask, club_id: int, txid: str, amount: int, content: str) -> int:
    from app.payments import matching

    with app.app_context():
        row = matching.record(
            extensions.db.session,
            club_id,
            Transfer(
                provider="sepay",
                transaction_id=txid,
                account_number="0123499999",
                amount=amount,
                direction=Direction.IN,
                content=content,
                occurred_at=support.PLACED_AT,
            ),
            source=models.TransactionSource.WEBHOOK,
        ).transaction
        return row.id


def test_connect_a_service_on_the_page(
    app: flask.Flask,
    people: conftest.People,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
) -> None:
    auth.login("coordinator1")
    page = client.get("/payments/connections")
    assert page.status_code == 200
    assert "Chưa có kết nối nào." in page.get_data(as_text=True)
    done = client.post("/payments/connections", data=SEPAY)
    assert done.status_code == 302, done.get_data(as_text=True)
    html = client.get("/payments/connections").get_data(as_text=True)
    with app.app_context():
        row = extensions.db.session.scalars(sa.select(models.PaymentConnection)).one()
        assert row.account_number == "0123499999"
        assert row.config == {"auth": "hmac", "account_number": "0123499999"}
        assert row.secrets and "a-very-secret-hmac-key" not in row.secrets
        token = row.webhook_token
    assert f"http://localhost/webhooks/payments/{token}" in html
    assert "a-very-secret-hmac-key" not in html
    assert "Chưa nhận cuộc gọi nào" in html
    # The same account twice: refused, said on the field.
    again = client.post("/payments/connections", data=SEPAY)
    assert again.status_code == 422
    assert "đã được kết nối với dịch vụ này rồi" in again.get_data(as_text=True)
    # SePay's HMAC needs its secret.
    missing = client.post(
        "/payments/connections",
        data={**SEPAY, "account_number": "1234567", "config.webhook_secret": ""},
    )
    assert missing.status_code == 422
    # Turned off, the address answers 404; on again, it is reached (and refuses a bad call).
    row_id = _one_connection(app)
    client.post(f"/payments/connections/{row_id}/active", data={"active": "0"})
    assert client.post(f"/webhooks/payments/{token}", json={}).status_code == 404
    client.post(f"/payments/connections/{row_id}/active", data={"active": "1"})
    refused = client.post(f"/webhooks/payments/{token}", json={})
    assert refused.status_code == 401 and refused.json["error"]["code"] == "bad_signature"
    assert client.post(f"/payments/connections/{row_id}/delete").status_code == 302
    assert client.post(f"/webhooks/payments/{token}", json={}).status_code == 404


def _one_connection(app: flask.Flask) -> int:
    with app.app_context():
        return int(extensions.db.session.scalars(sa.select(models.PaymentConnection.id)).one())


def test_connections_api_never_shows_a_secret(
    app: flask.Flask, people: conftest.People, bearer: dict, other_club: clubs_support.OtherClub
) -> None:
    client = app.test_client()
    coordinator = bearer[conftest.accounts.Role.COORDINATOR]
    body = {
        "provider": "casso",
        "bank_bin": "970436",
        "account_number": "0123499999",
        "settings": {"checksum_key": "casso-secret-key"},
    }
    made = client.post("/api/v1/payments/connections", json=body, headers=coordinator)
    assert made.status_code == 201, made.json
    assert "casso-secret-key" not in made.get_data(as_text=True)
    assert made.json["webhook_url"].startswith("http://localhost/webhooks/payments/")
    listed = client.get("/api/v1/payments/connections", headers=coordinator)
    assert [c["id"] for c in listed.json] == [made.json["id"]]
    assert "casso-secret-key" not in listed.get_data(as_text=True)
    # Sellers do not manage connections; they do settle transactions.
    seller = bearer[conftest.accounts.Role.SELLER]
    assert client.get("/api/v1/payments/connections", headers=seller).status_code == 403
    assert client.get("/api/v1/payments/transactions", headers=seller).status_code == 200
    # Another club's coordinator: the connection is as missing as a missing one.
    theirs = {"Authorization": f"Bearer {conftest.issue_token(app, other_club.coordinator)}"}
    url = f"/api/v1/payments/connections/{made.json['id']}"
    assert client.get(url, headers=theirs).status_code == 404
    assert client.delete(url, headers=theirs).status_code == 404
    assert client.get("/api/v1/payments/connections", headers=theirs).json == []
    assert client.get(url, headers=coordinator).status_code == 200
    bad = client.post(
        "/api/v1/payments/connections",
        json={**body, "provider": "momo"},
        headers=coordinator,
    )
    assert bad.status_code == 422


def test_review_list_settled_by_hand(
    app: flask.Flask,
    people: conftest.People,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    other_club: clubs_support.OtherClub,
) -> None:
    first, second, theirs_order = (
        *support.place_orders(app, people.club_id, [120_000, 95_000]),
        support.place_orders(app, other_club.club_id, [120_000])[0],
    )
    no_code = _record(app, people.club_id, "R1", 120_000, "chuyen tien mua hang")
    broken = _record(app, people.club_id, "R2", 95_000, transfers.make_code(second)[:-2])
    theirs = _record(app, other_club.club_id, "R3", 120_000, "tien hang")
    auth.login("seller1")
    html = client.get("/payments/review").get_data(as_text=True)
    assert "chuyen tien mua hang" in html and "nội dung không có mã đơn" in html
    assert "mã đơn bị cắt hoặc sai" in html
    assert "tien hang" not in html.replace("chuyen tien mua hang", "")
    # The picker suggests the orders of the transaction's amount, of this club only.
    picker = client.get(f"/payments/transactions/{no_code}").get_data(as_text=True)
    assert "PAY-0000" in picker and "PAY-0001" not in picker
    assert client.get(f"/payments/transactions/{theirs}").status_code == 404
    found = client.get(f"/payments/transactions/{broken}?q=Khách 1").get_data(as_text=True)
    assert "PAY-0001" in found
    # Another club's order or transaction: refused like missing ones, nothing changes.
    refused = client.post(
        f"/payments/transactions/{no_code}/assign", data={"order_id": theirs_order}
    )
    assert refused.status_code == 422
    assert (
        client.post(f"/payments/transactions/{theirs}/assign", data={"order_id": first}).status_code
        == 404
    )
    assert client.post(f"/payments/transactions/{theirs}/set-aside").status_code == 404
    done = client.post(f"/payments/transactions/{no_code}/assign", data={"order_id": first})
    assert done.status_code == 302
    assert support.order_states(app, [first])[first] == ("paid", 120_000, 120_000)
    assert client.post(f"/payments/transactions/{broken}/set-aside").status_code == 302
    rows = {r.id: r for r in support.transactions(app)}
    assert rows[no_code].state is State.EXACT and rows[no_code].assigned_by_id is not None
    assert rows[broken].state is State.IGNORED
    assert rows[theirs].state is State.UNMATCHED
    assert "Không có giao dịch nào cần xử lý." in client.get("/payments/review").get_data(
        as_text=True
    )
    # Settled twice: the second says someone did it.
    again = client.post(f"/payments/transactions/{no_code}/set-aside")
    assert again.status_code == 409
    # The list and its filters; the order page shows what it received.
    listed = client.get("/payments/transactions?state=exact").get_data(as_text=True)
    assert "chuyen tien mua hang" in listed and "Khớp đủ" in listed
    assert "chuyen tien mua hang" not in client.get(
        "/payments/transactions?state=ignored"
    ).get_data(as_text=True)
    assert "chuyen tien mua hang" not in client.get(
        "/payments/transactions?date_from=2026-06-21"
    ).get_data(as_text=True)
    order_page = client.get(f"/orders/{first}").get_data(as_text=True)
    assert 'data-testid="order-payments"' in order_page
    assert "chuyen tien mua hang" in order_page


def test_the_api_settles_the_review_list(
    app: flask.Flask, people: conftest.People, bearer: dict
) -> None:
    [order_id] = support.place_orders(app, people.club_id, [80_000])
    row_id = _record(app, people.club_id, "A1", 50_000, "khong co ma")
    client = app.test_client()
    seller = bearer[conftest.accounts.Role.SELLER]
    listed = client.get("/api/v1/payments/transactions", headers=seller).json
    assert [item["id"] for item in listed["items"]] == [row_id]
    assert listed["items"][0]["reason"] == "no_code"
    done = client.post(
        f"/api/v1/payments/transactions/{row_id}/assign",
        json={"order_id": order_id},
        headers=seller,
    )
    assert done.status_code == 200 and done.json["state"] == "partial"
    assert support.order_states(app, [order_id])[order_id] == ("placed", 50_000, 80_000)
    assert client.get("/api/v1/payments/transactions", headers=seller).json["total"] == 0
    producer = bearer[conftest.accounts.Role.PRODUCER]
    assert client.get("/api/v1/payments/transactions", headers=producer).status_code == 403


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_club_is_paid_through_the_sandbox_bank(
    app: flask.Flask, runner: object, categories: dict[str, int]
) -> None:
    result = runner.invoke(args=["demo", "load"])  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    with app.app_context():
        club_id = extensions.db.session.scalar(
            sa.select(orgs.Club.id).where(orgs.Club.name == demo_service.CLUB["name"])
        )
    assert club_id is not None
    [order_id] = support.place_orders(app, club_id, [150_000])
    with support.serving(app) as url:
        served = servers.bank_sandbox(url)
        try:
            with core.Server(served) as sandbox:
                paid = requests.post(
                    f"{sandbox.url}/_sandbox/pay",
                    json={"amount": 150_000, "content": f"{transfers.make_code(order_id)} ck"},
                    timeout=10,
                )
                assert paid.status_code == 200
                assert paid.json()["account"] == sandbox_bank.DEMO_ACCOUNT
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    if support.order_states(app, [order_id])[order_id][0] == "paid":
                        break
                    time.sleep(0.2)
        finally:
            served.bank.close()
    assert support.order_states(app, [order_id])[order_id] == ("paid", 150_000, 150_000)


def test_payos_refusing_the_keys_leaves_no_connection(
    app: flask.Flask, people: conftest.People, bearer: dict
) -> None:
    client = app.test_client()
    coordinator = bearer[conftest.accounts.Role.COORDINATOR]
    with core.Server(sandbox_bank.BankSandbox(sandbox_bank.Bank())) as sandbox:
        refused = client.post(
            "/api/v1/payments/connections",
            json={
                "provider": "payos",
                "bank_bin": "970436",
                "account_number": "0123499999",
                "settings": {
                    "client_id": sandbox_bank.DEMO_PAYOS_CLIENT_ID,
                    "api_key": "not-the-key",
                    "checksum_key": sandbox_bank.DEMO_PAYOS_CHECKSUM_KEY,
                    "api_base_url": sandbox.url,
                },
            },
            headers=coordinator,
        )
    assert refused.status_code == 422
    assert "dịch vụ từ chối Client ID hoặc khóa API" in refused.json["error"]["message"]
    assert "not-the-key" not in refused.get_data(as_text=True)
    assert client.get("/api/v1/payments/connections", headers=coordinator).json == []
