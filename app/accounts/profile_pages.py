"""The signed-in user's own account: language, password, API tokens, an admin's working club."""

from __future__ import annotations

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.accounts import auth_pages as auth
from app.accounts import service as accounts_service
from app.clubs import service as clubs_service
from app.core import errors, permissions
from app.http import forms, helpers
from app.models import accounts

bp = flask.Blueprint("account", __name__, url_prefix="/account", template_folder="templates")


def _working_club_form(form: forms.WorkingClubForm | None = None) -> forms.WorkingClubForm:
    user = flask_login.current_user
    if form is None:
        form = forms.WorkingClubForm(club_id=str(user.club_id or ""))
    form.club_id.choices = [forms.Choice("", _("— không chọn —"))] + [
        forms.Choice(str(club.id), club.name)
        for club in clubs_service.active_clubs(extensions.session())
    ]
    return form


def _render(**extra: object) -> str:
    user = flask_login.current_user
    is_admin = user.role == accounts.Role.ADMIN
    context = {
        "club_form": (extra.pop("club_form", None) or _working_club_form()) if is_admin else None,
        "union_unit": accounts_service.union_unit_name(
            user.union_province_code, user.union_commune_code
        ),
        "profile_form": forms.ProfileForm(locale=user.locale or "vi"),
        "password_form": forms.PasswordForm(),
        "token_form": forms.TokenForm(),
        "revoke_form": forms.EmptyForm(),
        "tokens": accounts_service.user_tokens(extensions.session(), user),
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
            extensions.session(), flask_login.current_user, form.locale.data or "vi"
        )
        flask.session["lang"] = form.locale.data
        flask.flash(_("Đã lưu ngôn ngữ."), "success")
    return flask.redirect(flask.url_for("account.profile"))


@bp.route("/club", methods=["POST"])
@permissions.require("account.manage_own")
def save_working_club() -> str | werkzeug.Response | tuple[str, int]:
    """An admin's working club: where the livestreams, orders and videos they create go."""
    if flask_login.current_user.role != accounts.Role.ADMIN:
        # Members belong to one club, set by an admin on the Users page.
        flask.flash(_("Chỉ quản trị viên chọn câu lạc bộ làm việc."), "error")
        return flask.redirect(flask.url_for("account.profile"))
    form = _working_club_form(forms.WorkingClubForm())
    if form.validate_on_submit():
        try:
            accounts_service.set_working_club(
                extensions.session(), flask_login.current_user, form.club_id.data or None
            )
        except errors.ValidationError as exc:
            helpers.flash_fields(exc, form)
        else:
            flask.flash(_("Đã lưu câu lạc bộ làm việc."), "success")
            return flask.redirect(flask.url_for("account.profile"))
    return _render(club_form=form), 422


@bp.route("/password", methods=["POST"])
@permissions.require("account.manage_own")
def change_password() -> str | werkzeug.Response | tuple[str, int]:
    form = forms.PasswordForm()
    if form.validate_on_submit():
        user = flask_login.current_user._get_current_object()
        try:
            accounts_service.change_password(
                extensions.session(),
                user,
                form.current_password.data or "",
                form.new_password.data or "",
            )
        except errors.ValidationError as exc:
            helpers.flash_fields(exc, form)
        else:
            auth.keep_signed_in(user)
            flask.flash(
                _(
                    "Đã đổi mật khẩu. Các thiết bị khác đã được đăng xuất và mọi mã API của bạn "
                    "đã bị thu hồi: hãy tạo mã mới cho script nếu cần."
                ),
                "success",
            )
            return flask.redirect(flask.url_for("account.profile"))
    return _render(password_form=form), 422


@bp.route("/tokens", methods=["POST"])
@permissions.require("account.manage_own")
def create_token() -> str | tuple[str, int]:
    form = forms.TokenForm()
    if form.validate_on_submit():
        issued = accounts_service.issue_token(
            extensions.session(),
            flask_login.current_user,
            form.name.data or "",
            via_token=bool(flask.g.get("auth_via_token")),
        )
        flask.flash(_("Đã tạo mã API. Hãy chép lại ngay: mã chỉ hiện một lần."), "success")
        return _render(new_secret=issued.secret)
    return _render(token_form=form), 422


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@permissions.require("account.manage_own")
def revoke_token(token_id: int) -> werkzeug.Response:
    if forms.EmptyForm().validate_on_submit():
        accounts_service.revoke_token(extensions.session(), flask_login.current_user, token_id)
        flask.flash(_("Đã thu hồi mã API."), "success")
    return flask.redirect(flask.url_for("account.profile"))
