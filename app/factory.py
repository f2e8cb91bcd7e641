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
import werkzeug.middleware.proxy_fix

from app import config, extensions
from app.accounts import feature as accounts_feature
from app.accounts import service as accounts_service
from app.catalog import feature as catalog_feature
from app.catalog_io import feature as catalog_io_feature
from app.channels import feature as channels_feature
from app.clubs import feature as clubs_feature
from app.core import errors, i18n, labels, logsafety, permissions
from app.http import csp, headers, inputguard, openapi, routing
from app.jobs import feature as jobs_feature
from app.jobs import tasks
from app.live import feature as live_feature
from app.main import feature as main_feature
from app.messages import feature as messages_feature
from app.models import accounts
from app.orders import feature as orders_feature
from app.payments import feature as payments_feature
from app.producers import feature as producers_feature
from app.public import feature as public_feature
from app.reports import feature as reports_feature
from app.rollups import feature as rollups_feature
from app.setup import feature as setup_feature
from app.shipping import feature as shipping_feature
from app.studio import feature as studio_feature

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

    _trust_proxy(app)
    _init_database(app)
    _init_auth(app)
    extensions.babel.init_app(
        app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone
    )
    extensions.csrf.init_app(app)
    tasks.init_celery(app)
    errors.register(app)
    inputguard.register(app)
    _init_features(app)
    _register_template_helpers(app)
    app.after_request(headers.security_headers)
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


def _trust_proxy(app: flask.Flask) -> None:
    """Behind TRUSTED_PROXY_HOPS reverse proxies (nginx: 1), take the client's address and
    scheme from the X-Forwarded-For/-Proto values those proxies appended, so the sign-in
    throttle counts each client, not the proxy. 0 (the default) trusts no header: a client
    could otherwise pick its own address."""
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = werkzeug.middleware.proxy_fix.ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops
        )


def _bearer_secret(request: flask.Request) -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def _init_auth(app: flask.Flask) -> None:

    extensions.login_manager.init_app(app)
    extensions.login_manager.login_view = "auth.login"
    # "basic": a phone moving between Wi-Fi and 4G keeps its session (strong would drop it).
    extensions.login_manager.session_protection = "basic"

    @extensions.login_manager.user_loader
    def load_user(session_id: str) -> accounts.User | None:
        # "<id>:<session version>" (User.get_id): a stale version is a session that ended.
        return accounts_service.user_for_session(extensions.session(), session_id)

    @extensions.login_manager.request_loader
    def load_user_from_token(request: flask.Request) -> accounts.User | None:
        secret = _bearer_secret(request)
        if secret is None:
            return None
        flask.g.auth_via_token = True
        return accounts_service.user_for_token(extensions.session(), secret)

    @app.before_request
    def _token_decides() -> None:
        """A request carrying a bearer token is the token's, whatever session or remember
        cookie comes with it (a bad token is refused, never passed over for the cookie)."""
        if _bearer_secret(flask.request) is None:
            return
        user = load_user_from_token(flask.request)
        # flask-login reads the request's user from g; set before anything asks for it.
        flask.g._login_user = user or extensions.login_manager.anonymous_user()

    @extensions.login_manager.unauthorized_handler
    def unauthorized() -> Any:
        raise errors.Unauthorized()


def _init_features(app: flask.Flask) -> None:
    """Each feature adds its pages, API, commands and job kinds (``app/<feature>/feature.py``)."""
    openapi.init_app(app)
    for feature in (
        main_feature,
        accounts_feature,
        jobs_feature,
        producers_feature,
        catalog_feature,
        catalog_io_feature,
        channels_feature,
        public_feature,
        studio_feature,
        live_feature,
        orders_feature,
        payments_feature,
        messages_feature,
        shipping_feature,
        reports_feature,
        rollups_feature,
        clubs_feature,
        setup_feature,
    ):
        feature.init_app(app)


def _register_template_helpers(app: flask.Flask) -> None:
    i18n.init_templates(app)

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
