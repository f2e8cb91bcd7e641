"""Vietnamese phone numbers: the one rule the app and the analytics share.

The normal form is the national one, ``0`` and the significant digits (``0912345678``,
``02033881234``). :func:`normalise` reaches it from any common way of writing a number:

- **Separators** — every Unicode whitespace character (spaces, no-break spaces, tabs), dots,
  hyphens and brackets are removed: ``'(0203) 3881 234'``, ``'0912.345.678'``,
  ``'091-234-5678'``.
- **International prefix** — ``+84`` and ``0084`` are replaced by ``0``; a bare ``84`` too,
  when what follows is as long as a national number without its ``0`` (9 or 10 digits), so
  that ``84912345678`` is read as ``0912345678`` and ``8491234`` is left alone. A ``0`` written
  after the country code (``'+84 0912 345 678'``) is the national trunk prefix typed out of
  habit and counts once.

Validity (domain.md): a **mobile** number matches :data:`MOBILE_RE`, ``0`` then one of the
mobile prefixes 32–39, 52/56/58/59, 70/76–79, 81–89, 90–99 and 7 more digits; a **landline**
matches :data:`LANDLINE_RE`, ``02`` and 9 more digits. Only ASCII digits count.

- :func:`normalise` — the national form, not checked (an input form keeps what it was given);
- :func:`mobile` / :func:`phone` — the national form of a valid mobile number / of a valid
  mobile or landline number, else None (buyers are keyed by :func:`mobile`);
- :func:`is_mobile` / :func:`is_phone` — the same as a yes or no.

Every function takes a number in any of the forms above.
"""

from __future__ import annotations

import re

MOBILE_RE = re.compile(r"0(?:3[2-9]|5[2689]|7[06-9]|8[1-9]|9[0-9])[0-9]{7}")
"""A valid mobile number in national form (use with ``fullmatch``)."""

LANDLINE_RE = re.compile(r"02[0-9]{9}")
"""A valid landline number in national form (use with ``fullmatch``)."""

# Whitespace (every character str.isspace() accepts; the last is U+3000), dots, hyphens and
# brackets.
SEPARATORS = ".-()" + "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_STRIP = str.maketrans("", "", SEPARATORS)

# +84 or 0084; or 84 before a national number's significant digits (9 or 10) with or without
# its 0. The 0 after the country code is part of the prefix.
_COUNTRY_CODE = re.compile(r"(?:\+84|0084|84(?=0?[0-9]{9,10}\Z))0?")


def normalise(raw: str) -> str:
    """The national form of ``raw``, not checked: ``'+84 912.345.678'`` → ``'0912345678'``.

    Separators are removed and an international prefix becomes ``0`` (see the module's
    notes); anything else is returned as it is (``'abc'`` → ``'abc'``).
    """
    text = raw.translate(_STRIP)
    prefix = _COUNTRY_CODE.match(text)
    return text if prefix is None else "0" + text[prefix.end() :]


def mobile(raw: str | None) -> str | None:
    """``0xxxxxxxxx`` for a valid mobile number written in any common form, else None.

    ``'+84 912 345 678'``, ``'84912345678'``, ``'0912.345.678'`` → ``'0912345678'``;
    a landline, a wrong prefix, a wrong length, an empty string or None → None.
    """
    if raw is None:
        return None
    national = normalise(raw)
    return national if MOBILE_RE.fullmatch(national) else None


def phone(raw: str | None) -> str | None:
    """The national form of a valid mobile or landline number in any common form, else None."""
    if raw is None:
        return None
    national = normalise(raw)
    return national if MOBILE_RE.fullmatch(national) or LANDLINE_RE.fullmatch(national) else None


def is_mobile(raw: str) -> bool:
    """A valid mobile number, in any common form."""
    return mobile(raw) is not None


def is_phone(raw: str) -> bool:
    """A valid mobile or landline number, in any common form."""
    return phone(raw) is not None
