"""Fail when the tree repeats itself outside migrations and declared boilerplate.

Runs the `duplicates` command (a developer tool: where it is not installed, this check says
so and passes) over the project and reads its rows. A pair is accepted when

- both sides are Alembic migrations (each revision is a frozen copy by design), or
- the tool itself marks the row `boilerplate`, or
- it is a *shape* pair (alike but for names and values, never the same text) whose two
  files match a line of `duplicates-boilerplate.txt`: `<glob> ~ <glob>  # why`.

Everything else is printed and the exit code is 1. Identical runs are never declarable:
the same lines twice are one function waiting to be written.

Usage: python scripts/check_duplicates.py [--declared FILE] [--from FILE]
(`--from` reads saved `duplicates` output instead of running the command; for tests.)
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECLARED = ROOT / "duplicates-boilerplate.txt"
MOST = 200

ROW = re.compile(r"^D\d+ (?P<a>\S+):\d+-\d+ ~ (?P<b>\S+):\d+-\d+(?P<rest>.*)$")
HEADER = re.compile(r"^(?P<pairs>\d+) pairs? of places")
BOILER = re.compile(r"(?P<boiler>\d+) of those marked boilerplate")


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    shape: bool
    boilerplate: bool
    line: str


@dataclass(frozen=True)
class Declaration:
    a: str
    b: str
    why: str

    def covers(self, pair: Pair) -> bool:
        def match(x: str, y: str) -> bool:
            return fnmatch.fnmatchcase(pair.a, x) and fnmatch.fnmatchcase(pair.b, y)

        return match(self.a, self.b) or match(self.b, self.a)


def parse_declarations(text: str) -> list[Declaration]:
    """`glob ~ glob  # reason` a line; blank lines and `#` lines are comments."""
    out: list[Declaration] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        body, _, why = line.partition("#")
        sides = [s.strip() for s in body.split("~")]
        if len(sides) != 2 or not all(sides) or not why.strip():
            raise ValueError(f"line {number}: expected `glob ~ glob  # reason`: {raw!r}")
        out.append(Declaration(sides[0], sides[1], why.strip()))
    return out


def parse_rows(output: str) -> tuple[list[Pair], int | None, int | None]:
    """The rows of a `duplicates` run, with the pair and boilerplate counts of its header."""
    pairs: list[Pair] = []
    total: int | None = None
    boiler: int | None = None
    for line in output.splitlines():
        head = HEADER.match(line)
        if head and total is None:
            total = int(head["pairs"])
            marked = BOILER.search(line)
            boiler = int(marked["boiler"]) if marked else 0
            continue
        row = ROW.match(line)
        if row:
            rest = row["rest"]
            pairs.append(
                Pair(row["a"], row["b"], " shape" in rest, "boilerplate" in rest, line.strip())
            )
    return pairs, total, boiler


def is_migration(path: str) -> bool:
    return path.startswith("migrations/")


def undeclared(pairs: list[Pair], declared: list[Declaration]) -> list[Pair]:
    left: list[Pair] = []
    for pair in pairs:
        if pair.boilerplate or (is_migration(pair.a) and is_migration(pair.b)):
            continue
        if pair.shape and any(d.covers(pair) for d in declared):
            continue
        left.append(pair)
    return left


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declared", type=Path, default=DECLARED)
    parser.add_argument("--from", dest="source", type=Path)
    args = parser.parse_args(argv)

    if args.source:
        output = args.source.read_text(encoding="utf-8")
    else:
        tool = shutil.which("duplicates")
        if tool is None:
            print("duplicates: the command is not installed here; check skipped")
            return 0
        output = subprocess.run(
            [tool, "--repo", str(ROOT), "--most", str(MOST), "--seconds", "300"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    try:
        declared = parse_declarations(args.declared.read_text(encoding="utf-8"))
    except ValueError as error:
        print(f"{args.declared.name}: {error}")
        return 2
    pairs, total, boiler = parse_rows(output)
    left = undeclared(pairs, declared)
    cut = total is not None and len(pairs) < total and (total - (boiler or 0)) > len(pairs)
    if left or cut:
        for pair in left:
            print(pair.line)
        if cut:
            print(f"(only {len(pairs)} of {total} pairs listed: more may be undeclared)")
        print(
            f"{len(left)} pair(s) outside migrations and declared boilerplate: make one piece "
            "of code serve both places, or declare a shape pair in duplicates-boilerplate.txt"
        )
        return 1
    print(f"duplicates: {len(pairs)} pair(s), all migrations or declared boilerplate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
