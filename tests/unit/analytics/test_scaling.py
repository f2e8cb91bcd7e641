"""The fast paths of the overview equal the plain definitions, on random data built to reach
every branch: orders longer than the shifted comparisons go, lines not in order, groups
missing, distinct counts by bitmap and by sort, phones typed every way."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from analytics import frames, metrics, phones
from vietnam import phones as vn_phones


def _club(seed: int, n_orders: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # order sizes 1–3 mostly, some longer than SHIFT_DEPTH
    sizes = rng.choice([1, 2, 3, 5, frames.SHIFT_DEPTH + 1, 3 * frames.SHIFT_DEPTH], n_orders,
                       p=[0.5, 0.2, 0.15, 0.08, 0.04, 0.03])  # fmt: skip
    order = np.repeat(np.arange(n_orders), sizes)
    n = len(order)
    buyer = rng.integers(0, n_orders // 3, n_orders)
    phone = np.array([f"09{b:08d}" if b % 4 else None for b in buyer], dtype=object)
    frame = pd.DataFrame(
        {
            "order_id": order * 7 + 1000,  # not dense
            "product_id": rng.integers(1, 60, n),
            "streamer_id": rng.integers(1, 4, n),
            "ocop_group": pd.array(
                rng.choice(["Thực phẩm", "Đồ uống", None], n, p=[0.6, 0.3, 0.1]), dtype="str"
            ),
            "status": rng.choice(["paid", "completed", "cancelled", "returned"], n),
            "quantity": rng.integers(1, 4, n),
            "amount": rng.integers(1, 50, n) * 1000,
            "buyer_phone": pd.array(phone[order], dtype="str"),
            "placed_at": pd.Timestamp("2026-03-01", tz="UTC"),
        }
    )
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # lines out of order


def _plain(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Orders and buyers per group, straight from the definitions (pandas groupby)."""
    valid = frame[~frame["status"].isin(["cancelled", "returned"])].copy()
    # the buyer: the order's phone, else the order itself (no platform ids here)
    phone = valid.groupby("order_id")["buyer_phone"].transform("first")
    valid["buyer"] = phone.where(phone.notna(), "order:" + valid["order_id"].astype(str))
    key = valid[by].astype(object).where(valid[by].notna(), "missing")
    return valid.groupby(key).agg(orders=("order_id", "nunique"), buyers=("buyer", "nunique"))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("by", ["product_id", "streamer_id", "ocop_group"])
def test_orders_and_buyers_per_group_match_the_definition(seed: int, by: str) -> None:
    frame = _club(seed)
    got = metrics.breakdown(frame, by)
    got = got.assign(key=[("missing" if pd.isna(v) else v) for v in got[by]]).set_index("key")
    want = _plain(frame, by)
    got = got[got["orders"] > 0]
    assert sorted(got.index, key=str) == sorted(want.index, key=str)
    for key, row in want.iterrows():
        assert (got.loc[key, "orders"], got.loc[key, "buyers"]) == (row["orders"], row["buyers"])
    total = metrics.summary(frame)
    valid = frame[~frame["status"].isin(["cancelled", "returned"])]
    assert total["orders"] == valid["order_id"].nunique()


@pytest.mark.parametrize("n_groups", [1, 3, 500])
def test_distinct_by_bitmap_and_sort_agree_with_sets(n_groups: int) -> None:
    rng = np.random.default_rng(n_groups)
    group = rng.integers(0, n_groups, 5000)
    items = rng.integers(0, 3000, 5000)
    want = np.zeros(n_groups, dtype=np.int64)
    for g in range(n_groups):
        want[g] = len(set(items[group == g].tolist()))
    assert frames.distinct_by(group, items, 3000, n_groups).tolist() == want.tolist()


def test_stable_argsort_matches_numpy() -> None:
    values = np.random.default_rng(4).integers(0, 50, 10_000)
    assert np.array_equal(frames.stable_argsort(values, 50), np.argsort(values, kind="stable"))


def _typed(rng: random.Random) -> str:
    """A phone-like text: prefixes, digits, separators, and now and then other characters."""
    pieces = ["+84", "84", "0084", "0", "+840", "00840", "9", "09", "912", "345", "678"]
    pieces += [" ", ".", "-", "(", ")", "+", "\t", "\u00a0", "a", "\x00", "٣", "０"]
    mobile = rng.choice(["03", "05", "07", "08", "09", "02", "06"]) + str(
        rng.randint(10**7, 10**8 - 1)
    )
    kind = rng.random()
    if kind < 0.4:
        prefix = rng.choice(["", "+84", "84", "0084", "+84 0", "84 0", "+84 ", "(+84) "])
        text = prefix + (mobile[1:] if prefix else mobile)
        return "".join(c + (rng.choice(" .-") if rng.random() < 0.3 else "") for c in text)
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))


def test_mobile_numbers_equal_the_rule() -> None:
    rng = random.Random(22)
    values: list[object] = [_typed(rng) for _ in range(20_000)]
    values += [None, float("nan"), pd.NA, 84912345678, "", "0912345678\x00", "+84 912 345 678"]
    want = [-1 if t is None else int(t[1:]) for t in phones.normalise_many(values)]
    assert phones.mobile_numbers(values).tolist() == want
    assert sum(w >= 0 for w in want) > 4000  # the valid branch is well exercised
    assert phones.mobile_numbers([]).tolist() == []


def test_mobile_prefixes_read_off_the_rule() -> None:
    for prefix in range(100):
        number = f"0{prefix:02d}1234567"
        assert (vn_phones.mobile(number) is not None) == bool(phones._MOBILE_PREFIX[prefix])
