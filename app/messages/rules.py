"""What a club tells its buyers: the ZNS templates it registered (Zalo's id, parameters and
price) and, for each order event, the channel and the template or text (Vietnamese, with
``{fields}`` filled from the order when the message is queued).

Fields: ``{ten}`` (the buyer's name), ``{ma_don}`` (the transfer reference), ``{san_pham}``
(the lines), ``{tong_tien}`` (``180.000 đ``), ``{so_tien}`` (``180.000``), ``{link_thanh_toan}``
(the order's public VietQR page), ``{giu_den}`` (the hold's end, Vietnam time), ``{shop}``
(the club's name).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors, tenancy, uow
from app.messages import connections
from app.models import accounts
from app.models import messages as models
from app.orders.events import OrderEvent
from integrations import errors as channel_errors
from integrations.messages import base as messages
from vietnam import text as vn_text

FIELDS = (
    "ten",
    "ma_don",
    "san_pham",
    "tong_tien",
    "so_tien",
    "link_thanh_toan",
    "giu_den",
    "shop",
    "ma_van_don",
    "hang_van_chuyen",
)
MAX_TEXT = 1000
MAX_PARAMS = 20

# What the buyer reads on a free-text channel when the club wrote no text of its own.
DEFAULT_TEXTS: dict[OrderEvent, str] = {
    OrderEvent.TAKEN: "Chào {ten}! {shop} đã nhận đơn {ma_don}: {san_pham}. Tổng {tong_tien}.",
    OrderEvent.PAYMENT_QR: (
        "Đơn {ma_don} ({tong_tien}): chuyển khoản theo mã QR tại {link_thanh_toan}, "
        "nội dung {ma_don}. Shop giữ hàng đến {giu_den}."
    ),
    OrderEvent.PAID: "{shop} đã nhận {tong_tien} cho đơn {ma_don}. Cảm ơn {ten}!",
    OrderEvent.SHIPPED: (
        "Đơn {ma_don} đã được giao cho {hang_van_chuyen}, mã vận đơn {ma_van_don}."
    ),
    OrderEvent.DELIVERED: "Đơn {ma_don} đã giao xong. Cảm ơn {ten} đã ủng hộ {shop}!",
    OrderEvent.CANCELLED: "Đơn {ma_don} đã huỷ. Hẹn gặp {ten} ở buổi live sau!",
    OrderEvent.PAYMENT_REMINDER: (
        "Nhắc {ten}: đơn {ma_don} ({tong_tien}) chưa thanh toán. "
        "Chuyển khoản tại {link_thanh_toan}, nội dung {ma_don}."
    ),
    OrderEvent.DELIVERY_FAILED: (
        "{hang_van_chuyen} chưa giao được đơn {ma_don} (mã vận đơn {ma_van_don}). "
        "{ten} để ý điện thoại giúp shop nhé, bưu tá sẽ gọi lại."
    ),
}


def placeholders_problem(value: str, limit: int = MAX_TEXT) -> str | None:
    """Why a text with ``{fields}`` cannot be used (too long, a broken brace, a field we do
    not fill), or None."""
    if len(value) > limit:
        return _("Tối đa %(n)d ký tự.", n=limit)
    try:
        parsed = list(string.Formatter().parse(value))
    except ValueError:
        return _("Dấu ngoặc { } chưa đóng mở đúng.")
    strange = sorted({name for _lit, name, _spec, _conv in parsed if name} - set(FIELDS))
    return _("Trường không có: %(names)s.", names=", ".join(strange)) if strange else None


def default_param(param: messages.TemplateParam) -> str:
    """A guess of a ZNS parameter's value from its name and type (the club may change it)."""
    name = param.name.lower()
    for words, value in (
        (("name", "ten"), "{ten}"),
        (("code", "order", "ma_don"), "{ma_don}"),
        (("amount", "total", "price", "tien"), "{so_tien}"),
        (("product", "san_pham"), "{san_pham}"),
    ):
        if any(word in name for word in words):
            return value
    return {"name": "{ten}", "code": "{ma_don}", "amount": "{so_tien}"}.get(param.type, "")


# --- ZNS templates ---------------------------------------------------------------------------


def templates_for(session: so.Session, user: accounts.User) -> list[models.MessageTemplate]:
    row = models.MessageTemplate
    return tenancy.scope_for(session, user).rows(session, row, row.name, row.id)


def as_template(row: models.MessageTemplate) -> messages.Template:
    return messages.Template.from_dict(
        {"template_id": row.template_id, "name": row.name, "price": row.price, "params": row.params}
    )


def parse_params(raw: str) -> list[dict[str, str]]:
    """``customer_name: name`` per line (or comma) → ``[{"name", "type"}]``."""
    out = []
    for part in raw.replace(",", "\n").splitlines():
        name, _sep, kind = part.partition(":")
        if name.strip():
            out.append({"name": name.strip(), "type": kind.strip().lower()})
    return out


@uow.transactional
def add_template(
    session: so.Session,
    user: accounts.User,
    *,
    template_id: str,
    name: str,
    params: list[dict[str, str]],
    price: int,
) -> models.MessageTemplate:
    """Register (or update) an approved ZNS template of the club. Commits."""
    club_id = _writable(session, user).home_club()
    fields: dict[str, list[str]] = {}
    template_id = template_id.strip()
    if not template_id.isdigit() or len(template_id) > 40:
        fields["template_id"] = [_("Mã mẫu ZNS là dãy số Zalo cấp.")]
    if not params or len(params) > MAX_PARAMS:
        fields["params"] = [_("Mỗi dòng một tham số: tên: loại.")]
    else:
        try:
            messages.Template.from_dict({"template_id": template_id, "params": params})
        except channel_errors.ValidationFailed as exc:
            fields["params"] = [_("Loại không có: %(names)s.", names=", ".join(sorted(exc.fields)))]
    if price < 0 or price > 100_000:
        fields["price"] = [_("Giá mỗi tin từ 0 đến 100.000 đồng.")]
    if fields:
        raise errors.ValidationError(fields=fields)
    row = session.scalar(
        sa.select(models.MessageTemplate).where(
            models.MessageTemplate.club_id == club_id,
            models.MessageTemplate.template_id == template_id,
        )
    )
    if row is None:
        row = models.MessageTemplate(club_id=club_id, template_id=template_id)
        session.add(row)
    row.name = vn_text.nfc(name.strip())[:200] or template_id
    row.params = params
    row.price = price
    return row


def _writable(session: so.Session, user: accounts.User) -> tenancy.Scope:
    """The user's scope, refused (403) for a read-only one."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    return scope


@uow.transactional
def delete_template(session: so.Session, user: accounts.User, template_row_id: int) -> None:
    """Forget a template of the club (its rules keep their event, without a template)."""
    found = _writable(session, user).find(
        session, models.MessageTemplate, template_row_id, _("Không tìm thấy mẫu.")
    )
    session.delete(found)


# --- rules -----------------------------------------------------------------------------------


def rules_for(session: so.Session, user: accounts.User) -> dict[str, models.MessageRule]:
    """The club's rules by event (events without one are missing)."""
    row = models.MessageRule
    return {r.event: r for r in tenancy.scope_for(session, user).rows(session, row, row.id)}


def rule_of(session: so.Session, club_id: int, event: str) -> models.MessageRule | None:
    return session.scalar(
        sa.select(models.MessageRule).where(
            models.MessageRule.club_id == club_id, models.MessageRule.event == event
        )
    )


@uow.transactional
def save_rule(
    session: so.Session, user: accounts.User, event: str, data: Mapping[str, Any]
) -> models.MessageRule:
    """Set what the buyer is told on ``event``: ``channel``, ``template`` (a registered ZNS
    template's row id) with ``params`` (each parameter's text), or ``text``; ``enabled``.
    Commits."""
    club_id = _writable(session, user).home_club()
    if event not in {str(e) for e in OrderEvent}:
        raise errors.NotFound(_("Không có sự kiện này."))
    fields: dict[str, list[str]] = {}
    channel = str(data.get("channel") or "")
    if channel not in connections.CHANNELS:
        fields["channel"] = [_("Hãy chọn kênh.")]
    template = None
    params: dict[str, str] = {}
    body = vn_text.nfc(str(data.get("text") or "")).strip() or None
    if channel == "zalo_zns":
        raw_id = data.get("template")
        template = (
            session.get(models.MessageTemplate, raw_id)
            if isinstance(raw_id, int) and not isinstance(raw_id, bool)
            else None
        )
        if template is None or template.club_id != club_id:
            fields["template"] = [_("Hãy chọn mẫu ZNS đã đăng ký.")]
            template = None
        else:
            given = data.get("params") or {}
            for param in as_template(template).params:
                value = vn_text.nfc(str(given.get(param.name, default_param(param)))).strip()
                problem = placeholders_problem(value, 200)
                if problem:
                    fields[f"params.{param.name}"] = [problem]
                params[param.name] = value
        body = None
    elif body is not None:
        problem = placeholders_problem(body)
        if problem:
            fields["text"] = [problem]
    if fields:
        raise errors.ValidationError(fields=fields)
    row = rule_of(session, club_id, event)
    if row is None:
        row = models.MessageRule(club_id=club_id, event=event)
        session.add(row)
    row.channel = channel
    row.template_id = template.id if template is not None else None
    row.params = params
    row.text = body
    row.enabled = bool(data.get("enabled", True))
    return row
