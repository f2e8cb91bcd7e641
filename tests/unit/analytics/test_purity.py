"""analytics/ is a plain library: no Flask, SQLAlchemy, app or bench-only imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import analytics

FORBIDDEN = {"flask", "flask_babel", "sqlalchemy", "app", "duckdb", "bench", "celery"}
MODULES = sorted(Path(analytics.__file__).parent.glob("*.py"))


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
    assert len(MODULES) >= 9
