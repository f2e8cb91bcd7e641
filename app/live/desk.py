"""The live selling desk: comments as they arrive, each order comment with its proposed lines,
taken by one staff member at a time, confirmed into an order once.

Proposals come from the run-of-show: a comment naming a slot's code orders that slot (the
comment-order rules of the domain notes, ``analytics.comments.CodeMatcher``); a comment that
only says "chốt 2" orders the slot on air when it was written. A viewer's confirmed comments
of one session go into one open order (``LIVE<session>-<viewer>``): a second comment is
merged into it while it is still placed; once paid or closed, a new order starts.

Confirming locks the comment's row, so two staff confirming the same comment at once make one
order: the second sees it confirmed and is told so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import time
from collections.abc import Callable, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from analytics import comments as parser
from app.core import clock, errors, tenancy, uow
from app.live import holds
from app.models import accounts, live, orders
from app.models import comments as models
from app.orders import events, exports, locks, payments, recording, stock
from vietnam import text

State = models.DeskState
TAKE_SECONDS = 120  # a comment taken and left alone this long may be taken by someone else
FEED_LIMIT = 200
WAIT_MAX_SECONDS = 25.0  # a feed read waits at most this long for a new comment
WAIT_CHECK_SECONDS = 0.2  # how often a waiting read looks again
CHANGE_MARGIN = dt.timedelta(seconds=1)  # changes looked for before a desk's last read began
_TICK = dt.timedelta(microseconds=1)  # "after since": a waiting read wakes only for news
_KEYWORD = re.compile(r"(?<![a-z])(chot|lay|mua|dat)(?![a-z])")


@dataclasses.dataclass(frozen=True)
class Proposal:
    code: str
    slot_id: int
    product_name: str
    quantity: int
    unit_price: int  # đồng
    from_slot_on_air: bool = False  # no code in the comment: the slot on air then

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity


@dataclasses.dataclass(frozen=True)
class Item:
    """One comment on the desk."""

    comment: models.LiveComment
    proposals: tuple[Proposal, ...]
    phone: str | None
    earlier_orders: int  # this viewer's orders in the club before this session's
    reply: models.OrderMessage | None = None  # the last message sent about it


def viewer_of(comment: models.LiveComment) -> str:
    """Who wrote it, as the order's buyer: the platform's id for them, else their name."""
    return comment.author_id or comment.author_name or f"comment:{comment.comment_id}"


def order_key(session_id: int, viewer: str, round_: int = 1) -> str:
    digest = hashlib.sha256(viewer.encode("utf-8")).hexdigest()[:12].upper()
    return f"LIVE{session_id}-{digest}" + (f"-{round_}" if round_ > 1 else "")


def slot_on_air(live_session: live.LiveSession, moment: dt.datetime) -> live.LiveSlot | None:
    """The run-of-show slot planned at ``moment`` (the last one once the plan has run out)."""
    offset = (recording.aware(moment) - recording.aware(live_session.starts_at)).total_seconds()
    slots = sorted(live_session.slots, key=lambda s: s.start_offset_s)
    current = None
    for slot in slots:
        if slot.start_offset_s <= offset:
            current = slot
    return current


def propose(
    live_session: live.LiveSession, comment: models.LiveComment
) -> tuple[tuple[Proposal, ...], str | None]:
    """The lines a comment orders, and the phone it carries."""
    slots = {slot.code: slot for slot in live_session.slots}
    parsed = parser.CodeMatcher(slots).parse(comment.text)
    on_air = False
    if not parsed.items and _KEYWORD.search(text.fold(comment.text)):
        slot = slot_on_air(live_session, comment.commented_at)
        if slot is not None:
            parsed = parser.CodeMatcher([slot.code]).parse(f"{comment.text} {slot.code}")
            on_air = True
    out = tuple(
        Proposal(
            code, slots[code].id, slots[code].product.name, qty, slots[code].live_price, on_air
        )
        for code, qty in parsed.items
        if code in slots
    )
    return out, parsed.phone


def _session_of(session: so.Session, user: accounts.User, session_id: int) -> live.LiveSession:
    return recording.live_session_for(session, tenancy.scope_for(session, user), session_id)


def feed(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    *,
    after_id: int = 0,
    limit: int = FEED_LIMIT,
    newest: bool = False,
) -> list[Item]:
    """The session's comments after ``after_id``, oldest first (at most ``limit``); with
    ``newest``, the latest ``limit`` of them, newest first (the desk as it opens)."""
    live_session = _session_of(session, user, session_id)
    comment = models.LiveComment
    rows = list(
        session.scalars(
            _feed_rows(live_session.id, after_id)
            .order_by(comment.id.desc() if newest else comment.id)
            .limit(max(1, min(limit, FEED_LIMIT)))
        )
    )
    return _items(session, live_session, rows)


def _feed_rows(live_session_id: int, after_id: int) -> sa.Select[models.LiveComment]:
    comment = models.LiveComment
    return sa.select(comment).where(
        comment.session_id == live_session_id,
        comment.id > after_id,
        comment.origin != models.CommentOrigin.LOG,  # reviewed as a batch instead
    )


def _changed_ids(live_session_id: int, after_id: int, moment: dt.datetime) -> list[sa.Select[int]]:
    """Ids of comments a desk already shows (up to ``after_id``) changed at ``moment`` or
    later: the row itself (taken, confirmed, dismissed, waitlisted, edited, deleted: its
    ``changed_at``) or its order (a merge, a payment, a released hold). Two queries, each by
    an index, rather than one that would read every comment of the session."""
    comment, order = models.LiveComment, orders.Order
    shown = (comment.id <= after_id, comment.origin != models.CommentOrigin.LOG)
    changed_orders = sa.select(order.id).where(
        order.session_id == live_session_id, order.updated_at >= moment
    )
    return [
        sa.select(comment.id).where(
            comment.session_id == live_session_id, comment.changed_at >= moment, *shown
        ),
        sa.select(comment.id).where(comment.order_id.in_(changed_orders), *shown),
    ]


def changed(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    *,
    after_id: int,
    since: dt.datetime,
    limit: int = FEED_LIMIT,
) -> list[Item]:
    """The comments a desk already shows that changed since its last read (``since``, the
    time that read began), oldest first: what the other staff did shows on every desk. A few
    seconds' margin before ``since`` covers a change committed just after that read looked
    (a row sent twice is only drawn again)."""
    live_session = _session_of(session, user, session_id)
    ids = sa.union(*_changed_ids(live_session.id, after_id, since - CHANGE_MARGIN)).subquery()
    rows = list(
        session.scalars(
            sa.select(models.LiveComment)
            .where(models.LiveComment.id.in_(sa.select(ids.c.id)))
            .order_by(models.LiveComment.id)
            .limit(max(1, min(limit, FEED_LIMIT)))
        )
    )
    return _items(session, live_session, rows)


@dataclasses.dataclass(frozen=True)
class Read:
    """One read of a desk's feed."""

    items: list[Item]  # the comments after ``after_id``, oldest first
    last: int  # the ``after_id`` of the next read
    since: dt.datetime  # when this read began: the ``since`` of the next read
    changed: list[Item] | None  # with ``since``: rows already shown that changed since


def read(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    *,
    after_id: int,
    since: dt.datetime | None = None,
    wait: float = 0.0,
    limit: int = FEED_LIMIT,
    now: clock.Clock = clock.utcnow,
) -> Read:
    """A desk's read, for the page's feed and the API alike: with ``wait`` it first waits
    (``wait_for_new``) for a new comment or, with ``since``, a change to one already shown."""
    began = now()
    if wait > 0:
        wait_for_new(session, user, session_id, after_id=after_id, seconds=wait, since=since)
        began = now()
    items = feed(session, user, session_id, after_id=after_id, limit=limit)
    return Read(
        items,
        max((i.comment.id for i in items), default=after_id),
        began,
        changed(session, user, session_id, after_id=after_id, since=since)
        if since is not None
        else None,
    )


def wait_for_new(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    *,
    after_id: int,
    seconds: float,
    since: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> bool:
    """Whether the feed has a comment after ``after_id`` (or, with ``since``, a change after
    it to one already shown), waiting up to ``seconds`` (at most ``WAIT_MAX_SECONDS``) for
    one: the desk hears of a comment a moment after the capture stores it instead of at its
    next poll. Between two looks the transaction ends, so a waiting desk holds no database
    connection."""
    live_session_id = _session_of(session, user, session_id).id
    deadline = monotonic() + (min(seconds, WAIT_MAX_SECONDS) if seconds > 0 else 0.0)
    query = _feed_rows(live_session_id, after_id).with_only_columns(models.LiveComment.id)
    changes = _changed_ids(live_session_id, after_id, since + _TICK) if since is not None else []
    while True:
        if session.scalar(query.limit(1)) is not None:
            return True
        if any(session.scalar(change.limit(1)) is not None for change in changes):
            return True
        left = deadline - monotonic()
        if left <= 0:
            return False
        uow.discard(session, "read only: a waiting read holds no transaction between looks")
        sleep(min(WAIT_CHECK_SECONDS, left))


def item(session: so.Session, user: accounts.User, comment_id: int) -> Item:
    """One comment as the desk shows it (after an action)."""
    row = _comment(session, user, comment_id)
    return _items(session, row.session, [row])[0]


def session_id_of(session: so.Session, user: accounts.User, comment_id: int) -> int:
    return _comment(session, user, comment_id).session_id


def _comment(session: so.Session, user: accounts.User, comment_id: int) -> models.LiveComment:
    row = session.get(models.LiveComment, comment_id)
    if row is None or not tenancy.scope_for(session, user).sees_club(row.club_id):
        raise errors.NotFound(_("Không tìm thấy bình luận."))
    return row


def _items(
    session: so.Session, live_session: live.LiveSession, rows: list[models.LiveComment]
) -> list[Item]:
    viewers = {viewer_of(row) for row in rows}
    earlier = _earlier_orders(session, live_session, viewers)
    replies = {
        message.comment_id: message
        for message in session.scalars(
            sa.select(models.OrderMessage)
            .where(models.OrderMessage.comment_id.in_([row.id for row in rows]))
            .order_by(models.OrderMessage.id)
        )
    }
    items = []
    for row in rows:
        proposals, phone = propose(live_session, row)
        viewer = viewer_of(row)
        items.append(Item(row, proposals, phone, earlier.get(viewer, 0), replies.get(row.id)))
    return items


def _earlier_orders(
    session: so.Session, live_session: live.LiveSession, viewers: set[str]
) -> dict[str, int]:
    if not viewers:
        return {}
    found = session.execute(
        sa.select(orders.Order.buyer_user, sa.func.count())
        .where(
            orders.Order.club_id == live_session.club_id,
            orders.Order.buyer_user.in_(sorted(viewers)),
            sa.or_(orders.Order.session_id.is_(None), orders.Order.session_id != live_session.id),
        )
        .group_by(orders.Order.buyer_user)
    ).all()
    return {str(buyer): int(n) for buyer, n in found}


def _locked(
    session: so.Session, user: accounts.User, comment_id: int
) -> tuple[models.LiveComment, live.LiveSession]:
    """The comment, locked for this transaction and read after the lock."""
    tenancy.scope_for(session, user).check_writable()
    row = _comment(session, user, comment_id)
    locks.lock_rows(session, models.LiveComment, [row.id])
    session.refresh(row)
    return row, row.session


def _check_open(row: models.LiveComment, user: accounts.User, now: dt.datetime) -> None:
    if row.state is State.CONFIRMED:
        if row.decided_by is not None and row.order is not None:
            raise errors.Conflict(
                _(
                    "%(who)s đã chốt bình luận này vào đơn %(code)s.",
                    who=row.decided_by.full_name,
                    code=row.order.external_id,
                )
            )
        raise errors.Conflict(_("Bình luận này đã được xác nhận thành đơn."))
    if row.state is State.DISMISSED:
        raise errors.Conflict(_("Bình luận này đã được bỏ qua."))
    if (
        row.state is State.TAKEN
        and row.taken_by_id != user.id
        and row.taken_at is not None
        and (now - recording.aware(row.taken_at)).total_seconds() < TAKE_SECONDS
    ):
        who = row.taken_by.full_name if row.taken_by else "?"
        raise errors.Conflict(_("%(who)s đang xử lý bình luận này.", who=who))


def take(
    session: so.Session, user: accounts.User, comment_id: int, *, now: clock.Clock = clock.utcnow
) -> models.LiveComment:
    """Open a comment for handling: the others see it taken. Commits."""
    return _mark(session, user, comment_id, State.TAKEN, now)


def dismiss(
    session: so.Session, user: accounts.User, comment_id: int, *, now: clock.Clock = clock.utcnow
) -> models.LiveComment:
    """Not an order (or handled otherwise). Commits."""
    return _mark(session, user, comment_id, State.DISMISSED, now)


def _mark(
    session: so.Session,
    user: accounts.User,
    comment_id: int,
    state: models.DeskState,
    now: clock.Clock,
) -> models.LiveComment:
    with uow.unit_of_work(session):
        row, _live_session = _locked(session, user, comment_id)
        moment = now()
        _check_open(row, user, moment)
        row.state = state
        if state is State.TAKEN:
            row.taken_by_id, row.taken_at = user.id, moment
        elif state is State.WAITLISTED:
            row.taken_by_id, row.taken_at = None, None
        else:
            row.decided_by_id, row.decided_at = user.id, moment
    return row


def confirm(
    session: so.Session, user: accounts.User, comment_id: int, *, now: clock.Clock = clock.utcnow
) -> orders.Order:
    """Turn the comment's proposed lines into the viewer's open order of this session (merged
    into it when it is still placed); the units leave the stock now and the order holds them
    for the club's time (``holds``). Too little stock puts the comment on the waitlist.
    Commits."""
    try:
        return _confirm(session, user, comment_id, now)
    except stock.OutOfStock as exc:
        _mark(session, user, comment_id, State.WAITLISTED, now)
        raise errors.Conflict(
            _("Hết hàng: bình luận đã vào danh sách chờ và sẽ được báo khi có hàng trả lại."),
            fields=exc.fields,
        ) from exc


def _confirm(
    session: so.Session, user: accounts.User, comment_id: int, now: clock.Clock
) -> orders.Order:
    with uow.unit_of_work(session):
        row, live_session = _locked(session, user, comment_id)
        moment = now()
        _check_open(row, user, moment)
        proposals, phone = propose(live_session, row)
        if not proposals:
            raise errors.ValidationError(_("Bình luận này không có mã sản phẩm nào để chốt."))
        viewer = viewer_of(row)
        existing = _open_order(session, live_session, viewer)
        key = existing.external_id if existing else _next_key(session, live_session, viewer)
        lines = [*_kept_lines(existing), *_new_lines(live_session, row, proposals, key, phone)]
        scope = tenancy.scope_for(session, user)
        to = recording.destination(session, scope, session_id=live_session.id)
        summary = recording.record(session, user, lines, to=to, source=orders.OrderSource.COMMENTS)
        order = session.get(orders.Order, summary.order_ids[0])
        assert order is not None
        if order.status is orders.OrderStatus.PLACED:
            order.hold_until = holds.hold_until(session, live_session.club_id, moment)
        row.state, row.order_id = State.CONFIRMED, order.id
        row.decided_by_id, row.decided_at = user.id, moment
        events.emit(session, order.id, events.OrderEvent.TAKEN)
        if order.status is orders.OrderStatus.PLACED and payments.payee(session, order):
            events.emit(session, order.id, events.OrderEvent.PAYMENT_QR)
    recording.after_commit(session, user, summary)
    return order


def _open_order(
    session: so.Session, live_session: live.LiveSession, viewer: str
) -> orders.Order | None:
    """The viewer's order of this session that new lines may still join (placed)."""
    return session.scalars(
        sa.select(orders.Order)
        .where(
            orders.Order.club_id == live_session.club_id,
            orders.Order.platform == live_session.platform,
            orders.Order.external_id.like(f"{order_key(live_session.id, viewer)}%"),
            orders.Order.status == orders.OrderStatus.PLACED,
        )
        .order_by(orders.Order.id.desc())
    ).first()


def _next_key(session: so.Session, live_session: live.LiveSession, viewer: str) -> str:
    base = order_key(live_session.id, viewer)
    taken = session.scalar(
        sa.select(sa.func.count()).where(
            orders.Order.club_id == live_session.club_id,
            orders.Order.platform == live_session.platform,
            orders.Order.external_id.like(f"{base}%"),
        )
    )
    return order_key(live_session.id, viewer, int(taken or 0) + 1)


def _kept_lines(order: orders.Order | None) -> list[exports.OrderLine]:
    if order is None:
        return []
    return [
        exports.OrderLine(
            row=0,
            platform=order.platform,
            order_id=order.external_id,
            status=str(line.status),
            placed_at=order.placed_at,
            seller_sku=line.seller_sku,
            product_name=line.product_name,
            variation=line.variation,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            buyer_phone=order.buyer_phone_raw,
            buyer_user=order.buyer_user,
            buyer_name=order.buyer_name,
            creator=None,
        )
        for line in order.lines
    ]


def _new_lines(
    live_session: live.LiveSession,
    comment: models.LiveComment,
    proposals: Sequence[Proposal],
    key: str,
    phone: str | None,
) -> list[exports.OrderLine]:
    slots = {slot.id: slot for slot in live_session.slots}
    out = []
    for proposal in proposals:
        slot = slots[proposal.slot_id]
        variant = slot.sold_variant
        out.append(
            exports.OrderLine(
                row=0,
                platform=live_session.platform,
                order_id=key,
                status="placed",
                placed_at=recording.aware(comment.commented_at),
                seller_sku=variant.sku if variant else "",
                product_name=slot.product.name,
                variation=variant.name if variant else "",
                quantity=proposal.quantity,
                unit_price=proposal.unit_price,
                amount=proposal.amount,
                buyer_phone=phone,
                buyer_user=viewer_of(comment),
                buyer_name=text.nfc(comment.author_name or "") or None,
                creator=None,
            )
        )
    return out


# --- typed on the desk (platforms without a feed) --------------------------------------------

MANUAL_MAX_LINES = 200
_NAMED = re.compile(r"^\s*([^:]{1,40}):\s*(.+)$")


def add_manual(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    pasted: str,
    *,
    now: clock.Clock = clock.utcnow,
) -> list[models.LiveComment]:
    """Comments typed or pasted on the desk, one a line (``Tên: bình luận`` names the viewer);
    they become the same rows a capture makes. Commits."""
    live_session = _session_of(session, user, session_id)
    tenancy.scope_for(session, user).check_writable()
    lines = [line.strip() for line in text.nfc(pasted or "").splitlines() if line.strip()]
    if not lines:
        raise errors.ValidationError(fields={"comments": [_("Hãy nhập ít nhất một bình luận.")]})
    if len(lines) > MANUAL_MAX_LINES:
        raise errors.ValidationError(
            fields={"comments": [_("Tối đa %(n)d dòng một lần.", n=MANUAL_MAX_LINES)]}
        )
    moment = now()
    rows = []
    with uow.unit_of_work(session):
        for line in lines:
            named = _NAMED.match(line)
            author, said = (named.group(1).strip(), named.group(2)) if named else (None, line)
            row = models.LiveComment(
                club_id=live_session.club_id,
                session_id=live_session.id,
                origin=models.CommentOrigin.MANUAL,
                platform=live_session.platform,
                live_id=f"desk-{live_session.id}",
                comment_id=f"m{secrets.token_hex(8)}",
                author_name=author[:200] if author else None,
                author_id=f"name:{text.fold(author)}" if author else None,
                text=said[:2000],
                commented_at=moment,
                received_at=moment,
            )
            session.add(row)
            rows.append(row)
    return rows


# --- live figures ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SlotFigure:
    code: str
    product_name: str
    units: int  # sold in this session (valid orders)
    stock: int | None  # left in the slot's variant now


@dataclasses.dataclass(frozen=True)
class Figures:
    gmv: int  # đồng, the session's valid orders
    orders: int
    comments: int
    comments_per_minute: float  # over the last five minutes
    slots: tuple[SlotFigure, ...]


def figures(
    session: so.Session, user: accounts.User, session_id: int, *, now: clock.Clock = clock.utcnow
) -> Figures:
    """While the stream runs: GMV so far, orders, units per slot against stock, comments."""
    return figures_of(session, _session_of(session, user, session_id), now())


def figures_of(session: so.Session, live_session: live.LiveSession, now: dt.datetime) -> Figures:
    """``figures`` of a session the caller may already see (the host screen's)."""
    valid = [s for s in orders.OrderStatus if s.valid]
    of_session = sa.and_(orders.Order.session_id == live_session.id, orders.Order.status.in_(valid))
    gmv, count = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(orders.OrderLine.amount), 0),
            sa.func.count(sa.distinct(orders.Order.id)),
        )
        .select_from(orders.Order)
        .join(orders.OrderLine)
        .where(of_session)
    ).one()
    units = dict(
        session.execute(
            sa.select(orders.OrderLine.variant_id, sa.func.sum(orders.OrderLine.quantity))
            .join(orders.Order)
            .where(of_session)
            .group_by(orders.OrderLine.variant_id)
        ).all()
    )
    comment = models.LiveComment
    total = session.scalar(
        sa.select(sa.func.count(comment.id)).where(comment.session_id == live_session.id)
    )
    recent = session.scalar(
        sa.select(sa.func.count(comment.id)).where(
            comment.session_id == live_session.id,
            comment.received_at >= now - dt.timedelta(minutes=5),
        )
    )
    slots = []
    for slot in sorted(live_session.slots, key=lambda s: s.position):
        variant = slot.sold_variant
        slots.append(
            SlotFigure(
                slot.code,
                slot.product.name,
                int(units.get(variant.id, 0) if variant else 0),
                int(variant.stock) if variant else None,
            )
        )
    return Figures(
        int(gmv or 0),
        int(count or 0),
        int(total or 0),
        round(int(recent or 0) / 5, 1),
        tuple(slots),
    )


# --- the waitlist ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Waiting:
    item: Item
    available: bool  # the stock now covers it, after the ones before it in the list


def waitlist(session: so.Session, user: accounts.User, session_id: int) -> list[Waiting]:
    """The session's sold-out comments in the order they came; the first ones the stock now
    covers (released holds, cancellations) are offered first."""
    live_session = _session_of(session, user, session_id)
    comment = models.LiveComment
    rows = list(
        session.scalars(
            sa.select(comment)
            .where(comment.session_id == live_session.id, comment.state == State.WAITLISTED)
            .order_by(comment.commented_at, comment.id)
        )
    )
    slots = {slot.id: slot for slot in live_session.slots}
    left: dict[int, int] = {}
    out = []
    for item in _items(session, live_session, rows):
        needed: dict[int, int] = {}
        for proposal in item.proposals:
            slot = slots[proposal.slot_id]
            variant = slot.sold_variant
            if variant is not None:
                left.setdefault(variant.id, int(variant.stock))
                needed[variant.id] = needed.get(variant.id, 0) + proposal.quantity
        fits = bool(needed) and all(left[v] >= n for v, n in needed.items())
        if fits:
            for variant_id, quantity in needed.items():
                left[variant_id] -= quantity
        out.append(Waiting(item, fits))
    return out
