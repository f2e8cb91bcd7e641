"""What the benches' tiny runs need from this machine: PostgreSQL and Redis (and sometimes
more). Missing in CI is a failure (`make test` installs them); elsewhere the run is skipped."""

from __future__ import annotations

import os

import pytest

from tests.support import postgres
from tests.support import redis as redis_support


def require(bench: str, extra: str | None = None) -> None:
    """Fail (in CI) or skip unless PostgreSQL, Redis and ``extra`` (a problem, if any) are
    there."""
    problem = extra or postgres.missing_binaries() or redis_support.missing_binary()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the {bench} bench cannot run in CI: {problem}")
        pytest.skip(f"{bench} bench skipped: {problem} (run `make test` to install it)")
