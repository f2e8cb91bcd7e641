"""The API fuzzed against its own OpenAPI document (schemathesis): for every operation, valid
and invalid requests alike, no 5xx, every status code documented and every response body
matching its schema. On SQLite and PostgreSQL (whose 32-bit integer ids overflow where
SQLite's do not).

Data generation is derandomised, so a run is repeatable; a new operation in the document is
fuzzed without editing this test."""

from __future__ import annotations

from typing import Any

import flask
import hypothesis
import pytest
import schemathesis
from schemathesis import checks as st_checks
from schemathesis.generation import GenerationMode

from app import routing
from app.models import accounts
from tests import conftest

Role = accounts.Role
EXAMPLES = 25
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    st_checks.response_headers_conformance,
]


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


def test_fuzz_api_as_admin(
    app: flask.Flask,
    people: conftest.People,
    categories: dict[str, int],
    bearer: dict[Role, dict[str, str]],
) -> None:
    calls, failures = _fuzz(app, bearer[Role.ADMIN])
    assert calls > 40 * EXAMPLES  # every operation was exercised
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_fuzz_api_as_producer(
    app: flask.Flask,
    people: conftest.People,
    categories: dict[str, int],
    bearer: dict[Role, dict[str, str]],
) -> None:
    """The role with the least rights: refusals must be documented answers too."""
    calls, failures = _fuzz(app, bearer[Role.PRODUCER])
    assert calls > 40 * EXAMPLES
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/{}",
        "/api/v1/products/{}",
        "/api/v1/jobs/{}",
        "/catalog/products/{}",
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
    for value in (routing.MAX_ID + 1, 10**22, 0):
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
    assert reply.get_json()["error"]["code"] == "validation_error"
