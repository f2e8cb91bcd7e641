"""The caller's personal API tokens."""

from __future__ import annotations

from typing import Any

import flask
import flask_login
import flask_smorest

from app import extensions
from app.accounts import schemas
from app.accounts import service as accounts_service
from app.core import permissions

blp = flask_smorest.Blueprint(
    "tokens", __name__, url_prefix="/api/v1/tokens", description="Mã API cá nhân"
)


@blp.route("", methods=["GET"])
@permissions.require("account.manage_own")
@blp.response(200, schemas.TokenSchema(many=True))
def list_tokens() -> object:
    """The caller's live tokens (the secrets themselves are never shown again)."""
    return accounts_service.user_tokens(extensions.session(), flask_login.current_user)


@blp.route("", methods=["POST"])
@permissions.require("account.manage_own")
@blp.arguments(schemas.TokenCreateSchema)
@blp.response(201, schemas.IssuedTokenSchema)
def create_token(body: dict[str, Any]) -> object:
    """Issue a token; its secret is in this reply only. Only a signed-in browser session (with
    its `X-CSRFToken` header) may: a call authenticated by a token is refused (403)."""
    issued = accounts_service.issue_token(
        extensions.session(),
        flask_login.current_user,
        body["name"],
        via_token=bool(flask.g.get("auth_via_token")),
    )
    token = issued.token
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": None,
        "token": issued.secret,
    }


@blp.route("/<int:token_id>", methods=["DELETE"])
@permissions.require("account.manage_own")
@blp.response(204)
def revoke_token(token_id: int) -> None:
    """Revoke one of the caller's tokens."""
    accounts_service.revoke_token(extensions.session(), flask_login.current_user, token_id)
