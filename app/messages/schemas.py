"""Shapes of the buyer messages' API: an order's message log and the rules per order event."""

from __future__ import annotations

import marshmallow as ma
import marshmallow.validate as mv

from app.http import schemas
from app.messages import connections, labels
from app.models import comments


class ProblemSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Mã lý do (máy đọc)"})
    params = ma.fields.Dict(required=True)
    message = ma.fields.Function(
        lambda p: labels.problem_label(p), metadata={"description": "Lý do, cho người đọc"}
    )


class OrderMessageSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event = ma.fields.String(allow_none=True, metadata={"description": "Sự kiện của đơn"})
    channel = ma.fields.String(required=True)
    status = ma.fields.Function(
        lambda m: str(m.status), metadata={"enum": [s.value for s in comments.MessageStatus]}
    )
    text = ma.fields.String(required=True)
    params = ma.fields.Function(
        lambda m: dict((m.params or {}).get("values") or {}),
        metadata={"description": "Giá trị điền vào mẫu ZNS"},
    )
    attempts = ma.fields.Integer(required=True)
    cost = ma.fields.Integer(allow_none=True, metadata={"description": "Đồng"})
    external_id = ma.fields.String(allow_none=True)
    tracking_id = ma.fields.String(allow_none=True)
    problem = ma.fields.Nested(ProblemSchema, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    sent_at = ma.fields.AwareDateTime(allow_none=True)
    delivered_at = ma.fields.AwareDateTime(allow_none=True)
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True)


class RuleSchema(ma.Schema):
    event = ma.fields.String(required=True)
    channel = ma.fields.String(required=True, validate=mv.OneOf(connections.CHANNELS))
    template = schemas.Id(
        allow_none=True,
        attribute="template_id",
        metadata={"description": "Mẫu ZNS đã đăng ký (id), cho kênh zalo_zns"},
    )
    params = ma.fields.Dict(
        keys=ma.fields.String(validate=mv.Length(max=60)),
        values=ma.fields.String(validate=mv.Length(max=200)),
        load_default=dict,
        metadata={"description": "Giá trị từng tham số của mẫu, có {trường}"},
    )
    text = ma.fields.String(
        allow_none=True,
        validate=mv.Length(max=1000),
        metadata={"description": "Nội dung cho Zalo OA/Messenger, có {trường}"},
    )
    enabled = ma.fields.Boolean(load_default=True)


class RuleInputSchema(RuleSchema):
    class Meta:
        exclude = ("event",)
