"""Buyers' phone numbers over frames: a vectorised layer over :mod:`vietnam.phones`.

The rule itself (separators, the ``+84``/``84``/``0084`` forms, the valid mobile prefixes of
domain.md) is :func:`vietnam.phones.mobile`; here a missing value (None, NaN, ``pd.NA``) or a
number that is not a valid mobile is None, and a column is normalised once per distinct value.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from vietnam import phones


def normalise_many(values: Iterable[object]) -> list[str | None]:
    """:func:`vietnam.phones.mobile` over values that may be missing or not text.

    A missing value (None, NaN, ``pd.NA``) gives None; any other value is read as its text
    (``84912345678`` read from a spreadsheet as a number is ``'84912345678'``).
    """
    mobile = phones.mobile
    return [None if _missing(value) else mobile(str(value)) for value in values]


def normalise_phones(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise_many`: an object Series of ``0xxxxxxxxx`` or None.

    Each distinct raw value is normalised once (buyers repeat, so this is far cheaper than a
    per-row pass), then mapped back by its factorised code.
    """
    codes, uniques = pd.factorize(values)
    normalised = np.array([*normalise_many(uniques.tolist()), None], dtype=object)
    # code -1 (missing) picks the trailing None
    return pd.Series(normalised[codes], index=values.index, dtype=object)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)
