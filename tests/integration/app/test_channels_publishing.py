"""Publishing and syncing listings against a fake marketplace (real database, both backends).

The fake keeps remote products and counts calls, so "exactly one remote
listing each" is checked on the remote side, not inferred from our rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.catalog import service as catalog_service
from app.channels import accounts, adapters, credentials, listings, publishing, sync
from app.core import errors, tenancy
from app.models import accounts as account_models
from app.models import channels, jobs
from integrations import errors as channel_errors
from tests import conftest
from tests.support import catalog as builders
from tests.support import channels as fake

Role = account_models.Role
State = channels.ListingState


@dataclasses.dataclass
class Shop:
    app: flask.Flask
    remote: fake.FakeMarketplace
    account_id: int
    product_ids: list[int]
    seller: str


def _connected_account(
    app: flask.Flask, remote: fake.FakeMarketplace, club_id: int, expired: bool = False
) -> int:
    with app.app_context():
        session = extensions.db.session
        account = channels.ChannelAccount(
            marketplace="shopee",
            name="Gian hàng thử",
            club_id=club_id,
            status=channels.AccountStatus.CONNECTED,
            config={"default_category_id": "100"},
        )
        account.secrets_enc = adapters.vault().seal({"partner_key": "khoa-bi-mat-123"})
        tokens = remote.new_tokens()
        if expired:
            tokens.access_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        adapters.store_tokens(account, tokens)
        session.add(account)
        session.commit()
        return account.id


@pytest.fixture
def shop(app: flask.Flask, people: conftest.People, request: pytest.FixtureRequest) -> Shop:
    remote = fake.FakeMarketplace()
    fake.install(app, remote)
    seller = people.username(Role.SELLER)
    count = getattr(request, "param", 3)
    product_ids = [
        builders.make_product(
            app,
            seller,
            builders.product_data(people.producer_id, name=f"Sản phẩm {i}", skus=(f"SP-{i}",)),
        )
        for i in range(count)
    ]
    with app.app_context():
        club_id = conftest.user_named(seller).club_id
    return Shop(app, remote, _connected_account(app, remote, club_id), product_ids, seller)


def _opts(**kw: Any) -> publishing.Options:
    return publishing.Options(backoff_base=0.001, **kw)


def _publish(shop: Shop, product_ids: list[int] | None = None, **kw: Any) -> publishing.Summary:
    with shop.app.app_context():
        session = extensions.db.session
        user = conftest.user_named(shop.seller)
        bound = listings.bind(session, user, shop.account_id, product_ids or shop.product_ids)
        return publishing.run(session, [b.id for b in bound], _opts(**kw))


def _listings(shop: Shop) -> list[channels.Listing]:
    with shop.app.app_context():
        rows = extensions.db.session.scalars(
            sa.select(channels.Listing).order_by(channels.Listing.product_id)
        ).all()
        extensions.db.session.expunge_all()
        return list(rows)


def test_publish_binds_external_ids_and_goes_live(shop: Shop) -> None:
    summary = _publish(shop)
    assert summary.live == 3
    rows = _listings(shop)
    assert [r.state for r in rows] == [State.LIVE] * 3
    assert all(r.external_id in shop.remote.products for r in rows)
    assert all(r.payload_hash and r.last_synced_at for r in rows)
    assert shop.remote.calls["create_listing"] == 3 and len(shop.remote.products) == 3


def test_create_whose_reply_was_lost_is_found_by_sku_not_created_again(shop: Shop) -> None:
    shop.remote.fail(
        "create_listing",
        channel_errors.TransientError("504", uncertain=True, status=504),
        after=True,
    )
    summary = _publish(shop, shop.product_ids[:1])
    assert summary.live == 1
    assert shop.remote.calls["create_listing"] == 1
    assert shop.remote.calls["find_by_sku"] == 1
    assert len(shop.remote.products) == 1 and shop.remote.duplicates() == 0
    (row,) = _listings(shop)
    assert row.external_id == next(iter(shop.remote.products))


def test_any_failed_create_is_followed_by_a_look_up_before_the_next_create(shop: Shop) -> None:
    shop.remote.fail("create_listing", channel_errors.TransientError("503", status=503))
    _publish(shop, shop.product_ids[:1])
    assert shop.remote.calls["find_by_sku"] == 1
    assert shop.remote.calls["create_listing"] == 2
    assert len(shop.remote.products) == 1


def test_validation_errors_are_not_retried_and_name_the_field(shop: Shop) -> None:
    shop.remote.fail(
        "create_listing",
        channel_errors.ValidationFailed(
            "bad", fields={"title": ["chứa từ bị cấm"]}, code="error_param"
        ),
    )
    summary = _publish(shop, shop.product_ids[:1])
    assert summary.needs_action == 1
    (row,) = _listings(shop)
    assert row.state == State.NEEDS_ACTION
    assert row.error_fields == {"title": ["chứa từ bị cấm"]}
    assert "Tên sản phẩm" in row.last_error
    assert shop.remote.calls["create_listing"] == 1


def test_rate_limits_are_waited_out_without_using_up_attempts(shop: Shop) -> None:
    shop.remote.fail(
        "create_listing",
        channel_errors.RateLimited("slow down", retry_after=0.01),
        times=publishing.MAX_ATTEMPTS + 3,
    )
    summary = _publish(shop, shop.product_ids[:1])
    assert summary.live == 1
    (row,) = _listings(shop)
    assert row.attempts == 0 and row.state == State.LIVE


def test_repeated_server_errors_end_as_failed_in_plain_words(shop: Shop) -> None:
    shop.remote.fail("create_listing", channel_errors.TransientError("boom", status=500), times=50)
    summary = _publish(shop, shop.product_ids[:1])
    assert summary.failed == 1
    (row,) = _listings(shop)
    assert row.state == State.FAILED and row.attempts == publishing.MAX_ATTEMPTS
    assert f"{publishing.MAX_ATTEMPTS} lần" in row.last_error
    assert shop.remote.calls["create_listing"] == publishing.MAX_ATTEMPTS
    assert len(shop.remote.products) == 0


def test_a_refused_token_is_refreshed_once_and_the_call_repeated(shop: Shop) -> None:
    shop.remote.fail("create_listing", channel_errors.AuthExpired("invalid_acceess_token"))
    summary = _publish(shop, shop.product_ids[:1])
    assert summary.live == 1
    assert shop.remote.refreshes == 1 and shop.remote.refresh_reused == 0


def test_a_dead_refresh_token_asks_the_seller_to_reconnect(shop: Shop) -> None:
    with shop.app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, shop.account_id)
        tokens = adapters.tokens_of(account)
        shop.remote.refresh_tokens[tokens.refresh_token] = True  # already spent elsewhere
    shop.remote.fail("create_listing", channel_errors.AuthExpired("invalid_acceess_token"))
    summary = _publish(shop, shop.product_ids[:1])
    assert summary.needs_action == 1
    with shop.app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, shop.account_id)
        assert account.status == channels.AccountStatus.NEEDS_RECONNECT
    assert "Kết nối lại" in _listings(shop)[0].last_error


@pytest.mark.parametrize("shop", [12], indirect=True)
def test_two_workers_racing_neither_double_create_nor_double_refresh(shop: Shop) -> None:
    with shop.app.app_context():
        session = extensions.db.session
        account = session.get(channels.ChannelAccount, shop.account_id)
        tokens = adapters.tokens_of(account)
        tokens.access_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        adapters.store_tokens(account, tokens)
        bound = listings.bind(
            session, conftest.user_named(shop.seller), shop.account_id, shop.product_ids
        )
        ids = [b.id for b in bound]
        session.commit()
    shop.remote.call_delay = 0.01
    results: list[publishing.Summary] = []
    failures: list[BaseException] = []

    def worker(name: str, order: list[int]) -> None:
        try:
            with shop.app.app_context():
                results.append(publishing.run(extensions.db.session, order, _opts(owner=name)))
                extensions.db.session.remove()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [
        threading.Thread(target=worker, args=("w1", ids)),
        threading.Thread(target=worker, args=("w2", list(reversed(ids)))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    assert len(shop.remote.products) == 12 and shop.remote.duplicates() == 0
    assert shop.remote.calls["create_listing"] == 12
    assert shop.remote.refreshes == 1 and shop.remote.refresh_reused == 0
    assert all(r.state == State.LIVE for r in _listings(shop))


def test_price_and_stock_changes_reach_every_live_listing_once_queued(shop: Shop) -> None:
    _publish(shop, shop.product_ids[:1])
    product_id = shop.product_ids[0]
    with shop.app.app_context():
        session = extensions.db.session
        user = conftest.user_named(shop.seller)
        product = catalog_service.get_product(session, user, product_id)
        data = builders.product_data(product.producer_id, name=product.name, skus=("SP-0",))
        data["variants"][0].update(price=120_000, stock=0)
        data["version"] = product.version
        catalog_service.save_product(session, user, data, product_id)
        queued = session.scalars(sa.select(jobs.Job).where(jobs.Job.kind == "channels.sync")).all()
        assert len(queued) == 1 and queued[0].params == {"product_ids": [product_id]}
        # The same change queued again while the first job waits is the same job.
        again = sync.products_changed(session, user, [product_id])
        assert again is not None and again.id == queued[0].id
        summary = sync.run_sync(session, [product_id], _opts())
    assert summary.live == 1
    (remote_product,) = shop.remote.products.values()
    assert remote_product["skus"]["SP-0"] == {
        "id": remote_product["skus"]["SP-0"]["id"],
        "price": 120_000,
        "stock": 0,
    }
    assert shop.remote.calls["update_price_stock"] == 1


def test_unchanged_live_listings_are_not_sent_again(shop: Shop) -> None:
    _publish(shop, shop.product_ids[:1])
    with shop.app.app_context():
        sync.run_sync(extensions.db.session, shop.product_ids[:1], _opts())
    assert shop.remote.calls["update_price_stock"] == 0


def test_expired_certificate_pauses_the_listing_unless_the_seller_overrides(
    shop: Shop,
) -> None:
    product_id = shop.product_ids[0]
    with shop.app.app_context():
        user = conftest.user_named(shop.seller)
        catalog_service.save_certificate(
            extensions.db.session, user, product_id, builders.certificate_data()
        )
    _publish(shop, [product_id])
    later = dt.datetime(2027, 9, 1, tzinfo=dt.UTC)  # after 15 Aug 2027, 36 months on
    with shop.app.app_context():
        session = extensions.db.session
        result = sync.check_certificates(session, _opts(now=lambda: later))
        assert result["paused"] == 1
        (row,) = session.scalars(sa.select(channels.Listing)).all()
        assert row.state == State.PAUSED and row.paused_reason == "certificate"
        assert not next(iter(shop.remote.products.values()))["active"]
        scope = tenancy.scope_for(session, conftest.user_named(shop.seller))
        listings.set_certificate_override(session, row.id, True, scope=scope)
        result = sync.check_certificates(session, _opts(now=lambda: later))
        assert result["resumed"] == 1
        session.refresh(row)
        assert row.state == State.LIVE
    assert next(iter(shop.remote.products.values()))["active"]


def test_channel_secrets_are_encrypted_at_rest(shop: Shop) -> None:
    with shop.app.app_context():
        row = extensions.db.session.execute(
            sa.text("SELECT secrets_enc, tokens_enc FROM channel_accounts")
        ).one()
        assert "khoa-bi-mat-123" not in row.secrets_enc
        account = extensions.db.session.get(channels.ChannelAccount, shop.account_id)
        assert adapters.tokens_of(account).access_token not in row.tokens_enc
        assert adapters.vault().open(row.secrets_enc) == {"partner_key": "khoa-bi-mat-123"}
        other = credentials.Vault(["x" * 43 + "="])
        with pytest.raises(credentials.CredentialsError):
            other.open(row.secrets_enc)


def test_category_mapping_per_shop_wins_over_the_default(shop: Shop, categories: Any) -> None:
    from app.channels import categories as category_service

    with shop.app.app_context():
        session = extensions.db.session
        user = conftest.user_named(shop.seller)
        product = catalog_service.get_product(session, user, shop.product_ids[0])
        product.category_id = categories.get("1.4")
        session.commit()
        listing = listings.bind(session, user, shop.account_id, [product.id])[0]
        assert listings.draft_for(session, listing).category_id == "100"  # the shop default
        scope = tenancy.scope_for(session, user)
        category_service.save_mappings(
            session, shop.account_id, {f"category.{product.category_id}": "88123"}, scope=scope
        )
        assert listings.draft_for(session, listing).category_id == "88123"
        with pytest.raises(errors.ValidationError) as caught:
            category_service.save_mappings(
                session, shop.account_id, {"category.999999": "1"}, scope=scope
            )
        assert "category.999999" in caught.value.fields
        category_service.save_mappings(
            session, shop.account_id, {f"category.{product.category_id}": ""}, scope=scope
        )
        assert listings.draft_for(session, listing).category_id == "100"


def test_cli_resumes_queued_listings_and_checks_certificates(shop: Shop) -> None:
    with shop.app.app_context():
        listings.bind(
            extensions.db.session,
            conftest.user_named(shop.seller),
            shop.account_id,
            shop.product_ids,
        )
    runner = shop.app.test_cli_runner()
    result = runner.invoke(args=["channels", "resume"])
    assert result.exit_code == 0, result.output
    assert "3 đang bán" in result.output
    assert len(shop.remote.products) == 3
    result = runner.invoke(args=["channels", "check-certificates"])
    assert result.exit_code == 0 and "Tạm dừng 0 tin đăng" in result.output


def test_a_daily_quota_leaves_listings_queued_and_schedules_a_later_job(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.jobs import registry, tasks
    from app.jobs import service as jobs_service
    from tests.integration.app import test_jobs

    later: list[float] = []

    def dispatch_later(seconds: float) -> test_jobs.FakeDispatch:
        later.append(seconds)
        return test_jobs.FakeDispatch()

    monkeypatch.setattr(tasks, "dispatch_later", dispatch_later)
    shop.remote.fail(
        "create_listing",
        channel_errors.QuotaExceeded("daily limit", retry_after=3600, code="12052093"),
        times=2,
    )
    with shop.app.app_context():
        session = extensions.db.session
        user = conftest.user_named(shop.seller)
        bound = listings.bind(session, user, shop.account_id, shop.product_ids[:2])
        job = jobs_service.enqueue(
            session,
            registry.current(),
            kind="channels.publish",
            params={"listing_ids": [b.id for b in bound]},
            owner=user,
            dispatch=test_jobs.FakeDispatch(),
        )
        assert jobs_service.run(session, registry.current(), job.id) == jobs.JobStatus.SUCCEEDED
        session.refresh(job)
        assert job.result["waiting"] == 2 and job.result["live"] == 0
        follow_up = session.scalars(
            sa.select(jobs.Job).where(jobs.Job.id != job.id, jobs.Job.kind == "channels.publish")
        ).one()
        assert sorted(follow_up.params["listing_ids"]) == sorted(b.id for b in bound)
        assert follow_up.status == jobs.JobStatus.QUEUED
    assert later and 3600 <= later[0] < 3700
    rows = _listings(shop)
    assert all(r.state == State.QUEUED and r.next_attempt_at is not None for r in rows)
    assert all("hết lượt" in r.last_error for r in rows)
    assert all(r.attempts == 0 for r in rows)  # a quota is not the listing's fault


def test_without_a_credentials_key_shops_cannot_be_saved_and_say_why(
    app: flask.Flask, people: conftest.People
) -> None:
    app.config["CREDENTIALS_KEYS"] = ()  # production without CREDENTIALS_KEY
    with app.app_context():
        user = conftest.user_named(people.username(Role.COORDINATOR))
        with pytest.raises(errors.ServiceUnavailable) as caught:
            accounts.save_account(
                extensions.db.session,
                user,
                {
                    "marketplace": "postmart",
                    "name": "Postmart",
                    "owner": f"club:{user.club_id}",
                    "config.shop_name": "CLB",
                },
            )
        assert "CREDENTIALS_KEY" in caught.value.message
        assert (
            extensions.db.session.scalar(
                sa.select(sa.func.count()).select_from(channels.ChannelAccount)
            )
            == 0
        )


@pytest.mark.parametrize("shop", [12], indirect=True)
def test_a_marketplace_outage_pauses_the_shop_instead_of_burning_retries(shop: Shop) -> None:
    down = channel_errors.TransientError("Service Unavailable", status=503)
    shop.remote.fail("create_listing", down, times=10_000)
    shop.remote.fail("find_by_sku", down, times=10_000)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)

    summary = _publish(shop, now=lambda: start, outage_threshold=5, outage_pause=300)

    # Five server errors in a row open the breaker: the other listings are not even tried,
    # nobody burns their 8 attempts, nothing is marked failed.
    assert (summary.failed, summary.waiting, summary.live) == (0, 12, 0)
    calls = shop.remote.calls["create_listing"] + shop.remote.calls["find_by_sku"]
    assert calls == 5
    rows = _listings(shop)
    assert {row.state for row in rows} == {State.QUEUED}
    assert max(row.attempts for row in rows) <= 1
    assert all(row.error_code == "outage" and "sự cố" in (row.last_error or "") for row in rows)
    with shop.app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, shop.account_id)
        assert account is not None
        assert account.outage_until == start + dt.timedelta(seconds=300)
        assert account.failures_in_row == 5
    page = shop.app.test_client()
    conftest.Auth(page).login(shop.seller)
    html = page.get(f"/channels/{shop.account_id}").get_data(as_text=True)
    assert 'data-testid="account-outage"' in html and "tạm dừng đẩy" in html

    # Still inside the pause: a second run sends nothing at all.
    again = _publish(shop, now=lambda: start + dt.timedelta(seconds=60))
    assert again.waiting == 12
    assert shop.remote.calls["create_listing"] + shop.remote.calls["find_by_sku"] == calls

    # The marketplace is back and the pause is over: everything goes live, the streak resets.
    shop.remote.plan.clear()
    healed = _publish(shop, now=lambda: start + dt.timedelta(seconds=301))
    assert healed.live == 12
    assert shop.remote.duplicates() == 0
    with shop.app.app_context():
        account = extensions.db.session.get(channels.ChannelAccount, shop.account_id)
        assert account is not None
        assert (account.failures_in_row, account.outage_until) == (0, None)
