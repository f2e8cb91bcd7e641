"""Home, dashboards, language switch and the health check."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import werkzeug

from app import extensions, permissions
from app.services import dashboard, health
from app.web import helpers

bp = flask.Blueprint("main", __name__)


@bp.route("/")
@permissions.public
def index() -> werkzeug.Response:
    if flask_login.current_user.is_authenticated:
        return flask.redirect(flask.url_for("main.dashboard"))
    return flask.redirect(flask.url_for("auth.login"))


@bp.route("/dashboard", endpoint="dashboard")
@permissions.require("dashboard.view")
def dashboard_view() -> str:
    user = flask_login.current_user
    data = dashboard.summary(extensions.db.session, user)
    return flask.render_template(f"main/dashboard_{user.role.value}.html", **data)


@bp.route("/lang/<code>")
@permissions.public
def set_language(code: str) -> werkzeug.Response:
    if code in flask.current_app.config["LANGUAGES"]:
        flask.session["lang"] = code
    return flask.redirect(helpers.safe_next(flask.request.args.get("next")))


@bp.route("/healthz")
@permissions.public
def healthz() -> tuple[dict[str, Any], int]:
    config = flask.current_app.config
    database = health.check_database(extensions.db.session)
    broker = health.check_broker(config["BROKER_URL"], config["HEALTH_TIMEOUT_SECONDS"])
    ok = database.ok and broker.ok
    body = {
        "status": "ok" if ok else "degraded",
        "database": database.as_dict(),
        "broker": broker.as_dict(),
    }
    return body, 200 if ok else 503
