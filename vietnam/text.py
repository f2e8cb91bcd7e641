"""Vietnamese text: the NFC form every stored string takes, and accent folding.

- :func:`nfc` — Unicode NFC with surrounding whitespace removed: what the app stores.
- :func:`strip_accents` — Vietnamese diacritics removed and ``đ``/``Đ`` read as ``d``/``D``,
  case kept, runs of whitespace made one space: ``'Thanh toán đơn'`` → ``'Thanh toan don'``
  (text for a bank transfer's purpose, which banking apps show as plain letters).
- :func:`fold` — the same, case-folded: the key under which two spellings are "the same"
  (``'Nước Mắm'`` and ``'nuoc  mam'`` → ``'nuoc mam'``). Searches, duplicate checks, sorting
  place names and reading comment orders all compare folded text.
"""

from __future__ import annotations

import unicodedata

_D_STROKE = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(value: str) -> str:
    """Return value in Unicode NFC with surrounding whitespace removed."""
    return unicodedata.normalize("NFC", value).strip()


def strip_accents(value: str) -> str:
    """Diacritics removed, đ → d, whitespace runs collapsed; case kept.

    ``'Thanh toán  đơn '`` → ``'Thanh toan don'``. Any combining mark goes (the text is
    decomposed first), so precomposed and decomposed input give the same result.
    """
    decomposed = unicodedata.normalize("NFD", value.translate(_D_STROKE))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def fold(value: str) -> str:
    """Case- and accent-insensitive key: ``'Nước Mắm'`` → ``'nuoc mam'``."""
    return strip_accents(value).casefold()
