"""OCOP certificates as a live rule: listings follow a certificate change or expiry within one
job run, the daily check is on Celery beat's schedule, the run-of-show and the studio warn, a
stars badge comes only from a valid certificate, and the demo's certificates are dated from the
day it is loaded (real database, both backends; a fake marketplace)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from celery.schedules import crontab

from app import extensions
from app.catalog import images as images_service
from app.catalog import service as catalog_service
from app.channels import listings, publishing
from app.core import errors
from app.jobs import registry, tasks
from app.jobs import service as jobs_service
from app.live import sessions as live_sessions
from app.live import slots as live_slots
from app.models import accounts as account_models
from app.models import catalog, channels, jobs
from app.setup import demo
from app.studio import videos as videos_service
from tests import conftest
from tests.integration.app import test_channels_publishing as publishing_tests
from tests.integration.app import test_jobs
from tests.support import catalog as builders
from tests.support import channels as fake
from tests.support import media as media_support
from vietnam import ocop

Role = account_models.Role
State = channels.ListingState
VN = dt.timezone(dt.timedelta(hours=7))
# builders.certificate_data(): decided 15 Aug 2024, so valid until 15 Aug 2027 inclusive.
LAST_VALID_DAY = dt.datetime(2027, 8, 15, 22, 0, tzinfo=VN)
FIRST_EXPIRED_DAY = dt.datetime(2027, 8, 16, 9, 0, tzinfo=VN)


@pytest.fixture
def remote(app: flask.Flask) -> fake.FakeMarketplace:
    marketplace = fake.FakeMarketplace()
    fake.install(app, marketplace)
    return marketplace


def _expired_certificate(**fields: Any) -> dict[str, Any]:
    """A 3★ certificate that ran out ten days ago (today in Vietnam)."""
    today = catalog_service.today_local()
    decided = ocop.add_months(today - dt.timedelta(days=10), -ocop.VALIDITY_MONTHS)
    return builders.certificate_data(
        score=None, stars=3, decision_number="88/QĐ-UBND", decision_date=decided, **fields
    )


def _live_listing(
    app: flask.Flask, remote: fake.FakeMarketplace, people: conftest.People, product_id: int
) -> int:
    """Publish the product on a connected fake shop of the people's club: its listing's id."""
    account_id = publishing_tests._connected_account(app, remote, people.club_id)
    with app.app_context():
        session = extensions.db.session
        seller = conftest.user_named(people.username(Role.SELLER))
        (listing,) = listings.bind(session, seller, account_id, [product_id])
        publishing.run(session, [listing.id], publishing_tests._opts())
        session.refresh(listing)
        assert listing.state == State.LIVE
        return listing.id


def _run(app: flask.Flask, job_id: int, moment: dt.datetime) -> jobs.Job:
    """Run a queued job as a worker would, on a clock stopped at ``moment``."""
    with app.app_context():
        session = extensions.db.session
        status = jobs_service.run(session, registry.current(), job_id, now=lambda: moment)
        assert status == jobs_service.JobStatus.SUCCEEDED, session.get(jobs.Job, job_id).error
        job = session.get(jobs.Job, job_id)
        session.refresh(job)
        session.expunge(job)
        return job


def _listing(app: flask.Flask, listing_id: int) -> channels.Listing:
    with app.app_context():
        row = extensions.db.session.get(channels.Listing, listing_id)
        extensions.db.session.expunge(row)
        return row


def _queued(app: flask.Flask, kind: str) -> list[jobs.Job]:
    with app.app_context():
        rows = extensions.db.session.scalars(
            sa.select(jobs.Job).where(jobs.Job.kind == kind).order_by(jobs.Job.id)
        ).all()
        extensions.db.session.expunge_all()
        return list(rows)


# --- listings follow the certificate ----------------------------------------------------------


def test_a_listing_is_paused_within_one_job_run_of_expiry_and_resumed_after_renewal(
    app: flask.Flask,
    people: conftest.People,
    remote: fake.FakeMarketplace,
    dispatch: test_jobs.FakeDispatch,
) -> None:
    seller_name = people.username(Role.SELLER)
    product_id = builders.make_product(
        app,
        seller_name,
        builders.product_data(people.producer_id),
        builders.certificate_data(),
    )
    listing_id = _live_listing(app, remote, people, product_id)

    def club_check() -> int:
        with app.app_context():
            return jobs_service.enqueue(
                extensions.db.session,
                registry.current(),
                kind="channels.certificates",
                params={},
                owner=conftest.user_named(seller_name),
                dispatch=dispatch,
                club_id=people.club_id,
            ).id

    # The last valid day (in Vietnam) changes nothing.
    job = _run(app, club_check(), LAST_VALID_DAY)
    assert job.result["paused"] == 0
    assert _listing(app, listing_id).state == State.LIVE
    # The first day after it: one run of the job pauses the listing, here and on the shop.
    job = _run(app, club_check(), FIRST_EXPIRED_DAY)
    assert (job.result["paused"], job.result["paused_now"]) == (1, 1)
    paused = _listing(app, listing_id)
    assert (paused.state, paused.paused_reason) == (State.PAUSED, "certificate")
    assert not remote.products[paused.external_id]["active"]

    # A renewal (decided that day) queues the certificate job for this product at once…
    with app.app_context():
        catalog_service.save_certificate(
            extensions.db.session,
            conftest.user_named(seller_name),
            product_id,
            builders.certificate_data(
                decision_number="3456/QĐ-UBND", decision_date=FIRST_EXPIRED_DAY.date()
            ),
            now=lambda: FIRST_EXPIRED_DAY,
        )
    (change,) = _queued(app, "channels.certificate_change")
    assert change.params == {"product_ids": [product_id]}
    assert change.club_id == people.club_id and (change.id, "default") in dispatch.sent
    # …whose one run puts the listing back on sale.
    job = _run(app, change.id, FIRST_EXPIRED_DAY)
    assert (job.result["paused"], job.result["resumed"], job.result["live"]) == (0, 1, 1)
    resumed = _listing(app, listing_id)
    assert (resumed.state, resumed.paused_reason) == (State.LIVE, None)
    assert remote.products[resumed.external_id]["active"]


@pytest.mark.usefixtures("dispatch")
def test_a_certificate_edit_or_delete_queues_the_job_for_the_clubs_selling_the_product(
    app: flask.Flask,
    people: conftest.People,
    remote: fake.FakeMarketplace,
) -> None:
    # The producer's representative edits certificates but does not publish: still queued.
    producer = people.username(Role.PRODUCER)
    sold = builders.make_product(
        app, producer, builders.product_data(people.producer_id), builders.certificate_data()
    )
    unsold = builders.make_product(
        app,
        producer,
        builders.product_data(people.producer_id, name="Mắm tôm", skus=("MT-1",)),
        builders.certificate_data(),
    )
    listing_id = _live_listing(app, remote, people, sold)
    assert _queued(app, "channels.certificate_change") == []  # creating them sold nothing yet

    with app.app_context():
        session = extensions.db.session
        user = conftest.user_named(producer)
        (certificate,) = catalog_service.get_product(session, user, sold).certificates
        expired = _expired_certificate()
        catalog_service.save_certificate(session, user, sold, expired, certificate.id)
        # The same change again while the job waits is the same job; an unsold product none.
        catalog_service.save_certificate(session, user, sold, expired, certificate.id)
        (other,) = catalog_service.get_product(session, user, unsold).certificates
        catalog_service.save_certificate(session, user, unsold, expired, other.id)
    (queued,) = _queued(app, "channels.certificate_change")
    assert queued.params == {"product_ids": [sold]} and queued.club_id == people.club_id
    assert queued.owner_id is not None and queued.status == jobs.JobStatus.QUEUED

    job = _run(app, queued.id, dt.datetime.now(dt.UTC))
    assert job.result["paused"] == 1
    assert _listing(app, listing_id).state == State.PAUSED

    # Deleting the expired certificate leaves none: the product is no longer held back.
    with app.app_context():
        session = extensions.db.session
        user = conftest.user_named(producer)
        (certificate,) = catalog_service.get_product(session, user, sold).certificates
        catalog_service.delete_certificate(session, user, sold, certificate.id)
    deleted = _queued(app, "channels.certificate_change")[-1]
    assert deleted.id != queued.id and deleted.params == {"product_ids": [sold]}
    job = _run(app, deleted.id, dt.datetime.now(dt.UTC))
    assert job.result["resumed"] == 1
    assert _listing(app, listing_id).state == State.LIVE


def test_the_daily_check_is_on_beat_s_schedule_and_pauses_every_club_s_expired_listings(
    app: flask.Flask, people: conftest.People, remote: fake.FakeMarketplace
) -> None:
    schedule = tasks.beat_schedule()
    daily = schedule["channels-check-certificates-daily"]
    assert daily["task"] == tasks.CHECK_CERTIFICATES == "channels.check_certificates"
    assert daily["schedule"] == crontab(hour=17, minute=5)  # 00:05 in Vietnam (UTC+7)
    assert schedule["channels-resume-queued-hourly"]["schedule"] == crontab(minute=15)
    celery_app = app.extensions["celery"]
    assert celery_app.conf.beat_schedule == schedule
    assert celery_app.conf.timezone == "UTC"
    assert {tasks.CHECK_CERTIFICATES, tasks.RESUME_QUEUED} <= set(celery_app.tasks)

    # What beat sends does the check: a listing published while its certificate was valid is
    # paused once it has expired.
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(
        app, seller, builders.product_data(people.producer_id), _expired_certificate()
    )
    account_id = publishing_tests._connected_account(app, remote, people.club_id)
    with app.app_context():
        session = extensions.db.session
        (listing,) = listings.bind(session, conftest.user_named(seller), account_id, [product_id])
        back_then = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
        publishing.run(session, [listing.id], publishing_tests._opts(now=lambda: back_then))
        listing_id = listing.id
    assert _listing(app, listing_id).state == State.LIVE
    result = celery_app.tasks[tasks.CHECK_CERTIFICATES].apply().get()
    assert result["paused"] == 1
    assert _listing(app, listing_id).state == State.PAUSED


# --- the studio: stars only from a valid certificate -----------------------------------------


def _product_with_photo(
    app: flask.Flask, people: conftest.People, tmp_path: Path, name: str, certificate: Any
) -> int:
    seller = people.username(Role.SELLER)
    product_id = builders.make_product(
        app,
        seller,
        builders.product_data(people.producer_id, name=name, skus=(f"SKU-{len(name)}",)),
        certificate,
    )
    photo = media_support.make_image(tmp_path / f"{product_id}.jpg", (400, 300))
    with app.app_context(), photo.open("rb") as handle:
        images_service.add_product_image(
            extensions.db.session,
            conftest.user_named(seller),
            product_id,
            io.BytesIO(handle.read()),
            app.config["MEDIA_ROOT"],
        )
    return product_id


def test_quick_video_draws_stars_only_from_a_valid_certificate(
    app: flask.Flask, people: conftest.People, tmp_path: Path, auth: conftest.Auth, client: Any
) -> None:
    expired_id = _product_with_photo(app, people, tmp_path, "Bánh gai", _expired_certificate())
    valid_id = _product_with_photo(
        app, people, tmp_path, "Nước mắm Trà Cổ", builders.certificate_data()
    )
    root = app.config["MEDIA_ROOT"]
    with app.app_context():
        session = extensions.db.session
        seller = conftest.user_named(people.username(Role.SELLER))
        expired_video = videos_service.quick_video(session, seller, expired_id, media_root=root)
        valid_video = videos_service.quick_video(session, seller, valid_id, media_root=root)
        assert valid_video.recipe["badge"] == {"stars": 4, "label": "OCOP", "price_dong": 95_000}
        # The expired product's video keeps its price but says nothing of OCOP.
        assert expired_video.recipe["badge"] == {"price_dong": 95_000}
        video_id = expired_video.id

        # Asking for the stars anyway is refused, with the reason on the badge's field.
        recipe = dict(expired_video.recipe, badge={"stars": 3, "price_dong": 95_000})
        with pytest.raises(errors.ValidationError) as refused:
            videos_service.update(session, seller, video_id, media_root=root, recipe=recipe)
        (message,) = refused.value.fields["badge.stars"]
        assert "đã hết hạn" in message and "Bánh gai" in message
        recipe["badge"] = {"price_dong": 95_000, "label": "Sản phẩm OCOP"}
        with pytest.raises(errors.ValidationError) as refused:
            videos_service.update(session, seller, video_id, media_root=root, recipe=recipe)
        assert list(refused.value.fields) == ["badge.label"]
        # A valid certificate's own stars pass; other stars do not.
        wrong = dict(valid_video.recipe, badge={"stars": 5, "price_dong": 1})
        with pytest.raises(errors.ValidationError) as refused:
            videos_service.update(session, seller, valid_video.id, media_root=root, recipe=wrong)
        assert "4 sao" in refused.value.fields["badge.stars"][0]
        stored = session.get(type(expired_video), video_id)
        assert "stars" not in stored.recipe["badge"]  # nothing refused was kept

    # The studio says why on the product's tools and in the editor.
    auth.login(people.username(Role.SELLER))
    tools = client.get(f"/studio/?product={expired_id}").get_data(as_text=True)
    assert 'data-testid="certificate-warning"' in tools and "đã hết hạn" in tools
    editor = client.get(f"/studio/videos/{video_id}/edit").get_data(as_text=True)
    assert 'data-testid="certificate-warning"' in editor
    fine = client.get(f"/studio/?product={valid_id}").get_data(as_text=True)
    assert 'data-testid="certificate-warning"' not in fine


# --- the run-of-show warns ------------------------------------------------------------------


def test_run_of_show_warns_on_an_expired_certificate_and_a_zero_price(
    app: flask.Flask, people: conftest.People, auth: conftest.Auth, client: Any
) -> None:
    coordinator = people.username(Role.COORDINATOR)
    expired_id = builders.make_product(
        app,
        coordinator,
        builders.product_data(people.producer_id, name="Bánh gai", skus=("BG-1",)),
        _expired_certificate(),
    )
    valid_id = builders.make_product(
        app, coordinator, builders.product_data(people.producer_id), builders.certificate_data()
    )
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    with app.app_context():
        session = extensions.db.session
        user = conftest.user_named(coordinator)
        row = live_sessions.create(
            session,
            user,
            {
                "title": "Chợ phiên",
                "platform": "tiktok",
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=1),
            },
            buffer_min=0,
        )
        session_id = row.id
        # Accepted, not refused: the coordinator decides.
        live_slots.add(session, user, session_id, {"product_id": expired_id, "code": "BG1"})
        free = live_slots.add(
            session, user, session_id, {"product_id": valid_id, "code": "NM1", "live_price": 0}
        )
        free_id = free.id
        live_slots.add(session, user, session_id, {"product_id": valid_id, "code": "NM2"})
        warned = {
            item["slot"].code: [w.code for w in item["warnings"]]
            for item in live_slots.timeline(session.get(type(row), session_id))
        }
    assert warned == {"BG1": ["certificate_expired"], "NM1": ["zero_price"], "NM2": []}

    auth.login(coordinator)
    page = client.get(f"/live/sessions/{session_id}").get_data(as_text=True)
    assert 'data-testid="run-of-show-warnings"' in page
    assert page.count('data-testid="slot-warning"') == 2
    assert 'data-code="certificate_expired"' in page and 'data-code="zero_price"' in page
    assert "đã hết hạn" in page and "0 ₫" in page
    edit = client.get(f"/live/sessions/{session_id}/slots/{free_id}/edit").get_data(as_text=True)
    assert 'data-testid="slot-warning" data-code="zero_price"' in edit
    # The product picker marks the expired product.
    assert "Bánh gai ⚠" in edit and "Nước mắm cá cơm Trà Cổ ⚠" not in edit


# --- demo data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [None, dt.date(2026, 3, 31)])
def test_demo_certificates_are_dated_from_the_day_it_is_loaded(
    app: flask.Flask, categories: dict[str, int], day: dt.date | None
) -> None:
    moment = (
        dt.datetime.now(dt.UTC)
        if day is None
        else dt.datetime.combine(day, dt.time(10), tzinfo=VN).astimezone(dt.UTC)
    )
    with app.app_context():
        session = extensions.db.session
        demo.load(session, "demo-pass", now=lambda: moment)
        today = catalog_service.today_local(lambda: moment)
        products = session.scalars(sa.select(catalog.Product).order_by(catalog.Product.id)).all()
        status = {
            p.name: catalog_service.certificate_status(p.ocop_expires_on, today) for p in products
        }
    assert sorted(status.values()) == sorted(
        [ocop.Status.ACTIVE] * 3 + [ocop.Status.EXPIRING, ocop.Status.EXPIRED]
    )
    (expired,) = [name for name, s in status.items() if s == ocop.Status.EXPIRED]
    (expiring,) = [name for name, s in status.items() if s == ocop.Status.EXPIRING]
    assert expired.endswith(demo.EXPIRED_NAME) and "đã hết hạn" in expired
    assert expiring.endswith(demo.EXPIRING_NAME) and "sắp hết hạn" in expiring
    assert all(
        not name.endswith((demo.EXPIRED_NAME, demo.EXPIRING_NAME))
        for name, s in status.items()
        if s == ocop.Status.ACTIVE
    )
