"""NAPAS VietQR payloads (EMVCo merchant-presented QR) for bank transfers, and their images.

Pure module (no Flask): views and services call :func:`build_payload` and turn
:class:`VietQRError` into ``app.core.errors.ValidationError(fields=error.fields)``.

Layout (../shared/docs/orders-and-payments.md), each field ``ID`` + 2-digit length + value:
``00``="01"; ``01``="11" static / "12" dynamic (with amount); ``38`` = {``00``="A000000727",
``01`` = {``00`` bank BIN, ``01`` account or card number}, ``02``="QRIBFTTA" (account) or
"QRIBFTTC" (card)}; ``53``="704" (VND); ``54`` amount; ``58``="VN"; ``62`` = {``01`` bill
number, ``08`` purpose}; ``63`` CRC-16/CCITT-FALSE over everything before it including "6304".
"""

from __future__ import annotations

import io
import re

import segno

from vietnam.text import strip_accents

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
TO_CARD = "QRIBFTTC"
CURRENCY_VND = "704"
COUNTRY = "VN"

BANK_BINS = {
    "Vietcombank": "970436",
    "BIDV": "970418",
    "Agribank": "970405",
    "VietinBank": "970415",
    "Techcombank": "970407",
    "MB": "970422",
    "ACB": "970416",
    "Sacombank": "970403",
    "VPBank": "970432",
    "TPBank": "970423",
}

_BIN_RE = re.compile(r"^\d{6}$")
_ACCOUNT_RE = re.compile(r"^[0-9A-Za-z]{1,19}$")
_REFERENCE_RE = re.compile(r"^[0-9A-Za-z\-_.]{1,25}$")
_PURPOSE_RE = re.compile(r"^[0-9A-Za-z .,\-_/]{1,25}$")
MAX_AMOUNT_DIGITS = 13


class VietQRError(ValueError):
    """Invalid input for a payload, or a payload that does not parse; ``fields`` names each."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def field(tag: str, value: str) -> str:
    """One TLV field: ``tag`` + 2-digit length + value (at most 99 characters)."""
    if len(value) > 99:
        raise VietQRError({tag: [f"value longer than 99 characters ({len(value)})"]})
    return f"{tag}{len(value):02d}{value}"


def build_payload(
    bank_bin: str,
    account: str,
    amount: int | None = None,
    bill_number: str | None = None,
    purpose: str | None = None,
    *,
    to_card: bool = False,
) -> str:
    """The VietQR payload string for a transfer to ``account`` at the bank ``bank_bin``.

    With ``amount`` (integer đồng, > 0) the QR is dynamic ("12", one payment); without, static
    ("11"). ``bill_number`` (order reference, ≤ 25 of A–Z a–z 0–9 - _ .) and ``purpose`` (≤ 25
    characters once diacritics are removed by :func:`vietnam.text.strip_accents`) go in the
    additional data field 62. Every invalid input is reported at once in :class:`VietQRError`.
    """
    errors: dict[str, list[str]] = {}
    bank_bin = str(bank_bin).strip()
    account = re.sub(r"[\s.\-]", "", str(account))
    if not _BIN_RE.match(bank_bin):
        errors["bank_bin"] = ["must be the bank's 6-digit BIN (e.g. 970436)"]
    if not _ACCOUNT_RE.match(account):
        errors["account"] = ["must be 1–19 letters or digits"]
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int):
            errors["amount"] = ["must be a whole number of đồng"]
        elif amount <= 0:
            errors["amount"] = ["must be more than 0"]
        elif len(str(amount)) > MAX_AMOUNT_DIGITS:
            errors["amount"] = [f"must have at most {MAX_AMOUNT_DIGITS} digits"]
    if bill_number is not None and not _REFERENCE_RE.match(bill_number):
        errors["bill_number"] = ["must be 1–25 of A–Z, a–z, 0–9, '-', '_', '.'"]
    if purpose is not None:
        purpose = strip_accents(purpose)
        if not _PURPOSE_RE.match(purpose):
            errors["purpose"] = ["must be 1–25 letters, digits, spaces or . , - _ /"]
    if errors:
        raise VietQRError(errors)
    beneficiary = field("00", bank_bin) + field("01", account)
    merchant = (
        field("00", NAPAS_GUID)
        + field("01", beneficiary)
        + field("02", TO_CARD if to_card else TO_ACCOUNT)
    )
    payload = field("00", "01") + field("01", "12" if amount is not None else "11")
    payload += field("38", merchant) + field("53", CURRENCY_VND)
    if amount is not None:
        payload += field("54", str(amount))
    payload += field("58", COUNTRY)
    additional = ""
    if bill_number:
        additional += field("01", bill_number)
    if purpose:
        additional += field("08", purpose)
    if additional:
        payload += field("62", additional)
    payload += "6304"
    return payload + f"{crc16_ccitt_false(payload.encode('ascii')):04X}"


def parse_fields(text: str) -> dict[str, str]:
    """Split a run of TLV fields into ``{tag: value}`` (raises VietQRError if malformed)."""
    out: dict[str, str] = {}
    position = 0
    while position < len(text):
        head = text[position : position + 4]
        if len(head) < 4 or not head.isdigit():
            raise VietQRError({"payload": [f"bad field header at {position}"]})
        length = int(head[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise VietQRError({"payload": [f"field {head[:2]} is cut short"]})
        out[head[:2]] = value
        position += 4 + length
    return out


def parse_payload(payload: str) -> dict[str, object]:
    """Parse a payload back (templates 38, 38/01 and 62 nested) after checking its CRC."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise VietQRError({"payload": ["must end with the CRC field 63"]})
    expected = f"{crc16_ccitt_false(payload[:-4].encode('ascii')):04X}"
    if payload[-4:].upper() != expected:
        raise VietQRError({"payload": [f"CRC {payload[-4:]} ≠ {expected}"]})
    fields: dict[str, object] = dict(parse_fields(payload))
    if isinstance(fields.get("38"), str):
        merchant: dict[str, object] = dict(parse_fields(str(fields["38"])))
        if isinstance(merchant.get("01"), str):
            merchant["01"] = parse_fields(str(merchant["01"]))
        fields["38"] = merchant
    if isinstance(fields.get("62"), str):
        fields["62"] = parse_fields(str(fields["62"]))
    return fields


def _qr(payload: str) -> segno.QRCode:
    return segno.make(payload, error="m", micro=False)


def render_svg(payload: str, scale: int = 6, border: int = 4) -> str:
    """The payload as an SVG QR code (text, with an XML declaration-free root element)."""
    buffer = io.BytesIO()
    _qr(payload).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


def render_png(payload: str, scale: int = 8, border: int = 4) -> bytes:
    """The payload as a PNG QR code."""
    buffer = io.BytesIO()
    _qr(payload).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()
