"""Buyer-messaging sandbox: Zalo (OAuth v4, Official Account, ZNS) and the Messenger Send API
on one server on 127.0.0.1, for the tests and the demo.

Zalo: the consent page ``/v4/oa/permission`` approves at once (302 back with ``code``, bound
to the PKCE ``code_challenge``); ``POST /v4/oa/access_token`` trades a code (checking
``code_verifier``) or a refresh token for a pair; a refresh token works once (``-14020``
after). ``POST /v3.0/oa/message/cs`` reaches followers who wrote within 48 h;
``POST /message/template`` (ZNS) sends approved templates to ``84…`` phones, counts a daily
quota and each message's price, and posts a signed ``user_received_message`` callback with
the ``tracking_id`` to the configured webhook. Every reply is HTTP 200 with ``error`` set.

Buyers: three demo people (``demo_people``); any other valid mobile number is a Zalo user
made on its first ZNS (so the app's own buyers get messages), except ``NO_ZALO_PHONE`` and
numbers posted to ``people`` with ``"zalo": false``.

Messenger: ``POST /v26.0/{page}/messages?access_token=`` with ``RESPONSE`` within 24 h of the
person's last message, or ``MESSAGE_TAG`` with an allowed tag.

Faults (``POST /_sandbox/faults {"faults": [...]}``) are answered by the next send calls in
order: ``expire_token`` (every access token dies: Zalo ``-216``, Graph 190), ``throttle``
(Zalo ``-32``, Graph 613), ``server_error`` (HTTP 503), ``unknown_phone`` (Zalo ``-118``,
Graph 100/2018001). Admin under ``/_sandbox/``: ``messages?phone=|user_id=`` (what a buyer
received, JSON), ``inbox?phone=|user_id=`` (the same as a page), ``state``, ``reset``,
``faults``, ``expire-tokens``, ``clock`` (``advance_seconds``), ``people``, ``templates``,
``settings`` (``webhook_url`` for Zalo, ``messenger_webhook_url``, ``daily_quota``),
``user-message`` (a buyer writes: the window opens, and the webhook gets Zalo's
``user_send_text`` or Messenger's ``messages`` event, signed).
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import requests
from werkzeug import serving
from werkzeug.wrappers import Request, Response

from sandbox import core
from sandbox.core import json_response
from vietnam import phones

FB_VERSION = "v26.0"
DEMO_APP_ID = "sandbox-zalo-app"
DEMO_APP_SECRET = "sandbox-zalo-secret"
DEMO_OA_SECRET = "sandbox-oa-secret"
DEMO_OA_ID = "4310000000000000001"
DEMO_PAGE_ID = "104000000000002"
DEMO_PAGE_TOKEN = "sandbox-page-token"
DEMO_FB_APP_SECRET = "sandbox-fb-secret"
ACCESS_TTL = 90_000
REFRESH_TTL = 90 * 86_400
OA_WINDOW = 48 * 3600
MESSENGER_WINDOW = 24 * 3600
HUMAN_AGENT_WINDOW = 7 * 86_400
DAILY_QUOTA = 500
NO_ZALO_PHONE = "0977000111"  # a valid mobile number with no Zalo account
TAGS = {"POST_PURCHASE_UPDATE", "CONFIRMED_EVENT_UPDATE", "ACCOUNT_UPDATE", "HUMAN_AGENT"}
PARAM_MAX = {"name": 30, "phone": 15, "address": 200, "code": 30, "amount": 20}
ZALO_PHONE = re.compile(r"84(?:3[2-9]|5[2689]|7[06-9]|8[1-9]|9[0-9])[0-9]{7}")


@dataclasses.dataclass
class Person:
    """A buyer: their phone, their ids at Zalo (user id) and Messenger (PSID), and when
    they last wrote to the OA / the Page (epoch seconds; None: never)."""

    name: str
    phone: str  # national form
    zalo_user_id: str = ""
    psid: str = ""
    follower: bool = True  # follows the OA (and has not blocked it)
    blocked_page: bool = False
    refuses_zns: bool = False
    admin: bool = False  # an OA admin: gets development-mode ZNS
    last_zalo_at: float | None = None
    last_messenger_at: float | None = None


@dataclasses.dataclass
class ZnsTemplate:
    template_id: str
    name: str
    params: dict[str, str]  # name → type
    text: str  # with ``{param}`` places, to show what the buyer read
    price: int = 300  # đồng per delivered message
    approved: bool = True


DEMO_TEMPLATES = (
    ZnsTemplate(
        "250001",
        "Xác nhận đơn hàng",
        {"customer_name": "name", "order_code": "code", "amount": "amount"},
        "Chào {customer_name}, shop đã nhận đơn {order_code}, tổng {amount} đ.",
    ),
    ZnsTemplate(
        "250002",
        "Xác nhận thanh toán",
        {"customer_name": "name", "order_code": "code", "amount": "amount"},
        "Chào {customer_name}, shop đã nhận {amount} đ cho đơn {order_code}. Cảm ơn bạn!",
    ),
    ZnsTemplate(
        "250003",
        "Đơn đã giao cho đơn vị vận chuyển",
        {"customer_name": "name", "order_code": "code", "address": "address"},
        "Chào {customer_name}, đơn {order_code} đang trên đường tới {address}.",
        price=350,
    ),
    ZnsTemplate(
        "250009",
        "Khuyến mãi (chờ duyệt)",
        {"customer_name": "name"},
        "Chào {customer_name}, shop có ưu đãi mới.",
        approved=False,
    ),
)


def demo_people(now: float) -> list[Person]:
    """Lan wrote just now everywhere (and admins the OA); Minh wrote three days ago; Hoa
    blocked both the OA and the Page."""
    return [
        Person("Lan", "0912345678", "8431000000000001", "7100000000000001", admin=True,
               last_zalo_at=now, last_messenger_at=now),
        Person("Minh", "0987654321", "8431000000000002", "7100000000000002",
               last_zalo_at=now - 3 * 86_400, last_messenger_at=now - 3 * 86_400),
        Person("Hoa", "0398765432", "8431000000000003", "7100000000000003", follower=False,
               blocked_page=True, refuses_zns=True, last_zalo_at=now, last_messenger_at=now),
    ]  # fmt: skip


def event_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret: str) -> str:
    data = app_id.encode() + raw_body + timestamp.encode() + oa_secret.encode()
    return hashlib.sha256(data).hexdigest()


class Mailbox:
    """Everything the sandbox remembers. One lock guards it all (calls are short)."""

    def __init__(
        self,
        *,
        daily_quota: int = DAILY_QUOTA,
        webhook_url: str = "",
        messenger_webhook_url: str = "",
    ) -> None:
        self.lock = threading.RLock()
        self.configured_quota = daily_quota
        self.configured_webhook = webhook_url
        self.configured_messenger_webhook = messenger_webhook_url
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.clock_offset = 0.0
            now = self.now()
            self.people = demo_people(now)
            self.without_zalo = {NO_ZALO_PHONE}
            self.templates = {t.template_id: dataclasses.replace(t) for t in DEMO_TEMPLATES}
            self.access: dict[str, float] = {}  # Zalo access token → expires at
            self.refresh: dict[str, tuple[float, bool]] = {}  # → (expires at, used)
            self.codes: dict[str, str] = {}  # auth code → code_challenge (single use)
            self.page_token_live = True
            self.faults: collections.deque[str] = collections.deque()
            self.messages: list[dict[str, Any]] = []
            self.callbacks: list[dict[str, Any]] = []
            self.sent_by_day: collections.Counter[int] = collections.Counter()
            self.calls: collections.Counter[str] = collections.Counter()
            self.outcomes: collections.Counter[str] = collections.Counter()
            self.daily_quota = self.configured_quota
            self.webhook_url = self.configured_webhook
            self.messenger_webhook_url = self.configured_messenger_webhook
            self._ids = 0

    def now(self) -> float:
        return time.time() + self.clock_offset

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self._ids += 1
            return f"{prefix}{self._ids:06d}{secrets.token_hex(4)}"

    def next_fault(self) -> str | None:
        with self.lock:
            return self.faults.popleft() if self.faults else None

    # --- people --------------------------------------------------------------------------
    def by_phone(self, phone: str) -> Person | None:
        national = phones.normalise(phone)
        return next((p for p in self.people if p.phone == national), None)

    def zalo_user(self, phone: str) -> Person | None:
        """The Zalo user on ``phone``. Any valid mobile number has one (made on first use, so
        the app's own buyers get messages) except those in ``without_zalo``."""
        national = phones.normalise(phone)
        with self.lock:
            person = self.by_phone(national)
            if person is None and phones.is_mobile(national) and national not in self.without_zalo:
                person = Person("", national, "84" + national[1:] + "0", "71" + national[1:])
                self.people.append(person)
            return person

    def by_user_id(self, user_id: str) -> Person | None:
        return next((p for p in self.people if user_id in (p.zalo_user_id, p.psid)), None)

    # --- tokens --------------------------------------------------------------------------
    def issue_pair(self) -> dict[str, Any]:
        with self.lock:
            access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
            self.access[access] = self.now() + ACCESS_TTL
            self.refresh[refresh] = (self.now() + REFRESH_TTL, False)
            self.outcomes["pairs_issued"] += 1
            return {"access_token": access, "refresh_token": refresh, "expires_in": str(ACCESS_TTL)}

    def access_ok(self, token: str) -> bool:
        with self.lock:
            return self.access.get(token, 0.0) > self.now()

    def expire_tokens(self) -> int:
        with self.lock:
            live = [t for t, until in self.access.items() if until > self.now()]
            for token in live:
                self.access[token] = self.now() - 1
            self.page_token_live = False
            return len(live)

    # --- the log -------------------------------------------------------------------------
    def record(self, person: Person, channel: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            entry = {
                "channel": channel,
                "message_id": self.next_id({"messenger": "m_"}.get(channel, "")),
                "name": person.name,
                "phone": person.phone,
                "user_id": person.psid if channel == "messenger" else person.zalo_user_id,
                "sent_at": self.now(),
                "status": "sent",
                **fields,
            }
            self.messages.append(entry)
            self.outcomes[f"sent_{channel}"] += 1
            return entry

    def log_for(self, phone: str = "", user_id: str = "") -> list[dict[str, Any]]:
        person = self.by_phone(phone) if phone else self.by_user_id(user_id)
        if person is None:
            return []
        with self.lock:
            return [dict(m) for m in self.messages if m["phone"] == person.phone]

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            day = int(self.now() // 86_400)
            return {
                "calls": dict(self.calls),
                "outcomes": dict(self.outcomes),
                "faults": list(self.faults),
                "messages": len(self.messages),
                "callbacks": list(self.callbacks),
                "quota": {"daily": self.daily_quota, "used_today": self.sent_by_day[day]},
                "cost": sum(int(m.get("cost") or 0) for m in self.messages),
                "people": [dataclasses.asdict(p) for p in self.people],
                "templates": [dataclasses.asdict(t) for t in self.templates.values()],
                "webhook_url": self.webhook_url,
            }


class UnderscoreHeaders(serving.WSGIRequestHandler):
    """Zalo's headers have underscores (``access_token``, ``secret_key``). Werkzeug's server
    drops such headers (behind a proxy they could pose as hyphenated ones); this sandbox
    keeps them."""

    def make_environ(self) -> Any:
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ["HTTP_" + key.upper().replace("-", "_")] = value
        return environ


class Server(core.Server["MessagingSandbox"]):
    """``core.Server`` that keeps Zalo's underscore headers: serve this sandbox with it."""

    def __init__(self, dialect: MessagingSandbox, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(dialect, port, host)
        self._server.RequestHandlerClass = UnderscoreHeaders


HEADERS_DROPPED = (
    "no access_token header: serve this sandbox with sandbox.messaging.Server "
    "(werkzeug's server drops headers with underscores)"
)


def zalo_reply(error: int, message: str, data: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"error": error, "message": message}
    if data is not None:
        body["data"] = data
    return json_response(body)


def graph_error(code: int, message: str, sub: int = 0, status: int = 400) -> Response:
    problem: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if sub:
        problem["error_subcode"] = sub
    return json_response({"error": problem}, status=status)


def post(url: str, raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """POST a webhook body; its HTTP status, or 0 and the error's name."""
    try:
        reply = requests.post(
            url, data=raw, headers={"Content-Type": "application/json", **headers}, timeout=(2, 10)
        )
    except requests.RequestException as exc:
        return {"status": 0, "error": type(exc).__name__}
    return {"status": reply.status_code}


class MessagingSandbox:
    """Zalo and Messenger on one WSGI app (their paths do not meet)."""

    name = "messaging"

    def __init__(self, box: Mailbox | None = None, **options: Any) -> None:
        self.box = box or Mailbox(**options)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        parts = [p for p in request.path.split("/") if p]
        admin = parts[:1] == ["_sandbox"]
        reply = self.admin(request, parts[1:]) if admin else self.route(request, parts)
        return reply(environ, start_response)

    def route(self, request: Request, parts: list[str]) -> Response:
        with self.box.lock:
            self.box.calls["/".join(parts)] += 1
        if parts == ["v4", "oa", "permission"]:
            return self.permission(request)
        if parts == ["v4", "oa", "access_token"] and request.method == "POST":
            return self.access_token(request)
        if parts == ["v3.0", "oa", "message", "cs"] and request.method == "POST":
            return self.zalo_send(request, self.oa_message)
        if parts == ["message", "template"] and request.method == "POST":
            return self.zalo_send(request, self.zns_message)
        if parts == [FB_VERSION, DEMO_PAGE_ID, "messages"] and request.method == "POST":
            return self.messenger(request)
        return json_response({"error": "not_found", "message": request.path}, status=404)

    # --- Zalo OAuth v4 ---------------------------------------------------------------------
    def permission(self, request: Request) -> Response:
        args = request.args
        if args.get("app_id") != DEMO_APP_ID or not args.get("redirect_uri"):
            return Response("unknown app or no redirect_uri", status=400)
        code = secrets.token_urlsafe(16)
        with self.box.lock:
            self.box.codes[code] = args.get("code_challenge", "")
        query = urlencode({"code": code, "oa_id": DEMO_OA_ID, "state": args.get("state", "")})
        sep = "&" if "?" in args["redirect_uri"] else "?"
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}{sep}{query}"})

    def access_token(self, request: Request) -> Response:
        form, box = request.form, self.box
        if (
            form.get("app_id") != DEMO_APP_ID
            or request.headers.get("secret_key") != DEMO_APP_SECRET
        ):
            return json_response({"error": -14001, "error_name": "Invalid app secret"})
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with box.lock:
                challenge = box.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if challenge is None:
                return json_response({"error": -14003, "error_name": "Invalid authorization code"})
            if base64.urlsafe_b64encode(digest).decode().rstrip("=") != challenge:
                return json_response({"error": -14016, "error_name": "Invalid code verifier"})
            return json_response(box.issue_pair())
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            with box.lock:
                expires_at, used = box.refresh.get(token, (0.0, False))
                if used:
                    box.outcomes["refresh_reused"] += 1
                    return json_response(
                        {"error": -14020, "error_name": "Refresh token has been used"}
                    )
                if expires_at <= box.now():
                    return json_response({"error": -14014, "error_name": "Invalid refresh token"})
                box.refresh[token] = (expires_at, True)
                box.outcomes["refreshes"] += 1
                return json_response(box.issue_pair())
        return json_response({"error": -14002, "error_name": "Invalid grant type"})

    # --- Zalo sends ------------------------------------------------------------------------
    def zalo_send(
        self, request: Request, handler: Callable[[dict[str, Any], str | None], Response]
    ) -> Response:
        fault = self.box.next_fault()
        if fault == "expire_token":
            self.box.expire_tokens()
        if fault == "server_error":
            return json_response({"error": "server_error"}, status=503)
        if "access_token" not in request.headers:
            return zalo_reply(-216, HEADERS_DROPPED)
        if not self.box.access_ok(request.headers.get("access_token", "")):
            return zalo_reply(-216, "Access token is invalid")
        if fault == "throttle":
            return zalo_reply(-32, "Request limit exceeded")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return zalo_reply(-201, "Parameters are invalid")
        return handler(body, fault)

    def oa_message(self, body: dict[str, Any], fault: str | None) -> Response:
        user_id = str((body.get("recipient") or {}).get("user_id") or "")
        text = str((body.get("message") or {}).get("text") or "")
        person = self.box.by_user_id(user_id)
        if person is None or fault == "unknown_phone" or user_id != person.zalo_user_id:
            return zalo_reply(-118, "User is not existed")
        if not text:
            return zalo_reply(-201, "Message text is empty")
        if not person.follower:
            return zalo_reply(-233, "User has not followed the OA or has blocked it")
        last = person.last_zalo_at
        if last is None or self.box.now() - last >= OA_WINDOW:
            return zalo_reply(-213, "User has not interacted with the OA in the last 48 hours")
        entry = self.box.record(person, "zalo_oa", text=text)
        return zalo_reply(0, "Success", {"message_id": entry["message_id"], "user_id": user_id})

    def zns_message(self, body: dict[str, Any], fault: str | None) -> Response:
        box = self.box
        phone = str(body.get("phone") or "")
        if not ZALO_PHONE.fullmatch(phone):
            return zalo_reply(-108, "Phone number is invalid")
        person = box.zalo_user(phone)
        if person is None or fault == "unknown_phone":
            return zalo_reply(-118, "Zalo account not existed")
        template = box.templates.get(str(body.get("template_id") or ""))
        if template is None:
            return zalo_reply(-109, "Template ID is invalid")
        if not template.approved:
            return zalo_reply(-131, "Template has not been approved")
        data = body.get("template_data")
        if not isinstance(data, dict) or not self.params_fit(template, data):
            return zalo_reply(-112, "Template data is invalid")
        if person.refuses_zns:
            return zalo_reply(-139, "User refused to receive ZNS")
        development = body.get("mode") == "development"
        if development and not person.admin:
            return zalo_reply(-147, "Development mode: the user is not an admin of the OA")
        with box.lock:
            day = int(box.now() // 86_400)
            if not development:
                if box.sent_by_day[day] >= box.daily_quota:
                    box.outcomes["quota_refused"] += 1
                    return zalo_reply(-144, "OA has exceeded the daily quota")
                box.sent_by_day[day] += 1
            left = box.daily_quota - box.sent_by_day[day]
            entry = box.record(
                person,
                "zalo_zns",
                template_id=template.template_id,
                template_name=template.name,
                template_data={k: str(v) for k, v in data.items()},
                text=template.text.format_map(collections.defaultdict(str, data)),
                tracking_id=str(body.get("tracking_id") or ""),
                mode="development" if development else "",
                cost=0 if development else template.price,
            )
        self.deliver_later(entry)
        quota = {"dailyQuota": str(box.daily_quota), "remainingQuota": str(left)}
        return zalo_reply(
            0,
            "Success",
            {"msg_id": entry["message_id"], "sent_time": str(int(entry["sent_at"] * 1000)),
             "quota": quota},
        )  # fmt: skip

    @staticmethod
    def params_fit(template: ZnsTemplate, data: dict[str, Any]) -> bool:
        if set(data) != set(template.params):
            return False
        return all(
            0 < len(str(data[name])) <= PARAM_MAX.get(kind, 30)
            for name, kind in template.params.items()
        )

    # --- webhooks to the app -----------------------------------------------------------------
    def deliver_later(self, entry: dict[str, Any]) -> None:
        """The delivery callback, posted from a thread (the app may be the caller)."""
        if not self.box.webhook_url:
            return
        thread = threading.Thread(target=self.deliver, args=(entry,), daemon=True)
        thread.start()

    def deliver(self, entry: dict[str, Any]) -> None:
        box = self.box
        with box.lock:
            entry_now = box.now()
            for message in box.messages:
                if message["message_id"] == entry["message_id"]:
                    message["status"] = "delivered"
        event = {
            "event_name": "user_received_message",
            "app_id": DEMO_APP_ID,
            "sender": {"id": DEMO_OA_ID},
            "recipient": {"id": entry["user_id"]},
            "message": {
                "msg_id": entry["message_id"],
                "tracking_id": entry.get("tracking_id", ""),
                "delivery_time": str(int(entry_now * 1000)),
            },
            "timestamp": str(int(entry_now * 1000)),
        }
        outcome = self.post_webhook(event)
        with box.lock:
            box.callbacks.append({"tracking_id": entry.get("tracking_id", ""), **outcome})

    def post_webhook(self, event: dict[str, Any]) -> dict[str, Any]:
        """POST one signed Zalo event to the webhook; what came of it."""
        raw = json.dumps(event, ensure_ascii=False).encode("utf-8")
        signature = event_signature(DEMO_APP_ID, raw, str(event["timestamp"]), DEMO_OA_SECRET)
        outcome = post(self.box.webhook_url, raw, {"X-ZEvent-Signature": f"mac={signature}"})
        return {"event": event["event_name"], **outcome}

    def user_message(self, body: dict[str, Any]) -> Response:
        """A buyer writes to the OA (``user_id``: Zalo id) or the Page (``psid``)."""
        box = self.box
        user_id = str(body.get("user_id") or body.get("psid") or "")
        text = str(body.get("text") or "")
        person = box.by_user_id(user_id)
        if person is None:
            return json_response({"error": "unknown user"}, status=404)
        with box.lock:
            if user_id == person.psid:
                person.last_messenger_at = box.now()
                return self.page_message(user_id, text)
            person.last_zalo_at = box.now()
            millis = str(int(box.now() * 1000))
        event = {
            "event_name": "user_send_text",
            "app_id": DEMO_APP_ID,
            "sender": {"id": user_id},
            "recipient": {"id": DEMO_OA_ID},
            "message": {"text": text, "msg_id": box.next_id("msg")},
            "timestamp": millis,
        }
        sent = self.post_webhook(event) if box.webhook_url else {}
        return json_response({"ok": True, "event": event, "webhook": sent})

    def page_message(self, psid: str, text: str) -> Response:
        """A person's message to the Page, posted to the Messenger webhook when one is set."""
        millis = int(self.box.now() * 1000)
        message = {"mid": self.box.next_id("m_"), "text": text}
        item = {"sender": {"id": psid}, "recipient": {"id": DEMO_PAGE_ID}, "timestamp": millis}
        entry = {"id": DEMO_PAGE_ID, "time": millis, "messaging": [{**item, "message": message}]}
        event = {"object": "page", "entry": [entry]}
        if not self.box.messenger_webhook_url:
            return json_response({"ok": True, "event": event})
        raw = json.dumps(event, ensure_ascii=False).encode("utf-8")
        digest = hmac.new(DEMO_FB_APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        sent = post(
            self.box.messenger_webhook_url, raw, {"X-Hub-Signature-256": f"sha256={digest}"}
        )
        return json_response({"ok": True, "event": event, "webhook": sent})

    # --- Messenger -------------------------------------------------------------------------
    def messenger(self, request: Request) -> Response:
        box = self.box
        fault = box.next_fault()
        if fault == "expire_token":
            box.expire_tokens()
        if fault == "server_error":
            return json_response({"error": "server_error"}, status=503)
        token = request.args.get("access_token") or request.headers.get(
            "Authorization", ""
        ).removeprefix("Bearer ")
        if token != DEMO_PAGE_TOKEN or not box.page_token_live:
            return graph_error(190, "Error validating access token: Session has expired", 463)
        if fault == "throttle":
            return graph_error(613, "Calls to this api have exceeded the rate limit.")
        body = request.get_json(silent=True) or {}
        psid = str((body.get("recipient") or {}).get("id") or "")
        text = str((body.get("message") or {}).get("text") or "")
        person = box.by_user_id(psid)
        if person is None or psid != person.psid or fault == "unknown_phone":
            return graph_error(100, "No matching user found", 2018001)
        if person.blocked_page:
            return graph_error(551, "This person isn't available right now.", 1545041)
        kind, tag = str(body.get("messaging_type") or ""), str(body.get("tag") or "")
        last = person.last_messenger_at
        elapsed = box.now() - last if last is not None else float("inf")
        if kind in ("RESPONSE", "UPDATE"):
            if elapsed >= MESSENGER_WINDOW:
                return graph_error(10, "This message is sent outside of allowed window.", 2018278)
        elif kind == "MESSAGE_TAG":
            if tag not in TAGS:
                return graph_error(100, "Param tag must be one of the allowed tags")
            if tag == "HUMAN_AGENT" and elapsed >= HUMAN_AGENT_WINDOW:
                return graph_error(10, "This message is sent outside of allowed window.", 2018278)
        else:
            return graph_error(100, "Param messaging_type is invalid")
        if not text:
            return graph_error(100, "Message cannot be empty")
        entry = box.record(person, "messenger", text=text, messaging_type=kind, tag=tag)
        return json_response({"recipient_id": psid, "message_id": entry["message_id"]})

    # --- admin -----------------------------------------------------------------------------
    def admin(self, request: Request, parts: list[str]) -> Response:
        box = self.box
        action = parts[0] if parts else ""
        body = request.get_json(silent=True) if request.method == "POST" else None
        body = body if isinstance(body, dict) else {}
        if action == "messages":
            log = box.log_for(request.args.get("phone", ""), request.args.get("user_id", ""))
            return json_response({"messages": log})
        if action == "inbox":
            return self.inbox(request)
        if action == "state":
            return json_response(box.snapshot())
        if request.method != "POST":
            return json_response({"error": "unknown admin action"}, status=404)
        if action == "reset":
            box.reset()
        elif action == "faults":
            with box.lock:
                box.faults.extend(str(f) for f in body.get("faults") or [])
        elif action == "expire-tokens":
            return json_response({"expired": box.expire_tokens()})
        elif action == "clock":
            with box.lock:
                box.clock_offset += float(body.get("advance_seconds") or 0)
        elif action == "people":
            fields = {k: body[k] for k in body if k in Person.__dataclass_fields__}
            fields["phone"] = phones.normalise(str(fields.get("phone") or ""))
            with box.lock:
                if body.get("zalo") is False:
                    box.without_zalo.add(fields["phone"])
                else:
                    box.people.append(Person(**fields))
        elif action == "templates":
            fields = {k: body[k] for k in body if k in ZnsTemplate.__dataclass_fields__}
            with box.lock:
                template = ZnsTemplate(**fields)
                box.templates[template.template_id] = template
        elif action == "settings":
            with box.lock:
                if "webhook_url" in body:
                    box.webhook_url = str(body["webhook_url"] or "")
                if "messenger_webhook_url" in body:
                    box.messenger_webhook_url = str(body["messenger_webhook_url"] or "")
                if "daily_quota" in body:
                    box.daily_quota = int(body["daily_quota"])
        elif action == "user-message":
            return self.user_message(body)
        else:
            return json_response({"error": "unknown admin action"}, status=404)
        return json_response(box.snapshot())

    def inbox(self, request: Request) -> Response:
        """What a buyer received, as a phone would list it (newest last)."""
        log = self.box.log_for(request.args.get("phone", ""), request.args.get("user_id", ""))
        rows = "".join(
            f"<li class='message {html.escape(m['channel'])}' data-status='{m['status']}'>"
            f"<b>{html.escape(m['channel'])}</b> {html.escape(str(m.get('text') or ''))}</li>"
            for m in log
        )
        page = (
            "<!doctype html><html lang='vi'><meta charset='utf-8'>"
            "<title>Hộp thư người mua (sandbox)</title>"
            f"<h1>Tin nhắn đã nhận</h1><ol id='messages'>{rows}</ol></html>"
        )
        return Response(page, content_type="text/html; charset=utf-8")
