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
