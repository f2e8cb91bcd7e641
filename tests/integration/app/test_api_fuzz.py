"""The API fuzzed against its own OpenAPI document (schemathesis): for every operation, valid
and invalid requests alike, no 5xx, every status code documented and every response body
matching its schema. On SQLite and PostgreSQL (whose 32-bit integer ids overflow where
SQLite's do not).

Three passes:

- random valid and invalid requests to every operation (``_fuzz``), as the admin and as the
  role with the least rights;
- schemathesis' coverage phase on the order, livestream and club endpoints: the boundary values
  of every documented bound (minimum, maximum and one past each, empty and over-long strings
  and lists, missing required fields, wrong types);
- hostile values the bounds exist for, on valid requests to the same endpoints: every integer
  in the body or query set to 2**31, 2**63, 2**64, -2**63 - 1 and -1, every day to years 1 and
  9999, every time to the calendar's ends. Each must be a documented 4xx, never a 500.

Data generation is derandomised, so a run is repeatable; a new operation in the document is
fuzzed without editing this test."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import flask
import hypothesis
import pytest
import schemathesis
import sqlalchemy as sa
from schemathesis import checks as st_checks
from schemathesis.generation import GenerationMode

from app import extensions
from app.http import routing
from app.models import accounts, live, orders
from tests import conftest
from tests.support import reports as report_data

Role = accounts.Role
EXAMPLES = 25
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    st_checks.response_headers_conformance,
]
# The areas issue 16 found 500s in, and the clubs endpoints added since.
BOUNDED_AREAS = ("/api/v1/orders", "/api/v1/live", "/api/v1/clubs")
HOSTILE_INTS = [2**31, 2**63, 2**64, -(2**63) - 1, -1]
HOSTILE_DAYS = ["0001-01-01", "9999-12-31"]
HOSTILE_TIMES = [
    "0001-01-01T00:00:00",  # Vietnam time: before year 1 in UTC
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59",
    "9999-12-31T23:00:00+00:00",  # past year 9999 in Vietnam time
]
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{5,8}.*")


def _fuzz(app: flask.Flask, headers: dict[str, str]) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(operation.as_strategy(GenerationMode.NEGATIVE) | operation.as_strategy())
        def run(case: Any) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except BaseException as exc:  # schemathesis raises exception groups
            failures.append(f"{operation.label}: {exc}")
    return calls, failures


@pytest.mark.parametrize(
    ("db_url", "role"),
    [("sqlite", Role.ADMIN), ("postgresql", Role.ADMIN), ("postgresql", Role.PRODUCER)],
    indirect=["db_url"],
)
def test_fuzz_api(
    app: flask.Flask,
    people: conftest.People,
    categories: dict[str, int],
    bearer: dict[Role, dict[str, str]],
    role: Role,
) -> None:
    """As an admin, and as the producer, the role with the least rights: refusals must be
    documented answers too."""
    calls, failures = _fuzz(app, bearer[role])
    assert calls > 40 * EXAMPLES  # every operation was exercised
    assert not failures, "\n\n".join(failures)


# --- boundary values on the order, livestream and club endpoints --------------------------------


class Seeds:
    """Ids of real rows, so requests get past "not found" to the code that reads the values."""

    def __init__(self, app: flask.Flask, people: conftest.People, stream: Any) -> None:
        with app.app_context():
            db = extensions.db.session
            self.session_id: int = stream.session_id
            self.streamer_id: int = stream.streamer_id
            self.product_id: int = stream.product_a
            self.slot_ids = list(
                db.scalars(
                    sa.select(live.LiveSlot.id)
                    .where(live.LiveSlot.session_id == stream.session_id)
                    .order_by(live.LiveSlot.position)
                )
            )
            self.order_id = db.scalar(sa.select(sa.func.min(orders.Order.id)))
            self.seller_id = conftest.user_named(people.username(Role.SELLER)).id
            self.club_id = people.club_id
            self.producer_ids = [people.producer_id, people.other_producer_id]

    def path_parameters(self) -> dict[str, int]:
        return {
            "session_id": self.session_id,
            "streamer_id": self.streamer_id,
            "slot_id": self.slot_ids[0],
            "order_id": self.order_id,
            "club_id": self.club_id,
        }

    def bodies(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """A valid body for each write, to be spoiled one value at a time."""
        live_path = "/api/v1/live/sessions/{session_id}"
        return {
            ("POST", "/api/v1/orders"): [
                {
                    "session_id": self.session_id,
                    "placed_at": "2026-11-20T20:30:00",
                    "buyer_phone": "0912345678",
                    "lines": [{"sku": "NM-500", "quantity": 1, "unit_price": 95_000}],
                }
            ],
            ("POST", "/api/v1/live/sessions"): [
                {
                    "title": "Phiên thử",
                    "platform": "tiktok",
                    "starts_at": "2026-12-01T20:00:00",
                    "ends_at": "2026-12-01T21:00:00+07:00",
                    "host_ids": [self.streamer_id],
                }
            ],
            ("PATCH", live_path): [
                {"starts_at": "2026-11-20T20:00:00", "ends_at": "2026-11-20T21:00:00"}
            ],
            ("POST", f"{live_path}/slots"): [
                {"product_id": self.product_id, "start_offset_s": 0, "length_s": 600}
            ],
            ("PATCH", f"{live_path}/slots/{{slot_id}}"): [
                {"start_offset_s": 0, "length_s": 300, "live_price": 90_000}
            ],
            ("PUT", f"{live_path}/slots/order"): [{"slot_ids": self.slot_ids}],
            ("POST", f"{live_path}/duplicate"): [{"days": 7}, {"starts_at": "2026-12-24T20:00"}],
            ("POST", f"{live_path}/host"): [{"action": "goto", "seconds": 30, "index": 1}],
            ("POST", "/api/v1/live/streamers"): [
                {"user_id": self.seller_id, "display_name": "Người dẫn"}
            ],
            ("PATCH", "/api/v1/live/streamers/{streamer_id}"): [
                {"display_name": "Người dẫn", "channel_account_ids": []}
            ],
            ("POST", "/api/v1/live/feeds/rotate"): [{"streamer_id": self.streamer_id}],
            ("POST", "/api/v1/clubs"): [
                {"name": "CLB Mới", "province_code": 22, "producer_ids": self.producer_ids}
            ],
            ("PATCH", "/api/v1/clubs/{club_id}"): [{"province_code": 22, "commune_code": 6712}],
            ("PUT", "/api/v1/clubs/{club_id}/producers"): [{"producer_ids": self.producer_ids}],
        }


def _spoiled(value: Any) -> Iterator[Any]:
    """Copies of ``value`` with one leaf at a time replaced by each hostile value of its kind."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield from HOSTILE_INTS
    elif isinstance(value, str) and _TIME.fullmatch(value):
        yield from HOSTILE_TIMES
    elif isinstance(value, str) and _DAY.fullmatch(value):
        yield from HOSTILE_DAYS
    elif isinstance(value, dict):
        for key, item in value.items():
            for bad in _spoiled(item):
                yield {**value, key: bad}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for bad in _spoiled(item):
                yield [*value[:index], bad, *value[index + 1 :]]


def _query_values(parameter: dict[str, Any]) -> list[Any]:
    kind = parameter.get("schema", {})
    if kind.get("type") == "integer":
        return HOSTILE_INTS
    if kind.get("format") == "date":
        return HOSTILE_DAYS
    if kind.get("format") == "date-time":
        return HOSTILE_TIMES
    return []


def _bounded_operations(schema: Any) -> list[Any]:
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(BOUNDED_AREAS):
            found.append(operation)
    return found


def _run(case: Any, headers: dict[str, str], label: str, failures: list[str]) -> None:
    try:
        case.call_and_validate(headers=headers, checks=CHECKS)
    except BaseException as exc:  # schemathesis raises exception groups
        failures.append(f"{label}: {exc}")


@pytest.fixture
def seeds(app: flask.Flask, people: conftest.People, categories: dict[str, int]) -> Seeds:
    return Seeds(app, people, report_data.seed_stream(app, people))


def test_hostile_numbers_and_dates_on_order_live_and_club_endpoints(
    app: flask.Flask, seeds: Seeds, bearer: dict[Role, dict[str, str]]
) -> None:
    """Valid requests with one value spoiled at a time: a documented 4xx, never a 500."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    bodies = seeds.bodies()
    headers = bearer[Role.ADMIN]
    failures: list[str] = []
    calls = 0
    for operation in _bounded_operations(schema):
        method, path = operation.method.upper(), operation.path
        path_parameters = {
            name: value
            for name, value in seeds.path_parameters().items()
            if "{" + name + "}" in path
        }
        for base in bodies.get((method, path), []):
            for body in _spoiled(base):
                case = operation.Case(
                    path_parameters=path_parameters, body=body, media_type="application/json"
                )
                calls += 1
                _run(case, headers, f"{method} {path} {json.dumps(body)[:200]}", failures)
        parameters = document["paths"][path][method.lower()].get("parameters", [])
        for parameter in parameters:
            if parameter["in"] != "query":
                continue
            for value in _query_values(parameter):
                case = operation.Case(
                    path_parameters=path_parameters, query={parameter["name"]: value}
                )
                calls += 1
                _run(case, headers, f"{method} {path}?{parameter['name']}={value}", failures)
    assert calls > 150
    assert not failures, "\n\n".join(failures)


def test_boundary_values_on_order_live_and_club_endpoints(
    app: flask.Flask, seeds: Seeds, bearer: dict[Role, dict[str, str]]
) -> None:
    """Schemathesis' coverage phase: each documented bound, and one past it, on every field."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = bearer[Role.ADMIN]
    failures: list[str] = []
    calls = 0
    # Reads and writes first, then the operations that end things (archive, delete).
    operations = sorted(
        _bounded_operations(schema),
        key=lambda op: (op.method.upper() == "DELETE" or op.path.endswith("/archive"), op.label),
    )
    for operation in operations:
        cases = schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=schema.config.generation_for(operation=operation),
        )
        for case in cases:
            calls += 1
            _run(case, headers, f"{operation.label} {case.path_parameters} {case.query}", failures)
    assert calls > 1000
    assert not failures, "\n\n".join(failures[:30])


# --- targeted cases the fuzzer found first ------------------------------------------------------


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/{}",
        "/api/v1/products/{}",
        "/api/v1/jobs/{}",
        "/api/v1/orders/{}",
        "/api/v1/live/sessions/{}",
        "/api/v1/clubs/{}",
        "/catalog/products/{}",
        "/orders/{}",
        "/p/{}",
    ],
)
def test_ids_beyond_the_database_range_are_404(
    client: flask.testing.FlaskClient,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
    path: str,
) -> None:
    """The fuzzer's first find: an id past 2**31 - 1 overflowed in the driver (a 500)."""
    conftest.Auth(client).login(people.username(Role.ADMIN))
    for value in (routing.MAX_ID + 1, 2**63, 2**64, 10**22, 0, "9" * 5000):
        reply = client.get(path.format(value), headers=bearer[Role.ADMIN])
        assert reply.status_code == 404, (path, value)


def test_text_the_database_cannot_store_is_a_400(
    client: flask.testing.FlaskClient,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
) -> None:
    admin = bearer[Role.ADMIN]
    cases = [
        client.post("/api/v1/tokens", headers=admin, json={"name": "máy\x00chủ"}),
        client.post(
            "/api/v1/tokens",
            headers={**admin, "Content-Type": "application/json"},
            data=b'{"name": "\\ud800"}',
        ),
        client.get("/api/v1/products?q=n%C6%B0%E1%BB%9Bc%00m%E1%BA%AFm", headers=admin),
        client.post("/auth/login", data={"username": "admin1\x00", "password": "x"}),
    ]
    for reply in cases:
        assert reply.status_code == 400
    assert cases[0].get_json()["error"]["code"] == "invalid_characters"
    assert "ký tự không hợp lệ" in cases[3].get_data(as_text=True)
    tokens = client.get("/api/v1/tokens", headers=admin).get_json()
    assert all("\x00" not in token["name"] for token in tokens)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_numbers_past_a_column_range_are_a_422_not_a_500(
    client: flask.testing.FlaskClient,
    people: conftest.People,
    bearer: dict[Role, dict[str, str]],
) -> None:
    reply = client.get("/api/v1/products?category_id=99999999999", headers=bearer[Role.ADMIN])
    assert reply.status_code == 422
    assert reply.get_json()["error"]["code"] in ("validation_error", "value_out_of_range")
