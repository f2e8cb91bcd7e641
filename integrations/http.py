"""All marketplace HTTP goes through here: one shared ``requests.Session``, timeouts,
an optional rate limiter, and transport failures turned into typed errors.

The response body is the dialect's business (each marketplace signals errors
its own way), so ``HttpClient.send`` returns the response for any status but
5xx and 429.
"""

from __future__ import annotations

import email.utils
import functools
import re
import time
from collections.abc import Mapping
from typing import Any

import requests

from integrations import errors, ratelimit

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
USER_AGENT = "ocop-toolkit/1"


_QUERY = re.compile(r"\?[^\s'\"()]*")


def _describe(exc: BaseException) -> str:
    """The exception's text without query strings: signed marketplace URLs carry the access
    token and signature there, and this text ends up in logs and on the listing page."""
    return _QUERY.sub("?…", str(exc))


def _transport_error(exc: requests.RequestException, writes: bool) -> errors.TransientError:
    """A request that got no HTTP reply. Unless it never connected, a write may have
    happened remotely (sent, then no answer in time or the connection dropped)."""
    uncertain = writes
    if isinstance(exc, requests.ConnectTimeout):
        words, code, reason, uncertain = (
            "could not connect",
            "connect_timeout",
            "unreachable",
            False,
        )
    elif isinstance(exc, requests.Timeout):
        words, code, reason = "no reply in time", "timeout", "timeout"
    elif isinstance(exc, requests.ConnectionError):
        words, code, reason = "connection failed", "connection", "unreachable"
    else:
        words, code, reason = "request failed", "request", ""
    return errors.TransientError(
        f"{words}: {_describe(exc)}", uncertain=uncertain, code=code, reason=reason
    )


@functools.cache
def shared_session() -> requests.Session:
    """The one Session (connection pool) every adapter in this process uses."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=16, pool_maxsize=32, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


# A ``RateLimit-Reset`` above this is a moment (epoch seconds), below it a number of seconds.
EPOCH_THRESHOLD = 1_000_000_000


def reset_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a ``RateLimit-Reset`` header: seconds until the limit resets (the IETF draft), or
    the epoch second it resets at (what some servers send: TikTok sign servers are read that
    way by the libraries; which one they send is not confirmed)."""
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    if number >= EPOCH_THRESHOLD:
        number -= now if now is not None else time.time()
    return max(0.0, number)


class HttpClient:
    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        limiter: ratelimit.TokenBucket | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or shared_session()
        self.timeout = timeout
        self.limiter = limiter

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: bytes | Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        url: str | None = None,
    ) -> requests.Response:
        """Send one request. Raises TransientError / RateLimited for 5xx, 429 and network
        failures; any other response is returned for the dialect to read."""
        if self.limiter is not None:
            self.limiter.acquire()
        writes = method.upper() not in ("GET", "HEAD")
        target = url or f"{self.base_url}{path}"
        try:
            response = self.session.request(
                method,
                target,
                params=params,
                data=data,
                files=files,
                headers=dict(headers or {}),
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise _transport_error(exc, writes) from exc
        if response.status_code == 429:
            wait = (
                retry_after_seconds(response.headers.get("Retry-After"))
                or reset_seconds(response.headers.get("RateLimit-Reset"))
                or 1.0
            )
            if self.limiter is not None:
                self.limiter.pause(wait)
            raise errors.RateLimited(
                "rate limited (HTTP 429)", retry_after=wait, code="http_429", status=429
            )
        if response.status_code >= 500:
            raise errors.TransientError(
                f"marketplace server error HTTP {response.status_code}",
                uncertain=writes,
                status=response.status_code,
                code=f"http_{response.status_code}",
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                reason="server_error",
                params={"status": response.status_code},
            )
        return response

    def json(self, response: requests.Response) -> dict[str, Any]:
        """The JSON body, or a typed error if the marketplace sent something else."""
        body = self.any_json(response)
        if not isinstance(body, dict):
            raise errors.TransientError(
                "reply was not a JSON object", code="bad_json", reason="bad_reply"
            )
        return body

    @staticmethod
    def any_json(response: requests.Response) -> Any:
        """The JSON body whatever its type (some carriers answer a bare list), or a typed
        error when it is not JSON."""
        try:
            return response.json()
        except ValueError as exc:
            raise errors.TransientError(
                f"reply was not JSON (HTTP {response.status_code})",
                status=response.status_code,
                code="bad_json",
                reason="bad_reply",
                params={"status": response.status_code},
            ) from exc
