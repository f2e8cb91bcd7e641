"""The application factory: settings, extensions, blueprints, handlers, CLI."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Mapping
from typing import Any

import flask
import flask_login
import sqlalchemy as sa
import sqlalchemy.event

from app import (
    cli,
    config,
    csp,
    errors,
    extensions,
    formatting,
    i18n,
    inputguard,
    labels,
    logsafety,
    permissions,
    routing,
    tasks,
)
from app.services import accounts as accounts_service

log = logging.getLogger(__name__)


def create_app(
    settings: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> flask.Flask:
    """Build the app from environment variables (``env``, default os.environ),
    then apply ``settings`` on top (tests pass their overrides here).

    Raises config.ConfigError with a readable message when a setting is wrong.
    """
    env = os.environ if env is None else env
    logsafety.install()
    app = flask.Flask(
        __name__.split(".")[0],
        instance_path=env.get("INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    app.url_map.converters["int"] = routing.IdConverter  # before any route is added
    app.config.update(config.from_env(env, app.instance_path))
    if settings:
        app.config.update(settings)
    if app.config["APP_ENV"] == "testing":
        app.config["TESTING"] = True
    os.makedirs(app.instance_path, exist_ok=True)
    os.makedirs(app.config["MEDIA_ROOT"], exist_ok=True)

    _init_database(app)
    _init_auth(app)
    extensions.babel.init_app(
        app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone
    )
    extensions.csrf.init_app(app)
    tasks.init_celery(app)
    errors.register(app)
    inputguard.register(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    cli.register(app)
    app.after_request(_security_headers)
    return app


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Web and worker write to one file: WAL lets readers go on during a write,
    # and the busy timeout makes a writer wait instead of failing at once.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _init_database(app: flask.Flask) -> None:
    from app import models  # noqa: F401  (registers every table on the metadata)

    if not sa.event.contains(sa.engine.Engine, "connect", _sqlite_pragmas):
        sa.event.listen(sa.engine.Engine, "connect", _sqlite_pragmas)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, render_as_batch=True, compare_type=True)


def _init_auth(app: flask.Flask) -> None:
    from app.models import accounts

    extensions.login_manager.init_app(app)
    extensions.login_manager.login_view = "auth.login"
    # "basic": a phone moving between Wi-Fi and 4G keeps its session (strong would drop it).
    extensions.login_manager.session_protection = "basic"

    @extensions.login_manager.user_loader
    def load_user(user_id: str) -> accounts.User | None:
        user = extensions.db.session.get(accounts.User, int(user_id))
        return user if user is not None and user.is_active_account else None

    @extensions.login_manager.request_loader
    def load_user_from_token(request: flask.Request) -> accounts.User | None:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        flask.g.auth_via_token = True
        return accounts_service.user_for_token(extensions.db.session, secret.strip())

    @extensions.login_manager.unauthorized_handler
    def unauthorized() -> Any:
        raise errors.Unauthorized()


def _register_blueprints(app: flask.Flask) -> None:
    from app import api
    from app.web import (
        account,
        admin,
        auth,
        catalog,
        catalog_io,
        channels,
        clubs,
        images,
        jobs,
        live,
        main,
        orders,
        producers,
        public,
        reports,
        setup,
        studio,
    )

    for blueprint in (
        main.bp,
        auth.bp,
        account.bp,
        admin.bp,
        jobs.bp,
        producers.bp,
        catalog.bp,
        catalog_io.bp,
        channels.bp,
        images.bp,
        public.bp,
        studio.bp,
        live.bp,
        orders.bp,
        reports.bp,
        clubs.bp,
        setup.bp,
    ):
        app.register_blueprint(blueprint)
    api.init_app(app)


def _register_template_helpers(app: flask.Flask) -> None:
    app.jinja_env.filters["vnd"] = formatting.vnd
    app.jinja_env.filters["local_dt"] = formatting.local_datetime

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "can": lambda permission: permissions.can(flask_login.current_user, permission),
            "role_label": lambda role: labels.ROLE_LABELS[role],
            "role_labels": labels.ROLE_LABELS,
            "status_label": lambda status: labels.STATUS_LABELS[status],
            "status_labels": labels.STATUS_LABELS,
            "producer_type_label": lambda kind: labels.PRODUCER_TYPE_LABELS[kind],
            "current_locale": i18n.select_locale(),
            "languages": app.config["LANGUAGES"],
            "csp_nonce": csp.nonce,
        }


def _security_headers(response: flask.Response) -> flask.Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return csp.apply(response)
