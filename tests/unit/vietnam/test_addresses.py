"""Old three-level addresses to the 2025 map: listings, conversion, buyers' free text."""

from __future__ import annotations

import pytest

from vietnam import addresses, admin_units
from vietnam.addresses import LegacyUnit, Missing
from vietnam.admin_units import Unit

SAI_GON = Unit(26740, "Phường Sài Gòn")
MONG_CAI_1 = Unit(6712, "Phường Móng Cái 1")
MONG_CAI_2 = Unit(6709, "Phường Móng Cái 2")
BEN_NGHE = LegacyUnit(79, "Thành phố Hồ Chí Minh", 760, "Quận 1", 26740, "Phường Bến Nghé")
KA_LONG = LegacyUnit(22, "Tỉnh Quảng Ninh", 194, "Thành phố Móng Cái", 6709, "Phường Ka Long")


def test_legacy_listings_are_the_63_provinces_sorted_by_folded_name() -> None:
    provinces = addresses.legacy_provinces()
    assert len(provinces) == 63
    assert provinces[0] == Unit(89, "Tỉnh An Giang")
    assert Unit(2, "Tỉnh Hà Giang") in provinces  # merged into Tuyên Quang in 2025
    districts = addresses.legacy_districts(1)
    assert len(districts) == 30
    assert Unit(5, "Quận Cầu Giấy") in districts
    assert [d.name for d in districts[:2]] == ["Huyện Ba Vì", "Huyện Chương Mỹ"]
    wards = addresses.legacy_wards(760)
    assert Unit(26740, "Phường Bến Nghé") in wards
    assert addresses.legacy_wards(318) == ()  # Bạch Long Vĩ had no wards
    assert addresses.legacy_districts(999) == () and addresses.legacy_wards(99_999) == ()
    assert addresses.legacy_unit(26740) == BEN_NGHE
    assert addresses.legacy_unit(0) is None


def test_every_old_ward_converts_into_communes_of_one_2025_province() -> None:
    total = 0
    for province in addresses.legacy_provinces():
        for district in addresses.legacy_districts(province.code):
            wards = addresses.legacy_wards(district.code) or (Unit(0, ""),)
            for ward in wards:
                found = addresses.convert(province.name, district.name, ward.name)
                assert found.legacy is not None and found.legacy.ward_code == ward.code
                assert found.province is not None and found.candidates, (province, ward)
                for commune in found.candidates:
                    assert admin_units.commune(found.province.code, commune.code) == commune
                total += 1
    assert total == 10040


def test_2025_communes_agree_with_admin_units_by_code() -> None:
    """Every commune of the conversion data is one of admin_units', matched by name; the
    codes the two packages give are listed where they differ (admin_units' are used)."""
    seen = set()
    for province in admin_units.provinces():
        for commune in admin_units.communes(province.code):
            if addresses.legacy_of(province.code, commune.code):
                seen.add((province.code, commune.code))
    assert len(seen) == 3321  # every commune of 2025 has old wards: the maps cover each other
    disagreements = addresses.dataset_disagreements()
    report = "\n".join(f"{p} {name}: ours {a}, data {b}" for p, name, a, b in disagreements)
    assert (1, "Phường Cầu Giấy", 167, 166) in disagreements, report
    assert all(admin_units.commune(p, ours) is not None for p, _, ours, _ in disagreements)
    # Known: 123 of 3,321 codes differ (vietnam-provinces 2025.10.1 vs vietnamadminunits 1.0.4);
    # a new release of either changes this number: review the list, then update it.
    assert len(disagreements) == 123, report
    assert admin_units.commune(22, 6709) == MONG_CAI_2 and admin_units.commune(79, 26740) == SAI_GON


def test_legacy_of_a_commune_lists_the_whole_wards_first() -> None:
    mong_cai_2 = addresses.legacy_of(22, 6709)
    assert mong_cai_2[0] == KA_LONG  # the ward whose code the commune kept
    assert {u.ward for u in mong_cai_2} == {"Phường Ka Long", "Phường Ninh Dương", "Xã Vạn Ninh"}
    assert addresses.legacy_of(79, 26740)[0] == BEN_NGHE
    nghia_do = addresses.legacy_of(1, 160)  # Phường Nghĩa Đô: whole wards, then parts
    whole = [
        len(addresses.convert(u.province, u.district, u.ward).candidates) == 1 for u in nghia_do
    ]
    assert whole == sorted(whole, reverse=True) and whole[0] and not whole[-1]
    assert not whole[[u.ward for u in nghia_do].index("Phường Dịch Vọng")]  # split in two
    assert addresses.legacy_of(22, 1) == ()


def test_place_names_for_a_carrier_on_three_levels() -> None:
    assert addresses.to_place_names(22, 6709) == KA_LONG
    assert addresses.to_place_names(22, 6709, BEN_NGHE) == BEN_NGHE  # what the buyer typed
    assert addresses.to_place_names(22, 1) is None


@pytest.mark.parametrize(
    ("province", "district", "ward", "commune"),
    [
        ("TP HCM", "Q.1", "P. Bến Nghé", SAI_GON),
        ("Hồ Chí Minh", "Quận 1", "Phường Bến Nghé", SAI_GON),
        ("ho chi minh", "quan 01", "ben nghe", SAI_GON),
        ("Tỉnh Quảng Ninh", "Thành phố Móng Cái", "Phường Ka Long", MONG_CAI_2),
        ("quang ninh", "tp mong cai", "x. hai xuan", MONG_CAI_1),
        ("QUẢNG NINH", "MÓNG CÁI", "TRẦN PHÚ", MONG_CAI_1),
        ("Tuyên Quang", "Thành phố Hà Giang", "Phường Trần Phú", Unit(691, "Phường Hà Giang 2")),
        ("Hải Phòng", "Huyện Bạch Long Vĩ", "", Unit(11948, "Đặc khu Bạch Long Vĩ")),
        ("tp hcm", "q3", "p12", Unit(27142, "Phường Nhiêu Lộc")),
    ],
)
def test_old_wards_that_went_whole_into_one_commune(
    province: str, district: str, ward: str, commune: Unit
) -> None:
    found = addresses.convert(province, district, ward)
    assert found.commune == commune
    assert found.candidates == (commune,) and found.reason is None
    assert found.legacy is not None


def test_a_split_ward_gives_every_commune_and_never_guesses() -> None:
    found = addresses.convert("Cần Thơ", "Huyện Thới Lai", "Xã Tân Thạnh")
    assert set(found.candidates) == {Unit(31666, "Xã Tân Thạnh"), Unit(31288, "Xã Trường Thành")}
    assert found.commune is None and found.reason is None
    assert found.legacy is not None and found.legacy.ward_code == 31268
    dich_vong = addresses.convert("Hà Nội", "Cầu Giấy", "Dịch Vọng")
    assert {u.name for u in dich_vong.candidates} == {"Phường Cầu Giấy", "Phường Nghĩa Đô"}


def test_what_does_not_convert_says_why() -> None:
    assert addresses.convert("Atlantis", "Quận 1", "Bến Nghé").reason == Missing.PROVINCE
    assert addresses.convert("", "", "").reason == Missing.EMPTY
    no_district = addresses.convert("TP HCM", "Quận 99", "Bến Nghé")
    assert no_district.reason == Missing.DISTRICT
    assert no_district.province == admin_units.province(79) and no_district.candidates == ()
    no_ward = addresses.convert("Quảng Ninh", "TP Móng Cái", "Phường Atlantis")
    assert no_ward.reason == Missing.WARD and no_ward.commune is None
    assert {MONG_CAI_1, MONG_CAI_2} <= set(no_ward.candidates)  # the district's communes


@pytest.mark.parametrize(
    ("line", "street", "commune", "ward_code"),
    [
        ("12 Trần Phú, P. Bến Nghé, Q.1, TP.HCM", "12 Trần Phú", SAI_GON, 26740),
        ("  12   Trần  Phú ,p.bến  nghé , q1 , tphcm , Việt Nam ", "12 Trần Phú", SAI_GON, 26740),
        ("12 tran phu phuong ben nghe quan 1 ho chi minh", "12 tran phu", SAI_GON, 26740),
        ("Số 3, phường ka long, tp mong cai, quang ninh", "Số 3", MONG_CAI_2, 6709),
        ("thôn 2, X. Hải Xuân, TP Móng Cái, T. Quảng Ninh", "thôn 2", MONG_CAI_1, 6745),
        (
            "123 Hùng Vương, Phường 12, Quận 5, HCM",
            "123 Hùng Vương",
            Unit(27343, "Phường Chợ Lớn"),
            27310,
        ),
        ("F.12 Q.3 tp hcm", "", Unit(27142, "Phường Nhiêu Lộc"), 27130),
        ("P. Bến Nghé, Q.1", "", SAI_GON, 26740),  # no province: the district names it
        (
            "Phường Trần Phú, Thành phố Hà Giang, Tỉnh Hà Giang",
            "",
            Unit(691, "Phường Hà Giang 2"),
            691,
        ),
    ],
)
def test_parse_old_form(line: str, street: str, commune: Unit, ward_code: int) -> None:
    found = addresses.parse(line)
    assert found.commune == commune, found
    assert found.street == street
    assert found.legacy is not None and found.legacy.ward_code == ward_code


@pytest.mark.parametrize(
    ("line", "street", "province", "commune"),
    [
        ("Phường Móng Cái 2, Quảng Ninh", "", 22, MONG_CAI_2),
        (
            "Số 7, đường Hùng Vương, phuong mong cai 1, tinh quang ninh",
            "Số 7, đường Hùng Vương",
            22,
            MONG_CAI_1,
        ),
        ("45 Lê Lợi, Phường Sài Gòn, TP Hồ Chí Minh", "45 Lê Lợi", 79, SAI_GON),
        ("45 LÊ LỢI, P. SÀI GÒN, TP.HCM", "45 LÊ LỢI", 79, SAI_GON),
        ("Xã Văn Lăng, Thái Nguyên", "", 19, Unit(5665, "Xã Văn Lăng")),
        ("Phường Sài Gòn", "", 79, SAI_GON),  # a commune typed with its type: one in the land
    ],
)
def test_parse_new_form_passes_through(
    line: str, street: str, province: int, commune: Unit
) -> None:
    found = addresses.parse(line)
    assert found.commune == commune, found
    assert found.province == admin_units.province(province)
    assert found.street == street and found.legacy is None


def test_parse_keeps_old_and_new_apart_where_names_are_shared() -> None:
    old = addresses.parse("so 5 ngo 10 Dich Vong Cau Giay Ha Noi")
    assert old.street == "so 5 ngo 10"
    assert old.legacy is not None and old.legacy.ward == "Phường Dịch Vọng"
    assert {u.name for u in old.candidates} == {"Phường Cầu Giấy", "Phường Nghĩa Đô"}  # split
    assert old.commune is None
    new = addresses.parse("Số 1, Phường Cầu Giấy, Hà Nội")
    assert new.commune == admin_units.find_commune(1, "Phường Cầu Giấy") and new.legacy is None


def test_parse_says_what_it_could_not_find() -> None:
    assert addresses.parse("").reason == Missing.EMPTY
    assert addresses.parse(" , . ").reason == Missing.EMPTY
    nowhere = addresses.parse("12 abc, Atlantis")
    assert nowhere.reason == Missing.PROVINCE and nowhere.province is None
    assert addresses.parse("12 Nguyễn Trãi").reason == Missing.PROVINCE  # a bare street name
    only_province = addresses.parse("12 Nguyễn Trãi, Hà Nội")
    assert only_province.reason == Missing.COMMUNE
    assert only_province.province == admin_units.province(1)
    assert only_province.street == "12 Nguyễn Trãi"
    district = addresses.parse("Móng Cái, Quảng Ninh")
    assert district.reason == Missing.WARD and district.commune is None
    assert {MONG_CAI_1, MONG_CAI_2} <= set(district.candidates)
    folded_twins = addresses.parse("xa van lang, thai nguyen")  # Văn Lang or Văn Lăng
    assert folded_twins.reason == Missing.AMBIGUOUS and len(folded_twins.candidates) == 2


def test_parse_reads_decomposed_unicode_like_nfc() -> None:
    import unicodedata

    line = unicodedata.normalize("NFD", "12 Trần Phú, Phường Móng Cái 2, Quảng Ninh")
    found = addresses.parse(line)
    assert found.commune == MONG_CAI_2 and found.street == "12 Trần Phú"
    assert found.street == unicodedata.normalize("NFC", found.street)


def test_every_2025_commune_written_in_the_new_form_reads_back() -> None:
    count = 0
    for province in admin_units.provinces():
        for commune in admin_units.communes(province.code):
            found = addresses.parse(f"1 Đường A, {commune.name}, {province.name}")
            # ("Phường 1 Bảo Lộc" also reads as old Phường 1 of TP Bảo Lộc: the same commune)
            assert (found.commune, found.street) == (commune, "1 Đường A")
            count += 1
    assert count == 3321
