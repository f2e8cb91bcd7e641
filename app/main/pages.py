"""Home, dashboards, language switch, the health check and the favicon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
import flask_login
import sqlalchemy as sa
import werkzeug

from app import extensions
from app.core import health, permissions, uow
from app.http import helpers
from app.main import dashboard

bp = flask.Blueprint("main", __name__, template_folder="templates")


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
    data = dashboard.summary(extensions.session(), user)
    return flask.render_template(f"main/dashboard_{user.role.value}.html", **data)


@bp.route("/lang/<code>")
@permissions.public
def set_language(code: str) -> werkzeug.Response:
    if code in flask.current_app.config["LANGUAGES"]:
        flask.session["lang"] = code
    return flask.redirect(helpers.safe_next(flask.request.args.get("next")))


@bp.route("/favicon.ico")
@permissions.public
def favicon() -> werkzeug.Response:
    """Browsers ask for /favicon.ico on every page: point them at the app's icon (the ICO
    when the static folder has one, else the SVG)."""
    static = Path(flask.current_app.static_folder or "")
    name = "favicon.ico" if (static / "favicon.ico").is_file() else "favicon.svg"
    return flask.redirect(flask.url_for("static", filename=name), code=301)


@bp.route("/healthz")
@permissions.public
def healthz() -> tuple[Any, int]:
    """JSON for monitors and scripts (``status``, ``database``, ``broker``; ``ffmpeg`` is
    informative and never makes the answer 503); a page of sentences for a browser."""
    config = flask.current_app.config
    database = health.check_database(extensions.session())
    broker = health.check_broker(config["BROKER_URL"], config["HEALTH_TIMEOUT_SECONDS"])
    ffmpeg = health.check_ffmpeg()
    ok = database.ok and broker.ok
    code = 200 if ok else 503
    accept = flask.request.accept_mimetypes
    if accept.best_match(["application/json", "text/html"]) == "text/html":
        try:
            page = flask.render_template(
                "main/health.html", ok=ok, database=database, broker=broker, ffmpeg=ffmpeg
            )
        except sa.exc.SQLAlchemyError:
            # The page's language may come from the signed-in user's row; with the database
            # down the JSON below still says what is wrong.
            uow.discard(extensions.session(), "the failed read (database down) leaves nothing")
        else:
            return page, code
    body = {
        "status": "ok" if ok else "degraded",
        "database": database.as_dict(),
        "broker": broker.as_dict(),
        "ffmpeg": ffmpeg.as_dict(),
    }
    return body, code
