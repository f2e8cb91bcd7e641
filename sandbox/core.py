"""What every dialect shares: state, clock, faults, rate limits, admin endpoints, the server.

A dialect subclasses ``Dialect`` and implements ``route(request)``; the core
wraps each call with counting, rate limiting and fault injection, and serves
``/_sandbox/*`` (calls, faults, reset, products, clock, expire-tokens, authorize).
"""

from __future__ import annotations

import collections
import dataclasses
import html
import itertools
import json
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlencode

from werkzeug import serving
from werkzeug.wrappers import Request, Response

ACCESS_TTL = 4 * 3600
REFRESH_TTL = 30 * 86400
TIMESTAMP_SKEW = 300


@dataclasses.dataclass
class Faults:
    """Chances are per call (0..1). ``seed`` makes a run repeatable."""

    error_rate: float = 0.0  # answer 500/503 without doing anything
    slow_rate: float = 0.0  # sleep ``slow_seconds`` before answering
    slow_seconds: float = 0.0
    write_504_rate: float = 0.0  # do the write, then answer 504 (reply "lost")
    seed: int | None = None


@dataclasses.dataclass
class Shop:
    shop_id: str
    name: str
    cipher: str = ""
    create_quota: int = 0  # creates per day; 0 = unlimited


@dataclasses.dataclass
class Token:
    value: str
    shop_id: str
    expires_at: float
    kind: str  # "access" | "refresh"
    used: bool = False


@dataclasses.dataclass
class Product:
    item_id: str
    shop_id: str
    payload: dict[str, Any]
    skus: dict[str, dict[str, Any]]  # seller_sku → {"sku_id", "price", "stock"}
    status: str = "NORMAL"
    created_at: float = 0.0


class State:
    """Everything a sandbox remembers. One lock guards it all (calls are short)."""

    def __init__(self, *, rate_limit: float = 0.0, create_quota: int = 0) -> None:
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        self.rate_limit = rate_limit  # requests per second per app; 0 = none
        self.configured_rate_limit = rate_limit
        self.default_quota = create_quota
        self.faults = Faults()
        self.rng = random.Random()
        self._ids = itertools.count(100001)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.calls: collections.Counter[str] = collections.Counter()
            self.outcomes: collections.Counter[str] = collections.Counter()
            self.shops: dict[str, Shop] = {}
            self.tokens: dict[str, Token] = {}
            self.codes: dict[str, str] = {}  # auth code → shop_id (single use)
            self.products: dict[str, Product] = {}
            self.images: dict[str, int] = {}  # image id → size in bytes
            self.creates_by_day: collections.Counter[tuple[str, int]] = collections.Counter()
            self.window: collections.deque[float] = collections.deque()
            self.faults = Faults()
            self.rng = random.Random()
            self.rate_limit = self.configured_rate_limit

    # --- time ----------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def next_id(self) -> str:
        return str(next(self._ids))

    # --- shops and tokens ----------------------------------------------------
    def add_shop(
        self, shop_id: str, name: str, cipher: str = "", create_quota: int | None = None
    ) -> Shop:
        with self.lock:
            shop = Shop(
                shop_id, name, cipher, self.default_quota if create_quota is None else create_quota
            )
            self.shops[shop_id] = shop
            return shop

    def issue_code(self, shop_id: str) -> str:
        with self.lock:
            code = secrets.token_hex(16)
            self.codes[code] = shop_id
            return code

    def take_code(self, code: str) -> str | None:
        with self.lock:
            return self.codes.pop(code, None)

    def issue_tokens(self, shop_id: str) -> tuple[Token, Token]:
        with self.lock:
            now = self.now()
            access = Token(secrets.token_hex(16), shop_id, now + ACCESS_TTL, "access")
            refresh = Token(secrets.token_hex(16), shop_id, now + REFRESH_TTL, "refresh")
            self.tokens[access.value] = access
            self.tokens[refresh.value] = refresh
            self.outcomes["tokens_issued"] += 1
            return access, refresh

    def check_access(self, value: str) -> Token | None:
        """The live access token ``value`` or None (unknown or expired)."""
        with self.lock:
            token = self.tokens.get(value)
            if token is None or token.kind != "access" or token.expires_at <= self.now():
                return None
            return token

    def use_refresh(self, value: str) -> tuple[Token, Token] | str:
        """Spend a refresh token: new tokens, or the reason it was refused."""
        with self.lock:
            token = self.tokens.get(value)
            if token is None or token.kind != "refresh":
                return "unknown"
            if token.used:
                self.outcomes["refresh_reused"] += 1
                return "used"
            if token.expires_at <= self.now():
                return "expired"
            token.used = True
            self.outcomes["refreshes"] += 1
            return self.issue_tokens(token.shop_id)

    def expire_access_tokens(self) -> int:
        with self.lock:
            n = 0
            for token in self.tokens.values():
                if token.kind == "access" and token.expires_at > self.now():
                    token.expires_at = self.now() - 1
                    n += 1
            return n

    def timestamp_ok(self, seconds: float) -> bool:
        return abs(self.now() - seconds) <= TIMESTAMP_SKEW

    # --- rate limits and quotas ---------------------------------------------
    def over_rate(self) -> bool:
        """Record a call; True when it exceeds ``rate_limit`` in the last second."""
        with self.lock:
            return window_full(self.window, self.rate_limit)

    def take_create_quota(self, shop_id: str) -> bool:
        with self.lock:
            shop = self.shops.get(shop_id)
            day = int(self.now() // 86400)
            if (
                shop is not None
                and shop.create_quota
                and self.creates_by_day[(shop_id, day)] >= shop.create_quota
            ):
                return False
            self.creates_by_day[(shop_id, day)] += 1
            return True

    def seconds_to_midnight(self) -> int:
        return int(86400 - self.now() % 86400) + 1

    # --- products ------------------------------------------------------------
    def create_product(
        self, shop_id: str, payload: dict[str, Any], skus: dict[str, dict[str, Any]]
    ) -> Product:
        with self.lock:
            product = Product(self.next_id(), shop_id, payload, {}, created_at=self.now())
            for seller_sku, values in skus.items():
                product.skus[seller_sku] = {"sku_id": self.next_id(), **values}
            self.products[product.item_id] = product
            self.outcomes["products_created"] += 1
            return product

    def find_by_sku(self, shop_id: str, seller_sku: str) -> Product | None:
        with self.lock:
            for product in self.products.values():
                if (
                    product.shop_id == shop_id
                    and seller_sku in product.skus
                    and product.status != "DELETED"
                ):
                    return product
            return None

    def live_products(self) -> list[Product]:
        """Products that exist for buyers (not deleted)."""
        with self.lock:
            return [p for p in self.products.values() if p.status != "DELETED"]

    def duplicates(self) -> int:
        """Extra remote products sharing a seller SKU in one shop (should be 0)."""
        with self.lock:
            seen: collections.Counter[tuple[str, str]] = collections.Counter()
            for product in self.live_products():
                for seller_sku in product.skus:
                    seen[(product.shop_id, seller_sku)] += 1
            return sum(n - 1 for n in seen.values() if n > 1)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "calls": dict(self.calls),
                "total_calls": sum(self.calls.values()),
                "outcomes": dict(self.outcomes),
                "products": len(self.live_products()),
                "deleted_products": len(self.products) - len(self.live_products()),
                "duplicates": self.duplicates(),
            }


@dataclasses.dataclass
class Route:
    """What the dialect says about an incoming call before it is handled."""

    name: str  # counted under this name, e.g. "product/add_item"
    write: bool = False  # writes are subject to "done, then 504"
    limited: bool = True  # subject to rate limiting and random faults


class Dialect:
    """One marketplace's API. Subclasses set ``name`` and implement the hooks."""

    name = "base"
    shop_name = "Sandbox shop"

    def __init__(self, state: State | None = None, **options: Any) -> None:
        self.state = state or State(**options)

    # hooks -------------------------------------------------------------------
    def classify(self, request: Request) -> Route | None:
        """Name the call (None = not found)."""
        raise NotImplementedError

    def handle(self, request: Request, route: Route) -> Response:
        raise NotImplementedError

    def rate_limited(self, request: Request, route: Route) -> Response:
        """The answer when over the rate limit (HTTP 429 or an in-body code)."""
        return json_response({"error": "rate_limited"}, status=429, headers={"Retry-After": "1"})

    def server_error(self, status: int) -> Response:
        return json_response({"error": "server_error", "message": "sandbox fault"}, status=status)

    def authorize_redirect(
        self, redirect_uri: str, code: str, shop_id: str, params: dict[str, str]
    ) -> str:
        """Where the approve button sends the browser (the dialect's callback params)."""
        sep = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{sep}{urlencode({'code': code, 'shop_id': shop_id, **params})}"

    def demo_shop(self) -> Shop:
        """The shop the authorize page grants (created on first use)."""
        with self.state.lock:
            for shop in self.state.shops.values():
                return shop
            return self.state.add_shop(
                self.state.next_id(), self.shop_name, cipher="CIPHER_" + secrets.token_hex(6)
            )

    def product_view(self, product: Product) -> dict[str, Any]:
        return dataclasses.asdict(product)

    # WSGI --------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        finally:
            request.close()  # multipart uploads spool to temp files
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/_sandbox/"):
            return self.admin(request)
        route = self.classify(request)
        if route is None:
            return json_response({"error": "not_found", "message": request.path}, status=404)
        state = self.state
        with state.lock:
            state.calls[route.name] += 1
            faults = state.faults
            roll_error = state.rng.random()
            roll_slow = state.rng.random()
            roll_504 = state.rng.random()
        if route.limited and state.over_rate():
            state.outcomes["rate_limited"] += 1
            return self.rate_limited(request, route)
        if route.limited and roll_slow < faults.slow_rate:
            time.sleep(faults.slow_seconds)
        if route.limited and roll_error < faults.error_rate:
            state.outcomes["injected_5xx"] += 1
            return self.server_error(503 if roll_error < faults.error_rate / 2 else 500)
        response = self.handle(request, route)
        if route.write and response.status_code < 300 and roll_504 < faults.write_504_rate:
            state.outcomes["injected_504_after_write"] += 1
            return self.server_error(504)
        return response

    def admin(self, request: Request) -> Response:
        state = self.state
        action = request.path.removeprefix("/_sandbox/").strip("/")
        if action == "calls":
            return json_response(state.snapshot())
        if action == "products":
            with state.lock:
                return json_response([self.product_view(p) for p in state.products.values()])
        if action.startswith("products/"):
            return self.product_page(action.removeprefix("products/"))
        if action == "reset" and request.method == "POST":
            state.reset()
            return json_response({"ok": True})
        if action == "faults" and request.method == "POST":
            body = request.get_json(force=True, silent=True) or {}
            with state.lock:
                state.faults = Faults(
                    **{k: body[k] for k in body if k in Faults.__dataclass_fields__}
                )
                state.rng = random.Random(state.faults.seed)
                if "rate_limit" in body:
                    state.rate_limit = float(body["rate_limit"])
            return json_response(dataclasses.asdict(state.faults))
        if action == "clock" and request.method == "POST":
            body = request.get_json(force=True, silent=True) or {}
            with state.lock:
                state.clock_offset += float(body.get("advance_seconds", 0))
            return json_response({"now": state.now()})
        if action == "expire-tokens" and request.method == "POST":
            return json_response({"expired": state.expire_access_tokens()})
        if action == "shops" and request.method == "POST":
            body = request.get_json(force=True, silent=True) or {}
            shop = state.add_shop(
                str(body.get("shop_id") or state.next_id()),
                str(body.get("name") or self.shop_name),
                cipher=str(body.get("cipher") or ""),
                create_quota=body.get("create_quota"),
            )
            return json_response(dataclasses.asdict(shop))
        if action == "authorize":
            return self.authorize_page(request)
        return json_response({"error": "not_found"}, status=404)

    def product_title(self, product: Product) -> str:
        """The product's name as the dialect stored it (each dialect names it its own way)."""
        payload = product.payload
        for key in ("item_name", "title", "name"):
            if payload.get(key):
                return str(payload[key])
        attributes = payload.get("Attributes")
        if isinstance(attributes, dict) and attributes.get("name"):
            return str(attributes["name"])
        return product.item_id

    def product_page(self, item_id: str) -> Response:
        """The buyer's page of a sandbox product: what a listing's link opens."""
        with self.state.lock:
            product = self.state.products.get(item_id)
            if product is None:
                return Response("not found", status=404, content_type="text/plain")
            title = self.product_title(product)
            shop = self.state.shops.get(product.shop_id)
            rows = "".join(
                f"<tr><td>{html.escape(sku)}</td><td>{html.escape(str(v.get('price', '')))}</td>"
                f"<td>{html.escape(str(v.get('stock', '')))}</td></tr>"
                for sku, v in product.skus.items()
            )
            status = product.status
        page = (
            "<!doctype html><html lang='vi'><meta charset='utf-8'>"
            f"<title>{html.escape(title)} ({html.escape(self.name)} sandbox)</title>"
            f"<p>{html.escape(self.name)} sandbox · {html.escape(shop.name if shop else '')}</p>"
            f"<h1 id='title'>{html.escape(title)}</h1>"
            f"<p id='status'>{html.escape(status)}</p>"
            f"<table><tr><th>SKU</th><th>đ</th><th>#</th></tr>{rows}</table></html>"
        )
        return Response(page, content_type="text/html; charset=utf-8")

    def authorize_page(self, request: Request) -> Response:
        """A stand-in for the marketplace's consent screen: one approve button."""
        args = {k: v for k, v in request.values.items()}
        redirect_uri = args.pop("redirect_uri", "") or args.pop("redirect", "")
        if not redirect_uri:
            return Response("missing redirect_uri", status=400)
        if request.method == "POST":
            shop = self.demo_shop()
            code = self.state.issue_code(shop.shop_id)
            extra = {"state": args["state"]} if "state" in args else {}
            target = self.authorize_redirect(redirect_uri, code, shop.shop_id, extra)
            return Response(status=302, headers={"Location": target})
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in {**args, "redirect_uri": redirect_uri}.items()
        )
        page = (
            "<!doctype html><html lang='vi'><meta charset='utf-8'>"
            f"<title>{html.escape(self.name)} sandbox</title>"
            f"<h1>{html.escape(self.name)} (sandbox)</h1>"
            f"<p>Cho phép ứng dụng truy cập gian hàng “{html.escape(self.shop_name)}”?</p>"
            f"<form method='post'>{hidden}"
            "<button type='submit' id='approve'>Đồng ý / Approve</button></form></html>"
        )
        return Response(page, content_type="text/html; charset=utf-8")


class DeliveryThread:
    """A real-time sandbox part that delivers in a thread of its own (the bank's webhooks, a
    carrier's): ``lock`` and ``wake`` guard its queue, ``close`` stops the thread."""

    lock: threading.RLock
    wake: threading.Condition
    _worker: threading.Thread | None
    _closed: bool

    def close(self) -> None:
        """Stop the delivery thread (what is still queued is dropped)."""
        with self.lock:
            self._closed = True
            self.wake.notify_all()
        if self._worker is not None:
            self._worker.join(timeout=5)


D = TypeVar("D")


def dataclass_from(cls: type[D], values: Mapping[str, Any]) -> D:
    """``cls`` built from the ``values`` it has fields for (any others are ignored)."""
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in values.items() if k in names})


def window_full(window: collections.deque[float], rate_limit: float) -> bool:
    """Record a call in ``window`` (the monotonic times of the last second's calls; the caller
    holds its lock): True, and not recorded, when ``rate_limit`` calls came in the last second
    already (0 = no limit)."""
    if rate_limit <= 0:
        return False
    now = time.monotonic()
    while window and now - window[0] >= 1.0:
        window.popleft()
    if len(window) >= rate_limit:
        return True
    window.append(now)
    return False


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


class Served(Protocol):
    """What a server serves: a named WSGI app (a marketplace dialect, a live chat…)."""

    name: str

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any: ...


S = TypeVar("S", bound=Served)


class Server(Generic[S]):
    """A dialect served on 127.0.0.1 in a background thread (threaded, real sockets)."""

    def __init__(self, dialect: S, port: int = 0, host: str = "127.0.0.1") -> None:
        self.dialect = dialect
        self._server = serving.make_server(host, port, dialect, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            daemon=True,
            name=f"sandbox-{dialect.name}",
        )

    def start(self) -> Server[S]:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Server[S]:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
