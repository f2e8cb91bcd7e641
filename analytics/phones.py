"""Buyers' phone numbers over frames: a vectorised layer over :mod:`vietnam.phones`.

The rule itself (separators, the ``+84``/``84``/``0084`` forms, the valid mobile prefixes of
domain.md) is :func:`vietnam.phones.mobile`; here a missing value (None, NaN, ``pd.NA``) or a
number that is not a valid mobile is None, and a column is normalised once per distinct value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


# The vectorised form of the rule (mobile_numbers) reads text made of these characters only;
# anything else takes vietnam.phones itself.
_SEPARATORS = np.array([ord(c) for c in " .-()"], dtype=np.uint32)  # the ones typed in practice
_PLUS, _ZERO, _FOUR, _EIGHT = (ord(c) for c in "+048")
# The two digits after the 0 that make a mobile number (MOBILE_RE is "0", two such digits,
# then any 7), read off the rule itself.
_MOBILE_PREFIX = np.array(
    [phones.MOBILE_RE.fullmatch(f"0{p:02d}0000000") is not None for p in range(100)]
)


def mobile_numbers(values: Sequence[object] | np.ndarray) -> np.ndarray:
    """:func:`normalise_many` as numbers: each value's valid mobile number as the int of its
    digits after the leading 0 (``'+84 912 345 678'`` → 912345678), -1 where
    :func:`normalise_many` gives None. Equal numbers are equal phones (all have 9 such digits).

    Text made of digits, ``+`` and the common separators (space, dot, hyphen, brackets) is read
    with array operations over all the values' characters at once; any other value goes
    through :func:`normalise_many`.
    """
    n = len(values)
    boxed = np.empty(n, dtype=object)
    boxed[:] = values if isinstance(values, np.ndarray) else list(values)
    length = np.fromiter((len(v) if type(v) is str else -1 for v in boxed), np.int64, n)
    text = np.flatnonzero(length > 0)
    # every text's code points end to end: value i is chars[offset[i] : offset[i] + length[i]]
    joined = "".join(boxed[text].tolist()).encode("utf-32-le")
    chars = np.frombuffer(joined, dtype=np.uint32)
    owner = np.repeat(np.arange(len(text)), length[text])
    keep = ((chars - _ZERO) < 10) | (chars == _PLUS)  # digits and + (uint32: below 0 wraps)
    other = ~keep & ~np.isin(chars, _SEPARATORS)
    plain = np.bincount(owner[other], minlength=len(text)) == 0
    out = np.full(n, -1, dtype=np.int64)
    out[text] = np.where(plain, _read(chars[keep], owner[keep], len(text)), -1)
    slow = np.concatenate([np.flatnonzero(length <= 0), text[~plain]])
    out[slow] = [-1 if t is None else int(t[1:]) for t in normalise_many(boxed[slow].tolist())]
    return out


def _read(chars: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """The rule over ``n`` texts whose separators are removed: ``chars`` (digits and ``+``)
    end to end, ``owner`` the text each belongs to."""
    size = np.bincount(owner, minlength=n)
    end = np.cumsum(size)
    begin = end - size
    # Reads below go at most 14 characters into a text; past a short text's end they see the
    # next one's, which never matters: such a text fails the length test (size - start == 9).
    padded = np.append(chars, np.zeros(14, dtype=chars.dtype))

    def at(rank: np.ndarray | int) -> np.ndarray:
        return padded[begin + rank]

    c = [at(i) for i in range(5)]
    # the rank of each text's last + (-1: none)
    last_plus = np.full(n, -1, dtype=np.int64)
    plus = np.flatnonzero(chars == _PLUS)
    np.maximum.at(last_plus, owner[plus], plus - begin[owner[plus]])
    # the international prefix: +84 or 0084, or 84 before 0? and 9 or 10 more digits; then 0?
    rest = size - 2
    bare84 = (c[0] == _EIGHT) & (c[1] == _FOUR) & (last_plus < 2)
    bare84 &= (rest == 9) | (rest == 10) | ((rest == 11) & (c[2] == _ZERO))
    prefix = np.select(
        [
            (c[0] == _PLUS) & (c[1] == _EIGHT) & (c[2] == _FOUR),
            (c[0] == _ZERO) & (c[1] == _ZERO) & (c[2] == _EIGHT) & (c[3] == _FOUR),
            bare84,
        ],
        [3, 4, 2],
        -1,
    )
    prefixed = prefix >= 0
    prefix += prefixed & (at(np.maximum(prefix, 0)) == _ZERO)
    # then the national 0 (written or put for the prefix) and exactly 9 digits, no + among them
    start = np.where(prefixed, prefix, 1)
    ok = (prefixed | (c[0] == _ZERO)) & (size - start == 9) & (last_plus < start)
    digits = [at(start + j).astype(np.int64) - _ZERO for j in range(9)]
    ok &= _MOBILE_PREFIX[np.clip(digits[0] * 10 + digits[1], 0, 99)]
    number = np.zeros(n, dtype=np.int64)
    for digit in digits:
        number = number * 10 + digit
    return np.where(ok, number, -1)
