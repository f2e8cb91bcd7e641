"""What several models build alike (beyond the column types of ``types``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

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


def insert_once(
    session: so.Session, model: type[extensions.Model], values: dict[str, object], key: list[str]
) -> int | None:
    """Insert a row unless one with the same ``key`` columns is there (``INSERT … ON CONFLICT
    DO NOTHING`` on PostgreSQL and SQLite): its new id, or None when it was already there.
    Two sessions inserting the same key at once store it once."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=key)
        .returning(model.id)  # type: ignore[attr-defined]
    )
    return session.execute(statement).scalar_one_or_none()
