"""Producers API."""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest

from app import extensions
from app.catalog import schemas as catalog_schemas
from app.core import pagination, permissions
from app.http import helpers
from app.producers import service as producers_service

blp = flask_smorest.Blueprint(
    "producers_api", __name__, url_prefix="/api/v1/producers", description="Chủ thể sản xuất OCOP"
)


@blp.route("", methods=["GET"])
@permissions.require("catalog.view")
@blp.arguments(catalog_schemas.ProducerListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, catalog_schemas.ProducerPageSchema)
def list_producers(
    page: int, per_page: int, q: str | None = None, province_code: int | None = None
) -> object:
    """Producers by name, a page at a time: those your club works with (an admin: every
    producer, with `clubs`; a producer account: its own)."""
    scope = helpers.current_scope()
    stmt = producers_service.query(scope, q, province_code)
    return pagination.paginate(extensions.session(), stmt, page, per_page)


@blp.route("", methods=["POST"])
@permissions.require("producers.create")
@blp.arguments(catalog_schemas.ProducerCreateSchema)
@blp.response(201, catalog_schemas.ProducerSchema)
def create_producer(body: dict[str, Any]) -> object:
    """Create a producer; the address uses the 2025 map (province → commune codes).

    Names and tax codes are unique; the phone is stored as `0912345678`. The producer works
    with your club (an admin: the `club_id` given, else the working club, else none). A name
    or tax code of a producer your club does not work with is refused: an admin links that
    producer to the club instead.
    """
    return producers_service.create(extensions.session(), flask_login.current_user, body)


@blp.route("/<int:producer_id>", methods=["GET"])
@permissions.require("catalog.view")
@blp.response(200, catalog_schemas.ProducerSchema)
def get_producer(producer_id: int) -> object:
    """One producer (404 for one your club does not work with; a producer account: for
    another organisation)."""
    return producers_service.get(extensions.session(), flask_login.current_user, producer_id)


@blp.route("/<int:producer_id>", methods=["PATCH"])
@permissions.require("catalog.edit")
@blp.arguments(catalog_schemas.ProducerUpdateSchema)
@blp.response(200, catalog_schemas.ProducerSchema)
def update_producer(body: dict[str, Any], producer_id: int) -> object:
    """Change some fields; omitted ones stay, `null` clears an optional one."""
    return producers_service.update(
        extensions.session(), flask_login.current_user, producer_id, body
    )
