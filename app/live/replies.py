"""Replies to buyers from the live desk: the club's template (Vietnamese) filled with the order,
sent as a private reply where the platform allows it (Facebook's private reply to a comment,
once per comment), otherwise shown for staff to copy; every message is logged on the order.

Template fields, in braces: ``{ten}`` (the buyer's name), ``{ma_don}`` (the transfer
reference), ``{san_pham}`` (the lines), ``{tong_tien}``, ``{link_thanh_toan}`` (the order's
public VietQR page), ``{giu_den}`` (the hold's end, Vietnam time).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, formatting, tenancy, uow
from app.live import comment_accounts, holds
from app.models import accounts, orders
from app.models import comments as models
from app.orders import payments
from integrations import errors as source_errors
from integrations.comments import base as sources
from vietnam import text

SourceFactory = Callable[[models.CommentAccount], sources.CommentSource]


def reply_text(order: orders.Order, template: str | None, pay_url: str) -> str:
    """The template filled with the order (the default template when the club has none)."""
    lines = ", ".join(f"{line.product_name} × {line.quantity}" for line in order.lines)
    values = {
        "ten": order.buyer_name or order.buyer_user or _("bạn"),
        "ma_don": payments.reference(order),
        "san_pham": lines,
        "tong_tien": formatting.vnd(order.amount),
        "link_thanh_toan": pay_url,
        "giu_den": formatting.local_time(order.hold_until) if order.hold_until else "—",
    }
    return text.nfc((template or holds.DEFAULT_TEMPLATE).format(**values))


@dataclasses.dataclass(frozen=True)
class Sent:
    message: models.OrderMessage

    @property
    def to_copy(self) -> bool:
        return self.message.status is models.MessageStatus.TO_COPY


def send(
    session: so.Session,
    user: accounts.User,
    comment_id: int,
    *,
    pay_url: Callable[[orders.Order], str],
    factory: SourceFactory = comment_accounts.source_for,
) -> Sent:
    """Reply to a confirmed comment's author: privately on Facebook when the comment allows
    it (once per comment), otherwise a message for staff to copy. Logged on the order.
    Commits."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    comment = session.get(models.LiveComment, comment_id)
    if comment is None or not scope.sees_club(comment.club_id):
        raise errors.NotFound(_("Không tìm thấy bình luận."))
    order = comment.order
    if comment.state is not models.DeskState.CONFIRMED or order is None:
        raise errors.Conflict(_("Hãy chốt đơn trước khi trả lời."))
    settings = holds.settings_of(session, comment.club_id)
    body = reply_text(order, settings.reply_template, pay_url(order))
    account = comment.capture.account if comment.capture is not None else None
    private = account is not None and account.platform == "facebook" and comment.can_reply_privately
    if private and _already_sent(session, comment.id):
        raise errors.Conflict(_("Bình luận này đã được trả lời riêng (mỗi bình luận một lần)."))
    message = models.OrderMessage(
        order_id=order.id,
        comment_id=comment.id,
        channel="facebook_private" if private else "copy",
        text=body,
        status=models.MessageStatus.TO_COPY,
        created_by_id=user.id,
    )
    if private and account is not None:
        try:
            message.external_id = factory(account).reply_privately(comment.comment_id, body)
            message.status = models.MessageStatus.SENT
        except source_errors.ChannelError as exc:
            message.status = models.MessageStatus.FAILED
            message.problem = {"code": exc.reason, "params": dict(exc.params)}
    with uow.unit_of_work(session):
        session.add(message)
    return Sent(message)


def _already_sent(session: so.Session, comment_id: int) -> bool:
    return bool(
        session.scalar(
            sa.select(sa.func.count(models.OrderMessage.id)).where(
                models.OrderMessage.comment_id == comment_id,
                models.OrderMessage.status == models.MessageStatus.SENT,
            )
        )
    )


def messages_of(session: so.Session, order_id: int) -> list[models.OrderMessage]:
    """The messages sent about an order, oldest first (the order page's log)."""
    return list(
        session.scalars(
            sa.select(models.OrderMessage)
            .where(models.OrderMessage.order_id == order_id)
            .order_by(models.OrderMessage.id)
        )
    )
