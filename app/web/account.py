"""The signed-in user's own account: language, password, API tokens."""

from __future__ import annotations

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import errors, extensions, permissions
from app.services import accounts as accounts_service
from app.web import forms, helpers

bp = flask.Blueprint("account", __name__, url_prefix="/account")


def _render(**extra: object) -> str:
    user = flask_login.current_user
    context = {
        "profile_form": forms.ProfileForm(locale=user.locale or "vi"),
        "password_form": forms.PasswordForm(),
        "token_form": forms.TokenForm(),
        "revoke_form": forms.EmptyForm(),
        "tokens": accounts_service.user_tokens(extensions.db.session, user),
        "new_secret": None,
    }
    context.update(extra)
    return flask.render_template("account/profile.html", **context)


@bp.route("/")
@permissions.require("account.manage_own")
def profile() -> str:
    return _render()


@bp.route("/locale", methods=["POST"])
@permissions.require("account.manage_own")
def save_locale() -> werkzeug.Response:
    form = forms.ProfileForm()
    if form.validate_on_submit():
        accounts_service.set_locale(
            extensions.db.session, flask_login.current_user, form.locale.data or "vi"
        )
        flask.session["lang"] = form.locale.data
        flask.flash(_("Đã lưu ngôn ngữ."), "success")
    return flask.redirect(flask.url_for("account.profile"))


@bp.route("/password", methods=["POST"])
@permissions.require("account.manage_own")
def change_password() -> str | werkzeug.Response | tuple[str, int]:
    form = forms.PasswordForm()
    if form.validate_on_submit():
        try:
            accounts_service.change_password(
                extensions.db.session,
                flask_login.current_user,
                form.current_password.data or "",
                form.new_password.data or "",
            )
        except errors.ValidationError as exc:
            helpers.flash_fields(exc, form)
        else:
            flask.flash(_("Đã đổi mật khẩu."), "success")
            return flask.redirect(flask.url_for("account.profile"))
    return _render(password_form=form), 422


@bp.route("/tokens", methods=["POST"])
@permissions.require("account.manage_own")
def create_token() -> str | tuple[str, int]:
    form = forms.TokenForm()
    if form.validate_on_submit():
        issued = accounts_service.issue_token(
            extensions.db.session, flask_login.current_user, form.name.data or ""
        )
        flask.flash(_("Đã tạo mã API. Hãy chép lại ngay: mã chỉ hiện một lần."), "success")
        return _render(new_secret=issued.secret)
    return _render(token_form=form), 422


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@permissions.require("account.manage_own")
def revoke_token(token_id: int) -> werkzeug.Response:
    if forms.EmptyForm().validate_on_submit():
        accounts_service.revoke_token(extensions.db.session, flask_login.current_user, token_id)
        flask.flash(_("Đã thu hồi mã API."), "success")
    return flask.redirect(flask.url_for("account.profile"))
