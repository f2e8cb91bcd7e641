"""Capturing a live session's comments while the stream runs (issue 19).

A club connects a comment source account (``comment_accounts``: a Facebook Page, a YouTube API
key); a coordinator
starts a capture for a session (the live's link, or the Page's live now). The capture runs
as a background job (``live.capture``) that follows the live with
``integrations.comments.follow`` and saves each batch of comments with the cursor after it
in one transaction, so a restarted worker resumes where the last saved batch ended. Comments
land in ``live_comments``, the rows the desk, the log import and the reports read.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, i18n, tenancy, uow
from app.core.i18n import N_
from app.jobs import service as jobs_service
from app.live import comment_accounts
from app.live import sources as live_sources
from app.models import accounts, jobs, live
from app.models import comments as models
from app.orders import recording
from integrations import errors as source_errors
from integrations.comments import base as sources
from integrations.comments import follow
from integrations.comments import registry as source_registry
from vietnam import text

CAPTURE = "live.capture"
Status = models.CaptureStatus
SourceFactory = Callable[[models.CommentAccount], sources.CommentSource]


# --- starting and stopping -----------------------------------------------------------------


def start(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    *,
    account_id: int,
    live_ref: str | None = None,
) -> models.CommentCapture:
    """Start capturing the session's live through the club's account; queue the job. A
    capture already running for the session and account is returned as it is. Commits."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    live_session = recording.live_session_for(session, scope, session_id)
    account = session.get(models.CommentAccount, account_id)
    if account is None or account.club_id != live_session.club_id:
        raise errors.ValidationError(fields={"account_id": [_("Không tìm thấy tài khoản.")]})
    if not live_sources.enabled(account.platform):
        raise errors.ValidationError(
            fields={"account_id": [_("Máy chủ này chưa bật thu bình luận của nền tảng này.")]}
        )
    running = session.scalar(
        sa.select(models.CommentCapture).where(
            models.CommentCapture.session_id == live_session.id,
            models.CommentCapture.account_id == account.id,
            models.CommentCapture.status.in_([Status.WAITING, Status.RUNNING]),
        )
    )
    if running is not None:
        job = session.get(jobs.Job, running.job_id) if running.job_id else None
        if job is None or job.status.finished:  # its worker gave up: go on from its cursor
            with uow.unit_of_work(session):
                running.job_id = _enqueue(session, running, user).id
        return running
    ref = (live_ref or "").strip() or None
    if ref is None and sources.Capability.FIND_CURRENT_LIVE not in _capabilities(account):
        raise errors.ValidationError(fields={"live_ref": [_("Hãy dán đường dẫn buổi live.")]})
    with uow.unit_of_work(session):
        capture = models.CommentCapture(
            club_id=live_session.club_id,
            session_id=live_session.id,
            account_id=account.id,
            live_ref=ref[:500] if ref else None,
            started_by_id=user.id,
        )
        session.add(capture)
        session.flush()
        capture.job_id = _enqueue(session, capture, user).id
    return capture


def _enqueue(session: so.Session, capture: models.CommentCapture, user: accounts.User) -> jobs.Job:
    runtime = jobs_service.runtime()
    return jobs_service.enqueue(
        session,
        runtime.kinds,
        kind=CAPTURE,
        params={"capture_id": capture.id},
        owner=user,
        dispatch=runtime.dispatch,
        identity_key=f"capture-{capture.id}",
        club_id=capture.club_id,
    )


def stop(
    session: so.Session, user: accounts.User, capture_id: int, *, now: clock.Clock = clock.utcnow
) -> models.CommentCapture:
    """Stop a capture: its job sees it before its next read and ends. Commits."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    capture = session.get(models.CommentCapture, capture_id)
    if capture is None or not scope.sees_club(capture.club_id):
        raise errors.NotFound(_("Không tìm thấy phiên thu bình luận."))
    _halt(session, capture, now)
    return capture


def _halt(session: so.Session, capture: models.CommentCapture, now: clock.Clock) -> None:
    """A running or waiting capture is stopped (a finished one stays as it ended)."""
    with uow.unit_of_work(session):
        if capture.status.active:
            capture.status = Status.STOPPED
            capture.stopped_at = now()


def _capabilities(account: models.CommentAccount) -> frozenset[sources.Capability]:
    try:
        return source_registry.get(account.platform).capabilities
    except KeyError:
        return frozenset()


def follow_session(
    session: so.Session, user: accounts.User, live_session: live.LiveSession
) -> list[models.CommentCapture]:
    """What a session's status change means for its captures: on air, start one for each of
    the club's connected accounts on the session's platform (the session's live link, or the
    Page's live now on Facebook); ended or cancelled, stop them. A capture that cannot start
    (no link for YouTube) is left for staff to start by hand on the desk."""
    if live_session.status is live.SessionStatus.LIVE:
        started = []
        for account in comment_accounts.accounts_for(session, user):
            if (
                account.platform != live_session.platform
                or account.status is not models.SourceStatus.CONNECTED
            ):
                continue
            try:
                started.append(
                    start(
                        session,
                        user,
                        live_session.id,
                        account_id=account.id,
                        live_ref=live_session.live_url,
                    )
                )
            except errors.ValidationError:
                continue
        return started
    if live_session.status in (live.SessionStatus.ENDED, live.SessionStatus.CANCELLED):
        for running in captures_for(session, tenancy.scope_for(session, user), live_session):
            if running.status.active:
                stop(session, user, running.id)
    return []


# --- running -------------------------------------------------------------------------------


def store_batch(
    session: so.Session,
    capture: models.CommentCapture,
    batch: sources.Batch,
    *,
    now: clock.Clock = clock.utcnow,
) -> int:
    """Save a batch's comments, edits and deletions and then its cursor, in one transaction;
    a comment already stored (same platform, live and id) is not added again. Returns how
    many new comments were stored."""
    platform, live_id = capture.account.platform, capture.live_id or ""
    moment = now()
    added = 0
    with uow.unit_of_work(session):
        ids = [event.comment_id for event in batch.events]
        known = {
            row.comment_id: row
            for row in session.scalars(
                sa.select(models.LiveComment).where(
                    models.LiveComment.platform == platform,
                    models.LiveComment.live_id == live_id,
                    models.LiveComment.comment_id.in_(ids),
                )
            )
        }
        for event in batch.events:
            row = known.get(event.comment_id)
            if event.kind is sources.EventKind.DELETED:
                if row is not None and row.deleted_at is None:
                    row.deleted_at = moment
                continue
            if row is not None:
                if event.text and row.text != text.nfc(event.text):
                    row.text = text.nfc(event.text)
                    row.edited_at = moment
                continue
            row = models.LiveComment(
                club_id=capture.club_id,
                session_id=capture.session_id,
                capture_id=capture.id,
                origin=models.CommentOrigin.CAPTURE,
                platform=platform,
                live_id=live_id,
                comment_id=event.comment_id[:200],
                author_id=event.author.id[:200] if event.author else None,
                author_name=text.nfc(event.author.name)[:200] if event.author else None,
                text=text.nfc(event.text),
                commented_at=event.created_at or moment,
                received_at=moment,
                can_reply_privately=event.can_reply_privately,
            )
            session.add(row)
            known[event.comment_id] = row
            added += 1
        capture.cursor = batch.cursor
        capture.comments += added
        # Reading again: any trouble waited out is over. A source that lost its stream and
        # cannot read back what was said meanwhile (TikTok) says so while the capture runs;
        # staff type what they saw.
        earlier = capture.problem or {}
        missed = batch.gaps
        if earlier.get("code") == "comments_missed":
            missed += int((earlier.get("params") or {}).get("gaps") or 0)
        capture.problem = (
            {"code": "comments_missed", "params": {"gaps": missed}} if missed else None
        )
        capture.read_at = moment
        if capture.status is Status.WAITING:
            capture.status = Status.RUNNING
    return added


@dataclasses.dataclass(frozen=True)
class Ran:
    status: models.CaptureStatus
    comments: int


def run(
    session: so.Session,
    capture_id: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    factory: SourceFactory = comment_accounts.source_for,
    now: clock.Clock = clock.utcnow,
) -> Ran:
    """Follow the capture's live until it ends or someone stops the capture; resumes from the
    stored cursor. A refusal that retrying will not fix marks the capture failed (an expired
    token also marks the account to be connected again)."""
    capture = session.get(models.CommentCapture, capture_id)
    if capture is None or not capture.status.active:
        return Ran(capture.status if capture else Status.STOPPED, 0)

    def stopped() -> bool:
        session.refresh(capture, ["status"])
        over = not capture.status.active
        uow.discard(session, "read only: no transaction stays open while the capture waits")
        return over

    before = capture.comments
    source: sources.CommentSource | None = None
    try:
        source = factory(capture.account)
        if capture.live_id is None:
            found = follow.resolve(source, capture.live_ref, sleep=sleep)
            with uow.unit_of_work(session):
                capture.live_id = found.live_id
                capture.status = Status.RUNNING
        outcome = follow.follow(
            source,
            capture.live_id,
            capture.cursor,
            store=lambda batch: store_batch(session, capture, batch, now=now),
            sleep=sleep,
            stop=stopped,
            trouble=lambda exc: _trouble(session, capture, exc, now),
        )
    except source_errors.ChannelError as exc:
        _fail(session, capture, exc, now)
        return Ran(capture.status, capture.comments - before)
    except jobs_service.JobCancelled:
        raise  # the job's own stop: the capture is already halted
    except Exception:
        # A bug or a lost database: the job fails with the trace; the capture says why it
        # stopped reading and stays resumable (``start`` again goes on from its cursor).
        uow.discard(session, "a failed session: drop it before saying why")
        with uow.unit_of_work(session):
            capture.problem = {"code": "internal", "params": {}, "since": now().isoformat()}
        raise
    finally:
        if source is not None:
            source.close()  # a push connection (TikTok) ends with the run
    with uow.unit_of_work(session):
        if outcome.reason == "ended" and capture.status.active:
            capture.status = Status.ENDED
            capture.stopped_at = now()
    return Ran(capture.status, capture.comments - before)


def _trouble(
    session: so.Session,
    capture: models.CommentCapture,
    exc: source_errors.ChannelError,
    now: clock.Clock,
) -> None:
    """The platform throttles or fails; the capture keeps trying and says so meanwhile (since
    when, and how many times in a row)."""
    earlier = capture.problem or {}
    same = earlier.get("code") == exc.reason
    with uow.unit_of_work(session):
        capture.problem = {
            "code": exc.reason,
            "params": dict(exc.params),
            "retrying": True,
            "since": earlier["since"] if same and "since" in earlier else now().isoformat(),
            "times": int(earlier.get("times", 0)) + 1 if same else 1,
        }


def _fail(
    session: so.Session,
    capture: models.CommentCapture,
    exc: source_errors.ChannelError,
    now: clock.Clock,
) -> None:
    with uow.unit_of_work(session):
        capture.status = Status.FAILED
        capture.stopped_at = now()
        capture.problem = {"code": exc.reason, "params": dict(exc.params)}
        if isinstance(exc, source_errors.AuthExpired):
            capture.account.status = models.SourceStatus.NEEDS_RECONNECT


def run_job(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """The ``live.capture`` job: follow the live, reporting how many comments came in; a
    cancelled job stops the capture."""
    capture_id = int(params["capture_id"])

    def sleep(seconds: float) -> None:
        capture = ctx.session.get(models.CommentCapture, capture_id)
        count = capture.comments if capture else 0
        try:
            ctx.progress(0, _count_message(count))
        except jobs_service.JobCancelled:
            if capture is not None:
                _halt(ctx.session, capture, ctx.now)
            raise
        time.sleep(seconds)

    ran = run(ctx.session, capture_id, sleep=sleep, now=ctx.now)
    return {"status": str(ran.status), "comments": ran.comments}


def _count_message(count: int) -> dict[str, Any]:
    return i18n.deferred(N_("Đã nhận %(n)d bình luận"), n=count)


def captures_for(
    session: so.Session, scope: tenancy.Scope, live_session: live.LiveSession
) -> list[models.CommentCapture]:
    """The session's captures, newest first."""
    if not scope.sees_club(live_session.club_id):
        return []
    return list(
        session.scalars(
            sa.select(models.CommentCapture)
            .where(models.CommentCapture.session_id == live_session.id)
            .order_by(models.CommentCapture.id.desc())
        )
    )
