"""Control characters in values that leave the app (HTTP headers, calendar feeds, CSV cells).

NFC and accent folding are Vietnam text rules: :mod:`vietnam.text` (``nfc``, ``fold``).
"""

from __future__ import annotations

# C0 and C1 control characters and the Unicode line/paragraph separators: a CR/LF in a value
# that ends up in an HTTP header, a calendar feed or a CSV cell splits it.
_CONTROL = frozenset(
    [chr(c) for c in range(0x00, 0x20)] + [chr(c) for c in range(0x7F, 0xA0)] + ["\u2028", "\u2029"]
)


def has_controls(value: str, allow_newlines: bool = False) -> bool:
    """True when value holds a control character (tabs and newlines allowed if asked: notes)."""
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(ch in _CONTROL and ch not in allowed for ch in value)
