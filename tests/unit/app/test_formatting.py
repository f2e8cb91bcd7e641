"""Money in đồng and times in Vietnam's zone, as shown to people."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from app import formatting, text


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(1_300_000, "1.300.000 ₫"), (0, "0 ₫"), (999, "999 ₫"), (-25_000, "-25.000 ₫"), (None, "—")],
)
def test_vnd(amount: int | None, shown: str) -> None:
    assert formatting.vnd(amount) == shown


def test_utc_is_shown_in_ho_chi_minh_time() -> None:
    moment = dt.datetime(2026, 11, 28, 17, 30, tzinfo=dt.UTC)
    assert formatting.local_datetime(moment) == "29/11/2026 00:30"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (10**12, "1.000.000.000.000 ₫"),
        (2**63, "9.223.372.036.854.775.808 ₫"),
        pytest.param(10**5000, "—", id="5000-digits"),  # more than Python writes out
        (float("inf"), "—"),
        (float("nan"), "—"),
        (decimal.Decimal("NaN"), "—"),
        (decimal.Decimal("12500.7"), "12.500 ₫"),
        (True, "—"),
        ("1000", "—"),
    ],
)
def test_vnd_never_raises(amount: object, shown: str) -> None:
    assert formatting.vnd(amount) == shown  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # past year 9999 in UTC+7: shown in UTC, marked
        (dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC), "31/12/9999 23:00 UTC"),
        (dt.datetime(9999, 12, 31, 23, 0), "31/12/9999 23:00 UTC"),  # naive is UTC
        (dt.datetime(9999, 12, 31, 16, 59, tzinfo=dt.UTC), "31/12/9999 23:59"),
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=formatting.LOCAL_TZ), "01/01/0001 00:00"),
        (dt.date(9999, 12, 31), "31/12/9999 00:00"),
        (dt.date(1, 1, 1), "01/01/0001 00:00"),
        (None, "—"),
        ("2026-01-01", "2026-01-01"),
    ],
)
def test_local_datetime_never_raises(value: object, shown: str) -> None:
    assert formatting.local_datetime(value) == shown  # type: ignore[arg-type]


def test_year_one_in_utc_is_readable() -> None:
    shown = formatting.local_datetime(dt.datetime(1, 1, 1, tzinfo=dt.UTC))
    assert shown.startswith("01/01/0001 0")


def test_local_date() -> None:
    assert formatting.local_date(dt.datetime(2026, 11, 28, 17, 30, tzinfo=dt.UTC)) == "29/11/2026"
    assert formatting.local_date(dt.date(1, 1, 1)) == "01/01/0001"
    assert formatting.local_date(dt.datetime(9999, 12, 31, 23, 0)) == "31/12/9999 UTC"
    assert formatting.local_date(None) == "—"


def test_nfc_and_fold() -> None:
    assert text.nfc("  Nu\u031bo\u031b\u0301c ma\u0306\u0301m ") == "Nước mắm"
    assert text.fold("Nước Mắm Đặc Biệt") == "nuoc mam dac biet"
