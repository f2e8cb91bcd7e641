"""Row locks for read-then-write steps (an order's status change, a batch's acceptance, a stock
move), so concurrent writers of the same rows take turns and each sees what the one before it
wrote.

PostgreSQL: ``SELECT … FOR NO KEY UPDATE`` (the lock an UPDATE takes; rows referencing the
locked ones may still be inserted) in id order, so two writers locking overlapping sets never
deadlock; a writer waits for the other's commit and then reads the committed rows.
SQLite has one writer at a time: a no-op UPDATE takes the database's write lock at once (the
driver starts its transaction at the first write, never at a read), so the reads that follow
are the latest and no other writer can commit before this transaction ends.
Every lock is held until the caller commits or rolls back.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

CHUNK = 500  # bind-parameter limits


def _dialect(session: so.Session) -> str:
    return session.get_bind().dialect.name


def claim_writes(session: so.Session, table: Any) -> None:
    """SQLite: take the write lock now, before reading what will be written (no-op on
    PostgreSQL, whose row locks are taken by ``lock_rows``)."""
    if _dialect(session) == "sqlite":
        session.execute(
            sa.update(table)
            .where(table.id == -1)
            .values(id=table.id)
            .execution_options(synchronize_session=False)
        )


def lock_rows(session: so.Session, table: Any, ids: Collection[int]) -> None:
    """Lock these rows (of a mapped class with an ``id``) for this transaction, in id order."""
    if _dialect(session) != "postgresql":
        claim_writes(session, table)
        return
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        session.execute(
            sa.select(table.id)
            .where(table.id.in_(ordered[start : start + CHUNK]))
            .order_by(table.id)
            .with_for_update(key_share=True)
        ).all()
