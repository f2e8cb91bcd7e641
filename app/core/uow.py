"""The unit of work: a service call commits once at its end, or rolls back.

A service function that writes takes the session first and is marked ``@transactional``
(or opens ``with unit_of_work(session):``). When the outermost unit ends it commits once; when
an exception leaves any unit the whole transaction rolls back and the exception goes on, so a
half-written row is never kept and a caller never commits what a failed call began. A service
called from another joins the outer unit: it does not commit on its own (the depth is kept in
``session.info``, which lives as long as the request's or the worker's session).

A few places must commit mid-way on purpose, so that another process sees the row before the
slow part starts (a lease taken before a marketplace call, a job's progress, a render marked
"running" before ffmpeg). Those say so: ``checkpoint(session, "why")``. A few must drop what the
transaction holds on purpose (release a row lock when there is nothing to write, clean the
session after a database error in a page): ``discard(session, "why")``. Nothing else in ``app/``
calls ``commit()`` or ``rollback()`` (``tests/unit/app/test_uow.py`` walks the code to check).

Kept small on purpose (after the unit of work in *Architecture Patterns with Python*): the
session is Flask-SQLAlchemy's scoped one, so the unit does not open or close sessions, it only
decides when the transaction ends.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar, cast

import sqlalchemy as sa
import sqlalchemy.orm as so

__all__ = ["affected", "checkpoint", "depth", "discard", "transactional", "unit_of_work"]

log = logging.getLogger(__name__)

_DEPTH = "app.uow.depth"

P = ParamSpec("P")
R = TypeVar("R")


def depth(session: so.Session) -> int:
    """How many units are open on this session (0: none; the next one is the outermost)."""
    value = session.info.get(_DEPTH, 0)
    return value if isinstance(value, int) else 0


@contextlib.contextmanager
def unit_of_work(session: so.Session) -> Iterator[so.Session]:
    """Commit once when the outermost unit ends; roll back when an exception leaves any unit."""
    outer = depth(session)
    session.info[_DEPTH] = outer + 1
    try:
        yield session
    except BaseException:
        session.info[_DEPTH] = outer
        # A failed part dooms the whole unit: what the outer units wrote goes too, exactly as
        # if nothing had been called (the caller sees the exception and may start afresh).
        _rollback_quietly(session)
        raise
    session.info[_DEPTH] = outer
    if outer == 0:
        try:
            session.commit()
        except BaseException:  # the flush at commit failed (a unique index, a stale version)
            _rollback_quietly(session)
            raise


def _rollback_quietly(session: so.Session) -> None:
    try:
        session.rollback()
    except Exception:  # a lost connection: the first exception is the one to report
        log.debug("rollback after a failed unit of work failed", exc_info=True)


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service function (session first, or ``session=``) as one unit of work."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        session = kwargs.get("session", args[0] if args else None)
        if not isinstance(session, so.Session | so.scoped_session):
            raise TypeError(f"{fn.__qualname__}: a unit of work needs the session first")
        with unit_of_work(session):  # type: ignore[arg-type]
            return fn(*args, **kwargs)

    return run


def checkpoint(session: so.Session, why: str) -> None:
    """Commit now, on purpose, so other processes see it (``why`` says what for).

    Whatever the open units wrote so far is committed with it; the unit goes on in a new
    transaction and still commits (or rolls back what comes after) at its end.
    """
    if not why.strip():
        raise ValueError("a checkpoint says why it commits")
    log.debug("checkpoint: %s", why)
    session.commit()


def discard(session: so.Session, why: str) -> None:
    """Roll back now, on purpose (``why`` says what for): nothing to keep, or a failed session.

    Loaded rows are expired (read again on next use) and new ones are dropped.
    """
    if not why.strip():
        raise ValueError("a discard says why it rolls back")
    log.debug("discard: %s", why)
    session.rollback()


def affected(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE statement's ``result`` changed (its cursor's rowcount;
    ``Session.execute`` is typed as returning any result, a DML statement gives a cursor's)."""
    return cast(sa.CursorResult[Any], result).rowcount
