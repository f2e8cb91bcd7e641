"""The bounds every order value is held to, whichever way it comes in (form, API, command line,
export file, comment batch), so a page, an import and the database agree.

The app-wide bounds are ``app.validators``'s (ids, money, business dates 2000-01-01 …
2100-12-31 in Vietnam time); an order line holds a quantity and a unit price tighter. Each
check returns a translated message, or None when the value is fine. Every value allowed fits the
database's columns: a line's value is at most 10**12 đồng (a ``bigint``), a quantity at most
10,000 (an ``integer``).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from app.core import text, validators

MAX_QUANTITY = 10_000  # units of one line
MAX_UNIT_PRICE = 1_000_000_000  # đồng
MAX_AMOUNT = validators.MONEY_MAX  # đồng, one line's value (price × quantity, or a subtotal)
MAX_ID = validators.MAX_ID
EARLIEST_DAY = validators.FIRST_BUSINESS_DAY
LATEST_DAY = validators.LAST_BUSINESS_DAY
LOCAL = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh: UTC+7, no DST
EARLIEST = dt.datetime.combine(EARLIEST_DAY, dt.time(), tzinfo=LOCAL)
LATEST = dt.datetime.combine(LATEST_DAY + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL)

# Text lengths (the columns' sizes).
MAX_EXTERNAL_ID = 64
MAX_BUYER_NAME = 200
MAX_BUYER_USER = 120
MAX_PHONE = 40
MAX_NOTE = 2000

id_or_none = validators.parse_id  # an id from outside, or None when no row can have it
parse_day = validators.parse_business_date  # YYYY-MM-DD within the business dates, or None


def quantity_problem(value: int) -> str | None:
    return validators.quantity_problem(value, 1, MAX_QUANTITY)


def price_problem(value: int) -> str | None:
    return validators.money_problem(value, MAX_UNIT_PRICE)


def amount_problem(value: int) -> str | None:
    """A line's value (price × quantity, or an export's subtotal)."""
    return validators.money_problem(value, MAX_AMOUNT)


def day_in_range(value: dt.date) -> bool:
    return EARLIEST_DAY <= value <= LATEST_DAY


def time_range_message() -> str:
    return str(validators.business_days_message())


def time_problem(value: dt.datetime) -> str | None:
    """An order time (aware, or naive UTC) outside the business dates (Vietnam time)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    # Compared, never converted: year 1 or 9999 may not convert to another zone at all.
    return None if EARLIEST <= value < LATEST else time_range_message()


def text_problem(value: str, max_length: int, *, allow_newlines: bool = False) -> str | None:
    """Too long, or holding control characters (a CR/LF would split a CSV row or a header)."""
    if len(value) > max_length:
        return _("Tối đa %(n)d ký tự.", n=max_length)
    if text.has_controls(value, allow_newlines=allow_newlines):
        return _("Có ký tự điều khiển (xuống dòng, tab…) không được phép.")
    return None
