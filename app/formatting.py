"""How values are shown: money in đồng, times in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import datetime as dt
import zoneinfo

LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def vnd(amount: int | None) -> str:
    """1300000 → '1.300.000 ₫' (money is an integer number of đồng)."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,} ₫".replace(",", ".")


def local_datetime(value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored UTC time shown in Vietnam's time zone."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_TZ).strftime(fmt)
