"""Reachability of the database and the broker, and the ffmpeg renders use: for /healthz, its
page and the system check job."""

from __future__ import annotations

import dataclasses
import time

import kombu
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core import uow
from media import errors as media_errors
from media import ffmpeg


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
    uow.discard(session, "the probe's read-only transaction ends (or its failure clears)")
    return result


def check_broker(broker_url: str, timeout: float) -> Check:
    def probe() -> None:
        with kombu.Connection(broker_url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=max(1, round(timeout)))

    return _timed(probe)


def check_ffmpeg() -> Check:
    """The ffmpeg binary renders run, found the way ``media`` finds it (the imageio-ffmpeg
    wheel, never a system ffmpeg on PATH): a machine without one on PATH still renders."""
    started = time.perf_counter()
    try:
        ffmpeg.executable()
    except media_errors.MediaError as exc:
        # The code only: the message names install paths, and /healthz is public.
        return Check(False, int((time.perf_counter() - started) * 1000), exc.code or "ffmpeg")
    return Check(True, int((time.perf_counter() - started) * 1000))


def ffmpeg_available() -> bool:
    return check_ffmpeg().ok
