"""Money in đồng and times in Vietnam's zone, as shown to people."""

from __future__ import annotations

import datetime as dt

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


def test_nfc_and_fold() -> None:
    assert text.nfc("  Nu\u031bo\u031b\u0301c ma\u0306\u0301m ") == "Nước mắm"
    assert text.fold("Nước Mắm Đặc Biệt") == "nuoc mam dac biet"
