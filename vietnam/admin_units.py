"""Vietnam's administrative units on the 2025 two-level map (province → commune/ward),
from the maintained `vietnam-provinces` package rather than a hand-typed list."""

from __future__ import annotations

import dataclasses
import functools

import vietnam_provinces as vp

from vietnam import text


@dataclasses.dataclass(frozen=True)
class Unit:
    code: int
    name: str


@functools.cache
def provinces() -> tuple[Unit, ...]:
    """The 34 provinces and centrally-run cities, sorted by name."""
    units = (Unit(int(p.code), p.name) for p in vp.Province.iter_all())
    return tuple(sorted(units, key=lambda u: text.fold(_bare(u.name))))


@functools.cache
def communes(province_code: int) -> tuple[Unit, ...]:
    """Communes and wards (xã, phường, đặc khu) of one province, sorted by name."""
    try:
        code = vp.ProvinceCode(province_code)
    except ValueError:
        return ()
    units = (Unit(int(w.code), w.name) for w in vp.Ward.iter_by_province(code))
    return tuple(sorted(units, key=lambda u: text.fold(u.name)))


def province(code: int) -> Unit | None:
    return next((u for u in provinces() if u.code == code), None)


def commune(province_code: int, code: int) -> Unit | None:
    return next((u for u in communes(province_code) if u.code == code), None)


def find_province(name: str) -> Unit | None:
    """Match 'quang ninh', 'Tỉnh Quảng Ninh' or 'TP Hải Phòng' to a 2025 province."""
    wanted = text.fold(_bare(name))
    return next((u for u in provinces() if text.fold(_bare(u.name)) == wanted), None)


def find_commune(province_code: int, name: str) -> Unit | None:
    wanted = text.fold(name)
    return next((u for u in communes(province_code) if text.fold(u.name) == wanted), None)


def _bare(name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh ", "TP. ", "TP "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name
