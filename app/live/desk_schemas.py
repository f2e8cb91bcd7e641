"""Shapes of the live desk's API: comments with their proposals, the figures, the waitlist,
replies and captures."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import marshmallow.validate as mv

from app.core import labels
from app.http import schemas
from app.live import desk
from app.models import comments as models


class DeskProposalSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Mã sản phẩm trong kịch bản"})
    slot_id = ma.fields.Integer(required=True)
    product_name = ma.fields.String(required=True)
    quantity = ma.fields.Integer(required=True)
    unit_price = ma.fields.Integer(required=True, metadata={"description": "Đồng"})
    amount = ma.fields.Integer(required=True, metadata={"description": "Đồng, số lượng × giá"})
    from_slot_on_air = ma.fields.Boolean(
        required=True, metadata={"description": "Bình luận không có mã: lấy sản phẩm đang lên sóng"}
    )


class DeskReplySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    channel = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    text = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


def _order_code(item: desk.Item) -> str | None:
    order = item.comment.order
    return order.external_id if order is not None else None


class DeskItemSchema(ma.Schema):
    """A comment on the desk, flattened from ``desk.Item``."""

    id = ma.fields.Function(lambda i: i.comment.id, metadata={"type": "integer"})
    text = ma.fields.Function(lambda i: i.comment.text)
    author_id = ma.fields.Function(lambda i: i.comment.author_id)
    author_name = ma.fields.Function(lambda i: i.comment.author_name)
    platform = ma.fields.Function(lambda i: i.comment.platform)
    origin = ma.fields.Function(lambda i: i.comment.origin.value)
    commented_at = ma.fields.Function(lambda i: i.comment.commented_at.isoformat())
    edited = ma.fields.Function(lambda i: i.comment.edited_at is not None)
    deleted = ma.fields.Function(lambda i: i.comment.deleted_at is not None)
    state = ma.fields.Function(
        lambda i: i.comment.state.value,
        metadata={"enum": [s.value for s in models.DeskState]},
    )
    taken_by = ma.fields.Function(
        lambda i: i.comment.taken_by.username if i.comment.taken_by else None
    )
    order_id = ma.fields.Function(lambda i: i.comment.order_id)
    order_code = ma.fields.Function(_order_code)
    can_reply_privately = ma.fields.Function(lambda i: i.comment.can_reply_privately)
    proposals = ma.fields.List(ma.fields.Nested(DeskProposalSchema), required=True)
    phone = ma.fields.String(allow_none=True)
    earlier_orders = ma.fields.Integer(required=True)
    reply = ma.fields.Nested(DeskReplySchema, allow_none=True)


class DeskSlotFigureSchema(ma.Schema):
    code = ma.fields.String(required=True)
    product_name = ma.fields.String(required=True)
    units = ma.fields.Integer(required=True, metadata={"description": "Đã bán trong phiên"})
    stock = ma.fields.Integer(allow_none=True, metadata={"description": "Tồn kho còn lại"})


class DeskFiguresSchema(ma.Schema):
    gmv = ma.fields.Integer(required=True, metadata={"description": "Đồng, các đơn hợp lệ"})
    orders = ma.fields.Integer(required=True)
    comments = ma.fields.Integer(required=True)
    comments_per_minute = ma.fields.Float(required=True, metadata={"description": "5 phút qua"})
    slots = ma.fields.List(ma.fields.Nested(DeskSlotFigureSchema), required=True)


class DeskFeedArgsSchema(ma.Schema):
    after = schemas.BoundedInt(
        minimum=0, load_default=0, metadata={"description": "Mã bình luận cuối đã nhận (0: từ đầu)"}
    )
    limit = schemas.BoundedInt(minimum=1, maximum=desk.FEED_LIMIT, load_default=desk.FEED_LIMIT)
    since = ma.fields.AwareDateTime(
        load_default=None,
        metadata={"description": "since của lần đọc trước: gửi lại cả các bình luận đã đổi"},
    )


class DeskFeedSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DeskItemSchema), required=True)
    last = ma.fields.Integer(
        required=True, metadata={"description": "Gửi lại làm after ở lần đọc sau"}
    )
    figures = ma.fields.Nested(DeskFiguresSchema, required=True)
    changed = ma.fields.List(
        ma.fields.Nested(DeskItemSchema),
        metadata={
            "description": "Bình luận đã nhận (mã ≤ after) đổi từ since: nhận, chốt, giữ hàng"
        },
    )
    since = ma.fields.AwareDateTime(
        required=True, metadata={"description": "Gửi lại làm since ở lần đọc sau"}
    )


class DeskWaitingSchema(ma.Schema):
    item = ma.fields.Nested(DeskItemSchema, required=True)
    available = ma.fields.Boolean(
        required=True, metadata={"description": "Tồn kho hiện đủ cho bình luận này"}
    )


class DeskManualCommentsSchema(ma.Schema):
    comments = ma.fields.String(
        required=True,
        validate=mv.Length(min=1, max=100_000),
        metadata={"description": "Mỗi dòng một bình luận; «Tên: bình luận» ghi tên người xem"},
    )


class SentReplySchema(ma.Schema):
    message = ma.fields.Nested(DeskReplySchema, required=True)
    to_copy = ma.fields.Boolean(
        required=True, metadata={"description": "Nền tảng không cho nhắn riêng: sao chép gửi tay"}
    )


def _problem(row: models.CommentCapture) -> dict[str, Any] | None:
    if not row.problem:
        return None
    return {
        "code": str(row.problem.get("code") or ""),
        "message": labels.capture_problem_label(row.problem),
        "retrying": bool(row.problem.get("retrying")),  # still running, waiting it out
        "times": int(row.problem.get("times") or 1),
        "since": row.problem.get("since"),
    }


class CommentCaptureSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    session_id = ma.fields.Integer(required=True)
    account_id = ma.fields.Integer(required=True)
    live_ref = ma.fields.String(allow_none=True)
    live_id = ma.fields.String(allow_none=True)
    status = ma.fields.Function(
        lambda c: c.status.value, metadata={"enum": [s.value for s in models.CaptureStatus]}
    )
    status_label = ma.fields.Function(lambda c: str(labels.CAPTURE_STATUS_LABELS[c.status]))
    problem = ma.fields.Function(_problem)
    comments = ma.fields.Integer(required=True)
    job_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    read_at = ma.fields.AwareDateTime(allow_none=True)


class CommentCaptureStartSchema(ma.Schema):
    account_id = schemas.Id(required=True)
    live_ref = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=mv.Length(max=500),
        metadata={"description": "Đường dẫn hoặc mã buổi live (YouTube cần)"},
    )
