"""Sales dashboards over real rows: the figures are the hand counts in tests/support/reports.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import flask
import openpyxl
import pytest

from app import extensions
from app.core import errors
from app.models import accounts
from app.reports import dashboards
from tests import conftest
from tests.support import clubs as clubs_support
from tests.support import reports as seed

Role = accounts.Role
SESSION_TOTALS = {
    "gmv": 860_000,
    "net_gmv": 405_000,
    "orders": 3,
    "units": 4,
    "buyers": 2,
    "aov": 135_000,
    "views": 2000,
    "unique_viewers": 800,
    "product_clicks": 100,
    "product_visitors": 50,
    "gpm": 202_500,
    "revenue_per_viewer": 506,
    "peak_concurrent_viewers": 2,
}


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def seeded(app: flask.Flask, people: conftest.People) -> seed.Seeded:
    """Club 1's stream of 20 Nov 2026, its orders and audience (tests/support/reports.py)."""
    return seed.seed_stream(app, people)


def _user(role: Role, people: conftest.People) -> accounts.User:
    return conftest.user_named(people.username(role))


def _metric_cell(html: str, key: str) -> str:
    """The value the page's "Tất cả chỉ số" table shows for one metric."""
    match = re.search(rf'<tr data-metric="{key}"><th scope="row">[^<]*</th><td[^>]*>([^<]*)<', html)
    assert match, key
    return match.group(1)


def test_session_dashboard_figures(app: flask.Flask, people: conftest.People) -> None:
    seeded = seed.seed_stream(app, people)
    with app.app_context():
        report = dashboards.session_report(
            extensions.db.session, _user(Role.COORDINATOR, people), seeded.session_id
        )
    for name, expected in SESSION_TOTALS.items():
        assert report.totals[name] == expected, name
    assert report.totals["product_ctr"] == pytest.approx(0.0625)
    assert report.totals["cvr"] == pytest.approx(0.04)
    assert report.totals["ctor"] == pytest.approx(0.03)
    assert report.totals["viewer_conversion"] == pytest.approx(0.0025)
    # viewers clipped to the stream: 30 + 15 + 10 + 15 = 70 viewer-minutes, 1050 s on average
    assert report.totals["total_watch_minutes"] == pytest.approx(70)
    assert report.totals["average_watch_seconds"] == pytest.approx(1050)
    rows = {key: (label, shown) for key, label, shown in report.metric_rows()}
    assert rows["total_watch_minutes"] == ("Tổng thời gian xem (người·phút)", "70")
    assert rows["average_watch_seconds"] == ("Thời gian xem TB", "17 phút 30 giây")
    assert report.totals["average_concurrent_viewers"] == pytest.approx(7 / 6)
    by_product = {row["label"]: row for row in report.tables[0].rows}
    assert by_product["Nước mắm Trà Cổ"]["gmv"] == 380_000
    assert by_product["Nước mắm Trà Cổ"]["net_gmv"] == 285_000
    assert by_product["Chè Tân Cương"]["net_gmv"] == 120_000
    assert sum(r["gmv"] for r in report.tables[0].rows) == 860_000  # breakdown adds up
    series = report.series
    assert series is not None and series.minutes == 5
    assert len(series.gmv) == 12 and series.labels[0] == "20:00"  # shown in Vietnam time
    assert series.gmv[1] == 190_000 and series.gmv[2] == 95_000
    assert series.gmv[8] == 215_000 and series.gmv[10] == 360_000
    assert sum(series.gmv) == 860_000
    assert [code for _, _, code in series.bands] == ["NM1", "CHE1"]
    assert series.bands[0][:2] == (0.0, 6.0) and series.bands[1][:2] == (6.0, 12.0)
    assert [card[2] for card in report.cards()][:2] == ["860.000 ₫", "405.000 ₫"]


def test_producer_report_holds_only_their_products(
    app: flask.Flask, people: conftest.People
) -> None:
    seed.seed_stream(app, people)
    with app.app_context():
        session = extensions.db.session
        producer = _user(Role.PRODUCER, people)
        report = dashboards.producer_report(session, producer, None, "2026-11")
        assert (report.totals["gmv"], report.totals["net_gmv"]) == (380_000, 285_000)
        assert (report.totals["orders"], report.totals["units"]) == (2, 3)
        assert (report.totals["buyers"], report.totals["aov"]) == (1, 142_500)
        assert report.totals["views"] is None  # a stream's audience is not one producer's
        assert report.totals["total_watch_minutes"] is None
        assert "total_watch_minutes" not in {key for key, _, _ in report.metric_rows()}
        assert {line["product"] for line in report.lines} == {"Nước mắm Trà Cổ"}
        with pytest.raises(errors.NotFound):
            dashboards.producer_report(session, producer, people.other_producer_id, "2026-11")
        with pytest.raises(errors.Forbidden):
            dashboards.club_overview(session, producer, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
        staff = dashboards.producer_report(
            session, _user(Role.COORDINATOR, people), people.other_producer_id, "2026-11"
        )
        assert staff.totals["gmv"] == 480_000 and staff.totals["net_gmv"] == 120_000
        october = dashboards.producer_report(session, producer, None, "2026-10")
        assert october.totals["gmv"] == 0 and october.totals["aov"] is None and not october.tables
        with pytest.raises(errors.ValidationError):
            dashboards.producer_report(session, producer, None, "11/2026")


def test_club_overview_by_local_period(app: flask.Flask, people: conftest.People) -> None:
    seed.seed_stream(app, people)
    with app.app_context():
        session = extensions.db.session
        coordinator = _user(Role.COORDINATOR, people)
        day = dashboards.club_overview(
            session, coordinator, dt.date(2026, 11, 20), dt.date(2026, 11, 20)
        )
        assert day.totals["net_gmv"] == 405_000 and day.totals["views"] == 2000
        assert day.totals["total_watch_minutes"] == pytest.approx(70)
        assert day.totals["average_watch_seconds"] == pytest.approx(1050)
        keys = [t.key for t in day.tables]
        assert keys == [
            "session",
            "streamer",
            "platform",
            "product",
            "producer",
            "ocop_group",
            "ocop_stars",
        ]
        streamer = next(t for t in day.tables if t.key == "streamer")
        assert [(r["label"], r["net_gmv"]) for r in streamer.rows] == [("Lan Streamer", 405_000)]
        before = dashboards.club_overview(
            session, coordinator, dt.date(2026, 11, 19), dt.date(2026, 11, 19)
        )
        assert before.totals["gmv"] == 0 and before.tables == []
        with pytest.raises(errors.ValidationError):
            dashboards.club_overview(
                session, coordinator, dt.date(2026, 11, 20), dt.date(2026, 11, 1)
            )


def test_pages_and_downloads(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    seeded: seed.Seeded,
) -> None:
    auth.login(people.username(Role.COORDINATOR))
    page = client.get(f"/reports/sessions/{seeded.session_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="chart-timeseries"' in html and "<svg" in html
    assert "860.000 ₫" in html and "405.000 ₫" in html and "NM1" in html
    assert 'style="' not in html  # CSP: no inline styles in the charts
    assert _metric_cell(html, "total_watch_minutes") == "70"
    assert _metric_cell(html, "average_watch_seconds") == "17 phút 30 giây"

    xlsx = client.get(f"/reports/sessions/{seeded.session_id}?format=xlsx")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    summary = book.worksheets[0]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=3, values_only=True)}
    assert values["GMV (gồm đơn hủy/trả)"] == 860_000
    assert values["GMV thực (trừ hủy/trả)"] == 405_000
    assert values["Tổng thời gian xem (người·phút)"] == pytest.approx(70)
    assert values["Thời gian xem TB"] == pytest.approx(1050)
    assert len(book.sheetnames) >= 4 and "Dòng đơn" in book.sheetnames
    lines = book["Dòng đơn"]
    assert lines.max_row == 2 + 5  # heading, header, five lines

    assert xlsx.headers["Content-Type"] == XLSX_TYPE

    summary_csv = client.get(f"/reports/sessions/{seeded.session_id}?format=csv&part=summary")
    assert summary_csv.headers["Content-Type"] == CSV_TYPE  # one charset
    figures = {
        row[0]: row[1:] for row in csv.reader(io.StringIO(summary_csv.data.decode("utf-8-sig")))
    }
    watch, shown = figures["Tổng thời gian xem (người·phút)"]
    assert (float(watch), shown) == (70, "70")
    average, shown = figures["Thời gian xem TB"]
    assert (float(average), shown) == (1050, "17 phút 30 giây")

    data = client.get(f"/reports/sessions/{seeded.session_id}?format=csv&part=product")
    assert data.headers["Content-Type"] == CSV_TYPE
    assert data.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(data.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Sản phẩm"
    assert {r[0]: int(r[1]) for r in rows[1:]} == {
        "Nước mắm Trà Cổ": 380_000,
        "Chè Tân Cương": 480_000,
    }
    assert client.get(f"/reports/sessions/{seeded.session_id}?format=pdf").status_code == 422
    assert client.get(f"/reports/sessions/{seeded.session_id}?format=csv&part=x").status_code == 404
    assert client.get(f"/reports/sessions/{seeded.session_id}?minutes=7").status_code == 422
    assert client.get("/reports/sessions/999999").status_code == 404

    overview = client.get("/reports/?start=2026-11-01&end=2026-11-30")
    assert overview.status_code == 200 and "Lan Streamer" in overview.get_data(as_text=True)
    assert _metric_cell(overview.get_data(as_text=True), "total_watch_minutes") == "70"
    for fmt, kind in (("csv", CSV_TYPE), ("xlsx", XLSX_TYPE)):
        download = client.get(f"/reports/?start=2026-11-01&end=2026-11-30&format={fmt}")
        assert download.headers["Content-Type"] == kind, fmt
    assert client.get("/reports/?start=2026-13-01").status_code == 422
    empty = client.get("/reports/?start=2026-10-01&end=2026-10-31").get_data(as_text=True)
    assert 'data-testid="empty"' in empty
    streamer = client.get(
        f"/reports/streamers/{seeded.streamer_id}?start=2026-11-01&end=2026-11-30"
    )
    assert streamer.status_code == 200 and "405.000 ₫" in streamer.get_data(as_text=True)


def test_producer_pages_are_limited_to_their_products(
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    seeded: seed.Seeded,
) -> None:
    auth.login(people.username(Role.PRODUCER))
    assert client.get("/reports/").status_code == 302  # to their own report
    page = client.get("/reports/producer?month=2026-11")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "380.000 ₫" in html and "Nước mắm Trà Cổ" in html and "Chè Tân Cương" not in html
    assert client.get(f"/reports/sessions/{seeded.session_id}").status_code == 403
    other = client.get(f"/reports/producer?month=2026-11&producer_id={people.other_producer_id}")
    assert other.status_code == 404
    xlsx = client.get("/reports/producer?month=2026-11&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    text = json.dumps(
        [list(row) for sheet in book for row in sheet.iter_rows(values_only=True)],
        default=str,
        ensure_ascii=False,
    )
    assert "Chè Tân Cương" not in text and "Nước mắm Trà Cổ" in text


def test_cli_prints_the_dashboard_figures(
    app: flask.Flask,
    runner: flask.testing.FlaskCliRunner,
    people: conftest.People,
    tmp_path: pytest.TempPathFactory,
    seeded: seed.Seeded,
) -> None:
    result = runner.invoke(args=["reports", "session", str(seeded.session_id), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    with app.app_context():
        page = dashboards.session_report(
            extensions.db.session, _user(Role.COORDINATOR, people), seeded.session_id
        )
    assert figures["totals"] == json.loads(json.dumps(page.as_json()["totals"]))
    assert figures["totals"]["gmv"] == 860_000 and figures["totals"]["aov"] == 135_000
    assert figures["totals"]["total_watch_minutes"] == pytest.approx(70)
    assert figures["totals"]["average_watch_seconds"] == pytest.approx(1050)
    assert len(figures["series"]["buckets"]) == 12
    assert [s["code"] for s in figures["series"]["slots"]] == ["NM1", "CHE1"]

    target = tmp_path / "bao-cao.xlsx"  # type: ignore[operator]
    monthly = runner.invoke(
        args=[
            "reports",
            "producer",
            str(people.producer_id),
            "--month",
            "2026-11",
            "--xlsx",
            str(target),
        ]
    )
    assert monthly.exit_code == 0, monthly.output
    assert "380.000 ₫" in monthly.output
    assert openpyxl.load_workbook(target).worksheets[0]["B3"].value == 380_000

    overview = runner.invoke(
        args=["reports", "overview", "--from", "2026-11-01", "--to", "2026-11-30", "--json"]
    )
    overview_totals = json.loads(overview.output)["totals"]
    assert overview_totals["net_gmv"] == 405_000
    assert overview_totals["total_watch_minutes"] == pytest.approx(70)
    text = runner.invoke(args=["reports", "session", str(seeded.session_id)])
    assert "Tổng thời gian xem (người·phút): 70\n" in text.output
    bad = runner.invoke(args=["reports", "overview", "--from", "01/11/2026", "--to", "2026-11-30"])
    assert bad.exit_code == 2 and "NNNN-TT-NN" in bad.output
    missing = runner.invoke(args=["reports", "session", "999999"])
    assert missing.exit_code == 3
    producer_view = runner.invoke(
        args=["reports", "session", str(seeded.session_id), "--as", people.username(Role.PRODUCER)]
    )
    assert producer_view.exit_code == 2  # producers see only their own monthly report


def test_dashboards_show_this_months_sales_and_next_streams(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
) -> None:
    from app.models import live

    seeded = seed.seed_stream(app, people)  # 20 Nov 2026
    with app.app_context():
        db = extensions.db.session
        streamer = db.get(live.Streamer, seeded.streamer_id)
        coming = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        db.add(
            live.LiveSession(
                club_id=streamer.club_id,  # type: ignore[union-attr]
                title="Phiên tuần sau",
                platform="tiktok",
                starts_at=coming,
                ends_at=coming + dt.timedelta(hours=1),
                hosts=[streamer],
            )
        )
        db.commit()
        from app.main import dashboard

        late_november = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)
        for role, net in ((Role.COORDINATOR, 405_000), (Role.PRODUCER, 285_000)):
            sales = dashboard.summary(db, _user(role, people), now=lambda: late_november)
            assert sales["month_sales"]["net_gmv"] == net, role  # producers: own products
        december = dashboard.summary(
            db,
            _user(Role.COORDINATOR, people),
            now=lambda: dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC),  # 08:00 on 1 Dec
        )
        assert december["month_sales"] == {
            "month": "2026-12",
            "net_gmv": 0,
            "orders": 0,
            "units": 0,
        }
    auth.login(people.username(Role.COORDINATOR))
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="upcoming-sessions"' in page and "Phiên tuần sau" in page
    assert "Live Trà Cổ" not in page  # past streams are not "coming"
    auth.logout()
    auth.login(people.username(Role.SELLER))  # hosts it: sees it
    assert "Phiên tuần sau" in client.get("/dashboard").get_data(as_text=True)
    auth.logout()
    auth.login(people.username(Role.PRODUCER))
    producer = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="upcoming-sessions"' not in producer
    assert 'data-testid="month-sales"' in producer


def test_other_clubs_reports_are_out_of_reach(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    runner: flask.testing.FlaskCliRunner,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
) -> None:
    """Club 2's staff never reach club 1's streams, streamer, lines or producers (404 by id,
    absent from lists and exports); an admin filters by club."""
    seeded = seed.seed_stream(app, people)  # club 1's stream and orders
    with app.app_context():
        session = extensions.db.session
        coordinator2 = conftest.user_named(other_club.coordinator)
        with pytest.raises(errors.NotFound):
            dashboards.session_report(session, coordinator2, seeded.session_id)
        with pytest.raises(errors.NotFound):
            dashboards.club_overview(
                session, coordinator2, dt.date(2026, 11, 1), dt.date(2026, 11, 30), people.club_id
            )
        own = dashboards.club_overview(
            session, coordinator2, dt.date(2026, 11, 1), dt.date(2026, 11, 30)
        )
        assert own.totals["gmv"] == 0 and own.lines == [] and own.title == "CLB Streamer Hạ Long"
        assert dashboards.streamer_choices(session, coordinator2) == []
        assert dashboards.recent_sessions(session, coordinator2) == []
        assert [name for _, name in dashboards.producer_choices(session, coordinator2)] == [
            "HTX Mật ong Hạ Long"
        ]
        with pytest.raises(errors.NotFound):  # a producer club 2 does not work with
            dashboards.producer_report(session, coordinator2, people.producer_id, "2026-11")

        admin = _user(Role.ADMIN, people)
        november = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
        every = dashboards.club_overview(session, admin, *november)
        assert every.tables[0].key == "club"  # several clubs: a per-club table first
        assert [(r["label"], r["gmv"]) for r in every.tables[0].rows] == [
            ("CLB Streamer Móng Cái", 860_000)
        ]
        one = dashboards.club_overview(session, admin, *november, club_id=people.club_id)
        assert one.totals["gmv"] == 860_000 and one.title == "CLB Streamer Móng Cái"
        two = dashboards.club_overview(session, admin, *november, club_id=other_club.club_id)
        assert two.totals["gmv"] == 0
        assert {line["club"] for line in one.lines} == {"CLB Streamer Móng Cái"}

    auth.login(other_club.coordinator)
    for url in (
        f"/reports/sessions/{seeded.session_id}",
        f"/reports/sessions/{seeded.session_id}?format=xlsx",
        f"/reports/streamers/{seeded.streamer_id}",
        f"/reports/?club={people.club_id}",
        f"/reports/producer?month=2026-11&producer_id={people.producer_id}",
    ):
        assert client.get(url).status_code == 404, url
    page = client.get("/reports/?start=2026-11-01&end=2026-11-30").get_data(as_text=True)
    assert "Live Trà Cổ" not in page and "Lan Streamer" not in page
    assert 'data-testid="club-filter"' not in page  # one club: nothing to pick
    lines = client.get("/reports/?start=2026-11-01&end=2026-11-30&format=csv&part=lines")
    assert lines.status_code == 200 and b"O1" not in lines.data
    home = client.get("/dashboard").get_data(as_text=True)
    assert "HTX Mật ong Hạ Long" in home and "HTX Nước mắm Trà Cổ" not in home
    assert "Người dùng seller1" not in home  # club 1's members
    auth.logout()

    auth.login(people.username(Role.ADMIN))
    picked = client.get(f"/reports/?club={people.club_id}&start=2026-11-01&end=2026-11-30")
    html = picked.get_data(as_text=True)
    assert picked.status_code == 200 and 'data-testid="club-filter"' in html
    assert "CLB Streamer Hạ Long" in html and "860.000 ₫" in html  # both clubs offered
    assert client.get("/reports/?club=987654").status_code == 404
    csv_lines = client.get(
        f"/reports/?club={people.club_id}&start=2026-11-01&end=2026-11-30&format=csv&part=lines"
    )
    rows = list(csv.reader(io.StringIO(csv_lines.data.decode("utf-8-sig"))))
    assert rows[0][1] == "Câu lạc bộ" and {r[1] for r in rows[1:]} == {"CLB Streamer Móng Cái"}

    hidden = runner.invoke(
        args=["reports", "session", str(seeded.session_id), "--as", other_club.coordinator]
    )
    assert hidden.exit_code == 3
    overview = runner.invoke(
        args=[
            "reports", "overview", "--from", "2026-11-01", "--to", "2026-11-30", "--json",
            "--as", other_club.coordinator,
        ]
    )  # fmt: skip
    assert overview.exit_code == 0 and json.loads(overview.output)["totals"]["gmv"] == 0
    elsewhere = runner.invoke(
        args=[
            "reports", "overview", "--from", "2026-11-01", "--to", "2026-11-30",
            "--club", str(people.club_id), "--as", other_club.coordinator,
        ]
    )  # fmt: skip
    assert elsewhere.exit_code == 3  # another club's id: not found
    picked = runner.invoke(
        args=[
            "reports", "overview", "--from", "2026-11-01", "--to", "2026-11-30",
            "--club", str(people.club_id), "--json",
        ]
    )  # fmt: skip
    assert json.loads(picked.output)["totals"]["gmv"] == 860_000
