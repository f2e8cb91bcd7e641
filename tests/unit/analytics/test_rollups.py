"""Rollups per cell equal the metrics of each cell's own lines; sketches merge and estimate.

The conftest club's lines in two cells (odd and even orders), then random lines in many cells:
every (cell, breakdown, value) row equals :func:`analytics.metrics.breakdown` over that cell's
lines alone, and the sketches' merged estimates stay within the stated error of the exact
distinct count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import metrics, rollups, sketches


def _random_lines(seed: int, n_orders: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lines_per_order = rng.integers(1, 4, n_orders)
    order = np.repeat(np.arange(1, n_orders + 1), lines_per_order)
    n = len(order)
    phone_pool = np.array([f"09{i:08d}" for i in range(n_orders // 3 + 1)], dtype=object)
    order_phone = np.where(
        rng.random(n_orders) < 0.6, phone_pool[rng.integers(0, len(phone_pool), n_orders)], None
    )
    order_user = np.where(
        rng.random(n_orders) < 0.5,
        np.array([f"u{i}" for i in rng.integers(0, 50, n_orders)], dtype=object),
        None,
    )
    platforms = np.array(["shopee", "tiktok", "facebook"], dtype=object)
    order_platform = platforms[rng.integers(0, 3, n_orders)]
    statuses = np.array(["placed", "paid", "shipped", "completed", "cancelled", "returned"])
    products = rng.integers(1, 12, n)
    product_ids = pd.array(np.where(products == 11, -1, products), dtype="Int64")
    product_ids[product_ids == -1] = pd.NA
    return pd.DataFrame(
        {
            "order_id": order,
            "status": statuses[rng.integers(0, 6, n)],
            "quantity": rng.integers(1, 5, n),
            "amount": rng.integers(1, 500, n) * 1000,
            "placed_at": pd.Timestamp("2026-01-01", tz="UTC"),
            "buyer_phone": order_phone[order - 1],
            "buyer_platform_id": order_user[order - 1],
            "platform": order_platform[order - 1],
            "product_id": product_ids,
            "producer_id": pd.array(
                [None if p is pd.NA else int(p) % 4 for p in product_ids], dtype="Int64"
            ),
            "streamer_id": rng.integers(1, 4, n),
            "ocop_group": np.array(["Thực phẩm", "Đồ uống", None], dtype=object)[
                rng.integers(0, 3, n)
            ],
            "ocop_stars": pd.array(rng.integers(3, 6, n), dtype="Int64"),
            "session_id": pd.array(
                np.where(rng.random(n) < 0.3, -1, rng.integers(1, 6, n)), dtype="Int64"
            ).map(lambda v: pd.NA if v == -1 else v),
        }
    )


def _check_against_breakdown(lines: pd.DataFrame, cell: np.ndarray) -> int:
    table = rollups.rollup(lines, cell)
    checked = 0
    for code in np.unique(cell).tolist():
        own = lines[cell == code].reset_index(drop=True)
        got = table[table["cell"] == code]
        total = metrics.summary(own)
        row = got[got["dim"] == "all"].iloc[0]
        for name in rollups.FIGURES:
            assert int(row[name]) == total[name], (code, "all", name)
        for dim, column in rollups.DIMENSIONS.items():
            if column is None:
                continue
            expected = metrics.breakdown(own, column)
            mine = got[got["dim"] == dim]
            assert len(mine) == len(expected), (code, dim)
            by_key = dict(zip(mine["key"], mine.itertuples(), strict=True))
            for _, want in expected.iterrows():
                key = want[column]
                key = None if key is None or key is pd.NA else key
                have = by_key[key]
                for name in rollups.FIGURES:
                    assert int(getattr(have, name)) == int(want[name]), (code, dim, key, name)
                checked += 1
    return checked


def test_conftest_club_in_two_cells(lines: pd.DataFrame) -> None:
    cell = np.where(pd.factorize(lines["order_id"])[0] % 2 == 0, 0, 1)
    assert _check_against_breakdown(lines, cell) > 10


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_lines_in_many_cells(seed: int) -> None:
    lines = _random_lines(seed, 600)
    order_cell = np.random.default_rng(seed + 100).integers(0, 7, 601)
    cell = order_cell[lines["order_id"].to_numpy()]
    assert _check_against_breakdown(lines, cell) > 200


def test_sketches_carry_the_cells_buyers_and_merge() -> None:
    lines = _random_lines(7, 3000)
    cell = np.random.default_rng(8).integers(0, 5, 3001)[lines["order_id"].to_numpy()]
    table = rollups.rollup(lines, cell)
    alls = table[table["dim"] == "all"]
    for row in alls.itertuples():
        # a cell's buyers are a few hundred: linear counting: ~1 % standard error
        got = sketches.estimate(sketches.decode(row.sketch))
        assert abs(got - row.buyers) <= max(3, 0.035 * row.buyers)  # 3 standard errors
    merged = sketches.merge_encoded(alls["sketch"].tolist())
    exact = metrics.summary(lines)["buyers"]
    assert exact < int(alls["buyers"].sum())  # buyers do not add up across cells
    assert abs(sketches.estimate(merged) - exact) <= max(3, 0.033 * exact)
    # breakdowns with few values carry sketches, products do not
    assert table[table["dim"] == "product"]["sketch"].isna().all()
    assert table[(table["dim"] == "platform") & (table["net_gmv"] > 0)]["sketch"].notna().all()


def test_buyer_key_text_follows_the_order() -> None:
    lines = pd.DataFrame(
        {
            "order_id": [1, 1, 2, 3, 4],
            "buyer_phone": [None, "+84 912 345 678", None, None, "12"],
            "buyer_platform_id": ["a", "a", "a", None, None],
            "platform": ["shopee", "shopee", "tiktok", "shopee", "shopee"],
        }
    )
    assert rollups.buyer_key_text(lines).tolist() == [
        "p:0912345678",
        "p:0912345678",
        "u:tiktok:a",
        "o:3",
        "o:4",  # not a valid mobile: the order is its own buyer
    ]


@pytest.mark.parametrize("n", [0, 1, 50, 1000, 20_000, 200_000])
def test_estimates_within_the_stated_error(n: int) -> None:
    sketch = sketches.of_keys(f"p:09{i:08d}" for i in range(n))
    got = sketches.estimate(sketch)
    assert abs(got - n) <= max(1, 3 * sketches.STANDARD_ERROR * n), (n, got)
    again = sketches.decode(sketches.encode(sketch))
    assert np.array_equal(again, sketch)


def test_merge_is_the_union() -> None:
    a = sketches.of_keys(f"k{i}" for i in range(0, 6000))
    b = sketches.of_keys(f"k{i}" for i in range(3000, 9000))
    union = sketches.merge([a, b])
    assert np.array_equal(union, sketches.of_keys(f"k{i}" for i in range(9000)))
    assert abs(sketches.estimate(union) - 9000) <= 3 * sketches.STANDARD_ERROR * 9000


def test_bad_bytes_are_refused() -> None:
    for data in (b"", b"X123", b"D" + bytes(10), b"S" + bytes(4)):
        with pytest.raises(sketches.BadSketch):
            sketches.decode(data)
    with pytest.raises(sketches.BadSketch):
        sketches.decode(b"S" + np.array([(5000, 1)], dtype=[("i", "<u2"), ("v", "u1")]).tobytes())
