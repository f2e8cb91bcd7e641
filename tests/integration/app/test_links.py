"""Every address a user configures goes through the one link check (``app.links``), on both
databases: a livestream's ``live_url`` (API and form), a shop's address fields (API base URLs,
Lazada's and TikTok's ``authorize_url_base``, a seller centre), and the connect button, which
only ever redirects to a checked address, whatever was stored before. ``javascript:``,
CR/LF, spaces, user names in the address and other schemes are refused everywhere; production
takes https only and, for a shop, only the marketplace's own domains. Feed links follow
``PUBLIC_BASE_URL``. (Product links: tests of the catalog; the Host header: test_public.py.)
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import flask
import flask.testing
import pytest
import sqlalchemy as sa

from app import config, extensions
from app.models import accounts, channels, live
from tests import conftest
from tests.integration.app import test_live_bounds as live_bounds
from tests.integration.app import test_live_services as support

Role = accounts.Role
Headers = dict[Role, dict[str, str]]

HOSTILE_ADDRESSES = [
    "javascript:alert(document.cookie)",
    "JAVASCRIPT:alert(1)//https://auth.lazada.com",
    "data:text/html,<script>alert(1)</script>",
    "https://auth.lazada.com/\r\nSet-Cookie: session=x",
    "https://auth.lazada.com/\nx",
    "https://auth.lazada.com/\u2028x",
    "https://auth.lazada.com/ x",
    "https://user:pw@auth.lazada.com/",
    "ftp://auth.lazada.com/",
    "//auth.lazada.com/",
    "https:///oauth",
    "https://auth.lazada.com/" + "a" * 500,
]


@pytest.fixture
def world(app: flask.Flask, people: conftest.People) -> support.World:
    return support.build_world(app, people)


@pytest.fixture
def production(app: flask.Flask) -> Iterator[None]:
    """The app's production rules for addresses (APP_ENV), for the length of a test."""
    app.config["APP_ENV"] = "production"
    yield
    app.config["APP_ENV"] = "testing"


def _fields(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    return dict(error["fields"])


def _count(app: flask.Flask, model: Any) -> int:
    with app.app_context():
        return int(extensions.db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


# --- a livestream's address ---------------------------------------------------------------


def _session_body(world: support.World, **fields: Any) -> dict[str, Any]:
    """A TikTok session (the addresses below are TikTok's)."""
    return live_bounds.session_body(world, **{"platform": "tiktok", **fields})


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_live_url_refuses_hostile_addresses(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    bearer: Headers,
    world: support.World,
    address: str,
) -> None:
    h = bearer[Role.COORDINATOR]
    created = client.post("/api/v1/live/sessions", json=_session_body(world), headers=h)
    assert created.status_code == 201
    sid = created.get_json()["id"]
    before = _count(world.app, live.LiveSession)
    assert "live_url" in _fields(
        client.post(
            "/api/v1/live/sessions",
            json=_session_body(
                world,
                live_url=address,
                starts_at="2026-12-07T09:00:00",
                ends_at="2026-12-07T10:00:00",
            ),
            headers=h,
        )
    )
    assert "live_url" in _fields(
        client.patch(f"/api/v1/live/sessions/{sid}", json={"live_url": address}, headers=h)
    )
    auth.login(world.coordinator)
    page = client.post(
        f"/live/sessions/{sid}/edit", data=live_bounds.session_form(world, live_url=address)
    )
    assert page.status_code == 422
    assert _count(world.app, live.LiveSession) == before
    with world.app.app_context():
        assert extensions.db.session.get(live.LiveSession, sid).live_url is None


def test_live_url_takes_https_only_in_production(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    bearer: Headers,
    world: support.World,
) -> None:
    h = bearer[Role.COORDINATOR]
    plain = "http://www.tiktok.com/@clbmongcai/live"
    allowed = client.post(
        "/api/v1/live/sessions", json=_session_body(world, live_url=plain), headers=h
    )
    assert allowed.status_code == 201  # development and tests take http too
    sid = allowed.get_json()["id"]
    auth.login(world.coordinator)
    world.app.config["APP_ENV"] = "production"
    try:
        problem = _fields(
            client.patch(f"/api/v1/live/sessions/{sid}", json={"live_url": plain}, headers=h)
        )["live_url"][0]
        assert "https://" in problem
        page = client.post(
            f"/live/sessions/{sid}/edit", data=live_bounds.session_form(world, live_url=plain)
        )
        assert page.status_code == 422 and "https://" in page.get_data(as_text=True)
        secure = "https://www.tiktok.com/@clbmongcai/live"
        saved = client.patch(f"/api/v1/live/sessions/{sid}", json={"live_url": secure}, headers=h)
        assert saved.status_code == 200 and saved.get_json()["live_url"] == secure
    finally:
        world.app.config["APP_ENV"] = "testing"


def test_feed_links_follow_public_base_url(
    app_factory: Any, db_url: str, tmp_path: Any, people: conftest.People, world: support.World
) -> None:
    env = {"APP_ENV": "testing", "PUBLIC_BASE_URL": "https://ocop.example.vn"}
    public = app_factory(db_url, PUBLIC_BASE_URL=config.from_env(env, tmp_path)["PUBLIC_BASE_URL"])
    client = public.test_client()
    conftest.Auth(client).login(world.coordinator)
    week = client.get("/live/").get_data(as_text=True)  # reached as http://localhost
    urls = re.findall(r'value="([^"]+\.ics)"', week)
    assert urls and all(u.startswith("https://ocop.example.vn/live/feeds/") for u in urls)
    token = conftest.issue_token(public, world.coordinator)
    feed = client.post(
        "/api/v1/live/feeds",
        json={},
        headers={"Authorization": f"Bearer {token}", "Host": "evil.example"},
    ).get_json()
    assert feed["url"].startswith("https://ocop.example.vn/live/feeds/")
    path = urllib.parse.urlsplit(feed["url"]).path
    assert client.get(path).status_code == 200


# --- a shop's addresses --------------------------------------------------------------------

SHOP_ADDRESS_FIELDS = [
    ("lazada", "authorize_url_base"),
    ("lazada", "api_base_url"),
    ("lazada", "auth_base_url"),
    ("tiktok", "authorize_url_base"),
    ("tiktok", "api_base_url"),
    ("shopee", "auth_base_url"),
    ("postmart", "seller_centre_url"),
]
REQUIRED = {
    "lazada": {"app_key": "123456", "app_secret": "bi-mat-lazada"},
    "tiktok": {"app_key": "6abc", "app_secret": "bi-mat-tiktok"},
    "shopee": {"partner_id": "2001234", "partner_key": "bi-mat-shopee"},
    "postmart": {"shop_name": "Đặc sản Trà Cổ"},
}


def _shop_body(club_id: int, marketplace: str, **config_fields: str) -> dict[str, Any]:
    return {
        "marketplace": marketplace,
        "name": f"Gian hàng {marketplace}",
        "owner": f"club:{club_id}",
        "config": {**REQUIRED[marketplace], **config_fields},
    }


@pytest.fixture
def real_adapters(app: flask.Flask) -> None:
    """The registry's own adapters (no fake): their authorize_url builds the real redirect."""
    app.extensions.pop("channel_adapter_factory", None)


@pytest.mark.parametrize(("marketplace", "field"), SHOP_ADDRESS_FIELDS)
def test_shop_address_fields_refuse_hostile_addresses(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    bearer: Headers,
    people: conftest.People,
    marketplace: str,
    field: str,
) -> None:
    h = bearer[Role.COORDINATOR]
    auth.login(people.username(Role.COORDINATOR))
    for address in HOSTILE_ADDRESSES:
        body = _shop_body(people.club_id, marketplace, **{field: address})
        fields = _fields(client.post("/api/v1/channels/accounts", json=body, headers=h))
        assert set(fields) == {f"config.{field}"}, (address, fields)
        form = {
            "marketplace": marketplace,
            "name": body["name"],
            "owner": body["owner"],
            **{f"config_{k}": v for k, v in body["config"].items()},
        }
        page = client.post("/channels/new", data=form)
        assert page.status_code == 422, address
    assert _count(client.application, channels.ChannelAccount) == 0


def test_other_shop_settings_refuse_control_characters(
    client: flask.testing.FlaskClient, bearer: Headers, people: conftest.People
) -> None:
    h = bearer[Role.COORDINATOR]
    for body, field in (
        (_shop_body(people.club_id, "lazada", app_key="12\r\n34"), "config.app_key"),
        (_shop_body(people.club_id, "postmart", shop_name="Trà\x1bCổ"), "config.shop_name"),
        ({**_shop_body(people.club_id, "lazada"), "name": "Shop\r\nX"}, "name"),
        ({**_shop_body(people.club_id, "lazada"), "club_id": 2**63}, "club_id"),
    ):
        assert field in _fields(client.post("/api/v1/channels/accounts", json=body, headers=h))
    assert _count(client.application, channels.ChannelAccount) == 0


@pytest.mark.usefixtures("production")
def test_shop_addresses_in_production_are_https_on_the_marketplace(
    client: flask.testing.FlaskClient, bearer: Headers, people: conftest.People
) -> None:
    h = bearer[Role.COORDINATOR]
    for marketplace, field, address, message in (
        ("lazada", "authorize_url_base", "http://auth.lazada.com", "https://"),
        ("lazada", "authorize_url_base", "https://evil.example", "lazada.com"),
        ("lazada", "api_base_url", "https://lazada.com.evil.example/rest", "lazada.vn"),
        ("tiktok", "authorize_url_base", "https://services.tiktokshop.evil.example", "tiktokshop"),
        ("shopee", "auth_base_url", "https://evil.example", "shopeemobile.com"),
    ):
        body = _shop_body(people.club_id, marketplace, **{field: address})
        problem = _fields(client.post("/api/v1/channels/accounts", json=body, headers=h))
        assert message in problem[f"config.{field}"][0], (address, problem)
    assert _count(client.application, channels.ChannelAccount) == 0
    for marketplace, field, address in (
        ("lazada", "authorize_url_base", "https://auth.lazada.com"),
        ("lazada", "api_base_url", "https://api.lazada.vn/rest"),
        ("tiktok", "authorize_url_base", "https://services.us.tiktokshop.com"),
        ("shopee", "api_base_url", "https://partner.test-stable.shopeemobile.com"),
    ):
        body = _shop_body(people.club_id, marketplace, **{field: address})
        created = client.post("/api/v1/channels/accounts", json=body, headers=h)
        assert created.status_code == 201, created.get_data(as_text=True)


# --- the connect button ---------------------------------------------------------------------


def _saved_shop(
    client: flask.testing.FlaskClient, h: dict[str, str], club_id: int, kind: str
) -> int:
    created = client.post("/api/v1/channels/accounts", json=_shop_body(club_id, kind), headers=h)
    assert created.status_code == 201, created.get_data(as_text=True)
    return int(created.get_json()["id"])


def _store_config(app: flask.Flask, account_id: int, **values: str) -> None:
    """Write a shop's config straight to the database (as an older version of the app let in)."""
    with app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, account_id)
        account.config = {**(account.config or {}), **values}
        extensions.db.session.commit()


def _state(app: flask.Flask, account_id: int) -> str | None:
    with app.app_context():
        return extensions.db.session.get(channels.ChannelAccount, account_id).oauth_state


@pytest.mark.usefixtures("real_adapters")
@pytest.mark.parametrize(
    ("marketplace", "start"),
    [
        ("lazada", "https://auth.lazada.com/oauth/authorize?"),
        ("tiktok", "https://services.tiktokshop.com/open/authorize?"),
    ],
)
def test_connect_redirects_only_to_a_checked_address(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    bearer: Headers,
    people: conftest.People,
    marketplace: str,
    start: str,
) -> None:
    app = client.application
    account_id = _saved_shop(client, bearer[Role.COORDINATOR], people.club_id, marketplace)
    auth.login(people.username(Role.COORDINATOR))
    good = client.post(f"/channels/{account_id}/connect")
    assert good.status_code == 302 and good.location.startswith(start)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(good.location).query)
    assert query["state"] == [_state(app, account_id)]
    for stored in (
        "javascript:alert(document.cookie)//",
        "https://auth.lazada.com\r\nSet-Cookie: x=1",
        "https://evil.example /",
    ):
        _store_config(app, account_id, authorize_url_base=stored)
        state = _state(app, account_id)
        refused = client.post(f"/channels/{account_id}/connect")
        assert refused.status_code == 302, stored
        assert refused.location.endswith(f"/channels/{account_id}"), refused.location
        assert _state(app, account_id) == state  # nothing remembered for a refused connect
        page = client.get(refused.location).get_data(as_text=True)
        assert "Không mở được trang cấp quyền của sàn" in page
    _store_config(app, account_id, authorize_url_base="https://evil.example")
    outside = client.post(f"/channels/{account_id}/connect")
    assert outside.location.startswith("https://evil.example/")  # any host outside production
    app.config["APP_ENV"] = "production"
    try:
        for stored in ("https://evil.example", "http://auth.lazada.com"):
            _store_config(app, account_id, authorize_url_base=stored)
            refused = client.post(f"/channels/{account_id}/connect")
            assert refused.location.endswith(f"/channels/{account_id}"), stored
    finally:
        app.config["APP_ENV"] = "testing"
