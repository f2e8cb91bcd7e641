"""TikTok LIVE comment accounts and captures, on both databases, against the TikTok sandbox
over 127.0.0.1: off unless the install turns it on; when on, an account is added on the
accounts page and the capture stores the live's comments once each, saying when a dropped
connection lost some."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.core import errors
from app.jobs import tasks
from app.live import capture, comment_accounts
from app.models import accounts
from app.models import comments as models
from integrations.comments import tiktok
from sandbox import core, livechat, tiktok_live
from tests import conftest
from tests.integration.app import test_jobs
from tests.integration.app import test_orders_import as order_tests


@dataclasses.dataclass
class Room:
    app: flask.Flask
    shop: order_tests.Shop
    chat: livechat.LiveChat
    sandbox: tiktok_live.TikTokLive
    server: core.Server[tiktok_live.TikTokLive]

    def settings(self) -> dict[str, str]:
        return {
            "unique_id": f"@{tiktok_live.DEMO_UNIQUE_ID}",
            "sign_api_key": tiktok_live.DEMO_SIGN_API_KEY,
            "sign_server_url": self.server.url,
            "web_base_url": self.server.url,
        }

    def coordinator(self) -> accounts.User:
        return conftest.user_named(self.shop.people.username("coordinator"))

    def advance(self, seconds: float) -> None:
        """The capture's wait: the live's clock moves (a second at least: a push source asks
        for none between reads)."""
        self.chat.advance(max(seconds, 1.0))

    def factory(self, account: models.CommentAccount) -> tiktok.TikTokLiveSource:
        """The app's reader for the account, its sign pacing on the live's clock and short
        reads (the capture's waits move that clock)."""
        source = comment_accounts.source_for(account)
        assert isinstance(source, tiktok.TikTokLiveSource)
        source.clock, source.read_seconds, source.reconnect_seconds = self.chat.now, 0.25, 20.0
        return source


@pytest.fixture
def room(
    app: flask.Flask, people: conftest.People, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Room]:
    monkeypatch.setattr(tasks, "dispatch", test_jobs.FakeDispatch())
    chat = livechat.LiveChat(livechat.scripted_chat(80, seconds=50, seed=23))
    sandbox = tiktok_live.TikTokLive(chat)
    with core.Server(sandbox) as server:
        try:
            yield Room(app, order_tests.make_shop(app, people), chat, sandbox, server)
        finally:
            sandbox.close()


def stored() -> list[models.LiveComment]:
    return list(
        extensions.session().scalars(sa.select(models.LiveComment).order_by(models.LiveComment.id))
    )


def test_tiktok_is_off_unless_the_install_turns_it_on(
    room: Room, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    assert room.app.config["TIKTOK_WEBCAST_ENABLED"] is False
    auth.login(room.shop.people.username("coordinator"))
    page = client.get("/live/comment-accounts").get_data(as_text=True)
    assert 'data-testid="tiktok-account"' not in page
    assert client.post("/live/comment-accounts/tiktok", data=room.settings()).status_code == 404
    with room.app.app_context(), pytest.raises(errors.ValidationError):
        comment_accounts.add_account(
            extensions.session(),
            room.coordinator(),
            platform="tiktok",
            name="",
            settings=room.settings(),
        )


def test_an_account_added_on_the_page_captures_the_live_once_each_and_tells_of_a_gap(
    room: Room, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    room.app.config["TIKTOK_WEBCAST_ENABLED"] = True
    auth.login(room.shop.people.username("coordinator"))
    page = client.get("/live/comment-accounts").get_data(as_text=True)
    assert 'data-testid="tiktok-account"' in page
    saved = client.post(
        "/live/comment-accounts/tiktok",
        data={"name": "TikTok CLB", **room.settings()},
        follow_redirects=True,
    )
    text = saved.get_data(as_text=True)
    assert "Đã lưu tài khoản TikTok." in text and tiktok_live.DEMO_SIGN_API_KEY not in text
    with room.app.app_context():
        [account] = extensions.session().scalars(sa.select(models.CommentAccount)).all()
        assert account.platform == "tiktok" and account.status is models.SourceStatus.CONNECTED
        assert account.config["unique_id"] == f"@{tiktok_live.DEMO_UNIQUE_ID}"
        assert "sign_api_key" not in account.config  # sealed
        row = capture.start(
            extensions.session(),
            room.coordinator(),
            room.shop.session_id,
            account_id=account.id,
            live_ref=f"https://www.tiktok.com/@{tiktok_live.DEMO_UNIQUE_ID}/live",
        )
        capture_id = row.id
        room.chat.faults.append("disconnect")
        ran = capture.run(
            extensions.session(), capture_id, sleep=room.advance, factory=room.factory
        )
        assert ran.status is models.CaptureStatus.ENDED
        rows = stored()
        ids = [r.comment_id for r in rows]
        assert len(ids) == len(set(ids)) == ran.comments > 0
        delivered = {tiktok_live.message_id(c) for c in room.sandbox.delivered}
        assert set(ids) == delivered, "every comment that reached the app is stored"
        said = {e.comment_id for e in room.chat.script if e.kind == "comment"}
        assert len(said) > len(delivered), "the dropped connection lost what was said meanwhile"
        for r in rows:
            assert (r.platform, r.live_id, r.origin) == (
                "tiktok",
                tiktok_live.DEMO_ROOM_ID,
                models.CommentOrigin.CAPTURE,
            )
            assert r.author_name and r.text
        done = extensions.session().get(models.CommentCapture, capture_id)
        assert done is not None
        assert done.problem == {"code": "comments_missed", "params": {"gaps": 1}}
    desk = client.get(f"/live/sessions/{room.shop.session_id}/desk").get_data(as_text=True)
    assert 'data-testid="desk-capture-note"' in desk and "mất kết nối 1 lần" in desk


def test_a_capture_of_a_user_not_live_fails_with_a_code(room: Room) -> None:
    room.app.config["TIKTOK_WEBCAST_ENABLED"] = True
    with room.app.app_context():
        account = comment_accounts.add_account(
            extensions.session(),
            room.coordinator(),
            platform="tiktok",
            name="",
            settings={**room.settings(), "unique_id": "someone.else"},
        )
        row = capture.start(
            extensions.session(),
            room.coordinator(),
            room.shop.session_id,
            account_id=account.id,
        )
        ran = capture.run(extensions.session(), row.id, sleep=room.advance)
        assert ran.status is models.CaptureStatus.FAILED
        failed = extensions.session().get(models.CommentCapture, row.id)
        assert failed is not None and failed.problem is not None
        assert failed.problem["code"] == "user_not_found"
        assert room.chat.calls["webcast/fetch"] == 0
        # Turned off again: no new capture starts on the account.
        room.app.config["TIKTOK_WEBCAST_ENABLED"] = False
        with pytest.raises(errors.ValidationError):
            capture.start(
                extensions.session(),
                room.coordinator(),
                room.shop.session_id,
                account_id=account.id,
            )
