"""Hostile input across every page and API route, on SQLite and PostgreSQL: ids past the
database's range in URLs, absurd page numbers, years 1 and 9999 in query arguments, JSON nested
5,000 deep, too large or with numbers no parser should take, and a stored year-9999 timestamp
rendered through the formatters. Every answer is a 4xx with a message (or, for a page number on
a page, the clamped page), nothing is written, and no request answers 500.

The walks take their routes from the URL map, so a new route is covered without editing this
file. Each feature's own bounds (quantities, prices, dates in its forms) are tested with the
feature; here are the generic layers (app.routing, app.pagination, app.inputguard,
app.errors, app.formatting) and the neighbours of the cases the issue found."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import flask
import pytest
import sqlalchemy as sa
import werkzeug.routing

from app import extensions
from app.core import pagination
from app.http import inputguard, routing
from app.models import accounts, catalog, live, orders
from tests import conftest
from tests.support import reports as report_data

Role = accounts.Role

HUGE = ["9223372036854775808", "18446744073709551616"]  # 2**63, 2**64
BAD_IDS = [*HUGE, str(routing.MAX_ID + 1), "-1", "0", "9" * 5000, "١٢", "00000000001"]
BAD_DAYS = ["0001-01-01", "9999-12-31", "10000-01-01", "0000-00-00"]
BAD_MONTHS = ["0001-01", "9999-12"]
# Query arguments that pages and API lists read, by what they hold.
INT_ARGS = [
    "page",
    "per_page",
    "session_id",
    "streamer_id",
    "producer_id",
    "category_id",
    "province_code",
    "province",
    "club",
    "club_id",
    "product",
    "product_id",
    "asset",
    "stars",
    "scale",
    "days",
]
DAY_ARGS = ["date_from", "date_to", "start", "end", "week", "day", "from", "to"]
MONTH_ARGS = ["month", "from", "to"]
SKIPPED_PREFIXES = ("/static/", "/media/", "/auth/logout", "/lang/")


# --- helpers ----------------------------------------------------------------------------------


def _fill(rule: werkzeug.routing.Rule, ids: str = "1") -> str:
    """The rule's path with every id set to ``ids`` and any other part to a plain word."""

    def part(match: re.Match[str]) -> str:
        converter = rule._converters.get(match.group(2))
        return ids if isinstance(converter, routing.IdConverter) else "x"

    return re.sub(r"<(?:([a-z]+):)?(\w+)>", part, rule.rule)


def _rules(app: flask.Flask, method: str, *, with_ids: bool | None = None) -> list[Any]:
    found = []
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.rule.startswith(SKIPPED_PREFIXES):
            continue
        has_ids = any(isinstance(c, routing.IdConverter) for c in rule._converters.values())
        if with_ids is not None and has_ids is not with_ids:
            continue
        found.append(rule)
    return sorted(found, key=lambda r: r.rule)


def _headers(path: str, bearer: dict[Role, dict[str, str]]) -> dict[str, str]:
    return bearer[Role.ADMIN] if path.startswith("/api/") else {}


def _message(reply: Any) -> str:
    """The error message a reply carries (JSON error shape, or the HTML error page)."""
    if reply.is_json:
        body = reply.get_json()
        return str(body["error"]["message"])
    match = re.search(r'data-testid="error-message"[^>]*>([^<]+)<', reply.text)
    return match.group(1).strip() if match else reply.text


def _fingerprint(app: flask.Flask) -> dict[str, Any]:
    """Row counts of every table and the stock of every variant: what "nothing written" means."""
    with app.app_context():
        db = extensions.db.session
        counts = {
            name: db.scalar(sa.select(sa.func.count()).select_from(table))
            for name, table in extensions.db.metadata.tables.items()
            if name != "login_failures"
        }
        counts["stock"] = list(db.execute(sa.select(catalog.Variant.id, catalog.Variant.stock)))
        counts["order_status"] = list(db.execute(sa.select(orders.Order.id, orders.Order.status)))
        db.rollback()
        return counts


@pytest.fixture
def seeded(app: flask.Flask, people: conftest.People) -> report_data.Seeded:
    """A session with slots, products, a streamer and four orders, so lists have rows."""
    return report_data.seed_stream(app, people)


@pytest.fixture
def admin(client: flask.testing.FlaskClient, people: conftest.People) -> flask.testing.FlaskClient:
    conftest.Auth(client).login(people.username(Role.ADMIN))
    return client


def _last_resort(reply: Any) -> bool:
    """The safety net's answer (app.errors: ``value_out_of_range``): a value a feature should
    have checked reached the database or the calendar."""
    if reply.status_code != 422:
        return False
    if reply.is_json:
        return bool(reply.get_json()["error"]["code"] == "value_out_of_range")
    return "Có giá trị nằm ngoài phạm vi cho phép" in reply.text


class Tally:
    """Collects every answer; the test asserts none was a 500, nor the safety net's 422 (each
    feature checks its own input or degrades), and shows the ones that were."""

    def __init__(self) -> None:
        self.calls = 0
        self.server_errors: list[str] = []

    def check(self, label: str, reply: Any) -> Any:
        self.calls += 1
        if reply.status_code >= 500:
            self.server_errors.append(f"{reply.status_code} {label}")
        elif _last_resort(reply):
            self.server_errors.append(f"422 value_out_of_range {label}")
        return reply

    def assert_clean(self, minimum_calls: int) -> None:
        assert self.calls >= minimum_calls
        assert not self.server_errors, "\n".join(self.server_errors)


@pytest.fixture
def tally() -> Iterator[Tally]:
    yield Tally()


# --- ids in URLs ------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_ids_past_the_database_range_are_404_on_every_route(
    app: flask.Flask,
    admin: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    tally: Tally,
) -> None:
    """Every route with an id, every method, ids 2**63, 2**64, 2**31, -1, 0, 5,000 digits,
    Arabic-Indic digits: a 404 with a message, and nothing written."""
    before = _fingerprint(app)
    rules = [
        (rule, method)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        for rule in _rules(app, method, with_ids=True)
    ]
    assert len(rules) > 80
    for rule, method in rules:
        for value in BAD_IDS:
            path = _fill(rule, value)
            reply = tally.check(
                f"{method} {path[:80]}",
                admin.open(path, method=method, headers=_headers(path, bearer), json={}),
            )
            # 405 where another rule has the same path for other methods (werkzeug checks the
            # method before it converts the id)
            assert reply.status_code in (404, 405), (method, path[:80], reply.status_code)
            assert _message(reply)
    tally.assert_clean(len(rules) * len(BAD_IDS))
    assert _fingerprint(app) == before


def test_the_largest_id_is_routed_and_names_no_row(
    admin: flask.testing.FlaskClient, bearer: dict[Role, dict[str, str]], seeded: report_data.Seeded
) -> None:
    """The neighbour inside the range: 2**31 - 1 reaches the view, which finds nothing."""
    for path in ("/orders/{}", "/live/sessions/{}", "/api/v1/orders/{}", "/api/v1/products/{}"):
        reply = admin.get(path.format(routing.MAX_ID), headers=_headers(path, bearer))
        assert reply.status_code == 404, path
    assert admin.get(f"/live/sessions/{seeded.session_id}").status_code == 200


# --- page numbers and query arguments ---------------------------------------------------------


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("value", [*HUGE, "-1", "0", "abc", "9" * 5000, "1.5"])
def test_page_numbers_on_pages_are_clamped(admin: flask.testing.FlaskClient, value: str) -> None:
    """Pages are forgiving: a page number that is not one is page 1, a huge one the last
    possible page (empty). Never a 500."""
    for path in ("/orders/", "/catalog/products", "/producers/", "/jobs/", "/admin/users"):
        reply = admin.get(path, query_string={"page": value})
        assert reply.status_code == 200, (path, value)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("value", [*HUGE, "-1", "0", "abc", "100001", "9" * 5000])
def test_page_numbers_past_the_bounds_are_a_422_on_the_api(
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    value: str,
) -> None:
    for path in ("/api/v1/orders", "/api/v1/products", "/api/v1/live/sessions", "/api/v1/users"):
        reply = client.get(path, query_string={"page": value}, headers=bearer[Role.ADMIN])
        assert reply.status_code == 422, (path, value)
        error = reply.get_json()["error"]
        assert error["code"] == "validation_error"
        assert error["fields"]["page"], error
    last = client.get(
        "/api/v1/orders", query_string={"page": pagination.MAX_PAGE}, headers=bearer[Role.ADMIN]
    )
    assert last.status_code == 200
    assert last.get_json()["items"] == []


@pytest.mark.usefixtures("seeded")
def test_hostile_query_arguments_never_answer_500(
    app: flask.Flask,
    admin: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    tally: Tally,
) -> None:
    """Every list page and API list, each hostile value in every argument at once, then each
    argument alone with the values of its kind (ids 2**63, days in years 1 and 9999, months
    0001-01 and 9999-12). 4xx (API) or a page that ignores the filter; never a 500."""
    rules = _rules(app, "GET", with_ids=False)
    for rule in rules:  # once plainly: some pages make a row on first view (a calendar link)
        path = _fill(rule)
        tally.check(f"GET {path}", admin.get(path, headers=_headers(path, bearer)))
    before = _fingerprint(app)
    every = sorted({*INT_ARGS, *DAY_ARGS, *MONTH_ARGS})
    for rule in rules:
        path = _fill(rule)
        headers = _headers(path, bearer)
        for value in [*HUGE, "-1", "abc", *BAD_DAYS, *BAD_MONTHS, "9" * 5000]:
            reply = admin.get(path, query_string=dict.fromkeys(every, value), headers=headers)
            tally.check(f"GET {path} all={value[:20]}", reply)
        for names, values in (
            (INT_ARGS, [HUGE[0]]),
            (DAY_ARGS, ["0001-01-01", "9999-12-31"]),
            (MONTH_ARGS, BAD_MONTHS),
        ):
            for name in names:
                for value in values:
                    reply = admin.get(path, query_string={name: value}, headers=headers)
                    tally.check(f"GET {path}?{name}={value}", reply)
                    if reply.status_code >= 400 and reply.status_code != 404:
                        assert _message(reply), (path, name, value)
    tally.assert_clean(len(rules) * 30)
    assert _fingerprint(app) == before


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("path", "args"),
    [
        ("/api/v1/orders", {"date_from": "0001-01-01"}),
        ("/api/v1/orders", {"date_to": "9999-12-31"}),
        ("/api/v1/live/sessions", {"start": "0001-01-01T00:00:00"}),
        ("/api/v1/live/sessions", {"end": "9999-12-31T23:59:59"}),
        ("/api/v1/orders", {"session_id": HUGE[0]}),
        ("/api/v1/products", {"category_id": HUGE[1]}),
    ],
)
def test_out_of_range_api_filters_are_a_422_with_a_message(
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    path: str,
    args: dict[str, str],
) -> None:
    reply = client.get(path, query_string=args, headers=bearer[Role.ADMIN])
    assert reply.status_code == 422
    error = reply.get_json()["error"]
    assert error["message"]
    assert error["code"] in ("validation_error", "value_out_of_range")


# --- JSON bodies ------------------------------------------------------------------------------


def _nested(depth: int) -> bytes:
    return b'{"name": "x", "extra": ' + b"[" * depth + b"1" + b"]" * depth + b"}"


def test_json_nested_5000_deep_is_refused_on_every_route(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    seeded: report_data.Seeded,
    tally: Tally,
) -> None:
    """Before any parser recurses (Python's would raise RecursionError, a 500): a 400 with a
    message, on every route that takes a body, signed in or not."""
    before = _fingerprint(app)
    deep = b"[" * 5000 + b"]" * 5000
    objects = b'{"a":' * 5000 + b"1" + b"}" * 5000
    count = 0
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for rule in _rules(app, method):
            path = _fill(rule, str(seeded.session_id))
            for body in (deep, objects):
                for headers in (bearer[Role.ADMIN], {}):
                    reply = tally.check(
                        f"{method} {path}",
                        client.open(
                            path,
                            method=method,
                            data=body,
                            headers={**headers, "Content-Type": "application/json"},
                        ),
                    )
                    count += 1
                    assert reply.status_code == 400, (method, path, reply.status_code)
                    assert "lồng quá sâu" in _message(reply)
                    if path.startswith("/api/"):
                        assert reply.get_json()["error"]["code"] == "json_too_complex"
    tally.assert_clean(count)
    assert count > 100
    assert _fingerprint(app) == before


def test_json_depth_limit_and_its_neighbours(
    client: flask.testing.FlaskClient, bearer: dict[Role, dict[str, str]]
) -> None:
    admin = {**bearer[Role.ADMIN], "Content-Type": "application/json"}
    limit = inputguard.MAX_JSON_DEPTH
    # The object itself is one level and the list one more: "extra" at depth - 1 reaches it.
    at_limit = client.post("/api/v1/tokens", data=_nested(limit - 1), headers=admin)
    assert at_limit.status_code != 400 or "lồng" not in _message(at_limit)
    assert at_limit.status_code < 500
    past = client.post("/api/v1/tokens", data=_nested(limit), headers=admin)
    assert past.status_code == 400
    assert past.get_json()["error"]["code"] == "json_too_complex"
    # Brackets inside strings do not nest.
    quoted = json.dumps({"name": "[" * 5000 + '\\"{' * 100}).encode()
    reply = client.post("/api/v1/tokens", data=quoted, headers=admin)
    assert reply.status_code in (201, 422), reply.get_data(as_text=True)[:200]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"name": "x", "n": NaN}', 400, "invalid_json"),
        (b'{"name": "x", "n": Infinity}', 400, "invalid_json"),
        (b'{"name": "x", "n": 1e999}', 400, "invalid_json"),
        (b'{"name": "x", "n": ' + b"9" * 5000 + b"}", 400, "invalid_json"),
        (b'{"name": "x", "n": ' + b"9" * 31 + b"}", 400, "invalid_json"),
        (b'{"name": "x"', 400, "invalid_json"),
        (b'{"name": "\xff\xfe"}', 400, "invalid_json"),
        # UTF-16: U+225B is the bytes of '[' and '"'; only UTF-8 is read, so no byte hides a
        # bracket from the depth count
        ('{"name": "≛≛≛"}'.encode("utf-16-le"), 400, "invalid_json"),
        (b'{"items": [' + b"0," * inputguard.MAX_JSON_VALUES + b"0]}", 400, "json_too_complex"),
        (b'{"name": "' + b"x" * (inputguard.MAX_JSON_BYTES + 1) + b'"}', 413, "payload_too_large"),
    ],
    ids=[
        "nan",
        "infinity",
        "1e999",
        "5000-digits",
        "31-digits",
        "cut",
        "bytes",
        "utf-16",
        "values",
        "size",
    ],
)
def test_json_bodies_no_parser_should_take(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    body: bytes,
    status: int,
    code: str,
) -> None:
    before = _fingerprint(app)
    headers = {**bearer[Role.ADMIN], "Content-Type": "application/json"}
    reply = client.post("/api/v1/tokens", data=body, headers=headers)
    assert reply.status_code == status
    error = reply.get_json()["error"]
    assert error["message"]
    assert error["code"] == code
    assert _fingerprint(app) == before


def test_form_bodies_past_their_limits_are_a_413(
    app: flask.Flask, client: flask.testing.FlaskClient, people: conftest.People
) -> None:
    """A urlencoded form past MAX_URLENCODED_BYTES (werkzeug would read it whole), and a
    multipart text field past Flask's MAX_FORM_MEMORY_SIZE; the neighbour below passes."""
    before = _fingerprint(app)
    size = inputguard.MAX_URLENCODED_BYTES
    big = client.post("/auth/login", data={"username": "a" * size, "password": "x"})
    assert big.status_code == 413
    assert "quá lớn" in _message(big)
    # The multipart body is built here: the test client's own would spill to a temporary file
    # it does not close when the request is refused.
    boundary = "hostile"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="username"\r\n\r\n'
        f"{'a' * 600_000}\r\n--{boundary}--\r\n"
    ).encode()
    field = client.post(
        "/auth/login",
        data=multipart,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert field.status_code == 413
    assert "quá lớn" in _message(field)
    below = client.post("/auth/login", data={"username": "a" * 400_000, "password": "x"})
    assert below.status_code < 413
    assert _fingerprint(app) == before


# --- the safety net ---------------------------------------------------------------------------


@pytest.fixture
def net_routes(app: flask.Flask, people: conftest.People) -> flask.Flask:
    """Routes that make the database or the calendar refuse a value after writing a row, as a
    feature that missed a check would: the net must answer 422 and roll the write back."""

    def write_then(fail: Any) -> Any:
        db = extensions.db.session
        user = db.scalar(sa.select(accounts.User).where(accounts.User.username == "admin1"))
        assert user is not None
        user.full_name = "Đã ghi dở"
        db.add(orgs_club())
        db.flush()
        fail(db)
        db.commit()
        return "written"

    def orgs_club() -> Any:
        from app.models import orgs

        return orgs.Club(name="CLB ghi dở", province="Quảng Ninh", province_code=22)

    def overflow_column(db: Any) -> None:
        variant = db.scalar(sa.select(catalog.Variant).limit(1))
        if variant is None:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        variant.stock = 2**64
        db.flush()

    def overflow_sum(db: Any) -> None:
        if db.get_bind().dialect.name == "sqlite":
            db.execute(
                sa.text("SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)")
            )
        else:
            db.execute(sa.text("SELECT CAST(9223372036854775807 AS bigint) + 1"))

    def calendar(db: Any) -> None:
        dt.date(1, 1, 1) - dt.timedelta(days=1)

    def year_zero(db: Any) -> None:
        dt.date(1, 1, 1).replace(year=0)

    def bug(db: Any) -> None:
        raise ValueError("a plain bug")

    for name, fail in (
        ("column", overflow_column),
        ("sum", overflow_sum),
        ("calendar", calendar),
        ("year", year_zero),
        ("bug", bug),
    ):
        app.add_url_rule(
            f"/api/v1/_net/{name}",
            f"net_{name}",
            lambda fail=fail: write_then(fail),
            methods=["POST"],
        )
        app.add_url_rule(
            f"/_net/{name}",
            f"net_page_{name}",
            lambda fail=fail: write_then(fail),
            methods=["POST"],
        )
    return app


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("name", ["column", "sum", "calendar", "year"])
def test_values_the_database_or_calendar_refuse_are_a_422_and_rolled_back(
    net_routes: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    name: str,
) -> None:
    before = _fingerprint(net_routes)
    reply = client.post(f"/api/v1/_net/{name}")
    assert reply.status_code == 422
    error = reply.get_json()["error"]
    assert error["code"] == "value_out_of_range"
    assert "ngoài phạm vi" in error["message"]
    assert _fingerprint(net_routes) == before
    with net_routes.app_context():
        assert conftest.user_named("admin1").full_name != "Đã ghi dở"
    auth.login("admin1")
    page = client.post(f"/_net/{name}")
    assert page.status_code == 422
    assert "ngoài phạm vi" in page.text
    assert _fingerprint(net_routes) == before


def test_other_errors_stay_500(net_routes: flask.Flask, client: flask.testing.FlaskClient) -> None:
    """The net catches values out of range only: a bug is still reported as one."""
    reply = client.post("/api/v1/_net/bug")
    assert reply.status_code == 500
    assert reply.get_json()["error"]["code"] == "internal_error"


# --- stored values at the calendar's edge -----------------------------------------------------


EDGE = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)  # past year 9999 in UTC+7


@pytest.fixture
def edge_rows(app: flask.Flask, seeded: report_data.Seeded) -> dict[str, int]:
    """An order placed, and a session held, at 9999-12-31 23:00 UTC: stored by an old bug or a
    restore; no page may fall over for it."""
    with app.app_context():
        db = extensions.db.session
        stream = db.get(live.LiveSession, seeded.session_id)
        assert stream is not None
        order = db.scalar(sa.select(orders.Order).where(orders.Order.external_id == "O1"))
        assert order is not None
        order.placed_at = EDGE
        edge_stream = live.LiveSession(
            club_id=stream.club_id,
            title="Phiên cuối lịch",
            platform="tiktok",
            starts_at=EDGE - dt.timedelta(minutes=30),
            ends_at=EDGE + dt.timedelta(minutes=59),
            hosts=list(stream.hosts),
        )
        db.add(edge_stream)
        db.commit()
        return {"order": order.id, "session": edge_stream.id, "streamer": seeded.streamer_id}


def test_a_stored_year_9999_time_renders_everywhere(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    bearer: dict[Role, dict[str, str]],
    people: conftest.People,
    edge_rows: dict[str, int],
    tally: Tally,
) -> None:
    """Every page and API read without ids, and those of the edge order and session, for each
    role: no 500 (the issue's first find: /orders/ answered 500 for everyone)."""
    count = 0
    for role in (Role.ADMIN, Role.COORDINATOR, Role.SELLER, Role.PRODUCER):
        auth.login(people.username(role))
        paths = [_fill(rule) for rule in _rules(app, "GET", with_ids=False)]
        paths += [
            f"/orders/{edge_rows['order']}",
            "/orders/?format=csv",
            "/orders/?format=xlsx",
            f"/live/sessions/{edge_rows['session']}",
            f"/live/sessions/{edge_rows['session']}/print",
            f"/live/sessions/{edge_rows['session']}/session.ics",
            f"/live/streamers/{edge_rows['streamer']}/schedule",
            "/live/?week=9999-12-27",
            f"/reports/sessions/{edge_rows['session']}",
            f"/api/v1/orders/{edge_rows['order']}",
            f"/api/v1/live/sessions/{edge_rows['session']}",
        ]
        for path in paths:
            headers = {"Authorization": bearer[role]["Authorization"]} if "/api/" in path else {}
            tally.check(f"{role.value} GET {path}", client.get(path, headers=headers))
            count += 1
        auth.logout()
    tally.assert_clean(count)
    auth.login(people.username(Role.ADMIN))
    listing = client.get("/orders/")
    assert listing.status_code == 200
    assert "01/01/10000 06:00" in listing.text  # the Vietnam wall time, never "UTC"


# --- features' own bounds: what the walks found reaching the safety net -----------------------
# Each answers with its own field error, 404 or degraded page: never ``value_out_of_range``.

BEYOND = str(2**63)
MONTHS_MESSAGE = "01/2000 – 12/2100"


def _field_error(reply: Any, field: str) -> list[str]:
    """The messages of ``field`` (or of its items: ``producer_ids.0``) in a 422 API reply."""
    assert reply.status_code == 422, reply.get_data(as_text=True)[:300]
    error = reply.get_json()["error"]
    assert error["code"] == "validation_error", error
    found = [m for name, ms in error["fields"].items() if name.split(".")[0] == field for m in ms]
    assert found, error
    return found


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("value", BAD_MONTHS)
@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize(
    ("api_url", "page_url"),
    [("/api/v1/union/clubs", "/reports/clubs"), ("/api/v1/union/region", "/reports/region")],
)
def test_union_months_outside_the_business_dates_are_a_field_error(
    admin: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    name: str,
    value: str,
    api_url: str,
    page_url: str,
) -> None:
    api = admin.get(api_url, query_string={name: value}, headers=bearer[Role.ADMIN])
    assert MONTHS_MESSAGE in _field_error(api, name)[0]
    page = admin.get(page_url, query_string={name: value})
    assert page.status_code == 422
    assert MONTHS_MESSAGE in _message(page)
    assert not _last_resort(page)
    # the neighbours inside the range
    for first, last in (("2000-01", "2000-06"), ("2100-07", "2100-12")):
        args = {"from": first, "to": last}
        inside = admin.get(api_url, query_string=args, headers=bearer[Role.ADMIN])
        assert inside.status_code == 200
        months = inside.get_json()["months"]
        assert (months[0] if isinstance(months[0], str) else months[0]["key"]) == first
        assert admin.get(page_url, query_string=args).status_code == 200


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("value", BAD_MONTHS)
def test_a_producer_month_outside_the_business_dates_is_a_form_error(
    admin: flask.testing.FlaskClient,
    people: conftest.People,
    value: str,
) -> None:
    args = {"month": value, "producer_id": people.producer_id}
    page = admin.get("/reports/producer", query_string=args)
    assert page.status_code == 422
    assert MONTHS_MESSAGE in _message(page)
    xlsx = admin.get("/reports/producer", query_string={**args, "format": "xlsx"})
    assert xlsx.status_code == 422
    for month in ("2000-01", "2100-12"):
        inside = admin.get("/reports/producer", query_string={**args, "month": month})
        assert inside.status_code == 200, month


def test_report_days_outside_the_business_dates_and_unicode_digits(
    admin: flask.testing.FlaskClient, seeded: report_data.Seeded
) -> None:
    """Days near year 9999 on a report period (a day added past the calendar before), and an
    id in digits ``int()`` refuses ('²' passes ``str.isdigit``)."""
    for args in (
        {"start": "9999-12-01", "end": "9999-12-31"},
        {"start": "0001-01-01", "end": "0001-01-31"},
    ):
        reply = admin.get("/reports/", query_string=args)
        assert reply.status_code == 422
        assert "01/01/2000 – 31/12/2100" in _message(reply)
    for name in ("club", "minutes"):
        path = "/reports/" if name == "club" else f"/reports/sessions/{seeded.session_id}"
        reply = admin.get(path, query_string={name: "²"})
        assert reply.status_code == 422, name
        assert "Giá trị không hợp lệ" in _message(reply)
    inside = admin.get("/reports/", query_string={"start": "2100-12-01", "end": "2100-12-31"})
    assert inside.status_code == 200


def test_report_cli_refuses_months_and_days_outside_the_business_dates(
    runner: flask.testing.FlaskCliRunner, people: conftest.People, seeded: report_data.Seeded
) -> None:
    producer, streamer = str(people.producer_id), str(seeded.streamer_id)
    cases = [
        (["reports", "clubs", "--from", "0001-01"], "from"),
        (["reports", "clubs", "--to", "9999-12"], "to"),
        (["reports", "producer", producer, "--month", "9999-12"], "month"),
        (["reports", "producer", producer, "--month", "0001-01"], "month"),
        (["reports", "overview", "--from", "9999-12-01", "--to", "9999-12-31"], "--from"),
        (["reports", "streamer", streamer, "--from", "2026-11-01", "--to", "0001-01-01"], "--to"),
    ]
    for args, field in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 2, (args, result.output)
        assert field in result.output and "2100" in result.output, result.output
        assert "Traceback" not in result.output
    inside = runner.invoke(args=["reports", "clubs", "--from", "2100-07", "--to", "2100-12"])
    assert inside.exit_code == 0, inside.output


def test_a_session_stored_past_the_analytics_range_reports_without_viewer_figures(
    admin: flask.testing.FlaskClient,
    runner: flask.testing.FlaskCliRunner,
    edge_rows: dict[str, int],
    seeded: report_data.Seeded,
) -> None:
    """A session held at 9999-12-31 (restored from an old bug): its report answers 200 with
    its sales, no viewer figures and no time buckets, and says why; downloads and the CLI too.
    The session beside it (holding the order placed at 9999) is reported in full."""
    path = f"/reports/sessions/{edge_rows['session']}"
    page = admin.get(path)
    assert page.status_code == 200
    assert 'data-testid="report-note"' in page.text
    assert "1677–2262" in page.text
    assert 'data-testid="timeseries-empty"' in page.text
    for fmt in ("xlsx", "csv"):
        assert admin.get(path, query_string={"format": fmt}).status_code == 200, fmt
    result = runner.invoke(args=["reports", "session", str(edge_rows["session"]), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["notes"] and "1677–2262" in figures["notes"][0]
    assert figures["totals"]["peak_concurrent_viewers"] is None
    assert figures["totals"]["total_watch_minutes"] is None
    assert figures["series"]["buckets"] == []
    beside = admin.get(f"/reports/sessions/{seeded.session_id}")
    assert beside.status_code == 200
    assert 'data-testid="report-note"' not in beside.text
    assert 'data-testid="chart-timeseries"' in beside.text
    full = runner.invoke(args=["reports", "session", str(seeded.session_id), "--json"])
    assert json.loads(full.output)["totals"]["peak_concurrent_viewers"] is not None


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("value", [BEYOND, str(routing.MAX_ID + 1), "abc", "-1"])
def test_studio_ids_no_row_can_have_are_not_found(
    admin: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    value: str,
) -> None:
    before_page = admin.get("/studio/")
    assert before_page.status_code == 200
    for path, name, message in (
        ("/studio/", "product", "Không tìm thấy sản phẩm."),
        ("/studio/videos/new", "product", "Không tìm thấy sản phẩm."),
        ("/studio/videos/new", "asset", "Không tìm thấy tệp media."),
    ):
        reply = admin.get(path, query_string={name: value})
        assert reply.status_code == 404, (path, name)
        assert _message(reply) == message
    api = admin.get(
        "/api/v1/studio/videos", query_string={"product_id": value}, headers=bearer[Role.ADMIN]
    )
    assert _field_error(api, "product_id")


@pytest.mark.usefixtures("seeded")
def test_studio_bodies_with_ids_past_the_range_are_field_errors(
    app: flask.Flask,
    admin: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
) -> None:
    before = _fingerprint(app)
    headers = bearer[Role.ADMIN]
    recipe = {"version": 1, "profile": "tiktok", "clips": [{"kind": "video", "asset": BEYOND}]}
    created = admin.post(
        "/api/v1/studio/videos",
        json={"title": "Video", "product_id": 2**63, "recipe": recipe},
        headers=headers,
    )
    assert _field_error(created, "product_id")
    unknown_asset = admin.post(
        "/api/v1/studio/videos", json={"title": "Video", "recipe": recipe}, headers=headers
    )
    assert unknown_asset.status_code == 422
    assert unknown_asset.get_json()["error"]["code"] == "validation_error"
    assert any(name.startswith("clips") for name in unknown_asset.get_json()["error"]["fields"])
    form = admin.post("/studio/videos/new", data={"title": "Video", "product_id": BEYOND})
    assert form.status_code == 422
    assert "Không tìm thấy sản phẩm." in form.text
    assert not _last_resort(form)
    assert _fingerprint(app) == before


def test_a_province_filter_past_the_range_is_ignored_or_a_field_error(
    admin: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    people: conftest.People,
) -> None:
    every = admin.get("/producers/")
    assert every.status_code == 200 and "HTX Nước mắm Trà Cổ" in every.text
    page = admin.get("/producers/", query_string={"province_code": BEYOND})
    assert page.status_code == 200
    assert "HTX Nước mắm Trà Cổ" in page.text  # the filter is ignored
    api = admin.get(
        "/api/v1/producers", query_string={"province_code": BEYOND}, headers=bearer[Role.ADMIN]
    )
    assert _field_error(api, "province_code")


def test_club_ids_and_codes_past_the_range_are_field_errors(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    bearer: dict[Role, dict[str, str]],
    people: conftest.People,
) -> None:
    headers = bearer[Role.ADMIN]
    club = f"/api/v1/clubs/{people.club_id}"
    new = {"name": "CLB Hạ Long", "province_code": 22}
    cases = [
        ("POST", "/api/v1/clubs", {**new, "producer_ids": [2**63]}, "producer_ids"),
        ("POST", "/api/v1/clubs", {**new, "producer_ids": [routing.MAX_ID + 1]}, "producer_ids"),
        ("POST", "/api/v1/clubs", {**new, "province_code": 2**63}, "province_code"),
        ("POST", "/api/v1/clubs", {**new, "commune_code": 2**63}, "commune_code"),
        ("POST", "/api/v1/clubs", {**new, "producer_ids": list(range(1, 502))}, "producer_ids"),
        ("PATCH", club, {"province_code": 2**63}, "province_code"),
        ("PATCH", club, {"commune_code": 2**64}, "commune_code"),
        ("PUT", f"{club}/producers", {"producer_ids": [2**63]}, "producer_ids"),
        ("PUT", f"{club}/producers", {"producer_ids": list(range(1, 502))}, "producer_ids"),
    ]
    before = _fingerprint(app)
    for method, path, body, field in cases:
        reply = client.open(path, method=method, json=body, headers=headers)
        assert _field_error(reply, field), (method, path, field)
    assert _fingerprint(app) == before
    # the neighbours: the largest id names no producer (a field error all the same), a real one
    # is linked
    missing = client.put(
        f"{club}/producers", json={"producer_ids": [routing.MAX_ID]}, headers=headers
    )
    assert "Không tìm thấy chủ thể" in _field_error(missing, "producer_ids")[0]
    linked = client.put(
        f"{club}/producers", json={"producer_ids": [people.producer_id]}, headers=headers
    )
    assert linked.status_code == 200
    assert [p["id"] for p in linked.get_json()["producers"]] == [people.producer_id]
