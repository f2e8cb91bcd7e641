"""Checks and normal forms for Vietnamese identifiers: phone numbers, tax codes, barcodes."""

from __future__ import annotations

import re

MOBILE_RE = re.compile(r"^0(3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}$")
LANDLINE_RE = re.compile(r"^02\d{9}$")
TAX_CODE_RE = re.compile(r"^(\d{10}(-\d{3})?|\d{12})$")


def normalize_phone(raw: str) -> str:
    """'+84 912.345.678' → '0912345678'; spaces, dots, dashes and +84/84 forms accepted.

    Returns the digits in national form without checking validity.
    """
    digits = re.sub(r"[\s.\-()]", "", raw.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits


def is_mobile(phone: str) -> bool:
    return bool(MOBILE_RE.match(phone))


def is_phone(phone: str) -> bool:
    """A valid Vietnamese mobile or fixed-line number in national form."""
    return bool(MOBILE_RE.match(phone) or LANDLINE_RE.match(phone))


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
