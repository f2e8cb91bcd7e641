"""Tax codes and barcodes; the bounds of numbers and dates (phones: tests/unit/vietnam)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core import validators


def test_tax_codes() -> None:
    assert validators.is_tax_code("5700100256")
    assert validators.is_tax_code("5700100256-001")
    assert validators.is_tax_code("022095001234")
    assert not validators.is_tax_code("57001002")
    assert not validators.is_tax_code("5700100256-1")


def test_gtin_check_digits() -> None:
    assert validators.is_gtin("8934563138165")  # EAN-13
    assert validators.is_gtin("96385074")  # EAN-8
    assert validators.is_gtin("036000291452")  # UPC-A
    assert not validators.is_gtin("8934563138166")
    assert not validators.is_gtin("89345631381A5")


# --- bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", 1),
        (" 2147483647 ", validators.MAX_ID),
        (7, 7),
        ("2147483648", None),  # 2**31: no INTEGER row has it
        ("9223372036854775808", None),  # 2**63
        ("18446744073709551616", None),  # 2**64
        ("9" * 5000, None),  # int() would raise past 4,300 digits
        ("0", None),
        ("-1", None),
        ("1.5", None),
        ("1e3", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١٢", None),  # Arabic-Indic digits: int() reads them, an id does not
        (" 12\n", 12),  # surrounding whitespace is not part of the number
        (True, None),
        (None, None),
        ("", None),
    ],
)
def test_parse_id(raw: object, value: int | None) -> None:
    assert validators.parse_id(raw) == value


def test_parse_int_bounds_and_signs() -> None:
    assert validators.parse_int("-5", -10, 10) == -5
    assert validators.parse_int("+5", -10, 10) == 5
    assert validators.parse_int("11", -10, 10) is None
    assert validators.parse_int(str(validators.DB_BIGINT_MAX)) == validators.DB_BIGINT_MAX
    assert validators.parse_int(str(validators.DB_BIGINT_MAX + 1)) is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2000-01-01", dt.date(2000, 1, 1)),
        ("2100-12-31", dt.date(2100, 12, 31)),
        ("1999-12-31", None),
        ("2101-01-01", None),
        ("0001-01-01", None),
        ("9999-12-31", None),
        ("10000-01-01", None),
        ("0000-00-00", None),
        ("2024-02-30", None),
        ("20240101", None),  # fromisoformat takes it; a filter wants the usual form
        ("abc", None),
        (None, None),
    ],
)
def test_parse_business_date(raw: object, value: dt.date | None) -> None:
    assert validators.parse_business_date(raw) == value


def test_parse_business_month() -> None:
    assert validators.parse_business_month("2026-11") == dt.date(2026, 11, 1)
    for raw in ("0001-01", "9999-12", "2026-13", "2026-1", "abc"):
        assert validators.parse_business_month(raw) is None


def test_business_date_problem_reads_times_in_vietnam_and_never_overflows() -> None:
    assert validators.business_date_problem(dt.date(2000, 1, 1)) is None
    assert validators.business_date_problem(dt.date(1999, 12, 31))
    # 2100-12-31 17:00 UTC is 2101-01-01 00:00 in Vietnam: past the last business day.
    assert validators.business_date_problem(dt.datetime(2100, 12, 31, 16, 59)) is None
    assert validators.business_date_problem(dt.datetime(2100, 12, 31, 17, 0))
    # 1999-12-31 17:00 UTC is 2000-01-01 00:00 in Vietnam: the first business day.
    start = dt.datetime(1999, 12, 31, 17, 0, tzinfo=dt.UTC)
    assert validators.business_date_problem(start) is None
    for edge in (dt.datetime(9999, 12, 31, 23, 0), dt.datetime(1, 1, 1), dt.date(9999, 12, 31)):
        assert "01/01/2000" in (validators.business_date_problem(edge) or "")


def test_money_quantity_and_range_problems_name_their_bounds() -> None:
    assert validators.money_problem(validators.MONEY_MAX) is None
    assert validators.money_problem(0) is None
    assert "1.000.000.000.000" in (validators.money_problem(validators.MONEY_MAX + 1) or "")
    assert validators.money_problem(-1)
    assert validators.quantity_problem(validators.QUANTITY_MAX) is None
    assert "10.000" in (validators.quantity_problem(10_001, 1, 10_000) or "")
    assert validators.quantity_problem(0, 1, 10_000)
    assert validators.range_problem(2**63, 0, validators.DB_INT_MAX)
    # price × quantity at the limits still fits a bigint, and is refused as money
    assert validators.MONEY_MAX * validators.QUANTITY_MAX < validators.DB_BIGINT_MAX
    assert validators.amount_problem(10**9, 1_000) is None
    assert validators.amount_problem(10**9, 1_001)
