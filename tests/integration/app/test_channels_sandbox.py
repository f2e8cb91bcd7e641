"""The whole path against real sandbox marketplaces over HTTP: connect, publish, sync.

Faults are injected by the sandbox (random 5xx and "created, but the reply is a
504"); the sandbox's own counts say whether any product was created twice.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import flask
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.catalog import images as images_service
from app.catalog import service as catalog_service
from app.channels import accounts, listings, messages, publishing, sync
from app.core import tenancy
from app.models import accounts as account_models
from app.models import catalog, channels
from tests import conftest
from tests.support import catalog as builders
from tests.support import one_language, sandboxes

Role = account_models.Role
State = channels.ListingState
DIALECTS = ["shopee", "tiktok", "lazada"]


@pytest.fixture(params=DIALECTS)
def sandbox(request: pytest.FixtureRequest) -> Iterator[sandboxes.Running]:
    with sandboxes.running(request.param) as running:
        yield running


def _connect(app: flask.Flask, sandbox: sandboxes.Running, owner: str) -> int:
    """Create the account through the service and connect it through the consent page."""
    with app.app_context():
        session = extensions.db.session
        user = conftest.user_named(owner)
        data: dict[str, Any] = {
            "marketplace": sandbox.name,
            "name": f"{sandbox.name} thử",
            "owner": f"club:{user.club_id}",
            "default_category_id": "100",
        }
        data.update(
            {
                f"config.{k}": v
                for k, v in sandboxes.adapter_config(sandbox.name, sandbox.url).items()
            }
        )
        account = accounts.save_account(session, user, data)
        url = accounts.start_connect(
            session,
            account.id,
            "http://app.test/channels/callback",
            scope=tenancy.scope_for(session, user),
        )
    params = sandboxes.approve(url)
    with app.app_context():
        session = extensions.db.session
        scope = tenancy.scope_for(session, conftest.user_named(owner))
        account = accounts.finish_connect(session, params, scope=scope)
        assert account.status == channels.AccountStatus.CONNECTED
        return account.id


def _products(app: flask.Flask, people: conftest.People, count: int, prefix: str) -> list[int]:
    seller = people.username(Role.SELLER)
    ids = []
    for i in range(count):
        product_id = builders.make_product(
            app,
            seller,
            builders.product_data(
                people.producer_id,
                name=f"Mật ong rừng Bình Liêu {prefix}{i}",
                skus=(f"{prefix}-{i}-A", f"{prefix}-{i}-B"),
                description="Mật ong rừng nguyên chất, khai thác ở Bình Liêu, Quảng Ninh. " * 3,
            ),
        )
        with app.app_context():
            images_service.add_product_image(
                extensions.db.session,
                conftest.user_named(seller),
                product_id,
                sandboxes.jpeg((i * 2 % 255, 120, 40)),
                app.config["MEDIA_ROOT"],
            )
        ids.append(product_id)
    return ids


def _bind(app: flask.Flask, owner: str, account_id: int, product_ids: list[int]) -> list[int]:
    with app.app_context():
        bound = listings.bind(
            extensions.db.session, conftest.user_named(owner), account_id, product_ids
        )
        return [b.id for b in bound]


def _bound(
    app: flask.Flask, people: conftest.People, sandbox: sandboxes.Running, count: int, prefix: str
) -> tuple[int, list[int], list[int]]:
    """A shop the coordinator connects with ``count`` new products of the seller bound to it:
    (account id, product ids, listing ids)."""
    account_id = _connect(app, sandbox, people.username(Role.COORDINATOR))
    product_ids = _products(app, people, count, prefix)
    seller = people.username(Role.SELLER)
    return account_id, product_ids, _bind(app, seller, account_id, product_ids)


def _published(
    app: flask.Flask, people: conftest.People, sandbox: sandboxes.Running, prefix: str
) -> tuple[int, list[int]]:
    """One product bound to a new shop and published: (product id, listing ids)."""
    _account_id, (product_id,), listing_ids = _bound(app, people, sandbox, 1, prefix)
    with app.app_context():
        publishing.run(extensions.db.session, listing_ids, _opts())
    return product_id, listing_ids


def _states(app: flask.Flask) -> list[State]:
    with app.app_context():
        return list(extensions.db.session.scalars(sa.select(channels.Listing.state)))


def _opts(**kw: Any) -> publishing.Options:
    return publishing.Options(backoff_base=0.01, **kw)


def test_publishing_100_products_under_20_percent_faults_creates_each_exactly_once(
    app: flask.Flask, people: conftest.People, sandbox: sandboxes.Running
) -> None:
    _account_id, _product_ids, listing_ids = _bound(app, people, sandbox, 100, "F")
    sandbox.admin("faults", {"error_rate": 0.12, "write_504_rate": 0.08, "seed": 20261128})
    with app.app_context():
        summary = publishing.run(extensions.db.session, listing_ids, _opts())
    assert summary.live == 100, summary
    assert _states(app) == [State.LIVE] * 100
    counts = sandbox.admin("calls")
    assert counts["outcomes"].get("injected_5xx", 0) > 0
    assert counts["outcomes"].get("injected_504_after_write", 0) > 0
    assert counts["products"] == 100
    assert counts["duplicates"] == 0
    remote = sandbox.admin("products")
    with app.app_context():
        bound = {
            row.external_id for row in extensions.db.session.scalars(sa.select(channels.Listing))
        }
    assert bound == {str(p["item_id"]) for p in remote}


def test_two_workers_racing_do_not_double_create_or_double_refresh(
    app: flask.Flask, people: conftest.People, sandbox: sandboxes.Running
) -> None:
    account_id, _product_ids, listing_ids = _bound(app, people, sandbox, 20, "R")
    sandbox.admin("expire-tokens")
    # 5xx before anything happens; a lost *refresh* reply would burn the single-use token.
    sandbox.admin("faults", {"error_rate": 0.1, "seed": 7})
    with app.app_context():  # our copy must look expired too, so both workers want to refresh
        account = extensions.db.session.get(channels.ChannelAccount, account_id)
        account.access_expires_at = account.access_expires_at.replace(year=2000)
        extensions.db.session.commit()
    failures: list[BaseException] = []

    def worker(name: str, order: list[int]) -> None:
        try:
            with app.app_context():
                publishing.run(extensions.db.session, order, _opts(owner=name))
                extensions.db.session.remove()
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=worker, args=("w1", listing_ids)),
        threading.Thread(target=worker, args=("w2", listing_ids[::-1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not failures, failures
    counts = sandbox.admin("calls")
    assert counts["products"] == 20 and counts["duplicates"] == 0
    assert counts["outcomes"].get("refreshes") == 1
    assert counts["outcomes"].get("refresh_reused", 0) == 0
    assert _states(app) == [State.LIVE] * 20


def test_stock_zero_and_new_price_are_applied_on_the_marketplace(
    app: flask.Flask, people: conftest.People, sandbox: sandboxes.Running
) -> None:
    product_id, _listing_ids = _published(app, people, sandbox, "S")
    with app.app_context():
        session = extensions.db.session
        product = session.get(catalog.Product, product_id)
        for variant in product.variants:
            variant.stock, variant.price = 0, 77_000
        catalog_service.refresh_derived(product)
        session.commit()
        summary = sync.run_sync(session, [product_id], _opts())
    assert summary.live == 1
    (remote,) = sandbox.admin("products")
    skus = remote["skus"]
    assert {s: (v["stock"], int(float(v["price"]))) for s, v in skus.items()} == {
        "S-0-A": (0, 77_000),
        "S-0-B": (0, 77_000),
    }


# --- what a seller reads: one language per page, links to the sandbox, the shop's name --------


def _listing_error(page: str) -> str:
    """The visible text of the first listing's error on an account page."""
    match = re.search(r'data-testid="listing-error"[^>]*>(.*?)</(?:p|summary)>', page, re.S)
    assert match, "no listing error on the page"
    return one_language.visible_text(match.group(1))


def test_a_refused_listing_reads_in_the_pages_language(
    app: flask.Flask,
    people: conftest.People,
    sandbox: sandboxes.Running,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
) -> None:
    seller = people.username(Role.SELLER)
    account_id, _product_ids, listing_ids = _bound(app, people, sandbox, 1, "E")
    sandbox.admin("faults", {"error_rate": 1.0, "seed": 3})  # every call a 500 or a 503
    with app.app_context():
        summary = publishing.run(extensions.db.session, listing_ids, _opts())
        listing = extensions.db.session.get(channels.Listing, listing_ids[0])
        stored = (listing.error_code, dict(listing.error_fields or {}))
    assert summary.failed == 1
    # Stored as a code and its numbers, not as a sentence.
    assert stored[0] == "gave_up"
    params = stored[1][messages.PARAMS_KEY]
    assert params["reason"] == "server_error" and params["status"] in (500, 503)
    assert params["n"] == publishing.MAX_ATTEMPTS

    auth.login(seller)
    client.get("/lang/vi")
    vi_page = client.get(f"/channels/{account_id}").get_data(as_text=True)
    vi = _listing_error(vi_page)
    assert f"Đã thử {publishing.MAX_ATTEMPTS} lần" in vi and f"mã lỗi {params['status']}" in vi
    assert one_language.problems(vi, "vi") == []  # no English word, no raw code
    assert "http_5" not in vi_page and "server error" not in vi_page and "[" not in vi

    client.get("/lang/en")
    en_page = client.get(f"/channels/{account_id}").get_data(as_text=True)
    en = _listing_error(en_page)
    assert en != vi and str(publishing.MAX_ATTEMPTS) in en and str(params["status"]) in en
    assert one_language.problems(en, "en") == []  # no Vietnamese word, no raw code
    assert "http_5" not in en_page


def test_a_listing_links_to_the_sandboxs_own_product_page(
    app: flask.Flask, people: conftest.People, sandbox: sandboxes.Running
) -> None:
    _product_id, listing_ids = _published(app, people, sandbox, "L")
    with app.app_context():
        listing = extensions.db.session.get(channels.Listing, listing_ids[0])
        url, external_id, name = listing.url, listing.external_id, listing.product.name
    assert url == f"{sandbox.url}/_sandbox/products/{external_id}"
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and name in page.text
    missing = requests.get(f"{sandbox.url}/_sandbox/products/999999999", timeout=10)
    assert missing.status_code == 404


@pytest.mark.parametrize("sandbox", ["shopee", "tiktok"], indirect=True)
def test_the_shop_is_named_as_the_marketplace_names_it(
    app: flask.Flask, people: conftest.People, sandbox: sandboxes.Running
) -> None:
    account_id = _connect(app, sandbox, people.username(Role.COORDINATOR))
    with app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, account_id)
        label = account.shop_label
        shops = list(sandbox.state.shops.values())
    assert len(shops) == 1 and label == shops[0].name
    assert label != shops[0].shop_id  # the name, not the shop id
