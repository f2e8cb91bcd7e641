"""User administration.

Admins create and edit every account; a coordinator lists (``users.view``) only their club's
members and the accounts of the producers their club works with.

Account help (``/admin/users/<id>/help``): an admin for every account, a coordinator for the
coordinators and sellers of their own club, clears a sign-in lock or sets a one-time password
(shown once on the page that set it) that must be changed at the next sign-in.
"""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import sqlalchemy as sa
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.accounts import auth_pages as auth
from app.accounts import service as accounts_service
from app.clubs import service as clubs_service
from app.core import errors, pagination, permissions, tenancy
from app.http import forms, helpers
from app.models import accounts, orgs

bp = flask.Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
# Who may open account help: the roles that list accounts; the service then allows an admin
# every account and a coordinator their own club's coordinators and sellers.
HELP_PERMISSION = "users.view"


@bp.app_template_global()
def union_unit_label(user: accounts.User) -> str:
    """The Youth Union unit of an account, for lists and the account page."""
    return (
        accounts_service.union_unit_name(user.union_province_code, user.union_commune_code) or "—"
    )


def _producer_choices() -> list[forms.Choice]:
    producers = extensions.session().scalars(sa.select(orgs.Producer).order_by(orgs.Producer.name))
    return [forms.Choice("", _("— không —"))] + [
        forms.Choice(str(p.id), f"{p.name} ({p.province})") for p in producers
    ]


def _club_choices(user: accounts.User | None) -> list[forms.Choice]:
    """Active clubs (staff join only those), plus the edited user's own club if archived."""
    clubs = clubs_service.active_clubs(extensions.session())
    if user is not None and user.club is not None and user.club not in clubs:
        clubs.append(user.club)
    return [forms.Choice("", _("— không —"))] + [
        forms.Choice(str(c.id), c.name + (" " + _("(đã lưu trữ)") if c.is_archived else ""))
        for c in clubs
    ]


def _form(user: accounts.User | None) -> forms.UserForm:
    form = forms.UserForm(obj=user if user is not None and flask.request.method == "GET" else None)
    if user is not None and flask.request.method == "GET":
        form.role.data = user.role.value
        form.producer_id.data = str(user.producer_id or "")
        form.club_id.data = str(user.club_id or "")
        form.union_province_code.data = str(user.union_province_code or "")
        form.union_commune_code.data = str(user.union_commune_code or "")
        form.active.data = user.is_active_account
    elif user is None and flask.request.method == "GET":
        # A new member most often joins the admin's own working club.
        form.club_id.data = str(flask_login.current_user.club_id or "")
    form.producer_id.choices = _producer_choices()
    form.club_id.choices = _club_choices(user)
    form.fill_unit_choices()
    return form


def _producer_id(form: forms.UserForm) -> int | None:
    return int(form.producer_id.data) if form.producer_id.data else None


def _membership(form: forms.UserForm) -> dict[str, Any]:
    return {
        "club_id": form.club_id.data or None,
        "union_province_code": form.union_province_code.data or None,
        "union_commune_code": form.union_commune_code.data or None,
    }


def _refreshing_communes() -> bool:
    """The no-JavaScript "show communes" button re-renders the form without saving."""
    return "refresh_communes" in flask.request.form


@bp.route("/users")
@permissions.require("users.view")
def users() -> str:
    role = flask.request.args.get("role") or None
    if role not in (None, *accounts_service.Role):
        role = None
    session = extensions.session()
    scope = tenancy.scope_for(session, flask_login.current_user)
    page = pagination.paginate(
        session,
        accounts_service.users_query(scope, role),
        page=flask.request.args.get("page", 1, type=int),
        per_page=25,
    )
    me = flask_login.current_user
    return flask.render_template(
        "admin/users.html",
        page=page,
        role=role,
        locks=accounts_service.sign_in_locks(session, list(page.items)),
        helpable={u.id for u in page.items if u.id != me.id and accounts_service.can_help(me, u)},
    )


@bp.route("/users/new", methods=["GET", "POST"])
@permissions.require("users.manage")
def new_user() -> str | werkzeug.Response | tuple[str, int]:
    form = _form(None)
    if not _refreshing_communes() and form.validate_on_submit():
        try:
            user = accounts_service.create_user(
                extensions.session(),
                username=form.username.data or "",
                password=form.password.data or "",
                full_name=form.full_name.data or "",
                role=form.role.data or "",
                email=form.email.data or None,
                producer_id=_producer_id(form),
                **_membership(form),
            )
        except errors.ValidationError as exc:
            helpers.flash_fields(exc, form)
        else:
            flask.flash(_("Đã tạo tài khoản %(u)s.", u=user.username), "success")
            return flask.redirect(flask.url_for("admin.users"))
    status = 422 if form.errors else 200
    return flask.render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@permissions.require("users.manage")
def edit_user(user_id: int) -> str | werkzeug.Response | tuple[str, int]:
    user = accounts_service.get_user(extensions.session(), user_id)
    form = _form(user)
    if not _refreshing_communes() and form.validate_on_submit():
        try:
            accounts_service.update_user(
                extensions.session(),
                user,
                full_name=form.full_name.data or "",
                role=form.role.data or "",
                email=form.email.data or None,
                producer_id=_producer_id(form),
                active=bool(form.active.data),
                new_password=form.password.data or None,
                **_membership(form),
            )
        except errors.ValidationError as exc:
            helpers.flash_fields(exc, form)
        else:
            if user.id == flask_login.current_user.id and form.password.data:
                # A new password ends the account's sessions; not the one that set it.
                auth.keep_signed_in(user)
            flask.flash(_("Đã lưu tài khoản %(u)s.", u=user.username), "success")
            return flask.redirect(flask.url_for("admin.users"))
    status = 422 if form.errors else 200
    return flask.render_template("admin/user_form.html", form=form, user=user), status


def _user_to_help(user_id: int) -> accounts.User:
    return accounts_service.user_to_help(extensions.session(), flask_login.current_user, user_id)


@bp.route("/users/<int:user_id>/help")
@permissions.require(HELP_PERMISSION)
def user_help(user_id: int) -> str:
    """An account's sign-in lock and the buttons to clear it or set a one-time password."""
    user = _user_to_help(user_id)
    locks = accounts_service.sign_in_locks(extensions.session(), [user])
    return flask.render_template(
        "admin/user_help.html", user=user, locked_until=locks.get(user.id), form=forms.EmptyForm()
    )


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@permissions.require(HELP_PERMISSION)
def unlock_user(user_id: int) -> werkzeug.Response:
    user = _user_to_help(user_id)
    if forms.EmptyForm().validate_on_submit():
        if accounts_service.unlock_sign_in(extensions.session(), user):
            flask.flash(
                _(
                    "Đã mở khoá đăng nhập cho %(u)s: tài khoản đăng nhập lại được ngay.",
                    u=user.username,
                ),
                "success",
            )
        else:
            flask.flash(
                _(
                    "%(u)s không bị khoá đăng nhập; đã xoá số lần nhập sai mật khẩu.",
                    u=user.username,
                ),
                "info",
            )
    return flask.redirect(flask.url_for("admin.user_help", user_id=user.id))


@bp.route("/users/<int:user_id>/one-time-password", methods=["POST"])
@permissions.require(HELP_PERMISSION)
def one_time_password(user_id: int) -> werkzeug.Response:
    """Set a generated one-time password and show it once, on this response only (never in a
    flash message or the session, never logged, not cached)."""
    user = _user_to_help(user_id)
    if not forms.EmptyForm().validate_on_submit():
        return flask.redirect(flask.url_for("admin.user_help", user_id=user.id))
    try:
        password = accounts_service.set_one_time_password(
            extensions.session(), user, by=flask_login.current_user
        )
    except errors.ValidationError as exc:
        flask.flash(exc.message, "error")
        return flask.redirect(flask.url_for("admin.user_help", user_id=user.id))
    response = flask.make_response(
        flask.render_template("admin/one_time_password.html", user=user, password=password)
    )
    response.headers["Cache-Control"] = "no-store"
    return response
