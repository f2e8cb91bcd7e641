"""TikTok LIVE comments through the unofficial webcast route: the only way to read them.

TikTok has no official API giving live comment text (``shared/docs/live-comments.md``). The
route the open-source readers use (TikTokLive in Python, TikTok-Live-Connector in Node) is
TikTok's own web client, reverse-engineered, with a paid signing server in the middle; it is
against TikTok's terms and may break any day, so the app keeps it off unless an install turns
it on, and staff can always type comments on the desk instead. The steps:

1. The room of ``@unique_id``: TikTok's web JSON ``GET {web}/api-live/user/room/?aid=1988&
   uniqueId=…&sourceType=54`` → ``data.user.roomId`` and ``data.liveRoom.status`` (2 live,
   4 ended); ``message: "user_not_found"`` for an unknown user. *Confirmed* in TikTokLive's
   ``fetch_room_id_api.py``/``fetch_is_live.py`` (``status != 4`` means live there).
2. The sign server: ``GET {sign}/webcast/fetch/?client=ttlive-python&room_id=…`` (header
   ``X-Api-Key`` when the install has a key) answers a protobuf ``WebcastResponse`` and the
   TikTok cookies in ``X-Set-TT-Cookie``; 429 with ``RateLimit-Reset``/``RateLimit-Remaining``
   when the quota is spent. *Confirmed* in TikTokLive's ``fetch_signed_websocket.py`` (which
   also names the failures: not 200, empty payload, empty cookies). Whether ``RateLimit-Reset``
   is a delay or an epoch second is *not confirmed* (``http.reset_seconds`` reads both).
3. A WebSocket to ``pushServer`` with ``routeParams`` and the cookies; every binary message is
   a ``PushFrame`` whose payload is a ``WebcastResponse`` (gzipped when the frame's headers say
   ``compress_type: gzip``). A response with ``needsAck`` is acknowledged with an ``ack`` frame
   (its ``logId``, payload ``internalExt``); an ``im_enter_room`` frame follows the connect and
   an ``hb`` frame (``HeartbeatMessage{roomId}``) every 10 s, as TikTokLive's ``ws_client.py``
   does. No pings: TikTok answers none.

Field numbers (two independent MIT schemas agree: TikTok-Live-Connector's
``tiktokSchema.proto`` and TikTokLive's generated ``webcast.proto``): ``WebcastResponse``
messages 1, cursor 2, internalExt 5, routeParams 7 (map), heartbeatDuration 8, needsAck 9,
pushServer 10; ``Message`` method 1, payload 2, msgId 3; ``PushFrame`` seqId 1, logId 2,
headers 5 (map), payloadEncoding 6, payloadType 7, payload 8; ``WebcastChatMessage`` common 1,
user 2, content 3; ``Common`` msgId 2, createTime 4; ``User`` id 1, nickname 3, uniqueId 38;
``WebcastControlMessage`` action 2. *Not confirmed* against live traffic: ``createTime`` in
seconds or milliseconds (both read), ``ControlAction`` 3 meaning the stream ended (TikTokLive's
enum), the ``ImEnterRoomMessage`` fields (one secondary schema), and which query parameters the
push server insists on.

A push connection has no replay: the source keeps its connection open on the instance between
``fetch`` calls (a capture uses one instance per run), each ``fetch`` returns what arrived within
a couple of seconds, and a dropped connection is opened again no sooner than
``reconnect_seconds`` after the last sign call (60 s: each start spends sign quota). Comments
said meanwhile are lost: the batch reports the gap (``Batch.gaps``), and message ids already
seen (the recent history a new connection brings again) are dropped, so nothing repeats.
Frames that do not decode are skipped and counted (``malformed``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gzip
import json
import re
import time
import zlib
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from integrations import base, errors, http
from integrations.comments import base as sources
from integrations.comments import protowire as pw

CLIENT_NAME = "ttlive-python"
AID = 1988
SOURCE_TYPE = 54
ROOM_LIVE, ROOM_ENDED = 2, 4  # data.liveRoom.status
CHAT = "WebcastChatMessage"
CONTROL = "WebcastControlMessage"
STREAM_ENDED = 3  # ControlAction.STREAM_ENDED
HEARTBEAT_SECONDS = 10.0
QUIET_SECONDS = 0.05  # once something came, what more arrives within this is read too
SEEN_KEPT = 300  # message ids carried in the cursor (a new connection's history is shorter)
SEEN_MEMORY = 2000
OPEN_TIMEOUT = 10.0
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
# The push server's host comes from the sign server's reply: only TikTok's domains (and the
# configured servers' own hosts: a sandbox, a self-hosted signer) are connected to.
PUSH_HOST_SUFFIXES = ("tiktok.com", "tiktokv.com")
# What the web client adds to the push address (TikTokLive sends more browser details).
WS_QUERY = (
    "aid=1988&app_name=tiktok_web&device_platform=web&identity=audience&live_id=12"
    "&version_code=180800&compress=gzip"
)
_LINK = re.compile(r"tiktok\.com/@([A-Za-z0-9._]{1,24})(?:[/?#]|$)")
_HANDLE = re.compile(r"^@?([A-Za-z0-9._]{1,24})$")


def unique_id(ref: str) -> str | None:
    """The ``@name`` in a TikTok link (``https://www.tiktok.com/@name/live``), or a name typed
    as is (with or without the ``@``)."""
    ref = ref.strip()
    match = _LINK.search(ref) or _HANDLE.match(ref)
    return match.group(1) if match else None


def _moment(value: int) -> dt.datetime | None:
    """``createTime``: epoch seconds, or milliseconds in some traffic."""
    if value <= 0:
        return None
    return dt.datetime.fromtimestamp(value / 1000 if value > 10**11 else value, tz=dt.UTC)


def push_frame(kind: str, payload: bytes, *, log_id: int = 0) -> bytes:
    """A ``PushFrame`` the client sends (``ack``, ``hb``, ``im_enter_room``)."""
    return pw.encode([(2, log_id), (6, "pb"), (7, kind), (8, payload)])


@dataclasses.dataclass
class _Stream:
    """The open push connection of one room."""

    room_id: str
    ws: ClientConnection
    held: contextlib.ExitStack  # the connection's context, open until close()
    beat_at: float = 0.0  # time.monotonic() of the last heartbeat


class TikTokLiveSource(sources.CommentSource):
    name = "tiktok"
    title = "TikTok LIVE"
    capabilities = frozenset({sources.Capability.FIND_CURRENT_LIVE})
    config_schema = (
        base.ConfigField("unique_id", "TikTok @username", help="the account that goes live"),
        base.ConfigField(
            "sign_api_key", "Sign server API key", secret=True, required=False, help="optional"
        ),
        base.ConfigField(
            "sign_server_url",
            "Sign server address",
            required=False,
            default="https://tiktok.eulerstream.com",
        ),
        base.ConfigField(
            "web_base_url", "TikTok web address", required=False, default="https://www.tiktok.com"
        ),
        base.ConfigField(
            "reconnect_seconds",
            "Seconds between two sign calls",
            required=False,
            default="60",
            help="each connection start spends sign quota",
        ),
        base.ConfigField("read_seconds", "Seconds one read waits", required=False, default="2"),
    )

    def __init__(self, config: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.reconnect_seconds = _seconds(self.config["reconnect_seconds"], 60.0)
        self.read_seconds = _seconds(self.config["read_seconds"], 2.0)
        self.malformed = 0  # frames and messages skipped because they did not decode
        self.gaps = 0  # connections lost (what was said until the next one is gone)
        self._stream: _Stream | None = None
        self._user: str | None = None  # the @name whose room is read
        self._resolved: str | None = None  # the room resolve_live just found live
        self._next_sign_at = 0.0  # self.clock() before which the sign server is not called
        self._seen: dict[str, None] = {}  # message ids, oldest first
        self._loaded = False
        self._gaps_pending = 0
        self._pending: list[sources.ChatEvent] = []
        self._ended = False

    def new_client(self) -> http.HttpClient:
        return http.HttpClient(self.config["web_base_url"])

    # --- finding the live ----------------------------------------------------------------
    def resolve_live(self, ref: str | None) -> sources.LiveVideo:
        user = unique_id(ref) if ref else unique_id(self.config["unique_id"])
        if user is None:
            raise errors.ValidationFailed(
                "not a TikTok @name or link",
                fields={"ref": [errors.Problem("tiktok_user", {}, "not a TikTok @name")]},
                reason="bad_live_ref",
            )
        data = self._room_data(user)
        room = data["room"]
        if not room or data["status"] != ROOM_LIVE:
            raise sources.NoLiveNow(f"@{user} is not live", params={"unique_id": user})
        self._user, self._resolved = user, room
        started = int(data["started"] or 0)
        return sources.LiveVideo(
            room, str(data["title"]), f"https://www.tiktok.com/@{user}/live", _moment(started)
        )

    def _room_data(self, user: str) -> dict[str, Any]:
        response = self.client.send(
            "GET",
            "/api-live/user/room/",
            params={"aid": AID, "uniqueId": user, "sourceType": SOURCE_TYPE},
        )
        body = self.client.json(response)
        if body.get("message") == "user_not_found":
            raise sources.NoLiveNow(
                f"@{user} cannot go live or does not exist",
                reason="user_not_found",
                params={"unique_id": user},
            )
        data = body.get("data")
        if response.status_code >= 400 or not isinstance(data, Mapping):
            raise errors.PermanentError(
                f"TikTok gave no room for @{user} (HTTP {response.status_code})",
                reason="webcast_blocked",
                code="room_id_missing",
                status=response.status_code,
            )
        person = _mapping(data.get("user"))
        room = _mapping(data.get("liveRoom"))
        return {
            "room": str(person.get("roomId") or ""),
            "status": int(room.get("status") or person.get("status") or 0),
            "title": str(room.get("title") or ""),
            "started": room.get("startTime") or 0,
        }

    # --- reading ---------------------------------------------------------------------------
    def fetch(self, live_id: str, cursor: str | None) -> sources.Batch:
        self._load(cursor)
        if self._ended:
            return self._batch([], 0.0)
        if self._stream is None or self._stream.room_id != live_id:
            self.close()
            wait = self._next_sign_at - self.clock()
            if wait > 0:
                return self._batch([], wait)
            self._open(live_id)
        events = self._read()
        wait = 0.0 if self._stream is not None or self._ended else self._sign_wait()
        return self._batch(events, wait)

    def close(self) -> None:
        """Close the push connection (the capture is over)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.held.close()

    def _load(self, cursor: str | None) -> None:
        """A fresh instance takes the ids seen and the @name from the cursor; resuming from a
        cursor means a gap (what was said since the last run stored is not replayed)."""
        if self._loaded:
            return
        self._loaded = True
        if not cursor:
            return
        try:
            state = json.loads(cursor)
        except ValueError:
            state = {}
        state = state if isinstance(state, dict) else {}
        self._seen = {str(key): None for key in state.get("seen") or []}
        self._user = self._user or (str(state["user"]) if state.get("user") else None)
        self._gaps_pending += 1
        self.gaps += 1

    def _batch(self, events: list[sources.ChatEvent], wait: float) -> sources.Batch:
        gaps, self._gaps_pending = self._gaps_pending, 0
        if self._ended:
            self.close()
        state = {"user": self._user, "seen": list(self._seen)[-SEEN_KEPT:]}
        return sources.Batch(tuple(events), json.dumps(state), max(0.0, wait), self._ended, gaps)

    def _sign_wait(self) -> float:
        return max(0.0, self._next_sign_at - self.clock())

    # --- connecting ------------------------------------------------------------------------
    def _open(self, room_id: str) -> None:
        """Check the room is still live (TikTok's web, not the sign server), sign, connect."""
        if self._user is not None and self._resolved != room_id:
            data = self._room_data(self._user)
            if data["room"] != room_id or data["status"] != ROOM_LIVE:
                raise sources.LiveEnded(f"room {room_id} is over", params={"unique_id": self._user})
        self._resolved = None
        first, cookies = self._sign(room_id)
        self._messages(first, self._pending)
        if self._ended:
            return
        push = pw.text(first, 10)
        if not pw.text(first, 2) or not push:
            raise errors.PermanentError(
                "the sign server's reply has no cursor or push server (blocked by TikTok?)",
                reason="webcast_blocked",
                code="initial_cursor_missing" if not pw.text(first, 2) else "push_url_missing",
            )
        params = {k: v for k, v in pw.string_map(first, 7).items() if v}
        address = f"{push}?{urlencode({**params, 'room_id': room_id})}&{WS_QUERY}"
        self._check_push_host(address)
        held = contextlib.ExitStack()
        try:
            ws = held.enter_context(
                connect(
                    address,
                    additional_headers={"Cookie": cookies},
                    user_agent_header=USER_AGENT,
                    subprotocols=[Subprotocol("echo-protocol")],
                    open_timeout=OPEN_TIMEOUT,
                    close_timeout=2.0,
                    ping_interval=None,
                    ping_timeout=None,
                )
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise errors.TransientError(
                f"push server unreachable: {type(exc).__name__}",
                reason="push_unreachable",
                code="ws_connect",
                retry_after=self._sign_wait(),
            ) from exc
        self._stream = _Stream(room_id, ws, held)
        enter = pw.encode([(1, int(room_id)), (4, 12), (5, "audience"), (9, "0")])
        self._send(push_frame("im_enter_room", enter))
        self._beat()

    def _sign(self, room_id: str) -> tuple[pw.Fields, str]:
        """The sign server's first ``WebcastResponse`` for the room and the cookie header."""
        self._next_sign_at = self.clock() + self.reconnect_seconds
        headers = {"X-Api-Key": self.config["sign_api_key"]} if self.config["sign_api_key"] else {}
        url = f"{self.config['sign_server_url'].rstrip('/')}/webcast/fetch/"
        try:
            response = self.client.send(
                "GET",
                "",
                url=url,
                params={"client": CLIENT_NAME, "room_id": room_id},
                headers=headers,
            )
        except errors.RateLimited as exc:
            self._next_sign_at = max(self._next_sign_at, self.clock() + exc.retry_after)
            raise errors.RateLimited(
                "sign server quota spent",
                retry_after=exc.retry_after,
                code="http_429",
                status=429,
                reason="sign_rate_limited",
                params={"seconds": round(exc.retry_after)},
            ) from exc
        if response.status_code != 200:
            raise _sign_error("SIGN_NOT_200", f"HTTP {response.status_code}", response.status_code)
        if not response.content:
            raise _sign_error("EMPTY_PAYLOAD", "an empty reply (detected by TikTok?)", 200)
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(response.headers.get("X-Set-TT-Cookie") or "")
        except CookieError:
            jar.clear()
        if not jar:
            raise _sign_error("EMPTY_COOKIES", "no cookies", 200)
        try:
            first = pw.decode(response.content)
        except pw.WireError as exc:
            raise _sign_error("BAD_PAYLOAD", f"not a WebcastResponse ({exc.code})", 200) from exc
        return first, "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items())

    def _check_push_host(self, address: str) -> None:
        parts = urlsplit(address)
        host = (parts.hostname or "").lower()
        own = {
            (urlsplit(self.config[name]).hostname or "").lower()
            for name in ("sign_server_url", "web_base_url")
        }
        trusted = host in own or any(
            host == suffix or host.endswith("." + suffix) for suffix in PUSH_HOST_SUFFIXES
        )
        if parts.scheme not in ("ws", "wss") or not trusted:
            raise errors.PermanentError(
                f"push server {host!r} is not TikTok's", reason="webcast_blocked", code="push_host"
            )

    # --- the push connection ---------------------------------------------------------------
    def _read(self) -> list[sources.ChatEvent]:
        """What arrives within ``read_seconds`` (returning soon after the first frame)."""
        events, self._pending = self._pending, []
        deadline = time.monotonic() + self.read_seconds
        while self._stream is not None and not self._ended:
            self._beat()
            left = deadline - time.monotonic()
            timeout = min(left, QUIET_SECONDS) if events else left
            if timeout <= 0:
                break
            try:
                data = self._stream.ws.recv(timeout=timeout)
            except TimeoutError:
                break
            except ConnectionClosed:
                self._dropped()
                break
            if isinstance(data, str):
                self.malformed += 1
                continue
            self._frame(data, events)
        return events

    def _frame(self, data: bytes, events: list[sources.ChatEvent]) -> None:
        try:
            frame = pw.decode(data)
            if pw.text(frame, 7) != "msg":
                return  # hb / im_enter_room_resp: nothing to read
            payload = pw.raw(frame, 8)
            if pw.string_map(frame, 5).get("compress_type") == "gzip":
                payload = gzip.decompress(payload)
            response = pw.decode(payload)
        except (pw.WireError, OSError, EOFError, zlib.error):
            self.malformed += 1
            return
        self._messages(response, events)
        if pw.integer(response, 9) and not self._ended:  # needsAck
            ack = pw.raw(response, 5) or b"-"
            self._send(push_frame("ack", ack, log_id=pw.integer(frame, 2)))

    def _messages(self, response: pw.Fields, events: list[sources.ChatEvent]) -> None:
        """The comments (new ids only) and the end of the stream in a ``WebcastResponse``."""
        for item in response.get(1, ()):
            try:
                message = pw.decode(item) if isinstance(item, bytes) else {}
                method = pw.text(message, 1)
                if method == CONTROL:
                    if pw.integer(pw.message(message, 2), 2) == STREAM_ENDED:
                        self._ended = True
                    continue
                if method != CHAT:
                    continue
                event = _comment(pw.raw(message, 2), pw.integer(message, 3))
            except pw.WireError:
                self.malformed += 1
                continue
            if event.comment_id in self._seen:
                continue
            self._seen[event.comment_id] = None
            if len(self._seen) > SEEN_MEMORY:
                del self._seen[next(iter(self._seen))]
            events.append(event)

    def _send(self, frame: bytes) -> None:
        if self._stream is None:
            return
        try:
            self._stream.ws.send(frame)
        except ConnectionClosed:
            self._dropped()

    def _beat(self) -> None:
        stream = self._stream
        if stream is None or time.monotonic() - stream.beat_at < HEARTBEAT_SECONDS:
            return
        stream.beat_at = time.monotonic()
        self._send(push_frame("hb", pw.encode([(1, int(stream.room_id))])))

    def _dropped(self) -> None:
        """The connection is gone: what is said until the next one is lost (unless the
        stream is over)."""
        self.close()
        if not self._ended:
            self._gaps_pending += 1
            self.gaps += 1


def _comment(payload: bytes, message_id: int) -> sources.ChatEvent:
    chat = pw.decode(payload)
    common = pw.message(chat, 1)
    user = pw.message(chat, 2)
    ident = pw.integer(common, 2) or message_id
    if not ident:
        raise pw.WireError("a comment without a message id", "no_id")
    handle = pw.text(user, 38)
    author_id = pw.integer(user, 1)
    return sources.ChatEvent(
        sources.EventKind.COMMENT,
        str(ident),
        pw.text(chat, 3),
        sources.Author(str(author_id) if author_id else handle, pw.text(user, 3) or handle),
        _moment(pw.integer(common, 4)),
    )


def _sign_error(code: str, words: str, status: int) -> errors.PermanentError:
    return errors.PermanentError(
        f"sign server: {words}",
        reason="sign_error",
        code=code,
        status=status,
        params={"detail": code},
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _seconds(value: str, default: float) -> float:
    try:
        return max(0.0, float(value))
    except ValueError:
        return default
