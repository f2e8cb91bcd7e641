"""The Youth Union's view: its clubs compared per month, each club's dashboards, read-only and
without buyers' contact details. Figures: the hand counts in tests/support/reports.py
(``seed_union``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import flask
import flask.testing
import openpyxl
import pytest

from analytics import metrics
from app import extensions
from app.core import errors, permissions
from app.main import dashboard
from app.models import accounts, live
from app.reports import clubs as club_comparison
from app.reports import dashboards, loading, region
from tests import conftest
from tests.support import clubs as clubs_support
from tests.support import reports as seed

Role = accounts.Role
MONTHS = ("2026-10", "2026-11")
FIGURES = ("gmv", "net_gmv", "orders", "livestreams", "videos", "products_listed")

# seed_union's hand counts: club → month → figures; and over the period (with đang bán)


def _figures(*values: int) -> dict[str, int]:
    """FIGURES in order: gmv, net_gmv, orders, livestreams, videos, products_listed."""
    return dict(zip(FIGURES, values, strict=True))


CLUB_1 = {"2026-10": _figures(285_000, 95_000, 1, 1, 1, 1),
          "2026-11": _figures(955_000, 500_000, 4, 2, 2, 2)}  # fmt: skip
CLUB_2 = {"2026-10": _figures(250_000, 0, 0, 0, 0, 0),
          "2026-11": _figures(595_000, 345_000, 1, 1, 0, 1)}  # fmt: skip
CLUB_1_PERIOD = dict(gmv=1_240_000, net_gmv=595_000, orders=5, livestreams=3, videos=3,
                     products_listed=2, listed_now=1)  # fmt: skip
CLUB_2_PERIOD = dict(gmv=845_000, net_gmv=345_000, orders=1, livestreams=1, videos=0,
                     products_listed=1, listed_now=1)  # fmt: skip
TOTALS = dict(gmv=2_085_000, net_gmv=940_000, orders=6, livestreams=4, videos=3,
              products_listed=3, listed_now=2)  # fmt: skip
MONTH_TOTALS = {
    "2026-10": dict(gmv=535_000, net_gmv=95_000, orders=1, livestreams=1, videos=1,
                    products_listed=1),
    "2026-11": dict(gmv=1_550_000, net_gmv=845_000, orders=5, livestreams=3, videos=2,
                    products_listed=3),
}  # fmt: skip
CLUB_1_NAME, CLUB_2_NAME, CLUB_3_NAME = (
    "CLB Streamer Móng Cái",
    "CLB Streamer Hạ Long",
    "CLB Streamer Đà Lạt",
)


@pytest.fixture
def seeded(
    app: flask.Flask, people: conftest.People, other_club: clubs_support.OtherClub
) -> seed.UnionSeeded:
    return seed.seed_union(app, people, other_club.club_id, other_club.producer_id)


@pytest.fixture
def union_signed_in(auth: conftest.Auth, people: conftest.People, seeded: seed.UnionSeeded) -> None:
    """The seeded clubs, with the Youth Union's user signed in on the test client."""
    auth.login(people.username(Role.UNION))


def _user(username: str) -> accounts.User:
    return conftest.user_named(username)


def _union(people: conftest.People) -> accounts.User:
    return _user(people.username(Role.UNION))


def _month_last_day(month: str) -> dt.date:
    return dashboards.month_bounds(month)[1]


def _by_club(comparison: club_comparison.Comparison) -> dict[int, club_comparison.ClubRow]:
    return {row.club_id: row for row in comparison.clubs}


def test_comparison_equals_each_clubs_own_overview(
    app: flask.Flask, people: conftest.People, seeded: seed.UnionSeeded
) -> None:
    with app.app_context():
        db = extensions.db.session
        union = _union(people)
        comparison = club_comparison.compare_clubs(db, union, *MONTHS)
        assert comparison.months == list(MONTHS)
        rows = _by_club(comparison)
        assert set(rows) == {seeded.club_1, seeded.club_2}  # not the club in another province
        for club_id, expected, period in (
            (seeded.club_1, CLUB_1, CLUB_1_PERIOD),
            (seeded.club_2, CLUB_2, CLUB_2_PERIOD),
        ):
            row = rows[club_id]
            assert row.months == [expected[m] for m in MONTHS], row.name
            assert row.totals == period, row.name
        assert comparison.totals == TOTALS
        assert comparison.totals == {
            name: sum(row.totals[name] for row in comparison.clubs) for name in TOTALS
        }
        assert comparison.month_totals == [MONTH_TOTALS[m] for m in MONTHS]

        # what each club's own staff see on their overview, month by month
        staff = {seeded.club_1: people.username(Role.COORDINATOR), seeded.club_2: "coordinator2"}
        for club_id, username in staff.items():
            for index, month in enumerate(MONTHS):
                first = dt.date.fromisoformat(f"{month}-01")
                own = dashboards.club_overview(db, _user(username), first, _month_last_day(month))
                figures = rows[club_id].months[index]
                assert (own.totals["gmv"], own.totals["net_gmv"], own.totals["orders"]) == (
                    figures["gmv"],
                    figures["net_gmv"],
                    figures["orders"],
                ), (username, month)
                # and the Youth Union's view of that club's overview is the same
                seen = dashboards.club_overview(
                    db, union, first, _month_last_day(month), club_id=club_id
                )
                assert seen.totals == own.totals
        november = dashboards.club_overview(db, union, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
        assert november.totals["net_gmv"] == 845_000 and november.totals["orders"] == 5
        assert {r["label"]: r["net_gmv"] for r in november.tables[0].rows} == {
            CLUB_1_NAME: 500_000,
            CLUB_2_NAME: 345_000,
        }

        by_net = club_comparison.compare_clubs(db, union, *MONTHS, sort="net_gmv")
        by_name = club_comparison.compare_clubs(db, union, *MONTHS, sort="name")
        assert [r.name for r in by_net.clubs] == [CLUB_1_NAME, CLUB_2_NAME]
        assert [r.name for r in by_name.clubs] == [CLUB_2_NAME, CLUB_1_NAME]

        admin = club_comparison.compare_clubs(db, _user(people.username(Role.ADMIN)), *MONTHS)
        every = _by_club(admin)
        assert set(every) == {seeded.club_1, seeded.club_2, seeded.club_3}
        assert every[seeded.club_3].months[1]["gmv"] == 95_000
        assert admin.totals["gmv"] == TOTALS["gmv"] + 95_000
        assert admin.totals["livestreams"] == TOTALS["livestreams"] + 1

        for role in (Role.COORDINATOR, Role.SELLER, Role.PRODUCER):
            with pytest.raises(errors.Forbidden):
                club_comparison.compare_clubs(db, _user(people.username(role)), *MONTHS)


def test_month_range_defaults_and_limits(app: flask.Flask) -> None:
    today = dt.date(2026, 11, 29)
    with app.test_request_context():
        assert club_comparison.month_range(None, None, today) == (
            dt.date(2026, 6, 1),
            dt.date(2026, 11, 1),
        )
        assert club_comparison.month_range("2025-01", "2026-12", today)[0] == dt.date(2025, 1, 1)
        for first, last, field in (
            ("2024-12", "2026-12", "to"),  # 25 months
            ("2026-11", "2026-10", "to"),  # reversed
            ("2026-13", "2026-11", "from"),
            ("11/2026", None, "from"),
            ("2026-10", "2026-1", "to"),
        ):
            with pytest.raises(errors.ValidationError) as bad:
                club_comparison.month_range(first, last, today)
            assert field in bad.value.fields, (first, last)


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return json.dumps(
        [list(row) for sheet in book for row in sheet.iter_rows(values_only=True)],
        default=str,
        ensure_ascii=False,
    )


@pytest.mark.usefixtures("union_signed_in")
def test_page_downloads_api_and_cli_give_the_same_numbers(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    runner: flask.testing.FlaskCliRunner,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
    seeded: seed.UnionSeeded,
    tmp_path: Any,
) -> None:
    page = client.get("/reports/clubs?from=2026-10&to=2026-11")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert CLUB_1_NAME in html and CLUB_2_NAME in html and CLUB_3_NAME not in html
    assert "940.000 ₫" in html and "2.085.000 ₫" in html  # the total row
    assert (
        f"/reports/?club={seeded.club_1}&amp;start=2026-10-01&amp;end=2026-11-30" in html
    )  # each club links to its overview
    assert 'data-testid="chart-clubs"' in html
    by_net = client.get("/reports/clubs?from=2026-10&to=2026-11&sort=net_gmv").get_data(
        as_text=True
    )
    assert by_net.index(CLUB_1_NAME) < by_net.index(CLUB_2_NAME)
    assert html.index(CLUB_2_NAME) < html.index(CLUB_1_NAME)  # by name

    summary = _csv(client.get("/reports/clubs?from=2026-10&to=2026-11&format=csv&part=clubs"))
    assert summary[0][0] == "Câu lạc bộ" and len(summary) == 1 + 2 + 1
    keys = list(club_comparison.SUMMARY)
    csv_rows = {row[0]: dict(zip(keys, map(int, row[1:]), strict=True)) for row in summary[1:]}
    assert csv_rows == {
        CLUB_1_NAME: CLUB_1_PERIOD,
        CLUB_2_NAME: CLUB_2_PERIOD,
        "Tổng các CLB": TOTALS,
    }
    monthly = _csv(client.get("/reports/clubs?from=2026-10&to=2026-11&format=csv&part=months"))
    month_rows = {
        (row[0], row[1]): dict(zip(FIGURES, map(int, row[2:]), strict=True)) for row in monthly[1:]
    }
    for month in MONTHS:
        assert month_rows[(CLUB_1_NAME, month)] == CLUB_1[month]
        assert month_rows[(CLUB_2_NAME, month)] == CLUB_2[month]
        assert month_rows[("Tổng các CLB", month)] == MONTH_TOTALS[month]

    xlsx = client.get("/reports/clubs?from=2026-10&to=2026-11&format=xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    sheet_rows = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    xlsx_rows = {row[0]: dict(zip(keys, row[1:], strict=True)) for row in sheet_rows}
    assert xlsx_rows[CLUB_1_NAME] == CLUB_1_PERIOD and xlsx_rows["Tổng các CLB"] == TOTALS
    assert book.worksheets[0]["C3"].number_format.startswith("#,##0")  # money cells are numbers

    api = client.get(
        "/api/v1/union/clubs?from=2026-10&to=2026-11", headers=bearer[Role.UNION]
    ).get_json()
    assert api["from"] == "2026-10" and api["to"] == "2026-11" and api["months"] == list(MONTHS)
    assert api["totals"] == TOTALS
    api_clubs = {club["id"]: club for club in api["clubs"]}
    assert set(api_clubs) == {seeded.club_1, seeded.club_2}
    assert api_clubs[seeded.club_1]["totals"] == CLUB_1_PERIOD
    assert api_clubs[seeded.club_2]["months"] == [{"month": m, **CLUB_2[m]} for m in MONTHS]
    assert api["month_totals"] == [{"month": m, **MONTH_TOTALS[m]} for m in MONTHS]
    for query, field in (
        ("from=2026-13&to=2026-11", "from"),
        ("from=11-2026", "from"),
        ("from=2026-11&to=2026-10", "to"),
        ("from=2024-01&to=2026-11", "to"),
        ("sort=price", "sort"),
    ):
        bad = client.get(f"/api/v1/union/clubs?{query}", headers=bearer[Role.UNION])
        assert bad.status_code == 422, query
        assert field in bad.get_json()["error"]["fields"], query
    staff = app.test_client().get("/api/v1/union/clubs", headers=bearer[Role.COORDINATOR])
    assert staff.status_code == 403
    assert client.get("/reports/clubs?from=2026-11&to=2026-10").status_code == 422

    target = tmp_path / "so-sanh.xlsx"
    result = runner.invoke(
        args=[
            "reports",
            "clubs",
            "--as",
            people.username(Role.UNION),
            "--from",
            "2026-10",
            "--to",
            "2026-11",
            "--json",
            "--xlsx",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == api  # the CLI prints what the API returns
    cli_sheet = openpyxl.load_workbook(target).worksheets[0]
    assert cli_sheet["A3"].value == CLUB_2_NAME
    assert cli_sheet["C3"].value == CLUB_2_PERIOD["net_gmv"]
    text = runner.invoke(
        args=["reports", "clubs", "--as", people.username(Role.UNION), "--from", "2026-10",
              "--to", "2026-11"]
    )  # fmt: skip
    assert text.exit_code == 0 and "940.000 ₫" in text.output and CLUB_3_NAME not in text.output
    operator = runner.invoke(args=["reports", "clubs", "--from", "2026-10", "--to", "2026-11"])
    assert CLUB_3_NAME in operator.output  # the operator sees every club
    refused = runner.invoke(
        args=["reports", "clubs", "--as", people.username(Role.SELLER), "--from", "2026-10"]
    )
    assert refused.exit_code == 2
    reversed_months = runner.invoke(
        args=["reports", "clubs", "--from", "2026-11", "--to", "2026-1"]
    )
    assert reversed_months.exit_code == 2 and "to" in reversed_months.output


def test_a_unit_without_clubs_gets_an_empty_state(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    password_hash: str,
) -> None:
    with app.app_context():
        extensions.db.session.add(
            accounts.User(
                username="doan.camau",
                full_name="Đoàn Cà Mau",
                role=Role.UNION,
                union_province_code=96,
                password_hash=password_hash,
            )
        )
        extensions.db.session.commit()
    auth.login("doan.camau")
    page = client.get("/reports/clubs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="empty"' in html and "CLB Streamer Móng Cái" not in html
    data = client.get("/api/v1/union/clubs").get_json()
    assert data["clubs"] == [] and data["totals"]["gmv"] == 0 and len(data["months"]) == 6
    assert client.get("/dashboard").status_code == 200
    assert client.get(f"/reports/?club={people.club_id}").status_code == 404


def _responses_text(client: flask.testing.FlaskClient, urls: list[str]) -> str:
    """Every page and file at ``urls`` (each must answer 200) as one text."""
    parts = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.mimetype.endswith("spreadsheetml.sheet"):
            parts.append(_xlsx_text(response.data))
        else:
            parts.append(response.get_data(as_text=True))
    return "\n".join(parts)


@pytest.mark.usefixtures("union_signed_in")
def test_union_reads_its_clubs_only_and_never_a_buyer(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
    seeded: seed.UnionSeeded,
) -> None:
    stream = seeded.stream
    # another province's club: 404, never 403 (its existence is not confirmed)
    for url in (
        f"/reports/?club={seeded.club_3}",
        f"/reports/sessions/{seeded.session_3}",
        f"/reports/sessions/{seeded.session_3}?format=csv&part=lines",
        f"/reports/streamers/{seeded.streamer_3}",
        "/reports/?club=987654",
    ):
        assert client.get(url).status_code == 404, url

    period = "start=2026-10-01&end=2026-11-30"
    urls = ["/dashboard", f"/reports/?{period}", "/reports/clubs?from=2026-10&to=2026-11"]
    for club in (seeded.club_1, seeded.club_2):
        base = f"/reports/?club={club}&{period}"
        urls += [base, f"{base}&format=xlsx", f"{base}&format=csv&part=lines"]
    for part in ("summary", "lines", "club", "session", "product", "streamer", "platform"):
        urls.append(f"/reports/?{period}&format=csv&part={part}")
    for session_id in (stream.session_id, seeded.session_2):
        urls += [
            f"/reports/sessions/{session_id}",
            f"/reports/sessions/{session_id}?format=xlsx",
            f"/reports/sessions/{session_id}?format=csv&part=lines",
            f"/reports/sessions/{session_id}?format=csv&part=series",
        ]
    urls += [
        f"/reports/streamers/{stream.streamer_id}?{period}",
        f"/reports/streamers/{stream.streamer_id}?{period}&format=xlsx",
        f"/reports/producer?month=2026-11&producer_id={people.producer_id}",
        f"/reports/producer?month=2026-11&producer_id={people.producer_id}&format=xlsx",
        f"/reports/producer?month=2026-11&producer_id={people.producer_id}&format=csv&part=lines",
        "/reports/clubs?from=2026-10&to=2026-11&format=xlsx",
        "/reports/clubs?from=2026-10&to=2026-11&format=csv&part=months",
    ]
    seen = _responses_text(client, urls)
    seen += json.dumps(
        client.get(
            "/api/v1/union/clubs?from=2026-10&to=2026-11", headers=bearer[Role.UNION]
        ).get_json(),
        ensure_ascii=False,
    )
    assert "Live Trà Cổ" in seen and "O1" in seen and "HL-001" in seen  # the lines are there…
    for phone in seed.PHONES:
        assert phone not in seen, phone  # …but never a buyer's phone
    assert seed.BUYER_NAME not in seen and "tt_lan" not in seen  # nor a name or platform id
    assert CLUB_3_NAME not in seen and "DL-001" not in seen  # nor the other province's club
    # producer 1's lines sold by the club elsewhere stay out of the Youth Union's view
    with app.app_context():
        report = dashboards.producer_report(
            extensions.db.session, _union(people), people.producer_id, "2026-11"
        )
        assert report.totals["gmv"] == 475_000 + 95_000
        assert {line["club"] for line in report.lines} == {CLUB_1_NAME, CLUB_2_NAME}


def test_union_cannot_write_anywhere(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
    seeded: seed.UnionSeeded,
) -> None:
    """Every write endpoint, with real ids of the union's own clubs where it takes one: 403.
    (Its own account — password, language, API tokens — and its own jobs are its own.)"""
    own = {"account.manage_own", "jobs.view_own", permissions.PUBLIC}
    ids = {
        "session_id": seeded.stream.session_id,
        "streamer_id": seeded.stream.streamer_id,
        "product_id": seeded.stream.product_a,
        "producer_id": people.producer_id,
        "club_id": seeded.club_1,
    }
    auth.login(people.username(Role.UNION))
    api_client = app.test_client()
    tried = 0
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}
        if not methods or rule.endpoint == "static":
            continue
        if permissions.view_permission(app, rule.endpoint) in own:
            continue
        values = {name: ids.get(name, 1) for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        api = url.startswith("/api/")  # with its token, as a script would
        for method in sorted(methods):
            response = (api_client if api else client).open(
                url, method=method, json={}, headers=bearer[Role.UNION] if api else {}
            )
            assert response.status_code == 403, (method, url, response.status_code)
            tried += 1
    assert tried > 50
    with app.app_context():  # nothing changed
        stream = extensions.db.session.get(live.LiveSession, seeded.stream.session_id)
        assert stream is not None and stream.status == live.SessionStatus.ENDED


def test_producer_sees_its_lines_from_every_club(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    other_club: clubs_support.OtherClub,
    seeded: seed.UnionSeeded,
) -> None:
    with app.app_context():
        db = extensions.db.session
        report = dashboards.producer_report(
            db, _user(people.username(Role.PRODUCER)), None, "2026-11"
        )
        assert (report.totals["gmv"], report.totals["net_gmv"]) == (665_000, 570_000)
        assert report.totals["orders"] == 5
        by_club = next(t for t in report.tables if t.key == "club")
        assert {r["label"]: (r["gmv"], r["net_gmv"]) for r in by_club.rows} == {
            CLUB_1_NAME: (475_000, 380_000),
            CLUB_2_NAME: (95_000, 95_000),
            CLUB_3_NAME: (95_000, 95_000),
        }
        assert {(line["order"], line["club"]) for line in report.lines} == {
            ("O1", CLUB_1_NAME),
            ("O2", CLUB_1_NAME),
            ("O3", CLUB_1_NAME),
            ("O5", CLUB_1_NAME),
            ("HL-001", CLUB_2_NAME),
            ("DL-001", CLUB_3_NAME),
        }
        assert {line["product"] for line in report.lines} == {"Nước mắm Trà Cổ"}
        honey = dashboards.producer_report(db, _user(other_club.producer), None, "2026-11")
        assert (honey.totals["gmv"], honey.totals["net_gmv"]) == (500_000, 250_000)
        assert {line["club"] for line in honey.lines} == {CLUB_2_NAME}
        staff = dashboards.producer_report(
            db, _user(people.username(Role.COORDINATOR)), people.producer_id, "2026-11"
        )
        assert staff.totals["gmv"] == 475_000  # a club's staff: their club's lines only
        assert {line["club"] for line in staff.lines} == {CLUB_1_NAME}
        with pytest.raises(errors.NotFound):  # a producer club 2 does not work with
            dashboards.producer_report(
                db, _user("coordinator2"), people.other_producer_id, "2026-11"
            )

    auth.login(people.username(Role.PRODUCER))
    page = client.get("/reports/producer?month=2026-11")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="breakdown-club"' in html
    assert CLUB_1_NAME in html and CLUB_2_NAME in html and CLUB_3_NAME in html
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/reports/producer?month=2026-11&format=xlsx").data)
    )
    lines = list(book["Dòng đơn"].iter_rows(min_row=2, values_only=True))
    assert lines[0][1] == "Câu lạc bộ"
    assert {(row[3], row[1]) for row in lines[1:]} >= {
        ("HL-001", CLUB_2_NAME),
        ("DL-001", CLUB_3_NAME),
    }
    rows = _csv(client.get("/reports/producer?month=2026-11&format=csv&part=club"))
    assert {row[0]: int(row[2]) for row in rows[1:]} == {
        CLUB_1_NAME: 380_000,
        CLUB_2_NAME: 95_000,
        CLUB_3_NAME: 95_000,
    }
    assert client.get(f"/reports/sessions/{seeded.session_2}").status_code == 403


def test_union_dashboard_adds_up_its_clubs(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    seeded: seed.UnionSeeded,
) -> None:
    late_november = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)
    with app.app_context():
        db = extensions.db.session
        union = dashboard.summary(db, _union(people), now=lambda: late_november)
        own = [
            dashboard.summary(db, _user(name), now=lambda: late_november)["month_sales"]
            for name in (people.username(Role.COORDINATOR), "coordinator2")
        ]
        assert [o["net_gmv"] for o in own] == [500_000, 345_000]
        assert union["month_sales"]["net_gmv"] == 845_000 == sum(o["net_gmv"] for o in own)
        assert union["month_sales"]["orders"] == 5 == sum(o["orders"] for o in own)
        rows = {row.name: row.totals for row in union["comparison"].clubs}
        assert set(rows) == {CLUB_1_NAME, CLUB_2_NAME}
        assert sum(r["net_gmv"] for r in rows.values()) == union["month_sales"]["net_gmv"]
        coming = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        for club, title in (
            (seeded.club_2, "Live sắp tới Hạ Long"),
            (seeded.club_3, "Live Đà Lạt 2"),
        ):
            db.add(
                live.LiveSession(
                    club_id=club,
                    title=title,
                    platform="tiktok",
                    starts_at=coming,
                    ends_at=coming + dt.timedelta(hours=1),
                )
            )
        db.commit()
    auth.login(people.username(Role.UNION))
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tổng quan Đoàn" in html and 'data-testid="union-clubs"' in html
    assert f"/reports/?club={seeded.club_1}" in html and f"/reports/?club={seeded.club_2}" in html
    assert "Live sắp tới Hạ Long" in html and "Live Đà Lạt 2" not in html
    assert CLUB_3_NAME not in html
    assert 'href="/reports/clubs"' in html
    auth.logout()
    auth.login("coordinator2")
    other = client.get("/dashboard").get_data(as_text=True)
    assert "Live sắp tới Hạ Long" in other and "Live Trà Cổ" not in other
    assert "Người dùng seller1" not in other  # club 1's members are not club 2's


def _exact_buyers(db: Any, club_ids: list[int]) -> int:
    """Distinct buyers of the clubs over Oct–Nov 2026, counted on the lines (the analytics)."""
    selection = loading.Selection(
        club_ids=club_ids,
        start=dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC),
    )
    return int(metrics.summary(loading.load(db, selection).lines)["buyers"])


def test_region_views_read_the_aggregates_and_equal_the_lines(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    people: conftest.People,
    seeded: seed.UnionSeeded,
    bearer: dict[accounts.Role, dict[str, str]],
) -> None:
    with app.app_context():
        db = extensions.db.session
        union = _union(people)
        view = region.region_view(db, union, *MONTHS)
        assert view.level == "clubs" and view.pending == 0
        assert {int(row.key) for row in view.places} == {seeded.club_1, seeded.club_2}
        for name in ("gmv", "net_gmv", "orders"):
            assert view.totals[name] == TOTALS[name]
            assert [row.figures[name] for row in view.month_rows] == [
                MONTH_TOTALS[m][name] for m in MONTHS
            ]
        places = {int(row.key): row.figures for row in view.places}
        assert places[seeded.club_1]["net_gmv"] == CLUB_1_PERIOD["net_gmv"]
        assert places[seeded.club_2]["gmv"] == CLUB_2_PERIOD["gmv"]
        # a handful of buyers: the sketch's estimate is the exact count
        assert view.totals["buyers"] == _exact_buyers(db, [seeded.club_1, seeded.club_2])
        products = view.tables["product"]
        assert sum(row.figures["net_gmv"] or 0 for row in products) == TOTALS["net_gmv"]
        assert products == sorted(products, key=lambda r: -(r.figures["net_gmv"] or 0))
        stars = view.tables["ocop_stars"]
        assert sum(row.figures["gmv"] or 0 for row in stars) == TOTALS["gmv"]
        # the daily chart: every day of both months, adding up to the period's Net GMV
        assert len(view.days) == 31 + 30 and view.days[0][0] == dt.date(2026, 10, 1)
        assert sum(value for _day, value in view.days) == TOTALS["net_gmv"]

        admin = _user(people.username(Role.ADMIN))
        country = region.region_view(db, admin, *MONTHS)
        assert country.level == "country"
        assert country.totals["gmv"] == TOTALS["gmv"] + 95_000  # club 3, another province
        assert sum(row.figures["gmv"] or 0 for row in country.places) == country.totals["gmv"]
        everyone = [seeded.club_1, seeded.club_2, seeded.club_3]
        assert country.totals["buyers"] == _exact_buyers(db, everyone)
        province = region.region_view(db, admin, *MONTHS, province=22)
        assert province.totals == view.totals
        with pytest.raises(errors.NotFound):
            region.region_view(db, union, *MONTHS, province=1)  # not its unit's province
        with pytest.raises(errors.Forbidden):
            region.region_view(db, _user(people.username(Role.COORDINATOR)), *MONTHS)

    api = client.get(
        "/api/v1/union/region", query_string={"from": MONTHS[0], "to": MONTHS[1]},
        headers=bearer[Role.ADMIN],
    )  # fmt: skip
    assert api.status_code == 200, api.get_data(as_text=True)
    assert api.json["totals"]["gmv"] == TOTALS["gmv"] + 95_000
    assert api.json["level"] == "country" and api.json["pending_cells"] == 0
    bad = client.get(
        "/api/v1/union/region", query_string={"from": "2026-13"}, headers=bearer[Role.ADMIN]
    )
    assert bad.status_code == 422
    auth.login(people.username(Role.UNION))
    page = client.get("/reports/region", query_string={"from": MONTHS[0], "to": MONTHS[1]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert CLUB_1_NAME in html and CLUB_3_NAME not in html
    assert "Người mua (ước tính)" in html and 'data-testid="chart-days"' in html
    sheet = client.get(
        "/reports/region", query_string={"from": MONTHS[0], "to": MONTHS[1], "format": "csv"}
    )
    assert sheet.status_code == 200
    rows = _csv(sheet)
    assert rows[-1][0] == "Tổng cộng" and rows[-1][1] == str(TOTALS["gmv"])
    workbook = client.get(
        "/reports/region", query_string={"from": MONTHS[0], "to": MONTHS[1], "format": "xlsx"}
    )
    assert workbook.status_code == 200 and CLUB_1_NAME in _xlsx_text(workbook.data)
    assert client.get("/reports/region", query_string={"province": "1"}).status_code == 404


def test_a_many_club_overview_too_large_for_the_lines_goes_to_the_aggregates(
    seeded: seed.UnionSeeded,
    people: conftest.People,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
    app: flask.Flask,
) -> None:
    period = {"start": "2026-10-01", "end": "2026-11-30"}
    auth.login(people.username(Role.UNION))
    assert client.get("/reports/", query_string=period).status_code == 200  # a few lines: exact
    app.config["REPORT_RAW_LINES"] = 3
    moved = client.get("/reports/", query_string=period)
    assert moved.status_code == 302
    assert "/reports/region?from=2026-10&to=2026-11" in moved.headers["Location"]
    page = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert "dòng đơn của nhiều câu lạc bộ" in page and CLUB_1_NAME in page
    # one club picked, or a club's own staff: always the exact overview over its lines
    picked = client.get("/reports/", query_string={**period, "club": seeded.club_1})
    assert picked.status_code == 200
    auth.logout()
    auth.login(people.username(Role.COORDINATOR))
    assert client.get("/reports/", query_string=period).status_code == 200
