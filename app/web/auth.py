"""Sign in and sign out.

Signing out ends every session and remember cookie of the account, on every device (the
account's session version is raised; see app/services/accounts.py).
"""

from __future__ import annotations

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions, permissions
from app.models import accounts
from app.services import accounts as accounts_service
from app.web import forms, helpers

bp = flask.Blueprint("auth", __name__, url_prefix="/auth")


def _policy() -> accounts_service.ThrottlePolicy:
    config = flask.current_app.config
    return accounts_service.ThrottlePolicy(
        max_failures=config["LOGIN_MAX_FAILURES"],
        ip_max_failures=config["LOGIN_IP_MAX_FAILURES"],
        lock_minutes=config["LOGIN_LOCK_MINUTES"],
    )


@bp.route("/login", methods=["GET", "POST"])
@permissions.public
def login() -> str | werkzeug.Response | tuple[str, int]:
    next_url = flask.request.args.get("next")
    if flask_login.current_user.is_authenticated:
        return flask.redirect(helpers.safe_next(next_url))
    form = forms.LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts_service.authenticate(
                extensions.db.session,
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
        flask.flash(_("Xin chào, %(name)s!", name=user.full_name), "success")
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
        accounts_service.sign_out_everywhere(extensions.db.session, user)
    flask_login.logout_user()
    lang = flask.session.get("lang")
    flask.session.clear()
    if lang:
        flask.session["lang"] = lang
    flask.flash(_("Bạn đã đăng xuất."), "info")
    return flask.redirect(flask.url_for("auth.login"))
