"""Clubs (the tenants): the admin's list, create, edit, archive pages.

Everyone with ``clubs.view`` lists the clubs their scope reaches (an admin every club, staff
their own, a Youth Union account the clubs under its unit); only admins change them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
import flask_login
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.accounts import service as accounts_service
from app.catalog import images as images_service
from app.clubs import service as clubs_service
from app.core import errors, pagination, permissions, tenancy
from app.http import forms, helpers
from app.models import orgs

bp = flask.Blueprint("clubs", __name__, url_prefix="/admin/clubs", template_folder="templates")
PER_PAGE = 25
STATUSES = ("active", "archived", "all")


@bp.before_app_request
def _end_sessions_of_archived_clubs() -> werkzeug.Response | None:
    """A signed-in coordinator or seller whose club was archived is signed out at once."""
    endpoint = flask.request.endpoint or ""
    if endpoint in ("static", "main.healthz") or endpoint.startswith("public."):
        return None  # no account involved: don't load one
    user = flask_login.current_user
    if not user.is_authenticated or flask.g.get("auth_via_token"):
        return None
    club = accounts_service.archived_club(user)
    if club is None:
        return None
    flask_login.logout_user()
    flask.session.clear()
    message = accounts_service.archived_club_message(club)
    if flask.request.path.startswith("/api/"):
        raise errors.Unauthorized(message)
    flask.flash(message, "error")
    return flask.redirect(flask.url_for("auth.login"))


def _scope() -> tenancy.Scope:
    return tenancy.scope_for(extensions.session(), flask_login.current_user)


def _producer_choices() -> list[forms.Choice]:
    return [
        forms.Choice(str(p.id), f"{p.name} ({p.province})")
        for p in clubs_service.producer_choices(extensions.session())
    ]


def _form(club: orgs.Club | None = None) -> forms.ClubForm:
    """The club form, prefilled from ``club`` (and its bank account) on GET."""
    form = forms.ClubForm()
    if club is not None and flask.request.method == "GET":
        for name in clubs_service.FIELDS:
            value = getattr(club, name)
            form[name].data = "" if value is None else str(value)
        account = clubs_service.bank_account(extensions.session(), club.id)
        if account is not None:
            for name in clubs_service.BANK_FIELDS:
                form[name].data = getattr(account, name)
        form.producer_ids.data = [str(p.id) for p in club.producers]
    form.fill_choices(clubs_service.bank_choices(), _producer_choices())
    return form


@bp.route("")
@permissions.require("clubs.view")
def index() -> str:
    status = flask.request.args.get("status", "active")
    if status not in STATUSES:
        status = "active"
    archived = {"active": False, "archived": True, "all": None}[status]
    session = extensions.session()
    page = pagination.paginate(
        session,
        clubs_service.clubs_query(_scope(), archived),
        page=flask.request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    members = clubs_service.member_counts(session, [club.id for club in page.items])
    return flask.render_template(
        "clubs/index.html", page=page, status=status, members=members, action_form=forms.EmptyForm()
    )


def _form_page(
    club: orgs.Club | None,
    save: Callable[[dict[str, Any]], orgs.Club],
    saved_message: Callable[[orgs.Club], str],
) -> str | werkzeug.Response | tuple[str, int]:
    """The club form (new when ``club`` is None): saved, it goes to the club's page; refused,
    the fields say why (422)."""
    form = _form(club)
    if "refresh_communes" not in flask.request.form:
        done = helpers.saved(
            form,
            lambda: save(form.club_data()),
            saved_message,
            lambda row: flask.url_for("clubs.detail", club_id=row.id),
        )
        if done is not None:
            return done
    status = 422 if form.errors else 200
    return flask.render_template("clubs/form.html", form=form, club=club), status


@bp.route("/new", methods=["GET", "POST"])
@permissions.require("clubs.manage")
def new() -> str | werkzeug.Response | tuple[str, int]:
    return _form_page(
        None,
        lambda data: clubs_service.create_club(extensions.session(), _scope(), data),
        lambda club: _("Đã tạo câu lạc bộ %(name)s.", name=club.name),
    )


@bp.route("/<int:club_id>")
@permissions.require("clubs.view")
def detail(club_id: int) -> str:
    session = extensions.session()
    club = clubs_service.get_club(session, _scope(), club_id)
    return flask.render_template(
        "clubs/detail.html",
        club=club,
        account=clubs_service.bank_account(session, club.id),
        bank_name=dict(clubs_service.bank_choices()),
        members=clubs_service.member_counts(session, [club.id]).get(club.id, 0),
        logo_form=forms.ClubLogoForm(),
        action_form=forms.EmptyForm(),
        logo_max_mb=images_service.MAX_BYTES // (1024 * 1024),
        logo_px=images_service.LOGO_SIZE,
    )


@bp.route("/<int:club_id>/edit", methods=["GET", "POST"])
@permissions.require("clubs.manage")
def edit(club_id: int) -> str | werkzeug.Response | tuple[str, int]:
    session = extensions.session()
    scope = _scope()
    club = clubs_service.get_club(session, scope, club_id)
    return _form_page(
        club,
        lambda data: clubs_service.update_club(session, scope, club.id, data),
        lambda saved: _("Đã lưu câu lạc bộ %(name)s.", name=saved.name),
    )


@bp.route("/<int:club_id>/archive", methods=["POST"])
@permissions.require("clubs.manage")
def archive(club_id: int) -> werkzeug.Response:
    if forms.EmptyForm().validate_on_submit():
        club = clubs_service.archive_club(extensions.session(), _scope(), club_id)
        flask.flash(
            _(
                "Đã lưu trữ %(name)s: điều phối viên và người bán của CLB không đăng nhập được "
                "nữa; dữ liệu và báo cáo vẫn giữ nguyên.",
                name=club.name,
            ),
            "success",
        )
    return flask.redirect(flask.url_for("clubs.detail", club_id=club_id))


@bp.route("/<int:club_id>/restore", methods=["POST"])
@permissions.require("clubs.manage")
def restore(club_id: int) -> werkzeug.Response:
    if forms.EmptyForm().validate_on_submit():
        club = clubs_service.restore_club(extensions.session(), _scope(), club_id)
        flask.flash(_("Đã khôi phục %(name)s.", name=club.name), "success")
    return flask.redirect(flask.url_for("clubs.detail", club_id=club_id))


@bp.route("/<int:club_id>/logo", methods=["POST"])
@permissions.require("clubs.manage")
def upload_logo(club_id: int) -> werkzeug.Response:
    form = forms.ClubLogoForm()
    target = flask.url_for("clubs.detail", club_id=club_id, _anchor="logo")
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flask.flash(str(message), "error")
        return flask.redirect(target)
    try:
        clubs_service.set_logo(
            extensions.session(),
            _scope(),
            club_id,
            form.logo.data,
            images_service.media_root(flask.current_app.config),
        )
    except errors.ValidationError as exc:
        for messages in exc.fields.values():
            for message in messages:
                flask.flash(message, "error")
    else:
        flask.flash(_("Đã cập nhật logo."), "success")
    return flask.redirect(target)


@bp.route("/<int:club_id>/logo/delete", methods=["POST"])
@permissions.require("clubs.manage")
def delete_logo(club_id: int) -> werkzeug.Response:
    if forms.EmptyForm().validate_on_submit():
        clubs_service.delete_logo(
            extensions.session(),
            _scope(),
            club_id,
            images_service.media_root(flask.current_app.config),
        )
        flask.flash(_("Đã xoá logo."), "success")
    return flask.redirect(flask.url_for("clubs.detail", club_id=club_id, _anchor="logo"))


@bp.route("/<int:club_id>/logo")
@permissions.require("clubs.view")
def logo(club_id: int) -> flask.Response:
    """The club's logo, for those who reach the club (it is not a public file)."""
    path = clubs_service.logo_file(
        extensions.session(),
        _scope(),
        club_id,
        images_service.media_root(flask.current_app.config),
    )
    return flask.send_file(path, max_age=3600)
