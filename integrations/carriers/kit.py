"""What the carrier adapters share: the idempotent booking loop, the carrier's refusals as
typed errors, times as UTC.

The booking loop (``book_idempotently``): create; after a reply that may have been lost
(``TransientError(uncertain=True)``), or when the carrier refuses the reference as already
used, look the parcel up by our reference and return it with ``created=False``; after a
failure that did nothing (a 5xx before the write, a 429) try again, at most ``attempts``
times. A retried booking never makes a second parcel.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import requests

from integrations import errors, http, ratelimit
from integrations.carriers import base
from vietnam.zone import VIETNAM

ATTEMPTS = 6
# Calls go out at this share of the carrier's rate: a server counting a sliding one-second
# window sees requests with some jitter, and the bucket's own 3 % margin is too thin for it
# on a busy machine (one 429 costs a second).
PACING = 0.9
BACKOFF_SECONDS = 0.2  # doubled per failed attempt, at most MAX_BACKOFF_SECONDS
MAX_BACKOFF_SECONDS = 3.0


class PacedCarrier(base.Carrier, abc.ABC):
    """A carrier with every capability GHN and GHTK have, whose client keeps under the
    carrier's ``rate_limit`` (see ``PACING``)."""

    capabilities: ClassVar[frozenset[base.Capability]] = frozenset(
        {
            base.Capability.QUOTE,
            base.Capability.LABEL_PDF,
            base.Capability.CANCEL,
            base.Capability.WEBHOOK,
            base.Capability.POLL,
            base.Capability.FIND_BY_REFERENCE,
        }
    )

    def new_client(self) -> http.HttpClient:
        return paced_client(self.config["api_base_url"], self.rate_limit)


class ReferenceTaken(errors.ValidationFailed):
    """The carrier refused a create because our reference is already used: the parcel
    exists (``book`` finds it)."""

    default_reason = "reference_taken"


def book_idempotently(
    create: Callable[[], base.Booking],
    find: Callable[[], base.Booking | None],
    *,
    probe_refusals: bool = False,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> base.Booking:
    """``create()`` until it answers, never making a second parcel (see the module doc).
    ``probe_refusals``: also look the reference up after any refusal (for a carrier whose
    "already used" refusal cannot be told from others), re-raising it when nothing is found."""
    last: errors.ChannelError | None = None
    for attempt in range(attempts):
        if attempt:
            sleep(min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1)))
        try:
            return create()
        except ReferenceTaken as exc:
            found = _look_up(find)
            if found is not None:
                return found
            last = exc  # taken, yet not found (yet): the look-up is retried with the create
        except errors.ValidationFailed:
            if probe_refusals and (found := _look_up(find)) is not None:
                return found
            raise
        except errors.RateLimited as exc:
            last = exc
            sleep(exc.retry_after)
        except errors.TransientError as exc:
            last = exc
            if exc.uncertain and (found := _look_up(find)) is not None:
                return found
    assert last is not None
    raise last


def paced_client(base_url: str, rate: float) -> http.HttpClient:
    """The adapter's HTTP client, kept under the carrier's ``rate`` calls per second."""
    return http.HttpClient(base_url, limiter=ratelimit.TokenBucket(rate, margin=PACING))


def _look_up(find: Callable[[], base.Booking | None]) -> base.Booking | None:
    """``find()``, None when the look-up itself failed for a passing reason."""
    try:
        found = find()
    except (errors.TransientError, errors.RateLimited):
        return None
    return None if found is None else dataclasses.replace(found, created=False)


def credentials_refused(carrier: str, response: requests.Response) -> errors.PermanentError:
    return errors.PermanentError(
        f"{carrier} refused the credentials",
        code=f"http_{response.status_code}",
        status=response.status_code,
        reason="credentials_refused",
    )


def refused(
    carrier: str, code: str, message: str, *, status: int | None = None, reason: str = ""
) -> errors.ValidationFailed:
    """The carrier refused a call: its code, its own words kept for logs (``Problem.message``),
    a reason code of ours for the app."""
    why = reason or "carrier_refused"
    problem = errors.Problem(why, {"code": code}, message)
    return errors.ValidationFailed(
        f"{carrier} refused the call: {code}",
        code=code,
        status=status,
        reason=why,
        fields={"request": [problem]},
    )


def parse_time(value: object) -> dt.datetime | None:
    """An ISO 8601 time (``2021-11-11T03:52:50.158Z``, ``2016-11-02T12:18:39+07:00``) or a
    ``YYYY-MM-DD HH:MM:SS`` Vietnam local time, as UTC; None when empty or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(dt.UTC)


def event_key(*parts: str, when: dt.datetime) -> str:
    """A carrier's dedupe key for one update: its parts and the time as UTC ISO (so a poll and
    the webhook for the same move share the key whatever time format each shows)."""
    return "|".join((*parts, when.astimezone(dt.UTC).isoformat()))


def utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def integer(value: object, default: int = 0) -> int:
    """A carrier's number (an int, a float or digits as text: GHTK sends fees as text)."""
    if isinstance(value, bool):
        return default
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value.strip()))
        except ValueError:
            return default
    return default


def mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
