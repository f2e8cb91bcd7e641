"""A source in trouble never stops the capture silently, on both databases: throttles and
errors waited out show on the desk as a plain status that clears when reading resumes; a
capture whose job died says so and resumes from its cursor when started again."""

from __future__ import annotations

from typing import Any

import flask.testing
import pytest

from app import extensions
from app.live import capture
from app.models import comments as models
from app.models import jobs
from sandbox import livechat
from tests import conftest
from tests.integration.app import test_live_capture as capture_tests

desk = capture_tests.desk
Desk = capture_tests.Desk


def _start(desk: Desk) -> models.CommentCapture:
    row = desk.call(
        capture.start,
        desk.shop.session_id,
        account_id=desk.youtube_account(),
        live_ref=livechat.DEMO_VIDEO_ID,
    )
    assert isinstance(row, models.CommentCapture)
    return row


def test_throttles_and_errors_show_while_the_capture_waits_them_out(desk: Desk) -> None:
    with desk.app.app_context():
        row = _start(desk)
        seen: list[dict[str, Any] | None] = []

        def sleep(seconds: float) -> None:
            if not seen:  # once reading: the platform throttles, then fails, three times
                desk.chat.faults.extend(["throttle", "throttle", "disconnect"])
            extensions.session().refresh(row)
            seen.append(dict(row.problem) if row.problem else None)
            desk.chat.advance(seconds)

        ran = capture.run(extensions.session(), row.id, sleep=sleep)
        assert ran.status is models.CaptureStatus.ENDED
        troubles = [p for p in seen if p]
        assert [(p["code"], p["times"], p["retrying"]) for p in troubles[:2]] == [
            ("rate_limited", 1, True),
            ("rate_limited", 2, True),
        ]
        assert troubles[0]["since"] == troubles[1]["since"], "the same trouble keeps its start"
        assert troubles[2]["code"] != "rate_limited" and troubles[2]["times"] == 1
        assert seen[-1] is None, "reading again clears it"
        stored = capture_tests.stored(desk)
        assert sorted(r.comment_id for r in stored) == sorted(
            f"LCC.{cid}" for cid in desk.chat.comments()
        ), "nothing lost through the trouble"


def test_the_desk_says_what_a_running_capture_waits_out(
    desk: Desk, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    with desk.app.app_context():
        row = _start(desk)
        row.status = models.CaptureStatus.RUNNING
        row.problem = {
            "code": "rate_limited",
            "params": {},
            "retrying": True,
            "since": "2026-12-04T02:15:00+00:00",
            "times": 4,
        }
        extensions.session().commit()
    auth.login(desk.shop.people.username("seller"))
    page = client.get(f"/live/sessions/{desk.shop.session_id}/desk").get_data(as_text=True)
    assert 'data-testid="desk-capture-trouble"' in page
    assert "Đang thử lại: nền tảng yêu cầu đọc chậm lại (lần 4, từ 09:15)" in page
    api = client.get(f"/api/v1/live/sessions/{desk.shop.session_id}/captures").get_json()
    assert api[0]["problem"]["retrying"] is True and api[0]["problem"]["times"] == 4
    assert api[0]["problem"]["message"] == "nền tảng yêu cầu đọc chậm lại"


def test_a_capture_whose_job_died_says_so_and_resumes_when_started_again(desk: Desk) -> None:
    with desk.app.app_context():
        row = _start(desk)
        calls = {"n": 0}
        real_store = capture.store_batch

        def broken(*args: Any, **kwargs: Any) -> int:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("a bug")
            return real_store(*args, **kwargs)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(capture, "store_batch", broken)
            with pytest.raises(RuntimeError):
                capture.run(extensions.session(), row.id, sleep=desk.chat.advance)
        extensions.session().refresh(row)
        assert row.status is models.CaptureStatus.RUNNING
        assert row.problem is not None and row.problem["code"] == "internal"
        kept = len(capture_tests.stored(desk))
        assert kept == row.comments, "what was stored stays"

        # While its job is still queued, starting again is the same capture and job.
        assert desk.call(capture.start, desk.shop.session_id, account_id=row.account_id) == row
        assert len(desk.dispatch.sent) == 1
        # The job failed: starting again queues a new one for the same capture.
        job = extensions.session().get(jobs.Job, row.job_id)
        assert job is not None
        job.status = jobs.JobStatus.FAILED
        extensions.session().commit()
        again = desk.call(capture.start, desk.shop.session_id, account_id=row.account_id)
        assert again.id == row.id and again.job_id != job.id
        assert [queue for _, queue in desk.dispatch.sent] == ["live", "live"]
        ran = capture.run(extensions.session(), row.id, sleep=desk.chat.advance)
        assert ran.status is models.CaptureStatus.ENDED and row.problem is None
        assert len(capture_tests.stored(desk)) == len(desk.chat.comments())
