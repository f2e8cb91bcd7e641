"""Real Celery worker processes for tests (`celery -A wsgi.celery_app worker`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import flask
import sqlalchemy as sa

from app import extensions
from app.models import jobs

ROOT = Path(__file__).resolve().parents[2]


def start(
    env: Mapping[str, str],
    log_path: Path,
    name: str,
    concurrency: int = 2,
    remote_control: bool = False,
    queues: str = "default",
) -> subprocess.Popen[bytes]:
    """Start one worker on ``queues`` (comma-separated); its output goes to log_path."""
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "wsgi.celery_app",
        "worker",
        "--pool=threads",
        f"--concurrency={concurrency}",
        f"--queues={queues}",
        f"--hostname={name}@%h",
        "--loglevel=INFO",
        "--without-heartbeat",
        "--without-mingle",
    ]
    if not remote_control:
        # The embedded SQLite transport has no broadcast exchange for remote control.
        args.append("--without-gossip")
    log = log_path.open("wb")
    process = subprocess.Popen(
        args, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    return process


def gunicorn(env: Mapping[str, str], port: int) -> subprocess.Popen[bytes]:
    """The app under gunicorn as docs/deploy.md runs it (2 gthread workers × 4 threads) on
    127.0.0.1:``port``; stop it with ``stop_gunicorn``."""
    return subprocess.Popen(
        [
            sys.executable,
            *("-m", "gunicorn", "--workers", "2", "--threads", "4"),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def watch_job(
    client: Any, headers: Mapping[str, str], job_id: int, until: set[str], timeout: float = 90
) -> list[dict[str, Any]]:
    """Poll a job through the API; return every distinct state seen, ending in one of until."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()
        state = {k: job[k] for k in ("status", "progress", "message")}
        if not seen or seen[-1] != state:
            seen.append(state)
        if job["status"] in until:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached {until}; seen {seen}")


def job_rows(web: flask.Flask, ids: list[int]) -> dict[int, jobs.Job]:
    """The stored jobs rows (detached) by id, read in ``web``'s database."""
    with web.app_context():
        rows = extensions.db.session.scalars(sa.select(jobs.Job).where(jobs.Job.id.in_(ids)))
        found = {row.id: row for row in rows}
        extensions.db.session.expunge_all()
        extensions.db.session.remove()
        return found
