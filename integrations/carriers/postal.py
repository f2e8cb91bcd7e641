"""What the two postal carriers' adapters share (Viettel Post, Vietnam Post): a login token
kept per adapter instance and renewed once when the carrier refuses it, their local times
(Vietnam time, ``dd/mm/yyyy HH:MM:SS``) read as UTC, names matched accent- and
prefix-insensitively, and a booking loop that retries the create after a lost reply."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from integrations import base, errors, http, ratelimit, webhooks
from integrations.carriers import base as carriers
from vietnam import text
from vietnam.zone import VIETNAM

T = TypeVar("T")
LOCAL_FORMAT = "%d/%m/%Y %H:%M:%S"

# Words units carry before their name (old three-level map and carriers' spellings).
_UNIT_PREFIXES = tuple(
    text.fold(p) + " "
    for p in (
        "Thành phố",
        "Tỉnh",
        "TP.",
        "TP",
        "Quận",
        "Huyện",
        "Thị xã",
        "Phường",
        "Xã",
        "Thị trấn",
        "Đặc khu",
    )
)


class TokenSession:
    """One login token, fetched on first use and shared by the adapter's calls (threads
    included). ``call(send)`` runs ``send(token)``; when it raises ``errors.AuthExpired``
    the token is renewed once and ``send`` runs again (a second refusal propagates)."""

    def __init__(self, login: Callable[[], str]) -> None:
        self._login = login
        self._token = ""
        self._lock = threading.Lock()
        self.logins = 0  # how many times the adapter logged in (tests read it)

    def token(self) -> str:
        with self._lock:
            if not self._token:
                self._token = self._login()
                self.logins += 1
            return self._token

    def renew(self, stale: str) -> str:
        """A fresh token unless another thread already replaced ``stale``."""
        with self._lock:
            if self._token == stale or not self._token:
                self._token = self._login()
                self.logins += 1
            return self._token

    def call(self, send: Callable[[str], T]) -> T:
        token = self.token()
        try:
            return send(token)
        except errors.AuthExpired:
            return send(self.renew(token))


def local_time(value: object, fmt: str = LOCAL_FORMAT) -> dt.datetime:
    """A carrier's Vietnam-time text as an aware UTC datetime (``MalformedBody`` if not)."""
    try:
        moment = dt.datetime.strptime(str(value).strip(), fmt)
    except ValueError as exc:
        raise webhooks.MalformedBody(
            f"time {value!r} is not {fmt}", code="bad_time", params={"field": "time"}
        ) from exc
    return moment.replace(tzinfo=VIETNAM).astimezone(dt.UTC)


def to_local(moment: dt.datetime, fmt: str = LOCAL_FORMAT) -> str:
    return moment.astimezone(VIETNAM).strftime(fmt)


def bare(name: str) -> str:
    """The folded name without its unit word: ``'HUYỆN LẠC THỦY'`` → ``'lac thuy'``."""
    folded = text.fold(name).replace(".", ". ").replace("  ", " ").strip()
    for prefix in _UNIT_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :].strip()
    return folded


def match_name(wanted: str, candidates: Iterable[tuple[T, str]]) -> T | None:
    """The candidate whose name is ``wanted`` (accents, case and spacing ignored), else the
    one whose name without its unit word is (only when exactly one is); else None."""
    pool = list(candidates)
    exact = text.fold(wanted)
    for value, name in pool:
        if text.fold(name) == exact:
            return value
    key = bare(wanted)
    loose = [value for value, name in pool if bare(name) == key]
    return loose[0] if len(loose) == 1 else None


def expected_days(words: object) -> int | None:
    """``'24 giờ'`` → 1, ``'Khoảng 3 ngày làm việc'`` → 3; None when there is no number."""
    found = re.search(r"(\d+)\s*(gio|ngay|h\b|d\b)?", text.fold(str(words or "")))
    if not found:
        return None
    number = int(found.group(1))
    if (found.group(2) or "").startswith(("gio", "h")):
        return max(1, -(-number // 24))
    return number


def goods_name(names: Sequence[str], limit: int = 150) -> str:
    joined = ", ".join(n for n in names if n)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def book_with_retries(create: Callable[[], T], attempts: int = 3) -> T:
    """Run ``create`` until it answers, at most ``attempts`` times while its reply is lost
    (``TransientError`` with ``uncertain``): the carrier refuses a reference already used,
    so trying again finds the parcel the lost call made instead of making a second one."""
    for attempt in range(1, attempts + 1):
        try:
            return create()
        except errors.TransientError as exc:
            if not exc.uncertain or attempt == attempts:
                raise
    raise AssertionError("unreachable")


def as_int(value: Any) -> int:
    """A carrier's number (int, float or text) in whole đồng or grams; 0 when it is none."""
    try:
        return round(float(value))
    except (TypeError, ValueError):
        return 0


LOGIN_FIELDS = (
    base.ConfigField("username", "Username"),
    base.ConfigField("password", "Password", secret=True),
)


class PostalCarrier(carriers.Carrier):
    """A carrier that logs in for a token (``_login``) and paces its calls at its rate."""

    rate_limit: ClassVar[float] = 5.0

    def __init__(
        self,
        config: Mapping[str, str],
        *,
        client: http.HttpClient | None = None,
        clock: base.Clock = time.time,
    ) -> None:
        super().__init__(config, client=client, clock=clock)
        self.session = TokenSession(self._login)

    def new_client(self) -> http.HttpClient:
        return http.HttpClient(
            self.config["api_base_url"], limiter=ratelimit.TokenBucket(self.rate_limit)
        )

    def _login(self) -> str:
        raise NotImplementedError
