"""YouTube Live chat (Data API v3), read by polling ``liveChat/messages``.

Contract: ``shared/docs/live-comments.md``. The coordinator names the live (its link or
video id); ``videos?part=liveStreamingDetails`` gives its ``activeLiveChatId``. Each fetch
sends the stored ``nextPageToken``, waits what ``pollingIntervalMillis`` says (polling
faster is answered ``rateLimitExceeded``) and ends when ``offlineAt`` is set or the chat
answers ``liveChatEnded``. Only ``textMessageEvent`` items are comments;
``messageDeletedEvent`` becomes a ``DELETED`` event; YouTube has no edits. A page token the
API refuses is dropped: the next read starts from the chat's recent history and the caller's
store drops what it already has (what fell out of that history meanwhile is lost; the
docs say so).

Reading a public live's chat needs only an API key (``key=``); the quota is 10,000 units a
day per project and a read costs 5, about 100 minutes at one read every 3 seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import requests

from integrations import base, errors
from integrations.comments.base import (
    Author,
    Batch,
    ChatEvent,
    CommentSource,
    EventKind,
    LiveEnded,
    LiveVideo,
)

API = "/youtube/v3"
DEFAULT_WAIT = 5.0
MAX_RESULTS = 2000
ENDED_REASONS = {"liveChatEnded", "liveChatNotFound", "liveChatDisabled"}
BAD_TOKEN_REASONS = {"pageTokenInvalid", "invalidPageToken"}
_VIDEO_ID = re.compile(r"(?:v=|youtu\.be/|/live/|/shorts/|^)([A-Za-z0-9_-]{11})(?:[?&#/]|$)")


def video_id(ref: str) -> str | None:
    """The 11-character video id in a YouTube link or an id typed as is."""
    match = _VIDEO_ID.search(ref.strip())
    return match.group(1) if match else None


def parse_time(value: str) -> dt.datetime:
    """RFC 3339 (``2026-05-01T12:00:01.5Z``) in UTC."""
    moment = dt.datetime.fromisoformat(value)
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class YouTubeLiveSource(CommentSource):
    name = "youtube"
    title = "YouTube Live"
    config_schema = (
        base.ConfigField("api_key", "API key", secret=True, help="Google Cloud, YouTube Data API"),
        base.ConfigField(
            "api_base_url",
            "API address",
            required=False,
            default="https://www.googleapis.com",
        ),
    )

    def resolve_live(self, ref: str | None) -> LiveVideo:
        if not ref:
            raise errors.NotSupported("YouTube needs the live's link", reason="live_ref_needed")
        vid = video_id(ref)
        if vid is None:
            raise errors.ValidationFailed(
                "not a YouTube link or video id",
                fields={"ref": [errors.Problem("youtube_link", {}, "not a YouTube link")]},
                reason="bad_live_ref",
            )
        reply = self._get("/videos", {"part": "snippet,liveStreamingDetails", "id": vid})
        items = reply.get("items") or []
        if not items:
            raise errors.NotFound(f"no video {vid}", params={"video_id": vid})
        details = items[0].get("liveStreamingDetails") or {}
        chat = details.get("activeLiveChatId")
        if not chat:
            raise LiveEnded(f"video {vid} has no live chat now", params={"video_id": vid})
        started = details.get("actualStartTime")
        return LiveVideo(
            str(chat),
            str((items[0].get("snippet") or {}).get("title") or ""),
            f"https://www.youtube.com/watch?v={vid}",
            parse_time(str(started)) if started else None,
        )

    def fetch(self, live_id: str, cursor: str | None) -> Batch:
        state: dict[str, Any] = json.loads(cursor) if cursor else {}
        params: dict[str, Any] = {
            "liveChatId": live_id,
            "part": "id,snippet,authorDetails",
            "maxResults": MAX_RESULTS,
        }
        if state.get("page"):
            params["pageToken"] = state["page"]
        try:
            reply = self._get("/liveChat/messages", params)
        except errors.PermanentError as exc:
            if exc.code not in BAD_TOKEN_REASONS:
                raise
            return Batch((), json.dumps({"page": None}), 0.0)
        events: list[ChatEvent] = []
        ended = bool(reply.get("offlineAt"))
        for item in reply.get("items") or []:
            snippet = item.get("snippet") or {}
            kind = snippet.get("type")
            if kind == "textMessageEvent":
                author = item.get("authorDetails") or {}
                text = (snippet.get("textMessageDetails") or {}).get("messageText")
                events.append(
                    ChatEvent(
                        EventKind.COMMENT,
                        str(item["id"]),
                        str(text if text is not None else snippet.get("displayMessage") or ""),
                        Author(
                            str(author.get("channelId") or snippet.get("authorChannelId") or ""),
                            str(author.get("displayName") or ""),
                        ),
                        parse_time(str(snippet["publishedAt"])),
                    )
                )
            elif kind == "messageDeletedEvent":
                gone = (snippet.get("messageDeletedDetails") or {}).get("deletedMessageId")
                if gone:
                    events.append(ChatEvent(EventKind.DELETED, str(gone)))
            elif kind == "chatEndedEvent":
                ended = True
        wait = float(reply.get("pollingIntervalMillis") or DEFAULT_WAIT * 1000) / 1000
        page = reply.get("nextPageToken") or state.get("page")
        return Batch(tuple(events), json.dumps({"page": page}), wait, ended)

    def _get(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        query = {**params, "key": self.config["api_key"]}
        return self._read(self.client.send("GET", f"{API}{path}", params=query))

    def _read(self, response: requests.Response) -> dict[str, Any]:
        body = self.client.json(response)
        if response.status_code < 400:
            return body
        raise google_error(body.get("error"), response.status_code)


def google_error(problem: Any, status: int) -> errors.ChannelError:
    """A Google API error body (``{"error": {"code", "errors": [{"reason"}]}}``) typed."""
    problem = problem if isinstance(problem, Mapping) else {}
    reasons = [
        str(entry.get("reason") or "")
        for entry in problem.get("errors") or []
        if isinstance(entry, Mapping)
    ]
    reason = reasons[0] if reasons else f"http_{status}"
    message = str(problem.get("message") or f"YouTube refused (HTTP {status})")
    if reason in ENDED_REASONS:
        return LiveEnded(message, code=reason, status=status)
    if reason == "rateLimitExceeded":
        return errors.RateLimited(message, retry_after=DEFAULT_WAIT, code=reason, status=status)
    if reason in {"quotaExceeded", "dailyLimitExceeded"}:
        return errors.QuotaExceeded(message, retry_after=3600.0, code=reason, status=status)
    if status == 401 or reason in {"authError", "keyInvalid", "keyExpired"}:
        return errors.AuthExpired(message, code=reason, status=status)
    if status == 404:
        return errors.NotFound(message, code=reason, status=status)
    return errors.PermanentError(message, code=reason, status=status)
