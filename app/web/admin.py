"""User administration."""

from __future__ import annotations

import flask
import sqlalchemy as sa
import werkzeug
from flask_babel import gettext as _

from app import errors, extensions, pagination, permissions
from app.models import orgs
from app.services import accounts as accounts_service
from app.web import forms, helpers

bp = flask.Blueprint("admin", __name__, url_prefix="/admin")


def _producer_choices() -> list[forms.Choice]:
    producers = extensions.db.session.scalars(sa.select(orgs.Producer).order_by(orgs.Producer.name))
    return [forms.Choice("", _("— không —"))] + [
        forms.Choice(str(p.id), f"{p.name} ({p.province})") for p in producers
    ]


def _producer_id(form: forms.UserForm) -> int | None:
    return int(form.producer_id.data) if form.producer_id.data else None


@bp.route("/users")
@permissions.require("users.view")
def users() -> str:
    role = flask.request.args.get("role") or None
    if role not in (None, *accounts_service.Role):
        role = None
    page = pagination.paginate(
        extensions.db.session,
        accounts_service.users_query(role),
        page=flask.request.args.get("page", 1, type=int),
        per_page=25,
    )
    return flask.render_template("admin/users.html", page=page, role=role)


@bp.route("/users/new", methods=["GET", "POST"])
@permissions.require("users.manage")
def new_user() -> str | werkzeug.Response | tuple[str, int]:
    form = forms.UserForm()
    form.producer_id.choices = _producer_choices()
    if form.validate_on_submit():
        try:
            user = accounts_service.create_user(
                extensions.db.session,
                username=form.username.data or "",
                password=form.password.data or "",
                full_name=form.full_name.data or "",
                role=form.role.data or "",
                email=form.email.data or None,
                producer_id=_producer_id(form),
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
    form = forms.UserForm(obj=user if flask.request.method == "GET" else None)
    form.producer_id.choices = _producer_choices()
    if flask.request.method == "GET":
        form.role.data = user.role.value
        form.producer_id.data = str(user.producer_id or "")
        form.active.data = user.is_active_account
    if form.validate_on_submit():
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
            )
        except errors.ValidationError as exc:
            extensions.db.session.rollback()
            helpers.flash_fields(exc, form)
        else:
            flask.flash(_("Đã lưu tài khoản %(u)s.", u=user.username), "success")
            return flask.redirect(flask.url_for("admin.users"))
    status = 422 if form.errors else 200
    return flask.render_template("admin/user_form.html", form=form, user=user), status
