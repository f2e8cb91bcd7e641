"""Checks and normal forms for values that come from outside: tax codes, barcodes and the
bounds every number and date is held to. Phone numbers follow :mod:`vietnam.phones`.

Bounds (one place; forms, API schemas, imports and the CLI all use them):

- ``MAX_ID`` = 2**31 - 1: ids are PostgreSQL ``integer`` columns. A larger id names no row;
  ``parse_id`` gives None for it (URL ids are refused by ``app.routing`` already).
- ``DB_INT_MAX`` / ``DB_BIGINT_MAX``: the ``integer`` and ``bigint`` columns' ranges. Any
  integer stored is checked against a business bound well inside them.
- ``MONEY_MAX`` = 10**12 đồng: the largest amount the app takes (a price, a line's value
  price × quantity, a total). Features may hold a value tighter (a unit price to 10**9).
- ``QUANTITY_MAX`` = 1,000,000 units: a stock level or a line's quantity (orders hold a line to
  fewer). Any product of a quantity and a price fits a ``bigint`` with room to add up.
- Business dates: ``FIRST_BUSINESS_DAY`` 2000-01-01 … ``LAST_BUSINESS_DAY`` 2100-12-31 (Vietnam
  time): order times, livestream days, report periods, certificate decisions. Years 1 and 9999
  are refused before any time zone arithmetic (which overflows there).

Each ``*_problem`` function returns a translated message, or None when the value is fine; each
``parse_*`` function reads a query-string or form value and returns None when it is missing,
malformed or out of bounds (a filter ignores it; a form says why with the ``*_problem``).
The API's fields for the same bounds are in ``app.api.schemas`` (``BoundedInt``, ``Id``,
``Money``, ``Quantity``, ``BusinessDate``, ``BusinessDateTime``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.core import formatting
from vietnam import text

TAX_CODE_RE = re.compile(r"^(\d{10}(-\d{3})?|\d{12})$")

DB_INT_MAX = 2**31 - 1
DB_BIGINT_MAX = 2**63 - 1
MAX_ID = DB_INT_MAX
MONEY_MAX = 10**12
QUANTITY_MAX = 1_000_000
FIRST_BUSINESS_DAY = dt.date(2000, 1, 1)
LAST_BUSINESS_DAY = dt.date(2100, 12, 31)

# ASCII digits only: str.isdigit() also takes '²' and other characters int() refuses or reads
# surprisingly; 19 digits cover every bigint and stop int() before its 4,300-digit limit.
_INTEGER_RE = re.compile(r"[+-]?[0-9]{1,19}")
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_RE = re.compile(r"[0-9]{4}-[0-9]{2}")


def is_tax_code(value: str) -> bool:
    """Mã số thuế: 10 digits, 10 digits + '-' + 3 digits (a branch), or a 12-digit personal ID."""
    return bool(TAX_CODE_RE.match(value))


def is_gtin(code: str) -> bool:
    """EAN-8, UPC-A, EAN-13 or GTIN-14 with a correct check digit."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


# --- Bounds ---------------------------------------------------------------------------------
# The *_message functions give lazy strings (translated when shown: schemas build theirs once,
# at import); the *_problem functions check a value and give the message as text, or None.


def range_message(minimum: int, maximum: int) -> LazyString:
    return _l(
        "Phải là số nguyên từ %(minimum)s đến %(maximum)s.",
        minimum=formatting.number(minimum),
        maximum=formatting.number(maximum),
    )


def money_message(maximum: int = MONEY_MAX) -> LazyString:
    return _l("Số tiền phải từ 0 đến %(maximum)s đồng.", maximum=formatting.number(maximum))


def quantity_message(minimum: int = 0, maximum: int = QUANTITY_MAX) -> LazyString:
    return _l(
        "Số lượng phải từ %(minimum)s đến %(maximum)s.",
        minimum=formatting.number(minimum),
        maximum=formatting.number(maximum),
    )


def business_days_message() -> LazyString:
    return _l(
        "Ngày phải trong khoảng %(first)s – %(last)s.",
        first=FIRST_BUSINESS_DAY.strftime("%d/%m/%Y"),
        last=LAST_BUSINESS_DAY.strftime("%d/%m/%Y"),
    )


def range_problem(value: int, minimum: int, maximum: int) -> str | None:
    """A whole number outside ``minimum`` … ``maximum`` (both included)."""
    return None if minimum <= value <= maximum else str(range_message(minimum, maximum))


def money_problem(value: int, maximum: int = MONEY_MAX) -> str | None:
    """An amount of đồng below 0 or above ``maximum`` (default ``MONEY_MAX``)."""
    return None if 0 <= value <= maximum else str(money_message(maximum))


def quantity_problem(value: int, minimum: int = 0, maximum: int = QUANTITY_MAX) -> str | None:
    """A number of units outside ``minimum`` … ``maximum`` (default 0 … ``QUANTITY_MAX``)."""
    return None if minimum <= value <= maximum else str(quantity_message(minimum, maximum))


def amount_problem(price: int, quantity: int, maximum: int = MONEY_MAX) -> str | None:
    """A line's value (price × quantity) past ``maximum``: checked before it is stored or summed."""
    return money_problem(price * quantity, maximum)


def business_date_problem(value: dt.date) -> str | None:
    """A day (a ``date``, or a ``datetime`` read in Vietnam time) outside 2000 … 2100.

    A naive ``datetime`` is UTC, as stored. The year is checked before the time zone is
    applied: near year 1 or 9999 the conversion itself overflows."""
    if FIRST_BUSINESS_DAY.year - 1 <= value.year <= LAST_BUSINESS_DAY.year + 1:
        if isinstance(value, dt.datetime):
            aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
            value = aware.astimezone(formatting.LOCAL_TZ).date()
        if FIRST_BUSINESS_DAY <= value <= LAST_BUSINESS_DAY:
            return None
    return str(business_days_message())


def _text(raw: Any) -> str:
    return str(raw if raw is not None else "").strip()


def parse_int(
    raw: Any, minimum: int = -DB_BIGINT_MAX - 1, maximum: int = DB_BIGINT_MAX
) -> int | None:
    """A whole number from a query string or form field (ASCII digits, optional sign), or None
    when it is missing, malformed or outside ``minimum`` … ``maximum``."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text_value = _text(raw)
        if not _INTEGER_RE.fullmatch(text_value):
            return None
        value = int(text_value)
    return value if minimum <= value <= maximum else None


def parse_id(raw: Any) -> int | None:
    """A database id (1 … ``MAX_ID``) from a query string, form field or number, else None."""
    return parse_int(raw, 1, MAX_ID)


def parse_business_date(raw: Any) -> dt.date | None:
    """An ISO day ``YYYY-MM-DD`` within the business dates, else None."""
    value = _text(raw)
    if not _DAY_RE.fullmatch(value):
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if business_date_problem(day) is None else None


def parse_business_month(raw: Any) -> dt.date | None:
    """A month ``YYYY-MM`` (its first day) within the business dates, else None."""
    value = _text(raw)
    if not _MONTH_RE.fullmatch(value):
        return None
    return parse_business_date(f"{value}-01")


def clean_text(value: Any) -> str | None:
    """A text field in NFC without surrounding white space, or None when missing or blank."""
    if value is None:
        return None
    cleaned = text.nfc(str(value))
    return cleaned or None


def code_or_invalid(value: Any) -> int | None:
    """An id or administrative code from a form, the API or the CLI: None when blank, -1 (which
    names nothing, so the caller says so) when it is not a whole number."""
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return -1
