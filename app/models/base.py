"""What several models build alike (beyond the column types of ``types``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import types


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


class Timestamps:
    """``created_at`` and ``updated_at`` (UTC, set by the app's clock on insert and on every
    update), the last two columns of the tables that keep both."""

    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow, onupdate=clock.utcnow
    )
