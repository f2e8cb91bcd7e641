"""A real Celery worker process on the embedded SQLite broker runs jobs end to end."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.jobs import broker, tasks
from app.models import accounts, jobs
from tests import conftest
from tests.support import workers

Role = accounts.Role
pytestmark = pytest.mark.worker


FINISHED = {"succeeded", "failed", "cancelled"}


@pytest.fixture
def worker(app, db_url: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = workers.start(conftest.app_env(db_url, tmp_path), tmp_path / "worker.log", "w1")
    yield process
    workers.stop(process)


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
    seen = workers.watch_job(client, admin, job_id, FINISHED)
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
    workers.watch_job(client, admin, job_id, {"running"})
    response = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=admin)
    assert response.status_code == 200
    assert response.get_json()["cancel_requested"] is True
    seen = workers.watch_job(client, admin, job_id, FINISHED)
    assert seen[-1]["status"] == "cancelled", (seen, (tmp_path / "worker.log").read_text())
    final = client.get(f"/api/v1/jobs/{job_id}", headers=admin).get_json()
    assert final["progress"] < 100
    assert final["result"] is None


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_scale_out_redis_broker_with_two_workers(
    client, people, bearer, db_url: str, redis_server, tmp_path: Path
) -> None:
    """The scale-out set-up: PostgreSQL, a Redis broker and two worker processes."""
    env = {**conftest.app_env(db_url, tmp_path), "BROKER_URL": redis_server.url(1)}
    # The web side must queue to Redis too: rebuild the app on the same database.
    web = conftest.make_app(
        db_url, tmp_path, BROKER_URL=redis_server.url(1), RESULT_BACKEND=redis_server.url(1)
    )
    web_client = web.test_client()
    processes = [
        workers.start(
            env, tmp_path / f"worker-{n}.log", f"w{n}", concurrency=1, remote_control=True
        )
        for n in (1, 2)
    ]
    try:
        celery_app = web.extensions["celery"]
        for _ in range(120):
            if len(celery_app.control.ping(timeout=0.5)) == 2:
                break
        else:
            pytest.fail("the two workers never answered a ping")
        admin = bearer[Role.ADMIN]
        job_ids = [
            web_client.post(
                "/api/v1/jobs",
                headers=admin,
                json={
                    "kind": "system.check",
                    "params": {"pause_seconds": 0.3},
                },
            ).get_json()["id"]
            for _ in range(6)
        ]
        results = [workers.watch_job(web_client, admin, job_id, FINISHED)[-1] for job_id in job_ids]
        assert {r["status"] for r in results} == {"succeeded"}
        pids = {
            web_client.get(f"/api/v1/jobs/{job_id}", headers=admin).get_json()["result"][
                "worker_pid"
            ]
            for job_id in job_ids
        }
        assert pids == {p.pid for p in processes}, "both workers should have taken jobs"
    finally:
        for process in processes:
            workers.stop(process)
        conftest.dispose(web)


def test_a_job_whose_embedded_worker_was_killed_is_queued_again_and_finished(
    people: conftest.People, bearer: dict[Role, dict[str, str]], db_url: str, tmp_path: Path
) -> None:
    """The embedded SQLite broker never gives back a message a killed worker took: the job
    would stay "running" for ever. Beat's chore puts it back in the queue once its heartbeat
    is silent, and the next worker runs it from the start."""
    settings = {"JOB_HEARTBEAT_SECONDS": 1, "JOB_STALE_SECONDS": 2}
    env = {**conftest.app_env(db_url, tmp_path), **{k: str(v) for k, v in settings.items()}}
    web = conftest.make_app(db_url, tmp_path, **settings)
    client = web.test_client()
    admin = bearer[Role.ADMIN]
    first = workers.start(env, tmp_path / "w1.log", "w1", concurrency=1)
    second = None
    try:
        job_id = client.post(
            "/api/v1/jobs",
            headers=admin,
            json={"kind": "system.check", "params": {"pause_seconds": 0.8}},
        ).get_json()["id"]
        seen = workers.watch_job(client, admin, job_id, {"running"})
        assert seen[-1]["status"] == "running", (tmp_path / "w1.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = workers.start(env, tmp_path / "w2.log", "w2", concurrency=1)
        celery_app = web.extensions["celery"]
        deadline = time.monotonic() + 60
        while workers.job_rows(web, [job_id])[job_id].status == jobs.JobStatus.RUNNING:
            assert time.monotonic() < deadline, "the chore never put the job back in the queue"
            celery_app.send_task(tasks.REQUEUE_SILENT, queue="default")  # as beat does
            time.sleep(1)
        states = workers.watch_job(client, admin, job_id, FINISHED)
        assert states[-1]["status"] == "succeeded", (tmp_path / "w2.log").read_text()
        done = client.get(f"/api/v1/jobs/{job_id}", headers=admin).get_json()
        assert done["result"]["worker_pid"] == second.pid
        assert workers.job_rows(web, [job_id])[job_id].attempts == 2
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                workers.stop(process)
        conftest.dispose(web)


def _broker_messages(broker_url: str) -> dict[bool, int]:
    """The embedded broker's message rows by ``visible`` (waiting) or not (delivered)."""
    engine = sa.create_engine(broker_url.removeprefix(broker.EMBEDDED_PREFIX))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT visible, count(*) FROM kombu_message GROUP BY visible")
            )
            return {bool(visible): count for visible, count in rows}
    finally:
        engine.dispose()


def test_the_hourly_tidy_deletes_the_delivered_messages_and_keeps_the_waiting_ones(
    app, client, people, bearer, worker, tmp_path: Path
) -> None:
    """kombu's SQLAlchemy transport keeps every message it delivered, for good."""
    admin = bearer[Role.ADMIN]
    broker_url = app.config["BROKER_URL"]
    assert broker.tidy("redis://127.0.0.1:1/0") == 0  # other brokers delete their own
    assert broker.tidy(f"sqla+sqlite:///{tmp_path / 'none-yet.sqlite'}") == 0
    for _ in range(3):
        job_id = client.post(
            "/api/v1/jobs", headers=admin, json={"kind": "system.check", "params": {}}
        ).get_json()["id"]
        assert workers.watch_job(client, admin, job_id, FINISHED)[-1]["status"] == "succeeded"
    celery_app = app.extensions["celery"]
    celery_app.send_task(tasks.TIDY_BROKER, queue="nobody-listens")  # a message still waiting
    assert _broker_messages(broker_url)[False] >= 3  # the jobs' messages, delivered and kept

    celery_app.send_task(tasks.TIDY_BROKER, queue="default")  # as beat does
    deadline = time.monotonic() + 60
    while _broker_messages(broker_url).get(False):
        assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
        time.sleep(0.2)
    assert _broker_messages(broker_url) == {True: 1}
