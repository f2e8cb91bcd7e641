"""Capturing a live's comments into live_comments, on both databases, against the live chat
sandboxes over real HTTP: every comment stored once through faults and a restart, edits and
deletions applied, the cursor saved with the comments, failures said as codes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.core import errors
from app.jobs import registry, tasks
from app.live import capture, comment_accounts, sessions
from app.models import comments as models
from app.models import live
from sandbox import core, livechat
from tests import conftest
from tests.integration.app import test_jobs
from tests.integration.app import test_orders_import as order_tests


@dataclasses.dataclass
class Desk:
    app: flask.Flask
    shop: order_tests.Shop
    chat: livechat.LiveChat
    server: core.Server
    dispatch: test_jobs.FakeDispatch

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        user = conftest.user_named(self.shop.people.username("coordinator"))
        return fn(extensions.session(), user, *args, **kwargs)

    def youtube_account(self) -> int:
        account = self.call(
            comment_accounts.add_account,
            platform="youtube",
            name="Kênh CLB",
            settings={"api_key": livechat.DEMO_API_KEY, "api_base_url": self.server.url},
        )
        return int(account.id)


@pytest.fixture
def desk(
    app: flask.Flask, people: conftest.People, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Desk]:
    fake = test_jobs.FakeDispatch()
    monkeypatch.setattr(tasks, "dispatch", fake)
    chat = livechat.LiveChat(livechat.scripted_chat(120, seconds=120, seed=3))
    with core.Server(livechat.YouTubeLive(chat)) as server:
        yield Desk(app, order_tests.make_shop(app, people), chat, server, fake)


def stored(desk: Desk) -> list[models.LiveComment]:
    return list(
        extensions.session().scalars(sa.select(models.LiveComment).order_by(models.LiveComment.id))
    )


def test_a_capture_stores_every_comment_once_through_faults_and_a_restart(desk: Desk) -> None:
    with desk.app.app_context():
        account_id = desk.youtube_account()
        row = desk.call(
            capture.start,
            desk.shop.session_id,
            account_id=account_id,
            live_ref=f"https://youtu.be/{livechat.DEMO_VIDEO_ID}",
        )
        assert row.status is models.CaptureStatus.WAITING
        assert desk.dispatch.sent == [(row.job_id, "live")]
        again = desk.call(capture.start, desk.shop.session_id, account_id=account_id)
        assert again.id == row.id, "a second start while it runs is the same capture"
        capture_id = row.id

        # The worker dies while saving its third batch: nothing of it is kept.
        calls = {"n": 0}

        def dying(*args: Any, **kwargs: Any) -> int:
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("worker killed")
            return real_store(*args, **kwargs)

        real_store = capture.store_batch
        desk.chat.faults.extend(["throttle", "disconnect", "duplicate"])
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(capture, "store_batch", dying)
            with pytest.raises(RuntimeError):
                capture.run(extensions.session(), capture_id, sleep=desk.chat.advance)
        extensions.session().rollback()
        partial = extensions.session().get(models.CommentCapture, capture_id)
        assert partial is not None and partial.status is models.CaptureStatus.RUNNING
        assert partial.comments == len(stored(desk)) > 0

        ran = capture.run(extensions.session(), capture_id, sleep=desk.chat.advance)
        assert ran.status is models.CaptureStatus.ENDED
        rows = stored(desk)
        want = desk.chat.comments()
        assert sorted(r.comment_id for r in rows) == sorted(f"LCC.{cid}" for cid in want)
        deleted = {r.comment_id for r in rows if r.deleted_at is not None}
        assert deleted == {f"LCC.{cid}" for cid, c in want.items() if c.deleted}
        for r in rows:
            comment = want[r.comment_id.removeprefix("LCC.")]
            assert (r.author_name, r.origin, r.platform) == (
                comment.author_name,
                models.CommentOrigin.CAPTURE,
                "youtube",
            )
            assert r.session_id == desk.shop.session_id and r.live_id == livechat.DEMO_CHAT_ID
        done = extensions.session().get(models.CommentCapture, capture_id)
        assert done is not None and done.comments == len(rows) and done.cursor
        assert done.stopped_at is not None


def test_a_stopped_capture_reads_no_more(desk: Desk) -> None:
    with desk.app.app_context():
        row = desk.call(
            capture.start,
            desk.shop.session_id,
            account_id=desk.youtube_account(),
            live_ref=livechat.DEMO_VIDEO_ID,
        )
        stopped = desk.call(capture.stop, row.id)
        assert stopped.status is models.CaptureStatus.STOPPED
        ran = capture.run(extensions.session(), row.id, sleep=desk.chat.advance)
        assert ran == capture.Ran(models.CaptureStatus.STOPPED, 0)
        assert stored(desk) == []


def test_refusals_fail_the_capture_with_a_code(desk: Desk) -> None:
    with desk.app.app_context():
        account_id = desk.youtube_account()
        unknown = desk.call(
            capture.start, desk.shop.session_id, account_id=account_id, live_ref="aaaaaaaaaaa"
        )
        ran = capture.run(extensions.session(), unknown.id, sleep=desk.chat.advance)
        assert ran.status is models.CaptureStatus.FAILED
        assert unknown.problem == {"code": "not_found", "params": {"video_id": "aaaaaaaaaaa"}}

        expired = desk.call(
            capture.start,
            desk.shop.session_id,
            account_id=account_id,
            live_ref=livechat.DEMO_VIDEO_ID,
        )
        desk.chat.faults.append("expire_token")
        assert capture.run(extensions.session(), expired.id, sleep=desk.chat.advance).status is (
            models.CaptureStatus.FAILED
        )
        account = extensions.session().get(models.CommentAccount, account_id)
        assert account is not None and account.status is models.SourceStatus.NEEDS_RECONNECT


def test_what_a_start_refuses(desk: Desk) -> None:
    with desk.app.app_context():
        account_id = desk.youtube_account()
        with pytest.raises(errors.ValidationError) as no_link:
            desk.call(capture.start, desk.shop.session_id, account_id=account_id)
        assert "live_ref" in no_link.value.fields
        with pytest.raises(errors.ValidationError) as other:
            desk.call(capture.start, desk.shop.session_id, account_id=account_id + 99)
        assert "account_id" in other.value.fields
        with pytest.raises(errors.NotFound):
            desk.call(capture.start, 10_000, account_id=account_id, live_ref="x")
        with pytest.raises(errors.ValidationError) as missing_key:
            desk.call(comment_accounts.add_account, platform="youtube", name="", settings={})
        assert "api_key" in missing_key.value.fields
        with pytest.raises(errors.ValidationError):
            desk.call(comment_accounts.add_account, platform="zalo", name="", settings={})
        assert desk.dispatch.sent == []


def test_the_capture_job_kind_is_registered_on_the_live_queue(app: flask.Flask) -> None:
    kind = registry.of(app)[capture.CAPTURE]
    assert kind.queue == "live" and not kind.startable
    assert kind.validate({"capture_id": 3}) == {"capture_id": 3}
    with pytest.raises(errors.ValidationError):
        kind.validate({"capture_id": True})


def test_a_facebook_page_connects_through_the_consent_dialog_and_its_live_is_captured(
    app: flask.Flask, people: conftest.People, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "dispatch", test_jobs.FakeDispatch())
    chat = livechat.LiveChat(livechat.scripted_chat(40, seconds=60, seed=9))
    redirect = "http://127.0.0.1:1/live/comment-accounts/facebook/callback"
    with core.Server(livechat.FacebookLive(chat)) as server, app.app_context():
        shop = order_tests.make_shop(app, people)
        desk = Desk(app, shop, chat, server, test_jobs.FakeDispatch())
        settings = {
            "app_id": livechat.DEMO_APP_ID,
            "app_secret": livechat.DEMO_APP_SECRET,
            "api_base_url": server.url,
            "authorize_url_base": server.url,
        }
        account, url = desk.call(
            comment_accounts.begin_facebook, settings=settings, redirect_uri=redirect
        )
        assert account.status is models.SourceStatus.NEEDS_RECONNECT
        answer = requests.get(url, allow_redirects=False, timeout=5)
        back = parse_qs(urlsplit(answer.headers["Location"]).query)
        with pytest.raises(errors.ValidationError):
            desk.call(
                comment_accounts.finish_facebook,
                {"state": "forged", "code": back["code"][0]},
                redirect_uri=redirect,
            )
        connected = desk.call(
            comment_accounts.finish_facebook,
            {"state": back["state"][0], "code": back["code"][0]},
            redirect_uri=redirect,
        )
        assert connected.status is models.SourceStatus.CONNECTED
        assert connected.config["page_id"] == livechat.DEMO_PAGE_ID
        assert connected.name == "HTX Nước mắm Móng Cái"
        assert "page_access_token" not in connected.config  # sealed, never shown
        assert livechat.DEMO_APP_SECRET not in str(connected.config)

        # The Page's live now, with no link typed.
        row = desk.call(capture.start, shop.session_id, account_id=connected.id)
        ran = capture.run(extensions.session(), row.id, sleep=chat.advance)
        assert ran.status is models.CaptureStatus.ENDED
        visible = {cid for cid, c in chat.comments().items() if not c.deleted}
        got = {r.comment_id.removeprefix(f"{livechat.DEMO_LIVE_ID}_") for r in stored(desk)}
        assert visible <= got


def test_a_session_on_air_starts_its_captures_and_ending_it_stops_them(desk: Desk) -> None:
    with desk.app.app_context():
        account_id = desk.youtube_account()
        row = extensions.session().get(live.LiveSession, desk.shop.session_id)
        assert row is not None
        row.platform, row.live_url = "youtube", f"https://youtu.be/{livechat.DEMO_VIDEO_ID}"
        extensions.session().commit()
        desk.call(sessions.set_status, desk.shop.session_id, "live", buffer_min=0)
        [started] = extensions.session().scalars(sa.select(models.CommentCapture)).all()
        assert (started.account_id, started.status) == (account_id, models.CaptureStatus.WAITING)
        assert started.live_ref == row.live_url and desk.dispatch.sent == [(started.job_id, "live")]
        desk.call(sessions.set_status, desk.shop.session_id, "ended", buffer_min=0)
        extensions.session().refresh(started)
        assert started.status is models.CaptureStatus.STOPPED
