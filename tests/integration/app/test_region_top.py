"""``reading.region_top`` answers exactly what adding up every row and sorting answers.

The national view's top products over a year reads each month's best rows as candidates and
adds up only theirs when a bound proves no other product can enter the top; otherwise it adds
up every row. Random region rows (ties, negative and zero Net GMV, months with fewer rows than
candidates, a product selling in one month only) and every candidate count from 1 up: the
answer always equals the brute force, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask
import hypothesis
import hypothesis.strategies as st
import sqlalchemy as sa

from app import extensions
from app.models import rollups
from app.rollups import reading

MONTHS = [dt.date(2026, m, 1) for m in range(1, 5)]
CODE = 7

row = st.tuples(
    st.sampled_from(MONTHS),
    st.integers(0, 24),  # product
    st.integers(-50, 1_000),  # Net GMV
    st.integers(0, 2_000),  # GMV
)


def _brute(rows: dict[tuple[dt.date, str], tuple[int, int]], limit: int) -> list[Any]:
    sums: dict[str, list[int]] = {}
    for (_month, key), (net, gmv) in rows.items():
        into = sums.setdefault(key, [0, 0])
        into[0] += net
        into[1] += gmv
    ranked = sorted(sums.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    return [(key, net, gmv) for key, (net, gmv) in ranked[:limit]]


@hypothesis.settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@hypothesis.given(
    drawn=st.lists(row, max_size=80),
    limit=st.integers(1, 6),
    candidates=st.integers(1, 8),
    months=st.integers(1, 4),
)
def test_the_top_over_months_equals_adding_up_every_row(
    app: flask.Flask, drawn: list[Any], limit: int, candidates: int, months: int
) -> None:
    rows = {(month, f"{key:03d}"): (net, gmv) for month, key, net, gmv in drawn}
    R = rollups.RegionSketch
    with app.app_context():
        session = extensions.db.session()
        session.execute(sa.delete(R))
        if rows:
            session.execute(
                sa.insert(R),
                [
                    {
                        "province_code": CODE,
                        "month": month,
                        "dim": "product",
                        "key": key,
                        "gmv": gmv,
                        "net_gmv": net,
                        "orders": 1,
                        "units": 1,
                    }
                    for (month, key), (net, gmv) in rows.items()
                ],
            )
            # another region's and another breakdown's rows never count
            session.execute(
                sa.insert(R),
                [
                    {
                        "province_code": CODE + 1,
                        "month": MONTHS[0],
                        "dim": "product",
                        "key": "000",
                        "gmv": 10**9,
                        "net_gmv": 10**9,
                        "orders": 1,
                        "units": 1,
                    },
                    {
                        "province_code": CODE,
                        "month": MONTHS[0],
                        "dim": "producer",
                        "key": "000",
                        "gmv": 10**9,
                        "net_gmv": 10**9,
                        "orders": 1,
                        "units": 1,
                    },
                ],
            )
        session.commit()
        window = MONTHS[:months]
        found = reading.region_top(session, CODE, window, "product", limit, candidates)
        session.execute(sa.delete(R))
        session.commit()
    expected = _brute({k: v for k, v in rows.items() if k[0] in window}, limit)
    assert [(key, f["net_gmv"], f["gmv"]) for key, f in found] == expected
