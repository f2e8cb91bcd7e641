"""Totals are right whether they come from a COUNT or from a short last page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from app import pagination


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
