"""analytics/ is a plain library: no Flask, SQLAlchemy, app or bench-only imports."""

from __future__ import annotations

from pathlib import Path

import pytest

import analytics
from tests.support.imports import top_level_imports

FORBIDDEN = {"flask", "flask_babel", "sqlalchemy", "app", "duckdb", "bench", "celery"}
MODULES = sorted(Path(analytics.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_stay_inside_the_library(path: Path) -> None:
    assert not top_level_imports(path) & FORBIDDEN, path.name
    assert len(MODULES) >= 9
