"""Comment orders ("chốt đơn"): a stream's comment log → a review batch → orders.

Upload: the log (CSV/JSON/JSON Lines: time, viewer, text) is read and parsed by
``analytics.comments`` against the session's run-of-show codes; the proposed lines and the
parse report are kept as a pending batch. Nothing is an order yet. Times of day only
(``19:05:10``) are placed on the session's local date (the next day for a time before the start
of a stream crossing midnight); times outside 2000–2100 are refused by line.
Accept: each viewer's lines become one order (source ``comments``) keyed
``CMT<batch>-<viewer hash>`` on the session's platform, one line per code at the slot's live
price; accepting again (or a second click, or two coordinators at once: the batch row is
locked) writes nothing new. Discard: the batch is dropped from review.
A batch belongs to its session's club: only that club's staff (and admins) upload, list, review,
accept or discard it; another club's batch answers 404. Its orders go to that club.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from analytics import comments as comment_parser
from app.catalog_io import formats, results
from app.core import clock, errors, tenancy, uow
from app.live import common as live_common
from app.models import accounts, live, orders
from app.models.comments import CommentOrigin, LiveComment
from app.orders import exports, limits, locks, recording
from vietnam import text

Batch = orders.CommentBatch
BatchStatus = orders.BatchStatus
FORMATS = ("csv", "json", "jsonl")


def _in_scope(scope: tenancy.Scope, batch: Batch | None) -> Batch:
    if batch is None or not scope.sees_club(batch.session.club_id):
        raise errors.NotFound(_("Không tìm thấy lô bình luận."))
    return batch


def get_batch(session: so.Session, scope: tenancy.Scope, batch_id: int) -> Batch:
    """A batch of a club the scope reaches (404 otherwise)."""
    return _in_scope(scope, session.get(Batch, batch_id) if limits.id_or_none(batch_id) else None)


def batches_for(session: so.Session, scope: tenancy.Scope, limit: int = 20) -> list[Batch]:
    """The latest batches of the clubs the scope reaches."""
    stmt = (
        sa.select(Batch)
        .join(live.LiveSession, Batch.session_id == live.LiveSession.id)
        .where(scope.club_filter(live.LiveSession.club_id))
        .order_by(Batch.created_at.desc(), Batch.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _read_log(data: bytes, filename: str, live_session: live.LiveSession) -> pd.DataFrame:
    fmt = Path(filename).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise results.ImportFailed(
            [results.Issue(None, None, _("Chỉ nhận tệp bình luận .csv, .json hoặc .jsonl."))]
        )
    if len(data) > formats.MAX_BYTES:
        raise results.ImportFailed(
            [results.Issue(None, None, _("Tệp lớn hơn %(n)d MB.", n=formats.MAX_BYTES >> 20))]
        )
    try:
        return comment_parser.read_comment_log(
            data,
            fmt,
            # Times of day only (copied from a phone) are placed on the session's local date.
            session_start=live_common.to_local(live_session.starts_at).replace(tzinfo=None),
            session_end=live_common.to_local(live_session.ends_at).replace(tzinfo=None),
            earliest=limits.EARLIEST,
            latest=limits.LATEST,
        )
    except comment_parser.CommentLogError as exc:
        raise results.ImportFailed(
            [results.Issue(e.line, e.column, e.message) for e in exc.errors]
        ) from None


@uow.transactional
def upload(
    session: so.Session, user: accounts.User | None, session_id: int, data: bytes, filename: str
) -> Batch:
    """Parse a comment log into a pending review batch; commit."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    live_session = recording.live_session_for(session, scope, session_id)
    if not live_session.slots:
        raise errors.ValidationError(
            _("Phiên chưa có kịch bản (mã sản phẩm) nên không đọc được bình luận chốt đơn.")
        )
    frame = _read_log(data, filename, live_session)
    slots = {slot.code: slot.id for slot in live_session.slots}
    parsed = comment_parser.parse_comments(frame, slots)
    proposals: list[dict[str, Any]] = []
    for line in parsed.lines:
        time = pd.Timestamp(line.commented_at)
        proposals.append(
            {
                "viewer": line.viewer,
                "code": line.code,
                "slot_id": line.product_id,
                "quantity": int(line.quantity),
                "phone": line.phone,
                "time": _iso_time(time),
                "text": line.text[:500],
            }
        )
    report = parsed.report
    batch = Batch(
        session_id=session_id,
        filename=Path(filename).name[:255],
        proposals=proposals,
        report={
            "total_comments": report.total_comments,
            "order_comments": report.order_comments,
            "duplicates": report.duplicates,
            "unique_commenters": report.unique_commenters,
            "lines_needing_phone": report.lines_needing_phone,
            "proposed_lines": len(proposals),
        },
        created_by_id=user.id if user is not None else None,
    )
    session.add(batch)
    _store_comments(session, live_session, frame)
    return batch


def _store_comments(
    session: so.Session, live_session: live.LiveSession, frame: pd.DataFrame
) -> None:
    """The log's comments as the session's comment rows (the rows a live capture makes), keyed
    by time, viewer and text (and their repeat), so the same log uploaded again adds none."""
    live_id = f"log-{live_session.id}"
    seen: dict[str, int] = {}
    rows: dict[str, LiveComment] = {}
    for record in frame.to_dict("records"):
        viewer = text.nfc(str(record.get("viewer") or "")).strip()
        said = text.nfc(str(record.get("text") or ""))
        moment = record.get("time")
        stamp = _iso_time(pd.Timestamp(moment)) if moment is not None else None
        when = proposal_time(stamp) or live_session.starts_at
        digest = hashlib.sha256(f"{when.isoformat()}|{viewer}|{said}".encode()).hexdigest()[:24]
        seen[digest] = seen.get(digest, 0) + 1
        key = f"{digest}-{seen[digest]}"
        rows[key] = LiveComment(
            club_id=live_session.club_id,
            session_id=live_session.id,
            origin=CommentOrigin.LOG,
            platform=live_session.platform,
            live_id=live_id,
            comment_id=key,
            author_id=f"name:{text.fold(viewer)}" if viewer else None,
            author_name=viewer[:200] or None,
            text=said,
            commented_at=when,
        )
    stored = set(
        session.scalars(
            sa.select(LiveComment.comment_id).where(
                LiveComment.platform == live_session.platform, LiveComment.live_id == live_id
            )
        )
    )
    session.add_all(row for key, row in rows.items() if key not in stored)


def _iso_time(time: pd.Timestamp) -> str | None:
    """A comment time as ISO text in UTC, to the microsecond: an epoch time in a log may carry
    nanoseconds, which ``datetime.fromisoformat`` (the review page, the acceptance) cannot read."""
    if pd.isna(time):
        return None
    stamp = time.floor("us")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime().isoformat()


_FRACTION = re.compile(r"(\.\d{6})\d+")


def proposal_time(value: str | None) -> dt.datetime | None:
    """A proposed line's stored comment time (ISO text, UTC) as an aware UTC datetime; None when
    there is none or it does not read. Batches stored before times were cut to the microsecond
    may hold nanoseconds: those digits are dropped."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", value))
    except ValueError:
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def external_id(batch_id: int, viewer: str) -> str:
    """The idempotency key of a viewer's order from one batch."""
    digest = hashlib.sha256(viewer.encode("utf-8")).hexdigest()[:12].upper()
    return f"CMT{batch_id}-{digest}"


def _order_lines(
    batch: Batch, live_session: live.LiveSession, keep: Collection[int] | None
) -> list[exports.OrderLine]:
    slots = {slot.id: slot for slot in live_session.slots}
    merged: dict[tuple[str, int], dict[str, Any]] = {}  # (viewer, slot id) → line
    for index, proposal in enumerate(batch.proposals):
        if keep is not None and index not in keep:
            continue
        found = slots.get(int(proposal.get("slot_id") or 0))
        if found is None:
            continue  # the slot left the run-of-show since the upload
        key = (proposal["viewer"], found.id)
        if key in merged:
            merged[key]["quantity"] += proposal["quantity"]
            continue
        merged[key] = {**proposal, "slot": found}
    first_time: dict[str, dt.datetime] = {}
    phone: dict[str, str] = {}
    for proposal in merged.values():
        viewer = proposal["viewer"]
        time = proposal_time(proposal.get("time")) or live_session.starts_at
        first_time[viewer] = min(first_time.get(viewer, time), time)
        if proposal.get("phone") and viewer not in phone:
            phone[viewer] = proposal["phone"]
    lines: list[exports.OrderLine] = []
    fields: dict[str, list[str]] = {}
    for (viewer, _slot_id), proposal in merged.items():
        slot: live.LiveSlot = proposal["slot"]
        variant = slot.sold_variant
        quantity = int(proposal["quantity"])
        problem = limits.quantity_problem(quantity) or limits.amount_problem(
            slot.live_price * quantity
        )
        if problem:  # a viewer's comments add up past the limits: untick some of them
            fields.setdefault(f"{viewer} · {slot.code}", []).append(problem)
            continue
        lines.append(
            exports.OrderLine(
                row=0,
                platform=live_session.platform,
                order_id=external_id(batch.id, viewer),
                status="placed",
                placed_at=first_time[viewer],
                seller_sku=variant.sku if variant else "",
                product_name=slot.product.name,
                variation=variant.name if variant else "",
                quantity=quantity,
                unit_price=slot.live_price,
                amount=slot.live_price * quantity,
                buyer_phone=phone.get(viewer),
                buyer_user=viewer,
                buyer_name=None,
                creator=None,
            )
        )
    if fields:
        raise errors.ValidationError(
            _("Có dòng vượt giới hạn; hãy bỏ chọn bớt rồi chấp nhận lại."), fields=fields
        )
    return lines


def accept(
    session: so.Session,
    user: accounts.User | None,
    batch_id: int,
    *,
    keep: Collection[int] | None = None,
    now: clock.Clock = clock.utcnow,
) -> recording.Summary:
    """Turn a pending batch's proposals (all, or the indexes in ``keep``) into orders; commit.
    An accepted batch accepted again writes nothing and reports its orders as unchanged."""
    scope = tenancy.scope_for(session, user)
    batch = get_batch(session, scope, batch_id)
    with uow.unit_of_work(session):
        # The lock makes a second click (or a second coordinator) wait, then see it accepted.
        locks.lock_rows(session, Batch, [batch.id])
        session.refresh(batch)
        if batch.status == BatchStatus.DISCARDED:
            raise errors.Conflict(_("Lô bình luận này đã bị bỏ qua."))
        if batch.status == BatchStatus.ACCEPTED:
            count = int(
                session.scalar(
                    sa.select(sa.func.count()).where(orders.Order.comment_batch_id == batch.id)
                )
                or 0
            )
            uow.discard(session, "nothing to write: let the next one in")
            return recording.Summary(orders=count, unchanged=count)
        to = recording.destination(session, scope, session_id=batch.session_id)
        live_session = to.live_session
        assert live_session is not None
        summary = recording.record(
            session,
            user,
            _order_lines(batch, live_session, keep),
            to=to,
            source=orders.OrderSource.COMMENTS,
            comment_batch_id=batch.id,
        )
        batch.status = BatchStatus.ACCEPTED
        batch.decided_at = now()
        batch.decided_by_id = user.id if user is not None else None
    recording.after_commit(session, user, summary)
    return summary


def discard(
    session: so.Session,
    user: accounts.User | None,
    batch_id: int,
    *,
    now: clock.Clock = clock.utcnow,
) -> Batch:
    """Drop a pending batch from review; commit."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    batch = get_batch(session, scope, batch_id)
    with uow.unit_of_work(session):
        locks.lock_rows(session, Batch, [batch.id])  # not while it is being accepted
        session.refresh(batch)
        if batch.status == BatchStatus.ACCEPTED:
            raise errors.Conflict(_("Lô bình luận này đã được chấp nhận thành đơn."))
        batch.status = BatchStatus.DISCARDED
        batch.decided_at = now()
        batch.decided_by_id = user.id if user is not None else None
    return batch
