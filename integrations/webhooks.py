"""Receiving webhooks: the refusals and checks every webhook reader shares (payment services,
messaging channels). A reader checks a call as received (the raw body, before any JSON
parsing) and raises ``WebhookRejected`` with a reason code: ``bad_signature`` (a missing or
wrong signature, key or token), ``stale_timestamp`` (a signed time further from now than the
allowed drift: a replay or a clock far off) or ``malformed_body``; the caller answers 4xx
and stores nothing."""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Mapping
from typing import Any

from integrations import errors


class WebhookRejected(errors.PermanentError):
    """A webhook call this source refuses; ``reason`` says why (answer 401/400, store nothing)."""

    default_reason = "webhook_rejected"


class BadSignature(WebhookRejected):
    """Missing or wrong signature, API key or token."""

    default_reason = "bad_signature"


class StaleTimestamp(WebhookRejected):
    """The signed timestamp is further from now than the allowed drift (a replay, or a clock
    far off); ``params``: ``drift_seconds``, ``allowed_seconds``."""

    default_reason = "stale_timestamp"


class MalformedBody(WebhookRejected):
    """The body is not what the service sends (not JSON, a field missing or of the wrong
    type); ``params``: ``field`` when one is to blame."""

    default_reason = "malformed_body"


def header(headers: Mapping[str, str], name: str) -> str:
    """``headers[name]`` compared case-insensitively (HTTP header names are), or ``""``."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value.strip()
    return ""


def hmac_hex(algorithm: str, key: str, message: str | bytes) -> str:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(key.encode(), data, algorithm).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a received signature or key with the expected one."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def require_match(given: str, expected: str, code: str) -> None:
    """``BadSignature`` (with ``code``: ``bad_signature``, ``bad_api_key``…) unless they match."""
    if not same_secret(given, expected):
        raise BadSignature(f"{code.removeprefix('bad_')} does not match", code=code)


def check_drift(signed_at: float, now: dt.datetime, allowed: float) -> None:
    """Refuse a signed timestamp (Unix seconds) more than ``allowed`` seconds from ``now``."""
    drift = abs(now.timestamp() - signed_at)
    if drift > allowed:
        raise StaleTimestamp(
            f"timestamp {drift:.0f} s from now (allowed {allowed:.0f} s)",
            code="timestamp_drift",
            params={"drift_seconds": int(drift), "allowed_seconds": int(allowed)},
        )


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or ``MalformedBody``."""
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedBody("body is not JSON", code="not_json") from exc
    if not isinstance(parsed, dict):
        raise MalformedBody("body is not a JSON object", code="not_object")
    return parsed
