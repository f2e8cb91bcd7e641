"""Sign in and sign out, and the new password after a one-time one.

Signing out ends every session and remember cookie of the account, on every device (the
account's session version is raised; see app/services/accounts.py).

An account given a one-time password (``must_change_password``) is led to the change page at
sign-in; until it chooses its own password every other page redirects there (sign-out, static
files, health and the public pages excepted) and every API call, and every request made with
one of its API tokens, is refused with 403 ``password_change_required``.
"""

from __future__ import annotations

import flask
import flask_login
import werkzeug
import wtforms
import wtforms.validators as v
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import extensions
from app.accounts import service as accounts_service
from app.core import errors, i18n, permissions
from app.core.i18n import N_
from app.http import forms, helpers
from app.models import accounts

bp = flask.Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")

# What an account that must change its password still reaches in its browser.
OPEN_WHILE_CHANGING = frozenset({"auth.new_password", "auth.logout", "main.set_language"})
# Pages and files that involve no account at all.
NO_ACCOUNT_ENDPOINTS = frozenset({"static", "main.healthz", "api_docs_assets"})
NO_ACCOUNT_PREFIXES = ("public.", "api-docs.", "setup.")


class NewPasswordForm(forms.Form):
    new_password = wtforms.PasswordField(
        _l("Mật khẩu mới"),
        validators=[v.InputRequired()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = wtforms.PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[
            v.InputRequired(),
            v.EqualTo("new_password", message=_l("Hai mật khẩu không khớp.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = wtforms.SubmitField(_l("Đặt mật khẩu mới"))


@bp.before_app_request
def _hold_until_password_changed() -> werkzeug.Response | None:
    """An account on a one-time password: its tokens are refused, its browser led to the
    change page."""
    endpoint = flask.request.endpoint or ""
    if endpoint in NO_ACCOUNT_ENDPOINTS or endpoint.startswith(NO_ACCOUNT_PREFIXES):
        return None  # no account involved: don't load one
    user = flask_login.current_user
    if not user.is_authenticated or not user.must_change_password:
        return None
    if flask.g.get("auth_via_token") or flask.request.path.startswith("/api/"):
        raise accounts_service.PasswordChangeRequired(
            accounts_service.password_change_required_message()
        )
    if endpoint in OPEN_WHILE_CHANGING:
        return None
    next_url = flask.request.full_path.rstrip("?") if flask.request.method == "GET" else None
    return flask.redirect(flask.url_for("auth.new_password", next=next_url))


def _policy() -> accounts_service.ThrottlePolicy:
    config = flask.current_app.config
    return accounts_service.ThrottlePolicy(
        max_failures=config["LOGIN_MAX_FAILURES"],
        ip_max_failures=config["LOGIN_IP_MAX_FAILURES"],
        lock_minutes=config["LOGIN_LOCK_MINUTES"],
    )


@bp.route("/login", methods=["GET", "POST"])
@permissions.public
def login() -> str | werkzeug.Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    next_url = flask.request.args.get("next")
    if flask_login.current_user.is_authenticated:
        return flask.redirect(helpers.safe_next(next_url))
    form = forms.LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts_service.authenticate(
                extensions.session(),
                form.username.data or "",
                form.password.data or "",
                ip=helpers.client_ip(),
                policy=_policy(),
            )
        except (accounts_service.InvalidCredentials, accounts_service.LoginThrottled) as exc:
            flask.flash(exc.message, "error")
            # A 429 carries Retry-After (the seconds left of the lock), as on every 429.
            return flask.render_template("auth/login.html", form=form), exc.status, exc.headers
        chosen_language = flask.session.get("lang")
        flask.session.clear()  # a fresh session on every sign-in
        flask_login.login_user(user, remember=bool(form.remember.data))
        if chosen_language or user.locale:
            flask.session["lang"] = chosen_language or user.locale
        if user.must_change_password:
            flask.flash(
                _(
                    "Bạn vừa đăng nhập bằng mật khẩu một lần: hãy đặt mật khẩu của riêng bạn "
                    "để tiếp tục."
                ),
                "info",
            )
            return flask.redirect(flask.url_for("auth.new_password", next=next_url))
        i18n.flash(N_("Xin chào, %(name)s!"), "success", name=user.full_name)
        return flask.redirect(helpers.safe_next(next_url))
    status = 400 if form.errors else 200
    return flask.render_template("auth/login.html", form=form), status


def keep_signed_in(user: accounts.User) -> None:
    """After one's own session version was raised (a password change): this browser signs in
    again with the new version, keeping its remember cookie if it had one; every other
    session of the account stays ended."""
    cookie = flask.current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    flask_login.login_user(user, remember=cookie in flask.request.cookies)


@bp.route("/logout", methods=["POST"])
@permissions.public
def logout() -> werkzeug.Response:
    user = flask_login.current_user
    if user.is_authenticated and not flask.g.get("auth_via_token"):
        accounts_service.sign_out_everywhere(extensions.session(), user)
    flask_login.logout_user()
    lang = flask.session.get("lang")
    flask.session.clear()
    if lang:
        flask.session["lang"] = lang
    flask.flash(_("Bạn đã đăng xuất."), "info")
    return flask.redirect(flask.url_for("auth.login"))


@bp.route("/new-password", methods=["GET", "POST"])
@permissions.require("account.manage_own")
def new_password() -> str | werkzeug.Response | tuple[str, int]:
    """Choose one's own password in place of the one-time one an admin or coordinator set."""
    next_url = flask.request.args.get("next")
    user = flask_login.current_user._get_current_object()
    if not user.must_change_password:
        return flask.redirect(helpers.safe_next(next_url))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts_service.choose_new_password(
                extensions.session(), user, form.new_password.data or ""
            )
        except errors.ValidationError as exc:
            helpers.flash_fields(exc, form)
        else:
            keep_signed_in(user)
            i18n.flash(
                N_("Đã đặt mật khẩu mới. Xin chào, %(name)s!"), "success", name=user.full_name
            )
            return flask.redirect(helpers.safe_next(next_url))
    status = 422 if form.errors else 200
    return flask.render_template("auth/new_password.html", form=form), status
