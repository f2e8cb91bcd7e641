"""Reachability of the database and the broker, for /healthz and the admin page."""

from __future__ import annotations

import dataclasses
import time

import kombu
import sqlalchemy as sa
import sqlalchemy.orm as so


@dataclasses.dataclass(frozen=True)
class Check:
    ok: bool
    latency_ms: int
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "latency_ms": self.latency_ms, "error": self.error}


def _timed(fn: object) -> Check:
    started = time.perf_counter()
    try:
        fn()  # type: ignore[operator]
    except Exception as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        # The exception type and first line only: URLs with passwords stay out of replies.
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        return Check(False, elapsed, f"{type(exc).__name__}: {detail}".rstrip(": "))
    return Check(True, int((time.perf_counter() - started) * 1000))


def check_database(session: so.Session) -> Check:
    def probe() -> None:
        session.execute(sa.text("SELECT 1")).scalar_one()

    result = _timed(probe)
    session.rollback()
    return result


def check_broker(broker_url: str, timeout: float) -> Check:
    def probe() -> None:
        with kombu.Connection(broker_url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)

    return _timed(probe)
