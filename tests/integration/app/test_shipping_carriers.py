"""Carrier accounts (app/shipping/carrier_pages.py, carrier_api.py) on SQLite and PostgreSQL:
connecting one seals its secrets (never shown by the page or the API, not plain text in the
database), its webhook address is given, turning it off makes the address answer 404, only
coordinators connect, another club's account answers 404."""

from __future__ import annotations

import flask
import sqlalchemy as sa

from app import extensions
from app.models import accounts
from app.models import shipping as models
from tests import conftest
from tests.support import clubs as clubs_support

TOKEN = "ghn-token-SECRET-4711"
SETTINGS = {"token": TOKEN, "shop_id": "885"}


def _headers(app: flask.Flask, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {conftest.issue_token(app, user)}"}


def test_connect_seals_secrets_and_turning_off_closes_the_webhook(
    app: flask.Flask, people: conftest.People, other_club: clubs_support.OtherClub
) -> None:
    client = app.test_client()
    coordinator = _headers(app, people.username(accounts.Role.COORDINATOR))
    seller = _headers(app, people.username(accounts.Role.SELLER))
    refused = client.post(
        "/api/v1/shipping/carriers", headers=seller, json={"carrier": "ghn", "settings": SETTINGS}
    )
    assert refused.status_code == 403
    created = client.post(
        "/api/v1/shipping/carriers",
        headers=coordinator,
        json={"carrier": "ghn", "label": "Kho Móng Cái", "settings": SETTINGS},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert TOKEN not in created.get_data(as_text=True)
    assert body["config"]["shop_id"] == "885"
    assert body["webhook_url"].startswith("http")
    key = body["webhook_url"].rstrip("/").rsplit("/", 1)[1]
    assert body["webhook_url"].endswith(f"/webhooks/carriers/{key}")
    with app.app_context():
        row = extensions.db.session.get(models.CarrierAccount, body["id"])
        assert row is not None and row.secrets
        assert TOKEN not in row.secrets and TOKEN not in str(row.config)
        assert row.webhook_key == key

    listed = client.get("/api/v1/shipping/carriers", headers=seller)
    assert [item["id"] for item in listed.get_json()] == [body["id"]]
    assert TOKEN not in listed.get_data(as_text=True)
    page = client.get("/shipping/carriers", headers=seller)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert TOKEN not in text and f"/webhooks/carriers/{key}" in text
    assert 'type="password"' in text

    webhook = f"/webhooks/carriers/{key}"
    open_answer = client.post(webhook, json={"OrderCode": "NOPE", "Status": "delivered"})
    assert open_answer.status_code != 404
    theirs = _headers(app, other_club.coordinator)
    url = f"/api/v1/shipping/carriers/{body['id']}"
    assert client.patch(url, headers=theirs, json={"active": False}).status_code == 404
    assert client.patch(url, headers=seller, json={"active": False}).status_code == 403
    off = client.patch(url, headers=coordinator, json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert client.post(webhook, json={"OrderCode": "NOPE"}).status_code == 404
    on = client.patch(url, headers=coordinator, json={"active": True})
    assert on.get_json()["active"] is True
    assert client.post(webhook, json={"OrderCode": "NOPE"}).status_code != 404


def test_the_page_connects_and_refuses_missing_settings(
    app: flask.Flask, people: conftest.People
) -> None:
    client = app.test_client()
    coordinator = _headers(app, people.username(accounts.Role.COORDINATOR))
    missing = client.post(
        "/shipping/carriers",
        headers=coordinator,
        data={"carrier": "ghtk", "config.token": "ghtk-SECRET-1"},
    )
    assert missing.status_code == 422
    assert "ghtk-SECRET-1" not in missing.get_data(as_text=True)
    done = client.post(
        "/shipping/carriers",
        headers=coordinator,
        data={
            "carrier": "ghtk",
            "label": "GHTK chính",
            "config.token": "ghtk-SECRET-1",
            "config.client_source": "S123",
            "config.webhook_hash": "hash-SECRET-2",
            "config.api_base_url": "https://services.giaohangtietkiem.vn",
        },
    )
    assert done.status_code == 302
    with app.app_context():
        rows = extensions.db.session.scalars(sa.select(models.CarrierAccount)).all()
        assert [(r.carrier, r.label) for r in rows] == [("ghtk", "GHTK chính")]
        assert "SECRET" not in (rows[0].secrets or "")
    page = client.get("/shipping/carriers", headers=coordinator).get_data(as_text=True)
    assert "GHTK chính" in page and "SECRET" not in page
