"""Jobs as a state machine over the jobs table, with a fake dispatcher and fake kinds."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa

from app import extensions
from app.core import errors, i18n, tenancy
from app.core.i18n import N_
from app.jobs import registry
from app.jobs import service as jobs_service
from app.models import accounts, jobs
from tests import conftest

Role = accounts.Role
JobStatus = jobs.JobStatus
FIXED = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)


class FakeDispatch:
    """Records what would have been sent to the broker."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail = fail

    def __call__(self, job: jobs.Job, queue: str) -> str:
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append((job.id, queue))
        return f"task-{job.id}"


def _steps(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    seen = []
    for percent in (25, 50, 75):
        ctx.progress(percent, f"bước {percent}")
        seen.append(ctx.job.progress)
        if params.get("cancel_at") == percent:
            # Another request cancels while this job runs.
            extensions.db.session.execute(
                sa.update(jobs.Job).where(jobs.Job.id == ctx.job.id).values(cancel_requested=True)
            )
            extensions.db.session.commit()
    return {"seen": seen}


def _boom(ctx: jobs_service.JobContext, params: dict[str, Any]) -> None:
    ctx.progress(10, "bắt đầu")
    raise ValueError("tệp hỏng ở dòng 3")


KINDS = {
    "test.steps": jobs_service.JobKind("test.steps", "Các bước", _steps, "jobs.view_own"),
    "test.boom": jobs_service.JobKind("test.boom", "Lỗi", _boom, "jobs.view_own", queue="media"),
    "test.admin": jobs_service.JobKind("test.admin", "Quản trị", _steps, "users.manage"),
}


def _queue(owner: accounts.User, kind: str, **params: Any) -> jobs.Job:
    return jobs_service.enqueue(
        extensions.db.session,
        KINDS,
        kind=kind,
        params=params,
        owner=owner,
        dispatch=FakeDispatch(),
    )


def _user(username: str) -> accounts.User:
    return extensions.db.session.scalar(
        sa.select(accounts.User).where(accounts.User.username == username)
    )


def test_enqueue_stores_then_dispatches_to_the_kinds_queue(app, people) -> None:
    dispatch = FakeDispatch()
    with app.app_context():
        owner = _user(people.username(Role.SELLER))
        job = jobs_service.enqueue(
            extensions.db.session,
            KINDS,
            kind="test.boom",
            params={},
            owner=owner,
            dispatch=dispatch,
        )
        assert dispatch.sent == [(job.id, "media")]
        stored = extensions.db.session.get(jobs.Job, job.id)
        assert stored.status == JobStatus.QUEUED and stored.task_id == f"task-{job.id}"


def test_enqueue_checks_kind_and_permission(app, people) -> None:
    with app.app_context():
        seller = _user(people.username(Role.SELLER))
        with pytest.raises(errors.ValidationError) as raised:
            _queue(seller, "nope")
        assert "kind" in raised.value.fields
        with pytest.raises(errors.Forbidden):
            _queue(seller, "test.admin")
        assert extensions.db.session.scalar(sa.select(sa.func.count()).select_from(jobs.Job)) == 0


def test_broker_failure_marks_the_job_failed_and_says_so(app, people) -> None:
    with app.app_context():
        owner = _user(people.username(Role.SELLER))
        with pytest.raises(errors.ServiceUnavailable):
            jobs_service.enqueue(
                extensions.db.session,
                KINDS,
                kind="test.steps",
                params={},
                owner=owner,
                dispatch=FakeDispatch(fail=True),
            )
        job = extensions.db.session.scalar(sa.select(jobs.Job))
        assert job.status == JobStatus.FAILED
        assert "hàng đợi" in job.error


def test_run_reports_progress_and_succeeds(app, people) -> None:
    with app.app_context():
        owner = _user(people.username(Role.SELLER))
        job = _queue(owner, "test.steps")
        status = jobs_service.run(extensions.db.session, KINDS, job.id, now=lambda: FIXED)
        assert status == JobStatus.SUCCEEDED
        extensions.db.session.expire_all()
        done = extensions.db.session.get(jobs.Job, job.id)
        assert done.result == {"seen": [25, 50, 75]}
        assert done.progress == 100
        assert done.started_at == FIXED and done.finished_at == FIXED
        # A redelivered message does not run a finished job again.
        assert jobs_service.run(extensions.db.session, KINDS, job.id) == JobStatus.SUCCEEDED


def test_failure_keeps_the_error_in_plain_words(app, people) -> None:
    with app.app_context():
        owner = _user(people.username(Role.SELLER))
        job = _queue(owner, "test.boom")
        assert jobs_service.run(extensions.db.session, KINDS, job.id) == JobStatus.FAILED
        failed = extensions.db.session.get(jobs.Job, job.id)
        assert failed.error == "tệp hỏng ở dòng 3"
        assert failed.progress == 10


def test_cancel_while_running_stops_at_the_next_step(app, people) -> None:
    with app.app_context():
        owner = _user(people.username(Role.SELLER))
        job = _queue(owner, "test.steps", cancel_at=50)
        assert jobs_service.run(extensions.db.session, KINDS, job.id) == JobStatus.CANCELLED
        cancelled = extensions.db.session.get(jobs.Job, job.id)
        assert cancelled.progress == 50
        assert cancelled.result is None


def test_cancel_queued_job_ends_it_at_once_and_the_worker_skips_it(app, people) -> None:
    with app.app_context():
        owner = _user(people.username(Role.SELLER))
        job = _queue(owner, "test.steps")
        jobs_service.cancel(extensions.db.session, owner, job.id)
        assert extensions.db.session.get(jobs.Job, job.id).status == JobStatus.CANCELLED
        assert jobs_service.run(extensions.db.session, KINDS, job.id) == JobStatus.CANCELLED
        with pytest.raises(errors.Conflict):
            jobs_service.cancel(extensions.db.session, owner, job.id)


def test_only_owner_or_admin_sees_and_cancels(app, people) -> None:
    with app.app_context():
        seller = _user(people.username(Role.SELLER))
        job = _queue(seller, "test.steps")
        coordinator = _user(people.username(Role.COORDINATOR))
        with pytest.raises(errors.NotFound):
            jobs_service.cancel(extensions.db.session, coordinator, job.id)
        assert extensions.db.session.scalars(jobs_service.visible_query(coordinator)).all() == []
        admin = _user(people.username(Role.ADMIN))
        assert [j.id for j in extensions.db.session.scalars(jobs_service.visible_query(admin))] == [
            job.id
        ]
        jobs_service.cancel(extensions.db.session, admin, job.id)


def test_api_system_check_params_are_validated(client, people, bearer) -> None:
    response = client.post(
        "/api/v1/jobs",
        headers=bearer[Role.ADMIN],
        json={"kind": "system.check", "params": {"pause_seconds": 99}},
    )
    assert response.status_code == 422
    assert "params.pause_seconds" in response.get_json()["error"]["fields"]
    forbidden = client.post(
        "/api/v1/jobs", headers=bearer[Role.SELLER], json={"kind": "system.check"}
    )
    assert forbidden.status_code == 403


def test_api_queue_list_and_cancel(client, people, bearer) -> None:
    admin = bearer[Role.ADMIN]
    kinds = client.get("/api/v1/jobs/kinds", headers=admin).get_json()
    assert "system.check" in {k["name"] for k in kinds}
    seller_kinds = client.get("/api/v1/jobs/kinds", headers=bearer[Role.SELLER]).get_json()
    assert "system.check" not in {k["name"] for k in seller_kinds}
    assert client.get("/api/v1/jobs/kinds", headers=bearer[Role.PRODUCER]).get_json() == []
    queued = client.post("/api/v1/jobs", headers=admin, json={"kind": "system.check"})
    assert queued.status_code == 202
    job = queued.get_json()
    assert job["status"] == "queued" and job["progress"] == 0
    page = client.get("/api/v1/jobs?status=queued", headers=admin).get_json()
    assert [j["id"] for j in page["items"]] == [job["id"]]
    cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=admin).get_json()
    assert cancelled["status"] == "cancelled"
    again = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=admin)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    other = client.get(f"/api/v1/jobs/{job['id']}", headers=bearer[Role.COORDINATOR])
    assert other.status_code == 404


def test_system_check_handler_runs_in_process(app, people) -> None:
    with app.app_context():
        admin = _user(people.username(Role.ADMIN))
        job = jobs_service.enqueue(
            extensions.db.session,
            registry.current(),
            kind="system.check",
            params={},
            owner=admin,
            dispatch=FakeDispatch(),
        )
        assert (
            jobs_service.run(extensions.db.session, registry.current(), job.id)
            == JobStatus.SUCCEEDED
        )
        result = extensions.db.session.get(jobs.Job, job.id).result
        assert result["database"] is True and result["media_writable"] is True


def test_start_runs_club_work_for_the_home_club_and_install_wide_work_for_none(app, people) -> None:
    kinds = {
        **KINDS,
        "test.wide": jobs_service.JobKind(
            "test.wide", "Toàn hệ thống", _steps, "jobs.view_own", install_wide=True
        ),
    }
    with app.app_context():
        session = extensions.db.session
        seller = _user(people.username(Role.SELLER))
        club_work = jobs_service.start(
            session, kinds, kind="test.steps", params={}, owner=seller, dispatch=FakeDispatch()
        )
        wide = jobs_service.start(
            session, kinds, kind="test.wide", params={}, owner=seller, dispatch=FakeDispatch()
        )
        assert (club_work.club_id, wide.club_id) == (people.club_id, None)
        producer = _user(people.username(Role.PRODUCER))  # belongs to no club
        with pytest.raises(tenancy.NoClub):
            jobs_service.start(
                session, kinds, kind="test.steps", params={}, owner=producer,
                dispatch=FakeDispatch(),
            )  # fmt: skip
        with pytest.raises(errors.Forbidden):  # the permission is checked before the club
            jobs_service.start(
                session, kinds, kind="test.admin", params={}, owner=producer,
                dispatch=FakeDispatch(),
            )  # fmt: skip


def test_progress_and_errors_are_stored_as_codes_and_worded_for_each_reader(
    app, people, bearer
) -> None:
    """A worker words nothing: a running job's step and a failed job's reason are stored as
    msgid + parameters and each reader (page or API) gets them in their own language."""
    seller = people.username(Role.SELLER)
    with app.app_context():
        owner = _user(seller)
        running = jobs_service.enqueue(
            extensions.db.session, registry.current(), kind="system.check", params={},
            owner=_user(people.username(Role.ADMIN)), dispatch=FakeDispatch(),
        )  # fmt: skip
        step = i18n.deferred(N_("cơ sở dữ liệu"))
        context = jobs_service.JobContext(extensions.db.session, running, lambda: FIXED)
        context.progress(25, i18n.deferred(N_("Đang kiểm tra: %(step)s"), step=step))
        stored = extensions.db.session.get(jobs.Job, running.id).message
        assert json.loads(stored)["params"]["step"]["msgid"] == "cơ sở dữ liệu"
        failed = _queue(owner, "test.boom")
        failed.status, failed.error = (
            JobStatus.FAILED,
            i18n.encode(
                i18n.deferred(N_("Máy chạy công việc bị ngắt %(n)d lần; đã dừng thử lại."), n=3)
            ),
        )
        running_id, failed_id = running.id, failed.id
        extensions.db.session.commit()
    admin = app.test_client()
    assert conftest.Auth(admin).login(people.username(Role.ADMIN)).status_code == 302
    for language, step_text in (
        ("vi", "Đang kiểm tra: cơ sở dữ liệu"),
        ("en", "Checking: database"),
    ):
        admin.get(f"/lang/{language}")
        page = admin.get(f"/jobs/{running_id}").get_data(as_text=True)
        assert step_text in page and "msgid" not in page
    english = admin.get(f"/jobs/{failed_id}").get_data(as_text=True)
    assert "3 times" in english and "msgid" not in english
    reply = (
        app.test_client().get(f"/api/v1/jobs/{failed_id}", headers=bearer[Role.ADMIN]).get_json()
    )
    assert reply["error"] == "Máy chạy công việc bị ngắt 3 lần; đã dừng thử lại."
    assert reply["title"] == "Lỗi"  # a kind this install does not have: its stored title


def _runtime(dispatch: FakeDispatch) -> jobs_service.Runtime:
    return jobs_service.Runtime(KINDS, dispatch, dispatch_later=lambda seconds: dispatch)


def _as_if_running(job_id: int, heartbeat: dt.datetime, attempts: int = 1) -> None:
    """The row a worker leaves when it dies mid-run: running, last heartbeat at ``heartbeat``."""
    extensions.db.session.execute(
        sa.update(jobs.Job)
        .where(jobs.Job.id == job_id)
        .values(
            status=JobStatus.RUNNING,
            worker="dead-host:4242",
            heartbeat_at=heartbeat,
            started_at=heartbeat,
            attempts=attempts,
            progress=50,
        )
    )
    extensions.db.session.commit()


def test_requeue_silent_puts_dead_workers_jobs_back_once_and_fails_worn_out_ones(
    app, people
) -> None:
    policy = jobs_service.RunPolicy(heartbeat_seconds=10, stale_seconds=60, max_attempts=3)
    long_ago, just_now = FIXED - dt.timedelta(seconds=61), FIXED - dt.timedelta(seconds=59)
    with app.app_context():
        session = extensions.db.session
        owner = _user(people.username(Role.SELLER))
        dead, alive, worn, lost = (
            _queue(owner, kind).id for kind in ("test.boom",) + ("test.steps",) * 3
        )
        _as_if_running(dead, long_ago)
        _as_if_running(alive, just_now)
        _as_if_running(worn, long_ago, attempts=3)
        _as_if_running(lost, long_ago)
        session.execute(sa.update(jobs.Job).where(jobs.Job.id == lost).values(heartbeat_at=None))
        session.commit()
        dispatch = FakeDispatch()

        back = jobs_service.requeue_silent(
            session, _runtime(dispatch), now=lambda: FIXED, policy=policy
        )

        assert back == [dead, lost]
        assert dispatch.sent == [(dead, "media"), (lost, "default")]  # each kind's own queue
        session.expire_all()
        rows = {j.id: j for j in session.scalars(sa.select(jobs.Job))}
        assert rows[dead].status == JobStatus.QUEUED and rows[dead].task_id == f"task-{dead}"
        assert rows[dead].worker is None and rows[dead].progress == 0
        assert rows[dead].message == "Máy chạy trước bị ngắt giữa chừng; đang chờ chạy lại…"
        assert rows[alive].status == JobStatus.RUNNING and rows[alive].worker == "dead-host:4242"
        assert rows[worn].status == JobStatus.FAILED and rows[worn].finished_at == FIXED
        assert i18n.stored_text(rows[worn].error) == (
            "Máy chạy công việc bị ngắt 3 lần; đã dừng thử lại."
        )
        # Still in the queue a minute later (no worker took it): not sent again.
        later = FIXED + dt.timedelta(minutes=1)
        session.execute(  # the live worker kept beating
            sa.update(jobs.Job).where(jobs.Job.id == alive).values(heartbeat_at=later)
        )
        session.commit()
        assert (
            jobs_service.requeue_silent(
                session, _runtime(dispatch), now=lambda: later, policy=policy
            )
            == []
        )
        assert len(dispatch.sent) == 2
        # A worker takes the message: the job runs from the start, its second attempt.
        assert jobs_service.run(session, KINDS, lost, now=lambda: later) == JobStatus.SUCCEEDED
        session.expire_all()
        done = session.get(jobs.Job, lost)
        assert done.attempts == 2 and done.result == {"seen": [25, 50, 75]}


def test_requeue_silent_leaves_the_job_running_when_the_broker_is_down(app, people) -> None:
    with app.app_context():
        session = extensions.db.session
        job_id = _queue(_user(people.username(Role.SELLER)), "test.steps").id
        _as_if_running(job_id, FIXED - dt.timedelta(hours=1))
        with pytest.raises(ConnectionError):
            jobs_service.requeue_silent(
                session, _runtime(FakeDispatch(fail=True)), now=lambda: FIXED
            )
        session.expire_all()
        # Still silent and running: the next minute's chore tries again.
        assert session.get(jobs.Job, job_id).status == JobStatus.RUNNING
        dispatch = FakeDispatch()
        assert jobs_service.requeue_silent(session, _runtime(dispatch), now=lambda: FIXED) == [
            job_id
        ]


@pytest.mark.parametrize("race", [False, True], ids=["seen", "raced"])
def test_requeue_silent_ends_an_interrupted_copy_of_work_queued_again(
    app, people, race: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work with an identity key (a listing's publish, a buyer message) queued again while its
    first run's worker was dead: that queued job does it; the silent one ends, saying why.
    Raced: queued between the chore's look and its UPDATE, which the unique index on queued
    identity keys refuses; the outcome is the same."""
    with app.app_context():
        session = extensions.db.session
        owner = _user(people.username(Role.SELLER))

        def publish() -> int:
            return jobs_service.enqueue(
                session,
                KINDS,
                identity_key="publish:7",
                kind="test.steps",
                params={},
                owner=owner,
                dispatch=FakeDispatch(),
            ).id

        first = publish()
        _as_if_running(first, FIXED - dt.timedelta(hours=1))
        again = publish()
        assert again != first
        if race:
            monkeypatch.setattr(jobs_service, "_queued_with_key", lambda session, key: None)
        dispatch = FakeDispatch()
        assert jobs_service.requeue_silent(session, _runtime(dispatch), now=lambda: FIXED) == []
        assert len(dispatch.sent) == (1 if race else 0)  # (its claim finds it failed)
        session.expire_all()
        ended = session.get(jobs.Job, first)
        assert ended.status == JobStatus.FAILED
        assert i18n.stored_text(ended.error) == (
            "Máy chạy công việc bị ngắt giữa chừng; việc này đã được xếp hàng lại."
        )
        assert session.get(jobs.Job, again).status == JobStatus.QUEUED
