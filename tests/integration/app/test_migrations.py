"""Alembic migrations build the whole schema from nothing and match the models."""

from __future__ import annotations

import alembic.autogenerate
import alembic.migration
import flask_migrate
import sqlalchemy as sa

from app import extensions


def test_upgrade_on_empty_database_matches_models(db_url: str, app_factory) -> None:
    app = app_factory(db_url)
    with app.app_context():
        flask_migrate.upgrade()  # no create_all: the migrations alone
        with extensions.db.engine.connect() as connection:
            context = alembic.migration.MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_object": extensions.include_in_migrations(connection.dialect.name),
                },
            )
            differences = alembic.autogenerate.compare_metadata(context, extensions.db.metadata)
            tables = set(sa.inspect(connection).get_table_names())
        assert differences == []
        assert {"users", "producers", "clubs", "jobs", "api_tokens", "login_failures"} <= tables


def test_downgrade_to_base_and_up_again(db_url: str, app_factory) -> None:
    app = app_factory(db_url)
    with app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        with extensions.db.engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        with extensions.db.engine.connect() as connection:
            assert "users" in sa.inspect(connection).get_table_names()
