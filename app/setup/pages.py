"""First run: on an empty instance, the setup page creates the first admin and club.

While the instance has no user at all, every page (except static files, /healthz, /setup, the
public product pages and media, and the API) redirects here; once the first admin exists the
check is remembered for the life of the process and /setup answers 404. The public address
check (``public_address_problem``) also serves the pages that print QR codes.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import flask
import flask_login
import sqlalchemy.exc
import werkzeug
from flask_babel import gettext as _

from app import config, extensions
from app.clubs import service as clubs_service
from app.core import errors, permissions, places, uow
from app.http import forms, helpers
from app.setup import service as setup_service

log = logging.getLogger(__name__)

bp = flask.Blueprint("setup", __name__, url_prefix="/setup", template_folder="templates")

DONE = "ocop_setup_done"  # app.extensions key: set once a user exists
# Reachable on an empty instance: what the setup page itself needs, health, public pages.
OPEN_ENDPOINTS = frozenset({"static", "main.healthz", "main.set_language", "api_docs_assets"})
OPEN_PREFIXES = ("setup.", "public.", "api-docs.")


def _production() -> bool:
    return flask.current_app.config["APP_ENV"] == "production"


def _needs_setup() -> bool:
    """True while no user exists; remembered as False once one does (costs nothing then)."""
    app = flask.current_app
    if app.extensions.get(DONE):
        return False
    if setup_service.needs_setup(extensions.session()):
        return True
    app.extensions[DONE] = True
    return False


@bp.before_app_request
def _send_to_setup() -> werkzeug.Response | None:
    if flask.current_app.extensions.get(DONE):
        return None
    endpoint = flask.request.endpoint
    if (
        endpoint is None
        or endpoint in OPEN_ENDPOINTS
        or endpoint.startswith(OPEN_PREFIXES)
        or flask.request.path.startswith("/api/")
    ):
        return None
    if _needs_setup():
        return flask.redirect(flask.url_for("setup.index"))
    return None


@bp.record_once
def _announce_setup_code(state: flask.blueprints.BlueprintSetupState) -> None:
    """Production, no user yet: write the one-time setup code and log where it is."""
    app = cast(flask.Flask, state.app)  # a Flask app (the stub says its base class)
    if app.config["APP_ENV"] != "production":
        return
    with app.app_context():
        try:
            empty = setup_service.needs_setup(extensions.session())
        except sqlalchemy.exc.SQLAlchemyError:
            # No tables yet (before `flask db upgrade`) or no database: the page writes the
            # code on its first visit instead.
            uow.discard(extensions.session(), "no tables yet: the failed read leaves nothing")
            return
        if empty:
            _log_code(app.instance_path)


def _log_code(instance_path: str) -> str:
    code = setup_service.ensure_setup_code(instance_path)
    log.warning(
        "Chưa có tài khoản nào: mở /setup và nhập mã thiết lập %s (cũng có trong %s). "
        "No user yet: open /setup and enter that one-time setup code.",
        code,
        setup_service.setup_code_path(instance_path),
    )
    return code


@bp.app_template_global()
def public_address_problem() -> str | None:
    """Why printed QR codes would not open on a customer's phone, or None when they will."""
    base = flask.current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return _(
            "Chưa đặt địa chỉ công khai (PUBLIC_BASE_URL): mã QR in ra sẽ trỏ về máy này, "
            "điện thoại khách không mở được. Hãy đặt PUBLIC_BASE_URL là địa chỉ khách truy cập "
            "được trước khi in."
        )
    if config.is_local_address(str(base)):
        return _(
            "Địa chỉ công khai (PUBLIC_BASE_URL) đang là %(url)s: mã QR in ra sẽ trỏ về máy "
            "này, điện thoại khách không mở được.",
            url=base,
        )
    return None


def _form() -> forms.SetupForm:
    form = forms.SetupForm()
    form.fill_choices(clubs_service.bank_choices())
    return form


@bp.route("/", methods=["GET", "POST"])
@permissions.public
def index() -> str | werkzeug.Response | tuple[str, int]:
    if not _needs_setup():
        raise errors.NotFound()
    production = _production()
    if production and not setup_service.setup_code_path(flask.current_app.instance_path).exists():
        _log_code(flask.current_app.instance_path)
    form = _form()
    refreshing = "refresh_communes" in flask.request.form
    if not refreshing and form.validate_on_submit():
        data = form.setup_data()
        data["locale"] = flask.session.get("lang")
        try:
            result = setup_service.run_setup(
                extensions.session(),
                data,
                code_required_in=flask.current_app.instance_path if production else None,
            )
        except errors.ValidationError as exc:
            helpers.flash_fields(exc, form)
        else:
            flask.current_app.extensions[DONE] = True
            lang = flask.session.get("lang")
            flask.session.clear()
            flask_login.login_user(result.admin)
            if lang:
                flask.session["lang"] = lang
            flask.flash(
                _(
                    "Đã tạo tài khoản quản trị %(user)s và %(club)s. Bước tiếp theo: thêm chủ thể "
                    "sản xuất và sản phẩm (mục Chủ thể, Sản phẩm), rồi lên lịch livestream (mục "
                    "Livestream); đơn hàng ghi ở mục Đơn hàng.",
                    user=result.admin.username,
                    club=result.club.name,
                ),
                "success",
            )
            return flask.redirect(flask.url_for("main.dashboard"))
    status = 422 if form.errors else 200
    body = flask.render_template(
        "setup/index.html",
        form=form,
        production=production,
        public_base_url=flask.current_app.config.get("PUBLIC_BASE_URL"),
    )
    return body, status


@bp.route("/communes")
@permissions.public
def communes() -> dict[str, Any]:
    """``?province=<code>`` → its communes (the setup form has no signed-in user yet)."""
    if not _needs_setup():
        raise errors.NotFound()
    return places.communes_json(flask.request.args.get("province", type=int))
