"""The refresh job on several workers: disjoint claims, nothing lost, a dead worker's cells
taken back after its lease.

Writers post orders through the API while two workers (threads, each its own app context and
database session, as two Celery workers would be) refresh in a loop; at the end nothing is
stale and every stored figure equals the lines'. A cell written again while a worker remakes
it stays stale for the next round; a worker that dies after claiming leaves its cells leased
until the lease runs out, then another worker takes them.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.core import uow
from app.models import rollups
from app.rollups import check, refresh, stale
from tests import conftest
from tests.integration.app import test_rollups as scenario
from tests.integration.app.test_orders_invariant import (  # noqa: F401  (autouse fixture)
    _no_marketplace_sync,
)


def _order(month: int, lines: list[tuple[int, int]], phone: str | None) -> dict[str, Any]:
    return {
        "platform": "tiktok",
        "status": "paid",
        "month": month,
        "lines": lines,
        "phone": phone,
        "user": None,
    }


def _settled(app: flask.Flask) -> check.Checked:
    with app.app_context():
        session = extensions.db.session
        refresh.refresh(session)
        assert stale.waiting(session) == 0
        return check.check(session)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_and_four_writers_lose_nothing(
    app: flask.Flask, people: conftest.People, other_club: Any, categories: dict[str, int]
) -> None:
    world = scenario._world(app, people, other_club, categories)
    done = threading.Event()
    problems: list[str] = []
    rounds = [0, 0]

    def worker(index: int) -> None:
        with app.app_context():
            session = extensions.db.session
            try:
                while not done.is_set():
                    rounds[index] += refresh.refresh(session, batch=2).rounds
            except Exception as exc:  # reported below
                problems.append(f"worker {index}: {exc!r}")
            finally:
                extensions.db.session.remove()

    def writer(index: int) -> None:
        try:
            for n in range(12):
                order = _order(n % 3, [(n % 2, 1 + n % 3)], scenario.PHONES[(index + n) % 4])
                status = scenario._post_order(world, index % 2, f"W{index}-{n}", order)
                if status not in (200, 201):
                    problems.append(f"writer {index}: {status}")
        except Exception as exc:
            problems.append(f"writer {index}: {exc!r}")

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    writers = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in workers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in workers:
        thread.join()
    assert problems == []
    assert sum(rounds) > 0  # the workers did remake cells while the writers wrote
    result = _settled(app)
    assert result.differences == []
    with app.app_context():
        S = rollups.SalesMonth
        orders = extensions.db.session.scalar(
            sa.select(sa.func.sum(S.orders)).where(S.dim == "all")
        )
    assert orders == 4 * 12


def test_a_cell_written_while_remade_stays_stale_and_a_dead_workers_lease_runs_out(
    app: flask.Flask, people: conftest.People, other_club: Any, categories: dict[str, int]
) -> None:
    world = scenario._world(app, people, other_club, categories)
    scenario._post_order(world, 0, "L-1", _order(0, [(0, 2)], "0912345678"))
    now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    with app.app_context():
        session = extensions.db.session
        with uow.unit_of_work(session):
            claimed = refresh.claim(session, now)
        assert len(claimed) == 1
        # another worker finds nothing to claim while the lease holds
        with uow.unit_of_work(session):
            assert refresh.claim(session, now + dt.timedelta(minutes=5)) == []
    # the cell changes while the first worker remakes it
    scenario._post_order(world, 0, "L-2", _order(0, [(1, 1)], None))
    with app.app_context():
        session = extensions.db.session
        with uow.unit_of_work(session):
            refresh.remake_cells(session, [(c, m) for c, m, _ in claimed])
            refresh._release(session, claimed)
        # still stale (its version moved on), lease released: the next round takes it
        row = session.scalars(sa.select(rollups.StaleCell)).one()
        assert row.version == 2 and row.lease_until is None
    # a worker claims and dies (its transaction never comes): after the lease, another takes it
    with app.app_context():
        session = extensions.db.session
        with uow.unit_of_work(session):
            assert len(refresh.claim(session, now)) == 1
        later = now + refresh.LEASE + dt.timedelta(seconds=1)
        done = refresh.refresh(session, now=lambda: later)
        assert done.cells == 1
    result = _settled(app)
    assert result.differences == []
    with app.app_context():
        S = rollups.SalesMonth
        assert (
            extensions.db.session.scalar(
                sa.select(S.orders).where(S.dim == "all", S.club_id == people.club_id)
            )
            == 2
        )
