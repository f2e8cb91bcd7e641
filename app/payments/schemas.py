"""Shapes of the payments API: connections (never a secret), transactions, settling one."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import marshmallow.validate as mv

from app.http import addresses, schemas
from app.models import payments as models
from app.payments import connections, labels, review

STATE_CHOICES = [str(s) for s in models.MatchState] + [review.REVIEW, review.APPLIED]


def webhook_url(token: str) -> str:
    """The absolute address a service calls for a connection (PUBLIC_BASE_URL when set)."""
    return addresses.public_url("payment_hooks.receive", token=token)


def _problem(row: models.PaymentConnection) -> dict[str, Any] | None:
    return schemas.stored_problem(row.last_problem, labels.problem_label)


class ConnectionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    provider = ma.fields.String(required=True, metadata={"enum": list(connections.PROVIDERS)})
    label = ma.fields.String(required=True)
    bank_bin = ma.fields.String(required=True)
    account_number = ma.fields.String(required=True)
    active = ma.fields.Boolean(required=True)
    config = ma.fields.Function(
        connections.shown_config,
        metadata={"type": "object", "description": "Cài đặt không bí mật của dịch vụ"},
    )
    webhook_url = ma.fields.Function(
        lambda row: webhook_url(row.webhook_token),
        metadata={"type": "string", "description": "Địa chỉ dán vào trang của dịch vụ"},
    )
    last_received_at = ma.fields.AwareDateTime(allow_none=True)
    last_problem = ma.fields.Function(
        _problem, metadata={"description": "Lần gọi bị từ chối gần nhất: code, message, at"}
    )
    created_at = ma.fields.AwareDateTime(required=True)


class ConnectionCreateSchema(ma.Schema):
    provider = ma.fields.String(required=True, validate=mv.OneOf(connections.PROVIDERS))
    bank_bin = ma.fields.String(
        required=True, validate=mv.Length(max=6), metadata={"description": "Mã BIN ngân hàng"}
    )
    account_number = ma.fields.String(required=True, validate=mv.Length(max=30))
    label = ma.fields.String(load_default="", validate=mv.Length(max=100))
    settings = ma.fields.Dict(
        keys=ma.fields.String(validate=mv.Length(max=50)),
        values=ma.fields.String(validate=mv.Length(max=500)),
        load_default=dict,
        metadata={
            "description": "Cài đặt của dịch vụ theo config_schema (SePay: auth, webhook_secret "
            "hoặc api_key; Casso: checksum_key; payOS: client_id, api_key, checksum_key)"
        },
    )


class TransactionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    provider = ma.fields.String(required=True)
    transaction_id = ma.fields.String(required=True)
    connection_id = ma.fields.Integer(allow_none=True)
    account_number = ma.fields.String(required=True)
    amount = ma.fields.Integer(required=True, metadata={"description": "Đồng"})
    direction = ma.fields.String(required=True, metadata={"enum": ["in", "out"]})
    content = ma.fields.String(required=True)
    reference = ma.fields.String(required=True)
    counter_account_name = ma.fields.String(required=True)
    occurred_at = ma.fields.AwareDateTime(required=True)
    received_at = ma.fields.AwareDateTime(required=True)
    state = ma.fields.Function(
        lambda t: str(t.state), metadata={"enum": [str(s) for s in models.MatchState]}
    )
    state_label = ma.fields.Function(lambda t: labels.state_label(t.state))
    reason = ma.fields.Function(lambda t: (t.match_note or {}).get("reason"))
    note = ma.fields.Function(lambda t: labels.note_label(t.match_note))
    order_id = ma.fields.Integer(allow_none=True)
    applied_amount = ma.fields.Integer(required=True)
    assigned_at = ma.fields.AwareDateTime(allow_none=True)


class TransactionPageSchema(schemas.PageSchema):
    items = ma.fields.List(ma.fields.Nested(TransactionSchema), required=True)


class TransactionListArgsSchema(schemas.PageArgsSchema):
    state = ma.fields.String(
        load_default=review.REVIEW,
        validate=mv.OneOf(STATE_CHOICES),
        metadata={
            "description": "review (mặc định: chưa khớp, cần chọn đơn), applied, hoặc một "
            "trạng thái"
        },
    )
    date_from = schemas.BusinessDate(metadata={"description": "Ngày (giờ Việt Nam)"})
    date_to = schemas.BusinessDate()
    q = ma.fields.String(load_default="", validate=mv.Length(max=100))


class AssignSchema(ma.Schema):
    order_id = schemas.Id(required=True)
