"""Catalog API: products and variants, OCOP certificates, links, categories, admin units."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import flask_login
import flask_smorest
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import extensions
from app.catalog import schemas as catalog_schemas
from app.catalog import service as catalog_service
from app.core import errors, pagination, permissions
from app.http import helpers
from app.models import catalog
from vietnam import admin_units

blp = flask_smorest.Blueprint(
    "catalog_api", __name__, url_prefix="/api/v1", description="Danh mục sản phẩm OCOP"
)

CERTIFICATE_FIELDS = ("score", "stars", "decision_number", "decision_date", "level", "authority")


# --- products ---------------------------------------------------------------------------


@blp.route("/products", methods=["GET"])
@permissions.require("catalog.view")
@blp.arguments(catalog_schemas.ProductListArgsSchema, location="query")
@blp.response(200, catalog_schemas.ProductPageSchema)
def list_products(args: dict[str, Any]) -> object:
    """Search and filter products, a page at a time: those of the producers your club works
    with (an admin: every product; a producer account: its own).

    `q` ignores case and Vietnamese diacritics and every word must match the
    name, brand, producer, a SKU or the category. `category_id` includes the
    category's sub-groups; `certificate_status` is judged on Vietnam's calendar.
    """
    page, per_page = args.pop("page"), args.pop("per_page")
    stmt = catalog_service.product_query(
        helpers.current_scope(),
        catalog_service.ProductFilters(**args),
        catalog_service.today_local(),
    ).options(
        so.joinedload(catalog.Product.producer),
        so.joinedload(catalog.Product.category),
        so.selectinload(catalog.Product.images),
    )
    return pagination.paginate(extensions.session(), stmt, page, per_page)


@blp.route("/products", methods=["POST"])
@permissions.require("catalog.edit")
@blp.arguments(catalog_schemas.ProductCreateSchema)
@blp.response(201, catalog_schemas.ProductDetailSchema)
def create_product(body: dict[str, Any]) -> object:
    """Create a product with its variants, all or nothing.

    Every problem is reported at once in `error.fields`, variants as
    `variants.<index>.<field>` (e.g. `variants.1.sku`). A producer account may
    only create products of its own organisation.
    """
    return catalog_service.save_product(extensions.session(), flask_login.current_user, body)


@blp.route("/products/<int:product_id>", methods=["GET"])
@permissions.require("catalog.view")
@blp.response(200, catalog_schemas.ProductDetailSchema)
def get_product(product_id: int) -> object:
    """One product with variants, photos, certificates (each with its status) and links
    (404 for a product of a producer your club does not work with)."""
    return catalog_service.get_product(extensions.session(), flask_login.current_user, product_id)


@blp.route("/products/<int:product_id>", methods=["PUT"])
@permissions.require("catalog.edit")
@blp.arguments(catalog_schemas.ProductUpdateSchema)
@blp.response(200, catalog_schemas.ProductDetailSchema)
def replace_product(body: dict[str, Any], product_id: int) -> object:
    """Replace a product and its whole set of variants (SKUs not listed are removed).

    Send the `version` you read: if someone saved in between, the answer is 409
    and nothing changes.
    """
    return catalog_service.save_product(
        extensions.session(), flask_login.current_user, body, product_id
    )


@blp.route("/products/<int:product_id>", methods=["DELETE"])
@permissions.require("catalog.edit")
@blp.response(204)
def delete_product(product_id: int) -> None:
    """Delete a product with its variants, certificates and links."""
    catalog_service.delete_product(extensions.session(), flask_login.current_user, product_id)


@blp.route("/products/<int:product_id>/links", methods=["PUT"])
@permissions.require("catalog.edit")
@blp.arguments(catalog_schemas.ProductLinksSchema)
@blp.response(200, catalog_schemas.ProductLinksSchema)
def replace_links(body: dict[str, Any], product_id: int) -> object:
    """Replace the where-to-buy links (shown on the public page)."""
    product = catalog_service.save_links(
        extensions.session(), flask_login.current_user, product_id, body["links"]
    )
    return {"links": product.links}


# --- certificates -----------------------------------------------------------------------


@blp.route("/products/<int:product_id>/certificates", methods=["GET"])
@permissions.require("catalog.view")
@blp.response(200, catalog_schemas.CertificateSchema(many=True))
def list_certificates(product_id: int) -> object:
    """A product's OCOP certificates, newest decision first (the first is the current one)."""
    product = catalog_service.get_product(
        extensions.session(), flask_login.current_user, product_id
    )
    return product.certificates


@blp.route("/products/<int:product_id>/certificates", methods=["POST"])
@permissions.require("catalog.edit")
@blp.arguments(catalog_schemas.CertificateCreateSchema)
@blp.response(201, catalog_schemas.CertificateSchema)
def create_certificate(body: dict[str, Any], product_id: int) -> object:
    """Record an OCOP certificate: give the score (stars derived) or the stars.

    When both are given they must agree (90–100 → 5★, 70–<90 → 4★, 50–<70 → 3★);
    only 3–5★ are certified. The expiry is 36 months after the decision date.
    """
    return catalog_service.save_certificate(
        extensions.session(), flask_login.current_user, product_id, body
    )


@blp.route("/products/<int:product_id>/certificates/<int:certificate_id>", methods=["PATCH"])
@permissions.require("catalog.edit")
@blp.arguments(catalog_schemas.CertificateUpdateSchema)
@blp.response(200, catalog_schemas.CertificateSchema)
def update_certificate(body: dict[str, Any], product_id: int, certificate_id: int) -> object:
    """Change some fields of a certificate; a new score without stars re-derives the stars."""
    current = extensions.session().get(catalog.Certificate, certificate_id)
    if current is None or current.product_id != product_id:
        raise errors.NotFound(_("Không tìm thấy giấy chứng nhận."))
    return catalog_service.save_certificate(
        extensions.session(),
        flask_login.current_user,
        product_id,
        _merged_certificate(current, body),
        certificate_id,
    )


def _merged_certificate(current: catalog.Certificate, body: dict[str, Any]) -> dict[str, Any]:
    data = {name: getattr(current, name) for name in CERTIFICATE_FIELDS}
    data["level"] = current.level.value
    if body.get("score") is not None and "stars" not in body:
        data["stars"] = None  # derive from the new score
    data.update(body)
    return data


@blp.route("/products/<int:product_id>/certificates/<int:certificate_id>", methods=["DELETE"])
@permissions.require("catalog.edit")
@blp.response(204)
def delete_certificate(product_id: int, certificate_id: int) -> None:
    """Delete a certificate; the product's stars follow the newest remaining one."""
    catalog_service.delete_certificate(
        extensions.session(), flask_login.current_user, product_id, certificate_id
    )


@blp.route("/certificates/expiring", methods=["GET"])
@permissions.require("catalog.view")
@blp.arguments(catalog_schemas.ExpiringArgsSchema, location="query", as_kwargs=True)
@blp.response(200, catalog_schemas.ExpiringPageSchema)
def list_expiring(page: int, per_page: int, days: int) -> object:
    """Current certificates expiring within `days` (default 90), soonest first."""
    today = catalog_service.today_local()
    scope = helpers.current_scope()
    stmt = catalog_service.expiring_query(scope, today, days).options(
        so.selectinload(catalog.Certificate.product).selectinload(catalog.Product.producer)
    )
    found = pagination.paginate(extensions.session(), stmt, page, per_page)
    return dataclasses.replace(found, items=[_expiring_row(c, today) for c in found.items])


def _expiring_row(certificate: catalog.Certificate, today: dt.date) -> dict[str, Any]:
    product = certificate.product
    return {
        "id": certificate.id,
        "product_id": product.id,
        "product_name": product.name,
        "producer_id": product.producer_id,
        "producer_name": product.producer.name,
        "stars": certificate.stars,
        "level": certificate.level.value,
        "decision_number": certificate.decision_number,
        "expires_on": certificate.expires_on,
        "days_left": (certificate.expires_on - today).days,
    }


# --- reference data -----------------------------------------------------------------------


@blp.route("/ocop-categories", methods=["GET"])
@permissions.require("catalog.view")
@blp.response(200, catalog_schemas.OcopCategorySchema(many=True))
def list_categories() -> object:
    """The OCOP category tree (ngành → nhóm → phân nhóm) as a flat list in display order."""
    return catalog_service.category_choices(extensions.session())


@blp.route("/admin-units/provinces", methods=["GET"])
@permissions.require("catalog.view")
@blp.response(200, catalog_schemas.AdminUnitSchema(many=True))
def list_provinces() -> object:
    """The 34 provinces and cities of the 2025 two-level map, by name."""
    return list(admin_units.provinces())


@blp.route("/admin-units/provinces/<int:code>/communes", methods=["GET"])
@permissions.require("catalog.view")
@blp.response(200, catalog_schemas.AdminUnitSchema(many=True))
def list_communes(code: int) -> object:
    """The communes and wards of one province, by name."""
    if admin_units.province(code) is None:
        raise errors.NotFound(_("Không tìm thấy tỉnh/thành phố."))
    return list(admin_units.communes(code))
