"""`flask rollups …`: status, refresh, rebuild (all clubs, one club, mark only) and check, whose
exit code is 1 when a stored figure differs from the lines and 2 for a bad month."""

from __future__ import annotations

from typing import Any

import flask
import flask.testing
import sqlalchemy as sa

from app import extensions
from app.models import rollups
from tests import conftest
from tests.integration.app import test_rollups as scenario
from tests.integration.app.test_orders_invariant import (  # noqa: F401  (autouse fixture)
    _no_marketplace_sync,
)


def _order(month: int) -> dict[str, Any]:
    return {
        "platform": "shopee",
        "status": "completed",
        "month": month,
        "lines": [(0, 2), (1, 1)],
        "phone": "0912345678",
        "user": None,
    }


def test_rollups_commands(
    app: flask.Flask,
    runner: flask.testing.FlaskCliRunner,
    people: conftest.People,
    other_club: Any,
    categories: dict[str, int],
) -> None:
    world = scenario._world(app, people, other_club, categories)
    for n, (club, month) in enumerate([(0, 0), (0, 2), (1, 1)]):
        scenario._post_order(world, club, f"CLI-{n}", _order(month))

    status = runner.invoke(args=["rollups", "status"])
    assert status.exit_code == 0 and "Đang chờ tính lại: 3 ô" in status.output
    done = runner.invoke(args=["rollups", "refresh"])
    assert done.exit_code == 0 and "Đã tính lại 3 ô" in done.output
    ok = runner.invoke(args=["rollups", "check"])
    assert ok.exit_code == 0, ok.output
    assert "0 chỗ khác; 0 ô đang chờ tính lại" in ok.output

    with app.app_context():
        S = rollups.SalesMonth
        extensions.db.session.execute(
            sa.update(S).where(S.dim == "all", S.club_id == people.club_id).values(gmv=1)
        )
        extensions.db.session.commit()
    broken = runner.invoke(args=["rollups", "check"])
    assert broken.exit_code == 1
    assert "sales_months" in broken.output and "gmv lưu 1" in broken.output
    one_month = runner.invoke(args=["rollups", "check", "--month", "2026-05"])
    assert one_month.exit_code == 0, one_month.output  # the tampered rows are April's and June's

    # rebuild one club marks only the months it sold in (April and June) for the workers
    mark = runner.invoke(args=["rollups", "rebuild", "--club", str(people.club_id), "--mark-only"])
    assert mark.exit_code == 0 and "Đã đánh dấu 2 ô" in mark.output
    rebuilt = runner.invoke(args=["rollups", "rebuild"])
    assert rebuilt.exit_code == 0 and "Đã tính lại 3 ô" in rebuilt.output  # 2 + the other club
    assert runner.invoke(args=["rollups", "check"]).exit_code == 0

    bad = runner.invoke(args=["rollups", "check", "--month", "2026-13"])
    assert bad.exit_code == 2 and "month" in bad.output
