"""Alembic migrations build the whole schema from nothing and match the models, and every
migration upgrades a database holding rows from the revision before it (see
tests/support/migration_data.py)."""

from __future__ import annotations

import alembic.autogenerate
import alembic.migration
import alembic.script
import flask
import flask_migrate
import pytest
import sqlalchemy as sa

from app import extensions
from tests.support import migration_data
from tests.support.migration_data import Dataset


def _chain(app: flask.Flask) -> list[str]:
    """The revisions from base to head (the history must be one straight line)."""
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        script = alembic.script.ScriptDirectory.from_config(config)
        assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
        revisions = [r.revision for r in script.walk_revisions()]
    return revisions[::-1]


def _upgrade(revision: str) -> None:
    """flask_migrate.upgrade, whose errors (a foreign key the SQLite copy broke) exit."""
    try:
        flask_migrate.upgrade(revision=revision)
    except SystemExit:
        pytest.fail(f"upgrading to {revision} failed: see the error in the captured log")


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


def test_clubs_as_tenants_migration_gives_every_row_a_club(db_url: str, app_factory) -> None:
    """Rows made before clubs were tenants get one: the session's, the author's, else the
    first club; producers keep their club as a link; producer accounts leave the club."""
    app = app_factory(db_url)
    now = "2026-11-01 10:00:00"
    with app.app_context():
        flask_migrate.upgrade(revision="e4b8c2d6f0a1")
        with extensions.db.engine.begin() as conn:
            run = conn.execute
            run(sa.text("INSERT INTO clubs (id, name, province, created_at) VALUES "
                        "(1, 'CLB A', 'Quảng Ninh', :t), (2, 'CLB B', 'Quảng Ninh', :t)"),
                {"t": now})  # fmt: skip
            run(sa.text("INSERT INTO producers (id, name, type, province, club_id, created_at, "
                        "updated_at) VALUES (1, 'HTX A', 'hop_tac_xa', 'Quảng Ninh', 2, :t, :t), "
                        "(2, 'HTX B', 'hop_tac_xa', 'Quảng Ninh', NULL, :t, :t)"),
                {"t": now})  # fmt: skip
            users = [
                (1, "admin1", "admin", None, None),
                (2, "seller_b", "seller", None, 2),
                (3, "seller_none", "seller", None, None),
                (4, "producer1", "producer", 1, 2),
            ]
            for uid, name, role, producer, club in users:
                run(sa.text("INSERT INTO users (id, username, full_name, role, producer_id, "
                            "club_id, password_hash, is_active_account, created_at) VALUES "
                            "(:i, :n, :n, :r, :p, :c, 'x', true, :t)"),
                    {"i": uid, "n": name, "r": role, "p": producer, "c": club,
                     "t": now})  # fmt: skip
            run(sa.text("INSERT INTO orders (id, platform, external_id, club_id, status, "
                        "placed_at, source, created_by_id, created_at, updated_at) VALUES "
                        "(1, 'tiktok', 'A1', NULL, 'placed', :t, 'manual', 2, :t, :t), "
                        "(2, 'tiktok', 'A2', NULL, 'placed', :t, 'manual', 1, :t, :t)"),
                {"t": now})  # fmt: skip
            run(sa.text("INSERT INTO channel_accounts (id, marketplace, name, club_id, "
                        "producer_id, config, secrets_enc, token_version, status, "
                        "failures_in_row, created_at, updated_at) VALUES "
                        "(1, 'shopee', 'Shop HTX A', NULL, 1, '{}', '', 0, 'not_connected', 0, "
                        ":t, :t)"), {"t": now})  # fmt: skip
            run(sa.text("INSERT INTO videos (id, title, recipe, is_template, version, "
                        "created_by_id, created_at, updated_at) VALUES "
                        "(1, 'Video', '{}', false, 1, 2, :t, :t)"), {"t": now})  # fmt: skip
            run(sa.text("INSERT INTO jobs (id, kind, title, owner_id, status, progress, message, "
                        "params, cancel_requested, created_at, attempts) VALUES "
                        "(1, 'x', 'x', 2, 'queued', 0, '', '{}', false, :t, 0)"),
                {"t": now})  # fmt: skip
        flask_migrate.upgrade()
        with extensions.db.engine.connect() as conn:

            def one(sql: str) -> list[tuple]:
                return [tuple(r) for r in conn.execute(sa.text(sql)).all()]

            assert one("SELECT club_id, producer_id FROM club_producers") == [(2, 1)]
            assert one("SELECT id, club_id FROM users ORDER BY id") == [
                (1, None),
                (2, 2),
                (3, 1),
                (4, None),
            ]
            assert one("SELECT id, club_id FROM orders ORDER BY id") == [(1, 2), (2, 1)]
            assert one("SELECT club_id, producer_id FROM channel_accounts") == [(2, 1)]
            assert one("SELECT club_id FROM videos") == [(2,)]
            assert one("SELECT club_id FROM jobs") == [(2,)]
            # Two clubs may now hold the same platform order id; one club may not twice.
            conn.execute(sa.text(
                "INSERT INTO orders (id, platform, external_id, club_id, status, placed_at, "
                "source, created_at, updated_at) VALUES (3, 'tiktok', 'A1', 1, 'placed', :t, "
                "'manual', :t, :t)"
            ), {"t": now})  # fmt: skip
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(sa.text(
                    "INSERT INTO orders (id, platform, external_id, club_id, status, placed_at, "
                    "source, created_at, updated_at) VALUES (4, 'tiktok', 'A1', 1, 'placed', :t, "
                    "'manual', :t, :t)"
                ), {"t": now})  # fmt: skip
            conn.rollback()


def test_every_migration_has_rows_to_upgrade(tmp_path, app_factory) -> None:
    """A new migration needs a dataset in tests/support/migration_data.py (the first one runs
    on an empty database: the tests above)."""
    chain = _chain(app_factory(f"sqlite:///{tmp_path / 'app.db'}"))
    covered = {dataset.revision for dataset in migration_data.DATASETS}
    assert covered <= set(chain), covered - set(chain)
    assert set(chain[1:]) <= covered, f"migrations without data: {set(chain[1:]) - covered}"


@pytest.mark.parametrize("dataset", migration_data.DATASETS, ids=lambda d: d.id)
def test_migration_upgrades_a_database_holding_data(
    db_url: str, app_factory, dataset: Dataset
) -> None:
    """Rows written at the revision before the migration survive it (changed only where the
    migration means to), then every later migration up to head, and the models read them."""
    app = app_factory(db_url)
    chain = _chain(app)
    start = chain.index(dataset.revision)
    with app.app_context():
        probe = migration_data.Probe(extensions.db.engine)
        _upgrade(chain[start - 1])
        dataset.seed(probe)
        probe.sync_sequences()
        for revision in chain[start:]:
            before = probe.snapshot()
            _upgrade(revision)
            after = probe.snapshot()
            allowed = migration_data.TRANSFORMS.get(revision, {})
            if revision == dataset.revision:
                grown = {
                    table: len(after[table]) - len(rows)
                    for table, rows in before.items()
                    if len(after.get(table, {})) != len(rows)
                }
                assert grown == dict(dataset.added), f"{revision}: rows added {grown}"
                for table in dataset.added:
                    after[table] = {k: v for k, v in after[table].items() if k in before[table]}
            problems = migration_data.changes(before, after, allowed)
            assert not problems, f"{revision} changed existing rows: {problems}"
            if revision == dataset.revision:
                dataset.check(probe)
        # The current models read every row of the upgraded database.
        session = extensions.db.session
        for mapper in extensions.db.Model.registry.mappers:
            session.scalars(sa.select(mapper.class_)).all()
        session.remove()
