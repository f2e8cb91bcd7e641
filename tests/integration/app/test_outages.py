"""Outages: with the database or the broker down, /healthz says which, pages and the API answer
503 with a plain message (never a traceback, never the database URL), and a job that cannot
be queued is marked failed instead of waiting for ever."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest

from app import extensions
from app.models import accounts, orgs
from tests import conftest
from tests.support import net, postgres

Role = accounts.Role


@pytest.fixture
def own_pg(tmp_path: Path) -> Iterator[postgres.Server]:
    """A PostgreSQL server of this test's own, so stopping it harms no other test."""
    problem = postgres.missing_binaries()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests cannot run in CI: {problem}")
        pytest.skip(problem)
    workdir = tmp_path / "own-pg"
    workdir.mkdir()
    server = postgres.start(workdir)
    yield server
    server.stop()


def _stop(server: postgres.Server) -> None:
    assert server.datadir is not None
    subprocess.run(
        postgres._as_owner(
            [str(postgres.BIN / "pg_ctl"), "-D", str(server.datadir), "-m", "fast", "stop"]
        ),
        capture_output=True,
        check=True,
    )


def test_database_down(
    own_pg: postgres.Server, tmp_path: Path, password_hash: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = own_pg.create_database("outage")
    application = conftest.make_app(url, tmp_path)
    with application.app_context():
        extensions.db.create_all()
        club = orgs.Club(name="CLB Streamer Móng Cái", province="Quảng Ninh")
        extensions.db.session.add(club)
        extensions.db.session.flush()
        user = accounts.User(
            username="seller1",
            full_name="Người bán",
            role=Role.SELLER,
            club_id=club.id,  # a seller belongs to exactly one club
            password_hash=password_hash,
        )
        extensions.db.session.add(user)
        extensions.db.session.commit()
    token = conftest.issue_token(application, "seller1")
    client = application.test_client()
    assert conftest.Auth(client).login("seller1").status_code == 302
    assert client.get("/catalog/products").status_code == 200

    conftest.dispose(application)
    _stop(own_pg)

    health = client.get("/healthz")
    assert health.status_code == 503
    body = health.get_json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is False
    assert "postgres@" not in health.get_data(as_text=True)

    page = client.get("/catalog/products")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    html = page.get_data(as_text=True)
    assert "Cơ sở dữ liệu tạm thời không truy cập được" in html
    assert "Traceback" not in html and "OperationalError" not in html
    assert url.split("@")[1] not in html

    api = client.get("/api/v1/products", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "database_unavailable"

    assert not any(url in record.getMessage() for record in caplog.records)
    conftest.dispose(application)


def test_broker_down(db_url: str, tmp_path: Path, app_factory: object, password_hash: str) -> None:
    dead_broker = f"redis://127.0.0.1:{net.free_port()}/0"
    application: flask.Flask = app_factory(  # type: ignore[operator]
        db_url, BROKER_URL=dead_broker, RESULT_BACKEND=dead_broker, HEALTH_TIMEOUT_SECONDS=1
    )
    with application.app_context():
        extensions.db.create_all()
        extensions.db.session.add(
            accounts.User(
                username="admin1",
                full_name="Quản trị",
                role=Role.ADMIN,
                password_hash=password_hash,
            )
        )
        extensions.db.session.commit()
    token = conftest.issue_token(application, "admin1")
    client = application.test_client()

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["database"]["ok"] is True
    assert health.get_json()["broker"]["ok"] is False

    reply = client.post(
        "/api/v1/jobs",
        headers={"Authorization": f"Bearer {token}"},
        json={"kind": "system.check", "params": {}},
    )
    assert reply.status_code == 503
    error = reply.get_json()["error"]
    assert error["code"] == "service_unavailable"
    assert "hàng đợi" in error["message"]
    jobs = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [job["status"] for job in jobs["items"]] == ["failed"]
