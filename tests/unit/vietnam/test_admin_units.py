"""The 2025 administrative map: 34 provinces, communes by province, names matched folded."""

from __future__ import annotations

from vietnam import admin_units


def test_provinces_are_the_34_of_2025_sorted_by_folded_name() -> None:
    provinces = admin_units.provinces()
    assert len(provinces) == 34
    assert provinces[0] == admin_units.Unit(91, "An Giang")
    # sorted without the "Thành phố"/"Tỉnh" prefixes and without diacritics
    assert [p.name for p in provinces[:3]] == ["An Giang", "Bắc Ninh", "Cà Mau"]
    assert admin_units.province(22) == admin_units.Unit(22, "Quảng Ninh")
    assert admin_units.province(0) is None


def test_find_province_by_any_spelling() -> None:
    quang_ninh = admin_units.Unit(22, "Quảng Ninh")
    assert admin_units.find_province("quang ninh") == quang_ninh
    assert admin_units.find_province("Tỉnh Quảng Ninh") == quang_ninh
    assert admin_units.find_province("TP Hải Phòng") == admin_units.province(31)
    assert admin_units.find_province("Atlantis") is None


def test_communes_of_a_province() -> None:
    communes = admin_units.communes(22)
    assert len(communes) > 30
    assert admin_units.Unit(6712, "Phường Móng Cái 1") in communes
    assert admin_units.commune(22, 6712) == admin_units.Unit(6712, "Phường Móng Cái 1")
    assert admin_units.commune(31, 6712) is None  # not in Hải Phòng
    assert admin_units.find_commune(22, "phuong mong cai 1") == admin_units.commune(22, 6712)
    assert admin_units.communes(999_999) == ()
