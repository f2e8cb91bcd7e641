"""Catalog pages: product list with search and filters, product form with its variants,
product detail with OCOP certificates and where-to-buy links, certificates expiring soon.

Everything is within the club scope (``app.tenancy``): a club's staff see and edit the
producers their club works with and their products; the Youth Union only reads.
"""

from __future__ import annotations

import re
from typing import Any

import flask
import flask_login
import sqlalchemy.orm as so
import werkzeug
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import extensions
from app.catalog import forms as catalog_forms
from app.catalog import service as catalog_service
from app.core import errors, labels, pagination, permissions, tenancy
from app.http import forms, helpers
from app.models import catalog
from app.producers import service as producers_service
from vietnam import ocop

bp = flask.Blueprint("catalog", __name__, url_prefix="/catalog", template_folder="templates")
PER_PAGE = 20
BLANK_VARIANT_ROWS = 3  # on a new product; an edited product gets one
BLANK_LINK_ROWS = 2
_ROW_INDEX = re.compile(r"^(variants|links)-(\d+)-")


@bp.app_context_processor
def _catalog_helpers() -> dict[str, Any]:
    """Helpers for catalog templates (also used by the dashboards and producer pages)."""
    return {
        "certificate_status": catalog_service.certificate_status,
        "certificate_status_labels": labels.CERTIFICATE_STATUS_LABELS,
        "certificate_level_labels": labels.CERTIFICATE_LEVEL_LABELS,
        "channel_labels": labels.CHANNEL_LABELS,
        "max_variants": catalog_service.MAX_VARIANTS,
    }


def _scope() -> tenancy.Scope:
    return tenancy.scope_for(extensions.session(), flask_login.current_user)


# --- list ----------------------------------------------------------------------------


@bp.route("/products")
@permissions.require("catalog.view")
def products() -> str:
    session = extensions.session()
    scope = _scope()
    form = catalog_forms.ProductFilterForm(flask.request.args)
    form.fill_choices(
        catalog_service.category_choices(session), producers_service.scope_producers(session, scope)
    )
    stmt = catalog_service.product_query(scope, form.filters(), catalog_service.today_local())
    page = pagination.paginate(
        session,
        stmt.options(
            so.selectinload(catalog.Product.images),
            so.selectinload(catalog.Product.producer),
            so.selectinload(catalog.Product.category),
        ),
        page=flask.request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    return flask.render_template(
        "catalog/products.html",
        page=page,
        form=form,
        args=form.args(),
        staff=scope.producer_id is None,
    )


# --- product form --------------------------------------------------------------------


def _product_form_page(
    form: catalog_forms.ProductForm, product: catalog.Product | None, status: int
) -> tuple[str, int]:
    session = extensions.session()
    producers = producers_service.scope_producers(session, _scope())
    empty = _l("— Chọn chủ thể —") if len(producers) != 1 else None
    form.producer_id.choices = catalog_forms.producer_choices(producers, empty)
    form.category_id.choices = catalog_forms.category_choices(
        catalog_service.category_choices(session), _l("— Chưa phân nhóm —")
    )
    body = flask.render_template("catalog/product_form.html", form=form, product=product)
    return body, status


def _posted_rows(prefix: str) -> int:
    """How many ``<prefix>-N-…`` rows the posted form holds (counted before WTForms builds
    them: 50,000 rows would take minutes)."""
    indices = set()
    for key in flask.request.form:
        match = _ROW_INDEX.match(key)
        if match and match.group(1) == prefix:
            indices.add(match.group(2))
    return len(indices)


def _refuse_too_many_variant_rows() -> None:
    """Far more rows than the service's cap (blank rows included): refused before the form is
    built, with the service's message. Up to twice the cap, the service reports it on the form."""
    rows = _posted_rows("variants")
    if rows > 2 * catalog_service.MAX_VARIANTS:
        message = catalog_service.variant_count_problem(rows)
        raise errors.ValidationError(message, fields={"variants": [str(message)]})


def _save_product(
    form: catalog_forms.ProductForm, product_id: int | None
) -> catalog.Product | None:
    """Save through the service; on a refusal, put its messages on the form."""
    data, rows = form.service_data()
    try:
        return catalog_service.save_product(
            extensions.session(), flask_login.current_user, data, product_id
        )
    except errors.ValidationError as exc:
        rest = catalog_forms.attach_row_errors(exc.fields, "variants", rows)
        helpers.flash_fields(errors.ValidationError(fields=rest), form)
        return None


@bp.route("/products/new", methods=["GET", "POST"])
@permissions.require("catalog.edit")
def product_new() -> tuple[str, int] | werkzeug.Response:
    if flask.request.method == "POST":
        _refuse_too_many_variant_rows()
    form = catalog_forms.ProductForm()
    if flask.request.method == "GET":
        form.producer_id.data = flask.request.args.get("producer_id", "")
        while len(form.variants.entries) < BLANK_VARIANT_ROWS:
            form.variants.append_entry()
        return _product_form_page(form, None, 200)
    if form.validate_on_submit():
        product = _save_product(form, None)
        if product is not None:
            flask.flash(_("Đã thêm sản phẩm %(name)s.", name=product.name), "success")
            return flask.redirect(flask.url_for("catalog.product_detail", product_id=product.id))
    return _product_form_page(form, None, 422)


def _editable_product(product_id: int) -> catalog.Product:
    return catalog_service.editable_product(
        extensions.session(), flask_login.current_user, product_id
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@permissions.require("catalog.edit")
def product_edit(product_id: int) -> tuple[str, int] | werkzeug.Response:
    product = _editable_product(product_id)
    stored = catalog_service.variant_count(extensions.session(), product.id)
    if stored > catalog_service.MAX_VARIANTS:
        # Stored before the cap existed: its form would take minutes to build and render.
        raise errors.Conflict(
            _(
                "Sản phẩm này có %(n)d phân loại, quá giới hạn %(max)d nên không sửa được trên "
                "trang này. Hãy gửi lại danh sách phân loại rút gọn qua API (PUT "
                "/api/v1/products/%(id)d).",
                n=stored,
                max=catalog_service.MAX_VARIANTS,
                id=product.id,
            )
        )
    if flask.request.method == "GET":
        form = catalog_forms.ProductForm(obj=product)
        form.variants.append_entry()
        return _product_form_page(form, product, 200)
    _refuse_too_many_variant_rows()
    form = catalog_forms.ProductForm()
    if form.validate_on_submit():
        try:
            saved = _save_product(form, product.id)
        except errors.Conflict as exc:
            # Keep what was typed (and the old version), so nothing is overwritten blindly.
            flask.flash(exc.message, "error")
            return _product_form_page(form, product, 409)
        if saved is not None:
            flask.flash(_("Đã lưu sản phẩm %(name)s.", name=saved.name), "success")
            return flask.redirect(flask.url_for("catalog.product_detail", product_id=saved.id))
    return _product_form_page(form, product, 422)


@bp.route("/products/<int:product_id>/delete", methods=["POST"])
@permissions.require("catalog.edit")
def product_delete(product_id: int) -> werkzeug.Response:
    if not forms.EmptyForm().validate_on_submit():
        flask.abort(400)
    user = flask_login.current_user
    product = catalog_service.get_product(extensions.session(), user, product_id)
    name = product.name
    catalog_service.delete_product(extensions.session(), user, product_id)
    flask.flash(_("Đã xoá sản phẩm %(name)s.", name=name), "success")
    return flask.redirect(flask.url_for("catalog.products"))


# --- detail --------------------------------------------------------------------------


def _category_path(category: catalog.OcopCategory | None) -> list[catalog.OcopCategory]:
    path: list[catalog.OcopCategory] = []
    while category is not None:
        path.insert(0, category)
        category = category.parent
    return path


@bp.route("/products/<int:product_id>")
@permissions.require("catalog.view")
def product_detail(product_id: int) -> str:
    session = extensions.session()
    product = catalog_service.get_product(session, flask_login.current_user, product_id)
    return flask.render_template(
        "catalog/product_detail.html",
        product=product,
        category_path=_category_path(product.category),
        can_edit=_scope().can_edit_producer(session, product.producer_id),
    )


# --- certificates --------------------------------------------------------------------


def _certificate_page(
    form: catalog_forms.CertificateForm,
    product: catalog.Product,
    certificate: catalog.Certificate | None,
    status: int,
) -> tuple[str, int]:
    body = flask.render_template(
        "catalog/certificate_form.html", form=form, product=product, certificate=certificate
    )
    return body, status


def _save_certificate(
    form: catalog_forms.CertificateForm, product: catalog.Product, certificate_id: int | None
) -> werkzeug.Response | None:
    try:
        catalog_service.save_certificate(
            extensions.session(),
            flask_login.current_user,
            product.id,
            form.service_data(),
            certificate_id,
        )
    except errors.ValidationError as exc:
        helpers.flash_fields(exc, form)
        return None
    flask.flash(_("Đã lưu giấy chứng nhận OCOP."), "success")
    return flask.redirect(
        flask.url_for("catalog.product_detail", product_id=product.id, _anchor="certificates")
    )


@bp.route("/products/<int:product_id>/certificates/new", methods=["GET", "POST"])
@permissions.require("catalog.edit")
def certificate_new(product_id: int) -> tuple[str, int] | werkzeug.Response:
    product = _editable_product(product_id)
    form = catalog_forms.CertificateForm()
    if form.validate_on_submit():
        done = _save_certificate(form, product, None)
        if done is not None:
            return done
    return _certificate_page(form, product, None, 422 if flask.request.method == "POST" else 200)


def _certificate_of(product: catalog.Product, certificate_id: int) -> catalog.Certificate:
    found = next((c for c in product.certificates if c.id == certificate_id), None)
    if found is None:
        raise errors.NotFound(_("Không tìm thấy giấy chứng nhận."))
    return found


@bp.route(
    "/products/<int:product_id>/certificates/<int:certificate_id>/edit", methods=["GET", "POST"]
)
@permissions.require("catalog.edit")
def certificate_edit(product_id: int, certificate_id: int) -> tuple[str, int] | werkzeug.Response:
    product = _editable_product(product_id)
    certificate = _certificate_of(product, certificate_id)
    if flask.request.method == "GET":
        form = catalog_forms.CertificateForm(obj=certificate)
        form.stars.data = "" if certificate.score is not None else str(certificate.stars)
        form.level.data = certificate.level.value
        form.score.data = _plain_number(certificate.score)
        return _certificate_page(form, product, certificate, 200)
    form = catalog_forms.CertificateForm()
    if form.validate_on_submit():
        done = _save_certificate(form, product, certificate.id)
        if done is not None:
            return done
    return _certificate_page(form, product, certificate, 422)


def _plain_number(value: Any) -> str:
    """78.00 → '78', 72.50 → '72.5' (what a person would type)."""
    if value is None:
        return ""
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


@bp.route("/products/<int:product_id>/certificates/<int:certificate_id>/delete", methods=["POST"])
@permissions.require("catalog.edit")
def certificate_delete(product_id: int, certificate_id: int) -> werkzeug.Response:
    if not forms.EmptyForm().validate_on_submit():
        flask.abort(400)
    catalog_service.delete_certificate(
        extensions.session(), flask_login.current_user, product_id, certificate_id
    )
    flask.flash(_("Đã xoá giấy chứng nhận."), "success")
    return flask.redirect(
        flask.url_for("catalog.product_detail", product_id=product_id, _anchor="certificates")
    )


@bp.route("/certificates/expiring")
@permissions.require("catalog.view")
def expiring() -> str:
    today = catalog_service.today_local()
    stmt = catalog_service.expiring_query(_scope(), today).options(
        so.selectinload(catalog.Certificate.product).selectinload(catalog.Product.producer)
    )
    page = pagination.paginate(
        extensions.session(),
        stmt,
        page=flask.request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    return flask.render_template(
        "catalog/expiring.html", page=page, today=today, days=ocop.EXPIRING_DAYS
    )


# --- where to buy ----------------------------------------------------------------------


@bp.route("/products/<int:product_id>/links", methods=["GET", "POST"])
@permissions.require("catalog.edit")
def links(product_id: int) -> tuple[str, int] | werkzeug.Response:
    product = _editable_product(product_id)
    status = 200
    if flask.request.method == "GET":
        form = catalog_forms.LinksForm(
            data={"links": [{"channel": link.channel, "url": link.url} for link in product.links]}
        )
        for _index in range(BLANK_LINK_ROWS):
            form.links.append_entry()
    else:
        posted = _posted_rows("links")
        if posted > 2 * catalog_service.MAX_LINKS:
            message = _("Mỗi sản phẩm có tối đa %(n)d nơi bán.", n=catalog_service.MAX_LINKS)
            raise errors.ValidationError(message, fields={"links": [message]})
        form = catalog_forms.LinksForm()
        if form.validate_on_submit():
            data, rows = form.service_data()
            try:
                catalog_service.save_links(
                    extensions.session(), flask_login.current_user, product.id, data
                )
            except errors.ValidationError as exc:
                rest = catalog_forms.attach_row_errors(exc.fields, "links", rows)
                helpers.flash_fields(errors.ValidationError(fields=rest), form)
            else:
                flask.flash(_("Đã lưu nơi bán."), "success")
                return flask.redirect(
                    flask.url_for("catalog.product_detail", product_id=product.id, _anchor="links")
                )
        status = 422
    body = flask.render_template("catalog/links.html", form=form, product=product)
    return body, status
