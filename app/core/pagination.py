"""One way to page through a query, for pages and the API alike.

Page numbers run 1 … ``MAX_PAGE`` and page sizes 1 … ``MAX_PER_PAGE``. The convention: pages
(HTML) are forgiving and clamp — ``?page=abc`` or ``-1`` is page 1, ``?page=2**63`` is page
``MAX_PAGE`` (an empty page past the end) — while the API refuses a value outside the bounds
with a 422 field error (``app.api.schemas.PageArgsSchema``). Either way no page number reaches
the database as an OFFSET it cannot hold."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so

T = TypeVar("T")
MAX_PAGE = 100_000
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


def page_number(raw: Any) -> int:
    """A page number from a query string, clamped to 1 … MAX_PAGE; 1 when it is missing or not
    a whole number."""
    value = str(raw if raw is not None else "").strip()
    digits = value.removeprefix("+")
    if not (digits.isascii() and digits.isdigit()):  # also '-1', '1.5', '١٢'
        return 1
    # Compare lengths first: int() of a 5,000-digit string raises.
    return MAX_PAGE if len(digits) > len(str(MAX_PAGE)) else max(1, min(MAX_PAGE, int(digits)))


def paginate(
    session: so.Session, stmt: sa.Select[Any], page: int = 1, per_page: int = 20
) -> Page[Any]:
    """One page of ``stmt``; ``page`` and ``per_page`` are clamped to their bounds."""
    page = max(1, min(MAX_PAGE, page))
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
