"""Vietnamese mobile numbers: the one place that normalises them.

Whitespace, dots (and, defensively, hyphens and brackets) are removed; the ``+84``/``84``/
``0084`` international forms become the domestic ``0xxxxxxxxx``; the result must match the
valid mobile prefixes of domain.md (:data:`MOBILE_RE`), otherwise the number is treated as
absent (``None``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

MOBILE_RE = re.compile(r"^0(3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}$")
"""domain.md's valid mobile numbers, domestic form."""

# MOBILE_RE's significant nine digits, after a domestic 0 or an international +84/84/0084
# (a stray 0 after the country code is tolerated: "+84 0912…").
_ANY_FORM_RE = re.compile(r"(?:0|(?:\+|00)?840?)((?:3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7})")
_SEPARATORS = ".-()" + "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_STRIP = str.maketrans("", "", _SEPARATORS)


def normalise_phone(value: object) -> str | None:
    """Return ``0xxxxxxxxx`` for a valid Vietnamese mobile number in any common form, else None.

    ``"+84 912 345 678"``, ``"84912345678"``, ``"0912.345.678"`` → ``"0912345678"``.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    match = _ANY_FORM_RE.fullmatch(str(value).translate(_STRIP))
    return None if match is None else "0" + match.group(1)


def normalise_many(values: list[object]) -> list[str | None]:
    """:func:`normalise_phone` over a list (the same rule, without a call per value)."""
    fullmatch, strip = _ANY_FORM_RE.fullmatch, _STRIP
    out: list[str | None] = []
    for value in values:
        if value is None or (isinstance(value, float) and value != value):
            out.append(None)
            continue
        match = fullmatch(str(value).translate(strip))
        out.append(None if match is None else "0" + match.group(1))
    return out


def normalise_phones(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise_phone`: an object Series of ``0xxxxxxxxx`` or None.

    Each distinct raw value is normalised once (buyers repeat, so this is far cheaper than a
    per-row pass), then mapped back by its factorised code.
    """
    codes, uniques = pd.factorize(values)
    normalised = np.array([*normalise_many(uniques.tolist()), None], dtype=object)
    # code -1 (missing) picks the trailing None
    return pd.Series(normalised[codes], index=values.index, dtype=object)
