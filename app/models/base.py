"""What several models build alike (beyond the column types of ``types``)."""

from __future__ import annotations

import sqlalchemy as sa

from app import extensions


def link_table(
    name: str, first: tuple[str, str], second: tuple[str, str], *, index_second: bool
) -> sa.Table:
    """A many-to-many link table: two ``(column, table)`` references to ``<table>.id``, together
    the primary key, each row deleted with either side; ``index_second`` indexes the second
    column for lookups from its side (the key already serves the first's)."""
    return sa.Table(
        name,
        extensions.db.metadata,
        _link_column(*first),
        _link_column(*second, index=True if index_second else None),
    )


def _link_column(column: str, table: str, index: bool | None = None) -> sa.Column[int]:
    return sa.Column(
        column, sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True, index=index
    )
