"""The message-channel contract: one message to one buyer, on Zalo or Messenger.

Like the marketplace adapters (``integrations.base``): class-level metadata (name, title,
config schema with secrets marked, capabilities), one module per channel, a registry that
imports a module only when asked, typed errors, HTTP through ``integrations.http``. A
channel holds no database handle; what it must remember between calls (the OAuth pair) it
reads from and hands back to a ``TokenStore`` the caller gives it.

- ``send(recipient, message)`` sends one message and returns ``Sent`` (the channel's message
  id, its cost in đồng when known, the daily quota left when the channel says it); every
  refusal is a typed error with a ``reason`` code (below) and ``params``.
- The text of a message is the caller's (already in the buyer's language); template
  messages (ZNS) carry parameter values, checked here against the template's types.

Reasons raised here besides the common ones of ``integrations.errors`` (``rate_limited``,
``server_error``…): ``recipient_unknown``, ``user_id_missing``, ``phone_invalid``,
``text_missing``, ``text_too_long`` (params ``max``, ``length``), ``outside_window`` (params
``hours``), ``template_missing``, ``template_not_approved``, ``template_params`` (per
parameter problems in ``fields``), ``token_expired``, ``refresh_token_used``,
``reconnect_needed``, ``connect_failed``, ``not_connected``, ``quota_exceeded``, ``blocked``,
``not_follower``, ``feature_missing``; webhooks: ``integrations.webhooks``' refusals
(``bad_signature``, ``stale_timestamp``, ``malformed_body``), shared with the payment services.

Token expiry: a channel whose tokens expire (Zalo) refreshes **once** and retries **once**.
Zalo's refresh token is single use, so the new pair is saved through
``TokenStore.save(new, replacing=old)`` *before* the retry: even if the retried send fails,
the pair that now works is stored. Refreshes run inside ``TokenStore.refreshing()`` (one
worker at a time per account): a worker that finds a newer pair there uses it. Should two
refresh anyway, the loser's refresh token is refused (``-14020``); it reloads the store and
uses the winner's pair if one was saved, else it is ``refresh_token_used``.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import datetime as dt
import enum
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol, TypeVar

from integrations import base, errors, http

T = TypeVar("T")


class Capability(enum.StrEnum):
    FREE_TEXT = "free_text"  # the caller's text (OA customer-service, Messenger)
    TEMPLATE = "template"  # an approved template and its parameters (ZNS)
    BY_PHONE = "by_phone"  # reaches a buyer by phone number (ZNS)
    BY_USER_ID = "by_user_id"  # needs the channel's id of the buyer (Zalo user id, PSID)
    ORDER_UPDATE_TAG = "order_update_tag"  # order news may go outside the window (Messenger)
    COST = "cost"  # each message is paid (ZNS): Sent.cost when the template has a price
    DELIVERY_STATUS = "delivery_status"  # delivery callbacks carrying our tracking id
    INBOUND = "inbound"  # buyers' own messages arrive by webhook (opt-outs)
    CONNECT = "connect"  # an OAuth consent flow


MAX_LENGTH: Mapping[str, int] = {"name": 30, "phone": 15, "address": 200, "code": 30, "amount": 20}
"""ZNS template parameter types and each one's longest value."""


@dataclasses.dataclass(frozen=True)
class TemplateParam:
    name: str  # as in the template: ``customer_name``
    type: str  # a key of ``MAX_LENGTH``


@dataclasses.dataclass(frozen=True)
class Template:
    """An approved template as a club registers it: its id at the channel, its parameters
    and types, and what one delivered message costs (đồng, from the OA's price list; 0 when
    not known). ``as_dict``/``from_dict`` give the JSON the app stores per club."""

    template_id: str
    params: tuple[TemplateParam, ...]
    name: str = ""
    price: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "template_id": self.template_id,
            "name": self.name,
            "price": self.price,
            "params": [{"name": p.name, "type": p.type} for p in self.params],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Template:
        """A template from its stored JSON; an unknown type is a ``ValidationFailed``."""
        params: list[TemplateParam] = []
        problems: dict[str, list[errors.Problem | str]] = {}
        for item in data.get("params") or []:
            name, kind = str(item.get("name") or ""), str(item.get("type") or "")
            if kind in MAX_LENGTH:
                params.append(TemplateParam(name, kind))
            else:
                problems[name] = [errors.Problem("param_type_unknown", {"type": kind})]
        if problems:
            raise errors.ValidationFailed(
                "unknown parameter type", fields=problems, reason="template_params"
            )
        return cls(
            str(data.get("template_id") or ""),
            tuple(params),
            str(data.get("name") or ""),
            int(data.get("price") or 0),
        )

    def problems(self, values: Mapping[str, str]) -> dict[str, list[errors.Problem | str]]:
        """Each parameter's problems with ``values``: missing, too long for its type, or
        not a parameter of this template. Empty when all is well."""
        out: dict[str, list[errors.Problem | str]] = {}
        known = {p.name for p in self.params}
        for param in self.params:
            value = values.get(param.name)
            limit = MAX_LENGTH[param.type]
            if value is None or not str(value).strip():
                out[param.name] = [errors.Problem("param_missing", {}, "missing")]
            elif len(str(value)) > limit:
                out[param.name] = [
                    errors.Problem(
                        "param_too_long",
                        {"max": limit, "type": param.type, "length": len(str(value))},
                        f"longer than {limit} characters",
                    )
                ]
        for name in values:
            if name not in known:
                out[name] = [errors.Problem("param_unknown", {}, "not in the template")]
        return out


@dataclasses.dataclass(frozen=True)
class Recipient:
    """A buyer as the caller knows them: a phone number (any common form) and/or the
    channel's id for them; ``last_interaction_at`` is when they last wrote to the club's
    account (UTC), if the caller knows, for the channel's window."""

    phone: str = ""
    user_id: str = ""
    last_interaction_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Outgoing:
    """One message: ``text`` (free-text channels) or ``template`` with ``params`` (ZNS).

    ``tracking_id`` is the caller's id for this message, echoed by delivery callbacks (ZNS);
    ``order_update`` says the message is news about the buyer's own order, which Messenger
    lets through outside its window (tag ``POST_PURCHASE_UPDATE``)."""

    text: str = ""
    template: Template | None = None
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)
    tracking_id: str = ""
    order_update: bool = False


@dataclasses.dataclass(frozen=True)
class Sent:
    message_id: str
    cost: int | None = None  # đồng, when the channel charges and the price is known
    quota_left: int | None = None  # messages left today, when the channel says
    daily_quota: int | None = None


class EventKind(enum.StrEnum):
    TEXT = "text"  # a buyer wrote to the account
    OPT_OUT = "opt_out"  # a buyer asked to get no more messages
    DELIVERED = "delivered"  # a message of ours reached the buyer's phone


@dataclasses.dataclass(frozen=True)
class InboundEvent:
    """One webhook event. ``key`` is unique per event (the channel's message id): the
    caller's store dedupes on it, since channels resend webhooks."""

    kind: EventKind
    key: str
    user_id: str = ""
    text: str = ""
    message_id: str = ""  # DELIVERED: our message's id at the channel
    tracking_id: str = ""  # DELIVERED: the tracking id we sent
    at: dt.datetime | None = None  # UTC


# --- errors ----------------------------------------------------------------------------------


class RecipientUnknown(errors.PermanentError):
    """No such buyer on the channel (ZNS: no Zalo account on that phone, ``-118``)."""

    default_reason = "recipient_unknown"


class OutsideWindow(errors.PermanentError):
    """The channel allows free messages only within ``params["hours"]`` of the buyer's last
    message to the account (Zalo OA 48 h, Messenger 24 h)."""

    default_reason = "outside_window"


class Blocked(errors.PermanentError):
    """The buyer blocked the account, unfollowed it (``not_follower``) or refused messages."""

    default_reason = "blocked"


class TemplateRefused(errors.ValidationFailed):
    """The template is not approved (``template_not_approved``) or the values do not fit
    it (``template_params``, per parameter problems in ``fields``)."""

    default_reason = "template_params"


class TokenExpired(errors.AuthExpired):
    """The access token is expired or revoked; a channel that can refresh does so once."""

    default_reason = "token_expired"


class RefreshRefused(errors.AuthExpired):
    """The refresh token was refused: already used (``refresh_token_used``) or expired.
    The account has to be connected again unless another worker saved a new pair."""

    default_reason = "refresh_token_used"


# --- rules -----------------------------------------------------------------------------------


def window_open(last_interaction_at: dt.datetime | None, now: dt.datetime, hours: int) -> bool:
    """Whether a buyer who last wrote at ``last_interaction_at`` may get a free message at
    ``now`` (both UTC): less than ``hours`` later (a time ahead of ``now``, clocks apart, is
    inside). Unknown → True (the channel decides)."""
    if last_interaction_at is None:
        return True
    return now - last_interaction_at < dt.timedelta(hours=hours)


OPT_OUT_PHRASES = frozenset(
    {
        "stop",
        "huy",
        "hủy",
        "huỷ",
        "dừng",
        "hủy đăng ký",
        "huỷ đăng ký",
        "huy dang ky",
        "dừng nhận tin",
        "dung nhan tin",
        "unsubscribe",
    }
)
"""Whole messages that ask for no more messages. Unaccented ``dung`` is left out: it is also
``đúng`` ("yes, right") without its marks."""

_EDGE = " \t\r\n.!?,;:-_\"'()[]"


def is_opt_out(text: str) -> bool:
    """Whether a buyer's message asks to stop messages (``STOP``, ``HUY``, ``Dừng!``…)."""
    words = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return words.strip(_EDGE) in OPT_OUT_PHRASES


def from_millis(value: Any) -> dt.datetime | None:
    """A webhook's epoch milliseconds (a number or its text) as UTC; None if unreadable."""
    try:
        return dt.datetime.fromtimestamp(int(str(value)) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def text_event(key: str, user_id: str, text: str, at: dt.datetime | None) -> InboundEvent:
    """A buyer's message as an event: ``OPT_OUT`` when it asks to stop, else ``TEXT``."""
    kind = EventKind.OPT_OUT if is_opt_out(text) else EventKind.TEXT
    return InboundEvent(kind, key, user_id=user_id, text=text, at=at)


# --- tokens ----------------------------------------------------------------------------------


class TokenStore(Protocol):
    """Where the caller keeps a channel account's OAuth pair."""

    def load(self) -> base.Tokens:
        """The pair stored now (read again each time: another worker may have refreshed)."""

    def save(self, new: base.Tokens, *, replacing: base.Tokens) -> None:
        """Store ``new`` in place of ``replacing``, access and refresh token together in
        one transaction (the old refresh token no longer works once ``new`` exists)."""

    def refreshing(self) -> contextlib.AbstractContextManager[object]:
        """Held while a refresh runs, so one worker at a time refreshes this account (a
        row lock, an advisory lock, a cache lock); ``load`` inside it sees what the worker
        before saved."""


@dataclasses.dataclass
class HeldTokens:
    """A ``TokenStore`` in memory (a script, a test, the demo); threads share it safely."""

    tokens: base.Tokens
    saved: int = 0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)

    def load(self) -> base.Tokens:
        return self.tokens

    def save(self, new: base.Tokens, *, replacing: base.Tokens) -> None:
        self.tokens = new
        self.saved += 1

    def refreshing(self) -> contextlib.AbstractContextManager[object]:
        return self.lock


class MessageChannel(base.Remote, abc.ABC):
    """One channel account of a club (a Zalo OA, a Facebook Page). Build one per account
    and call ``send``."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    window_hours: ClassVar[int] = 0  # free messages only this long after the buyer's; 0: none
    text_max: ClassVar[int] = 2000  # characters of a free-text message

    def __init__(
        self,
        config: Mapping[str, str],
        *,
        tokens: TokenStore | None = None,
        client: http.HttpClient | None = None,
        clock: base.Clock = time.time,
    ) -> None:
        super().__init__(config, client=client, clock=clock)
        self.tokens = tokens

    @abc.abstractmethod
    def send(self, recipient: Recipient, message: Outgoing) -> Sent:
        """Send ``message`` to ``recipient``; typed errors say why not."""

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), tz=dt.UTC)

    def check_free_text(self, recipient: Recipient, message: Outgoing) -> None:
        """What a free-text message needs: the buyer's id at the channel (``user_id_missing``),
        a text (``text_missing``) no longer than ``text_max`` (``text_too_long``) and, when
        the caller knows, a buyer inside the window (``outside_window``)."""
        if not recipient.user_id:
            raise RecipientUnknown("no id of the buyer at the channel", reason="user_id_missing")
        if not message.text.strip():
            raise errors.ValidationFailed("no text", reason="text_missing")
        if len(message.text) > self.text_max:
            raise errors.ValidationFailed(
                f"text longer than {self.text_max} characters",
                reason="text_too_long",
                params={"max": self.text_max, "length": len(message.text)},
            )

    def check_window(self, recipient: Recipient) -> None:
        """``OutsideWindow`` when the caller knows the buyer's last message is too old."""
        if self.window_hours and not window_open(
            recipient.last_interaction_at, self.now(), self.window_hours
        ):
            raise OutsideWindow(
                f"last message from the buyer is older than {self.window_hours} h",
                params={"hours": self.window_hours},
            )

    # --- tokens that expire ----------------------------------------------------------------
    def refresh(self, refresh_token: str) -> base.Tokens:
        """A new pair for ``refresh_token`` (``RefreshRefused`` when refused)."""
        raise errors.NotSupported(f"{self.name} has no refresh", reason="not_supported")

    def with_access(self, call: Callable[[str], T]) -> T:
        """``call(access_token)``; on ``TokenExpired`` refresh once, save, retry once."""
        store = self._store()
        held = store.load()
        try:
            return call(held.access_token)
        except TokenExpired:
            renewed = self._renew(store, held)
        return call(renewed.access_token)

    def _renew(self, store: TokenStore, held: base.Tokens) -> base.Tokens:
        """The pair to retry with: the one another worker saved since ``held`` was read,
        else a refreshed one, saved before it is used."""
        with store.refreshing():
            current = store.load()
            if current.access_token != held.access_token:
                return current  # refreshed meanwhile by another worker
            try:
                new = self.refresh(current.refresh_token)
            except RefreshRefused:
                again = store.load()
                if again.refresh_token != current.refresh_token:
                    return again  # a worker outside the lock refreshed and saved first
                raise
            store.save(new, replacing=current)
            return new

    def _store(self) -> TokenStore:
        if self.tokens is None:
            raise errors.AuthExpired(f"{self.name} is not connected", reason="not_connected")
        return self.tokens
