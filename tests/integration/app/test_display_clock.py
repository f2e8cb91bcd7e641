"""One clock and one number format on the pages of a livestream in progress.

The stream of tests/support/reports.py runs 13:00–14:00 UTC on 20 Nov 2026, which is
20:00–21:00 in Vietnam. Its first product went on air at 13:05 UTC with two extra minutes,
so its slot ends at 13:37 UTC: the control page says 20:37, never "13:37" or "UTC". The
report pages name platforms and statuses, and write numbers in the page's language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import flask
import flask.testing
import pytest

from app import extensions
from app.models import accounts, live
from tests import conftest
from tests.support import reports as seed

Role = accounts.Role
ON_AIR = seed.START + dt.timedelta(minutes=5)  # 13:05 UTC, 20:05 in Vietnam
EXTRA_S = 120


@pytest.fixture
def in_progress(app: flask.Flask, people: conftest.People) -> seed.Seeded:
    """The seeded stream, live, with its first product on air since 13:05 UTC (+2 minutes)."""
    seeded = seed.seed_stream(app, people)
    with app.app_context():
        row = extensions.db.session.get(live.LiveSession, seeded.session_id)
        assert row is not None
        row.status = live.SessionStatus.LIVE
        row.current_slot = 0
        row.slot_started_at = ON_AIR
        row.extension_s = EXTRA_S
        extensions.db.session.commit()
    return seeded


def _text(html: str) -> str:
    """The page's visible text and attribute values, without markup."""
    return re.sub(r"<[^>]+>", " ", html)


def _metric_cell(html: str, key: str) -> str:
    match = re.search(rf'<tr data-metric="{key}"><th scope="row">[^<]*</th><td[^>]*>([^<]*)<', html)
    assert match, key
    return match.group(1)


@pytest.fixture
def coordinators_stream(
    auth: conftest.Auth, people: conftest.People, in_progress: seed.Seeded
) -> seed.Seeded:
    """The stream in progress, with the club's coordinator signed in on the test client."""
    auth.login(people.username(Role.COORDINATOR))
    return in_progress


def _no_utc(page: Any) -> str:
    assert page.status_code == 200, page.request.path
    html = page.get_data(as_text=True)
    assert "UTC" not in html, (page.request.path, html[html.find("UTC") - 120 :][:240])
    return html


def test_control_page_says_when_the_slot_ends_in_vietnam_time(
    client: flask.testing.FlaskClient, coordinators_stream: seed.Seeded
) -> None:
    html = _no_utc(client.get(f"/live/sessions/{coordinators_stream.session_id}/control"))
    # 13:05 UTC + 30 minutes + 2 extra = 13:37 UTC = 20:37 in Vietnam
    assert 'data-testid="control-ends">20:37<' in html
    assert "13:37" not in html
    assert "đã thêm 2 phút" in html
    client.get("/lang/en")
    english = _no_utc(client.get(f"/live/sessions/{coordinators_stream.session_id}/control"))
    assert 'data-testid="control-ends">20:37<' in english  # one way in every language


def test_report_pages_show_vietnam_time_and_names(
    client: flask.testing.FlaskClient, coordinators_stream: seed.Seeded
) -> None:
    session_page = _no_utc(client.get(f"/reports/sessions/{coordinators_stream.session_id}"))
    assert "20/11/2026 20:00–21:00" in session_page and "TikTok Shop" in session_page
    assert "<tr><td>20:00</td>" in session_page  # first bucket of the table, local
    assert "13:00" not in _text(session_page)
    assert _metric_cell(session_page, "product_ctr") == "6,3%"  # 6.25 %, half up
    assert _metric_cell(session_page, "viewer_conversion") == "0,3%"
    assert _metric_cell(session_page, "average_watch_seconds") == "17 phút 30 giây"
    assert _metric_cell(session_page, "average_concurrent_viewers") == "1,2"
    assert _metric_cell(session_page, "gmv") == "860.000 ₫"

    overview = _no_utc(client.get("/reports/?start=2026-11-01&end=2026-11-30"))
    assert "20/11/2026 20:00" in overview  # the recent sessions list
    breakdown = overview[overview.index('data-testid="breakdown-platform"') :]
    assert "TikTok Shop" in breakdown[: breakdown.index("</section>")]
    assert ">tiktok<" not in overview

    client.get("/lang/en")
    english = _no_utc(client.get(f"/reports/sessions/{coordinators_stream.session_id}"))
    assert _metric_cell(english, "gmv") == "860,000 ₫"
    assert _metric_cell(english, "product_ctr") == "6.3%"
    assert _metric_cell(english, "viewer_conversion") == "0.3%"
    assert _metric_cell(english, "average_concurrent_viewers") == "1.2"
    assert "20/11/2026 20:00–21:00" in english
    assert "860.000 ₫" not in english  # no Vietnamese digit grouping on an English page


def test_producer_report_names_statuses_and_platforms(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    in_progress: seed.Seeded,
) -> None:
    auth.login(people.username(Role.PRODUCER))
    html = _no_utc(client.get("/reports/producer?month=2026-11"))
    lines = html[html.index('data-testid="order-lines"') :]
    lines = lines[: lines.index("</table>")]
    # O1 at 13:05 UTC, O2 at 13:12 UTC: 20:05 and 20:12 in Vietnam
    assert "20/11/2026 20:05" in lines and "20/11/2026 20:12" in lines
    assert "TikTok Shop" in lines and "Đã thanh toán" in lines and "Hoàn thành" in lines
    for code in ("tiktok", "paid", "placed", "completed", "cancelled"):
        assert f">{code}<" not in lines, code
    assert 'data-status="paid">Đã thanh toán<' in lines  # the code stays for styling
