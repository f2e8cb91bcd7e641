"""Buyers' phones over a column: the vietnam.phones rule, missing values as None."""

from __future__ import annotations

import pandas as pd

from analytics import phones


def test_normalise_phones_vectorised_matches_scalar() -> None:
    raw = pd.Series(["+84 912 345 678", None, "0912.345.678", "123", "+84 912 345 678"])
    assert phones.normalise_phones(raw).tolist() == [
        "0912345678",
        None,
        "0912345678",
        None,
        "0912345678",
    ]


def test_missing_and_non_text_values() -> None:
    values: list[object] = [None, float("nan"), pd.NA, 84912345678, "", "0212345678", "0084 912"]
    assert phones.normalise_many(values) == [None, None, None, "0912345678", None, None, None]
    series = pd.Series(["0912345678", float("nan"), None, "0912 345 678"], dtype=object)
    assert phones.normalise_phones(series).tolist() == ["0912345678", None, None, "0912345678"]
    assert phones.normalise_phones(series).index.equals(series.index)
