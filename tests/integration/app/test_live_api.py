"""Livestream API: streamers, sessions (range + pagination), slots, status, duplicate,
409 conflict shape, host state, feed rotation, permissions, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import flask
import flask.testing
import pytest

from app.models import accounts
from tests import conftest
from tests.integration.app import test_live_services as support

Role = accounts.Role
Headers = dict[Role, dict[str, str]]


@pytest.fixture
def world(app: flask.Flask, people: conftest.People) -> support.World:
    return support.build_world(app, people)


def session_body(world: support.World, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Phiên sáng chủ nhật",
        "platform": "facebook",
        "starts_at": "2026-12-06T09:00:00",  # no offset: Vietnam time
        "ends_at": "2026-12-06T10:00:00+07:00",
        "host_ids": [world.streamer_ids[0]],
    }
    body.update(fields)
    return body


def test_session_crud_range_and_409_shape(
    client: flask.testing.FlaskClient, bearer: Headers, world: support.World
) -> None:
    h = bearer[Role.COORDINATOR]
    created = client.post("/api/v1/live/sessions", json=session_body(world), headers=h)
    assert created.status_code == 201, created.get_json()
    first = created.get_json()
    assert first["starts_at"].startswith("2026-12-06T02:00:00")
    assert first["starts_at_local"] == "2026-12-06T09:00" and first["status"] == "planned"
    clash = client.post(
        "/api/v1/live/sessions",
        json=session_body(
            world,
            title="Trùng",
            starts_at="2026-12-06T10:15:00+07:00",
            ends_at="2026-12-06T11:00:00+07:00",
        ),
        headers=h,
    )  # within the 30-minute default buffer
    assert clash.status_code == 409
    error = clash.get_json()["error"]
    assert error["code"] == "conflict"
    assert "Phiên sáng chủ nhật" in error["message"]
    assert error["fields"]["conflict_session_id"] == [str(first["id"])]
    assert error["fields"]["conflict_session_title"] == ["Phiên sáng chủ nhật"]
    ok = client.post(
        "/api/v1/live/sessions",
        json=session_body(
            world,
            title="Đủ giờ chuẩn bị",
            starts_at="2026-12-06T10:30:00+07:00",
            ends_at="2026-12-06T11:00:00+07:00",
        ),
        headers=h,
    )
    assert ok.status_code == 201
    listed = client.get(
        "/api/v1/live/sessions?start=2026-12-06T00:00:00&end=2026-12-07T00:00:00&per_page=1",
        headers=h,
    ).get_json()
    assert listed["total"] == 2 and listed["pages"] == 2
    assert [s["title"] for s in listed["items"]] == ["Phiên sáng chủ nhật"]
    none = client.get("/api/v1/live/sessions?start=2026-12-07T00:00:00", headers=h).get_json()
    assert none["total"] == 0
    patched = client.patch(
        f"/api/v1/live/sessions/{first['id']}", json={"ends_at": "2026-12-06T08:00:00"}, headers=h
    )
    assert patched.status_code == 422 and "ends_at" in patched.get_json()["error"]["fields"]
    moved = client.patch(
        f"/api/v1/live/sessions/{ok.get_json()['id']}",
        json={"starts_at": "2026-12-06T09:30:00"},
        headers=h,
    )
    assert moved.status_code == 409
    assert client.delete(f"/api/v1/live/sessions/{first['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/live/sessions/{first['id']}", headers=h).status_code == 404


def test_slots_status_duplicate_and_host_state(
    client: flask.testing.FlaskClient, bearer: Headers, world: support.World
) -> None:
    h = bearer[Role.COORDINATOR]
    sid = client.post("/api/v1/live/sessions", json=session_body(world), headers=h).get_json()["id"]
    codes = []
    for pid in world.product_ids:
        slot = client.post(
            f"/api/v1/live/sessions/{sid}/slots",
            json={"product_id": pid, "length_s": 900, "live_price": 50_000},
            headers=h,
        )
        assert slot.status_code == 201, slot.get_json()
        codes.append(slot.get_json())
    assert [c["code"] for c in codes] == ["NM1", "CT1", "MO1"]
    assert codes[0]["list_price"] == 55_000 and codes[0]["discount_amount"] == 5_000
    assert codes[0]["discount_percent"] == 9.1
    overrun = client.post(
        f"/api/v1/live/sessions/{sid}/slots",
        json={"product_id": world.product_ids[0], "length_s": 960},
        headers=h,
    )
    assert overrun.status_code == 422
    assert "1 phút" in overrun.get_json()["error"]["fields"]["length"][0]
    order = client.put(
        f"/api/v1/live/sessions/{sid}/slots/order",
        json={"slot_ids": [codes[2]["id"], codes[0]["id"], codes[1]["id"]]},
        headers=h,
    )
    assert [s["code"] for s in order.get_json()] == ["MO1", "NM1", "CT1"]
    patched = client.patch(
        f"/api/v1/live/sessions/{sid}/slots/{codes[1]['id']}", json={"code": "che 1"}, headers=h
    )
    assert patched.get_json()["code"] == "CHE1"
    state = client.post(f"/api/v1/live/sessions/{sid}/host", json={"action": "start"}, headers=h)
    assert state.get_json()["current"]["code"] == "MO1"
    state = client.post(
        f"/api/v1/live/sessions/{sid}/host", json={"action": "extend", "seconds": 300}, headers=h
    ).get_json()
    assert state["current"]["extension_s"] == 300
    seller_view = client.get(f"/api/v1/live/sessions/{sid}/host", headers=bearer[Role.SELLER])
    assert seller_view.get_json()["current"]["code"] == "MO1"
    refused = client.post(
        f"/api/v1/live/sessions/{sid}/host", json={"action": "next"}, headers=bearer[Role.SELLER]
    )
    assert refused.status_code == 403
    status = client.post(
        f"/api/v1/live/sessions/{sid}/status", json={"status": "planned"}, headers=h
    )
    assert status.status_code == 409  # live cannot go back to planned
    copy = client.post(f"/api/v1/live/sessions/{sid}/duplicate", json={"days": 7}, headers=h)
    assert copy.status_code == 201
    assert copy.get_json()["starts_at_local"] == "2026-12-13T09:00"
    assert [s["code"] for s in copy.get_json()["slots"]] == ["MO1", "NM1", "CHE1"]
    again = client.post(f"/api/v1/live/sessions/{sid}/duplicate", json={"days": 7}, headers=h)
    assert again.status_code == 409
    assert again.get_json()["error"]["fields"]["conflict_session_id"] == [
        str(copy.get_json()["id"])
    ]


def test_streamers_feeds_and_permissions(
    client: flask.testing.FlaskClient, bearer: Headers, world: support.World
) -> None:
    h = bearer[Role.COORDINATOR]
    listed = client.get("/api/v1/live/streamers", headers=h).get_json()
    assert [s["display_name"] for s in listed] == ["Lan Anh", "Minh"]
    patched = client.patch(
        f"/api/v1/live/streamers/{world.streamer_ids[0]}",
        json={"tiktok_handle": "@lan.anh", "platforms": ["tiktok", "facebook"]},
        headers=h,
    ).get_json()
    assert patched["tiktok_handle"] == "lan.anh" and patched["platforms"] == ["tiktok", "facebook"]
    feed = client.post("/api/v1/live/feeds", json={}, headers=h).get_json()
    assert feed["scope"] == "club"
    old_path = feed["url"].split("localhost", 1)[1]
    assert client.get(old_path).status_code == 200
    rotated = client.post("/api/v1/live/feeds/rotate", json={}, headers=h).get_json()
    assert client.get(old_path).status_code == 404
    assert client.get(rotated["url"].split("localhost", 1)[1]).status_code == 200
    seller = bearer[Role.SELLER]
    own = client.post(
        "/api/v1/live/feeds/rotate", json={"streamer_id": world.streamer_ids[0]}, headers=seller
    )
    assert own.status_code == 200 and own.get_json()["scope"] == "streamer"
    theirs = client.post("/api/v1/live/feeds/rotate", json={}, headers=seller).get_json()
    assert theirs["scope"] == "streamer" and theirs["url"] != own.get_json()["url"]
    other = client.post(
        "/api/v1/live/feeds/rotate", json={"streamer_id": world.streamer_ids[1]}, headers=seller
    )
    assert other.status_code == 403
    assert client.get("/api/v1/live/sessions", headers=seller).status_code == 403
    assert client.get("/api/v1/live/streamers", headers=bearer[Role.PRODUCER]).status_code == 403
    assert client.get("/api/v1/live/sessions").status_code == 401


def test_openapi_documents_live_endpoints(client: flask.testing.FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in (
        "/api/v1/live/sessions",
        "/api/v1/live/sessions/{session_id}/slots/order",
        "/api/v1/live/sessions/{session_id}/host",
        "/api/v1/live/sessions/{session_id}/duplicate",
        "/api/v1/live/feeds/rotate",
    ):
        assert path in paths
    assert "409" in paths["/api/v1/live/sessions"]["post"]["responses"]
