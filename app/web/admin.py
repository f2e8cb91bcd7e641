"""User administration.

Admins create and edit every account; a coordinator lists (``users.view``) only their club's
members and the accounts of the producers their club works with.
"""

from __future__ import annotations

import flask
import flask_login
import sqlalchemy as sa
import werkzeug
from flask_babel import gettext as _

from app import errors, extensions, pagination, permissions, tenancy
from app.models import accounts, orgs
from app.services import accounts as accounts_service
from app.services import clubs as clubs_service
from app.web import auth, forms, helpers

bp = flask.Blueprint("admin", __name__, url_prefix="/admin")


@bp.app_template_global()
def union_unit_label(user: accounts.User) -> str:
    """The Youth Union unit of an account, for lists and the account page."""
    return (
        accounts_service.union_unit_name(user.union_province_code, user.union_commune_code) or "—"
    )


def _producer_choices() -> list[forms.Choice]:
    producers = extensions.db.session.scalars(sa.select(orgs.Producer).order_by(orgs.Producer.name))
    return [forms.Choice("", _("— không —"))] + [
        forms.Choice(str(p.id), f"{p.name} ({p.province})") for p in producers
    ]


def _club_choices(user: accounts.User | None) -> list[forms.Choice]:
    """Active clubs (staff join only those), plus the edited user's own club if archived."""
    clubs = clubs_service.active_clubs(extensions.db.session)
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


def _membership(form: forms.UserForm) -> dict[str, object]:
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
    session = extensions.db.session
    scope = tenancy.scope_for(session, flask_login.current_user)
    page = pagination.paginate(
        session,
        accounts_service.users_query(scope, role),
        page=flask.request.args.get("page", 1, type=int),
        per_page=25,
    )
    return flask.render_template("admin/users.html", page=page, role=role)


@bp.route("/users/new", methods=["GET", "POST"])
@permissions.require("users.manage")
def new_user() -> str | werkzeug.Response | tuple[str, int]:
    form = _form(None)
    if not _refreshing_communes() and form.validate_on_submit():
        try:
            user = accounts_service.create_user(
                extensions.db.session,
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
    user = accounts_service.get_user(extensions.db.session, user_id)
    form = _form(user)
    if not _refreshing_communes() and form.validate_on_submit():
        try:
            accounts_service.update_user(
                extensions.db.session,
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
            extensions.db.session.rollback()
            helpers.flash_fields(exc, form)
        else:
            if user.id == flask_login.current_user.id and form.password.data:
                # A new password ends the account's sessions; not the one that set it.
                auth.keep_signed_in(user)
            flask.flash(_("Đã lưu tài khoản %(u)s.", u=user.username), "success")
            return flask.redirect(flask.url_for("admin.users"))
    status = 422 if form.errors else 200
    return flask.render_template("admin/user_form.html", form=form, user=user), status
