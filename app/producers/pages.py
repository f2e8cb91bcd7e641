"""Producer pages: list, create, edit, detail, and the communes of a province (for the form).

Within the club scope: a club's staff see the producers their club works with, a producer
account its own organisation, an admin every producer (with the clubs it works with).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
import flask_login
import sqlalchemy.orm as so
import werkzeug
from flask_babel import gettext as _

from app import extensions
from app.catalog import forms as catalog_forms
from app.catalog import service as catalog_service
from app.core import pagination, permissions, places, tenancy
from app.http import helpers
from app.models import catalog, orgs
from app.producers import service as producers_service

bp = flask.Blueprint("producers", __name__, url_prefix="/producers", template_folder="templates")
PER_PAGE = 20


@bp.route("/")
@permissions.require("catalog.view")
def index() -> str | werkzeug.Response:
    scope = tenancy.scope_for(extensions.session(), flask_login.current_user)
    if scope.producer_id is not None:  # a producer account has one organisation: its own
        return flask.redirect(flask.url_for("producers.detail", producer_id=scope.producer_id))
    search = catalog_forms.ProducerSearchForm(flask.request.args)
    show_clubs = permissions.can(flask_login.current_user, "clubs.manage")
    stmt = producers_service.query(scope, search.q.data or None, search.province)
    if show_clubs:
        stmt = stmt.options(so.selectinload(orgs.Producer.clubs))
    page = pagination.paginate(
        extensions.session(),
        stmt,
        page=flask.request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    args = {
        name: value
        for name, value in (("q", search.q.data), ("province_code", search.province_code.data))
        if value
    }
    return flask.render_template(
        "producers/index.html",
        page=page,
        search=search,
        args=args,
        show_clubs=show_clubs,
    )


def _form_page(
    form: catalog_forms.ProducerForm, producer: orgs.Producer | None, status: int
) -> tuple[str, int]:
    form.fill_choices()
    pick_club = producer is None and permissions.can(flask_login.current_user, "clubs.manage")
    if pick_club:
        # An admin picks the club a new producer works with (default: the working club).
        session = extensions.session()
        scope = tenancy.scope_for(session, flask_login.current_user)
        form.fill_clubs(
            [c for c in tenancy.club_choices(session, scope) if not c.is_archived],
            scope.home_club_id,
        )
    body = flask.render_template(
        "producers/form.html", form=form, producer=producer, pick_club=pick_club
    )
    return body, status


def _refreshing_communes() -> bool:
    """The no-JavaScript "show communes" button re-renders the form without saving."""
    return "refresh_communes" in flask.request.form


def _saved_form(
    form: catalog_forms.ProducerForm,
    producer: orgs.Producer | None,
    save: Callable[[dict[str, Any]], orgs.Producer],
    saved_message: Callable[[orgs.Producer], str],
) -> tuple[str, int] | werkzeug.Response:
    """The producer form (new when ``producer`` is None) after a request: saved, it goes to the
    producer's page; refused, the fields say why (422)."""
    if _refreshing_communes():
        return _form_page(form, producer, 200)
    done = helpers.saved(
        form,
        lambda: save(form.service_data()),
        saved_message,
        lambda row: flask.url_for("producers.detail", producer_id=row.id),
    )
    if done is not None:
        return done
    return _form_page(form, producer, 422 if flask.request.method == "POST" else 200)


@bp.route("/new", methods=["GET", "POST"])
@permissions.require("producers.create")
def new() -> tuple[str, int] | werkzeug.Response:
    return _saved_form(
        catalog_forms.ProducerForm(),
        None,
        lambda data: producers_service.create(extensions.session(), flask_login.current_user, data),
        lambda producer: _("Đã thêm chủ thể %(name)s.", name=producer.name),
    )


@bp.route("/<int:producer_id>/edit", methods=["GET", "POST"])
@permissions.require("catalog.edit")
def edit(producer_id: int) -> tuple[str, int] | werkzeug.Response:
    user = flask_login.current_user
    producer = producers_service.editable(extensions.session(), user, producer_id)
    if flask.request.method == "GET":
        form = catalog_forms.ProducerForm(obj=producer)
        form.type.data = producer.type.value
    else:
        form = catalog_forms.ProducerForm()
    return _saved_form(
        form,
        producer,
        lambda data: producers_service.update(extensions.session(), user, producer.id, data),
        lambda saved: _("Đã lưu chủ thể %(name)s.", name=saved.name),
    )


@bp.route("/<int:producer_id>")
@permissions.require("catalog.view")
def detail(producer_id: int) -> str:
    user = flask_login.current_user
    session = extensions.session()
    producer = producers_service.get(session, user, producer_id)
    scope = tenancy.scope_for(session, user)
    filters = catalog_service.ProductFilters(producer_id=producer.id)
    stmt = catalog_service.product_query(scope, filters, catalog_service.today_local())
    products = pagination.paginate(
        session,
        stmt.options(so.selectinload(catalog.Product.images)),
        page=flask.request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    return flask.render_template(
        "producers/detail.html",
        producer=producer,
        products=products,
        can_edit=scope.can_edit_producer(session, producer.id),
        show_clubs=permissions.can(user, "clubs.manage"),
    )


@bp.route("/communes")
@permissions.require("catalog.view")
def communes() -> dict[str, Any]:
    """``?province=<code>`` → the communes of that province on the 2025 map, as JSON."""
    return places.communes_json(flask.request.args.get("province", type=int))
