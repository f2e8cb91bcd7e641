"""User accounts (admin manages; coordinators read their club's members and the accounts of
the producers their club works with)."""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest

from app import extensions, pagination, permissions, tenancy
from app.api import schemas
from app.services import accounts as accounts_service

blp = flask_smorest.Blueprint(
    "users", __name__, url_prefix="/api/v1/users", description="Tài khoản người dùng"
)


@blp.route("", methods=["GET"])
@permissions.require("users.view")
@blp.arguments(schemas.UserListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, schemas.UserPageSchema)
def list_users(page: int, per_page: int, role: str | None = None) -> object:
    """List accounts, optionally of one role, a page at a time (a coordinator: their club's
    members and their club's producers' accounts)."""
    return pagination.paginate(
        extensions.db.session, accounts_service.users_query(_scope(), role), page, per_page
    )


def _scope() -> tenancy.Scope:
    return tenancy.scope_for(extensions.db.session, flask_login.current_user)


@blp.route("", methods=["POST"])
@permissions.require("users.manage")
@blp.arguments(schemas.UserCreateSchema)
@blp.response(201, schemas.UserSchema)
def create_user(body: dict[str, Any]) -> object:
    """Create an account. Coordinators and sellers need `club_id` (an active club); producers
    need `producer_id`; Youth Union accounts (`union`) need `union_province_code`."""
    return accounts_service.create_user(extensions.db.session, **body)


@blp.route("/<int:user_id>", methods=["GET"])
@permissions.require("users.view")
@blp.response(200, schemas.UserSchema)
def get_user(user_id: int) -> object:
    """One account (404 outside the caller's scope)."""
    return accounts_service.get_user(extensions.db.session, user_id, _scope())


@blp.route("/<int:user_id>", methods=["PATCH"])
@permissions.require("users.manage")
@blp.arguments(schemas.UserUpdateSchema)
@blp.response(200, schemas.UserSchema)
def update_user(body: dict[str, Any], user_id: int) -> object:
    """Change name, email, role, producer, club, Youth Union unit, active flag or password;
    omitted fields stay. A new `password` or `active: false` ends every session of the account
    and revokes its API tokens; the last active admin can be neither locked nor given another
    role (422 on `active` or `role`)."""
    user = accounts_service.get_user(extensions.db.session, user_id)
    return accounts_service.update_user(
        extensions.db.session,
        user,
        full_name=body.get("full_name", user.full_name),
        role=body.get("role", user.role.value),
        email=body.get("email", user.email),
        producer_id=body.get("producer_id", user.producer_id),
        active=body.get("active", user.is_active_account),
        new_password=body.get("password"),
        club_id=body.get("club_id", user.club_id),
        union_province_code=body.get("union_province_code", user.union_province_code),
        union_commune_code=body.get("union_commune_code", user.union_commune_code),
    )
