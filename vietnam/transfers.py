"""Order codes in bank-transfer content, and finding them again after the banks are done.

A buyer's banking app and the banks between them routinely strip diacritics, uppercase,
drop or change punctuation, remove or add spaces, prepend or append their own tokens
(``IBFT``, ``MBVCB.3278907687``, the sender's name) and cut the text (VietQR's purpose holds
25 characters). So a code is made only of ``[A-Z0-9]``: a fixed prefix, the order id and one
check digit, and is read back from the content normalised the same way every time.

- :func:`make_code` — ``make_code(1042)`` → ``'DH0010429'``: prefix, the id zero-padded to
  :data:`WIDTH` digits (longer ids keep all their digits), then a Damm check digit.
- :func:`normalise` — NFD, marks removed, ``đ`` → ``D``, uppercase, everything but ``A–Z`` and
  ``0–9`` deleted (../shared/docs/payments-and-messages.md, "Order code in the transfer
  content").
- :func:`find_codes` — every candidate after the prefix in the normalised content, with
  whether it is a well-formed code (``CodeHit.valid``) and the order id it names.

Why a check digit: a code that lost its last digit to truncation, or had one digit mistyped
or two neighbours swapped, must not name *another* order. The Damm check digit catches every
single-digit error and every adjacent transposition (Luhn misses ``09``↔``90``), so such a
code reads as invalid and goes to the review list instead of paying someone else's order.

Why the length rule: Damm ignores leading zeros, and a check digit alone still lets one in
ten random digit strings pass. So the digit part of a code has exactly ``WIDTH + 1`` digits
for ids below ``10**WIDTH`` and otherwise starts with a non-zero digit (the id unpadded),
and the caller says how long codes can be (``max_id``, its highest order id). While every
id is below ``10**WIDTH`` — a club with fewer than a million orders — every code is 9
characters (which also fits payOS's 9-character description) and:

- a truncated code is too short (``DH00104``), a dropped or added zero is too short or not
  canonical (``DH010429``, ``DH00010429``): none names another order;
- digits the bank glued after the code (``DH00104291234``) leave exactly one reading, the
  first ``WIDTH + 1`` digits, reported with ``extra_digits="1234"``.

Once longer codes exist, a mistyped or cut longer code can look like a shorter code followed
by glued digits (one time in ten), so a reading that leaves digits over is returned with
``ambiguous=True`` (so is one of several valid readings of the same digits), and
:func:`order_ids` skips it: the caller decides with the amount and the open orders, or asks a
person. One case stays undetectable there: a longer code cut by exactly its last digits at
the very end of the content reads as a well-formed shorter code one time in ten; the amount
check is the remaining guard (and codes go first in the content, so a cut rarely reaches them).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

DEFAULT_PREFIX = "DH"
WIDTH = 6  # id digits of every code below 10**WIDTH (zero-padded)
MAX_ID_DIGITS = 9  # ids below 10**9: at most prefix + 10 characters
_PREFIX_RE = re.compile(r"^[A-Z]{2,5}$")
_D_STROKE = str.maketrans({"đ": "D", "Đ": "D"})
_NOT_CODE_CHAR = re.compile(r"[^A-Z0-9]")

# Damm's totally anti-symmetric quasigroup of order 10 (H. M. Damm, 2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


class Problem:
    """Why a candidate is not a code (``CodeHit.problem``)."""

    TOO_SHORT = "too_short"  # fewer digits than any code has: truncated or mistyped
    CHECK_DIGIT = "check_digit"  # no reading of the digits has a check digit that holds
    NOT_CANONICAL = "not_canonical"  # a longer code with a leading zero: a zero was added
    UNKNOWN_ID = "unknown_id"  # well-formed, but names an id above the caller's ``max_id``


@dataclasses.dataclass(frozen=True)
class CodeHit:
    """One candidate found after the prefix in the normalised content."""

    code: str  # prefix + the digits read as the code (normalised)
    start: int  # where the prefix starts in ``normalise(content)``
    valid: bool  # a well-formed code whose check digit holds
    order_id: int | None = None  # the id it names when valid
    problem: str = ""  # a ``Problem`` value when not valid
    extra_digits: str = ""  # digits glued right after the code (a bank's trace number…)
    ambiguous: bool = False  # another reading of the same digits is valid too


def damm_digit(digits: str) -> int:
    """The Damm check digit of ``digits`` (a string of ``0–9``)."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return interim


def _check_prefix(prefix: str) -> str:
    if not _PREFIX_RE.match(prefix):
        raise ValueError(f"code prefix must be 2–5 letters A–Z, got {prefix!r}")
    return prefix


def make_code(order_id: int, prefix: str = DEFAULT_PREFIX) -> str:
    """The transfer code of ``order_id`` (``0 ≤ order_id < 10**9``): ``'DH0010429'``.

    Uppercase ASCII, at most 12 characters with a two-letter prefix; 9 for ids below
    ``10**WIDTH``. See the module docstring for the check digit and the length rule.
    """
    _check_prefix(prefix)
    if not 0 <= order_id < 10**MAX_ID_DIGITS:
        raise ValueError(f"order id must be 0–{10**MAX_ID_DIGITS - 1}, got {order_id}")
    body = str(order_id).rjust(WIDTH, "0")
    return f"{prefix}{body}{damm_digit(body)}"


def normalise(content: str) -> str:
    """Transfer content as codes are read from it: ``'Dh-0010 429 chuyển'`` → ``'DH0010429CHUYEN'``.

    NFD, combining marks removed, ``đ``/``Đ`` → ``D``, uppercase, every character other than
    ``A–Z`` and ``0–9`` deleted (spaces and punctuation included).
    """
    decomposed = unicodedata.normalize("NFD", content.translate(_D_STROKE))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_CODE_CHAR.sub("", plain.upper())


def _lengths(max_id: int | None) -> range:
    """The digit counts a code may have (check digit included) when no id exceeds ``max_id``."""
    id_digits = MAX_ID_DIGITS if max_id is None else max(WIDTH, len(str(max(0, max_id))))
    return range(WIDTH + 1, min(id_digits, MAX_ID_DIGITS) + 2)


def _readings(run: str, lengths: range) -> list[str]:
    """The well-formed codes (digit parts) that ``run`` can start with."""
    out = []
    for length in lengths:
        digits = run[:length]
        if len(digits) < length:
            break
        canonical = length == WIDTH + 1 or digits[0] != "0"
        if canonical and damm_digit(digits) == 0:
            out.append(digits)
    return out


def _invalid(prefix: str, start: int, run: str, lengths: range) -> CodeHit:
    if len(run) <= WIDTH:
        problem = Problem.TOO_SHORT
    elif any(damm_digit(run[:length]) == 0 for length in lengths[1:] if length <= len(run)):
        problem = Problem.NOT_CANONICAL  # a check digit holds, but only with a leading zero
    else:
        problem = Problem.CHECK_DIGIT
    return CodeHit(f"{prefix}{run}", start, False, problem=problem)


def _longer_possible(run: str, reading: str, lengths: range) -> bool:
    """Whether the digits after ``reading`` could be the rest of a longer, mistyped code."""
    return len(run) > len(reading) and len(reading) < lengths[-1]


def find_codes(
    content: str, prefix: str = DEFAULT_PREFIX, *, max_id: int | None = None
) -> list[CodeHit]:
    """Every code candidate in ``content`` (raw transfer text), in order of appearance.

    A candidate is the prefix followed by digits in ``normalise(content)``. It is valid when
    some start of its digits is a well-formed code (length rule, check digit); digits after
    that are ``extra_digits``. ``max_id`` (the highest order id that exists) narrows the
    lengths a code can have; without it every length up to ``10**9`` ids is possible.

    A valid reading is ``ambiguous`` when another reading of the same digits is valid too, or
    when it leaves digits over that a longer code could have used (then a mistyped longer
    code and a short code with a glued trace number look alike): with ``max_id`` below
    ``10**WIDTH`` every code has the same length and glued digits are never ambiguous;
    without ``max_id`` they always are. An invalid candidate is returned once with its
    ``problem``, so the caller can tell "a code was there but broken" from "no code at all".
    """
    _check_prefix(prefix)
    lengths = _lengths(max_id)
    text = normalise(content)
    hits: list[CodeHit] = []
    for match in re.finditer(prefix + r"(\d+)", text):
        run = match.group(1)
        readings = _readings(run, lengths)
        if not readings:
            hits.append(_invalid(prefix, match.start(), run, lengths))
            continue
        for digits in readings:
            order_id = int(digits[:-1])
            if max_id is not None and order_id > max_id:
                hits.append(
                    CodeHit(
                        f"{prefix}{digits}",
                        match.start(),
                        False,
                        problem=Problem.UNKNOWN_ID,
                        extra_digits=run[len(digits) :],
                    )
                )
                continue
            hits.append(
                CodeHit(
                    f"{prefix}{digits}",
                    match.start(),
                    True,
                    order_id=order_id,
                    extra_digits=run[len(digits) :],
                    ambiguous=len(readings) > 1 or _longer_possible(run, digits, lengths),
                )
            )
    return hits


def order_ids(
    content: str, prefix: str = DEFAULT_PREFIX, *, max_id: int | None = None
) -> list[int]:
    """The ids of the valid, unambiguous codes in ``content``, each once, in order."""
    seen: list[int] = []
    for hit in find_codes(content, prefix, max_id=max_id):
        usable = hit.valid and not hit.ambiguous and hit.order_id is not None
        if usable and hit.order_id not in seen and hit.order_id is not None:
            seen.append(hit.order_id)
    return seen
