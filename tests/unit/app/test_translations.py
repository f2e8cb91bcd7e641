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
