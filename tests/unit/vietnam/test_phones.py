"""Phone numbers: one rule for +84/84/0084/spaces/dots → 0xxxxxxxxx; mobile and landline."""

from __future__ import annotations

import random
import re

import pytest

from vietnam import phones


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
        ("02033881234", None),  # a landline is not a mobile
        ("0912345678\n", "0912345678"),  # whitespace is a separator, wherever it is
        ("\u00a00912\u2009345\u3000678", "0912345678"),
        ("09١٢٣٤٥٦٧٨", None),  # only ASCII digits
    ],
)
def test_mobile(raw: str | None, expected: str | None) -> None:
    assert phones.mobile(raw) == expected
    if raw is not None:
        assert phones.is_mobile(raw) is (expected is not None)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("091-234-5678", "0912345678"),
        ("(0203) 3881 234", "02033881234"),
        ("+84 24 3825 1234", "02438251234"),  # a Hà Nội landline, international
        ("842438251234", "02438251234"),
        ("+84 (0)24 3825 1234", "02438251234"),
    ],
)
def test_phone_forms_normalise(raw: str, normal: str) -> None:
    assert phones.normalise(raw) == normal
    assert phones.is_phone(normal)
    assert phones.is_phone(raw)
    assert phones.phone(raw) == normal


@pytest.mark.parametrize("phone", ["0123456789", "091234567", "09123456789", "0012345678"])
def test_invalid_phones(phone: str) -> None:
    assert not phones.is_phone(phones.normalise(phone))
    assert phones.phone(phone) is None
    assert phones.phone(None) is None


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("abc", "abc"),  # not a number: returned as it is, only separators go
        (" 0912 345 678 ", "0912345678"),
        ("+84", "0"),
        ("8491234", "8491234"),  # too short to be 84 + a national number
        ("849123456789012", "849123456789012"),  # too long
        ("+840912345678", "0912345678"),  # the trunk 0 after the country code counts once
        ("0084 2 4 3825 1234", "02438251234"),
    ],
)
def test_normalise_is_lenient(raw: str, normal: str) -> None:
    assert phones.normalise(raw) == normal


def test_every_whitespace_character_is_a_separator() -> None:
    """The separator table lists all of str.isspace() (none lie past U+3000)."""
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert spaces and all(space in phones.SEPARATORS for space in spaces)
    assert phones.mobile("".join(spaces).join(["09", "12", "345", "678"])) == "0912345678"


_SPEC_SEPARATORS = re.compile(r"[\s.\-()]")
_SPEC_INTERNATIONAL = re.compile(r"^(?:\+|00)?84(0?\d{9})$")
_SPEC_MOBILE = re.compile(r"^0(3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}$")


def _spec(value: str) -> str | None:
    """domain.md's rule written literally: strip, convert +84/84, check the prefix regex."""
    text = _SPEC_SEPARATORS.sub("", value)
    if not text.startswith("0") or text.startswith("00"):
        match = _SPEC_INTERNATIONAL.match(text)
        if match is None:
            return None
        text = match.group(1) if match.group(1).startswith("0") else "0" + match.group(1)
    return text if _SPEC_MOBILE.match(text) else None


def test_the_rule_equals_the_literal_rule_on_many_forms() -> None:
    rng = random.Random(7)
    pieces = ["0", "00", "84", "+84", "+", "9", "3", "5", "7", "8", "1", "2", "6", " ", ".",
              "-", "(", ")", "\u00a0", "\t", "x"]  # fmt: skip
    samples = []
    for _ in range(20_000):
        samples.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))))
        digits = "".join(rng.choice("0123456789") for _ in range(9))
        prefix = rng.choice(["0", "84", "+84", "+84 0", "0084", "840", "", "00", "+8"])
        samples.append(prefix + " ".join([digits[:3], digits[3:6], digits[6:]]))
    got = [phones.mobile(s) for s in samples]
    assert got == [_spec(s) for s in samples]
    assert sum(g is not None for g in got) > 1000  # the sample exercises valid numbers
    # mobile() is normalise() then the mobile pattern, and phone() adds landlines to it
    for sample in samples:
        national = phones.normalise(sample)
        assert phones.mobile(sample) == (national if phones.MOBILE_RE.fullmatch(national) else None)
        assert phones.phone(sample) == (
            national
            if phones.MOBILE_RE.fullmatch(national) or phones.LANDLINE_RE.fullmatch(national)
            else None
        )
