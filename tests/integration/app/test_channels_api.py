"""The channels API with bearer tokens: shops without their secrets, listings a page at a
time, publishing as a job (queued once), listing actions against the fake marketplace,
listing packs, the error shape and the OpenAPI document."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import sqlalchemy as sa

from app import extensions
from app.channels import adapters
from app.channels import jobs as channel_jobs
from app.models import accounts as account_models
from app.models import channels, jobs
from integrations import errors as channel_errors
from tests.integration.app import test_channels_pages as pages
from tests.support import api_replies
from tests.support.api_replies import ok as _ok

Role = account_models.Role
State = channels.ListingState
SECRET = pages.SECRET
market = pages.market  # the shared fixture: fake marketplace, products, fake dispatch


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    error = api_replies.error(response, status, code)
    assert set(error) == {"code", "message", "fields"}
    return error


def _account_body(club_id: int, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "marketplace": "shopee",
        "name": "Shop Trà Cổ",
        "owner": f"club:{club_id}",
        "config": {"partner_id": "2001234", "partner_key": SECRET},
        "default_category_id": "100644",
    }
    body.update(fields)
    return body


def _publish(client: Any, account_id: int, product_ids: list[int], headers: dict[str, str]) -> Any:
    """The body of a publish request the API accepted (202)."""
    return _ok(
        client.post(
            f"/api/v1/channels/accounts/{account_id}/publish",
            json={"product_ids": product_ids},
            headers=headers,
        ),
        202,
    )


def test_anonymous_and_producer_calls_are_refused(market, client, bearer) -> None:
    error = _error(client.get("/api/v1/channels/accounts"), 401, "unauthorized")
    assert error["fields"] == {}
    _error(client.post("/api/v1/channels/accounts/1/publish", json={}), 401, "unauthorized")
    _error(client.get("/api/v1/channels/accounts", headers=bearer[Role.PRODUCER]), 403, "forbidden")
    _error(
        client.post(
            "/api/v1/channels/accounts",
            json=_account_body(market.club_id),
            headers=bearer[Role.SELLER],
        ),
        403,
        "forbidden",
    )


def test_create_and_list_shops_without_secrets(market, client, bearer) -> None:
    headers = bearer[Role.COORDINATOR]
    refused = client.post(
        "/api/v1/channels/accounts",
        json=_account_body(market.club_id, owner="club:999", config={"partner_key": SECRET}),
        headers=headers,
    )
    error = _error(refused, 422, "validation_error")
    assert set(error["fields"]) == {"owner", "config.partner_id"}
    assert SECRET not in refused.get_data(as_text=True)

    created = client.post(
        "/api/v1/channels/accounts", json=_account_body(market.club_id), headers=headers
    )
    body = _ok(created, 201)
    assert SECRET not in created.get_data(as_text=True)
    assert body["config"]["partner_key"] is True and body["config"]["partner_id"] == "2001234"
    assert (body["marketplace"], body["marketplace_title"], body["kind"]) == (
        "shopee",
        "Shopee",
        "api",
    )
    assert (body["status"], body["owner"], body["owner_name"]) == (
        "not_connected",
        f"club:{market.club_id}",
        "CLB Streamer Móng Cái",
    )
    assert body["default_category_id"] == "100644" and body["listing_counts"] == {}

    listed = client.get("/api/v1/channels/accounts", headers=bearer[Role.SELLER])
    assert SECRET not in listed.get_data(as_text=True)
    assert [a["id"] for a in _ok(listed)] == [body["id"]]
    one = client.get(f"/api/v1/channels/accounts/{body['id']}", headers=headers)
    assert SECRET not in one.get_data(as_text=True)
    _error(client.get("/api/v1/channels/accounts/987654", headers=headers), 404, "not_found")

    with market.app.app_context():
        row = extensions.db.session.execute(
            sa.text("SELECT * FROM channel_accounts WHERE id = :id"), {"id": body["id"]}
        ).one()
        assert all(SECRET not in str(value) for value in row)
        account = extensions.db.session.get(channels.ChannelAccount, body["id"])
        assert adapters.vault().open(account.secrets_enc)["partner_key"] == SECRET


def test_publish_answers_202_with_one_job_per_identical_push(market, client, bearer) -> None:
    account_id = pages.shopee_account(market)
    headers = bearer[Role.SELLER]
    url = f"/api/v1/channels/accounts/{account_id}/publish"
    _error(client.post(url, json={"product_ids": []}, headers=headers), 422, "validation_error")
    missing = _error(
        client.post(url, json={"product_ids": [987654]}, headers=headers), 422, "validation_error"
    )
    assert "987654" in missing["fields"]["product_ids"][0]

    first = _ok(client.post(url, json={"product_ids": market.product_ids}, headers=headers), 202)
    second = _ok(client.post(url, json={"product_ids": market.product_ids}, headers=headers), 202)
    job = first["job"]
    assert job["kind"] == channel_jobs.PUBLISH and job["status"] == "queued"
    assert second["job"]["id"] == job["id"]
    assert len(market.dispatch.sent) == 1
    listing_ids = sorted(item["id"] for item in first["listings"])
    assert sorted(job["params"]["listing_ids"]) == listing_ids
    assert {item["state"] for item in first["listings"]} == {"queued"}
    with market.app.app_context():
        stored = extensions.db.session.get(jobs.Job, job["id"])
        assert stored.identity_key == channel_jobs.publish_key(listing_ids)

    pages.run_job(market.app, job["id"])
    page = _ok(
        client.get(
            f"/api/v1/channels/accounts/{account_id}/listings?per_page=2&state=live",
            headers=headers,
        )
    )
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)
    item = page["items"][0]
    assert item["state"] == "live" and item["external_id"] in market.remote.products
    assert item["url"].startswith("https://fake.example/p/") and item["last_synced_at"]
    none = _ok(
        client.get(f"/api/v1/channels/accounts/{account_id}/listings?state=failed", headers=headers)
    )
    assert none["items"] == [] and none["total"] == 0
    bad = client.get(f"/api/v1/channels/accounts/{account_id}/listings?state=gone", headers=headers)
    assert "state" in _error(bad, 422, "validation_error")["fields"]
    _error(
        client.get("/api/v1/channels/accounts/987654/listings", headers=headers), 404, "not_found"
    )
    counts = _ok(client.get(f"/api/v1/channels/accounts/{account_id}", headers=headers))
    assert counts["listing_counts"] == {"live": 3}


def test_listing_actions_through_the_api(market, client, bearer) -> None:
    account_id = pages.shopee_account(market)
    headers = bearer[Role.SELLER]
    market.remote.fail(
        "create_listing",
        channel_errors.ValidationFailed("bad", fields={"images": ["cần ít nhất 1 ảnh"]}),
    )
    published = _publish(client, account_id, market.product_ids[:1], headers)
    pages.run_job(market.app, published["job"]["id"])
    listing_id = published["listings"][0]["id"]
    base = f"/api/v1/channels/listings/{listing_id}"
    (listed,) = _ok(
        client.get(f"/api/v1/channels/accounts/{account_id}/listings", headers=headers)
    )["items"]
    assert listed["state"] == "needs_action"
    assert listed["error_fields"] == {"images": ["cần ít nhất 1 ảnh"]}
    assert "Ảnh: cần ít nhất 1 ảnh" in listed["last_error"]

    retried = _ok(client.post(f"{base}/retry", headers=headers), 202)
    assert retried["listings"][0]["state"] == "queued" and retried["job"]["status"] == "queued"
    pages.run_job(market.app, retried["job"]["id"])

    paused = _ok(client.post(f"{base}/pause", headers=headers))
    assert paused["state"] == "paused" and market.remote.calls["deactivate"] == 1
    _error(client.post(f"{base}/retry", headers=headers), 409, "conflict")
    resumed = _ok(client.post(f"{base}/resume", headers=headers))
    assert resumed["listings"][0]["state"] == "live" and market.remote.calls["activate"] == 1
    pages.run_job(market.app, resumed["job"]["id"])
    assert market.remote.calls["update_price_stock"] == 1
    override = _ok(client.post(f"{base}/certificate-override", json={"on": True}, headers=headers))
    assert override["certificate_override"] is True
    delisted = _ok(client.post(f"{base}/delist", headers=headers))
    assert delisted["state"] == "delisted" and market.remote.calls["deactivate"] == 2
    _error(client.post(f"{base}/resume", headers=headers), 409, "conflict")
    _error(client.post("/api/v1/channels/listings/987654/pause", headers=headers), 404, "not_found")
    _error(client.post(f"{base}/pause", headers=bearer[Role.PRODUCER]), 403, "forbidden")


def test_listing_pack_download_and_live_reference(market, client, bearer) -> None:
    account_id = pages.postmart_account(market)
    pages.add_photo(market.app, market.product_ids[0])
    headers = bearer[Role.SELLER]
    published = _publish(client, account_id, market.product_ids[:2], headers)
    assert published["job"] is None and market.dispatch.sent == []
    with_photo, without_photo = sorted(published["listings"], key=lambda item: item["product_id"])
    assert with_photo["state"] == "draft"

    download = client.post(f"/api/v1/channels/listings/{with_photo['id']}/pack", headers=headers)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.get_data())).namelist()
    download.close()
    assert any(name.endswith(".jpg") for name in names)
    refused = _error(
        client.post(f"/api/v1/channels/listings/{without_photo['id']}/pack", headers=headers),
        422,
        "validation_error",
    )
    assert any(name.startswith("images") for name in refused["fields"])

    foreign = _error(
        client.post(
            f"/api/v1/channels/listings/{with_photo['id']}/live",
            json={"reference": "https://shopee.vn/product/77/1234"},
            headers=headers,
        ),
        422,
        "validation_error",
    )
    assert set(foreign["fields"]) == {"reference"}
    live = _ok(
        client.post(
            f"/api/v1/channels/listings/{with_photo['id']}/live",
            json={"reference": pages.POSTMART_URL},
            headers=headers,
        )
    )
    assert (live["state"], live["external_id"], live["url"]) == (
        "live",
        "43160",
        pages.POSTMART_URL,
    )


def test_channel_endpoints_are_in_the_openapi_document(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, method in (
        ("/api/v1/channels/accounts", "get"),
        ("/api/v1/channels/accounts", "post"),
        ("/api/v1/channels/accounts/{account_id}/listings", "get"),
        ("/api/v1/channels/accounts/{account_id}/publish", "post"),
        ("/api/v1/channels/listings/{listing_id}/retry", "post"),
        ("/api/v1/channels/listings/{listing_id}/pause", "post"),
        ("/api/v1/channels/listings/{listing_id}/resume", "post"),
        ("/api/v1/channels/listings/{listing_id}/delist", "post"),
        ("/api/v1/channels/listings/{listing_id}/pack", "post"),
        ("/api/v1/channels/listings/{listing_id}/live", "post"),
    ):
        assert method in paths[path], (path, method)
    assert "202" in paths["/api/v1/channels/accounts/{account_id}/publish"]["post"]["responses"]
    assert "partner_key" not in json.dumps(spec)  # no secret field names leak into the schema
