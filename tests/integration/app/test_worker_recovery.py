"""The distributed path for real: PostgreSQL, a Redis broker and two worker processes take a
burst of jobs; one worker is killed (SIGKILL) in the middle of a job. Its job is delivered
again (late acknowledgement + Redis visibility timeout), the surviving worker sees the dead
runner's heartbeat has gone stale and runs it again; every job ends succeeded, each started
exactly once except the one whose worker died (started twice, finished once), even when it
died holding the broker's lock for bringing back unacknowledged messages."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import redis

from app.models import accounts, jobs
from tests import conftest
from tests.support import workers

Role = accounts.Role
pytestmark = pytest.mark.worker
FINISHED = {"succeeded", "failed", "cancelled"}
BURST = 6


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_killed_workers_job_is_recovered_and_each_job_runs_once(
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
    db_url: str,
    redis_server: object,
    tmp_path: Path,
) -> None:
    broker = redis_server.url(3)  # type: ignore[attr-defined]
    settings = {
        "BROKER_URL": broker,
        "RESULT_BACKEND": broker,
        "JOB_HEARTBEAT_SECONDS": 1,
        "JOB_STALE_SECONDS": 3,
        "BROKER_VISIBILITY_TIMEOUT": 4,
    }
    env = {**conftest.app_env(db_url, tmp_path), **{k: str(v) for k, v in settings.items()}}
    web = conftest.make_app(db_url, tmp_path, **settings)
    client = web.test_client()
    admin = bearer[Role.ADMIN]
    processes = {
        name: workers.start(env, tmp_path / f"{name}.log", name, concurrency=1)
        for name in ("w1", "w2")
    }
    try:
        job_ids = [
            client.post(
                "/api/v1/jobs",
                headers=admin,
                json={"kind": "system.check", "params": {"pause_seconds": 0.8}},
            ).get_json()["id"]
            for _ in range(BURST)
        ]
        victim_id, victim_pid = None, None
        deadline = time.monotonic() + 60
        while victim_id is None and time.monotonic() < deadline:
            for row in workers.job_rows(web, job_ids).values():
                if row.status == jobs.JobStatus.RUNNING and row.progress >= 25 and row.worker:
                    victim_id, victim_pid = row.id, int(row.worker.rsplit(":", 1)[1])
                    break
            time.sleep(0.05)
        assert victim_id is not None and victim_pid is not None, "no job was seen running"
        victim = next(p for p in processes.values() if p.pid == victim_pid)
        # The worst moment: the victim dies holding the broker's lock for the sweep that
        # brings back unacknowledged messages (it sweeps every second as the survivor does).
        # The lock is left as a dead holder leaves it, to expire on its own.
        options = web.extensions["celery"].conf.broker_transport_options
        sweep_lock = redis.Redis.from_url(broker).lock(
            "unacked_mutex", timeout=options["unacked_mutex_expire"]
        )
        assert sweep_lock.acquire(blocking_timeout=5)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()

        results = [
            workers.watch_job(client, admin, job_id, FINISHED, timeout=120)[-1]
            for job_id in job_ids
        ]
        assert [r["status"] for r in results] == ["succeeded"] * BURST
        rows = workers.job_rows(web, job_ids)
        assert rows[victim_id].attempts == 2  # started, worker killed, taken over
        assert all(rows[i].attempts == 1 for i in job_ids if i != victim_id)
        survivor = next(p for p in processes.values() if p.pid != victim_pid)
        finished_by = client.get(f"/api/v1/jobs/{victim_id}", headers=admin).get_json()
        assert finished_by["result"]["worker_pid"] == survivor.pid
        # The check writes a probe file in MEDIA_ROOT: none is left behind by the killed run.
        media = Path(web.config["MEDIA_ROOT"])
        assert not list(media.glob(".check-*"))
    finally:
        for process in processes.values():
            if process.poll() is None:
                workers.stop(process)
        conftest.dispose(web)
