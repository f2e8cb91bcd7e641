"""Statuses that say what is true: a job's state and start time follow its progress, a failed job
shows its failure (no stuck bar), results read as sentences and tables in the page's language,
the system check finds the ffmpeg renders use, empty states only when empty, and each role's
quick start offers only the buttons that role has."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import flask
import flask.testing
import pytest
import sqlalchemy as sa

from app import extensions
from app.core import health
from app.jobs import registry
from app.jobs import service as jobs_service
from app.models import accounts, jobs
from tests import conftest
from tests.integration.app import test_jobs
from tests.support import reports as seed

Role = accounts.Role
JobStatus = jobs.JobStatus
STARTED = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)  # 15:00 in Vietnam


def _user(people: conftest.People, role: Role) -> accounts.User:
    return extensions.db.session.scalar(
        sa.select(accounts.User).where(accounts.User.username == people.username(role))
    )


def _enqueue(
    people: conftest.People,
    role: Role,
    kind: str,
    params: dict[str, Any],
    kinds: dict[str, jobs_service.JobKind] | None = None,
) -> int:
    job = jobs_service.enqueue(
        extensions.db.session,
        kinds or registry.current(),
        kind=kind,
        params=params,
        owner=_user(people, role),
        dispatch=test_jobs.FakeDispatch(),
        club_id=None if kind == "system.check" else people.club_id,
    )
    return job.id


def _english(client: flask.testing.FlaskClient) -> None:
    client.get("/lang/en")


def test_a_job_reporting_progress_shows_running_with_its_start_time(
    app: flask.Flask, client: flask.testing.FlaskClient, auth: conftest.Auth, people
) -> None:
    with app.app_context():
        job_id = _enqueue(people, Role.SELLER, "studio.render", {"render_id": 1})
        session = extensions.db.session
        job = session.get(jobs.Job, job_id)
        assert job.status == JobStatus.QUEUED and job.started_at is None
        jobs_service.JobContext(session, job, lambda: STARTED).progress(40, "Đang xuất video…")
        stored = session.get(jobs.Job, job_id)
        assert stored.status == JobStatus.RUNNING
        assert stored.started_at == STARTED
    auth.login(people.username(Role.SELLER))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="running"' in page and "Đang chạy" in page
    assert "Đang chờ" not in page
    assert re.search(r'<dd id="job-started">28/11/2026 15:00</dd>', page), page
    assert 'id="job-progress" max="100" value="40"' in page and "40%" in page
    listing = client.get("/jobs/").get_data(as_text=True)
    assert 'data-status="running"' in listing and "Xuất video" in listing


def test_a_job_claimed_by_a_worker_is_running_from_its_first_step(app, people) -> None:
    seen: list[tuple[JobStatus, dt.datetime | None]] = []

    def step(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
        ctx.progress(4, "")
        seen.append((ctx.job.status, ctx.job.started_at))
        return {}

    kinds = {"test.step": jobs_service.JobKind("test.step", "Bước", step, "jobs.view_own")}
    with app.app_context():
        job_id = _enqueue(people, Role.SELLER, "test.step", {}, kinds)
        assert jobs_service.run(extensions.db.session, kinds, job_id) == JobStatus.SUCCEEDED
    assert seen[0][0] == JobStatus.RUNNING and seen[0][1] is not None


def test_a_failed_import_shows_its_failure_not_a_stuck_bar(
    app: flask.Flask, client: flask.testing.FlaskClient, auth: conftest.Auth, people
) -> None:
    def failing(ctx: jobs_service.JobContext, params: dict[str, Any]) -> None:
        ctx.progress(5, "Đang đọc tệp…")
        raise jobs_service.JobFailed(
            "Tệp có 1 lỗi; chưa nhập gì.",
            result={
                "errors": [{"row": 3, "column": "sku", "message": "SKU có khoảng trắng."}],
                "total_errors": 1,
                "warnings": [],
            },
        )

    kind = registry.of(app)["catalog.import"]
    kinds = {
        "catalog.import": jobs_service.JobKind(
            "catalog.import", kind.title, failing, "catalog.import"
        )
    }
    with app.app_context():
        job_id = _enqueue(people, Role.SELLER, "catalog.import", {}, kinds)
        assert jobs_service.run(extensions.db.session, kinds, job_id) == JobStatus.FAILED
        assert extensions.db.session.get(jobs.Job, job_id).progress == 5
    auth.login(people.username(Role.SELLER))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="failed"' in page and 'data-testid="job-failed"' in page
    assert "Tệp có 1 lỗi; chưa nhập gì." in page
    assert "<progress" not in page and "5%" not in page
    assert 'id="job-errors"' in page and "<td>3</td><td><code>sku</code></td>" in page
    listing = client.get("/jobs/").get_data(as_text=True)
    assert 'data-status="failed"' in listing
    assert "<progress" not in listing and 'data-testid="job-no-progress"' in listing


def _result_of(page: str) -> str:
    """The job's result block of a job page."""
    assert 'data-testid="job-result"' in page
    return page.split('data-testid="job-result"', 1)[1].split("</section>", 1)[0]


def _system_check_job(app: flask.Flask, people: conftest.People) -> int:
    with app.app_context():
        job_id = _enqueue(people, Role.ADMIN, "system.check", {})
        run = jobs_service.run(extensions.db.session, registry.current(), job_id)
        assert run == JobStatus.SUCCEEDED
    return job_id


def test_job_results_read_as_sentences_in_the_pages_language(
    app: flask.Flask, client: flask.testing.FlaskClient, auth: conftest.Auth, people
) -> None:
    job_id = _system_check_job(app, people)
    auth.login(people.username(Role.ADMIN))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-testid="job-result"' in page
    assert "Cơ sở dữ liệu: kết nối được." in page and "Thư mục media: ghi được." in page
    assert "Dung lượng trống ở thư mục media:" in page
    for raw in ('"database"', '"media_writable"', "disk_free_mb", "worker_pid", "{", ": true"):
        assert raw not in _result_of(page), raw
    assert "<title>Kiểm tra hệ thống" in page

    _english(client)
    english = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "<h1>System check" in english and "Kiểm tra hệ thống" not in english
    body = _result_of(english)
    assert "{" not in body and '"database"' not in body and ": true" not in body
    assert body.count("<li data-ok=") >= 3  # one sentence per check
    listing = client.get("/jobs/").get_data(as_text=True)
    assert "System check" in listing and "Kiểm tra hệ thống" not in listing


def test_unknown_result_keys_get_a_table_with_labels_where_known(
    app: flask.Flask, client: flask.testing.FlaskClient, auth: conftest.Auth, people
) -> None:
    with app.app_context():
        job_id = _enqueue(people, Role.SELLER, "studio.render", {"render_id": 1})
        job = extensions.db.session.get(jobs.Job, job_id)
        job.status, job.progress = JobStatus.SUCCEEDED, 100
        job.result = {
            "render_id": 1,
            "output_path": "studio/renders/1.mp4",
            "duration": 12.5,
            "size_bytes": 2_500_000,
            "paused": True,
            "mystery": [1, 2],
        }
        extensions.db.session.commit()
    auth.login(people.username(Role.SELLER))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Video đã xuất xong: dài 12,5 giây, dung lượng 2,5 MB." in page
    assert "studio/renders/1.mp4" not in page  # server paths are not for readers
    assert "<dt>Tạm dừng</dt><dd>Có</dd>" in page  # a known key, labelled
    assert "<dt>mystery</dt><dd>1; 2</dd>" in page  # an unknown key, shown as it is
    assert "{" not in _result_of(page)


def test_system_check_job_finds_the_ffmpeg_renders_use(
    app: flask.Flask, client: flask.testing.FlaskClient, auth: conftest.Auth, people
) -> None:
    """Renders use the imageio-ffmpeg binary, not one on PATH: the check looks there too."""
    assert health.check_ffmpeg().ok
    job_id = _system_check_job(app, people)
    with app.app_context():
        assert extensions.db.session.get(jobs.Job, job_id).result["ffmpeg"] is True
    auth.login(people.username(Role.ADMIN))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "ffmpeg: có sẵn, xuất được video." in page


def test_healthz_keeps_its_json_and_explains_itself_to_a_browser(client) -> None:
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert body["ffmpeg"] == {"ok": True, "latency_ms": body["ffmpeg"]["latency_ms"], "error": None}
    assert client.get("/healthz", headers={"Accept": "*/*"}).is_json
    page = client.get("/healthz", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "ffmpeg: có sẵn, xuất được video." in html
    assert "Cơ sở dữ liệu: kết nối được" in html and "Hàng đợi công việc: kết nối được" in html


def test_producer_dashboard_says_nothing_sold_only_when_nothing_was_sold(
    app: flask.Flask, client: flask.testing.FlaskClient, auth: conftest.Auth, people
) -> None:
    empty_text = "sẽ hiện ở đây khi CLB bắt đầu bán"
    auth.login(people.username(Role.PRODUCER))
    before = client.get("/dashboard").get_data(as_text=True)
    assert empty_text in before and 'data-testid="producer-no-sales"' in before
    assert 'data-testid="month-no-sales"' in before
    seed.seed_stream(app, people)  # producer A: Net GMV 285 000 in 2 orders, 3 units
    after = client.get("/dashboard").get_data(as_text=True)
    assert empty_text not in after
    assert 'data-testid="producer-sales"' in after
    assert "285.000 ₫" in after and "2 đơn hợp lệ" in after


@pytest.mark.parametrize(
    ("role", "has_connect"),
    [
        (Role.SELLER, False),
        (Role.PRODUCER, False),
        (Role.UNION, False),
        (Role.COORDINATOR, True),
        (Role.ADMIN, True),
    ],
)
def test_quick_start_offers_each_role_only_its_own_buttons(
    client: flask.testing.FlaskClient, auth: conftest.Auth, people, role: Role, has_connect: bool
) -> None:
    auth.login(people.username(role))
    page = client.get("/dashboard").get_data(as_text=True)
    card = page.split('data-testid="quick-start"', 1)[1].split("</section>", 1)[0]
    assert ("Kết nối" in card) is has_connect
    assert ('data-step="connect"' in card) is has_connect
    if role == Role.SELLER:
        assert 'data-step="publish"' in card and "nhờ điều phối viên CLB kết nối" in card
        assert 'href="/channels/"' in card  # the page link is a link, not escaped text
    if role == Role.PRODUCER:
        assert 'data-step="producer"' in card and 'data-step="publish"' not in card


def test_favicon_is_served(client, people) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code in (200, 301, 302)
    if response.status_code != 200:
        assert "/static/favicon." in response.location
        icon = client.get(response.location)
        icon.close()  # a static file's stream
        assert icon.status_code == 200
