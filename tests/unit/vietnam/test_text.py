"""NFC and accent folding: one fold for search, comments, place names and VietQR purposes."""

from __future__ import annotations

import random
import unicodedata

import pytest

from vietnam import text


def test_nfc_and_fold() -> None:
    assert text.nfc("  Nu\u031bo\u031b\u0301c ma\u0306\u0301m ") == "Nước mắm"
    assert text.fold("Nước Mắm Đặc Biệt") == "nuoc mam dac biet"


@pytest.mark.parametrize(
    ("raw", "stripped", "folded"),
    [
        ("Thanh toán đơn", "Thanh toan don", "thanh toan don"),
        ("Chốt  ĐƠN ", "Chot DON", "chot don"),
        ("Nu\u031bo\u031b\u0301c\tMắm", "Nuoc Mam", "nuoc mam"),  # decomposed input, a tab
        ("Quảng Ninh", "Quang Ninh", "quang ninh"),
        ("", "", ""),
    ],
)
def test_strip_accents_keeps_case_and_fold_drops_it(raw: str, stripped: str, folded: str) -> None:
    assert text.strip_accents(raw) == stripped
    assert text.fold(raw) == folded


def _old_fold(value: str) -> str:
    """The fold app/core/text.py and analytics/comments.py each had (they were the same)."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def _old_ascii_text(value: str) -> str:
    """The diacritics stripping app/orders/vietqr.py had for a transfer's purpose."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def test_one_fold_gives_what_the_three_copies_gave() -> None:
    rng = random.Random(18)
    alphabet = "aăâeêioôơuưyđAĂÂĐƠƯ \t\u00a0\u0300\u0301\u0303\u0309\u0323ßİŉﬁ1-."
    samples = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(5000)
    ]
    assert [text.fold(s) for s in samples] == [_old_fold(s) for s in samples]
    assert [text.strip_accents(s) for s in samples] == [_old_ascii_text(s) for s in samples]
