"""Comment sources against the live chat sandboxes over real HTTP on 127.0.0.1.

A scripted live (bursts, duplicates, edits, deletions) is followed to its end through
throttles, dropped connections, an expired token or page token and a crash between two
batches; every comment is captured once, as it stands, and nothing is lost.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from integrations import errors
from integrations.comments import base, follow, registry
from integrations.comments import facebook as graph
from integrations.comments.facebook import FacebookLiveSource
from integrations.comments.youtube import YouTubeLiveSource, video_id
from sandbox import core, livechat


@dataclasses.dataclass
class Stored:
    """What a capture store keeps: one row per comment id, the cursor after its events."""

    rows: dict[str, base.ChatEvent] = dataclasses.field(default_factory=dict)
    deleted: set[str] = dataclasses.field(default_factory=set)
    inserts: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    cursor: str | None = None
    crash_at: int | None = None  # the n-th batch fails before anything of it is saved
    batches: int = 0

    def save(self, batch: base.Batch) -> None:
        self.batches += 1
        if self.crash_at == self.batches:
            raise RuntimeError("worker killed")
        for event in batch.events:
            if event.kind is base.EventKind.DELETED:
                self.deleted.add(event.comment_id)
            elif event.kind is base.EventKind.EDITED or event.comment_id in self.rows:
                kept = self.rows[event.comment_id]
                self.rows[event.comment_id] = dataclasses.replace(kept, text=event.text)
            else:
                self.rows[event.comment_id] = event
                self.inserts[event.comment_id] += 1
        self.cursor = batch.cursor


def run(
    source: base.CommentSource,
    live_id: str,
    chat: livechat.LiveChat,
    stored: Stored,
    **kwargs: object,
) -> follow.Outcome:
    return follow.follow(
        source,
        live_id,
        stored.cursor,
        store=stored.save,
        sleep=lambda seconds: chat.advance(max(seconds, 1.0)),
        **kwargs,
    )


def crashed(source: base.CommentSource, live_id: str, chat: livechat.LiveChat, at: int) -> Stored:
    """What a capture had stored when its worker died reading the ``at``-th batch."""
    stored = Stored(crash_at=at)
    with pytest.raises(RuntimeError):
        run(source, live_id, chat, stored)
    assert stored.cursor is not None and stored.rows
    stored.crash_at = None
    return stored


def expected(chat: livechat.LiveChat) -> dict[str, livechat.Comment]:
    return chat.comments()


# --- Facebook ------------------------------------------------------------------------------


Served = tuple[livechat.LiveChat, core.Server]


def serve(platform: type[livechat.ChatSandbox], seed: int) -> Iterator[Served]:
    """A 300-comment, four-minute live served by ``platform``'s sandbox."""
    chat = livechat.LiveChat(livechat.scripted_chat(300, seconds=240, seed=seed))
    with core.Server(platform(chat)) as server:
        yield chat, server


@pytest.fixture
def facebook() -> Iterator[Served]:
    yield from serve(livechat.FacebookLive, 11)


def connected(server: core.Server) -> FacebookLiveSource:
    """The consent flow as a browser and the app go through it, then the Page's token."""
    config = {
        "app_id": livechat.DEMO_APP_ID,
        "app_secret": livechat.DEMO_APP_SECRET,
        "api_base_url": server.url,
        "authorize_url_base": server.url,
    }
    source = FacebookLiveSource(config)
    redirect = "http://127.0.0.1:1/channels/facebook/callback"
    answer = requests.get(source.authorize_url(redirect, "st4te"), allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["st4te"]
    pages = source.connect(query["code"][0], redirect)
    assert [p.page_id for p in pages] == [livechat.DEMO_PAGE_ID]
    page = pages[0]
    return FacebookLiveSource(
        {**config, "page_id": page.page_id, "page_access_token": page.access_token}
    )


def test_facebook_follows_a_live_to_its_end_with_every_comment_once(facebook) -> None:
    chat, server = facebook
    source = connected(server)
    live = source.resolve_live(None)
    assert live.live_id == livechat.DEMO_LIVE_ID and live.title == chat.title
    chat.faults.extend(["throttle", "disconnect", "duplicate", "disconnect"])
    stored = Stored()
    outcome = run(source, live.live_id, chat, stored)
    assert outcome.reason == "ended"
    assert outcome.throttled == 1 and outcome.transient == 2
    want = {f"{livechat.DEMO_LIVE_ID}_{cid}": c for cid, c in expected(chat).items()}
    # Deleted before the next poll reached them: Facebook lists them no more.
    caught = {cid: c for cid, c in want.items() if cid in stored.rows}
    missing = set(want) - set(stored.rows)
    assert all(want[cid].deleted for cid in missing)
    assert len(caught) >= len(want) - len(missing) and len(caught) > 250
    assert max(stored.inserts.values()) == 1, "a comment stored twice"
    for cid, comment in caught.items():
        row = stored.rows[cid]
        assert row.author == base.Author(comment.author_id, comment.author_name)
        if not comment.deleted:
            assert row.text == comment.text, "an edit was missed"
        assert row.created_at is not None
        assert row.created_at.timestamp() == int(comment.created)  # Graph: whole seconds


def test_facebook_resumes_after_a_crash_and_a_dead_token(facebook) -> None:
    chat, server = facebook
    source = connected(server)
    stored = crashed(source, livechat.DEMO_LIVE_ID, chat, 4)
    chat.faults.append("expire_token")
    with pytest.raises(errors.AuthExpired):
        run(source, livechat.DEMO_LIVE_ID, chat, stored)
    outcome = run(
        connected(server), livechat.DEMO_LIVE_ID, chat, stored, reconnect=lambda: connected(server)
    )
    assert outcome.reason == "ended"
    visible = {
        f"{livechat.DEMO_LIVE_ID}_{cid}" for cid, c in expected(chat).items() if not c.deleted
    }
    assert visible <= set(stored.rows)
    assert max(stored.inserts.values()) == 1


def test_facebook_private_reply_once_per_comment(facebook) -> None:
    chat, server = facebook
    source = connected(server)
    chat.advance(30)
    first = sorted(expected(chat))[0]
    comment_id = f"{livechat.DEMO_LIVE_ID}_{first}"
    message_id = source.reply_privately(comment_id, "Đơn DH1042: 2 hũ, 180.000đ")
    assert message_id.startswith("m_")
    assert chat.replies == [
        {"comment_id": comment_id, "text": "Đơn DH1042: 2 hũ, 180.000đ", "message_id": message_id}
    ]
    with pytest.raises(errors.PermanentError) as refused:
        source.reply_privately(comment_id, "lần nữa")
    assert refused.value.reason == "already_replied"


def test_facebook_no_live_and_a_finished_live(facebook) -> None:
    chat, server = facebook
    source = connected(server)
    chat.ended = True
    with pytest.raises(base.NoLiveNow):
        source.resolve_live(None)
    with pytest.raises(base.LiveEnded):
        source.resolve_live(livechat.DEMO_LIVE_ID)


def test_facebook_refusals_are_typed(facebook) -> None:
    chat, server = facebook
    unconnected = FacebookLiveSource({"app_id": "a", "app_secret": "b", "api_base_url": server.url})
    with pytest.raises(errors.AuthExpired) as not_connected:
        unconnected.resolve_live(None)
    assert not_connected.value.reason == "not_connected"
    source = connected(server)
    chat.faults.append("throttle")
    with pytest.raises(errors.RateLimited) as throttled:
        source.fetch(livechat.DEMO_LIVE_ID, None)
    assert throttled.value.code == "32" and throttled.value.retry_after == 60.0
    with pytest.raises(errors.NotFound):
        source.fetch("999", None)


def test_facebook_reads_a_busy_chat_every_half_second_and_a_quiet_one_less_and_less() -> None:
    script = livechat.steady_chat(50, 4, codes=("NM01",))
    assert len(script) == 200 and len({e.comment_id for e in script}) == 200
    assert script[1].at - script[0].at == pytest.approx(0.02)
    assert all(e.text.endswith(f"#{e.comment_id}") for e in script)
    chat = livechat.LiveChat(script)
    with core.Server(livechat.FacebookLive(chat)) as server:
        source = connected(server)
        cursor: str | None = None
        reads: list[tuple[int, float]] = []  # (comments, wait) per read
        got: collections.Counter[str] = collections.Counter()
        ended = False
        while not ended:
            batch = source.fetch(livechat.DEMO_LIVE_ID, cursor)
            cursor, ended = batch.cursor, batch.ended
            reads.append((len(batch.events), batch.wait))
            got.update(e.comment_id for e in batch.events)
            chat.advance(batch.wait)
        # A read since a moment sees what the whole chat shows from then on.
        since = chat.started + 2.5
        whole = {k: c for k, c in chat.comments().items() if c.created >= since}
        assert chat.comments(since) == whole and len(whole) == 125
    assert len(got) == 200 and max(got.values()) == 1
    assert reads[0] == (0, 1.0)  # before the first comment: already a quiet read
    busy = [wait for n, wait in reads if n]
    assert busy and set(busy) == {graph.BUSY_POLL_SECONDS}
    last_busy = max(i for i, (n, _) in enumerate(reads) if n)
    quiet = [wait for _, wait in reads[last_busy + 1 :]]
    assert quiet[:3] == [1.0, 2.0, graph.POLL_SECONDS]
    assert graph.pace(0, more=True) == 0.0 and graph.pace(9, more=False) == 3.0


# --- YouTube -------------------------------------------------------------------------------


@pytest.fixture
def youtube() -> Iterator[Served]:
    yield from serve(livechat.YouTubeLive, 5)


def youtube_source(server: core.Server) -> YouTubeLiveSource:
    source = registry.create(
        "youtube", {"api_key": livechat.DEMO_API_KEY, "api_base_url": server.url}
    )
    assert isinstance(source, YouTubeLiveSource)
    return source


def test_youtube_follows_a_live_to_its_end_with_every_comment_once(youtube) -> None:
    chat, server = youtube
    source = youtube_source(server)
    live = source.resolve_live(f"https://www.youtube.com/watch?v={livechat.DEMO_VIDEO_ID}")
    assert live.live_id == livechat.DEMO_CHAT_ID
    chat.faults.extend(["throttle", "disconnect", "duplicate", "expire_cursor"])
    stored = Stored()
    outcome = run(source, live.live_id, chat, stored)
    assert outcome.reason == "ended"
    want = {f"LCC.{cid}": c for cid, c in expected(chat).items()}
    assert set(stored.rows) == set(want)
    assert max(stored.inserts.values()) == 1
    assert stored.deleted == {cid for cid, c in want.items() if c.deleted}
    for cid, comment in want.items():
        assert stored.rows[cid].author == base.Author(comment.author_id, comment.author_name)


def test_youtube_resumes_after_a_crash(youtube) -> None:
    chat, server = youtube
    stored = crashed(youtube_source(server), livechat.DEMO_CHAT_ID, chat, 3)
    source = youtube_source(server)
    assert run(source, livechat.DEMO_CHAT_ID, chat, stored).reason == "ended"
    assert set(stored.rows) == {f"LCC.{cid}" for cid in expected(chat)}
    assert max(stored.inserts.values()) == 1


def test_youtube_refusals_are_typed(youtube) -> None:
    chat, server = youtube
    source = youtube_source(server)
    with pytest.raises(errors.NotFound):
        source.resolve_live("aaaaaaaaaaa")
    with pytest.raises(errors.ValidationFailed):
        source.resolve_live("not a link")
    with pytest.raises(errors.NotSupported):
        source.resolve_live(None)
    chat.ended = True
    with pytest.raises(base.LiveEnded):
        source.resolve_live(livechat.DEMO_VIDEO_ID)
    with pytest.raises(base.LiveEnded):
        source.fetch(livechat.DEMO_CHAT_ID, None)
    chat.faults.append("expire_token")
    with pytest.raises(errors.AuthExpired):
        source.fetch(livechat.DEMO_CHAT_ID, None)


@pytest.mark.parametrize(
    ("ref", "vid"),
    [
        ("https://www.youtube.com/watch?v=ocopLiveDem&t=3", "ocopLiveDem"),
        ("https://youtu.be/ocopLiveDem", "ocopLiveDem"),
        ("https://www.youtube.com/live/ocopLiveDem?si=x", "ocopLiveDem"),
        ("ocopLiveDem", "ocopLiveDem"),
        ("https://example.com/", None),
    ],
)
def test_youtube_video_id_from_a_link(ref: str, vid: str | None) -> None:
    assert video_id(ref) == vid


def test_the_registry_knows_the_sources() -> None:
    assert registry.names() == ["facebook", "youtube", "tiktok"]
    assert registry.get("facebook") is FacebookLiveSource
    with pytest.raises(KeyError, match="unknown comment source"):
        registry.get("zalo")
    assert FacebookLiveSource.secret_fields() == {"app_secret", "page_access_token"}
