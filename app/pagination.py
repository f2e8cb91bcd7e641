"""One way to page through a query, for pages and the API alike."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so

T = TypeVar("T")
MAX_PER_PAGE = 100


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(
    session: so.Session, stmt: sa.Select[Any], page: int = 1, per_page: int = 20
) -> Page[Any]:
    page = max(1, page)
    per_page = max(1, min(MAX_PER_PAGE, per_page))
    offset = (page - 1) * per_page
    items = list(session.scalars(stmt.limit(per_page).offset(offset)))
    if 0 < len(items) < per_page or (page == 1 and not items):
        # A short (or empty first) page is the last one: its rows give the total, and the
        # COUNT query — a second round trip on every list call — is not needed.
        total = offset + len(items)
    else:
        counted = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
        total = int(session.scalar(counted) or 0)
    return Page(items=items, page=page, per_page=per_page, total=total)
