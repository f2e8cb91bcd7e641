"""Typed errors every adapter raises; the app maps each to a listing state and plain words.

Nothing here is shown to a person as is. Every error carries:

- ``reason``: a stable code of ours (``server_error``, ``rate_limited``, ``images_count``…)
  that the app renders through its translation catalogue, with ``params`` (JSON-safe values:
  numbers, short strings) filling the sentence;
- ``code``: the marketplace's own error code (``error_param``, ``36009004``, ``http_500``),
  kept for logs and support, never shown;
- ``message``: an English sentence for logs only.

Field problems (``ValidationFailed.fields``) are ``Problem`` values (a code and params) when
this library found them, or plain strings when they are the marketplace's own words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack


@dataclasses.dataclass(frozen=True)
class Problem:
    """One problem with one field: a stable code and its parameters (``message``: logs only)."""

    code: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    message: str = ""

    def __str__(self) -> str:
        return self.message or self.code

    def as_dict(self) -> dict[str, Any]:
        """The JSON form the app stores: ``{"code": …, "params": {…}}``."""
        return {"code": self.code, "params": dict(self.params)}


FieldProblems = dict[str, list[Problem | str]]


class Details(TypedDict, total=False):
    """What every error may carry besides its message (see ``ChannelError``)."""

    code: str
    status: int | None
    reason: str
    params: Mapping[str, Any] | None


class ChannelError(Exception):
    """Base of everything an adapter raises about the remote marketplace."""

    retryable: bool = False
    default_reason: str = "refused"

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        reason: str = "",
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.reason = reason or self.default_reason
        self.params: dict[str, Any] = dict(params or {})


class AuthExpired(ChannelError):
    """The access token is expired or revoked: refresh it, or reconnect the channel."""

    default_reason = "auth_expired"


class RateLimited(ChannelError):
    """Too many calls; wait ``retry_after`` seconds (HTTP 429 or an in-body limit code)."""

    retryable = True
    default_reason = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float = 1.0,
        **details: Unpack[Details],
    ) -> None:
        super().__init__(message, **details)
        self.retry_after = max(0.0, float(retry_after))


class QuotaExceeded(RateLimited):
    """A daily quota (e.g. listings created per day) is used up until ``retry_after``."""

    default_reason = "quota_exceeded"


class ValidationFailed(ChannelError):
    """The marketplace (or this library) refused the content; ``fields`` maps a field to its
    problems (``Problem`` values, or the marketplace's own words as strings).

    Never retried as is: the seller has to change something.
    """

    default_reason = "content_refused"

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, list[Problem | str]] | None = None,
        **details: Unpack[Details],
    ) -> None:
        super().__init__(message, **details)
        self.fields: FieldProblems = {k: list(v) for k, v in (fields or {}).items()}


class TransientError(ChannelError):
    """A 5xx, a timeout or a dropped connection: worth retrying.

    ``uncertain`` is set when the request may have taken effect remotely (the
    reply was lost after the request was sent), so a create must be followed by
    a look-up by SKU before it is tried again.
    """

    retryable = True
    default_reason = "unavailable"

    def __init__(
        self,
        message: str,
        *,
        uncertain: bool = False,
        retry_after: float | None = None,
        **details: Unpack[Details],
    ) -> None:
        super().__init__(message, **details)
        self.uncertain = uncertain
        self.retry_after = retry_after


class PermanentError(ChannelError):
    """Refused for a reason retrying will not fix (bad credentials, removed item, unknown shop)."""


class NotFound(PermanentError):
    """The remote object does not exist (any more)."""

    default_reason = "not_found"


class NotSupported(ChannelError):
    """This channel cannot do that (e.g. a listing-pack channel has no API)."""

    default_reason = "not_supported"
