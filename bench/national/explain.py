"""The plans behind the figures: EXPLAIN (ANALYZE, BUFFERS) of what the app sends.

``statements`` records every statement a call sends through the app's engine (SQL and
parameters as the driver received them); ``plans`` runs each again under EXPLAIN ANALYZE in a
transaction it rolls back. The bench writes them for the country's and a province's year views
(``region_view``) and for the refresh's month load (``app.rollups.cells.load_month``, one batch
of clubs, and every club as ``check`` loads it), so docs/scale.md can say which indexes the
reads use at full size.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

Sent = tuple[str, Any]


@contextlib.contextmanager
def statements(engine: sa.Engine) -> Iterator[list[Sent]]:
    """The statements sent through ``engine`` inside the block."""
    sent: list[Sent] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def plans(engine: sa.Engine, sent: list[Sent], keep: Callable[[str], bool] | None = None) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of each query sent (SELECT or WITH; those ``keep`` accepts),
    as text."""
    out: list[str] = []
    with engine.connect() as connection:
        for statement, parameters in sent:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            if keep is not None and not keep(statement):
                continue
            rows = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            ).all()
            out.append(statement.strip())
            out.extend(str(row[0]) for row in rows)
            out.append("")
        connection.rollback()
    return "\n".join(out)
