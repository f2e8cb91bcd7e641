"""Shared fixtures: an app on a real database (SQLite and PostgreSQL), clients, users.

Database-touching tests take the ``app`` fixture, which is parametrised over
both backends. PostgreSQL runs as a throwaway server started from the
installed binaries (see ``tests/support/postgres.py``).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import flask.testing
import pytest
import sqlalchemy as sa

from app import extensions, factory
from app.accounts import service as accounts_service
from app.models import accounts, catalog, orgs
from tests.support import clubs as clubs_support
from tests.support import postgres
from tests.support import redis as redis_support
from vietnam import ocop_categories

PASSWORD = "mat-khau-thu-nghiem"
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return accounts_service.hash_password(PASSWORD)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[postgres.Server]:
    external = os.environ.get("OCOP_TEST_POSTGRES_URL")
    if external:
        yield postgres.Server.from_url(external)
        return
    _skip_without("PostgreSQL", postgres.missing_binaries())
    server = postgres.start(tmp_path_factory.mktemp("pg"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redis_support.Server]:
    _skip_without("Redis", redis_support.missing_binary())
    server = redis_support.start(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


def _skip_without(server: str, problem: str | None) -> None:
    """Skip the test when ``server``'s binaries are missing (``problem``); fail it in CI."""
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{server} tests cannot run in CI: {problem}")
        pytest.skip(f"{server} tests skipped: {problem} (run `make test` to install it)")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to a new, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    server: postgres.Server = request.getfixturevalue("pg_server")
    return server.create_database(f"ocop_test_{os.getpid()}_{next(_database_numbers)}")


def app_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for an app (or a worker process) on this test's database."""
    return {
        "APP_ENV": "testing",
        "SECRET_KEY": "tests-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": db_url,
        "BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }


def make_app(db_url: str, tmp_path: Path, **settings: Any) -> flask.Flask:
    settings.setdefault("WTF_CSRF_ENABLED", False)
    return factory.create_app(settings, env=app_env(db_url, tmp_path))


def dispose(application: flask.Flask) -> None:
    """Close every pooled connection an app opened."""
    with application.app_context():
        extensions.db.session.remove()
        extensions.db.engine.dispose()


@pytest.fixture
def app_factory(tmp_path: Path) -> Iterator[Any]:
    """Build extra apps with their own settings; their connections close at teardown."""
    built: list[flask.Flask] = []

    def build(db_url: str, **settings: Any) -> flask.Flask:
        application = make_app(db_url, tmp_path, **settings)
        built.append(application)
        return application

    yield build
    for application in built:
        dispose(application)


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    application = make_app(db_url, tmp_path)
    with application.app_context():
        extensions.db.create_all()
    yield application
    dispose(application)


@pytest.fixture
def client(app: flask.Flask) -> flask.testing.FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: flask.Flask) -> flask.testing.FlaskCliRunner:
    return app.test_cli_runner()


# Roles whose test user belongs to the club (an admin's club is their working club).
CLUB_MEMBERS = (accounts.Role.ADMIN, accounts.Role.COORDINATOR, accounts.Role.SELLER)


@dataclasses.dataclass
class People:
    """One user per role plus a second producer organisation, by username."""

    usernames: dict[accounts.Role, str]
    producer_id: int
    other_producer_id: int
    club_id: int

    def username(self, role: accounts.Role | str) -> str:
        return self.usernames[accounts.Role(role)]


@pytest.fixture
def people(app: flask.Flask, password_hash: str) -> People:
    with app.app_context():
        club = orgs.Club(
            name="CLB Streamer Móng Cái",
            province="Quảng Ninh",
            province_code=22,
            commune="Phường Móng Cái 1",
            commune_code=6712,
        )
        mine = orgs.Producer(
            name="HTX Nước mắm Trà Cổ",
            type=orgs.ProducerType.COOPERATIVE,
            province="Quảng Ninh",
            province_code=22,
            commune="Phường Móng Cái 3",
            commune_code=6736,
            clubs=[club],
        )
        other = orgs.Producer(
            name="HTX Chè Tân Cương",
            type=orgs.ProducerType.COOPERATIVE,
            province="Thái Nguyên",
            province_code=19,
            commune="Xã Tân Cương",
            commune_code=5503,
            clubs=[club],
        )
        extensions.db.session.add_all([club, mine, other])
        extensions.db.session.flush()
        usernames = {}
        for role in accounts.Role:
            username = f"{role.value}1"
            extensions.db.session.add(
                accounts.User(
                    username=username,
                    full_name=f"Người dùng {role.value}",
                    role=role,
                    producer_id=mine.id if role == accounts.Role.PRODUCER else None,
                    club_id=club.id if role in CLUB_MEMBERS else None,
                    union_province_code=22 if role == accounts.Role.UNION else None,
                    password_hash=password_hash,
                )
            )
            usernames[role] = username
        extensions.db.session.commit()
        return People(usernames, mine.id, other.id, club.id)


@pytest.fixture
def other_club(app: flask.Flask, people: People, password_hash: str) -> clubs_support.OtherClub:
    """A second club (same province) with its own staff and producer: tenant isolation."""
    return clubs_support.make_other_club(app, password_hash)


class Auth:
    """Sign a test client in and out through the real login form."""

    def __init__(self, client: flask.testing.FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD) -> Any:
        return self.client.post("/auth/login", data={"username": username, "password": password})

    def logout(self) -> Any:
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client: flask.testing.FlaskClient) -> Auth:
    return Auth(client)


def issue_token(app: flask.Flask, username: str) -> str:
    with app.app_context():
        user = extensions.db.session.scalar(
            sa.select(accounts.User).where(accounts.User.username == username)
        )
        assert user is not None
        return accounts_service.issue_token(extensions.db.session, user, "tests").secret


@pytest.fixture
def bearer(app: flask.Flask, people: People) -> dict[accounts.Role, dict[str, str]]:
    """Authorization headers for one token per role."""
    return {
        role: {"Authorization": f"Bearer {issue_token(app, people.username(role))}"}
        for role in accounts.Role
    }


@pytest.fixture
def categories(app: flask.Flask) -> dict[str, int]:
    """The seeded OCOP category tree, as code → id."""
    with app.app_context():
        extensions.db.session.execute(sa.insert(catalog.OcopCategory), ocop_categories.rows())
        extensions.db.session.commit()
        return dict(
            extensions.db.session.execute(
                sa.select(catalog.OcopCategory.code, catalog.OcopCategory.id)
            ).all()
        )


def user_named(username: str) -> accounts.User:
    """Inside an app context: the user with that username."""
    user = extensions.db.session.scalar(
        sa.select(accounts.User).where(accounts.User.username == username)
    )
    assert user is not None, username
    return user
