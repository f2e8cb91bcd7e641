"""The English catalog covers every message in the code, and keeps its placeholders intact."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.support import one_language
from vietnam import admin_units

ROOT = Path(__file__).resolve().parents[3]
ENGLISH_PO = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# Printf-style conversions: %(name)s, %(n)d, %d, %s ...; a literal %% is not a placeholder.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _placeholders(text: str) -> set[str]:
    return {match for match in PLACEHOLDER.findall(text) if match != "%%"}


def _as_tuple(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _extracted() -> dict[tuple[str, str | None], str]:
    """Every (msgid, context) babel finds in the sources babel.cfg lists, with one location."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: dict[tuple[str, str | None], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = _as_tuple(message)[0]
        found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def english() -> Catalog:
    with ENGLISH_PO.open("rb") as po:
        return read_po(po, locale="en")


def _entries(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def test_babel_cfg_scans_only_the_app() -> None:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, _options = parse_mapping_cfg(cfg, "babel.cfg")
    assert method_map, "babel.cfg lists no sources"
    assert all(pattern.startswith("app/") for pattern, _method in method_map)


def test_every_message_in_the_code_has_an_english_translation(english: Catalog) -> None:
    extracted = _extracted()
    assert extracted, "extraction found no messages: is babel.cfg right?"
    missing = []
    for (msgid, context), where in sorted(extracted.items(), key=lambda item: item[1]):
        message = english.get(msgid, context)
        if message is None or message.fuzzy or not all(_as_tuple(message.string)):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, (
        f"{len(missing)} message(s) lack an English translation in "
        f"{ENGLISH_PO.relative_to(ROOT)} (run scripts/update-translations.sh, then fill them in):\n"
        + "\n".join(missing)
    )


def test_catalog_has_no_fuzzy_or_empty_entries(english: Catalog) -> None:
    bad = [
        message.id
        for message in _entries(english)
        if message.fuzzy or not all(_as_tuple(message.string))
    ]
    assert not bad, f"fuzzy or empty entries: {bad}"


def test_translations_keep_the_placeholders_of_their_msgid(english: Catalog) -> None:
    mismatched = []
    for message in _entries(english):
        expected = _placeholders(_as_tuple(message.id)[-1])
        for translation in _as_tuple(message.string):
            if translation and _placeholders(translation) != expected:
                mismatched.append(
                    f"{message.id!r} {sorted(expected)} -> {translation!r} "
                    f"{sorted(_placeholders(translation))}"
                )
    assert not mismatched, "placeholders differ:\n" + "\n".join(mismatched)


def test_placeholder_pattern() -> None:
    assert _placeholders("Trang %(p)d / %(n)d, %s và 100%%") == {"%(p)d", "%(n)d", "%s"}


# --- One language per catalogue entry (the pages are checked in
# tests/integration/app/test_one_language.py with the same word lists) ------------------------

POT = ROOT / "app" / "translations" / "messages.pot"
# Words of a msgid that has no Vietnamese letter but is Vietnamese or shared: Vietnamese words
# written without marks, abbreviations, and brand or technical names both languages use.
NEUTRAL_WORDS = frozenset(
    {
        "Cao", "Chung", "sao", "Sang", "Sau", "Thay", "Theo", "Trang", "Xem", "Xong", "cm", "SL",
        "MB", "KB", "GB",
        "CLB", "OCOP", "CTOR", "CVR", "GMV", "Net", "Email", "Livestream", "Live", "live",
        "Logo", "logo", "SKU", "Streamer", "streamer", "Video", "Website", "QR", "VietQR",
        "API", "CSV", "XLSX", "JSON", "URL", "ID", "PDF", "TikTok", "Shop", "Shopee",
        "Lazada", "Postmart", "Voso", "Facebook", "Zalo", "VI", "EN",
    }
)  # fmt: skip
# Vietnamese msgids that quote an English word on purpose (a command, a JSON value, a field).
QUOTES_ENGLISH = frozenset(
    {
        "Mã API không tạo được mã API khác: hãy đăng nhập bằng mật khẩu rồi tạo mã ở trang "
        "Tài khoản (hoặc dùng lệnh flask tokens create).",
        "Nội dung JSON không hợp lệ. Số phải viết đầy đủ (không NaN, Infinity hay số quá lớn).",
        "Sắp xếp theo name hoặc net_gmv.",
    }
)


@pytest.fixture(scope="module")
def template() -> Catalog:
    with POT.open("rb") as pot:
        return read_po(pot)


def _place_names() -> list[str]:
    """Province names ("Thành phố Cần Thơ" and "Cần Thơ"): names, in every language."""
    names = [unit.name for unit in admin_units.provinces()]
    return names + [name.removeprefix("Thành phố ").removeprefix("Tỉnh ") for name in names]


def msgid_problems(msgid: str) -> list[str]:
    """Why a msgid is not Vietnamese source text (empty when it is)."""
    if msgid in QUOTES_ENGLISH:
        return []
    text = PLACEHOLDER.sub(" ", msgid)
    found = [f"English {w!r}" for w in one_language.english_words(text)]
    found += [f"code {code!r}" for code in one_language.raw_codes(text)]
    if not one_language.has_vietnamese_letter(text):
        words = re.findall(r"[^\W\d_]+", text)
        found += [f"not Vietnamese {w!r}" for w in words if w not in NEUTRAL_WORDS]
    return found


def translation_problems(translation: str, names: list[str]) -> list[str]:
    """Vietnamese words left in an English translation (place names aside)."""
    text = one_language.without(PLACEHOLDER.sub(" ", translation), names)
    return [f"Vietnamese {w!r}" for w in one_language.vietnamese_words(text)]


def test_every_catalogue_entry_has_a_non_empty_english_translation(
    template: Catalog, english: Catalog
) -> None:
    missing = []
    for message in _entries(template):
        translated = english.get(message.id, message.context)
        if translated is None or translated.fuzzy or not all(_as_tuple(translated.string)):
            missing.append(_as_tuple(message.id)[0])
    assert not missing, f"{len(missing)} msgid(s) of messages.pot lack English: {missing}"


def test_english_translations_contain_no_vietnamese(english: Catalog) -> None:
    names = _place_names()
    bad = [
        f"{_as_tuple(message.id)[0]!r} -> {translation!r}: {problems}"
        for message in _entries(english)
        for translation in _as_tuple(message.string)
        if translation and (problems := translation_problems(translation, names))
    ]
    assert not bad, "Vietnamese left in English translations:\n" + "\n".join(bad)


def test_message_ids_are_vietnamese(template: Catalog) -> None:
    bad = [
        f"{msgid!r}: {problems}"
        for message in _entries(template)
        for msgid in _as_tuple(message.id)
        if (problems := msgid_problems(msgid))
    ]
    assert not bad, "msgids must be Vietnamese source text:\n" + "\n".join(bad)


def test_the_catalogue_checks_catch_the_other_language() -> None:
    assert msgid_problems("Ảnh: needs 1–9 images")
    assert msgid_problems("Sign in")  # no Vietnamese letter, not a shared word
    assert msgid_problems("Trạng thái: %(s)s (placed)")
    assert not msgid_problems("Ảnh: cần 1–9 ảnh (%(n)d đã có)")
    assert not msgid_problems("Video %(name)s")
    names = _place_names()
    assert translation_problems("Status: Đang chờ", names)
    assert not translation_problems("Quảng Ninh Provincial People's Committee", names)
    assert not translation_problems("At most %(n)s đồng.", names)
