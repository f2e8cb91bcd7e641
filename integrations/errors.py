"""Typed errors every adapter raises; the app maps each to a listing state and plain words."""

from __future__ import annotations


class ChannelError(Exception):
    """Base of everything an adapter raises about the remote marketplace."""

    retryable: bool = False

    def __init__(self, message: str, *, code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class AuthExpired(ChannelError):
    """The access token is expired or revoked: refresh it, or reconnect the channel."""


class RateLimited(ChannelError):
    """Too many calls; wait ``retry_after`` seconds (HTTP 429 or an in-body limit code)."""

    retryable = True

    def __init__(
        self, message: str, *, retry_after: float = 1.0, code: str = "", status: int | None = None
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.retry_after = max(0.0, float(retry_after))


class QuotaExceeded(RateLimited):
    """A daily quota (e.g. listings created per day) is used up until ``retry_after``."""


class ValidationFailed(ChannelError):
    """The marketplace refused the content; ``fields`` maps a field to its messages.

    Never retried as is: the seller has to change something.
    """

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.fields = fields or {}


class TransientError(ChannelError):
    """A 5xx, a timeout or a dropped connection: worth retrying.

    ``uncertain`` is set when the request may have taken effect remotely (the
    reply was lost after the request was sent), so a create must be followed by
    a look-up by SKU before it is tried again.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        uncertain: bool = False,
        code: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.uncertain = uncertain
        self.retry_after = retry_after


class PermanentError(ChannelError):
    """Refused for a reason retrying will not fix (bad credentials, removed item, unknown shop)."""


class NotFound(PermanentError):
    """The remote object does not exist (any more)."""


class NotSupported(ChannelError):
    """This channel cannot do that (e.g. a listing-pack channel has no API)."""
