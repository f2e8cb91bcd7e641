"""User accounts (admin manages; coordinators read their club's members and the accounts of
the producers their club works with).

Account help: an admin (every account) and a coordinator (their own club's coordinators and
sellers) clear an account's sign-in lock or set a one-time password, returned once.
"""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest
import marshmallow as ma

from app import extensions
from app.accounts import schemas
from app.accounts import service as accounts_service
from app.core import pagination, permissions
from app.http import helpers
from app.models import accounts

blp = flask_smorest.Blueprint(
    "users", __name__, url_prefix="/api/v1/users", description="Tài khoản người dùng"
)
# Who may call account help (the service then narrows a coordinator to their own club's
# coordinators and sellers).
HELP_PERMISSION = "users.view"


class UnlockSchema(ma.Schema):
    user_id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    was_locked = ma.fields.Boolean(
        required=True, metadata={"description": "Tài khoản có đang bị khoá đăng nhập không"}
    )


class OneTimePasswordSchema(ma.Schema):
    user_id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    password = ma.fields.String(
        required=True,
        metadata={"description": "Mật khẩu một lần: chỉ trả về lần này, không xem lại được"},
    )
    must_change_password = ma.fields.Boolean(required=True)


@blp.route("", methods=["GET"])
@permissions.require("users.view")
@blp.arguments(schemas.UserListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, schemas.UserPageSchema)
def list_users(page: int, per_page: int, role: str | None = None) -> object:
    """List accounts, optionally of one role, a page at a time (a coordinator: their club's
    members and their club's producers' accounts)."""
    return pagination.paginate(
        extensions.session(),
        accounts_service.users_query(helpers.current_scope(), role),
        page,
        per_page,
    )


@blp.route("", methods=["POST"])
@permissions.require("users.manage")
@blp.arguments(schemas.UserCreateSchema)
@blp.response(201, schemas.UserSchema)
def create_user(body: dict[str, Any]) -> object:
    """Create an account. Coordinators and sellers need `club_id` (an active club); producers
    need `producer_id`; Youth Union accounts (`union`) need `union_province_code`."""
    return accounts_service.create_user(extensions.session(), **body)


@blp.route("/<int:user_id>", methods=["GET"])
@permissions.require("users.view")
@blp.response(200, schemas.UserSchema)
def get_user(user_id: int) -> object:
    """One account (404 outside the caller's scope)."""
    return accounts_service.get_user(extensions.session(), user_id, helpers.current_scope())


@blp.route("/<int:user_id>", methods=["PATCH"])
@permissions.require("users.manage")
@blp.arguments(schemas.UserUpdateSchema)
@blp.response(200, schemas.UserSchema)
def update_user(body: dict[str, Any], user_id: int) -> object:
    """Change name, email, role, producer, club, Youth Union unit, active flag or password;
    omitted fields stay. A new `password` or `active: false` ends every session of the account
    and revokes its API tokens; the last active admin can be neither locked nor given another
    role (422 on `active` or `role`)."""
    user = accounts_service.get_user(extensions.session(), user_id)
    return accounts_service.update_user(
        extensions.session(),
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


def _user_to_help(user_id: int) -> accounts.User:
    return accounts_service.user_to_help(extensions.session(), flask_login.current_user, user_id)


@blp.route("/<int:user_id>/unlock", methods=["POST"])
@permissions.require(HELP_PERMISSION)
@blp.response(200, UnlockSchema)
def unlock_user(user_id: int) -> object:
    """Clear the account's sign-in lock after too many wrong passwords (an admin: any account;
    a coordinator: their club's coordinators and sellers; another club's account is 404)."""
    user = _user_to_help(user_id)
    was_locked = accounts_service.unlock_sign_in(extensions.session(), user)
    return {"user_id": user.id, "username": user.username, "was_locked": was_locked}


@blp.route("/<int:user_id>/one-time-password", methods=["POST"])
@permissions.require(HELP_PERMISSION)
@blp.response(200, OneTimePasswordSchema)
def set_one_time_password(user_id: int) -> object:
    """Set a generated one-time password and return it once. The account must choose its own
    password at its next sign-in (until then its API tokens get 403
    `password_change_required`); every session of it ends, its tokens are revoked and its
    sign-in lock is cleared. Not for one's own account (422)."""
    user = _user_to_help(user_id)
    password = accounts_service.set_one_time_password(
        extensions.session(), user, by=flask_login.current_user
    )
    body = {
        "user_id": user.id,
        "username": user.username,
        "password": password,
        "must_change_password": True,
    }
    return body, 200, {"Cache-Control": "no-store"}
