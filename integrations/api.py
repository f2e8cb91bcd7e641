"""The shared half of every marketplace with a signed JSON API (Shopee, TikTok Shop, Lazada).

``SignedJsonAdapter`` owns what these adapters have in common: the shared config fields
(the API, token and authorization addresses and the request rate), the HTTP client with its
rate limiter, the clock, the reply check (JSON or a typed error, an HTTP refusal without a
verdict in the body, the rate-limit pause) and the typed errors with their wording.

A marketplace module then holds only what differs: its signature, how a request is put
together (``call``), where its reply says "failed" (``answered`` and ``reply_error``), its
code tables, its token replies and its listing calls. docs/adding-a-marketplace.md walks
through a new one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import mimetypes
import os
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import requests

from integrations import base, errors, http, ratelimit

VN_UTC_OFFSET = 7 * 3600  # Vietnamese marketplaces roll daily quotas over at GMT+7 midnight
DEFAULT_RATE = "10"  # requests per second when a shop sets none
RATE_LIMIT_WAIT = 1.0  # when a marketplace asks us to slow down without saying for how long

# "retry after 30 seconds", "wait 5 more seconds", "5s", "2 sec"
_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:more\s+)?(?:s\b|sec|second)", re.IGNORECASE)

API_CAPABILITIES = frozenset(
    {
        base.Capability.CONNECT,
        base.Capability.UPLOAD_IMAGE,
        base.Capability.CREATE_LISTING,
        base.Capability.UPDATE_PRICE_STOCK,
        base.Capability.DEACTIVATE,
        base.Capability.FIND_BY_SKU,
    }
)

# The labels of the shared address fields (each marketplace gives its own default and help).
ADDRESS_LABELS = {
    "api_base_url": "API base URL",
    "auth_base_url": "Auth base URL",
    "authorize_url_base": "Authorization page host",
}
REQUESTS_PER_SECOND = base.ConfigField(
    "requests_per_second", "Requests per second", required=False, default=DEFAULT_RATE
)


def address(name: str, default: str, help: str, *, label: str = "") -> base.ConfigField:
    """One of the shared address fields (``api_base_url``, ``auth_base_url``,
    ``authorize_url_base``), optional, with this marketplace's default and help."""
    return base.ConfigField(
        name, label or ADDRESS_LABELS[name], required=False, default=default, help=help
    )


def credentials(
    key: str, key_label: str, secret: str, secret_label: str, key_help: str = ""
) -> tuple[base.ConfigField, base.ConfigField]:
    """The app's id (``app_key``, ``partner_id``…) and its signing secret (kept secret)."""
    return (
        base.ConfigField(key, key_label, help=key_help),
        base.ConfigField(secret, secret_label, secret=True),
    )


def schema(*fields: base.ConfigField) -> tuple[base.ConfigField, ...]:
    """A marketplace's config fields, then the shared ``requests_per_second``."""
    return (*fields, REQUESTS_PER_SECOND)


# --- time ----------------------------------------------------------------------------------
def utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def seconds_to_vn_midnight(now: float) -> float:
    """Seconds until the next midnight in Vietnam, when daily quotas start again."""
    local = now + VN_UTC_OFFSET
    return float(86400 - local % 86400)


def seconds_in(message: str) -> float | None:
    """A wait a marketplace names in its message ("try again in 30 seconds"), if any."""
    match = _SECONDS.search(message)
    return float(match.group(1)) if match else None


# --- typed errors --------------------------------------------------------------------------
class Fault(enum.Enum):
    """What a marketplace's error code means for us; ``fault`` turns it into a typed error."""

    RATE_LIMITED = enum.auto()
    QUOTA = enum.auto()
    AUTH = enum.auto()
    NOT_FOUND = enum.auto()
    TRANSIENT = enum.auto()
    CONTENT = enum.auto()
    REFUSED = enum.auto()


@dataclasses.dataclass(frozen=True)
class Codes:
    """A marketplace's in-body error codes by what they mean (anything else is its own)."""

    rate_limited: frozenset[str] = frozenset()
    quota: frozenset[str] = frozenset()
    auth: frozenset[str] = frozenset()
    not_found: frozenset[str] = frozenset()
    transient: frozenset[str] = frozenset()

    def fault(self, code: str) -> Fault | None:
        for kind, codes in (
            (Fault.RATE_LIMITED, self.rate_limited),
            (Fault.QUOTA, self.quota),
            (Fault.AUTH, self.auth),
            (Fault.NOT_FOUND, self.not_found),
            (Fault.TRANSIENT, self.transient),
        ):
            if code in codes:
                return kind
        return None


def fault(
    title: str,
    kind: Fault,
    said: str,
    *,
    code: str,
    status: int | None = None,
    write: bool = False,
    now: float | None = None,
    fields: Mapping[str, list[errors.Problem | str]] | None = None,
) -> errors.ChannelError:
    """The typed error for ``kind``, worded the same for every marketplace.

    ``said`` is the marketplace's own message; a wait it names is honoured, else a rate
    limit waits a second and a daily quota until Vietnam's midnight (from ``now``).
    """
    if kind is Fault.RATE_LIMITED:
        return errors.RateLimited(
            f"{title} asked us to slow down: {said}",
            retry_after=seconds_in(said) or RATE_LIMIT_WAIT,
            code=code,
            status=status,
        )
    if kind is Fault.QUOTA:
        wait = seconds_in(said) or seconds_to_vn_midnight(now if now is not None else time.time())
        return errors.QuotaExceeded(
            f"{title}: the shop's daily limit is used up: {said}",
            retry_after=wait,
            code=code,
            status=status,
        )
    if kind is Fault.AUTH:
        return errors.AuthExpired(f"{title} refused the token: {said}", code=code, status=status)
    if kind is Fault.NOT_FOUND:
        return errors.NotFound(f"{title} cannot find it: {said}", code=code, status=status)
    if kind is Fault.TRANSIENT:
        return errors.TransientError(
            f"{title} had a temporary problem: {said}", uncertain=write, code=code, status=status
        )
    if kind is Fault.CONTENT:
        return errors.ValidationFailed(
            f"{title} refused the listing content: {said}", fields=fields, code=code, status=status
        )
    return errors.PermanentError(
        f"{title} refused the request: {said}", code=code, status=status, params={"said": said}
    )


def checked(error: errors.ChannelError | None, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` when a reply check found no error, else raise it."""
    if error is not None:
        raise error
    return result


def http_refused(title: str, status: int, detail: str = "") -> errors.PermanentError:
    """A 4xx whose body carries no verdict of the marketplace: the HTTP status is the answer."""
    return errors.PermanentError(
        f"{title} answered HTTP {status}{detail}",
        status=status,
        code=f"http_{status}",
        reason="http_refused",
        params={"status": status},
    )


@dataclasses.dataclass(frozen=True)
class Call:
    """What a reply check may need to know about the call the reply answers."""

    write: bool  # the call may change something remotely (a lost reply leaves it uncertain)
    fields: Mapping[str, str] | None = None  # marketplace field → ours (content calls)
    seller_skus: Sequence[str] = ()  # the SKUs the call is about, to pin a refusal on one
    refreshing: bool = False  # a token refresh: a refused token means "reconnect"


# --- the adapter ---------------------------------------------------------------------------
class SignedJsonAdapter(base.Remote, base.ChannelAdapter):
    """A marketplace with a signed JSON API. Subclasses set ``name``, ``title``,
    ``config_schema`` (through ``schema``, with an ``api_base_url`` field), ``rules`` and
    implement ``answered``, ``reply_error``, the connect flow and the listing calls
    (docs/adding-a-marketplace.md)."""

    kind = base.Kind.API
    capabilities: ClassVar[frozenset[base.Capability]] = API_CAPABILITIES

    def new_client(self) -> http.HttpClient:
        rate = float(self.config["requests_per_second"] or DEFAULT_RATE)
        return http.HttpClient(self.api_root(), limiter=ratelimit.TokenBucket(rate))

    def api_root(self) -> str:
        """Where API calls go (the configured ``api_base_url`` unless a dialect trims it)."""
        return self.config["api_base_url"]

    # --- config ------------------------------------------------------------------------
    @classmethod
    def check_config(cls, config: Mapping[str, str]) -> dict[str, str]:
        """Required fields, then a positive request rate, http(s) addresses and whatever
        ``config_problems`` adds; every problem is reported at once."""
        out = super().check_config(config)
        problems = cls.config_problems(out)
        try:
            if float(out.get("requests_per_second") or DEFAULT_RATE) <= 0:
                raise ValueError
        except ValueError:
            problems["requests_per_second"] = [
                errors.Problem("positive_number", {}, "must be a positive number")
            ]
        for field in cls.config_schema:
            value = out[field.name]
            if field.is_address and value and urlsplit(value).scheme not in ("http", "https"):
                problems[field.name] = [errors.Problem("web_address", {}, "must be an http(s) URL")]
        if problems:
            raise errors.ValidationFailed(
                f"invalid {cls.title} configuration", fields=problems, reason="config_invalid"
            )
        return out

    @classmethod
    def config_problems(cls, config: Mapping[str, str]) -> dict[str, list[errors.Problem | str]]:
        """This marketplace's own checks of a filled-in config (none by default)."""
        return {}

    # --- connect -----------------------------------------------------------------------
    def config_url(self, field: str, path: str) -> str:
        """``path`` under the address configured in ``field`` (``auth_base_url``…)."""
        return f"{self.config[field].rstrip('/')}{path}"

    def authorize_page(self, path: str, query: Mapping[str, str]) -> str:
        """The page where the seller approves the app, under ``authorize_url_base``."""
        return f"{self.config_url('authorize_url_base', path)}?{urlencode(query)}"

    def callback_code(self, code: str, params: Mapping[str, str]) -> str:
        """The authorization code the marketplace sent back with the seller's browser."""
        code = code or str(params.get("code") or "")
        if not code:
            raise errors.PermanentError(
                f"{self.title} sent no authorization code", code="no_code", reason="bad_callback"
            )
        return code

    # --- images ------------------------------------------------------------------------
    def image_file(self, part: str, path: str) -> dict[str, tuple[str, bytes, str]]:
        """A local image as the multipart ``files`` of an upload: ``{part: (name, bytes,
        MIME type)}``; an unreadable file is a permanent ``image_unreadable``."""
        try:
            with open(path, "rb") as fh:
                content = fh.read()
        except OSError as exc:
            raise errors.PermanentError(
                f"cannot read the image {path}: {exc.strerror or exc}",
                code="image_unreadable",
                reason="image_unreadable",
            ) from exc
        filename = os.path.basename(path) or "image"
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return {part: (filename, content, mime)}

    def uploaded_images(self, draft: base.ListingDraft) -> list[str]:
        """The marketplace's ids of the draft's images; refused unless all are uploaded."""
        missing = [img.path for img in draft.images if not img.remote_id]
        if missing or not draft.images:
            problems: list[errors.Problem | str] = [
                errors.Problem("images_not_uploaded", {}, f"not uploaded: {p}") for p in missing
            ]
            raise errors.ValidationFailed(
                f"images must be uploaded to {self.title} first",
                fields={"images": problems or [errors.Problem("images_not_uploaded", {}, "none")]},
                code="image_not_uploaded",
            )
        return [img.remote_id for img in draft.images]

    # --- replies -----------------------------------------------------------------------
    def fault(
        self,
        kind: Fault,
        said: str,
        *,
        code: str,
        status: int | None = None,
        write: bool = False,
        fields: Mapping[str, list[errors.Problem | str]] | None = None,
    ) -> errors.ChannelError:
        return fault(
            self.title,
            kind,
            said,
            code=code,
            status=status,
            write=write,
            now=self.clock(),
            fields=fields,
        )

    def answered(self, body: Mapping[str, Any]) -> bool:
        """Whether ``body`` carries the marketplace's verdict (a result code, an error)."""
        raise NotImplementedError

    def reply_error(
        self, body: Mapping[str, Any], status: int, call: Call
    ) -> errors.ChannelError | None:
        """The typed error a reply carries, or None when it says the call worked."""
        raise NotImplementedError

    def reply_result(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """What a successful call returns to the adapter (the whole body by default)."""
        return dict(body)

    def read_json(self, response: requests.Response) -> dict[str, Any]:
        """The JSON object in the reply. A 4xx that is not JSON is a refusal (retrying will
        not help); anything else that is not JSON is a transient ``bad_reply``."""
        try:
            return self.client.json(response)
        except errors.TransientError:
            if 400 <= response.status_code < 500:
                raise http_refused(
                    self.title, response.status_code, " without a JSON body"
                ) from None
            raise

    def read_reply(self, response: requests.Response, call: Call) -> dict[str, Any]:
        """Check one reply: JSON, then the HTTP status when the body has no verdict, then
        the marketplace's verdict. A rate limit also holds this shop's other callers."""
        body = self.read_json(response)
        status = response.status_code
        if status >= 400 and not self.answered(body):
            raise http_refused(self.title, status)
        error = self.reply_error(body, status, call)
        if error is None:
            return self.reply_result(body)
        if isinstance(error, errors.RateLimited) and not isinstance(error, errors.QuotaExceeded):
            self.pause(error.retry_after)
        raise error

    def pause(self, seconds: float) -> None:
        """The marketplace said slow down: hold every call to this shop for ``seconds``."""
        if self.client.limiter is not None:
            self.client.limiter.pause(seconds)

    def product_page(self, item_id: str, live_url: str) -> str:
        """A listing's link: the sandbox's page when connected to one, else ``live_url``."""
        return base.product_page(self.config["api_base_url"], item_id, live_url)
