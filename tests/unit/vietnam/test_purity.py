"""vietnam/ is a plain library: no Flask, SQLAlchemy, app or analytics imports, no pandas.

Both app and analytics import it, so it imports neither; it needs nothing heavier than what
its rules use (segno for VietQR images, vietnam_provinces for the map).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import vietnam

FORBIDDEN = {
    "flask",
    "flask_babel",
    "sqlalchemy",
    "app",
    "analytics",
    "integrations",
    "media",
    "pandas",
    "numpy",
    "bench",
    "celery",
}
MODULES = sorted(Path(vietnam.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_stay_inside_the_library(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN, path.name
    assert len(MODULES) >= 7


def test_importing_every_module_loads_no_flask_or_pandas() -> None:
    names = ", ".join(f"vietnam.{path.stem}" for path in MODULES if path.stem != "__init__")
    code = (
        f"import sys, {names}\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        f"print(sorted(loaded & {FORBIDDEN!r}))"
    )
    root = Path(vietnam.__file__).parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
