"""vietnam/ is a plain library: no Flask, SQLAlchemy, app or analytics imports, no pandas.

Both app and analytics import it, so it imports neither; it needs nothing heavier than what
its rules use (segno for VietQR images, vietnam_provinces for the map).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import vietnam
from tests.support.imports import top_level_imports

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
    assert not top_level_imports(path) & FORBIDDEN, path.name
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
