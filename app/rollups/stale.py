"""The stale marks: which cells and province months wait for the refresh job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from app.models import rollups
from app.rollups import cells


def _insert(session: so.Session) -> object:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def mark(
    session: so.Session,
    found: Iterable[cells.Cell],
    regions: Iterable[tuple[int, dt.date]] = (),
) -> None:
    """Mark cells (and province months) stale: a cell already stale gets a new version, so a
    worker remaking it meanwhile leaves it for the next round. One statement per table, rows in
    key order (two transactions marking the same cells lock them in the same order)."""
    insert = _insert(session)
    ordered = sorted(set(found))
    table = rollups.StaleCell.__table__
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        statement = insert(table).values(  # type: ignore[operator]
            [{"club_id": club, "month": month, "version": 1} for club, month in chunk]
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["club_id", "month"],
                set_={"version": table.c.version + 1},
            )
        )
    places = sorted(set(regions))
    region_table = rollups.StaleRegion.__table__
    for start in range(0, len(places), 1000):
        chunk_regions = places[start : start + 1000]
        statement = insert(region_table).values(  # type: ignore[operator]
            [{"province_code": code, "month": month} for code, month in chunk_regions]
        )
        session.execute(statement.on_conflict_do_nothing())


def cells_selling(session: so.Session, products: Collection[int]) -> set[cells.Cell]:
    """The aggregated cells that hold sales of these products."""
    S = rollups.SalesMonth
    keys = sorted(str(p) for p in products)
    out: set[cells.Cell] = set()
    for start in range(0, len(keys), 500):
        rows = session.execute(
            sa.select(S.club_id, S.month)
            .where(S.dim == "product", S.key.in_(keys[start : start + 500]))
            .distinct()
        )
        out.update((int(club), month) for club, month in rows)
    return out


def months_of_club(session: so.Session, club_id: int) -> list[dt.date]:
    S = rollups.SalesMonth
    stmt = sa.select(S.month).where(S.club_id == club_id, S.dim == "all").order_by(S.month)
    return list(session.scalars(stmt))


def waiting(session: so.Session, club_ids: Collection[int] | None = None) -> int:
    """How many cells wait to be remade (of these clubs)."""
    C = rollups.StaleCell
    stmt = sa.select(sa.func.count()).select_from(C)
    if club_ids is not None:
        stmt = stmt.where(C.club_id.in_(sorted(club_ids)) if club_ids else sa.false())
    return int(session.scalar(stmt) or 0)
