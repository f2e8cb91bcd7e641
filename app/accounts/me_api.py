"""The caller's own account."""

from __future__ import annotations

import flask_login
import flask_smorest

from app.accounts import schemas
from app.core import permissions

blp = flask_smorest.Blueprint(
    "me", __name__, url_prefix="/api/v1/me", description="Tài khoản đang gọi API"
)


@blp.route("", methods=["GET"])
@permissions.require("account.manage_own")
@blp.response(200, schemas.UserSchema)
def get_me() -> object:
    """Who am I: the account the token or session belongs to (with a bearer token, always the
    token's account, whatever session cookie comes with it)."""
    return flask_login.current_user
