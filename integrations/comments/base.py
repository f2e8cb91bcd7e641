"""The comment-source contract: a livestream's comments, read as they come.

Like the marketplace adapters (``integrations.base``): class-level metadata (name, title,
config schema with secrets marked, capabilities), one module per platform, a registry that
imports a module only when asked, typed errors from ``integrations.errors``, HTTP through
``integrations.http``. A source holds no database handle and keeps no state between calls (a push
source, TikTok, keeps its open connection on the instance; ``close`` ends it):

- ``resolve_live(ref)`` finds the live to read (the Page's current live on Facebook; the
  video a coordinator names on YouTube);
- ``fetch(live_id, cursor)`` returns the next ``Batch``: events (new comments, edits,
  deletions) oldest first, the cursor to hand back next time and how long to wait first.

The caller stores a batch's events, *then* its cursor (in one transaction): after a crash
or a dropped connection the next ``fetch`` with the stored cursor gives again what was not
stored, and nothing stored is lost. Overlapping reads are normal (Facebook's ``since`` has
one-second steps), so the caller's store dedupes on ``(platform, live_id, comment_id)``;
the cursor carries the ids seen in the overlap so a source repeats as little as it can.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import enum
from typing import ClassVar

from integrations import base, errors


class Capability(enum.StrEnum):
    FIND_CURRENT_LIVE = "find_current_live"  # resolve_live(None): the account's live now
    PRIVATE_REPLY = "private_reply"  # reply_privately(comment_id, text)
    CONNECT = "connect"  # a consent flow (authorize_url / connect)


class EventKind(enum.StrEnum):
    COMMENT = "comment"
    EDITED = "edited"  # the same comment id, new text
    DELETED = "deleted"  # the comment was removed (by its author or a moderator)


@dataclasses.dataclass(frozen=True)
class Author:
    """Who wrote a comment: the platform's id for them (a page-scoped id on Facebook, a
    channel id on YouTube) and the name they show."""

    id: str
    name: str


@dataclasses.dataclass(frozen=True)
class ChatEvent:
    """A new comment, a comment's new text, or a comment removed (then only its id)."""

    kind: EventKind
    comment_id: str
    text: str = ""
    author: Author | None = None
    created_at: dt.datetime | None = None  # UTC
    can_reply_privately: bool = False


@dataclasses.dataclass(frozen=True)
class LiveVideo:
    live_id: str  # what fetch() reads (Facebook: the live video; YouTube: its live chat)
    title: str = ""
    url: str = ""
    started_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Batch:
    events: tuple[ChatEvent, ...]
    cursor: str  # opaque; store it after the events, hand it back to the next fetch
    wait: float  # seconds to wait before the next fetch (the platform's pace)
    ended: bool = False  # the live is over: stop reading
    # Times the source lost its stream before this batch and could not read back what was
    # said meanwhile (TikTok's push connection has no replay): comments may be missing.
    gaps: int = 0


@dataclasses.dataclass(frozen=True)
class Page:
    """A Facebook Page (or a channel) the connected person may read lives of."""

    page_id: str
    name: str
    access_token: str


class LiveEnded(errors.PermanentError):
    """The live is over, or its chat is gone: stop, do not retry."""

    default_reason = "live_ended"


class NoLiveNow(errors.NotFound):
    """The account has no live running now (it may start later)."""

    default_reason = "no_live_now"


class CommentSource(base.Remote, abc.ABC):
    """One platform's live comments. Build one per connected account and call it."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    @abc.abstractmethod
    def resolve_live(self, ref: str | None) -> LiveVideo:
        """The live to read: ``ref`` names it (an id or a link), or None for the account's
        live now (``NoLiveNow`` when there is none; ``LiveEnded`` when ``ref`` is over)."""

    @abc.abstractmethod
    def fetch(self, live_id: str, cursor: str | None) -> Batch:
        """The events after ``cursor`` (None: from the start of the live)."""

    def close(self) -> None:
        """Release what the source holds open between fetches (a push connection)."""

    def reply_privately(self, comment_id: str, text: str) -> str:
        """Send ``text`` privately to the comment's author; the platform's message id."""
        raise errors.NotSupported(f"{self.name} has no private reply", reason="no_private_reply")
