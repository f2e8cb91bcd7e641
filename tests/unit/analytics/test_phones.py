"""Phone normalisation: +84/84/spaces/dots → 0xxxxxxxxx, valid prefixes only."""

from __future__ import annotations

import random
import re

import pandas as pd
import pytest

from analytics import phones


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("+84 0912345678", "0912345678"),
        ("0084912345678", "0912345678"),
        ("0326-111-222", "0326111222"),
        ("0312345678", None),  # 031 is not a mobile prefix
        ("0212345678", None),
        ("091234567", None),  # too short
        ("09123456789", None),  # too long
        ("0512345678", None),
        ("0592345678", "0592345678"),
        ("abc", None),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_normalise_phone(raw: object, expected: str | None) -> None:
    assert phones.normalise_phone(raw) == expected


def test_normalise_phones_vectorised_matches_scalar() -> None:
    raw = pd.Series(["+84 912 345 678", None, "0912.345.678", "123", "+84 912 345 678"])
    assert phones.normalise_phones(raw).tolist() == [
        "0912345678",
        None,
        "0912345678",
        None,
        "0912345678",
    ]


_SPEC_SEPARATORS = re.compile(r"[\s.\-()]")
_SPEC_INTERNATIONAL = re.compile(r"^(?:\+|00)?84(0?\d{9})$")


def _spec(value: str) -> str | None:
    """domain.md's rule written literally: strip, convert +84/84, check the prefix regex."""
    text = _SPEC_SEPARATORS.sub("", value)
    if not text.startswith("0") or text.startswith("00"):
        match = _SPEC_INTERNATIONAL.match(text)
        if match is None:
            return None
        text = match.group(1) if match.group(1).startswith("0") else "0" + match.group(1)
    return text if phones.MOBILE_RE.match(text) else None


def test_fast_rule_equals_the_literal_rule_on_many_forms() -> None:
    rng = random.Random(7)
    pieces = ["0", "00", "84", "+84", "+", "9", "3", "5", "7", "8", "1", "2", "6", " ", ".",
              "-", "(", ")", "\u00a0", "\t", "x"]  # fmt: skip
    samples = []
    for _ in range(20_000):
        samples.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))))
        digits = "".join(rng.choice("0123456789") for _ in range(9))
        prefix = rng.choice(["0", "84", "+84", "+84 0", "0084", "840", "", "00", "+8"])
        samples.append(prefix + " ".join([digits[:3], digits[3:6], digits[6:]]))
    got = phones.normalise_many(samples)
    assert got == [_spec(s) for s in samples]
    assert sum(g is not None for g in got) > 1000  # the sample exercises valid numbers
