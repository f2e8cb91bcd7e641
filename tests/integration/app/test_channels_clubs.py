"""Shops (channel accounts) and listings as a club sees them: club 2's shop, its listings and
its stored credentials are out of club 1's reach on every page and API path (404 by id, absent
from lists), shops are created only for one's own club and the producers it works with, the
publish picker offers only those producers' products, and every job carries the shop's club.

``people`` is club 1 (coordinator1, seller1); ``other_club`` is club 2 (coordinator2,
seller2) with "HTX Mật ong Hạ Long", a producer club 1 does not work with.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from typing import Any

import pytest
import sqlalchemy as sa

from app import extensions
from app.channels import accounts, actions, sync
from app.core import tenancy
from app.models import channels, jobs, orgs
from tests import conftest
from tests.integration.app import test_channels_pages as pages
from tests.support import catalog as builders

State = channels.ListingState
market = pages.market  # fake marketplace, club 1's fish products, fake dispatch
SECRET2 = "khoa-bi-mat-CLB2-9d1e77"
HONEY = "Mật ong bạc hà Hạ Long"


@dataclasses.dataclass
class Clubs:
    club1: int
    club2: int
    producer2: int
    shop1: int  # club 1's Shopee shop (connected)
    shop2: int  # club 2's Shopee shop (connected, SECRET2)
    pack2: int  # club 2's Postmart shop
    honey: int  # club 2's product
    listing2: int  # the honey listing on club 2's Shopee shop
    pack_listing2: int  # the honey listing on club 2's Postmart shop


def _shop(app, username: str, data: dict[str, Any], connect: bool = True) -> int:
    with app.app_context():
        session = extensions.db.session
        user = conftest.user_named(username)
        account = accounts.save_account(session, user, data)
        if connect and data["marketplace"] == "shopee":
            scope = tenancy.scope_for(session, user)
            url = accounts.start_connect(session, account.id, "http://localhost/cb", scope=scope)
            state = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["state"][0]
            accounts.finish_connect(session, {"state": state, "code": "good-code"}, scope=scope)
        return account.id


def _shopee(owner: str, name: str, secret: str = pages.SECRET) -> dict[str, Any]:
    return {
        "marketplace": "shopee",
        "name": name,
        "owner": owner,
        "config.partner_id": "2001234",
        "config.partner_key": secret,
        "default_category_id": "100644",
    }


@pytest.fixture
def clubs(app, people, other_club, market) -> Clubs:
    shop1 = _shop(app, "coordinator1", _shopee(f"club:{people.club_id}", "Shop Móng Cái"))
    shop2 = _shop(
        app, "coordinator2", _shopee(f"club:{other_club.club_id}", "Shop Hạ Long", SECRET2)
    )
    pack2 = _shop(
        app,
        "coordinator2",
        {
            "marketplace": "postmart",
            "name": "Postmart Hạ Long",
            "owner": f"producer:{other_club.producer_id}",
            "config.shop_name": "Mật ong Hạ Long",
        },
    )
    honey = builders.make_product(
        app, "seller2", builders.product_data(other_club.producer_id, name=HONEY, skus=("MO-1",))
    )
    with app.app_context():
        session = extensions.db.session
        seller2 = conftest.user_named("seller2")
        published = actions.publish(session, seller2, shop2, [honey], dispatch=market.dispatch)
        packed = actions.publish(session, seller2, pack2, [honey], dispatch=market.dispatch)
        listing2, pack_listing2 = published.listings[0].id, packed.listings[0].id
    return Clubs(
        people.club_id,
        other_club.club_id,
        other_club.producer_id,
        shop1,
        shop2,
        pack2,
        honey,
        listing2,
        pack_listing2,
    )


def _snapshot(app, clubs: Clubs) -> tuple[Any, ...]:
    with app.app_context():
        session = extensions.db.session
        shop = session.get(channels.ChannelAccount, clubs.shop2)
        listing = session.get(channels.Listing, clubs.listing2)
        pack = session.get(channels.Listing, clubs.pack_listing2)
        mappings = session.scalar(
            sa.select(sa.func.count(channels.CategoryMapping.id)).where(
                channels.CategoryMapping.account_id == clubs.shop2
            )
        )
        return (
            shop.name,
            shop.status,
            shop.oauth_state,
            shop.secrets_enc,
            listing.state,
            listing.certificate_override,
            pack.state,
            pack.external_id,
            mappings,
        )


# --- isolation by id and by list --------------------------------------------------------------


def test_another_clubs_shop_is_out_of_reach_on_every_page(app, client, auth, clubs) -> None:
    before = _snapshot(app, clubs)
    for username in ("coordinator1", "seller1"):
        auth.login(username)
        index = client.get("/channels/").get_data(as_text=True)
        assert "Shop Móng Cái" in index
        assert "Shop Hạ Long" not in index and "Postmart Hạ Long" not in index
        gets = [f"/channels/{clubs.shop2}", f"/channels/{clubs.shop2}/publish"]
        posts = [
            (f"/channels/{clubs.shop2}/publish", {"product_ids": [clubs.honey]}),
            *(
                (f"/channels/listings/{clubs.listing2}/{action}", {"on": "1"})
                for action in ("retry", "pause", "resume", "delist", "certificate-override")
            ),
            (f"/channels/listings/{clubs.pack_listing2}/pack", {}),
            (f"/channels/listings/{clubs.pack_listing2}/live", {"reference": "https://x.vn/1"}),
        ]
        if username == "coordinator1":
            gets += [f"/channels/{clubs.shop2}/edit", f"/channels/{clubs.shop2}/categories"]
            posts += [
                (f"/channels/{clubs.shop2}/connect", {}),
                (f"/channels/{clubs.shop2}/edit", {"name": "Chiếm", "owner": "club:1"}),
                (f"/channels/{clubs.shop2}/categories", {"category.1": "999"}),
            ]
        for url in gets:
            reply = client.get(url)
            assert reply.status_code == 404, (username, url)
            assert SECRET2 not in reply.get_data(as_text=True)
        for url, data in posts:
            reply = client.post(url, data=data)
            assert reply.status_code == 404, (username, url, reply.status_code)
        auth.logout()
    assert _snapshot(app, clubs) == before

    auth.login("coordinator2")  # the club's own staff reach them
    assert client.get(f"/channels/{clubs.shop2}").status_code == 200
    assert "Shop Hạ Long" in client.get("/channels/").get_data(as_text=True)
    assert "Shop Móng Cái" not in client.get("/channels/").get_data(as_text=True)
    assert client.get(f"/channels/{clubs.shop1}").status_code == 404


def test_another_clubs_shop_is_out_of_reach_on_every_api_path(app, client, clubs) -> None:
    before = _snapshot(app, clubs)
    headers = {"Authorization": f"Bearer {conftest.issue_token(app, 'coordinator1')}"}
    shops = client.get("/api/v1/channels/accounts", headers=headers)
    assert [row["id"] for row in shops.get_json()] == [clubs.shop1]
    assert SECRET2 not in shops.get_data(as_text=True)
    for method, path, body in (
        ("get", f"/api/v1/channels/accounts/{clubs.shop2}", None),
        ("get", f"/api/v1/channels/accounts/{clubs.shop2}/listings", None),
        ("post", f"/api/v1/channels/accounts/{clubs.shop2}/publish", {"product_ids": [1]}),
        ("post", f"/api/v1/channels/listings/{clubs.listing2}/retry", None),
        ("post", f"/api/v1/channels/listings/{clubs.listing2}/pause", None),
        ("post", f"/api/v1/channels/listings/{clubs.listing2}/resume", None),
        ("post", f"/api/v1/channels/listings/{clubs.listing2}/delist", None),
        ("post", f"/api/v1/channels/listings/{clubs.listing2}/certificate-override", {"on": True}),
        ("post", f"/api/v1/channels/listings/{clubs.pack_listing2}/pack", None),
        ("post", f"/api/v1/channels/listings/{clubs.pack_listing2}/live", {"reference": "x"}),
    ):
        reply = getattr(client, method)(path, headers=headers, json=body)
        assert reply.status_code == 404, (method, path, reply.get_data(as_text=True))
        assert SECRET2 not in reply.get_data(as_text=True)
    assert _snapshot(app, clubs) == before

    own = {"Authorization": f"Bearer {conftest.issue_token(app, 'seller2')}"}
    listed = client.get(f"/api/v1/channels/accounts/{clubs.shop2}/listings", headers=own)
    assert [row["id"] for row in listed.get_json()["items"]] == [clubs.listing2]
    shop = client.get(f"/api/v1/channels/accounts/{clubs.pack2}", headers=own).get_json()
    assert (shop["owner"], shop["club_id"]) == (f"producer:{clubs.producer2}", clubs.club2)


# --- creating shops ------------------------------------------------------------------------


def test_shops_are_created_only_for_the_club_and_its_producers(app, client, people, clubs):
    coordinator1 = {"Authorization": f"Bearer {conftest.issue_token(app, 'coordinator1')}"}
    admin = {"Authorization": f"Bearer {conftest.issue_token(app, 'admin1')}"}

    def body(owner: str, **fields: Any) -> dict[str, Any]:
        return {
            "marketplace": "postmart",
            "name": "Gian hàng mới",
            "owner": owner,
            "config": {"shop_name": "Mới"},
            **fields,
        }

    with app.app_context():
        count = extensions.db.session.scalar(sa.select(sa.func.count(channels.ChannelAccount.id)))
    for owner, fields in (
        (f"club:{clubs.club2}", {}),
        (f"producer:{clubs.producer2}", {}),
        (f"producer:{clubs.producer2}", {"club_id": clubs.club2}),
        (f"producer:{people.producer_id}", {"club_id": clubs.club2}),
        ("club:999999", {}),
    ):
        reply = client.post(
            "/api/v1/channels/accounts", headers=coordinator1, json=body(owner, **fields)
        )
        assert reply.status_code == 422, (owner, fields, reply.get_data(as_text=True))
    # An admin picks the club; the producer must work with that club.
    refused = client.post(
        "/api/v1/channels/accounts",
        headers=admin,
        json=body(f"producer:{clubs.producer2}", club_id=clubs.club1),
    )
    assert refused.status_code == 422 and "owner" in refused.get_json()["error"]["fields"]
    with app.app_context():
        after = extensions.db.session.scalar(sa.select(sa.func.count(channels.ChannelAccount.id)))
        assert after == count
    made = client.post(
        "/api/v1/channels/accounts",
        headers=admin,
        json=body(f"producer:{clubs.producer2}", club_id=clubs.club2),
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    assert (made.get_json()["club_id"], made.get_json()["owner"]) == (
        clubs.club2,
        f"producer:{clubs.producer2}",
    )
    own = client.post(
        "/api/v1/channels/accounts", headers=coordinator1, json=body(f"club:{clubs.club1}")
    )
    assert own.status_code == 201 and own.get_json()["club_id"] == clubs.club1
    producer_shop = client.post(
        "/api/v1/channels/accounts",
        headers=coordinator1,
        json=body(f"producer:{people.producer_id}"),
    )
    assert producer_shop.status_code == 201
    assert producer_shop.get_json()["club_id"] == clubs.club1


def test_the_shop_form_offers_only_the_clubs_own_owners(client, auth, clubs) -> None:
    auth.login("coordinator1")
    form = client.get("/channels/new?marketplace=postmart").get_data(as_text=True)
    assert f'value="club:{clubs.club1}"' in form
    assert f'value="club:{clubs.club2}"' not in form
    assert f'value="producer:{clubs.producer2}"' not in form and "Mật ong Hạ Long" not in form
    assert 'name="club_id"' not in form
    refused = client.post(
        "/channels/new",
        data={
            "marketplace": "postmart",
            "name": "Chiếm",
            "owner": f"club:{clubs.club2}",
            "config_shop_name": "x",
        },
    )
    assert refused.status_code == 422
    assert 'data-field="owner"' in refused.get_data(as_text=True)
    auth.logout()
    auth.login("admin1")
    form = client.get("/channels/new?marketplace=postmart").get_data(as_text=True)
    assert f'value="club:{clubs.club2}"' in form and 'name="club_id"' in form


# --- publishing ---------------------------------------------------------------------------


def test_the_publish_picker_offers_only_the_clubs_producers_products(
    app, client, auth, market, clubs
) -> None:
    for username in ("coordinator1", "admin1"):
        auth.login(username)
        picker = client.get(f"/channels/{clubs.shop1}/publish").get_data(as_text=True)
        assert "Nước mắm cá cơm Trà Cổ loại 1" in picker and HONEY not in picker, username
        searched = client.get(f"/channels/{clubs.shop1}/publish?q=mat+ong").get_data(as_text=True)
        assert HONEY not in searched
        refused = client.post(
            f"/channels/{clubs.shop1}/publish", data={"product_ids": [clubs.honey]}
        )
        assert refused.status_code == 422, username
        auth.logout()
    headers = {"Authorization": f"Bearer {conftest.issue_token(app, 'seller1')}"}
    refused = client.post(
        f"/api/v1/channels/accounts/{clubs.shop1}/publish",
        headers=headers,
        json={"product_ids": [clubs.honey]},
    )
    assert refused.status_code == 422
    with app.app_context():
        bound = extensions.db.session.scalar(
            sa.select(sa.func.count(channels.Listing.id)).where(
                channels.Listing.account_id == clubs.shop1
            )
        )
        assert bound == 0


def test_jobs_carry_the_shops_club(app, people, market, clubs) -> None:
    with app.app_context():
        session = extensions.db.session
        publish_jobs = session.scalars(
            sa.select(jobs.Job).where(jobs.Job.kind == "channels.publish")
        ).all()
        assert [job.club_id for job in publish_jobs] == [clubs.club2]
        # Club 2 starts selling club 1's fish too: one sync job per club on a change.
        club2 = session.get(orgs.Club, clubs.club2)
        club2.producers.append(session.get(orgs.Producer, people.producer_id))
        session.commit()
        fish = market.product_ids[0]
        first = actions.publish(
            session, conftest.user_named("seller1"), clubs.shop1, [fish], market.dispatch
        )
        second = actions.publish(
            session, conftest.user_named("seller2"), clubs.shop2, [fish], market.dispatch
        )
        assert (first.job.club_id, second.job.club_id) == (clubs.club1, clubs.club2)
        sync.products_changed(session, conftest.user_named("seller1"), [fish], market.dispatch)
        syncs = session.scalars(sa.select(jobs.Job).where(jobs.Job.kind == "channels.sync")).all()
        assert sorted(job.club_id for job in syncs) == [clubs.club1, clubs.club2]
        assert sync.listings_to_sync(session, [fish], clubs.club1) == [first.listings[0].id]
        assert sync.listings_to_sync(session, [fish], clubs.club2) == [second.listings[0].id]


def test_the_connect_callback_finishes_only_a_shop_of_the_users_club(
    app, client, auth, clubs
) -> None:
    with app.app_context():
        session = extensions.db.session
        coordinator2 = conftest.user_named("coordinator2")
        account = accounts.save_account(
            session,
            coordinator2,
            _shopee(f"club:{clubs.club2}", "Shop Hạ Long 2", SECRET2),
        )
        url = accounts.start_connect(
            session,
            account.id,
            "http://localhost/channels/callback",
            scope=tenancy.scope_for(session, coordinator2),
        )
        new_id = account.id
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["state"][0]
    auth.login("coordinator1")
    stolen = client.get(f"/channels/callback?state={state}&code=good-code")
    assert stolen.status_code == 302 and stolen.location.endswith("/channels/")
    with app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, new_id)
        assert account.status == channels.AccountStatus.NOT_CONNECTED
        assert account.oauth_state == state  # left for club 2's staff
    auth.logout()
    auth.login("coordinator2")
    done = client.get(f"/channels/callback?state={state}&code=good-code")
    assert done.status_code == 302 and done.location.endswith(f"/channels/{new_id}")
    with app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, new_id)
        assert account.status == channels.AccountStatus.CONNECTED
