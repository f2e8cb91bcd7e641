"""The labels PDF of chosen parcels: each parcel's row turned into ``labelsheet.LabelData``
(sender = the producer, recipient = the order's delivery address, items from its lines) and
drawn in one file (A6 one a page, A4 four a sheet), captions in the reader's language."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, tenancy
from app.models import accounts
from app.models import shipping as models
from app.shipping import labels, labelsheet, planning
from integrations.carriers.base import Paper

MAX_LABELS = 2000


def words() -> labelsheet.Words:
    return labelsheet.Words(
        sender=_("Người gửi"),
        recipient=_("Người nhận"),
        cod=_("Thu hộ (COD)"),
        no_cod=_("Không thu tiền"),
        weight=_("Khối lượng"),
        order=_("Mã đơn"),
        items=_("Nội dung hàng"),
        more_items=_("+ {count} sản phẩm khác"),
        note=_("Ghi chú"),
        sort_code=_("Mã phân loại"),
        thousands=_("."),
    )


def _line(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)


def label_data(shipment: models.Shipment) -> labelsheet.LabelData:
    """What the label of ``shipment`` (booked: it has a tracking code) shows."""
    order = shipment.order
    to = planning.recipient(order)
    producer = shipment.producer
    return labelsheet.LabelData(
        carrier=labels.carrier_name(shipment.carrier),
        tracking_code=shipment.tracking_code or "",
        sort_code=shipment.sort_code,
        reference=shipment.reference,
        sender_name=producer.name if producer else "",
        sender_phone=(producer.phone or "") if producer else "",
        sender_address=(
            _line(producer.address_line, producer.commune, producer.province) if producer else ""
        ),
        recipient_name=to.name,
        recipient_phone=to.phone,
        recipient_address=_line(to.street, to.commune, to.province),
        cod_amount=shipment.cod_amount,
        weight_g=shipment.weight_g,
        items=tuple((part.order_line.product_name, part.quantity) for part in shipment.lines),
        note=order.note or "",
        booked_at=shipment.booked_at or shipment.created_at or clock.utcnow(),
    )


def render_labels(
    session: so.Session,
    user: accounts.User | None,
    shipment_ids: Sequence[int],
    paper: str,
    folder: Path | None = None,
) -> tuple[Path, int]:
    """Draw the labels of ``shipment_ids`` (of the user's clubs, booked) into a temporary PDF;
    (its path, pages). ValidationError when none of them can be printed."""
    scope = tenancy.scope_for(session, user)
    if scope.producer_id is not None:
        raise errors.Forbidden()
    if paper not in (Paper.A6.value, Paper.A4.value):
        raise errors.ValidationError(fields={"paper": [_("Khổ giấy là A6 hoặc A4.")]})
    ids = planning.ordered_ids(list(shipment_ids))[:MAX_LABELS]
    rows = list(
        session.scalars(
            sa.select(models.Shipment)
            .where(
                models.Shipment.id.in_(ids),
                scope.club_filter(models.Shipment.club_id),
                models.Shipment.tracking_code.is_not(None),
                models.Shipment.status != models.ShipStatus.CANCELLED,
            )
            .options(
                so.selectinload(models.Shipment.order),
                so.selectinload(models.Shipment.producer),
                so.selectinload(models.Shipment.lines).selectinload(models.ShipmentLine.order_line),
            )
            .order_by(models.Shipment.id)
        )
    )
    if not rows:
        raise errors.ValidationError(_("Hãy chọn ít nhất một kiện hàng đã đặt với hãng."))
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115  (handed to the caller by path)
        prefix="labels-", suffix=".pdf", dir=folder, delete=False
    )
    handle.close()
    path = Path(handle.name)
    try:
        pages = labelsheet.render(
            [label_data(row) for row in rows], Paper(paper), path, words=words()
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, pages


def filename(paper: str, now: dt.datetime | None = None) -> str:
    moment = (now or clock.utcnow()).strftime("%Y%m%d-%H%M")
    return f"nhan-giao-hang-{paper}-{moment}.pdf"
