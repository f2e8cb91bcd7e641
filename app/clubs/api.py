"""Clubs (the tenants) over the API: list, get, create, edit, archive, restore, producers.

Everyone with ``clubs.view`` reads the clubs their scope reaches (another club's id is a 404);
only admins write.
"""

from __future__ import annotations

from typing import Any

import flask_smorest

from app import extensions
from app.clubs import schemas as club_schemas
from app.clubs import service as clubs_service
from app.core import errors, pagination, permissions
from app.http import helpers

blp = flask_smorest.Blueprint(
    "clubs_api", __name__, url_prefix="/api/v1/clubs", description="Câu lạc bộ"
)


def _bank_errors_nested(exc: errors.ValidationError) -> errors.ValidationError:
    """Name bank-account problems as the request does: ``bank_account.account_number``."""
    fields = {
        (f"bank_account.{name}" if name in clubs_service.BANK_FIELDS else name): messages
        for name, messages in exc.fields.items()
    }
    return errors.ValidationError(exc.message, fields=fields)


@blp.route("", methods=["GET"])
@permissions.require("clubs.view")
@blp.arguments(club_schemas.ClubListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, club_schemas.ClubPageSchema)
def list_clubs(page: int, per_page: int, status: str = "active") -> object:
    """The clubs you reach, by name: an admin every club, a member their own, a Youth Union
    account the clubs under its unit."""
    archived = {"active": False, "archived": True, "all": None}[status]
    stmt = clubs_service.clubs_query(helpers.current_scope(), archived)
    return pagination.paginate(extensions.session(), stmt, page, per_page)


@blp.route("", methods=["POST"])
@permissions.require("clubs.manage")
@blp.arguments(club_schemas.ClubCreateSchema)
@blp.response(201, club_schemas.ClubSchema)
def create_club(body: dict[str, Any]) -> object:
    """Create a club: its name (unique), its Youth Union unit (province, optionally a commune
    in it, 2025 map codes), contact, default bank account for VietQR and producers."""
    try:
        return clubs_service.create_club(extensions.session(), helpers.current_scope(), body)
    except errors.ValidationError as exc:
        raise _bank_errors_nested(exc) from None


@blp.route("/<int:club_id>", methods=["GET"])
@permissions.require("clubs.view")
@blp.response(200, club_schemas.ClubSchema)
def get_club(club_id: int) -> object:
    """One club (404 for a club outside your scope)."""
    return clubs_service.get_club(extensions.session(), helpers.current_scope(), club_id)


@blp.route("/<int:club_id>", methods=["PATCH"])
@permissions.require("clubs.manage")
@blp.arguments(club_schemas.ClubUpdateSchema)
@blp.response(200, club_schemas.ClubSchema)
def update_club(body: dict[str, Any], club_id: int) -> object:
    """Change some fields; omitted ones stay, `null` clears an optional one (`bank_account`:
    `null` removes the account)."""
    try:
        return clubs_service.update_club(
            extensions.session(), helpers.current_scope(), club_id, body
        )
    except errors.ValidationError as exc:
        raise _bank_errors_nested(exc) from None


@blp.route("/<int:club_id>/archive", methods=["POST"])
@permissions.require("clubs.manage")
@blp.response(200, club_schemas.ClubSchema)
def archive_club(club_id: int) -> object:
    """Archive a club: its data and reports stay, its coordinators and sellers can no longer
    sign in and their API tokens stop working."""
    return clubs_service.archive_club(extensions.session(), helpers.current_scope(), club_id)


@blp.route("/<int:club_id>/restore", methods=["POST"])
@permissions.require("clubs.manage")
@blp.response(200, club_schemas.ClubSchema)
def restore_club(club_id: int) -> object:
    """Undo an archive: the club's members sign in again."""
    return clubs_service.restore_club(extensions.session(), helpers.current_scope(), club_id)


@blp.route("/<int:club_id>/producers", methods=["PUT"])
@permissions.require("clubs.manage")
@blp.arguments(club_schemas.ClubProducersSchema)
@blp.response(200, club_schemas.ClubSchema)
def set_producers(body: dict[str, Any], club_id: int) -> object:
    """The producers the club works with become exactly `producer_ids` (its members see and
    edit their catalog)."""
    return clubs_service.set_producers(
        extensions.session(), helpers.current_scope(), club_id, body["producer_ids"]
    )
