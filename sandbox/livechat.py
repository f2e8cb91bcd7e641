"""Live chat sandboxes: a scripted livestream's comments served the way Facebook's Graph API
and YouTube's Data API serve them, on 127.0.0.1, for the tests and the demo.

One ``LiveChat`` is the live: a script of comments (bursts in the same second, edits,
deletions) on a clock the test moves (``advance``) or on real time (the demo). Faults are
queued and answered by the next read calls in order: ``throttle`` (Facebook code 32 /
YouTube ``rateLimitExceeded``), ``disconnect`` (HTTP 503, as a dropped connection reads to a
client), ``duplicate`` (the page's first comment twice), ``expire_cursor`` (YouTube refuses
the page token), ``expire_token`` (every token dies: Facebook 190, YouTube 401). Admin under
``/_sandbox/``: ``advance?seconds=``, ``faults`` (POST ``{"faults": [...]}``),
``expire-tokens``, ``end``, ``state`` (replies sent, calls, faults left).
"""

from __future__ import annotations

import base64
import bisect
import collections
import dataclasses
import datetime as dt
import json
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from sandbox.core import json_response

FB_VERSION = "v26.0"
DEMO_PAGE_ID = "104000000000001"
DEMO_LIVE_ID = "104000000000777"
DEMO_APP_ID = "sandbox-app"
DEMO_APP_SECRET = "sandbox-secret"
DEMO_API_KEY = "sandbox-youtube-key"
DEMO_VIDEO_ID = "ocopLiveDem"  # 11 characters, like a YouTube video id
DEMO_CHAT_ID = "KicKGFVDb2NvcC1zYW5kYm94LWNoYXQ"
POLL_MILLIS = 2000
PAGE_LIMIT_MAX = 100

ORDER_LINES = (
    "chốt {n} {code}",
    "lấy {n} {code} nha shop",
    "{code} x{n}",
    "chot {n} {code}",
    "em lấy {n} hũ {code}, sđt 09{phone}",
)
CHATTER = ("shop ơi ship Hà Nội không", "đẹp quá", "giá bao nhiêu vậy", "❤️❤️", "hello shop")
NAMES = ("Lan", "Minh Anh", "Hoa Nguyễn", "Tuấn", "Thu Trang", "Bảo", "Hạnh", "Quân")


@dataclasses.dataclass(frozen=True)
class Scripted:
    """One thing that happens in the chat ``at`` seconds after the live starts."""

    at: float
    kind: str  # "comment" | "edit" | "delete"
    comment_id: str
    text: str = ""
    author_id: str = ""
    author_name: str = ""


def scripted_chat(
    comments: int = 60,
    *,
    seconds: float = 300.0,
    codes: Iterable[str] = ("NM01", "MO02", "TR03"),
    seed: int = 7,
) -> list[Scripted]:
    """A live's chat: order comments and chatter, a quarter of them in bursts of 5–15 in the
    same second, 5 % edited two seconds later, 3 % deleted three seconds later."""
    rng = random.Random(seed)
    codes = tuple(codes)
    out: list[Scripted] = []
    moment = 1.0
    number = 0
    while number < comments:
        burst = rng.randint(5, 15) if rng.random() < 0.25 else 1
        for _ in range(min(burst, comments - number)):
            number += 1
            who = rng.randrange(len(NAMES) * 3)
            if rng.random() < 0.7:
                text = rng.choice(ORDER_LINES).format(
                    n=rng.randint(1, 3), code=rng.choice(codes), phone=rng.randint(10**7, 10**8 - 1)
                )
            else:
                text = rng.choice(CHATTER)
            cid = f"c{number:05d}"
            author = (f"u{who:04d}", NAMES[who % len(NAMES)])
            out.append(Scripted(moment, "comment", cid, text, *author))
            roll = rng.random()
            if roll < 0.05:
                out.append(Scripted(moment + 2, "edit", cid, text + " (sửa)", *author))
            elif roll < 0.08:
                out.append(Scripted(moment + 3, "delete", cid))
        moment += max(1.0, rng.expovariate(comments / seconds))
    return sorted(out, key=lambda e: e.at)


def steady_chat(
    rate: float,
    seconds: float,
    *,
    codes: Iterable[str] = ("NM01", "MO02", "TR03"),
    orders: float = 0.7,
    seed: int = 7,
) -> list[Scripted]:
    """A busy live's chat for the desk bench: ``rate`` comments a second, evenly spaced, for
    ``seconds`` from the first second on; a share ``orders`` of them order a code
    (``chốt 2 NM01``), the rest is chatter. Each text ends with ``#`` and the comment's id, so
    whoever reads a comment anywhere (the desk's rows) knows which one it is, and so when the
    sandbox published it: the live's ``started`` plus its ``at``."""
    rng = random.Random(seed)
    codes = tuple(codes)
    total = int(rate * seconds)
    out = []
    for number in range(1, total + 1):
        who = rng.randrange(len(NAMES) * 40)
        if rng.random() < orders:
            body = f"chốt {rng.randint(1, 3)} {rng.choice(codes)}"
        else:
            body = rng.choice(CHATTER)
        cid = f"b{number:06d}"
        at = 1.0 + (number - 1) / rate
        out.append(
            Scripted(at, "comment", cid, f"{body} #{cid}", f"u{who:04d}", NAMES[who % len(NAMES)])
        )
    return out


@dataclasses.dataclass
class Comment:
    comment_id: str
    text: str
    author_id: str
    author_name: str
    created: float  # epoch seconds
    deleted: bool = False


class LiveChat:
    """The live and its chat on a clock: virtual (tests call ``advance``) or real time."""

    def __init__(
        self,
        script: list[Scripted] | None = None,
        *,
        realtime: bool = False,
        started: float | None = None,
        title: str = "Phiên live OCOP Móng Cái",
    ) -> None:
        # In time order, so that reading it is a cut (``happened``), however long the live.
        self.script = sorted(script if script is not None else scripted_chat(), key=_at)
        self.realtime = realtime
        self.started = float(int(started if started is not None else time.time()))
        self.title = title
        self.elapsed = 0.0
        self.ended = False
        self.lock = threading.RLock()
        self.faults: collections.deque[str] = collections.deque()
        self.tokens: set[str] = set()
        self.codes: set[str] = set()
        self.replies: list[dict[str, Any]] = []
        self.calls: collections.Counter[str] = collections.Counter()

    # clock and script ---------------------------------------------------------------
    def now(self) -> float:
        """Seconds since the epoch on the live's clock."""
        if self.realtime:
            return time.time()
        return self.started + self.elapsed

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.elapsed += seconds

    def happened(self, since: float = 0.0) -> list[Scripted]:
        """The script up to now, in order (from ``since``, epoch seconds, when given). The
        script is in time order: a busy live's long script is cut, not scanned."""
        moment = self.now() - self.started
        first = bisect.bisect_left(self.script, since - self.started, key=_at) if since else 0
        return self.script[first : bisect.bisect_right(self.script, moment, key=_at)]

    def comments(self, since: float = 0.0) -> dict[str, Comment]:
        """Every comment made so far as it stands now (edits applied, deletions marked); with
        ``since``, only those made from then on (their edits and deletions come later)."""
        out: dict[str, Comment] = {}
        for event in self.happened(since):
            if event.kind == "comment":
                out[event.comment_id] = Comment(
                    event.comment_id,
                    event.text,
                    event.author_id,
                    event.author_name,
                    self.started + event.at,
                )
            elif event.comment_id in out:
                if event.kind == "edit":
                    out[event.comment_id].text = event.text
                else:
                    out[event.comment_id].deleted = True
        return out

    def is_over(self) -> bool:
        last = self.script[-1].at if self.script else 0.0
        return self.ended or self.now() - self.started > last + 5

    # faults and tokens ---------------------------------------------------------------
    def next_fault(self) -> str | None:
        with self.lock:
            return self.faults.popleft() if self.faults else None

    def issue_token(self, prefix: str) -> str:
        token = f"{prefix}-{secrets.token_hex(8)}"
        with self.lock:
            self.tokens.add(token)
        return token

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "replies": list(self.replies),
                "calls": dict(self.calls),
                "faults": list(self.faults),
                "elapsed": self.elapsed,
                "comments": len([e for e in self.script if e.kind == "comment"]),
            }


Handler = Callable[[Request, list[str]], Response]


class ChatSandbox:
    """What both platforms share: WSGI, the admin endpoints, the fault queue."""

    name = "livechat"

    def __init__(self, chat: LiveChat | None = None) -> None:
        self.chat = chat or LiveChat()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        parts = [p for p in request.path.split("/") if p]
        if parts[:1] == ["_sandbox"]:
            response = self.admin(request, parts[1:])
        else:
            response = self.route(request, parts)
        return response(environ, start_response)

    def admin(self, request: Request, parts: list[str]) -> Response:
        chat = self.chat
        action = parts[0] if parts else ""
        if action == "advance":
            chat.advance(float(request.args.get("seconds", "1")))
        elif action == "faults":
            body = request.get_json(silent=True) or {}
            with chat.lock:
                chat.faults.extend(str(f) for f in body.get("faults") or [])
        elif action == "expire-tokens":
            with chat.lock:
                chat.tokens.clear()
        elif action == "end":
            chat.ended = True
        elif action != "state":
            return json_response({"error": "unknown admin action"}, status=404)
        return json_response(chat.snapshot())

    def route(self, request: Request, parts: list[str]) -> Response:
        raise NotImplementedError


def _at(event: Scripted) -> float:
    return event.at


def _epoch_text(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _rfc3339(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).isoformat().replace("+00:00", "Z")


def _offset_token(prefix: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{prefix}:{offset}".encode()).decode().rstrip("=")


def _read_offset(prefix: str, token: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        head, _, number = raw.partition(":")
        return int(number) if head == prefix else None
    except (ValueError, UnicodeDecodeError):
        return None


class FacebookLive(ChatSandbox):
    """The Graph API of one Page with one live video (``/v26.0/...``)."""

    name = "facebook"

    def graph_error(self, code: int, message: str, status: int = 400, sub: int = 0) -> Response:
        body = {"error": {"message": message, "type": "OAuthException", "code": code}}
        if sub:
            body["error"]["error_subcode"] = sub
        return json_response(body, status=status)

    def route(self, request: Request, parts: list[str]) -> Response:
        chat = self.chat
        if parts[:1] != [FB_VERSION]:
            return self.graph_error(100, "Unknown path components", sub=33)
        parts = parts[1:]
        with chat.lock:
            chat.calls["/".join(parts[-1:]) or "root"] += 1
        if parts == ["dialog", "oauth"]:
            code = secrets.token_hex(6)
            with chat.lock:
                chat.codes.add(code)
            query = urlencode({"code": code, "state": request.args.get("state", "")})
            return Response(
                status=302, headers={"Location": f"{request.args['redirect_uri']}?{query}"}
            )
        if parts == ["oauth", "access_token"]:
            if request.args.get("client_secret") != DEMO_APP_SECRET:
                return self.graph_error(1, "Error validating client secret.")
            with chat.lock:
                known = request.args.get("code", "") in chat.codes
                chat.codes.discard(request.args.get("code", ""))
            if not known:
                return self.graph_error(100, "Invalid verification code format.")
            user = chat.issue_token("user")
            return json_response(
                {"access_token": user, "token_type": "bearer", "expires_in": 5183944}
            )
        fault = chat.next_fault() if request.method == "GET" else None
        if fault == "expire_token":
            with chat.lock:
                chat.tokens.clear()
        if request.args.get("access_token") not in chat.tokens:
            return self.graph_error(
                190, "Error validating access token: Session has expired", sub=463
            )
        if fault == "throttle":
            headers = {
                "X-Business-Use-Case-Usage": json.dumps(
                    {DEMO_PAGE_ID: [{"type": "pages", "estimated_time_to_regain_access": 1}]}
                )
            }
            response = self.graph_error(32, "Page request limit reached")
            response.headers.update(headers)
            return response
        if fault == "disconnect":
            return json_response({"error": "unavailable"}, status=503)
        if parts == ["me", "accounts"]:
            page_token = chat.issue_token("page")
            return json_response(
                {
                    "data": [
                        {
                            "id": DEMO_PAGE_ID,
                            "name": "HTX Nước mắm Móng Cái",
                            "access_token": page_token,
                            "tasks": ["MODERATE", "MESSAGING"],
                        }
                    ]
                }
            )
        if parts == [DEMO_PAGE_ID, "live_videos"]:
            data = [] if chat.is_over() else [self.live_video("LIVE")]
            return json_response({"data": data})
        if parts == [DEMO_LIVE_ID]:
            return json_response(self.live_video("LIVE_STOPPED" if chat.is_over() else "LIVE"))
        if parts == [DEMO_LIVE_ID, "comments"]:
            return self.comments(request, duplicate=fault == "duplicate")
        if parts == [DEMO_PAGE_ID, "messages"] and request.method == "POST":
            return self.private_reply(request)
        return self.graph_error(100, "Unsupported get request.", sub=33)

    def live_video(self, status: str) -> dict[str, Any]:
        return {
            "id": DEMO_LIVE_ID,
            "status": status,
            "title": self.chat.title,
            "permalink_url": f"/{DEMO_PAGE_ID}/videos/{DEMO_LIVE_ID}/",
            "creation_time": _epoch_text(self.chat.started),
        }

    def comments(self, request: Request, *, duplicate: bool) -> Response:
        since = float(request.args.get("since") or 0)
        limit = min(int(request.args.get("limit") or 25), PAGE_LIMIT_MAX)
        offset = _read_offset("after", request.args.get("after", "")) or 0
        visible = [
            c for c in self.chat.comments(since).values() if not c.deleted and c.created >= since
        ]
        visible.sort(key=lambda c: (c.created, c.comment_id))
        page = visible[offset : offset + limit]
        data = [
            {
                "id": f"{DEMO_LIVE_ID}_{c.comment_id}",
                "message": c.text,
                "created_time": _epoch_text(c.created),
                "from": {"id": c.author_id, "name": c.author_name},
                "can_reply_privately": True,
            }
            for c in page
        ]
        if duplicate and data:
            data.insert(1, dict(data[0]))
        body: dict[str, Any] = {"data": data}
        if page:
            after = _offset_token("after", offset + len(page))
            body["paging"] = {"cursors": {"after": after}}
            if offset + len(page) < len(visible):
                query = {k: v for k, v in request.args.items() if k != "after"}
                query["after"] = after
                body["paging"]["next"] = (
                    f"{request.host_url.rstrip('/')}{request.path}?{urlencode(query)}"
                )
        return json_response(body)

    def private_reply(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        comment_id = str((body.get("recipient") or {}).get("comment_id") or "")
        text = str((body.get("message") or {}).get("text") or "")
        known = {f"{DEMO_LIVE_ID}_{cid}" for cid in self.chat.comments()}
        if comment_id not in known or not text:
            return self.graph_error(100, "Invalid parameter")
        with self.chat.lock:
            if any(r["comment_id"] == comment_id for r in self.chat.replies):
                return self.graph_error(10900, "Activity already replied to", status=400)
            message_id = f"m_{secrets.token_hex(8)}"
            self.chat.replies.append(
                {"comment_id": comment_id, "text": text, "message_id": message_id}
            )
        return json_response({"recipient_id": "psid-" + comment_id[-5:], "message_id": message_id})


class YouTubeLive(ChatSandbox):
    """The Data API's ``videos`` and ``liveChat/messages`` for one live (``/youtube/v3``)."""

    name = "youtube"

    def google_error(self, status: int, reason: str, message: str = "") -> Response:
        body = {
            "error": {
                "code": status,
                "message": message or reason,
                "errors": [{"reason": reason, "message": message or reason}],
            }
        }
        return json_response(body, status=status)

    def route(self, request: Request, parts: list[str]) -> Response:
        chat = self.chat
        if parts[:2] != ["youtube", "v3"]:
            return self.google_error(404, "notFound")
        parts = parts[2:]
        with chat.lock:
            chat.calls["/".join(parts)] += 1
        fault = chat.next_fault()
        if fault == "expire_token":
            with chat.lock:
                chat.tokens.add("expired:" + DEMO_API_KEY)
        if request.args.get("key") != DEMO_API_KEY or "expired:" + DEMO_API_KEY in chat.tokens:
            return self.google_error(401, "authError", "API key expired")
        if fault == "throttle":
            return self.google_error(403, "rateLimitExceeded", "polled too fast")
        if fault == "disconnect":
            return json_response({"error": "unavailable"}, status=503)
        if parts == ["videos"]:
            return self.video(request.args.get("id", ""))
        if parts == ["liveChat", "messages"]:
            if request.args.get("liveChatId") != DEMO_CHAT_ID:
                return self.google_error(404, "liveChatNotFound")
            return self.messages(request, fault)
        return self.google_error(404, "notFound")

    def video(self, vid: str) -> Response:
        if vid != DEMO_VIDEO_ID:
            return json_response({"items": []})
        details: dict[str, Any] = {"actualStartTime": _rfc3339(self.chat.started)}
        if self.chat.is_over():
            details["actualEndTime"] = _rfc3339(self.chat.now())
        else:
            details["activeLiveChatId"] = DEMO_CHAT_ID
        item = {"id": vid, "snippet": {"title": self.chat.title}, "liveStreamingDetails": details}
        return json_response({"items": [item]})

    def stream(self) -> list[dict[str, Any]]:
        """The chat's items in arrival order (YouTube has no edits: those are not shown)."""
        items: list[dict[str, Any]] = []
        for event in self.chat.happened():
            published = _rfc3339(self.chat.started + event.at)
            if event.kind == "comment":
                items.append(
                    {
                        "id": f"LCC.{event.comment_id}",
                        "snippet": {
                            "type": "textMessageEvent",
                            "liveChatId": DEMO_CHAT_ID,
                            "authorChannelId": event.author_id,
                            "publishedAt": published,
                            "hasDisplayContent": True,
                            "displayMessage": event.text,
                            "textMessageDetails": {"messageText": event.text},
                        },
                        "authorDetails": {
                            "channelId": event.author_id,
                            "displayName": event.author_name,
                        },
                    }
                )
            elif event.kind == "delete":
                items.append(
                    {
                        "id": f"LCD.{event.comment_id}",
                        "snippet": {
                            "type": "messageDeletedEvent",
                            "liveChatId": DEMO_CHAT_ID,
                            "publishedAt": published,
                            "messageDeletedDetails": {
                                "deletedMessageId": f"LCC.{event.comment_id}"
                            },
                        },
                    }
                )
        return items

    def messages(self, request: Request, fault: str | None) -> Response:
        chat = self.chat
        over = chat.is_over()
        token = request.args.get("pageToken")
        if token is not None and fault == "expire_cursor":
            return self.google_error(400, "pageTokenInvalid", "The page token is no longer valid")
        offset = _read_offset("chat", token) if token else None
        items = self.stream()
        if token and offset is None:
            return self.google_error(400, "pageTokenInvalid")
        if offset is None:
            offset = max(0, len(items) - 200)  # a first read: the recent history
        if over and offset >= len(items):
            return self.google_error(403, "liveChatEnded", "The live chat is no longer live")
        page = items[offset:]
        if fault == "duplicate" and page:
            page = [page[0], *page]
        body = {
            "kind": "youtube#liveChatMessageListResponse",
            "nextPageToken": _offset_token("chat", len(items)),
            "pollingIntervalMillis": POLL_MILLIS,
            "offlineAt": _rfc3339(chat.now()) if over else None,
            "pageInfo": {"totalResults": len(page), "resultsPerPage": len(page)},
            "items": page,
        }
        return json_response(body)
