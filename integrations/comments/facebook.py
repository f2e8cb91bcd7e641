"""Facebook Live comments of a Page (Graph API), read by polling; private replies.

Contract: ``shared/docs/live-comments.md``. Polling is the source of truth (the streaming
endpoint has no delivery guarantee): ``GET /{live-video-id}/comments`` with
``filter=stream&order=chronological&live_filter=no_filter&since=<last created − 5 s>``,
following ``paging.next`` to the end; again after half a second while comments come, slowing
to every three seconds while the chat is quiet (``pace``). ``since`` has one-second steps,
so each poll reads the last seconds again; the cursor keeps the ids (and a short digest of
the text) seen in that overlap, which drops the repeats and shows an edit made meanwhile as
``EDITED``. A comment deleted is simply no longer listed: Facebook polling cannot tell it
apart from one outside the window, so this source reports no deletions.

Connecting: the Page's admin goes through Facebook's consent dialog (``authorize_url``);
``connect`` trades the code for the person's token and lists the Pages they manage with each
Page's own token (``GET /me/accounts``); the app stores the chosen Page's id and token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from integrations import base, errors
from integrations.comments.base import (
    Author,
    Batch,
    Capability,
    ChatEvent,
    CommentSource,
    EventKind,
    LiveEnded,
    LiveVideo,
    NoLiveNow,
    Page,
)

VERSION = "v26.0"
SCOPES = "pages_show_list,pages_read_engagement,pages_read_user_content,pages_messaging"
FIELDS = "id,message,created_time,from{id,name},can_reply_privately"
OVERLAP_SECONDS = 5
PAGE_SIZE = 100
MAX_PAGES = 20  # per fetch; more waiting comments are read by the next fetch at once
POLL_SECONDS = 3.0  # a quiet chat: the last read brought nothing new
BUSY_POLL_SECONDS = 0.5  # comments are flowing: the desk wants them within a second
THROTTLE_CODES = {4, 17, 32, 613, 80001}
PERMISSION_CODES = {10, *range(200, 300)}
ENDED = {"LIVE_STOPPED", "VOD", "PROCESSING"}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def parse_time(value: str) -> dt.datetime:
    """Graph times: ``2018-08-30T18:47:02+0000``."""
    return dt.datetime.strptime(value, TIME_FORMAT).astimezone(dt.UTC)


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


class FacebookLiveSource(CommentSource):
    name = "facebook"
    title = "Facebook Live"
    capabilities = frozenset(
        {Capability.FIND_CURRENT_LIVE, Capability.PRIVATE_REPLY, Capability.CONNECT}
    )
    config_schema = (
        base.ConfigField("app_id", "App ID", help="Facebook app (Meta for Developers)"),
        base.ConfigField("app_secret", "App secret", secret=True),
        base.ConfigField("page_id", "Page ID", required=False),
        base.ConfigField("page_access_token", "Page access token", secret=True, required=False),
        base.ConfigField(
            "api_base_url",
            "Graph API address",
            required=False,
            default="https://graph.facebook.com",
        ),
        base.ConfigField(
            "authorize_url_base",
            "Consent dialog address",
            required=False,
            default="https://www.facebook.com",
        ),
    )

    # --- connect -------------------------------------------------------------------------
    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "client_id": self.config["app_id"],
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": SCOPES,
                "response_type": "code",
            }
        )
        return f"{self.config['authorize_url_base'].rstrip('/')}/{VERSION}/dialog/oauth?{query}"

    def connect(self, code: str, redirect_uri: str) -> list[Page]:
        """The Pages the consenting person manages, each with the Page's own token."""
        reply = self._get(
            "/oauth/access_token",
            {
                "client_id": self.config["app_id"],
                "client_secret": self.config["app_secret"],
                "redirect_uri": redirect_uri,
                "code": code,
            },
            token="",
        )
        user_token = str(reply.get("access_token") or "")
        if not user_token:
            raise errors.AuthExpired("no access token in the reply", reason="connect_failed")
        pages = self._get("/me/accounts", {"fields": "id,name,access_token"}, token=user_token)
        return [
            Page(str(p["id"]), str(p.get("name") or ""), str(p["access_token"]))
            for p in pages.get("data") or []
            if p.get("access_token")
        ]

    # --- reading -------------------------------------------------------------------------
    def resolve_live(self, ref: str | None) -> LiveVideo:
        if ref:
            video = self._get(f"/{ref}", {"fields": "id,status,title,permalink_url,creation_time"})
            if str(video.get("status") or "") in ENDED:
                raise LiveEnded(f"live video {ref} is over", params={"live_id": ref})
            return self._live(video)
        page_id = self._page_id()
        found = self._get(
            f"/{page_id}/live_videos",
            {
                "broadcast_status": '["LIVE"]',
                "fields": "id,status,title,permalink_url,creation_time",
            },
        )
        lives = found.get("data") or []
        if not lives:
            raise NoLiveNow(f"page {page_id} has no live now", params={"page_id": page_id})
        return self._live(lives[0])

    def fetch(self, live_id: str, cursor: str | None) -> Batch:
        state: dict[str, Any] = json.loads(cursor) if cursor else {"since": 0, "seen": {}}
        since = int(state["since"])
        seen: dict[str, tuple[str, int]] = {
            key: (str(value[0]), int(value[1])) for key, value in state["seen"].items()
        }
        params: dict[str, Any] = {
            "filter": "stream",
            "order": "chronological",
            "live_filter": "no_filter",
            "fields": FIELDS,
            "limit": PAGE_SIZE,
        }
        if since:
            params["since"] = since
        items: list[Mapping[str, Any]] = []
        reply = self._get(f"/{live_id}/comments", params)
        pages = 1
        while True:
            items.extend(reply.get("data") or [])
            next_url = (reply.get("paging") or {}).get("next")
            if not next_url or not reply.get("data") or pages >= MAX_PAGES:
                break
            reply = self._get_url(str(next_url))
            pages += 1
        events: list[ChatEvent] = []
        latest = since
        for item in items:
            comment_id, text = str(item["id"]), str(item.get("message") or "")
            created = parse_time(str(item["created_time"]))
            latest = max(latest, int(created.timestamp()))
            before = seen.get(comment_id)
            if before is not None and before[0] == digest(text):
                continue
            writer = item.get("from")  # missing without the user-content permission
            events.append(
                ChatEvent(
                    EventKind.COMMENT if before is None else EventKind.EDITED,
                    comment_id,
                    text,
                    Author(str(writer.get("id") or ""), str(writer.get("name") or ""))
                    if writer
                    else None,
                    created,
                    bool(item.get("can_reply_privately", False)),
                )
            )
            seen[comment_id] = (digest(text), int(created.timestamp()))
        # The next poll starts a few seconds before the newest comment: keep what it will
        # read again, forget the rest.
        new_since = max(since, latest - OVERLAP_SECONDS)
        kept = {key: value for key, value in seen.items() if value[1] >= new_since}
        ended = False
        more = pages >= MAX_PAGES
        if not events and not more:
            status = str(self._get(f"/{live_id}", {"fields": "status"}).get("status") or "")
            ended = status in ENDED
        quiet = 0 if events else int(state.get("quiet", 0)) + 1
        cursor_out = json.dumps({"since": new_since, "seen": kept, "quiet": quiet}, sort_keys=True)
        return Batch(tuple(events), cursor_out, pace(quiet, more=more), ended)

    # --- replying ------------------------------------------------------------------------
    def reply_privately(self, comment_id: str, text: str) -> str:
        body = {"recipient": {"comment_id": comment_id}, "message": {"text": text}}
        response = self.client.send(
            "POST",
            f"/{VERSION}/{self._page_id()}/messages",
            params={"access_token": self._token()},
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        reply = self._read(response)
        return str(reply.get("message_id") or "")

    # --- plumbing ------------------------------------------------------------------------
    def _page_id(self) -> str:
        if not self.config["page_id"]:
            raise errors.AuthExpired("no Page connected", reason="not_connected")
        return self.config["page_id"]

    def _token(self) -> str:
        if not self.config["page_access_token"]:
            raise errors.AuthExpired("no Page connected", reason="not_connected")
        return self.config["page_access_token"]

    def _live(self, video: Mapping[str, Any]) -> LiveVideo:
        created = video.get("creation_time")
        return LiveVideo(
            str(video["id"]),
            str(video.get("title") or ""),
            str(video.get("permalink_url") or ""),
            parse_time(str(created)) if created else None,
        )

    def _get(
        self, path: str, params: Mapping[str, Any], *, token: str | None = None
    ) -> dict[str, Any]:
        """GET with the Page's token (``token`` None), another token, or none (``""``)."""
        query = dict(params)
        chosen = self._token() if token is None else token
        if chosen:
            query["access_token"] = chosen
        return self._read(self.client.send("GET", f"/{VERSION}{path}", params=query))

    def _get_url(self, url: str) -> dict[str, Any]:
        """A ``paging.next`` link: Graph gives it whole, token included; only its path and
        query are used, against the configured address (never a host from a reply)."""
        parts = urlsplit(url)
        return self._read(
            self.client.send("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path)
        )

    def _read(self, response: requests.Response) -> dict[str, Any]:
        body = self.client.json(response)
        problem = body.get("error")
        if response.status_code < 400 and not problem:
            return body
        if not isinstance(problem, Mapping):
            raise errors.PermanentError(
                f"Graph API refused (HTTP {response.status_code})",
                status=response.status_code,
                code=f"http_{response.status_code}",
            )
        raise graph_error(problem, response.status_code, response.headers)


def pace(quiet: int, *, more: bool) -> float:
    """How long to wait before the next read, after ``quiet`` reads in a row that brought
    nothing new: none while pages are left over; half a second while comments come (a busy
    live, and a busy live's engaged viewers are what the Page's call budget grows with: 4,800
    calls a day each); then 1, 2 and the contract's 3 seconds as the chat stays quiet, so the
    first comments after a pause are not read seconds late."""
    if more:
        return 0.0
    return min(BUSY_POLL_SECONDS * float(2**quiet), POLL_SECONDS)


def graph_error(
    problem: Mapping[str, Any], status: int, headers: Mapping[str, str]
) -> errors.ChannelError:
    """A Graph API error body as one of our typed errors."""
    code = int(problem.get("code") or 0)
    message = str(problem.get("message") or "Graph API error")
    details: dict[str, Any] = {"code": str(code), "status": status}
    if code in THROTTLE_CODES:
        return errors.RateLimited(message, retry_after=regain_seconds(headers), **details)
    if code == 190:
        return errors.AuthExpired(message, **details)
    if code in PERMISSION_CODES:
        return errors.PermanentError(message, reason="permission_missing", **details)
    if code == 100 and int(problem.get("error_subcode") or 0) == 33:
        return errors.NotFound(message, **details)
    if code == 10900:
        return errors.PermanentError(message, reason="already_replied", **details)
    if code == 10903:
        return errors.PermanentError(message, reason="reply_window_closed", **details)
    return errors.PermanentError(message, **details)


def regain_seconds(headers: Mapping[str, str]) -> float:
    """How long a throttled Page waits: ``estimated_time_to_regain_access`` (minutes) in the
    ``X-Business-Use-Case-Usage`` header, else a minute."""
    try:
        usage = json.loads(headers.get("X-Business-Use-Case-Usage") or "{}")
    except ValueError:
        usage = {}
    minutes = [
        float(entry.get("estimated_time_to_regain_access") or 0)
        for entries in usage.values()
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, Mapping)
    ]
    return max([60.0, *(m * 60 for m in minutes)])
