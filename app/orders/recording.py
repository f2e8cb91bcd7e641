"""Writing orders: the one upsert every way in (manual entry, file import, accepted comments)
goes through, keyed by ``(club_id, platform, external_id)`` so nothing is counted twice.

Every write goes to one club (``Destination``): the chosen session's club (the session must be
in the user's scope), else the club named by the command line's ``--club``, else
``scope.home_club()``. Everything is matched inside that club only: stored orders, sessions,
streamers, and SKUs (variants of the producers the club works with; others are unmatched).
Another club's order with the same platform id is a different order and is never touched.

An order seen again is compared with what is stored: the same → unchanged; different (a newer
export with a new status, a corrected line) → its fields and lines are replaced, never added.
Linking: the session chosen by the caller, else the club's session on the platform whose window
``[starts_at, ends_at)`` holds the order's time; the streamer is the club's streamer with the
TikTok Creator Handle when one matches, else the session's first host.

Concurrency: the stored orders are locked before they are compared (``locks``), so for each
variant, stock + units held by valid lines only moves by stock edits and imported oversales
(docs/orders.md, "Stock"): a status change gives stock back or takes it exactly once.
A stored order whose status a write changes gets a history row (``OrderStatusChange``, with
how it came in: import, manual entry or comments); changes by hand are ``status``'s.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, tenancy, uow
from app.live import common as live_common
from app.models import accounts, catalog, live, orders, orgs
from app.orders import exports, limits, locks, stock
from vietnam import phones

Status = orders.OrderStatus
LOOKUP_CHUNK = 500


@dataclasses.dataclass
class Summary:
    """What a write did, in counts; ``unmatched`` lists SKUs not found in the catalog."""

    orders: int = 0
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked_to_session: int = 0
    unmatched: list[dict[str, str]] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    layout: str | None = None
    order_ids: list[int] = dataclasses.field(default_factory=list)
    # Products whose stock this write moved: their marketplace listings need the new stock.
    stock_product_ids: list[int] = dataclasses.field(default_factory=list)
    # Imported sales beyond the stock (it stopped at 0): variant_id, sku, wanted, available.
    oversold: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def order_status(line_statuses: Sequence[str]) -> Status:
    """An order's status from its lines: a valid line's status when there is one, else the
    first line's (all cancelled or returned)."""
    valid = [Status(s) for s in line_statuses if Status(s).valid]
    return valid[0] if valid else Status(line_statuses[0])


def aware(value: dt.datetime) -> dt.datetime:
    """The parsers return naive UTC; the models store aware UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclasses.dataclass(frozen=True)
class Destination:
    """Where a write goes: one club, and the session the caller chose (if any)."""

    club_id: int
    live_session: live.LiveSession | None = None


def destination(
    session: so.Session,
    scope: tenancy.Scope,
    *,
    session_id: int | None = None,
    club_id: int | None = None,
) -> Destination:
    """The club (and chosen session) of a write: the session's club when one is chosen (it must
    be in scope), else ``club_id`` (the command line's ``--club``), else the scope's home club.
    Refuses read-only scopes and archived clubs; NoClub (422) when there is no club to use."""
    scope.check_writable()
    chosen: live.LiveSession | None = None
    if session_id is not None:
        chosen = (
            session.get(live.LiveSession, session_id) if limits.id_or_none(session_id) else None
        )
        if chosen is None or not scope.sees_club(chosen.club_id):
            raise errors.ValidationError(
                fields={"session_id": [_("Không tìm thấy phiên livestream.")]}
            )
        if club_id is not None and chosen.club_id != club_id:
            raise errors.ValidationError(
                fields={"session_id": [_("Phiên livestream không thuộc câu lạc bộ đã chọn.")]}
            )
        club_id = chosen.club_id
    elif club_id is not None:
        if (
            not limits.id_or_none(club_id)
            or not scope.sees_club(club_id)
            or session.get(orgs.Club, club_id) is None
        ):
            raise errors.ValidationError(fields={"club_id": [_("Không tìm thấy câu lạc bộ.")]})
    else:
        club_id = scope.home_club()
    return Destination(live_common.writable_club(session, scope, club_id), chosen)


def variants_by_sku(
    session: so.Session, club_id: int, skus: Iterable[str]
) -> dict[str, catalog.Variant]:
    """The club's catalog variants by upper-cased SKU (seller SKUs are typed in any case): only
    products of the producers the club works with; any other SKU is unmatched."""
    wanted = {sku.upper() for sku in skus if sku}
    if not wanted:
        return {}
    found = session.scalars(
        sa.select(catalog.Variant)
        .join(catalog.Product, catalog.Variant.product_id == catalog.Product.id)
        .where(
            sa.func.upper(catalog.Variant.sku).in_(sorted(wanted)),
            catalog.Product.producer_id.in_(tenancy.producers_of_club(club_id)),
        )
    )
    return {variant.sku.upper(): variant for variant in found}


def _sessions_around(
    session: so.Session,
    platforms: set[str],
    times: Sequence[dt.datetime],
    club_id: int,
) -> list[live.LiveSession]:
    """The club's sessions that may hold one of the times."""
    if not times:
        return []
    return list(
        session.scalars(
            sa.select(live.LiveSession)
            .where(
                live.LiveSession.club_id == club_id,
                live.LiveSession.platform.in_(sorted(platforms)),
                live.LiveSession.status != live.SessionStatus.CANCELLED,
                live.LiveSession.starts_at <= max(times),
                live.LiveSession.ends_at > min(times),
            )
            .order_by(live.LiveSession.starts_at.desc(), live.LiveSession.id.desc())
        )
    )


def session_at(
    sessions: Sequence[live.LiveSession], platform: str, placed_at: dt.datetime
) -> live.LiveSession | None:
    """The session on that platform whose half-open window holds the time (the later one when
    two touch or overlap)."""
    for row in sessions:  # newest start first
        if row.platform == platform and row.starts_at <= placed_at < row.ends_at:
            return row
    return None


def _streamers_by_handle(
    session: so.Session, club_id: int, handles: Iterable[str]
) -> dict[str, live.Streamer]:
    """The club's streamers by folded TikTok handle (another club's namesake never matches)."""
    wanted = {h.lstrip("@").casefold() for h in handles if h}
    if not wanted:
        return {}
    rows = session.scalars(
        sa.select(live.Streamer).where(
            live.Streamer.club_id == club_id, live.Streamer.tiktok_handle.is_not(None)
        )
    )
    return {
        row.tiktok_handle.lstrip("@").casefold(): row
        for row in rows
        if row.tiktok_handle and row.tiktok_handle.lstrip("@").casefold() in wanted
    }


def live_session_for(
    session: so.Session, scope: tenancy.Scope, session_id: int
) -> live.LiveSession:
    """A livestream of a club the scope reaches (404 otherwise: other clubs' ids say nothing)."""
    row = session.get(live.LiveSession, session_id) if limits.id_or_none(session_id) else None
    if row is None or not scope.sees_club(row.club_id):
        raise errors.NotFound(_("Không tìm thấy phiên livestream."))
    return row


def _existing_orders(
    session: so.Session, club_id: int, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], orders.Order]:
    """The club's stored orders by (platform, external id), locked for this transaction and
    read after the lock (``locks``): a concurrent write of the same order is waited for and then
    seen, so a status change moves stock exactly once. Another club's order with the same id is
    not this club's order. Looked up in chunks (bind-parameter limits)."""
    Order = orders.Order
    locks.claim_writes(session, Order)
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in keys:
        by_platform.setdefault(platform, []).append(external_id)
    ids: list[int] = []
    for platform, external_ids in sorted(by_platform.items()):
        for start in range(0, len(external_ids), LOOKUP_CHUNK):
            ids.extend(
                session.scalars(
                    sa.select(Order.id).where(
                        Order.club_id == club_id,
                        Order.platform == platform,
                        Order.external_id.in_(external_ids[start : start + LOOKUP_CHUNK]),
                    )
                )
            )
    locks.lock_rows(session, Order, ids)
    found: dict[tuple[str, str], orders.Order] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        rows = session.scalars(
            sa.select(Order)
            .where(Order.id.in_(ids[start : start + LOOKUP_CHUNK]))
            .options(so.selectinload(Order.lines))
            # Objects this session loaded before the lock must show the committed rows.
            .execution_options(populate_existing=True)
        )
        found.update({(row.platform, row.external_id): row for row in rows})
    return found


def _line_key(line: orders.OrderLine | dict[str, Any]) -> tuple[Any, ...]:
    if isinstance(line, orders.OrderLine):
        return (
            line.seller_sku,
            line.product_name,
            line.variation,
            line.quantity,
            line.unit_price,
            line.amount,
            str(line.status),
            line.variant_id,
        )
    return tuple(
        line[k]
        for k in (
            "seller_sku",
            "product_name",
            "variation",
            "quantity",
            "unit_price",
            "amount",
            "status",
            "variant_id",
        )
    )


def check_bounds(lines: Sequence[exports.OrderLine]) -> None:
    """The last guard of every way in (the forms, the API and the parsers report the same
    limits with their own field names and rows first): nothing out of ``limits`` is written."""
    fields: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        checks = {
            "quantity": limits.quantity_problem(line.quantity),
            "unit_price": limits.price_problem(line.unit_price),
            "amount": limits.amount_problem(line.amount),
            "placed_at": limits.time_problem(line.placed_at),
            "order_id": limits.text_problem(line.order_id, limits.MAX_EXTERNAL_ID),
        }
        for name, problem in checks.items():
            if problem:
                fields.setdefault(f"lines.{index}.{name}", []).append(problem)
    if fields:
        raise errors.ValidationError(fields=fields)


# Transaction failures a writer racing on the same rows can cause: a deadlock or a
# serialisation failure (PostgreSQL), a busy database (SQLite). Retried by the user (409).
_RACE_SQLSTATES = frozenset({"40001", "40P01"})


def lost_race(exc: sqlalchemy.exc.OperationalError) -> bool:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) in _RACE_SQLSTATES or "database is locked" in str(orig)


@contextlib.contextmanager
def _races_refused(session: so.Session) -> Iterator[None]:
    """Inside: when another write of the same order wins a race, ours is rolled back and ends
    in a Conflict (409) the caller may try again after."""
    try:
        yield
    except sqlalchemy.exc.IntegrityError as exc:
        # Another write put one of these orders into the club at the same moment (the unique
        # key (club_id, platform, external_id) refused ours). Roll back before the message is
        # built: translating it may read the user's language from this session.
        uow.discard(session, "the refused write goes before the message is worded")
        raise errors.Conflict(
            _("Đơn hàng vừa được ghi bởi một lần nhập khác; hãy thử lại.")
        ) from exc
    except sqlalchemy.exc.OperationalError as exc:
        if not lost_race(exc):
            raise
        uow.discard(session, "the lost race's write goes before the message is worded")
        raise errors.Conflict(
            _("Đơn hàng đang được ghi bởi một thao tác khác; hãy thử lại.")
        ) from exc


def record(
    session: so.Session,
    user: accounts.User | None,
    lines: Sequence[exports.OrderLine],
    *,
    to: Destination,
    source: orders.OrderSource,
    comment_batch_id: int | None = None,
    note: str | None = None,
) -> Summary:
    """Upsert the orders the lines make up (grouped by platform and order id) in the club of
    ``to`` (see ``destination``), in the caller's transaction (the caller commits).

    The stored orders are locked first (``_existing_orders``), so two writes of one order take
    turns: the second sees the first's lines, and stock moves only by the difference.
    When another write of the same order wins a race (the unique key refuses a second insert,
    or the database gives up on a lock), the transaction is rolled back and Conflict (409)
    raised: the caller may try again."""
    check_bounds(lines)
    with _races_refused(session):
        summary = Summary()
        club_id = to.club_id
        chosen = to.live_session
        grouped: dict[tuple[str, str], list[exports.OrderLine]] = {}
        for line in lines:
            grouped.setdefault((line.platform, line.order_id), []).append(line)
        if not grouped:
            return summary

        variants = variants_by_sku(session, club_id, (line.seller_sku for line in lines))
        windows = (
            []
            if chosen is not None
            else _sessions_around(
                session,
                {platform for platform, _id in grouped},
                [aware(line.placed_at) for line in lines],
                club_id,
            )
        )
        handles = _streamers_by_handle(session, club_id, (line.creator or "" for line in lines))
        existing = _existing_orders(session, club_id, list(grouped))
        unmatched: dict[str, str] = {}
        touched: list[orders.Order] = []
        # Stock follows the valid lines: +sold for new/changed lines, back for cancellations.
        sold: dict[int, int] = {}

        def count(lines: Iterable[tuple[int | None, str, int]], sign: int) -> None:
            for variant_id, status, quantity in lines:
                if variant_id is not None and Status(status).valid:
                    sold[variant_id] = sold.get(variant_id, 0) + sign * quantity

        # In key order: two imports inserting the same new orders insert them in the same order,
        # so one waits for the other instead of both waiting for each other.
        for platform, external_id in sorted(grouped):
            order_lines = grouped[(platform, external_id)]
            first = order_lines[0]
            placed_at = aware(first.placed_at)
            live_session = chosen or session_at(windows, platform, placed_at)
            streamer: live.Streamer | None = None
            if first.creator:
                streamer = handles.get(first.creator.lstrip("@").casefold())
            if streamer is None and live_session is not None and live_session.hosts:
                streamer = live_session.hosts[0]
            new_lines: list[dict[str, Any]] = []
            for position, line in enumerate(order_lines):
                variant = variants.get(line.seller_sku.upper()) if line.seller_sku else None
                if variant is None:
                    unmatched.setdefault(line.seller_sku, line.product_name)
                new_lines.append(
                    {
                        "position": position,
                        "seller_sku": line.seller_sku[:64],
                        "product_name": line.product_name[:300],
                        "variation": line.variation[:200],
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "amount": line.amount,
                        "status": str(Status(line.status)),
                        "variant_id": variant.id if variant else None,
                        "product_id": variant.product_id if variant else None,
                    }
                )
            fields: dict[str, Any] = {
                "status": order_status([line["status"] for line in new_lines]),
                "buyer_phone": phones.mobile(first.buyer_phone) if first.buyer_phone else None,
                "buyer_phone_raw": (first.buyer_phone or None) and first.buyer_phone[:40],
                "buyer_user": first.buyer_user and first.buyer_user[:120],
                "buyer_name": first.buyer_name and first.buyer_name[:200],
                "placed_at": placed_at,
            }
            if live_session is not None:
                fields["session_id"] = live_session.id
                fields["channel_account_id"] = live_session.channel_account_id
            if streamer is not None:
                fields["streamer_id"] = streamer.id

            row = existing.get((platform, external_id))
            if row is None:
                row = orders.Order(
                    platform=platform,
                    external_id=external_id,
                    source=source,
                    comment_batch_id=comment_batch_id,
                    note=note,
                    club_id=club_id,
                    created_by_id=user.id if user is not None else None,
                )
                for name, value in fields.items():
                    setattr(row, name, value)
                row.lines = [_new_line(data) for data in new_lines]
                session.add(row)
                count(_units(new_lines), +1)
                summary.created += 1
            else:
                same_fields = all(getattr(row, name) == value for name, value in fields.items())
                same_lines = [_line_key(x) for x in row.lines] == [_line_key(x) for x in new_lines]
                if same_fields and same_lines:
                    summary.unchanged += 1
                else:
                    if row.status != fields["status"]:
                        # A newer export (or entry) moved the order: kept in its history.
                        session.add(
                            orders.OrderStatusChange(
                                order_id=row.id,
                                from_status=row.status,
                                to_status=fields["status"],
                                via=orders.StatusChangeVia(str(source)),
                                changed_by_id=user.id if user is not None else None,
                            )
                        )
                    for name, value in fields.items():
                        setattr(row, name, value)
                    if not same_lines:
                        count(((x.variant_id, x.status, x.quantity) for x in row.lines), -1)
                        count(_units(new_lines), +1)
                        row.lines = [_new_line(data) for data in new_lines]
                    summary.updated += 1
            touched.append(row)
            summary.orders += 1
            summary.lines += len(new_lines)
            if row.session_id is not None:
                summary.linked_to_session += 1
        summary.unmatched = [{"sku": sku, "name": name} for sku, name in sorted(unmatched.items())]
        session.flush()
        move_stock(session, sold, source, summary)
        summary.order_ids = [row.id for row in touched]
        return summary


def _units(lines: Iterable[dict[str, Any]]) -> Iterator[tuple[int | None, str, int]]:
    return ((line["variant_id"], line["status"], line["quantity"]) for line in lines)


def move_stock(
    session: so.Session, sold: dict[int, int], source: orders.OrderSource, summary: Summary
) -> None:
    """Take sold units out of the variants' stock and give cancelled ones back.

    Orders taken here (manual entry, accepted comments) never oversell: too little stock
    refuses the whole write (409). An imported export reports sales that already happened
    on the marketplace, so there the stock stops at 0 and the shortfall is a warning (and in
    ``summary.oversold``: the one way, besides a stock edit, that stock + held units moves).
    """
    moved = [variant_id for variant_id, delta in sold.items() if delta]
    if not moved:
        return
    summary.stock_product_ids = sorted(
        set(
            session.scalars(
                sa.select(catalog.Variant.product_id).where(catalog.Variant.id.in_(moved))
            )
        )
    )
    clamp = source == orders.OrderSource.IMPORT
    shortages = stock.move(
        session, {variant_id: -delta for variant_id, delta in sold.items()}, clamp=clamp
    )
    for short in shortages:
        summary.oversold.append(dataclasses.asdict(short))
        summary.warnings.append(
            _(
                "Kho của %(sku)s chỉ còn %(available)d mà đơn bán %(wanted)d; tồn kho về 0.",
                sku=short.sku,
                available=short.available,
                wanted=short.wanted,
            )
        )


def after_commit(session: so.Session, user: accounts.User | None, summary: Summary) -> None:
    """Once the orders are committed: queue the marketplace sync of the products whose stock
    moved, so the shops show what is left (a broker failure is logged, not raised)."""
    if summary.stock_product_ids:
        from app.channels import sync  # late: channels import much of the app

        sync.products_changed(session, user, summary.stock_product_ids)


def _new_line(data: dict[str, Any]) -> orders.OrderLine:
    return orders.OrderLine(**{**data, "status": Status(data["status"])})
