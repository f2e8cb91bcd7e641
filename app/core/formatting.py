"""How values are shown to people: one formatter for every page, message and download label.

Times: every time a person reads is Vietnam wall time (Asia/Ho_Chi_Minh), written
``dd/mm/yyyy HH:MM`` in every language and never marked "UTC" (times are stored in UTC).

Numbers, money (whole đồng) and percentages: Babel, with the locale of the page
(``flask_babel.get_locale()``; Vietnamese for the command line and the worker). Vietnamese
"1.090.000 ₫", "0,2%", "12,0 giây"; English "1,090,000 ₫", "0.2%", "12.0 s". Percentages
follow each locale's own pattern (CLDR writes both without a space before "%").

Formatting never fails on a stored value: a page showing one odd row still renders. None,
NaN, an infinite value or an integer longer than Python writes out is shown as "—"; a time
whose Vietnam wall clock lies past the calendar's end (9999-12-31 23:00 UTC is already
1 January 10000 in UTC+7) is shown as that wall time, '01/01/10000 06:00'; a date at year 1
is written '0001'."""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import functools
import math
import numbers
import zoneinfo
from typing import Any

import babel
import babel.numbers
import flask_babel
from flask_babel import gettext as _

LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MISSING = "—"
DEFAULT_LOCALE = "vi"
DATETIME = "%d/%m/%Y %H:%M"
DATE = "%d/%m/%Y"
TIME = "%H:%M"
TIME_SECONDS = "%H:%M:%S"
# 20 Gregorian cycles of 400 years: the same weekdays and leap days, 8000 years apart.
_CALENDAR_SHIFT = 8000

Real = int | float | decimal.Decimal
_MAX_DIGITS = 4300  # sys.get_int_max_str_digits()'s default


# ---------------------------------------------------------------- numbers


@functools.lru_cache(maxsize=8)
def _parsed(code: str) -> babel.Locale:
    return babel.Locale.parse(code)


def current_locale() -> babel.Locale:
    """The page's locale; Vietnamese outside a request (command line, worker, tests)."""
    try:
        found = flask_babel.get_locale()
    except (RuntimeError, KeyError):  # an app without flask_babel
        found = None
    return found if found is not None else _parsed(DEFAULT_LOCALE)


def _as_decimal(value: object) -> decimal.Decimal | None:
    """A finite real number as a Decimal; None for anything else (bool, text, NaN, ∞, an
    integer longer than Python writes out)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | decimal.Decimal):
        return None
    try:
        if isinstance(value, decimal.Decimal):
            # As long as the longest integer Python writes out, no longer.
            return value if value.is_finite() and value.adjusted() < _MAX_DIGITS else None
        if isinstance(value, numbers.Integral):  # int, numpy integers
            whole = int(value)
            str(whole)  # more digits than Python writes out: ValueError
            return decimal.Decimal(whole)
        real = float(value)
        return decimal.Decimal(real) if math.isfinite(real) else None
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        return None


def _apply(value: decimal.Decimal, pattern: Any, digits: int, least: int | None = None) -> str:
    """``pattern`` (a Babel number pattern) applied with ``digits`` decimals (at least
    ``least`` of them, default all: trailing zeros kept)."""
    shaped = copy.copy(pattern)
    shaped.frac_prec = (digits if least is None else least, digits)
    with decimal.localcontext() as context:
        # Enough precision for every digit (Babel rounds in the current context).
        context.prec = max(28, value.adjusted() + digits + 8)
        context.Emax = decimal.MAX_EMAX
        context.Emin = decimal.MIN_EMIN
        rounded = value.quantize(decimal.Decimal(1).scaleb(-digits), decimal.ROUND_HALF_UP)
        if rounded.is_zero():
            rounded = abs(rounded)  # "0,0", never "-0,0"
        return str(shaped.apply(rounded, current_locale()))


def _fixed(value: object, digits: int, least: int | None = None) -> str:
    found = _as_decimal(value)
    if found is None:
        return MISSING
    try:
        return _apply(found, current_locale().decimal_formats[None], digits, least)
    except (ValueError, OverflowError, ArithmeticError):
        return MISSING


def number(value: Real | None) -> str:
    """A whole number with the locale's grouping: 1300000 → vi '1.300.000', en '1,300,000'.
    A fraction is cut to its whole part (money: whole đồng)."""
    found = _as_decimal(value)
    if found is None:
        return MISSING
    return _fixed(int(found), 0)


def decimal_number(value: Real | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals: 7/6 → vi '1,2', en '1.2'."""
    return _fixed(value, digits)


def vnd(amount: Real | None) -> str:
    """Money, an integer number of đồng: 1090000 → vi '1.090.000 ₫', en '1,090,000 ₫'."""
    shown = number(amount)
    return shown if shown == MISSING else f"{shown} ₫"


def percent(fraction: Real | None, digits: int = 1) -> str:
    """A ratio as a percentage: 0.002 → vi '0,2%', en '0.2%'; -0.101 → '-10,1%'."""
    found = _as_decimal(fraction)
    if found is None:
        return MISSING
    try:
        return _apply(found * 100, _percent_pattern(), digits)
    except (ValueError, OverflowError, ArithmeticError):
        return MISSING


# Vietnamese price tags and charts say "k", "tr", "tỷ"; CLDR's "N", "Tr", "T" read oddly.
_VI_COMPACT = ((10**9, "tỷ"), (10**6, "tr"), (10**3, "k"))


def compact(value: Real | None) -> str:
    """A short figure for a chart's axis: 1500000 → vi '1,5 tr', en '1.5M'; 15000 → vi
    '15 k', en '15K'."""
    found = _as_decimal(value)
    if found is None:
        return MISSING
    locale = current_locale()
    if locale.language != "vi":
        try:
            return str(
                babel.numbers.format_compact_decimal(found, locale=locale, fraction_digits=1)
            )
        except (ValueError, OverflowError, ArithmeticError):
            return MISSING
    for size, unit in _VI_COMPACT:
        if abs(found) >= size:
            return f"{_fixed(found / size, 1, 0)} {unit}"
    return _fixed(found, 1, 0)


def _percent_pattern() -> Any:
    """The locale's percent pattern read as a plain number (the value is already × 100)."""
    pattern = copy.copy(current_locale().percent_formats[None])
    pattern.scale = 0  # Babel's power of ten: 2 for a percentage
    return pattern


def seconds(value: Real | None, digits: int = 1) -> str:
    """A length in seconds: 12 → vi '12,0 giây', en '12.0 s'."""
    shown = decimal_number(value, digits)
    return shown if shown == MISSING else _("%(n)s giây", n=shown)


def duration(value: Real | None) -> str:
    """Whole minutes and seconds: 90 → '1 phút 30 giây', 1050 → '17 phút 30 giây',
    3600 → '60 phút', 45 → '45 giây'."""
    found = _as_decimal(value)
    if found is None:
        return MISSING
    try:
        whole = abs(int(found.to_integral_value(decimal.ROUND_HALF_UP)))
    except (ValueError, OverflowError, ArithmeticError):
        return MISSING
    minutes, secs = divmod(whole, 60)
    sign = "-" if found < 0 and whole else ""
    if minutes and secs:
        return sign + _("%(m)s phút %(s)s giây", m=number(minutes), s=number(secs))
    if minutes:
        return sign + _("%(m)s phút", m=number(minutes))
    return sign + _("%(s)s giây", s=number(secs))


# ---------------------------------------------------------------- times


def _strftime(value: dt.date, fmt: str, year: int | None = None) -> str:
    """``value.strftime(fmt)`` with the year written as ``year`` (default: its own), always
    with four digits or more (glibc writes year 1 as '1')."""
    shown = value.year if year is None else year
    if shown < 1000 or year is not None:
        fmt = fmt.replace("%Y", f"{shown:04d}").replace("%y", f"{shown % 100:02d}")
    return value.strftime(fmt)


def _wall_clock(value: dt.datetime) -> tuple[dt.datetime, int]:
    """The Vietnam wall time of an aware ``value``, with its year when that is not ``year``
    of the returned datetime (past 9999 or before 1, where Python's dates end)."""
    try:
        return value.astimezone(LOCAL_TZ), 0
    except OverflowError:
        pass
    # Move 8000 years (the calendar repeats exactly), convert with the zone's offset at that
    # end of the calendar, and give the real year back for writing.
    shift = -_CALENDAR_SHIFT if value.year > _CALENDAR_SHIFT // 2 else _CALENDAR_SHIFT
    utc = value.replace(year=value.year + shift).astimezone(dt.UTC).replace(tzinfo=None)
    edge = dt.datetime.max if shift < 0 else dt.datetime.min
    offset = LOCAL_TZ.utcoffset(edge) or dt.timedelta(hours=7)
    return utc + offset, -shift


def local_datetime(value: dt.datetime | dt.date | None, fmt: str = DATETIME) -> str:
    """A stored time as Vietnam wall time (naive values are UTC); a plain date as it is.
    9999-12-31 23:00 UTC → '01/01/10000 06:00'."""
    if value is None:
        return MISSING
    if not isinstance(value, dt.date):
        return str(value)
    if not isinstance(value, dt.datetime):
        return _strftime(value, fmt)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        local, shift = _wall_clock(value)
    except (OverflowError, ValueError):  # out of reach even 8000 years away: none known
        return MISSING
    return _strftime(local, fmt, local.year + shift if shift else None)


def local_date(value: dt.datetime | dt.date | None, fmt: str = DATE) -> str:
    """A day: a ``date`` as it is, a stored UTC ``datetime`` as its day in Vietnam."""
    return local_datetime(value, fmt)


def local_time(value: dt.datetime | None, with_seconds: bool = False) -> str:
    """The Vietnam time of day of a stored time: '20:03' (or '20:03:05')."""
    return local_datetime(value, TIME_SECONDS if with_seconds else TIME)


def parse_stored(value: str | None) -> dt.datetime | None:
    """An ISO 8601 time as sent in JSON (a live screen's state) back as a datetime; None for
    anything unreadable."""
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


# Jinja: the filters and the globals every template may use (``app.i18n`` registers them).
FILTERS = {
    "vnd": vnd,
    "number": number,
    "decimal": decimal_number,
    "percent": percent,
    "seconds": seconds,
    "duration": duration,
    "compact": compact,
    "local_dt": local_datetime,
    "local_date": local_date,
    "local_time": local_time,
}
