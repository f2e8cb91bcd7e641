"""Text conventions: every string the app stores is NFC-normalised."""

from __future__ import annotations

import unicodedata


def nfc(value: str) -> str:
    """Return value in Unicode NFC with surrounding whitespace removed."""
    return unicodedata.normalize("NFC", value).strip()


def fold(value: str) -> str:
    """Case- and accent-insensitive key: 'Nước Mắm' → 'nuoc mam'."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())
