"""A TikTok LIVE sandbox: TikTok's web room look-up, a signing server and the webcast push
server, on 127.0.0.1, streaming a scripted chat (``sandbox.livechat``) as protobuf.

HTTP, one port (WSGI): ``GET /api-live/user/room/`` (TikTok's web JSON: the room of
``@ocop.live.demo``, ``user_not_found`` for anyone else), ``GET /webcast/fetch/`` (the sign
server: a protobuf ``WebcastResponse`` with a cursor, the push server's address and a short
recent history, cookies in ``X-Set-TT-Cookie``), and the admin under ``/_sandbox/`` shared with
the other live chats (``advance``, ``faults``, ``end``, ``state``). The push server
(``websockets``) starts with the first sign call on a port of its own, which the sign reply
names, as the real one names TikTok's; it pushes each new comment in ``PushFrame``s (gzipped
``WebcastResponse``s asking for an ack) and a ``WebcastControlMessage`` (stream ended) when the
live is over. TikTok has no replay: a new connection brings only the last few comments
(``history``) and what comes after it; the comments said in between are lost, and the sandbox
records that window (``gaps``) and what reached a client (``delivered``) for the tests.

TikTok comments are never edited; the script's edits and deletions are not shown.

Faults, queued and each taken by the part it concerns, in order: ``disconnect`` (the push
server drops the connection), ``malformed`` (an undecodable frame, a frame whose gzip is broken
and a comment cut short, then on as usual), ``throttle`` (the sign server answers 429 with
``RateLimit-Reset``), ``sign_error`` (403), ``sign_empty`` (200 with nothing),
``offline`` (the next room look-up says the live is over).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import json
import secrets
import socket
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse
from websockets.sync.server import Server as WsServer
from websockets.sync.server import ServerConnection, serve
from websockets.typing import Subprotocol
from werkzeug.wrappers import Request, Response

from integrations.comments import protowire as pw
from sandbox.core import json_response
from sandbox.livechat import ChatSandbox, LiveChat, Scripted

DEMO_UNIQUE_ID = "ocop.live.demo"
DEMO_ROOM_ID = "7310000000000000001"
DEMO_SIGN_API_KEY = "sandbox-sign-key"
COOKIES = "ttwid=1%7Csandbox-ttwid; tt-target-idc=useast2a"
PUSH_PATH = "/webcast/im/ws_proxy/ws_reuse_supplement/"
CHAT = "WebcastChatMessage"
HISTORY = 5  # comments a new connection's first reply brings again
TICK = 0.02  # seconds between two looks at the chat
MESSAGE_ID_BASE = 7_310_000_000_000_000_000
USER_ID_BASE = 6_900_000_000_000_000_000
SIGN_FAULTS = frozenset({"throttle", "sign_error", "sign_empty"})
PUSH_FAULTS = frozenset({"disconnect", "malformed"})
WEB_FAULTS = frozenset({"offline"})


def message_id(comment_id: str) -> str:
    """The TikTok message id the sandbox gives a scripted comment (``c00012``)."""
    return str(MESSAGE_ID_BASE + int(comment_id.lstrip("c")))


def _user_id(author_id: str) -> int:
    return USER_ID_BASE + int(author_id.lstrip("u") or 0)


def chat_message(event: Scripted, started: float) -> bytes:
    """A ``WebcastChatMessage`` (common 1, user 2, content 3), ``createTime`` in ms."""
    common = pw.encode(
        [
            (1, CHAT),
            (2, int(message_id(event.comment_id))),
            (3, int(DEMO_ROOM_ID)),
            (4, int((started + event.at) * 1000)),
        ]
    )
    user = pw.encode(
        [
            (1, _user_id(event.author_id)),
            (3, event.author_name),
            (38, f"viewer.{event.author_id}"),
        ]
    )
    return pw.encode([(1, common), (2, user), (3, event.text)])


def webcast_response(
    messages: list[tuple[str, bytes, int]],
    *,
    cursor: str,
    push: str = "",
    params: dict[str, str] | None = None,
    first: bool = False,
) -> bytes:
    """A ``WebcastResponse``: messages 1 (method, payload, msgId), cursor 2, internalExt 5,
    routeParams 7, heartbeatDuration 8, needsAck 9, pushServer 10, isFirst 11."""
    pairs: list[tuple[int, pw.Encodable]] = [
        (1, pw.encode([(1, method), (2, payload), (3, ident)]))
        for method, payload, ident in messages
    ]
    pairs += [(2, cursor), (3, 1000), (4, int(time.time() * 1000)), (5, f"internal_ext:{cursor}")]
    pairs += pw.map_entries(7, params or {})
    pairs += [(8, 10_000), (9, not first), (10, push), (11, first)]
    return pw.encode(pairs)


def push_frame(payload: bytes, seq: int, *, gzipped: bool) -> bytes:
    headers = {"compress_type": "gzip"} if gzipped else {}
    body = gzip.compress(payload) if gzipped else payload
    return pw.encode(
        [(1, seq), (2, 900000 + seq), *pw.map_entries(5, headers), (6, "pb"), (7, "msg"), (8, body)]
    )


STREAM_END = ("WebcastControlMessage", pw.encode([(2, 3)]), 1)


@dataclasses.dataclass
class Ticket:
    """A sign call's grant: the push connection may start from ``start`` (seconds into the
    live) with these cookies."""

    start: float
    gzipped: bool = True


class TikTokLive(ChatSandbox):
    """TikTok's web look-up, the sign server and (on its own port) the push server."""

    name = "tiktok"

    def __init__(self, chat: LiveChat | None = None, *, history: int = HISTORY) -> None:
        super().__init__(chat)
        self.history = history
        self.tickets: dict[str, Ticket] = {}
        self.delivered: set[str] = set()  # script comment ids that reached a client
        self.history_sent: list[set[str]] = []  # per sign call
        self.gaps: list[tuple[float, float]] = []  # (last pushed, next connection) in seconds
        self.connections = 0
        self._gap_from: float | None = None
        self._push: WsServer | None = None
        self._push_url = ""
        self._closing = threading.Event()

    # --- HTTP: the web look-up and the sign server ------------------------------------------
    def take(self, kinds: frozenset[str]) -> str | None:
        """The first queued fault meant for this part (others stay queued, in order)."""
        with self.chat.lock:
            for fault in self.chat.faults:
                if fault in kinds:
                    self.chat.faults.remove(fault)
                    return fault
        return None

    def route(self, request: Request, parts: list[str]) -> Response:
        with self.chat.lock:
            self.chat.calls["/".join(parts)] += 1
        if parts == ["api-live", "user", "room"]:
            return self.room(request)
        if parts == ["webcast", "fetch"]:
            return self.sign(request)
        return json_response({"message": "not found"}, status=404)

    def elapsed(self) -> float:
        return self.chat.now() - self.chat.started

    def room(self, request: Request) -> Response:
        if request.args.get("aid") != "1988" or request.args.get("uniqueId") != DEMO_UNIQUE_ID:
            return json_response({"data": {}, "message": "user_not_found", "statusCode": 19881007})
        over = self.take(WEB_FAULTS) == "offline" or self.chat.is_over()
        status = 4 if over else 2
        body = {
            "data": {
                "user": {
                    "id": str(USER_ID_BASE),
                    "uniqueId": DEMO_UNIQUE_ID,
                    "nickname": "HTX Nước mắm Móng Cái",
                    "roomId": DEMO_ROOM_ID,
                    "status": status,
                },
                "liveRoom": {
                    "status": status,
                    "title": self.chat.title,
                    "startTime": int(self.chat.started),
                },
            },
            "message": "",
            "statusCode": 0,
        }
        return json_response(body)

    def sign(self, request: Request) -> Response:
        key = request.headers.get("X-Api-Key")
        if key is not None and key != DEMO_SIGN_API_KEY:
            return json_response({"message": "Invalid API key"}, status=401)
        fault = self.take(SIGN_FAULTS)
        if fault == "throttle":
            response = json_response(
                {
                    "message": "Too many connections started",
                    "limit_label": "rate_limit_account_minute",
                },
                status=429,
            )
            response.headers["RateLimit-Reset"] = "30"
            response.headers["RateLimit-Remaining"] = "0"
            return response
        if fault == "sign_error":
            return json_response({"message": "Premium endpoint"}, status=403)
        if fault == "sign_empty":
            return Response(b"", status=200, headers={"X-Set-TT-Cookie": COOKIES})
        if (
            request.args.get("client") != "ttlive-python"
            or request.args.get("room_id") != DEMO_ROOM_ID
        ):
            return json_response({"message": "unknown room"}, status=404)
        cursor = f"t-{secrets.token_hex(6)}"
        if self.chat.is_over():
            body = webcast_response([STREAM_END], cursor=cursor, first=True)
        else:
            body = self.first_reply(request, cursor)
        return Response(
            body,
            status=200,
            headers={"Content-Type": "application/x-protobuf", "X-Set-TT-Cookie": COOKIES},
        )

    def first_reply(self, request: Request, cursor: str) -> bytes:
        """A connection's start: the recent history and where to connect."""
        start = self.elapsed()
        token = secrets.token_hex(8)
        recent = [e for e in self.chat.script if e.kind == "comment" and e.at <= start]
        recent = recent[-self.history :] if self.history else []
        with self.chat.lock:
            self.tickets[token] = Ticket(start)
            if self._gap_from is not None:
                self.gaps.append((self._gap_from, start))
                self._gap_from = None
            ids = {e.comment_id for e in recent}
            self.history_sent.append(ids)
            self.delivered |= ids
        started = self.chat.started
        messages = [(CHAT, chat_message(e, started), int(message_id(e.comment_id))) for e in recent]
        push = self.push_url(request.host.rsplit(":", 1)[0].strip("[]"))
        return webcast_response(
            messages, cursor=cursor, push=push, params={"wrss": token, "imprp": ""}, first=True
        )

    # --- the push server ------------------------------------------------------------------
    def push_url(self, host: str) -> str:
        with self.chat.lock:
            if self._push is None:
                self._push = serve(
                    self.serve_push,
                    host,
                    0,
                    subprotocols=[Subprotocol("echo-protocol")],
                    process_request=self.admit,
                    ping_interval=None,
                )
                port = self._push.socket.getsockname()[1]
                self._push_url = f"ws://{host}:{port}{PUSH_PATH}"
                threading.Thread(
                    target=self._push.serve_forever, daemon=True, name="sandbox-tiktok-push"
                ).start()
            return self._push_url

    def admit(self, connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        """Only a connection a sign call granted, with its cookies, is accepted."""
        token = parse_qs(urlsplit(request.path).query).get("wrss", [""])[0]
        if token in self.tickets and "ttwid=" in request.headers.get("Cookie", ""):
            return None
        return connection.respond(403, "not signed\n")

    def serve_push(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path if connection.request else "").query)
        with self.chat.lock:
            ticket = self.tickets.pop(query.get("wrss", [""])[0], None)
            self.connections += 1
        if ticket is None:
            return
        pushed = ticket.start
        seq = 0
        try:
            while not self._closing.is_set():
                self.read_client(connection)
                fault = self.take(PUSH_FAULTS)
                if fault == "disconnect":
                    with self.chat.lock:
                        self._gap_from = pushed
                    connection.socket.shutdown(socket.SHUT_RDWR)
                    return
                if fault == "malformed":
                    seq += 1
                    self.send_malformed(connection, seq, ticket.gzipped)
                now = self.elapsed()
                new = [e for e in self.chat.script if e.kind == "comment" and pushed < e.at <= now]
                pushed = now
                if new:
                    seq += 1
                    messages = [(CHAT, chat_message(e, self.chat.started), 0) for e in new]
                    payload = webcast_response(messages, cursor=f"p-{seq}")
                    connection.send(push_frame(payload, seq, gzipped=ticket.gzipped))
                    with self.chat.lock:
                        self.delivered |= {e.comment_id for e in new}
                if self.chat.is_over():
                    seq += 1
                    end = webcast_response([STREAM_END], cursor=f"p-{seq}")
                    connection.send(push_frame(end, seq, gzipped=ticket.gzipped))
                    connection.close()
                    return
        except ConnectionClosed:
            with self.chat.lock:
                self._gap_from = pushed

    def read_client(self, connection: ServerConnection) -> None:
        """The client's frames (ack, hb, im_enter_room), counted; waits one tick."""
        try:
            data = connection.recv(timeout=TICK)
        except TimeoutError:
            return
        kind = "text" if isinstance(data, str) else "unreadable"
        if isinstance(data, bytes):
            with contextlib.suppress(pw.WireError):
                kind = pw.text(pw.decode(data), 7) or "unnamed"
        with self.chat.lock:
            self.chat.calls[f"push:{kind}"] += 1

    def send_malformed(self, connection: ServerConnection, seq: int, gzipped: bool) -> None:
        """Three things a client must skip: bytes that are no frame, a frame whose gzip is
        broken, and a comment cut short inside a good frame."""
        connection.send(b"\x0f\xff\xff\xff")
        broken = pw.encode(
            [(1, seq), *pw.map_entries(5, {"compress_type": "gzip"}), (7, "msg"), (8, b"nogzip")]
        )
        connection.send(broken)
        cut = chat_message(Scripted(0.0, "comment", "c99999", "chốt 1 NM01", "u0001", "X"), 0.0)
        payload = webcast_response([(CHAT, cut[:-3], 0)], cursor=f"m-{seq}")
        connection.send(push_frame(payload, seq, gzipped=gzipped))

    def close(self) -> None:
        """Stop the push server (the HTTP side stops with its ``core.Server``)."""
        self._closing.set()
        if self._push is not None:
            self._push.shutdown()

    def snapshot(self) -> dict[str, Any]:
        with self.chat.lock:
            return {
                **self.chat.snapshot(),
                "delivered": len(self.delivered),
                "gaps": [list(g) for g in self.gaps],
                "connections": self.connections,
            }

    def admin(self, request: Request, parts: list[str]) -> Response:
        response = super().admin(request, parts)
        if response.status_code == 200:
            return Response(json.dumps(self.snapshot()), mimetype="application/json")
        return response
