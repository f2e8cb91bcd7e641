"""A real Celery worker process on the embedded SQLite broker runs jobs end to end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.models import accounts
from tests import conftest

ROOT = Path(__file__).resolve().parents[3]
Role = accounts.Role
pytestmark = pytest.mark.worker


@pytest.fixture
def worker(app, db_url: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, **conftest.app_env(db_url, tmp_path)}
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "wsgi.celery_app",
            "worker",
            "--pool=threads",
            "--concurrency=2",
            "--queues=default",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def _watch(client, headers, job_id: int, until: set[str], timeout: float = 90) -> list[dict]:
    """Poll the job through the API; return every distinct state seen."""
    seen: list[dict] = []
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


def test_worker_runs_a_job_and_progress_is_visible(
    client, people, bearer, worker, tmp_path: Path
) -> None:
    admin = bearer[Role.ADMIN]
    queued = client.post(
        "/api/v1/jobs",
        headers=admin,
        json={"kind": "system.check", "params": {"pause_seconds": 0.6}},
    )
    assert queued.status_code == 202
    job_id = queued.get_json()["id"]
    seen = _watch(client, admin, job_id, {"succeeded", "failed", "cancelled"})
    statuses = [s["status"] for s in seen]
    assert statuses[-1] == "succeeded", (seen, (tmp_path / "worker.log").read_text())
    assert "running" in statuses
    middle = [s["progress"] for s in seen if s["status"] == "running" and 0 < s["progress"] < 100]
    assert middle, f"no intermediate progress observed: {seen}"
    assert middle == sorted(middle)
    done = client.get(f"/api/v1/jobs/{job_id}", headers=admin).get_json()
    assert done["progress"] == 100
    assert done["result"]["database"] is True
    assert done["result"]["worker_pid"] == worker.pid


def test_owner_cancels_a_running_job(client, people, bearer, worker, tmp_path: Path) -> None:
    admin = bearer[Role.ADMIN]
    job_id = client.post(
        "/api/v1/jobs",
        headers=admin,
        json={
            "kind": "system.check",
            "params": {"pause_seconds": 3},
        },
    ).get_json()["id"]
    _watch(client, admin, job_id, {"running"})
    response = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=admin)
    assert response.status_code == 200
    assert response.get_json()["cancel_requested"] is True
    seen = _watch(client, admin, job_id, {"succeeded", "failed", "cancelled"})
    assert seen[-1]["status"] == "cancelled", (seen, (tmp_path / "worker.log").read_text())
    final = client.get(f"/api/v1/jobs/{job_id}", headers=admin).get_json()
    assert final["progress"] < 100
    assert final["result"] is None
