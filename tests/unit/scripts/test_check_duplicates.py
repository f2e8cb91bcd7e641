"""scripts/check_duplicates.py: what it accepts and what it refuses."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_duplicates", ROOT / "scripts" / "check_duplicates.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_duplicates"] = module
    spec.loader.exec_module(module)
    return module


check = load()

HEAD = (
    "{} pairs of places (40 files read), each sharing runs of 6 or more identical or "
    "same-shape lines (3 by shape alone, 1 of those marked boilerplate)\n"
)
OUTPUT = (
    HEAD.format(5)
    + """\
D1 app/a/service.py:10-24 ~ app/b/service.py:40-54 (+2 more runs)
D2 app/a/schemas.py:1-9 ~ app/b/schemas.py:3-11 shape
D3 migrations/versions/x.py:1-20 ~ migrations/versions/y.py:5-25 shape (+3 more runs)
D4 tests/a.py:1-9 ~ tests/b.py:3-11 shape
D5 app/a/pages.py:1-9 ~ app/b/pages.py:3-11 shape boilerplate
"""
)


def test_rows_and_header_are_read() -> None:
    pairs, total, boiler = check.parse_rows(OUTPUT)
    assert (total, boiler) == (5, 1)
    assert [p.a for p in pairs] == [
        "app/a/service.py",
        "app/a/schemas.py",
        "migrations/versions/x.py",
        "tests/a.py",
        "app/a/pages.py",
    ]
    assert [p.shape for p in pairs] == [False, True, True, True, True]
    assert [p.boilerplate for p in pairs] == [False, False, False, False, True]


def test_migrations_and_marked_boilerplate_pass_and_the_rest_is_listed() -> None:
    pairs, _, _ = check.parse_rows(OUTPUT)
    left = check.undeclared(pairs, [])
    assert [p.line.split()[0] for p in left] == ["D1", "D2", "D4"]


def test_a_declaration_covers_shape_pairs_in_either_order_but_never_identical_runs() -> None:
    pairs, _, _ = check.parse_rows(OUTPUT)
    declared = check.parse_declarations(
        "# comment\n\n"
        "app/*/schemas.py ~ app/*/schemas.py  # marshmallow declarations\n"
        "tests/b.py ~ tests/a.py  # reversed on purpose\n"
        "app/*/service.py ~ app/*/service.py  # cannot excuse the same text\n"
    )
    left = check.undeclared(pairs, declared)
    assert [p.line.split()[0] for p in left] == ["D1"]


@pytest.mark.parametrize(
    "line", ["app/x.py ~ app/y.py", "app/x.py app/y.py  # why", " ~ app/y.py  # why"]
)
def test_a_declaration_needs_two_globs_and_a_reason(line: str) -> None:
    with pytest.raises(ValueError, match="line 1"):
        check.parse_declarations(line + "\n")


def test_the_exit_code_says_whether_anything_is_left(tmp_path: Path) -> None:
    saved = tmp_path / "out.txt"
    declared = tmp_path / "declared.txt"
    saved.write_text(OUTPUT, encoding="utf-8")
    declared.write_text("app/*/schemas.py ~ app/*/schemas.py  # why\n", encoding="utf-8")
    assert check.main(["--from", str(saved), "--declared", str(declared)]) == 1
    kept = [line for line in OUTPUT.splitlines() if line.startswith(("D2", "D3", "D5"))]
    clean = HEAD.format(3) + "\n".join(kept)
    saved.write_text(clean, encoding="utf-8")
    assert check.main(["--from", str(saved), "--declared", str(declared)]) == 0


def test_a_cut_listing_is_not_taken_for_a_clean_one(tmp_path: Path) -> None:
    saved = tmp_path / "out.txt"
    saved.write_text(
        "300 pairs of places (9 files read), each sharing runs of 6 or more identical or "
        "same-shape lines (290 by shape alone, 10 of those marked boilerplate)\n"
        "D1 migrations/versions/x.py:1-20 ~ migrations/versions/y.py:5-25 shape\n",
        encoding="utf-8",
    )
    declared = tmp_path / "declared.txt"
    declared.write_text("", encoding="utf-8")
    assert check.main(["--from", str(saved), "--declared", str(declared)]) == 1
