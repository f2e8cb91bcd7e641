"""Walk every URL rule × every role (and anonymous) against app.permissions.RULES.

A new endpoint that declares no permission fails here, and so does one whose
real behaviour (403 or not) disagrees with the table.
"""

from __future__ import annotations

import flask
import pytest
import werkzeug.routing

from app.core import permissions
from app.models import accounts

Role = accounts.Role
SKIP_METHODS = {"HEAD", "OPTIONS"}
SAMPLE_VALUES = {"filename": "swagger-ui.css", "code": "en"}


def _url(rule: werkzeug.routing.Rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, werkzeug.routing.IntegerConverter):
            values[name] = 987654  # an id that does not exist: allowed roles get 404, not 403
        else:
            values[name] = SAMPLE_VALUES.get(name, "x")
    return rule.build(values, append_unknown=False)[1]


def _cases(app: flask.Flask) -> list[tuple[str, str, str]]:
    cases = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - SKIP_METHODS):
            cases.append((rule.endpoint, method, _url(rule)))
    return cases


def test_every_endpoint_declares_a_permission(app: flask.Flask) -> None:
    undeclared = [
        endpoint
        for endpoint in app.view_functions
        if endpoint != "static" and permissions.view_permission(app, endpoint) is None
    ]
    assert undeclared == []


def test_role_endpoint_matrix(app: flask.Flask, people, bearer) -> None:
    client = app.test_client()
    checked = 0
    mismatches = []
    for endpoint, method, url in _cases(app):
        permission = permissions.view_permission(app, endpoint)
        is_api = url.startswith("/api/")
        # Anonymous: public endpoints answer; others ask for a sign-in.
        response = client.open(url, method=method, json={} if method != "GET" else None)
        response.close()
        if permission == permissions.PUBLIC:
            expected_anon = "not 401/403"
            ok = response.status_code not in (401, 403)
        elif is_api:
            expected_anon, ok = "401", response.status_code == 401
        else:
            expected_anon = "302 to login"
            ok = response.status_code == 302 and "/auth/login" in response.location
        if not ok:
            mismatches.append((None, method, url, response.status_code, expected_anon))
        for role in Role:
            response = client.open(
                url, method=method, headers=bearer[role], json={} if method != "GET" else None
            )
            response.close()
            if permission == permissions.PUBLIC or permissions.allows(role, permission):
                ok = response.status_code not in (401, 403)
                expected = "allowed"
            else:
                ok = response.status_code == 403
                expected = "403"
            if not ok:
                mismatches.append((role.value, method, url, response.status_code, expected))
            checked += 1
    assert mismatches == []
    assert checked >= 4 * 30  # the walk really covered the app


@pytest.mark.parametrize("role", [Role.SELLER, Role.PRODUCER])
def test_forbidden_page_is_a_readable_403(app: flask.Flask, people, bearer, role: Role) -> None:
    response = app.test_client().get("/admin/users", headers=bearer[role])
    assert response.status_code == 403
    assert "Bạn không có quyền thực hiện thao tác này." in response.get_data(as_text=True)
