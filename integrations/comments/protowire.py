"""A minimal protobuf wire codec: enough to read (and, for the sandbox, write) TikTok's webcast
messages without the protobuf package or generated classes.

``decode`` turns a message's bytes into ``{field number: [values]}``: a varint is an ``int``
(unsigned; ``signed`` reads it as int64), a length-delimited field ``bytes`` (a string, bytes
or a nested message: the reader knows which and calls ``decode`` again), fixed64/fixed32
``Fixed64``/``Fixed32``. ``encode`` writes ``(field, value)`` pairs in order: ``int`` and
``bool`` as varints (negative ints as 64-bit two's complement, as int64 does), ``str``/``bytes``
length-delimited, ``Fixed64``/``Fixed32`` fixed. Groups (wire types 3 and 4, long deprecated)
and anything truncated or malformed raise ``WireError`` with a stable ``code``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
MAX_VARINT_BYTES = 10
UINT64 = 1 << 64


class Fixed64(NamedTuple):
    value: int


class Fixed32(NamedTuple):
    value: int


Value = int | bytes | Fixed64 | Fixed32
Fields = dict[int, list[Value]]
Encodable = int | bool | str | bytes | Fixed64 | Fixed32


class WireError(ValueError):
    """The bytes are not a protobuf message: ``code`` says why (``truncated``, ``bad_varint``,
    ``bad_wire_type``, ``bad_field``)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _varint(data: bytes, at: int) -> tuple[int, int]:
    result = shift = 0
    for count in range(MAX_VARINT_BYTES):
        if at + count >= len(data):
            raise WireError("varint runs past the end", "truncated")
        byte = data[at + count]
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result & (UINT64 - 1), at + count + 1
        shift += 7
    raise WireError("varint longer than ten bytes", "bad_varint")


def _take(data: bytes, at: int, size: int) -> tuple[bytes, int]:
    if at + size > len(data):
        raise WireError(f"field of {size} bytes runs past the end", "truncated")
    return data[at : at + size], at + size


def decode(data: bytes) -> Fields:
    """The message's fields by number, each with its values in the order they came."""
    fields: Fields = {}
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if number < 1:
            raise WireError("field number 0", "bad_field")
        value: Value
        if wire == VARINT:
            value, at = _varint(data, at)
        elif wire == LENGTH:
            size, at = _varint(data, at)
            value, at = _take(data, at, size)
        elif wire == FIXED64:
            raw, at = _take(data, at, 8)
            value = Fixed64(int.from_bytes(raw, "little"))
        elif wire == FIXED32:
            raw, at = _take(data, at, 4)
            value = Fixed32(int.from_bytes(raw, "little"))
        else:
            raise WireError(f"wire type {wire} is not supported", "bad_wire_type")
        fields.setdefault(number, []).append(value)
    return fields


def _put_varint(value: int) -> bytes:
    value &= UINT64 - 1  # negative int64 → ten-byte two's complement
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def encode(pairs: Iterable[tuple[int, Encodable]]) -> bytes:
    """A message of ``(field number, value)`` pairs, written in the order given."""
    out = bytearray()
    for number, value in pairs:
        if isinstance(value, Fixed64):
            out += _put_varint(number << 3 | FIXED64) + (value.value % UINT64).to_bytes(8, "little")
        elif isinstance(value, Fixed32):
            out += _put_varint(number << 3 | FIXED32) + (value.value % (1 << 32)).to_bytes(
                4, "little"
            )
        elif isinstance(value, bool | int):
            out += _put_varint(number << 3 | VARINT) + _put_varint(int(value))
        else:
            raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            out += _put_varint(number << 3 | LENGTH) + _put_varint(len(raw)) + raw
    return bytes(out)


# --- reading a decoded message --------------------------------------------------------------


def integer(fields: Fields, number: int, default: int = 0) -> int:
    """The field's last varint (proto3: the last value wins)."""
    values = [v for v in fields.get(number, ()) if type(v) is int]
    return values[-1] if values else default


def signed(fields: Fields, number: int, default: int = 0) -> int:
    """An int64 field: the varint read as two's complement."""
    value = integer(fields, number, default)
    return value - UINT64 if value >= 1 << 63 else value


def raw(fields: Fields, number: int) -> bytes:
    """The field's last length-delimited value (b"" when absent)."""
    values = [v for v in fields.get(number, ()) if isinstance(v, bytes)]
    return values[-1] if values else b""


def text(fields: Fields, number: int) -> str:
    """A string field (invalid UTF-8 is replaced, never raised)."""
    return raw(fields, number).decode("utf-8", errors="replace")


def message(fields: Fields, number: int) -> Fields:
    """A nested message field, decoded ({} when absent)."""
    return decode(raw(fields, number))


def messages(fields: Fields, number: int) -> list[Fields]:
    """A repeated nested message field, each decoded."""
    return [decode(v) for v in fields.get(number, ()) if isinstance(v, bytes)]


def string_map(fields: Fields, number: int) -> dict[str, str]:
    """A ``map<string, string>`` field (entries with key = 1, value = 2)."""
    return {text(entry, 1): text(entry, 2) for entry in messages(fields, number)}


def map_entries(number: int, mapping: dict[str, str]) -> list[tuple[int, Encodable]]:
    """``mapping`` as the entries of a ``map<string, string>`` field, for ``encode``."""
    return [(number, encode([(1, key), (2, value)])) for key, value in mapping.items()]
