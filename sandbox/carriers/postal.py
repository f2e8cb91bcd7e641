"""What the two postal sandboxes share (Viettel Post, Vietnam Post): the fee rule's steps,
the charged weight, lenient numbers, and their extra admin calls (expire every token, change
the rate limit) on top of ``common.CarrierSandbox``."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.carriers import common


def as_int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def charged_weight(grams: int, length: int, width: int, height: int) -> int:
    """The heavier of the real weight and the volumetric one (6,000 cm³ per kg)."""
    return max(grams, length * width * height // 6)


def stepped_fee(weight_g: int, base: int, step: int, percent: int) -> int:
    """``base`` for the first 500 g, ``step`` per further 500 g or part, times ``percent``."""
    steps = -(-max(0, weight_g - 500) // 500)
    return (base + step * steps) * percent // 100


class PostalSandbox(common.CarrierSandbox):
    """A carrier sandbox with login tokens: ``POST /_sandbox/expire-tokens`` makes every
    token stale (the adapter must log in again), ``POST /_sandbox/rate {"rate_limit"}`` sets
    the calls per second answered before 429 (0 = none); ``/_sandbox/stats`` adds logins."""

    def __init__(self, depot: common.Depot | None = None, **depot_options: Any) -> None:
        super().__init__(depot, **depot_options)
        self.lock = threading.Lock()
        self.tokens: set[str] = set()
        self.logins = 0

    def issue_token(self, token: str) -> str:
        with self.lock:
            self.tokens.add(token)
            self.logins += 1
        return token

    def token_ok(self, token: str) -> bool:
        with self.lock:
            return bool(token) and token in self.tokens

    def extra_admin(self, request: Request, parts: list[str]) -> Response | None:
        """A carrier's own admin calls (None: not one of them)."""
        return None

    def admin(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")[1:]
        if parts == ["expire-tokens"] and request.method == "POST":
            with self.lock:
                expired = len(self.tokens)
                self.tokens.clear()
            return common.json_response({"expired": expired})
        if parts == ["rate"] and request.method == "POST":
            self.depot.rate_limit = float(common.read_json(request).get("rate_limit") or 0)
            return common.json_response({"rate_limit": self.depot.rate_limit})
        if parts == ["stats"]:
            return common.json_response({**self.depot.stats(), "logins": self.logins})
        if parts == ["reset"] and request.method == "POST":
            with self.lock:
                self.tokens.clear()
                self.logins = 0
        own = self.extra_admin(request, parts)
        return own if own is not None else super().admin(request)
