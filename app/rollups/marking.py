"""Mark the cells whose sales changed, in the transaction that changed them.

Every write to orders and order lines goes through the ORM (the order service, the imports,
the live desk, payments, shipping returns), so one session hook sees them all: before each
flush it notes the (club, month) cells of the orders and lines being added, changed in a way
the figures read, or deleted; of the products whose producer, category or stars changed; of the
categories moved under another ngành; of the clubs moved to another province. Just before the
commit it writes them to ``stale_cells``/``stale_regions`` in one sorted statement each (a
second change of a stale cell bumps its ``version``, so a worker remaking it meanwhile leaves
it stale). A rollback drops the notes with the changes. The refresh job (``refresh``) does the
rest.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.event
import sqlalchemy.orm as so

from app.models import catalog, orgs, rollups
from app.models import orders as order_models
from app.rollups import cells, stale

_NOTES = "app.rollups.notes"

# What the figures read (a change to anything else, such as a payment or an address, leaves
# the aggregates as they are).
ORDER_FIELDS = (
    "club_id",
    "placed_at",
    "session_id",
    "platform",
    "streamer_id",
    "buyer_phone",
    "buyer_user",
)
LINE_FIELDS = ("order_id", "product_id", "status", "quantity", "amount")
PRODUCT_FIELDS = ("producer_id", "category_id", "ocop_stars")


class _Notes:
    def __init__(self) -> None:
        self.cells: set[cells.Cell] = set()
        self.order_ids: set[int] = set()
        self.products: set[int] = set()
        self.categories: set[int] = set()
        self.moved_clubs: set[tuple[int, int | None]] = set()  # (club, old province)

    def __bool__(self) -> bool:
        return bool(
            self.cells or self.order_ids or self.products or self.categories or self.moved_clubs
        )


_switch: list[Callable[[], bool]] = [lambda: True]


def listen(enabled: Callable[[], bool]) -> None:
    """Hook every session's flushes and commits (once per process); ``enabled`` says whether
    the app in use keeps aggregates (asked at each commit)."""
    _switch[0] = enabled
    if not sa.event.contains(so.Session, "before_flush", _before_flush):
        sa.event.listen(so.Session, "before_flush", _before_flush)
        sa.event.listen(so.Session, "before_commit", _before_commit)
        sa.event.listen(so.Session, "after_soft_rollback", _after_rollback)


def _notes(session: so.Session) -> _Notes:
    notes = session.info.get(_NOTES)
    if not isinstance(notes, _Notes):
        notes = session.info[_NOTES] = _Notes()
    return notes


def _history(obj: Any, field: str) -> tuple[list[Any], bool]:
    """(current and previous values, changed?) of one attribute."""
    history = sa.inspect(obj).attrs[field].history
    values = [*history.added, *history.unchanged, *history.deleted]
    return values, bool(history.added or history.deleted)


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    return any(_history(obj, field)[1] for field in fields)


def _note_order(notes: _Notes, order: order_models.Order) -> None:
    """The order's cells now and before the change; its id when they are not loaded (an
    expired order: the commit reads them)."""
    club_ids, _ = _history(order, "club_id")
    times, _ = _history(order, "placed_at")
    found = {
        (int(club_id), cells.month_of(placed))
        for club_id, placed in itertools.product(club_ids, times)
        if club_id is not None and isinstance(placed, dt.datetime)
    }
    notes.cells |= found
    if not found and order.id is not None:
        notes.order_ids.add(order.id)


def _before_flush(session: so.Session, _context: Any, _instances: Any) -> None:
    notes = _notes(session)
    new, deleted = set(session.new), set(session.deleted)
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        fresh = obj in new or obj in deleted
        if isinstance(obj, order_models.Order):
            if fresh or _changed(obj, ORDER_FIELDS):
                _note_order(notes, obj)
        elif isinstance(obj, order_models.OrderLine):
            if fresh or _changed(obj, LINE_FIELDS):
                order = obj.__dict__.get("order")
                if isinstance(order, order_models.Order):
                    _note_order(notes, order)
                for order_id in _history(obj, "order_id")[0]:
                    if order_id is not None:
                        notes.order_ids.add(int(order_id))
        elif isinstance(obj, catalog.Product):
            if obj.id is not None and obj not in new and _changed(obj, PRODUCT_FIELDS):
                notes.products.add(obj.id)
        elif isinstance(obj, catalog.OcopCategory):
            if obj.id is not None and obj not in new and _changed(obj, ("parent_id",)):
                notes.categories.add(obj.id)
        elif isinstance(obj, orgs.Club):
            values, changed = _history(obj, "province_code")
            if obj.id is not None and obj not in new and changed:
                for old in values:
                    notes.moved_clubs.add((obj.id, old))


def _after_rollback(session: so.Session, _previous: so.SessionTransaction) -> None:
    session.info.pop(_NOTES, None)


def _before_commit(session: so.Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit would flush them after this hook: note them now
    notes = session.info.pop(_NOTES, None)
    if not isinstance(notes, _Notes) or not notes or not _switch[0]():
        return
    found = set(notes.cells)
    if notes.order_ids:
        Ord = order_models.Order
        ids = sorted(notes.order_ids)
        for chunk in range(0, len(ids), 500):
            rows = session.execute(
                sa.select(Ord.club_id, Ord.placed_at).where(Ord.id.in_(ids[chunk : chunk + 500]))
            )
            found.update((int(club), cells.month_of(placed)) for club, placed in rows)
    products = set(notes.products)
    if notes.categories:
        products |= _products_under(session, notes.categories)
    if products:
        found |= stale.cells_selling(session, products)
    regions: set[tuple[int, dt.date]] = set()
    for club_id, old_province in notes.moved_clubs:
        club = session.get(orgs.Club, club_id)
        months = stale.months_of_club(session, club_id)
        for province in {old_province, club.province_code if club else None}:
            code = rollups.NO_PROVINCE if province is None else int(province)
            regions.update((code, month) for month in months)
    stale.mark(session, found, regions)


def _products_under(session: so.Session, categories: set[int]) -> set[int]:
    """Products in these categories or below them."""
    C, P = catalog.OcopCategory, catalog.Product
    children: dict[int, list[int]] = {}
    for category_id, parent_id in session.execute(sa.select(C.id, C.parent_id)):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(category_id)
    todo, seen = list(categories), set(categories)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    rows = session.execute(sa.select(P.id).where(P.category_id.in_(sorted(seen)))).scalars()
    return set(rows)
