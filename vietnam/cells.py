"""Cells of the tables Vietnamese businesses export (bank statements, carriers' COD
statements, spreadsheets): headers compared loosely, dates and đồng amounts as they are
written, cells as text.

Shared by ``vietnam.statements`` (bank statements), ``integrations.carriers.cod`` (carriers'
payout statements) and the app's CSV/XLSX readers, so that all of them read a cell the same
way:

- :func:`header_key` / :func:`header_parts`: a header folded (case, diacritics, spaces, a
  unit in brackets such as ``(VND)`` ignored), and the parts of a bilingual header
  (``Ngày giao dịch/Transaction date``, two lines in one cell).
- :func:`parse_local_time`: ``dd/mm/yyyy`` (``-`` or ``.`` too) with an optional
  ``HH:MM[:SS]``, or an ISO date (a spreadsheet's date cell), Vietnam time → aware UTC.
- :func:`parse_amount`: ``1.250.000``, ``1,250,000``, ``1250000.00``, ``1.250.000,00``,
  ``+500.000``, ``(20.000)``, with ``VND`` or ``đ`` around them → signed đồng.
- :func:`cell_text`: a spreadsheet value as text; :func:`sniff_delimiter`: a CSV's delimiter.

A cell that does not read raises :class:`CellError` with a reason code (the ``BAD_*`` and
other constants below) and the value as written.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from vietnam import text
from vietnam.zone import VIETNAM

MAX_AMOUNT = 10**13  # đồng: above any real transfer, below what BIGINT holds
FIRST_YEAR, LAST_YEAR = 2000, 2100

# Reason codes of CellError.
BAD_DATE = "bad_date"  # a date that does not read
DATE_OUT_OF_RANGE = "date_out_of_range"  # a date outside FIRST_YEAR–LAST_YEAR
BAD_AMOUNT = "bad_amount"  # an amount that does not read
FRACTION = "fraction"  # an amount with a fraction of a đồng
TOO_LARGE = "too_large"  # an amount above MAX_AMOUNT


class CellError(ValueError):
    """A cell that does not read: ``code`` (a reason code above) and ``value`` as written."""

    def __init__(self, code: str, value: str) -> None:
        super().__init__(code)
        self.code = code
        self.value = value


# ---------------------------------------------------------------------------- headers


def header_key(value: str) -> str:
    """A header or label as compared: folded, brackets' content and punctuation gone."""
    folded = text.fold(value)
    folded = re.sub(r"\([^)]*\)", " ", folded)
    folded = re.sub(r"[:*#]", " ", folded)  # a dot stays: "No." is a row number, not "Nợ"
    return " ".join(folded.split())


def header_parts(cell: str) -> list[str]:
    """A header cell and its parts (``'Ngày GD/Transaction date'``: the whole, then each)."""
    parts = [cell, *re.split(r"[/\n\r|]+", cell)]
    keys = [header_key(part) for part in parts]
    return [key for key in dict.fromkeys(keys) if key]


# ---------------------------------------------------------------------------- dates

_DATE_RE = re.compile(
    r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?(?=\s|$)"
)
_ISO_RE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?(?=\s|$)"
)
_TIME_RE = re.compile(r"^(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?$")


def looks_like_date(value: str) -> bool:
    cell = value.strip()
    return bool(_DATE_RE.match(cell) or _ISO_RE.match(cell))


def parse_local_time(value: str, time_cell: str = "") -> dt.datetime:
    """A date (and time) cell, Vietnam time → aware UTC. ``CellError`` when it does not read
    or lies outside 2000–2100."""
    cell = value.strip()
    found = _DATE_RE.match(cell) or _ISO_RE.match(cell)
    if found is None:
        raise CellError(BAD_DATE, value)
    parts = found.groupdict()
    hour, minute, second = parts["H"], parts["M"], parts["S"]
    if hour is None and time_cell.strip():
        clock = _TIME_RE.match(time_cell.strip())
        if clock is None:
            raise CellError(BAD_DATE, time_cell)
        hour, minute, second = clock["H"], clock["M"], clock["S"]
    try:
        local = dt.datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
        )
    except ValueError:
        raise CellError(BAD_DATE, value) from None
    if not FIRST_YEAR <= local.year <= LAST_YEAR:
        raise CellError(DATE_OUT_OF_RANGE, value)
    return local.replace(tzinfo=VIETNAM).astimezone(dt.UTC)


def parse_local_date(value: str) -> dt.date:
    """A date cell (a time after it ignored) → the Vietnam calendar day it names."""
    return parse_local_time(value).astimezone(VIETNAM).date()


# ---------------------------------------------------------------------------- amounts

_MONEY_JUNK = re.compile(r"(?i)vnd|vnđ|₫|đ|\s|\u00a0")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")


def parse_amount(value: str) -> int | None:
    """An amount cell → signed đồng; None when the cell is empty (or ``-``).

    ``'1.250.000'``, ``'1,250,000'``, ``'1250000.00'``, ``'1.250.000,00'``, ``'+500.000'``,
    ``'(20.000)'`` (negative) and ``'50.000 VND'`` all read; a fraction of a đồng, two signs
    or stray letters raise ``CellError``."""
    cleaned = _MONEY_JUNK.sub("", value)
    if cleaned in ("", "-", "--"):
        return None
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if cleaned[:1] in "+-":
        negative, cleaned = negative or cleaned[0] == "-", cleaned[1:]
    fraction = re.search(r"[.,](\d{1,2})$", cleaned)
    if fraction is not None:
        if set(fraction.group(1)) != {"0"}:
            raise CellError(FRACTION, value)
        cleaned = cleaned[: fraction.start()]
    if _GROUPED.fullmatch(cleaned):
        if "." in cleaned and "," in cleaned:  # grouped with both: not a number banks write
            raise CellError(BAD_AMOUNT, value)
        cleaned = re.sub(r"[.,]", "", cleaned)
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise CellError(BAD_AMOUNT, value)
    if len(cleaned) > len(str(MAX_AMOUNT)) or int(cleaned) > MAX_AMOUNT:
        raise CellError(TOO_LARGE, value)
    number = int(cleaned)
    return -number if negative else number


# ---------------------------------------------------------------------------- text


def tidy(value: str) -> str:
    """A text cell as kept: NFC, line breaks and whitespace runs made one space."""
    return " ".join(text.nfc(value).split())


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: numbers without a spurious '.0', dates as ISO, text in
    NFC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    cleaned = text.nfc(str(value))
    # Exports protect cells that a spreadsheet would take for a formula with a quote.
    if len(cleaned) > 1 and cleaned[0] == "'" and cleaned[1] in "=+-@":
        cleaned = cleaned[1:]
    return cleaned


DELIMITERS = (",", ";", "\t")
SNIFF_LINES = 50


def sniff_delimiter(content: str) -> str:
    """The delimiter of a CSV's first line; when it has none (a statement's title above its
    table), of the line among the first ones that has the most."""
    lines = content.split("\n", SNIFF_LINES)[:SNIFF_LINES]
    line = lines[0]
    if not any(d in line for d in DELIMITERS):
        line = max(lines, key=lambda text: sum(text.count(d) for d in DELIMITERS))
    return max(DELIMITERS, key=lambda d: (line.count(d), d == ","))
