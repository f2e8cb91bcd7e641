"""Housekeeping for the embedded broker (kombu's SQLAlchemy transport, ``sqla+…`` URLs).

That transport hands a message to a worker by marking its row ``visible = false`` and never
deletes it: not when the task is acknowledged, not ever. Every job and every beat chore would
stay in ``broker.sqlite`` for good: beat alone sends about 4,800 messages a day of ~930 bytes,
some 4.5 MB a day, 1.6 GB a year on a club's laptop. A row
that is no longer visible is never read again (the transport does not deliver it twice, and an
acknowledgement does not touch the table), so deleting those rows is always safe; the visible
ones are the messages still waiting and are kept.
"""

from __future__ import annotations

import sqlalchemy as sa

EMBEDDED_PREFIX = "sqla+"
# kombu.transport.sqlalchemy's default table (this app sets no ``message_tablename``).
_MESSAGES = sa.table("kombu_message", sa.column("visible", sa.Boolean))


def tidy(broker_url: str) -> int:
    """Delete the delivered messages the embedded broker keeps; the number deleted (0 for any
    other broker, which deletes its own)."""
    if not broker_url.startswith(EMBEDDED_PREFIX):
        return 0
    engine = sa.create_engine(broker_url.removeprefix(EMBEDDED_PREFIX))
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table(_MESSAGES.name):
                return 0  # no worker has opened the broker yet
            deleted = connection.execute(sa.delete(_MESSAGES).where(_MESSAGES.c.visible.is_(False)))
            return max(0, deleted.rowcount)
    finally:
        engine.dispose()
