"""Distinct counts that merge: HyperLogLog sketches of buyer keys.

A sketch holds :data:`REGISTERS` one-byte registers (precision :data:`PRECISION`); the union of
two sets is the register-wise maximum of their sketches, so a month of a province is the merge
of its clubs' months and a year the merge of its months, without the buyers themselves.

Error: the standard error of an estimate is 1.04 / √4096 ≈ 1.6 % (95 % of estimates within
±3.3 %); below about 10,000 distinct buyers the small-range correction (linear counting) keeps
it near 1 %, and under a hundred it is exact or off by one in practice.

Keys are hashed with pandas' fixed-key SipHash (:func:`pandas.util.hash_array`), so the same
buyer key gives the same 64-bit hash in every process and on every machine.

Stored form (:func:`encode`): ``b"S"`` then (register index uint16, value uint8) pairs for a
sparse sketch, or ``b"D"`` then the 4096 registers, whichever is shorter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

PRECISION = 12
REGISTERS = 1 << PRECISION
STANDARD_ERROR = 1.04 / math.sqrt(REGISTERS)
_SUFFIX_BITS = 64 - PRECISION
_ALPHA = 0.7213 / (1 + 1.079 / REGISTERS)
_SPARSE = np.dtype([("index", "<u2"), ("value", "u1")])


class BadSketch(ValueError):
    """Stored bytes that are not a sketch of this precision."""


def hashes(keys: np.ndarray | pd.Series | list[str]) -> np.ndarray:
    """64-bit hashes (uint64) of text keys, the same everywhere."""
    values = np.asarray(keys, dtype=object)
    if len(values) == 0:
        return np.zeros(0, dtype=np.uint64)
    hashed: np.ndarray = pd.util.hash_array(values, categorize=True)
    return hashed.astype(np.uint64, copy=False)


def positions(hashed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Register index (top bits) and value (leading zeros of the rest, plus one) per hash."""
    hashed = hashed.astype(np.uint64, copy=False)
    index = (hashed >> np.uint64(_SUFFIX_BITS)).astype(np.int64)
    rest = hashed & np.uint64((1 << _SUFFIX_BITS) - 1)
    # rest < 2**52 is exact in float64, so log2 gives the position of its highest set bit
    with np.errstate(divide="ignore"):
        top = np.floor(np.log2(rest.astype(np.float64)))
    value = np.where(rest > 0, _SUFFIX_BITS - top, _SUFFIX_BITS + 1).astype(np.uint8)
    return index, value


def registers_by(group: np.ndarray, hashed: np.ndarray, n_groups: int) -> np.ndarray:
    """One sketch (a row of registers) per group code 0…n_groups-1."""
    out = np.zeros((n_groups, REGISTERS), dtype=np.uint8)
    if len(hashed):
        index, value = positions(hashed)
        np.maximum.at(out, (group.astype(np.int64, copy=False), index), value)
    return out


def of_keys(keys: Iterable[str]) -> np.ndarray:
    """The sketch of a collection of text keys."""
    hashed = hashes(list(keys))
    registers: np.ndarray = registers_by(np.zeros(len(hashed), dtype=np.int64), hashed, 1)[0]
    return registers


def empty() -> np.ndarray:
    return np.zeros(REGISTERS, dtype=np.uint8)


def merge(sketches: Iterable[np.ndarray]) -> np.ndarray:
    """The union's sketch."""
    out = empty()
    for sketch in sketches:
        np.maximum(out, sketch, out=out)
    return out


def estimate(registers: np.ndarray) -> int:
    """The estimated number of distinct keys (HyperLogLog with the small-range correction)."""
    zeros = int(np.count_nonzero(registers == 0))
    if zeros == REGISTERS:
        return 0
    raw = _ALPHA * REGISTERS * REGISTERS / float(np.ldexp(1.0, -registers.astype(np.int64)).sum())
    if raw <= 2.5 * REGISTERS and zeros:
        return round(REGISTERS * math.log(REGISTERS / zeros))
    return round(raw)


def encode(registers: np.ndarray) -> bytes:
    """The stored form (sparse pairs or the dense registers, whichever is shorter)."""
    nonzero = np.flatnonzero(registers)
    if len(nonzero) * _SPARSE.itemsize < REGISTERS:
        pairs = np.empty(len(nonzero), dtype=_SPARSE)
        pairs["index"] = nonzero
        pairs["value"] = registers[nonzero]
        return b"S" + pairs.tobytes()
    return b"D" + registers.astype(np.uint8, copy=False).tobytes()


def decode(data: bytes) -> np.ndarray:
    """Registers from the stored form; :class:`BadSketch` when it is not one."""
    kind, body = data[:1], data[1:]
    if kind == b"D" and len(body) == REGISTERS:
        return np.frombuffer(body, dtype=np.uint8).copy()
    if kind == b"S" and len(body) % _SPARSE.itemsize == 0:
        pairs = np.frombuffer(body, dtype=_SPARSE)
        if len(pairs) and int(pairs["index"].max()) >= REGISTERS:
            raise BadSketch("register index out of range")
        out = empty()
        out[pairs["index"].astype(np.int64)] = pairs["value"]
        return out
    raise BadSketch("not a sketch of this precision")


def merge_encoded(items: Iterable[bytes | None]) -> np.ndarray:
    """The union of stored sketches (None: an empty set)."""
    return merge(decode(item) for item in items if item)
