"""How values are shown: money in đồng, times in Asia/Ho_Chi_Minh.

Formatting never fails on a stored value: a page showing one odd row (a time at year 9999,
which cannot be moved to UTC+7; a date at year 1; an amount too large to write out; None)
still renders. Such a value is shown as well as it can be (a time in UTC, marked "UTC") or as
"—", never raised."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
import zoneinfo

LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MISSING = "—"


def number(value: int | float | decimal.Decimal | None) -> str:
    """1300000 → '1.300.000' (Vietnamese thousands separator); '—' for None or a value that
    cannot be written out (infinite, NaN, more digits than Python converts)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | decimal.Decimal):
        return MISSING
    if isinstance(value, float | decimal.Decimal) and not math.isfinite(value):
        return MISSING
    try:
        whole = int(value)
        return f"{whole:,}".replace(",", ".")
    except (ValueError, OverflowError, decimal.InvalidOperation):
        return MISSING


def vnd(amount: int | None) -> str:
    """1300000 → '1.300.000 ₫' (money is an integer number of đồng)."""
    shown = number(amount)
    return shown if shown == MISSING else f"{shown} ₫"


def _strftime(value: dt.date, fmt: str) -> str:
    # glibc writes year 1 as '1': pad it like every other year.
    if value.year < 1000:
        fmt = fmt.replace("%Y", f"{value.year:04d}")
    return value.strftime(fmt)


def local_datetime(value: dt.datetime | dt.date | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored UTC time shown in Vietnam's time zone (naive values are UTC).

    A time at the calendar's edge (9999-12-31 23:00 UTC is past year 9999 in UTC+7) is shown in
    its own zone, marked ('31/12/9999 23:00 UTC'); a plain date is shown as it is."""
    if value is None:
        return MISSING
    if not isinstance(value, dt.date):
        return str(value)
    if not isinstance(value, dt.datetime):
        return _strftime(value, fmt)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return _strftime(value.astimezone(LOCAL_TZ), fmt)
    except OverflowError:
        return f"{_strftime(value, fmt)} {value.tzname() or 'UTC'}"


def local_date(value: dt.datetime | dt.date | None, fmt: str = "%d/%m/%Y") -> str:
    """A day: a ``date`` as it is, a stored UTC ``datetime`` as its day in Vietnam."""
    return local_datetime(value, fmt)
