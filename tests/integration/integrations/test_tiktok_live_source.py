"""TikTok LIVE through the webcast route, against the sandbox over 127.0.0.1: TikTok's web
look-up, the sign server (HTTP, protobuf) and the push server (a real WebSocket).

The live's clock is the sandbox's (moved by the follow loop's sleeps, and the source's sign
pacing runs on it); reads wait on the real socket. What a dropped connection loses is what the
sandbox says was said while no connection was open, less the history the next one brought.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator

import pytest
import requests

from integrations import errors
from integrations.comments import base, follow, registry
from integrations.comments.tiktok import TikTokLiveSource, unique_id
from sandbox import core, livechat, tiktok_live

USER = tiktok_live.DEMO_UNIQUE_ID


@dataclasses.dataclass
class Live:
    chat: livechat.LiveChat
    app: tiktok_live.TikTokLive
    server: core.Server[tiktok_live.TikTokLive]

    def source(self, **config: str) -> TikTokLiveSource:
        settings = {
            "unique_id": f"@{USER}",
            "sign_server_url": self.server.url,
            "web_base_url": self.server.url,
            "sign_api_key": tiktok_live.DEMO_SIGN_API_KEY,
            "reconnect_seconds": "5",
            "read_seconds": "0.25",
            **config,
        }
        return TikTokLiveSource(settings, clock=self.chat.now)

    def comments(self) -> list[livechat.Scripted]:
        """The script's comments in the order they are said (TikTok has no edits)."""
        return [e for e in self.chat.script if e.kind == "comment"]

    def signs(self) -> int:
        return self.chat.calls["webcast/fetch"]


@pytest.fixture
def live() -> Iterator[Live]:
    chat = livechat.LiveChat(livechat.scripted_chat(120, seconds=60, seed=19))
    app = tiktok_live.TikTokLive(chat)
    with core.Server(app) as server:
        try:
            yield Live(chat, app, server)
        finally:
            app.close()


@dataclasses.dataclass
class Stored:
    batches: list[base.Batch] = dataclasses.field(default_factory=list)

    def save(self, batch: base.Batch) -> None:
        self.batches.append(batch)

    def ids(self) -> list[str]:
        return [e.comment_id for b in self.batches for e in b.events]

    def gaps(self) -> int:
        return sum(b.gaps for b in self.batches)


def follow_on(
    live: Live,
    source: TikTokLiveSource,
    store: Callable[[base.Batch], object],
    cursor: str | None = None,
) -> follow.Outcome:
    """Follow the room to its end, each wait moving the live's clock (a second at least)."""
    return follow.follow(
        source,
        tiktok_live.DEMO_ROOM_ID,
        cursor,
        store=store,
        sleep=lambda seconds: live.chat.advance(max(seconds, 1.0)),
    )


def run(
    live: Live, source: TikTokLiveSource, stored: Stored, cursor: str | None = None
) -> follow.Outcome:
    if cursor is None:
        source.resolve_live(None)
    return follow_on(live, source, stored.save, cursor)


def test_a_live_is_followed_to_its_end_with_every_comment_once_in_order(live: Live) -> None:
    source = live.source()
    found = source.resolve_live(None)
    assert found.live_id == tiktok_live.DEMO_ROOM_ID and found.title == live.chat.title
    assert found.url == f"https://www.tiktok.com/@{USER}/live"
    stored = Stored()
    outcome = follow_on(live, source, stored.save, None)
    assert outcome.reason == "ended" and stored.batches[-1].ended
    said = live.comments()
    assert stored.ids() == [tiktok_live.message_id(e.comment_id) for e in said]
    assert max(len(b.events) for b in stored.batches) > 1, "bursts come in one batch"
    events = [e for b in stored.batches for e in b.events]
    for event, scripted in zip(events, said, strict=True):
        assert event.kind is base.EventKind.COMMENT and event.text == scripted.text
        assert event.author is not None and event.author.name == scripted.author_name
        assert event.author.id == str(tiktok_live.USER_ID_BASE + int(scripted.author_id[1:]))
        assert event.created_at is not None and event.created_at.tzinfo is dt.UTC
        # createTime carries milliseconds
        assert abs(event.created_at.timestamp() - (live.chat.started + scripted.at)) < 0.001
    assert stored.gaps() == 0 and source.malformed == 0
    # One sign call for the whole live; the client acknowledged what asked for it.
    assert live.signs() == 1
    assert live.chat.calls["push:im_enter_room"] == 1 and live.chat.calls["push:ack"] > 0


def test_a_dropped_connection_loses_only_what_was_said_meanwhile_and_repeats_nothing(
    live: Live,
) -> None:
    source = live.source(reconnect_seconds="30")  # no sign call within 30 s of the last
    stored = Stored()
    dropped: list[bool] = []

    def save(batch: base.Batch) -> None:
        stored.save(batch)
        if len(stored.ids()) >= 20 and not dropped:  # a third of the way in
            dropped.append(True)
            live.chat.faults.append("disconnect")

    source.resolve_live(None)
    outcome = follow_on(live, source, save, None)
    assert outcome.reason == "ended"
    ids = stored.ids()
    assert len(ids) == len(set(ids)), "a comment came twice"
    # One gap, reported once, then one more sign call no sooner than the pacing allows.
    assert stored.gaps() == 1 and source.gaps == 1 and live.signs() == 2
    [(gap_from, gap_to)] = live.app.gaps
    assert gap_to >= 30.0, "the second sign call waited for the pacing"
    said = {tiktok_live.message_id(e.comment_id): e for e in live.comments()}
    lost = set(said) - set(ids)
    in_gap = {key for key, e in said.items() if gap_from < e.at <= gap_to}
    brought_back = {tiktok_live.message_id(c) for c in live.app.history_sent[-1]}
    assert lost and lost == in_gap - brought_back
    assert set(ids) == {tiktok_live.message_id(c) for c in live.app.delivered}
    gap_batch = next(b for b in stored.batches if b.gaps)
    assert gap_batch.wait > 0, "the reconnect waits for the sign pacing"


def test_a_fresh_reader_resumes_from_the_cursor_without_repeating_the_history(
    live: Live,
) -> None:
    first = live.source()
    stored = Stored()
    found = first.resolve_live(None)
    cursor = None

    def said_so_far() -> set[str]:
        now = live.chat.now() - live.chat.started
        return {tiktok_live.message_id(e.comment_id) for e in live.comments() if e.at <= now}

    for _ in range(200):  # 30 comments in, then read until everything said so far has come
        if len(stored.ids()) >= 30 and said_so_far() <= set(stored.ids()):
            break
        if len(stored.ids()) < 30:
            live.chat.advance(1.0)
        batch = first.fetch(found.live_id, cursor)
        stored.save(batch)
        cursor = batch.cursor
    assert said_so_far() <= set(stored.ids())
    first.close()  # the worker stops; a new one starts at once from the stored cursor
    before = len(stored.ids())
    second = live.source()
    outcome = run(live, second, stored, cursor)
    assert outcome.reason == "ended"
    ids = stored.ids()
    assert len(ids) == len(set(ids))
    history = {tiktok_live.message_id(c) for c in live.app.history_sent[-1]}
    assert history and history <= set(ids[:before]), "the history was stored already"
    assert stored.gaps() == 1, "the time between the two readers is a gap"


def test_the_sign_servers_rate_limit_is_a_typed_wait(live: Live) -> None:
    live.chat.faults.append("throttle")
    source = live.source()
    found = source.resolve_live(None)
    with pytest.raises(errors.RateLimited) as caught:
        source.fetch(found.live_id, None)
    assert caught.value.reason == "sign_rate_limited" and caught.value.status == 429
    assert caught.value.retry_after == 30.0 and caught.value.params == {"seconds": 30}
    # Until then the sign server is not called again.
    batch = source.fetch(found.live_id, None)
    assert batch.events == () and batch.wait == 30.0 and live.signs() == 1
    stored = Stored()
    outcome = run(live, source, stored)
    assert outcome.reason == "ended" and live.signs() == 2
    # It connected 30 s into the live: what it read is all TikTok sent from then on.
    [history] = live.app.history_sent
    delivered = [e for e in live.comments() if e.comment_id in live.app.delivered]
    assert stored.ids() == [tiktok_live.message_id(e.comment_id) for e in delivered]
    assert len(history) == tiktok_live.HISTORY and min(e.at for e in delivered) < 30.0


@pytest.mark.parametrize(
    ("fault", "key", "detail", "status"),
    [
        ("sign_error", tiktok_live.DEMO_SIGN_API_KEY, "SIGN_NOT_200", 403),
        ("sign_empty", tiktok_live.DEMO_SIGN_API_KEY, "EMPTY_PAYLOAD", 200),
        (None, "not-the-key", "SIGN_NOT_200", 401),
    ],
)
def test_sign_server_refusals_are_typed(
    live: Live, fault: str | None, key: str, detail: str, status: int
) -> None:
    if fault:
        live.chat.faults.append(fault)
    source = live.source(sign_api_key=key)
    found = source.resolve_live(None)
    with pytest.raises(errors.PermanentError) as caught:
        source.fetch(found.live_id, None)
    assert (caught.value.reason, caught.value.code, caught.value.status) == (
        "sign_error",
        detail,
        status,
    )
    assert caught.value.params == {"detail": detail}


def test_an_offline_or_unknown_user_has_no_live(live: Live) -> None:
    with pytest.raises(base.NoLiveNow) as unknown:
        live.source(unique_id="@someone.else").resolve_live(None)
    assert unknown.value.reason == "user_not_found"
    assert unknown.value.params == {"unique_id": "someone.else"}
    live.chat.faults.append("offline")
    with pytest.raises(base.NoLiveNow) as offline:
        live.source().resolve_live(f"https://www.tiktok.com/@{USER}/live")
    assert offline.value.reason == "no_live_now"
    with pytest.raises(errors.ValidationFailed):
        live.source().resolve_live("https://example.com/not a user")
    assert live.signs() == 0, "looking for the live never spends sign quota"


def test_links_and_names_name_the_user() -> None:
    assert unique_id("@ocop.live.demo") == "ocop.live.demo"
    assert unique_id("ocop_live") == "ocop_live"
    assert unique_id("https://www.tiktok.com/@ocop.live.demo/live?lang=vi") == "ocop.live.demo"
    assert unique_id("tiktok.com/@lan_vn") == "lan_vn"
    assert unique_id("https://www.youtube.com/watch?v=x") is None
    assert registry.get("tiktok") is TikTokLiveSource
    assert base.Capability.FIND_CURRENT_LIVE in TikTokLiveSource.capabilities
    assert TikTokLiveSource.secret_fields() == {"sign_api_key"}


def test_the_end_of_the_live_ends_the_read(live: Live) -> None:
    source = live.source()
    stored = Stored()
    found = source.resolve_live(None)
    live.chat.advance(10.0)
    first = source.fetch(found.live_id, None)
    assert first.events and not first.ended
    requests.post(f"{live.server.url}/_sandbox/end", timeout=5).raise_for_status()
    outcome = follow_on(live, source, stored.save, first.cursor)
    assert outcome.reason == "ended" and stored.batches[-1].ended
    # A new reader resuming: TikTok's room look-up says it is over, before any sign call.
    signs = live.signs()
    with pytest.raises(base.LiveEnded):
        live.source().fetch(found.live_id, first.cursor)
    assert live.signs() == signs
    # A reader that knows only the room: the sign server's first reply says it is over.
    batch = live.source().fetch(found.live_id, None)
    assert batch.ended and batch.events == ()


def test_a_live_over_while_disconnected_ends_at_the_reconnect(live: Live) -> None:
    source = live.source()
    found = source.resolve_live(None)
    live.chat.advance(10.0)
    assert source.fetch(found.live_id, None).events
    live.chat.faults.extend(["disconnect", "offline"])
    stored = Stored()
    outcome = follow_on(live, source, stored.save, None)
    assert outcome.reason == "ended", "the room look-up says the live is over: LiveEnded"
    assert stored.gaps() == 1 and live.signs() == 1


def test_malformed_frames_are_skipped_and_counted(live: Live) -> None:
    live.chat.faults.append("malformed")
    source = live.source()
    stored = Stored()
    outcome = run(live, source, stored)
    assert outcome.reason == "ended"
    assert source.malformed == 3
    assert stored.ids() == [tiktok_live.message_id(e.comment_id) for e in live.comments()]
