"""Vietnam's addresses on the 2025 two-level map, and the old three-level ones buyers still type.

Since 1 July 2025 an address is *province → commune* (xã, phường, đặc khu): 34 provinces,
3,321 communes, as :mod:`vietnam.admin_units` lists them. Before, it was *province → district →
ward* over 63 provinces; buyers, saved address books and some carriers still use that form.

Data: the packaged JSON files of ``vietnamadminunits`` (MIT): ``parser_legacy.json`` (the old
units, their statistics office codes and spelling variants), ``parser_from_2025.json`` (the 2025
communes) and ``converter_2025.json`` (which old wards went into which commune). The files are
read straight from the installed package directory, located with
:func:`importlib.util.find_spec` — which does not run the package: its ``__init__`` imports a
geocoder (geopy/ArcGIS, numpy, shapely), and its ``convert_address`` geocodes split wards over
the network. Neither is ever called here. Each table is built once (``functools.cache``) on
first use.

The 2025 side is always :mod:`vietnam.admin_units`' ``Unit`` (its codes, its names): a commune of
the converter is matched to admin_units by name within its province (exact spelling first, then
accent-folded when that is unambiguous). The two packages disagree on the code of some communes
(:func:`dataset_disagreements` lists them); names decide, so what this module returns always
agrees with the rest of the app.

Listings (old units; :class:`~vietnam.admin_units.Unit` with full names, sorted by folded name,
provinces without their "Tỉnh"/"Thành phố" prefix):

- :func:`legacy_provinces` → the 63 old provinces, e.g. ``Unit(1, "Thành phố Hà Nội")``.
- :func:`legacy_districts` ``(province_code)`` → its old districts, ``Unit(1, "Quận Ba Đình")``.
- :func:`legacy_wards` ``(district_code)`` → its old wards; ``()`` for the five island
  districts that had none (Hoàng Sa, Bạch Long Vĩ, Côn Đảo, Lý Sơn, Cồn Cỏ).
- :func:`legacy_unit` ``(ward_code)`` → the :class:`LegacyUnit` of one old ward, or None.

Conversion:

- :class:`LegacyUnit` — one old ward with its district and province (codes and full names).
  For an island district without wards, ``ward_code`` is 0 and ``ward`` is ``""``.
- :func:`legacy_of` ``(province_code, commune_code)`` → the old wards that went into a 2025
  commune: the wards that went in whole first (the one whose code the commune kept first, then
  by name), then the wards of which only a part went in (by name).
- :func:`convert` ``(province, district, ward)`` → :class:`Conversion` from old names, typed any
  way (accents or not, any case, "Q.1", "TP HCM", "P. Bến Nghé", "X. Hải Xuân").
- :func:`parse` ``(text)`` → :class:`ParsedAddress`: a buyer's whole address line, old or new
  form; the part before the commune (house, street, hamlet) is ``street``.
- :func:`to_place_names` ``(province_code, commune_code, legacy)`` → the old names to send to a
  carrier still on three levels: ``legacy`` when the buyer typed the old form, else the first
  old ward of :func:`legacy_of` (a ward that went whole into the commune when there is one).

A :class:`Conversion` (and :class:`ParsedAddress`, which adds ``street``) says:

- ``province``: the 2025 province (admin_units ``Unit``), or None;
- ``candidates``: the 2025 communes it may be. One when an old ward went whole into one commune
  or the commune was named; several when the old ward was split between communes (every one —
  the choice is the buyer's, never guessed) or the name matched several units (``reason`` is
  then ``Missing.AMBIGUOUS``); for ``Missing.WARD`` the communes the old district went into;
- ``legacy``: the old ward matched, when the address was in the old form;
- ``reason``: None, or a :class:`Missing` code saying what could not be found;
- ``commune``: the one candidate when there is exactly one and nothing is missing.

Reading free text: the text is taken from the right — province, then (old form) district and
ward, or (new form) commune; units may carry their type or its abbreviation (Thành phố/TP/T.,
Quận/Q., Huyện/H., Thị xã/TX, Phường/P./F., Xã/X., Thị trấn/TT, Đặc khu/ĐK) or none; a unit never
spans a comma; "Việt Nam"/"VN" and a postcode at the end are skipped. When both forms read, the
one that explains more of the text wins (a ward + district beat a commune alone). Without a
province, a district + ward or a commune that exists in one place only is accepted.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from vietnam import admin_units, text
from vietnam.admin_units import Unit

_PACKAGE = "vietnamadminunits"


class Missing:
    """Why an address did not convert: ``Conversion.reason``."""

    EMPTY = "empty"  # nothing but spaces and punctuation
    PROVINCE = "province_not_found"  # no province (old or new) recognised
    DISTRICT = "district_not_found"  # convert(): the old district is not one of the province's
    WARD = "ward_not_found"  # an old district without a ward of it (candidates: its communes)
    COMMUNE = "commune_not_found"  # a province, then neither a commune nor a district + ward
    AMBIGUOUS = "ambiguous"  # the names match several different units (candidates: all)


@dataclasses.dataclass(frozen=True)
class LegacyUnit:
    """One pre-2025 ward with its district and province (statistics office codes, full names)."""

    province_code: int
    province: str  # "Thành phố Hồ Chí Minh"
    district_code: int
    district: str  # "Quận 1"
    ward_code: int  # 0: an island district that had no wards
    ward: str  # "Phường Bến Nghé"; "" with ward_code 0


@dataclasses.dataclass(frozen=True)
class Conversion:
    """Where an old (or new) address lies on the 2025 map; see the module docstring."""

    province: Unit | None = None
    candidates: tuple[Unit, ...] = ()
    legacy: LegacyUnit | None = None
    reason: str | None = None

    @property
    def commune(self) -> Unit | None:
        """The 2025 commune when it is certain: exactly one candidate, nothing missing."""
        if self.reason is None and len(self.candidates) == 1:
            return self.candidates[0]
        return None


@dataclasses.dataclass(frozen=True)
class ParsedAddress(Conversion):
    """A buyer's address line read: ``street`` is what comes before the ward/commune."""

    street: str = ""


# -- data files ----------------------------------------------------------------------------


def _data_file(name: str) -> dict[str, Any]:
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{_PACKAGE} is not installed (see requirements.txt)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return cast(dict[str, Any], json.loads((folder / "data" / name).read_text(encoding="utf-8")))


# -- keys: how names are compared ----------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_GROUP_BREAK = re.compile(r"[,;\n|]")

# Unit type words (folded, spaces removed) and what buyers write for them.
_PROVINCE_TYPES = {"thanhpho": ("thanhpho", "tp", "t"), "tinh": ("tinh", "t")}
_DISTRICT_TYPES = {
    "quan": ("quan", "q"),
    "huyen": ("huyen", "h"),
    "thixa": ("thixa", "tx"),
    "thanhpho": ("thanhpho", "tp"),
}
_WARD_TYPES = {
    "phuong": ("phuong", "p", "f"),
    "xa": ("xa", "x"),
    "thitran": ("thitran", "tt"),
    "dackhu": ("dackhu", "dk"),
}
_TRAILERS = frozenset({"vietnam", "vn"})
_EXTRA_PROVINCE_KEYWORDS = {
    "thanhphohochiminh": ("tphcm", "hcmc", "saigon", "sg", "tphochiminh"),
    "thanhphohanoi": ("tphn", "tphanoi"),
}


def _tokens(value: str) -> list[str]:
    return [_fold_token(t) for t in _TOKEN.findall(text.nfc(value))]


def _fold_token(token: str) -> str:
    return str(int(token)) if token.isdigit() else text.fold(token)


def _key(value: str) -> str:
    """'Phường 01' → 'phuong1', 'TP. Hồ Chí Minh' → 'tphochiminh': folded, no separators."""
    return "".join(_tokens(value))


def _accent_key(value: str) -> str:
    """Like :func:`_key` with the accents kept: tells 'Văn Lang' from 'Văn Lăng'."""
    return "".join(t.casefold() for t in _TOKEN.findall(text.nfc(value)))


def _keywords(name: str, types: Mapping[str, tuple[str, ...]], extra: Iterable[str]) -> set[str]:
    """Every way a unit is written: its name, its short name with each type abbreviation, and
    bare (unless the short name is a number: 'Phường 1' is never just '1')."""
    words = _tokens(name)
    keys = {"".join(words)}
    for size in (2, 1):
        kind = "".join(words[:size])
        if len(words) > size and kind in types:
            short = "".join(words[size:])
            keys.update(abbr + short for abbr in types[kind])
            if not short.isdigit():
                keys.add(short)
            break
    keys.update(k for k in extra if k.isascii())
    return keys


def _index(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    found: defaultdict[str, set[str]] = defaultdict(set)
    for keyword, key in pairs:
        found[keyword].add(key)
    return {keyword: frozenset(keys) for keyword, keys in found.items()}


# -- the old map ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Legacy:
    provinces: dict[str, Unit]  # province key → unit
    districts: dict[str, dict[str, Unit]]  # province key → district key → unit
    units: dict[str, LegacyUnit]  # "province_district_ward" key → unit
    province_words: dict[str, frozenset[str]]  # keyword → province keys
    district_words: dict[str, dict[str, frozenset[str]]]  # province key → keyword → districts
    ward_words: dict[tuple[str, str], dict[str, frozenset[str]]]  # (prov, district) → kw → keys


@functools.cache
def _legacy() -> _Legacy:
    data = _data_file("parser_legacy.json")
    provinces: dict[str, Unit] = {}
    province_pairs: list[tuple[str, str]] = []
    for pkey, entry in data["DICT_PROVINCE"].items():
        provinces[pkey] = Unit(int(entry["provinceCode"]), text.nfc(entry["province"]))
        extra = [*entry["provinceKeywords"], *_EXTRA_PROVINCE_KEYWORDS.get(pkey, ())]
        province_pairs += [(k, pkey) for k in _keywords(entry["province"], _PROVINCE_TYPES, extra)]
    districts: dict[str, dict[str, Unit]] = {}
    district_words: dict[str, dict[str, frozenset[str]]] = {}
    for pkey, entries in data["DICT_PROVINCE_DISTRICT"].items():
        districts[pkey] = {
            dkey: Unit(int(e["districtCode"]), text.nfc(e["district"]))
            for dkey, e in entries.items()
        }
        district_words[pkey] = _index(
            (k, dkey)
            for dkey, e in entries.items()
            for k in _keywords(e["district"], _DISTRICT_TYPES, e["districtKeywords"])
        )
    units: dict[str, LegacyUnit] = {}
    ward_pairs: defaultdict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for table in (
        "DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED",
        "DICT_PROVINCE_DISTRICT_WARD_ACCENTED",
    ):
        for pkey, by_district in data[table].items():
            for dkey, wards in by_district.items():
                province, district = provinces[pkey], districts[pkey][dkey]
                for wkey, e in wards.items():
                    named = isinstance(e["ward"], str)  # island districts: NaN, no ward
                    wkey = wkey if named else ""
                    units[f"{pkey}_{dkey}_{wkey}"] = LegacyUnit(
                        province.code,
                        province.name,
                        district.code,
                        district.name,
                        int(e["wardCode"]) if named else 0,
                        text.nfc(e["ward"]) if named else "",
                    )
                    if named:
                        words = _keywords(e["ward"], _WARD_TYPES, e["wardKeywords"])
                        ward_pairs[(pkey, dkey)] += [(k, wkey) for k in words]
    return _Legacy(
        provinces=provinces,
        districts=districts,
        units=units,
        province_words=_index(province_pairs),
        district_words=district_words,
        ward_words={where: _index(pairs) for where, pairs in ward_pairs.items()},
    )


def _bare_key(name: str) -> str:
    return text.fold(admin_units._bare(name))


@functools.cache
def legacy_provinces() -> tuple[Unit, ...]:
    """The 63 provinces before 2025 (code, full name), sorted by folded bare name."""
    return tuple(sorted(_legacy().provinces.values(), key=lambda u: _bare_key(u.name)))


@functools.cache
def legacy_districts(province_code: int) -> tuple[Unit, ...]:
    """The old districts of an old province, sorted by folded name; () for an unknown code."""
    legacy = _legacy()
    pkey = next((k for k, u in legacy.provinces.items() if u.code == province_code), None)
    found = legacy.districts.get(pkey, {}) if pkey else {}
    return tuple(sorted(found.values(), key=lambda u: text.fold(u.name)))


@functools.cache
def legacy_wards(district_code: int) -> tuple[Unit, ...]:
    """The old wards of an old district, sorted by folded name; () for an unknown code."""
    units = (
        Unit(u.ward_code, u.ward)
        for u in _legacy().units.values()
        if u.district_code == district_code and u.ward_code
    )
    return tuple(sorted(units, key=lambda u: text.fold(u.name)))


def legacy_unit(ward_code: int) -> LegacyUnit | None:
    """The old ward with this code, with its district and province."""
    return _legacy_by_code().get(ward_code)


@functools.cache
def _legacy_by_code() -> dict[int, LegacyUnit]:
    return {u.ward_code: u for u in _legacy().units.values() if u.ward_code}


# -- the 2025 map and the conversion -------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _New:
    provinces: dict[str, Unit]  # province key → admin_units province
    communes: dict[str, dict[str, Unit]]  # province key → commune key → admin_units commune
    province_words: dict[str, frozenset[str]]  # keyword → province keys
    commune_words: dict[str, dict[str, frozenset[str]]]  # province key → keyword → communes
    merged_from: dict[str, tuple[str, ...]]  # new province key → old province keys
    into: dict[str, tuple[str, ...]]  # old unit key → new commune keys (several: split)
    whole: frozenset[str]  # old unit keys that went whole into one commune
    disagreements: tuple[tuple[int, str, int, int], ...]


@functools.cache
def _new() -> _New:
    parser = _data_file("parser_from_2025.json")
    converter = _data_file("converter_2025.json")
    provinces: dict[str, Unit] = {}
    communes: dict[str, dict[str, Unit]] = {}
    commune_words: dict[str, dict[str, frozenset[str]]] = {}
    province_pairs: list[tuple[str, str]] = []
    disagreements: list[tuple[int, str, int, int]] = []
    for pkey, entry in parser["DICT_PROVINCE"].items():
        province = admin_units.province(int(entry["provinceCode"]))
        if province is None or _bare_key(province.name) != text.fold(entry["provinceShort"]):
            raise RuntimeError(f"2025 province {entry['province']} is not in admin_units")
        provinces[pkey] = province
        extra = [*entry["provinceKeywords"], *_EXTRA_PROVINCE_KEYWORDS.get(pkey, ())]
        province_pairs += [(k, pkey) for k in _keywords(entry["province"], _PROVINCE_TYPES, extra)]
        entries = {
            **parser["DICT_PROVINCE_WARD_NO_ACCENTED"].get(pkey, {}),
            **parser["DICT_PROVINCE_WARD_ACCENTED"].get(pkey, {}),
        }
        ours = _match_names(province.code, {wkey: e["ward"] for wkey, e in entries.items()})
        communes[pkey] = ours
        for wkey, e in entries.items():
            if ours[wkey].code != int(e["wardCode"]):
                disagreements.append(
                    (province.code, ours[wkey].name, ours[wkey].code, int(e["wardCode"]))
                )
        commune_words[pkey] = _index(
            (k, wkey)
            for wkey, e in entries.items()
            for k in _keywords(e["ward"], _WARD_TYPES, e["wardKeywords"])
        )
    into: dict[str, tuple[str, ...]] = {}
    for pkey, by_commune in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, old_keys in by_commune.items():
            into.update((old, (f"{pkey}_{wkey}",)) for old in old_keys)
    whole = frozenset(into)
    for pkey, by_old in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in by_old.items():
            into[old] = tuple(f"{pkey}_{part['newWardKey']}" for part in parts)
    return _New(
        provinces=provinces,
        communes=communes,
        province_words=_index(province_pairs),
        commune_words=commune_words,
        merged_from={k: tuple(v) for k, v in converter["DICT_PROVINCE"].items()},
        into=into,
        whole=whole,
        disagreements=tuple(sorted(disagreements)),
    )


def _match_names(province_code: int, names: Mapping[str, str]) -> dict[str, Unit]:
    """Each (key → commune name) to its admin_units commune: same spelling, else the only one
    with the same folded name. A name matching none is an error in the data."""
    ours = admin_units.communes(province_code)
    by_accent = {_accent_key(u.name): u for u in ours}
    by_fold: defaultdict[str, list[Unit]] = defaultdict(list)
    for each in ours:
        by_fold[_key(each.name)].append(each)
    found: dict[str, Unit] = {}
    for key, name in names.items():
        unit = by_accent.get(_accent_key(name))
        if unit is None and len(by_fold[_key(name)]) == 1:
            unit = by_fold[_key(name)][0]
        if unit is None:
            raise RuntimeError(f"2025 commune {name} ({province_code}) is not in admin_units")
        found[key] = unit
    return found


def dataset_disagreements() -> tuple[tuple[int, str, int, int], ...]:
    """Communes whose code differs between admin_units and the conversion data:
    ``(province_code, name, admin_units code, conversion data code)``. admin_units wins."""
    return _new().disagreements


def _commune_of(new_key: str) -> tuple[Unit, Unit]:
    pkey, wkey = new_key.split("_", 1)
    new = _new()
    return new.provinces[pkey], new.communes[pkey][wkey]


@functools.cache
def _legacy_index() -> dict[tuple[int, int], tuple[LegacyUnit, ...]]:
    new, legacy = _new(), _legacy()
    whole: defaultdict[tuple[int, int], list[LegacyUnit]] = defaultdict(list)
    part: defaultdict[tuple[int, int], list[LegacyUnit]] = defaultdict(list)
    for old, targets in new.into.items():
        for target in targets:
            province, commune = _commune_of(target)
            side = whole if old in new.whole else part
            side[(province.code, commune.code)].append(legacy.units[old])
    result: dict[tuple[int, int], tuple[LegacyUnit, ...]] = {}
    for where in whole.keys() | part.keys():
        seat = sorted(whole[where], key=lambda u: (u.ward_code != where[1], text.fold(u.ward)))
        rest = sorted(part[where], key=lambda u: text.fold(u.ward))
        result[where] = (*seat, *rest)
    return result


def legacy_of(province_code: int, commune_code: int) -> tuple[LegacyUnit, ...]:
    """The old wards that went into a 2025 commune (whole ones first; see the module doc)."""
    return _legacy_index().get((province_code, commune_code), ())


def to_place_names(
    province_code: int, commune_code: int, legacy: LegacyUnit | None = None
) -> LegacyUnit | None:
    """Old names for a carrier on three levels: ``legacy`` if known (the buyer typed the old
    form), else the first old ward of :func:`legacy_of` — one that went whole into the commune
    when there is one. None for an unknown commune."""
    if legacy is not None:
        return legacy
    return next(iter(legacy_of(province_code, commune_code)), None)


def _converted(old_keys: Sequence[str]) -> Conversion:
    """The Conversion of one or more matched old units (several: the names were ambiguous)."""
    new, legacy = _new(), _legacy()
    targets = [_commune_of(t) for old in old_keys for t in new.into[old]]
    candidates = tuple(dict.fromkeys(commune for _, commune in targets))
    province = targets[0][0]
    if len(old_keys) == 1:
        return Conversion(province, candidates, legacy.units[old_keys[0]])
    return Conversion(province, candidates, None, Missing.AMBIGUOUS)
