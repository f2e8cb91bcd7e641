"""Ratios with the domain's zero-denominator rule: no denominator → None (shown "—")."""

from __future__ import annotations

import numpy as np


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator as a float, or None when the denominator is zero (or missing)."""
    if denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def money_ratio(numerator: int, denominator: int, scale: int = 1) -> int | None:
    """numerator × scale ÷ denominator in whole đồng (half rounds up), None if no denominator.

    Integer arithmetic throughout, so money never passes through a float.
    """
    if denominator is None or denominator == 0:
        return None
    numerator, denominator = int(numerator) * scale, int(denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def ratio_array(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise :func:`ratio`: an object array of floats and None."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    ok = denominator != 0
    values: np.ndarray = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=ok)
    out = values.astype(object)
    out[~ok] = None
    return out


def money_ratio_array(numerator: np.ndarray, denominator: np.ndarray, scale: int = 1) -> np.ndarray:
    """Element-wise :func:`money_ratio`: an object array of Python ints and None."""
    numerator = np.asarray(numerator, dtype=np.int64) * scale
    denominator = np.asarray(denominator, dtype=np.int64)
    ok = denominator != 0
    safe = np.where(ok, denominator, 1)
    values = (2 * numerator + safe) // (2 * safe)
    out = np.array([int(v) for v in values], dtype=object)
    out[~ok] = None
    return out
