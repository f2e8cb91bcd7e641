"""Vietnamese phone numbers, tax codes and barcodes."""

from __future__ import annotations

import pytest

from app import validators


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("091-234-5678", "0912345678"),
        ("(0203) 3881 234", "02033881234"),
    ],
)
def test_phone_forms_normalise(raw: str, normal: str) -> None:
    assert validators.normalize_phone(raw) == normal
    assert validators.is_phone(normal)


@pytest.mark.parametrize("phone", ["0123456789", "091234567", "09123456789", "0012345678"])
def test_invalid_phones(phone: str) -> None:
    assert not validators.is_phone(validators.normalize_phone(phone))


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
