"""Totals are right whether they come from a COUNT or from a short last page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core import pagination


class Base(so.DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "rows"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)


@pytest.fixture
def session() -> Iterator[so.Session]:
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with so.Session(engine) as db:
        db.add_all([Row(id=i) for i in range(1, 6)])  # five rows
        db.commit()
        yield db
    engine.dispose()


@pytest.mark.parametrize(
    ("page", "per_page", "ids", "counted"),
    [
        (1, 2, [1, 2], True),  # full page: COUNT
        (3, 2, [5], False),  # short last page: total from its rows
        (4, 2, [], True),  # past the end: COUNT
        (1, 10, [1, 2, 3, 4, 5], False),
        (1, 5, [1, 2, 3, 4, 5], True),  # exactly full: there may be more
    ],
)
def test_total(
    session: so.Session, page: int, per_page: int, ids: list[int], counted: bool
) -> None:
    statements: list[str] = []
    sa.event.listen(session.get_bind(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    result = pagination.paginate(session, sa.select(Row).order_by(Row.id), page, per_page)
    assert [row.id for row in result.items] == ids
    assert result.total == 5
    assert any("count(" in s.lower() for s in statements) is counted


def test_empty_query(session: so.Session) -> None:
    empty = pagination.paginate(session, sa.select(Row).where(Row.id > 99), 1, 20)
    assert (empty.items, empty.total, empty.pages) == ([], 0, 1)


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        (None, 1),
        ("", 1),
        ("abc", 1),
        ("-1", 1),
        ("0", 1),
        ("1.5", 1),
        ("١٢", 1),
        ("+3", 3),
        (" 7 ", 7),
        (str(pagination.MAX_PAGE), pagination.MAX_PAGE),
        (str(pagination.MAX_PAGE + 1), pagination.MAX_PAGE),
        ("9223372036854775808", pagination.MAX_PAGE),  # 2**63
        ("9" * 5000, pagination.MAX_PAGE),
    ],
)
def test_page_number_from_a_query_string_is_clamped(raw: str | None, page: int) -> None:
    assert pagination.page_number(raw) == page


@pytest.mark.parametrize("page", [2**63, 2**64, -(2**63), 0])
def test_paginate_clamps_pages_the_database_cannot_offset(session: so.Session, page: int) -> None:
    """OFFSET (page - 1) × per_page of 2**63 overflows SQLite's integer (and PostgreSQL's
    bigint): the page is held to MAX_PAGE first."""
    result = pagination.paginate(session, sa.select(Row).order_by(Row.id), page, 2)
    assert result.page == (1 if page < 1 else pagination.MAX_PAGE)
    assert result.total == 5
    assert [row.id for row in result.items] == ([1, 2] if page < 1 else [])
