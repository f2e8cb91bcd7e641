"""The carrier accounts API: the club's accounts at GHN, GHTK, Viettel Post and Vietnam Post
(never a secret back), connecting one, turning one off or on. Another club's account answers
404, as a missing one does."""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest
import marshmallow as ma
import marshmallow.validate as mv

from app import extensions
from app.core import permissions
from app.http import addresses, schemas
from app.models import shipping as models
from app.shipping import accounts, labels

blp = flask_smorest.Blueprint(
    "carriers_api",
    __name__,
    url_prefix="/api/v1/shipping/carriers",
    description="Tài khoản hãng vận chuyển: GHN, GHTK, Viettel Post, Vietnam Post",
)


def webhook_url(key: str) -> str:
    """The absolute address a carrier calls for an account (PUBLIC_BASE_URL when set)."""
    return addresses.public_url("carrier_hooks.receive", key=key)


def _problem(row: models.CarrierAccount) -> dict[str, Any] | None:
    return schemas.stored_problem(row.last_problem, labels.problem_label)


class CarrierAccountSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    carrier = ma.fields.String(required=True, metadata={"enum": list(accounts.CARRIERS)})
    carrier_name = ma.fields.Function(lambda row: labels.carrier_name(row.carrier))
    label = ma.fields.String(required=True)
    active = ma.fields.Boolean(required=True)
    config = ma.fields.Function(
        lambda row: dict(row.config or {}),
        metadata={"type": "object", "description": "Cài đặt không bí mật của hãng"},
    )
    webhook_url = ma.fields.Function(
        lambda row: webhook_url(row.webhook_key),
        metadata={"type": "string", "description": "Địa chỉ webhook khai báo với hãng"},
    )
    last_received_at = ma.fields.AwareDateTime(allow_none=True)
    last_problem = ma.fields.Function(
        _problem, metadata={"description": "Sự cố gần nhất: code, message, at"}
    )
    created_at = ma.fields.AwareDateTime(required=True)


class CarrierAccountCreateSchema(ma.Schema):
    carrier = ma.fields.String(required=True, validate=mv.OneOf(accounts.CARRIERS))
    label = ma.fields.String(load_default="", validate=mv.Length(max=100))
    settings = ma.fields.Dict(
        keys=ma.fields.String(validate=mv.Length(max=50)),
        values=ma.fields.String(validate=mv.Length(max=500)),
        load_default=dict,
        metadata={"description": "Cài đặt theo config_schema của hãng (token, shop_id…)"},
    )


class CarrierAccountPatchSchema(ma.Schema):
    active = ma.fields.Boolean(required=True)


def _user() -> Any:
    return flask_login.current_user


@blp.route("", methods=["GET"])
@permissions.require("shipping.book")
@blp.response(200, CarrierAccountSchema(many=True))
def list_accounts() -> object:
    """The carrier accounts of the clubs the user reaches, with their webhook addresses."""
    return accounts.accounts_for(extensions.session(), _user())


@blp.route("", methods=["POST"])
@permissions.require("shipping.manage")
@blp.arguments(CarrierAccountCreateSchema)
@blp.response(201, CarrierAccountSchema)
def create_account(body: dict[str, Any]) -> object:
    """Connect the user's club to a carrier account (secrets sealed, never shown back)."""
    return accounts.connect(
        extensions.session(),
        _user(),
        carrier=body["carrier"],
        settings=body["settings"],
        label=body["label"],
    )


@blp.route("/<int:carrier_account_id>", methods=["PATCH"])
@permissions.require("shipping.manage")
@blp.arguments(CarrierAccountPatchSchema)
@blp.response(200, CarrierAccountSchema)
def update_account(body: dict[str, Any], carrier_account_id: int) -> object:
    """Turn an account off (no booking; its webhook address answers 404) or on."""
    return accounts.set_active(extensions.session(), _user(), carrier_account_id, body["active"])
