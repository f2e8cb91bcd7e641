"""Channel pages through the test client: shops and their secrets, the connect flow,
picking products and publishing as a job, each listing's state and actions, listing packs,
permissions and empty states. The marketplace is the fake from tests/support/channels.py
(listing-pack shops use their real adapters: they make no network calls)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import urllib.parse
import zipfile
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from PIL import Image

from app import extensions
from app.catalog import images as images_service
from app.channels import accounts, adapters, messages
from app.channels import jobs as channel_jobs
from app.core import tenancy
from app.jobs import registry as job_registry
from app.jobs import service as jobs_service
from app.jobs import tasks
from app.models import accounts as account_models
from app.models import catalog as catalog_models
from app.models import channels, jobs, orgs
from integrations import base, registry
from integrations import errors as channel_errors
from tests import conftest
from tests.integration.app import test_jobs
from tests.integration.app import test_live_services as live_support
from tests.support import channels as fake
from tests.support import detached, one_language

Role = account_models.Role
State = channels.ListingState
SECRET = "khoa-bi-mat-Shopee-7f3a9c"
POSTMART_URL = "https://postmart.vn/p/nuoc-mam-ca-com-tra-co-43160.html"


@dataclasses.dataclass
class Market:
    app: flask.Flask
    remote: fake.FakeMarketplace
    dispatch: test_jobs.FakeDispatch
    club_id: int
    product_ids: list[int]


def install_fake(app: flask.Flask, remote: fake.FakeMarketplace) -> None:
    """The fake serves API marketplaces; listing-pack ones keep their real (offline) adapter."""
    api_factory = fake.install(app, remote)

    def factory(account: channels.ChannelAccount) -> base.ChannelAdapter:
        if registry.get(account.marketplace).kind is base.Kind.PACK:
            return adapters.default_factory(account)
        return api_factory(account)

    app.extensions["channel_adapter_factory"] = factory


@pytest.fixture
def market(app: flask.Flask, people: conftest.People, monkeypatch: pytest.MonkeyPatch) -> Market:
    remote = fake.FakeMarketplace()
    install_fake(app, remote)
    dispatch = test_jobs.FakeDispatch()
    monkeypatch.setattr(tasks, "dispatch", dispatch)
    story = "Cá cơm Cô Tô ủ chượp mười tám tháng trong thùng gỗ."
    product_ids = live_support.sellers_products(
        app,
        people,
        ((f"Nước mắm cá cơm Trà Cổ loại {i}", (f"NM-{i}",), story) for i in range(1, 4)),
    )
    with app.app_context():
        club_id = extensions.db.session.scalar(sa.select(orgs.Club.id))
    return Market(app, remote, dispatch, club_id, product_ids)


def shopee_account(market: Market, *, connect: bool = True, name: str = "Shop Trà Cổ") -> int:
    """A Shopee shop saved through the service, connected through the fake's flow."""
    with market.app.app_context():
        session = extensions.db.session
        account = accounts.save_account(
            session,
            conftest.user_named("coordinator1"),
            {
                "marketplace": "shopee",
                "name": name,
                "owner": f"club:{market.club_id}",
                "config.partner_id": "2001234",
                "config.partner_key": SECRET,
                "default_category_id": "100644",
            },
        )
        if connect:
            scope = tenancy.scope_for(session, conftest.user_named("coordinator1"))
            url = accounts.start_connect(
                session, account.id, "http://localhost/channels/callback", scope=scope
            )
            state = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["state"][0]
            accounts.finish_connect(session, {"state": state, "code": "good-code"}, scope=scope)
        return account.id


def postmart_account(market: Market) -> int:
    with market.app.app_context():
        account = accounts.save_account(
            extensions.db.session,
            conftest.user_named("coordinator1"),
            {
                "marketplace": "postmart",
                "name": "Postmart Trà Cổ",
                "owner": f"club:{market.club_id}",
                "config.shop_name": "Đặc sản Trà Cổ",
            },
        )
        return account.id


def add_photo(app: flask.Flask, product_id: int) -> None:
    out = io.BytesIO()
    Image.new("RGB", (900, 900), (200, 120, 40)).save(out, format="JPEG")
    out.seek(0)
    with app.app_context():
        images_service.add_product_image(
            extensions.db.session,
            conftest.user_named("seller1"),
            product_id,
            out,
            app.config["MEDIA_ROOT"],
        )


def listing_rows(app: flask.Flask, account_id: int) -> list[channels.Listing]:
    return detached.rows(
        app,
        sa.select(channels.Listing)
        .where(channels.Listing.account_id == account_id)
        .order_by(channels.Listing.product_id),
    )


def run_job(app: flask.Flask, job_id: int) -> None:
    with app.app_context():
        assert jobs_service.run(extensions.db.session, job_registry.current(), job_id) == (
            jobs.JobStatus.SUCCEEDED
        )


def job_id_of(response: Any) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/jobs/(\d+)$", response.location)
    assert match, response.location
    return int(match.group(1))


def field_errors(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-field="([^"]+)">([^<]*)<', page))


def publish_live(market: Market, client: Any, account_id: int, product_ids: list[int]) -> None:
    response = client.post(f"/channels/{account_id}/publish", data={"product_ids": product_ids})
    run_job(market.app, job_id_of(response))


# --- empty states and permissions ---------------------------------------------------------


def test_empty_states_and_the_nav_link(market, client, auth) -> None:
    auth.login("coordinator1")
    page = client.get("/channels/").get_data(as_text=True)
    assert 'data-testid="nav-channels"' in page
    assert "Chưa có gian hàng nào trên sàn thương mại điện tử." in page
    assert "Thêm gian hàng đầu tiên" in page
    account_id = shopee_account(market)
    detail = client.get(f"/channels/{account_id}").get_data(as_text=True)
    assert "Gian hàng chưa có sản phẩm nào." in detail
    filtered = client.get(f"/channels/{account_id}?state=live").get_data(as_text=True)
    assert "Không có tin đăng nào ở trạng thái này." in filtered
    search = client.get(f"/channels/{account_id}/publish?q=khong-co-san-pham-nay")
    assert "Không có sản phẩm nào phù hợp." in search.get_data(as_text=True)
    auth.logout()

    auth.login("seller1")
    seller_page = client.get("/channels/").get_data(as_text=True)
    assert "Shop Trà Cổ" in seller_page and "Thêm gian hàng" not in seller_page
    client.get("/lang/en")
    english = client.get(f"/channels/{account_id}").get_data(as_text=True)
    assert "This shop has no products yet." in english and "Connected" in english


def test_producers_are_refused_and_sellers_cannot_set_up_shops(market, client, auth) -> None:
    account_id = shopee_account(market)
    auth.login("producer1")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="nav-channels"' not in dashboard
    for url in ("/channels/", f"/channels/{account_id}", f"/channels/{account_id}/publish"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/channels/{account_id}/publish", data={}).status_code == 403
    auth.logout()
    auth.login("seller1")
    assert client.get("/channels/").status_code == 200
    assert client.get("/channels/new?marketplace=shopee").status_code == 403
    assert client.get(f"/channels/{account_id}/edit").status_code == 403
    assert client.post(f"/channels/{account_id}/connect").status_code == 403
    auth.logout()
    anonymous = client.get("/channels/")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location


# --- accounts and their secrets --------------------------------------------------------------


def test_shop_form_keeps_secrets_secret(market, client, auth) -> None:
    auth.login("coordinator1")
    picker = client.get("/channels/new").get_data(as_text=True)
    assert 'data-marketplace="shopee"' in picker and 'data-marketplace="postmart"' in picker
    form = client.get("/channels/new?marketplace=shopee").get_data(as_text=True)
    assert 'type="password"' in form and 'name="config_partner_key"' in form
    assert f"club:{market.club_id}" in form and "HTX Nước mắm Trà Cổ" in form

    refused = client.post(
        "/channels/new",
        data={"marketplace": "shopee", "name": "", "owner": "", "config_partner_key": SECRET},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert set(field_errors(page)) == {"name", "owner", "config_partner_id"}
    assert SECRET not in page  # a typed secret is never sent back

    created = client.post(
        "/channels/new",
        data={
            "marketplace": "shopee",
            "name": "Shop Trà Cổ",
            "owner": f"club:{market.club_id}",
            "config_partner_id": "2001234",
            "config_partner_key": SECRET,
            "default_category_id": "100644",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    account_id = int(created.location.rstrip("/").rsplit("/", 1)[1])
    for path in ("", f"{account_id}", f"{account_id}/edit", f"{account_id}/publish"):
        body = client.get(f"/channels/{path}").get_data(as_text=True)
        assert SECRET not in body, path
    edit = client.get(f"/channels/{account_id}/edit").get_data(as_text=True)
    assert "Đã lưu, để trống nếu giữ nguyên." in edit
    assert 'value="2001234"' in edit and 'value="100644"' in edit

    # Saving with the secret left blank keeps it.
    saved = client.post(
        f"/channels/{account_id}/edit",
        data={
            "name": "Shop Trà Cổ 2",
            "owner": f"producer:{conftest_producer(market)}",
            "config_partner_id": "2001234",
            "config_partner_key": "",
            "default_category_id": "100644",
        },
    )
    assert saved.status_code == 302
    with market.app.app_context():
        row = extensions.db.session.execute(
            sa.text("SELECT * FROM channel_accounts WHERE id = :id"), {"id": account_id}
        ).one()
        assert all(SECRET not in str(value) for value in row)  # encrypted at rest
        account = extensions.db.session.get(channels.ChannelAccount, account_id)
        assert adapters.vault().open(account.secrets_enc) == {"partner_key": SECRET}
        # Now the producer's own shop, still run by (and only seen in) the club.
        assert (account.name, account.club_id, account.producer_id) == (
            "Shop Trà Cổ 2",
            market.club_id,
            conftest_producer(market),
        )


def conftest_producer(market: Market) -> int:
    with market.app.app_context():
        return int(
            extensions.db.session.scalar(
                sa.select(orgs.Producer.id).where(orgs.Producer.name == "HTX Nước mắm Trà Cổ")
            )
        )


# --- connect -------------------------------------------------------------------------------


def test_connect_flow_with_good_and_bad_replies(market, client, auth) -> None:
    account_id = shopee_account(market, connect=False)
    auth.login("coordinator1")
    detail = client.get(f"/channels/{account_id}").get_data(as_text=True)
    assert "Chưa kết nối" in detail and 'data-testid="connect"' in detail

    started = client.post(f"/channels/{account_id}/connect")
    assert started.status_code == 302 and started.location.startswith("https://fake.example/")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(started.location).query)
    assert query["redirect_uri"] == ["http://localhost/channels/callback"]
    state = query["state"][0]

    forged = client.get("/channels/callback?state=not-the-state&code=good-code")
    assert forged.status_code == 302 and forged.location.endswith("/channels/")
    assert "Liên kết kết nối đã hết hạn hoặc không hợp lệ." in client.get("/channels/").get_data(
        as_text=True
    )

    done = client.get(f"/channels/callback?state={state}&code=good-code", follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Đã kết nối gian hàng Shop Trà Cổ." in page
    assert 'data-status="connected"' in page and "77" in page  # the shop id as its label

    # A state is single-use, and a refused code leaves the shop asking for a reconnect.
    replay = client.get(f"/channels/callback?state={state}&code=good-code", follow_redirects=True)
    assert "Liên kết kết nối đã hết hạn hoặc không hợp lệ." in replay.get_data(as_text=True)
    again = client.post(f"/channels/{account_id}/connect")
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(again.location).query)["state"][0]
    refused = client.get(f"/channels/callback?state={state}&code=bad", follow_redirects=True)
    said = refused.get_data(as_text=True)
    assert "Sàn từ chối yêu cầu." in said
    assert "invalid_code" not in said and "bad code" not in said  # codes and log text stay out
    assert 'data-status="needs_reconnect"' in client.get(f"/channels/{account_id}").get_data(
        as_text=True
    )


def test_the_connect_return_address_is_the_public_one(market, client, auth) -> None:
    """With PUBLIC_BASE_URL set, the marketplace sends the seller back to the public address,
    not to the one this request happened to reach the app by (its Host header)."""
    account_id = shopee_account(market, connect=False)
    auth.login("coordinator1")
    market.app.config["PUBLIC_BASE_URL"] = "https://ocop.example.vn/"
    started = client.post(f"/channels/{account_id}/connect")
    assert started.status_code == 302
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(started.location).query)
    assert query["redirect_uri"] == ["https://ocop.example.vn/channels/callback"]


# --- publish --------------------------------------------------------------------------------


def test_publish_queues_one_job_per_identical_push(market, client, auth) -> None:
    account_id = shopee_account(market)
    auth.login("seller1")
    picker = client.get(f"/channels/{account_id}/publish").get_data(as_text=True)
    assert picker.count('data-testid="publish-product"') == 3 and "Chưa đăng" in picker

    nothing = client.post(f"/channels/{account_id}/publish", data={})
    assert nothing.status_code == 422
    assert field_errors(nothing.get_data(as_text=True)) == {
        "product_ids": "Chọn ít nhất một sản phẩm."
    }

    chosen = market.product_ids[:2]
    first = job_id_of(client.post(f"/channels/{account_id}/publish", data={"product_ids": chosen}))
    second = job_id_of(client.post(f"/channels/{account_id}/publish", data={"product_ids": chosen}))
    assert first == second
    assert market.dispatch.sent == [(first, "default")]
    rows = listing_rows(market.app, account_id)
    with market.app.app_context():
        job = extensions.db.session.get(jobs.Job, first)
        assert job.kind == channel_jobs.PUBLISH
        assert job.identity_key == channel_jobs.publish_key([r.id for r in rows])
        assert sorted(job.params["listing_ids"]) == sorted(r.id for r in rows)
    assert [r.state for r in rows] == [State.QUEUED, State.QUEUED]
    assert client.get(f"/jobs/{first}").status_code == 200  # live progress page
    picker = client.get(f"/channels/{account_id}/publish").get_data(as_text=True)
    assert picker.count('data-state="queued"') == 2

    run_job(market.app, first)
    assert [r.state for r in listing_rows(market.app, account_id)] == [State.LIVE, State.LIVE]
    assert market.remote.calls["create_listing"] == 2
    # Everything chosen is live already: nothing to queue.
    again = client.post(
        f"/channels/{account_id}/publish", data={"product_ids": chosen}, follow_redirects=True
    )
    assert "Các sản phẩm đã chọn đều đang được bán hoặc đang đăng." in again.get_data(as_text=True)
    assert len(market.dispatch.sent) == 1


def test_publish_needs_a_connected_shop(market, client, auth) -> None:
    account_id = shopee_account(market, connect=False)
    auth.login("seller1")
    picker = client.get(f"/channels/{account_id}/publish").get_data(as_text=True)
    assert 'data-testid="not-connected"' in picker
    refused = client.post(
        f"/channels/{account_id}/publish",
        data={"product_ids": market.product_ids[:1]},
        follow_redirects=True,
    )
    assert "Kênh chưa được kết nối." in refused.get_data(as_text=True)
    assert market.dispatch.sent == []


# --- listings: state, errors, actions --------------------------------------------------------


def test_listing_table_shows_state_link_time_and_plain_errors(market, client, auth) -> None:
    account_id = shopee_account(market)
    market.remote.fail(
        "create_listing",
        channel_errors.ValidationFailed(
            "bad title", fields={"title": ["chứa từ bị cấm"]}, code="error_param"
        ),
    )
    auth.login("seller1")
    publish_live(market, client, account_id, market.product_ids[:2])
    by_state = {r.state: r for r in listing_rows(market.app, account_id)}
    assert set(by_state) == {State.LIVE, State.NEEDS_ACTION}
    with market.app.app_context():
        listing = extensions.db.session.get(channels.Listing, by_state[State.LIVE].id)
        listing.last_synced_at = dt.datetime(2026, 1, 2, 1, 30, tzinfo=dt.UTC)
        extensions.db.session.commit()

    page = client.get(f"/channels/{account_id}").get_data(as_text=True)
    assert "Đang bán" in page and "Cần xử lý" in page
    assert "02/01/2026 08:30" in page  # shown in Asia/Ho_Chi_Minh
    assert f'href="https://fake.example/p/{by_state[State.LIVE].external_id}"' in page
    assert 'data-testid="listing-error">Sàn từ chối nội dung sản phẩm.</summary>' in page
    assert 'data-error-field="title"><strong>Tên sản phẩm</strong>' in page
    assert "chứa từ bị cấm" in page  # the marketplace's own words, shown as they came
    assert "error_param" not in page

    only = client.get(f"/channels/{account_id}?state=needs_action").get_data(as_text=True)
    assert only.count('data-testid="listing"') == 1 and 'data-state="needs_action"' in only
    index = client.get("/channels/").get_data(as_text=True)
    assert 'data-count="live"' in index and 'data-count="needs_action"' in index


def test_listing_actions_change_state_and_reach_the_marketplace(market, client, auth) -> None:
    account_id = shopee_account(market)
    auth.login("seller1")
    publish_live(market, client, account_id, market.product_ids[:1])
    (listing,) = listing_rows(market.app, account_id)
    assert listing.state == State.LIVE
    back = f"/channels/{account_id}?state=live"

    paused = client.post(f"/channels/listings/{listing.id}/pause", data={"next": back})
    assert paused.status_code == 302 and paused.location.endswith(back)
    assert listing_rows(market.app, account_id)[0].state == State.PAUSED
    assert market.remote.calls["deactivate"] == 1
    assert market.remote.products[listing.external_id]["active"] is False

    resumed = client.post(f"/channels/listings/{listing.id}/resume", follow_redirects=True)
    assert "Đã mở bán lại; giá và tồn kho sẽ được đồng bộ." in resumed.get_data(as_text=True)
    assert listing_rows(market.app, account_id)[0].state == State.LIVE
    assert market.remote.calls["activate"] == 1
    # Resuming queues the sync of the current price and stock.
    sync_job, _queue = market.dispatch.sent[-1]
    run_job(market.app, sync_job)
    assert market.remote.calls["update_price_stock"] == 1
    assert market.remote.calls["create_listing"] == 1

    refused = client.post(f"/channels/listings/{listing.id}/retry", follow_redirects=True)
    assert "Chỉ thử lại được tin đăng lỗi hoặc cần xử lý." in refused.get_data(as_text=True)

    client.post(f"/channels/listings/{listing.id}/delist")
    assert listing_rows(market.app, account_id)[0].state == State.DELISTED
    assert market.remote.calls["deactivate"] == 2
    page = client.get(f"/channels/{account_id}").get_data(as_text=True)
    assert 'data-state="delisted"' in page and 'data-action="delist"' not in page


def test_retry_queues_the_listing_again(market, client, auth) -> None:
    account_id = shopee_account(market)
    market.remote.fail("create_listing", channel_errors.PermanentError("shop banned"))
    auth.login("seller1")
    publish_live(market, client, account_id, market.product_ids[:1])
    (listing,) = listing_rows(market.app, account_id)
    assert listing.state == State.FAILED
    page = client.get(f"/channels/{account_id}").get_data(as_text=True)
    assert 'data-testid="listing-error">Sàn từ chối yêu cầu.</p>' in page
    assert 'data-action="retry"' in page

    job_id = job_id_of(client.post(f"/channels/listings/{listing.id}/retry"))
    assert listing_rows(market.app, account_id)[0].state == State.QUEUED
    run_job(market.app, job_id)
    assert listing_rows(market.app, account_id)[0].state == State.LIVE
    assert len(market.remote.products) == 1


def test_certificate_override_is_the_sellers_call(market, client, auth) -> None:
    account_id = shopee_account(market)
    auth.login("seller1")
    publish_live(market, client, account_id, market.product_ids[:1])
    (listing,) = listing_rows(market.app, account_id)
    with market.app.app_context():
        row = extensions.db.session.get(channels.Listing, listing.id)
        row.state, row.paused_reason = State.PAUSED, "certificate"
        extensions.db.session.commit()
    page = client.get(f"/channels/{account_id}").get_data(as_text=True)
    assert "Vẫn bán dù hết hạn chứng nhận" in page
    client.post(f"/channels/listings/{listing.id}/certificate-override", data={"on": "1"})
    assert listing_rows(market.app, account_id)[0].certificate_override is True
    assert "Dừng bán khi hết hạn chứng nhận" in client.get(f"/channels/{account_id}").get_data(
        as_text=True
    )
    client.post(f"/channels/listings/{listing.id}/certificate-override", data={"on": "0"})
    assert listing_rows(market.app, account_id)[0].certificate_override is False


# --- listing packs ---------------------------------------------------------------------------


def test_pack_shop_download_and_record_live(market, client, auth, tmp_path) -> None:
    account_id = postmart_account(market)
    add_photo(market.app, market.product_ids[0])
    auth.login("seller1")
    done = client.post(
        f"/channels/{account_id}/publish", data={"product_ids": market.product_ids[:2]}
    )
    assert done.status_code == 302 and done.location.endswith(f"/channels/{account_id}")
    assert market.dispatch.sent == []
    with_photo, without_photo = listing_rows(market.app, account_id)
    assert (with_photo.state, without_photo.state) == (State.DRAFT, State.DRAFT)
    page = client.get(f"/channels/{account_id}").get_data(as_text=True)
    assert "Tải gói đăng bán" in page and 'data-testid="live-form"' in page
    assert 'data-action="retry"' not in page and 'data-action="pause"' not in page

    download = client.post(f"/channels/listings/{with_photo.id}/pack")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert f"postmart-P{market.product_ids[0]}.zip" in download.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.get_data()))
    assert any(name.endswith(".jpg") for name in archive.namelist())
    download.close()
    assert list((tmp_path / "media" / "tmp").glob("pack-*")) == []  # deleted after sending

    refused = client.post(f"/channels/listings/{without_photo.id}/pack", follow_redirects=True)
    assert refused.status_code == 200
    assert 'data-error-field="images"' in refused.get_data(as_text=True)
    assert listing_rows(market.app, account_id)[1].state == State.NEEDS_ACTION

    foreign = client.post(
        f"/channels/listings/{with_photo.id}/live",
        data={"reference": "https://shopee.vn/product/77/1234"},
    )
    assert foreign.status_code == 422
    body = foreign.get_data(as_text=True)
    assert "Đường dẫn hoặc mã sản phẩm không thuộc Postmart." in body
    assert 'value="https://shopee.vn/product/77/1234"' in body
    assert listing_rows(market.app, account_id)[0].state == State.DRAFT

    live = client.post(f"/channels/listings/{with_photo.id}/live", data={"reference": POSTMART_URL})
    assert live.status_code == 302
    row = listing_rows(market.app, account_id)[0]
    assert (row.state, row.external_id, row.url) == (State.LIVE, "43160", POSTMART_URL)
    assert f'href="{POSTMART_URL}"' in client.get(f"/channels/{account_id}").get_data(as_text=True)


def test_api_shops_refuse_pack_downloads(market, client, auth) -> None:
    account_id = shopee_account(market)
    auth.login("seller1")
    publish_live(market, client, account_id, market.product_ids[:1])
    (listing,) = listing_rows(market.app, account_id)
    refused = client.post(f"/channels/listings/{listing.id}/pack", follow_redirects=True)
    assert "Kênh này đăng qua API, không dùng gói đăng bán." in refused.get_data(as_text=True)


def test_category_mapping_page_maps_ocop_categories_per_shop(
    market, client, auth, categories
) -> None:
    account_id = shopee_account(market)
    auth.login("coordinator1")
    page = client.get(f"/channels/{account_id}/categories")
    assert page.status_code == 200 and 'data-testid="empty"' in page.get_data(as_text=True)
    with market.app.app_context():
        product = extensions.db.session.get(catalog_models.Product, market.product_ids[0])
        product.category_id = categories.get("1.4")
        extensions.db.session.commit()
        category_id = product.category_id
    page = client.get(f"/channels/{account_id}/categories")
    assert f'name="category.{category_id}"' in page.get_data(as_text=True)
    saved = client.post(
        f"/channels/{account_id}/categories", data={f"category.{category_id}": "88123"}
    )
    assert saved.status_code == 302
    assert 'value="88123"' in client.get(f"/channels/{account_id}/categories").get_data(
        as_text=True
    )
    bad = client.post(f"/channels/{account_id}/categories", data={"category.999999": "1"})
    assert bad.status_code == 422
    assert "Danh mục OCOP không tồn tại." in bad.get_data(as_text=True)
    auth.logout()
    auth.login("seller1")
    assert client.get(f"/channels/{account_id}/categories").status_code == 403


def test_shop_list_still_opens_when_the_credentials_key_was_replaced(market, client, auth) -> None:
    account_id = shopee_account(market)
    market.app.config["CREDENTIALS_KEYS"] = ("b3RoZXItY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE=",)
    auth.login("coordinator1")
    page = client.get("/channels/")
    assert page.status_code == 200
    assert f'data-account-id="{account_id}"' in page.get_data(as_text=True)


def _between(page: str, start: str, end: str) -> str:
    """The visible text from the element marked ``start`` to the next ``end``."""
    at = page.rindex("<", 0, page.index(start))  # from the element's own tag
    return one_language.visible_text(page[at : page.index(end, at)])


def test_stored_error_codes_are_worded_in_the_readers_language(market, client, auth) -> None:
    """A listing and a shop keep codes and numbers; each reader gets their own language."""
    account_id = shopee_account(market)
    auth.login("seller1")
    publish_live(market, client, account_id, market.product_ids[:1])
    (listing,) = listing_rows(market.app, account_id)
    with market.app.app_context():
        session = extensions.db.session
        row = session.get(channels.Listing, listing.id)
        row.state = State.NEEDS_ACTION
        problems = fake.FakeAdapter({}, market.remote).validate(
            base.ListingDraft("NM-1", "Nước mắm", "", "100", (base.Sku("NM-1", 10, 1),))
        )
        assert set(problems) == {"skus.NM-1.price"}
        messages.store(
            row, messages.Record("local_validation", fields=messages.problems_json(problems))
        )
        account = session.get(channels.ChannelAccount, account_id)
        account.last_error = messages.account_record(
            channel_errors.AuthExpired("refresh token used", code="invalid_refresh")
        )
        session.commit()
        stored = session.get(channels.Listing, listing.id)
        assert stored.error_code == "local_validation"
        assert stored.error_fields["skus.NM-1.price"] == [
            {"code": "price_range", "params": {"min": 1_000, "max": 200_000_000, "sku": "NM-1"}}
        ]

    client.get("/lang/vi")
    page = client.get(f"/channels/{account_id}").get_data(as_text=True)
    vi_error = _between(page, 'data-testid="listing-error-details"', "</details>")
    assert "Chưa đủ điều kiện đăng." in vi_error
    assert "Giá (NM-1)" in vi_error and "phải từ 1.000 ₫ đến 200.000.000 ₫" in vi_error
    vi_shop = _between(page, 'data-testid="account-error"', "</dd>")
    assert "Kết nối lại" in vi_shop
    for text in (vi_error, vi_shop):
        assert one_language.problems(text, "vi") == [], text
    assert "price_range" not in page and "invalid_refresh" not in page

    client.get("/lang/en")
    page = client.get(f"/channels/{account_id}").get_data(as_text=True)
    en_error = _between(page, 'data-testid="listing-error-details"', "</details>")
    en_shop = _between(page, 'data-testid="account-error"', "</dd>")
    assert en_error != vi_error and en_shop != vi_shop
    assert "1,000" in en_error and "200,000,000" in en_error  # English number format
    for text in (en_error, en_shop):
        assert one_language.problems(text, "en") == [], text
