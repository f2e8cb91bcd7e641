"""Run-of-show: a session's ordered product slots, with live prices and comment codes.

Slots are kept in start order (``position`` follows ``start_offset_s``); they may not overlap
and may not run past the session's end. A comment code is upper-case ASCII letters and
digits (``NM1``), unique within the session whatever case it was typed in.

A product whose OCOP certificate has expired by the session's day, or a live price of 0 ₫, is
accepted but warned about (``slot_warnings``): the coordinator decides, the pages say it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.catalog import service as catalog_service
from app.core import errors, formatting, tenancy, uow, validators
from app.live import common
from app.live import sessions as sessions_service
from app.models import accounts, catalog, live
from vietnam import text

CODE_MAX = 16
DEFAULT_LENGTH_S = 10 * 60
MAX_SLOTS = 200  # per session: a run-of-show, not a catalog
MAX_SECONDS = 24 * 3600  # offsets and lengths: a session lasts at most 24 hours
LIVE_PRICE_MAX = 1_000_000_000  # đồng


def normalise_code(raw: str) -> str:
    """' nm-1 ' → 'NM1'; 'Mắm' → 'MAM' (accents dropped, only A–Z and 0–9 kept)."""
    folded = text.fold(str(raw or "")).upper()
    return re.sub(r"[^A-Z0-9]", "", folded)[:CODE_MAX]


def suggest_code(product_name: str, taken: set[str]) -> str:
    """Initials of the first two words plus the first free number: 'Nước mắm…' → 'NM1'."""
    words = [w for w in re.split(r"[^a-z0-9]+", text.fold(product_name or "")) if w]
    stem = "".join(w[0] for w in words[:2]).upper() or "SP"
    number = 1
    while f"{stem}{number}" in taken:
        number += 1
    return f"{stem}{number}"


def parse_duration(raw: Any, name: str, fields: dict[str, list[str]]) -> int | None:
    """Seconds from an int (seconds), 'mm' (minutes) or 'mm:ss'."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        fields[name] = [_("Thời lượng không hợp lệ.")]
        return None
    if isinstance(raw, int):
        return raw
    value = str(raw).strip()
    match = re.fullmatch(r"(\d{1,4})(?::([0-5]\d))?", value)
    if not match:
        fields[name] = [_("Nhập số phút, hoặc phút:giây (ví dụ 12:30).")]
        return None
    return int(match.group(1)) * 60 + int(match.group(2) or 0)


@dataclasses.dataclass(frozen=True)
class Discount:
    list_price: int | None
    amount: int | None
    percent: float | None


def list_price(slot: live.LiveSlot) -> int | None:
    if slot.variant is not None:
        return int(slot.variant.price)
    return int(slot.product.min_price) if slot.product.min_price is not None else None


def discount(slot: live.LiveSlot) -> Discount:
    """How much below the list price (the variant's, else the product's lowest) it sells live."""
    base = list_price(slot)
    if base is None:
        return Discount(None, None, None)
    amount = base - int(slot.live_price)
    percent = round(100 * amount / base, 1) if base else None
    return Discount(base, amount, percent)


def _taken_codes(row: live.LiveSession, exclude: live.LiveSlot | None) -> set[str]:
    return {s.code for s in row.slots if s is not exclude}


def _clean(
    session: so.Session,
    row: live.LiveSession,
    data: Mapping[str, Any],
    slot: live.LiveSlot | None,
) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    product: catalog.Product | None = slot.product if slot else None
    if "product_id" in data or slot is None:
        product_id = validators.parse_id(data.get("product_id"))
        product = session.get(catalog.Product, product_id) if product_id else None
        if product is None:
            fields["product_id"] = [_("Chọn sản phẩm.")]
        elif not sells_product(session, row.club_id, product):
            fields["product_id"] = [_("Câu lạc bộ chưa bán hàng cho chủ thể của sản phẩm này.")]
            product = None
        else:
            out["product_id"] = product.id
    variant: catalog.Variant | None = slot.variant if slot else None
    if "variant_id" in data or "product_id" in data or slot is None:
        variant_id = data.get("variant_id")
        variant = None
        if variant_id not in (None, "", 0):
            found = validators.parse_id(variant_id)
            variant = session.get(catalog.Variant, found) if found else None
            if variant is None or product is None or variant.product_id != product.id:
                fields["variant_id"] = [_("Phân loại không thuộc sản phẩm đã chọn.")]
                variant = None
        out["variant_id"] = variant.id if variant else None
    if "start_offset_s" in data or "start_offset" in data:
        offset = parse_duration(
            data.get("start_offset_s", data.get("start_offset")), "start_offset", fields
        )
        if offset is not None and offset < 0:
            fields["start_offset"] = [_("Không được âm.")]
        elif offset is not None and offset > MAX_SECONDS:
            fields["start_offset"] = [_("Tối đa 24 giờ tính từ đầu phiên.")]
        out["start_offset_s"] = offset
    if "length_s" in data or "length" in data or slot is None:
        length = parse_duration(data.get("length_s", data.get("length")), "length", fields)
        if length is None and "length" not in fields:
            length = DEFAULT_LENGTH_S
        if length is not None and length <= 0:
            fields["length"] = [_("Thời lượng phải lớn hơn 0.")]
        elif length is not None and length > MAX_SECONDS:
            fields["length"] = [_("Một mục dài tối đa 24 giờ.")]
        out["length_s"] = length
    if "live_price" in data or slot is None:
        price = data.get("live_price")
        if price in (None, ""):
            base = variant.price if variant else (product.min_price if product else None)
            price = base
        try:
            price_int = int(price) if price is not None else None
        except (TypeError, ValueError):
            price_int = None
        if price_int is None or isinstance(price, bool) or price_int < 0:
            fields["live_price"] = [_("Nhập giá livestream (đồng, số nguyên ≥ 0).")]
        elif price_int > LIVE_PRICE_MAX:
            fields["live_price"] = [
                _("Giá livestream tối đa %(max)s.", max=formatting.vnd(LIVE_PRICE_MAX))
            ]
        out["live_price"] = price_int
    if "code" in data or slot is None:
        code = normalise_code(str(data.get("code") or ""))
        if not code and product is not None:
            code = suggest_code(product.name, _taken_codes(row, slot))
        if not code:
            fields["code"] = [_("Nhập mã bình luận (chữ và số).")]
        elif code in _taken_codes(row, slot):
            fields["code"] = [_("Mã “%(code)s” đã dùng trong phiên này.", code=code)]
        out["code"] = code
    if "talking_points" in data or slot is None:
        points = common.clean_notes(data.get("talking_points"), "talking_points", fields)
        if not points and product is not None and slot is None:
            points = text.nfc(product.description or "")[: common.NOTES_MAX] or None
        out["talking_points"] = points
    if fields:
        raise errors.ValidationError(fields=fields)
    return out


def _check_fit(row: live.LiveSession, slot: live.LiveSlot) -> None:
    fields: dict[str, list[str]] = {}
    length = int((row.ends_at - row.starts_at).total_seconds())
    over = slot.end_offset_s - length
    if over > 0:
        fields["length"] = [
            _(
                "Mục này vượt quá giờ kết thúc phiên %(over)s.",
                over=sessions_service.duration_label(over),
            )
        ]
    for other in row.slots:
        if other is slot:
            continue
        if other.start_offset_s < slot.end_offset_s and slot.start_offset_s < other.end_offset_s:
            fields["start_offset"] = [
                _(
                    "Trùng thời gian với mục %(code)s (%(start)s–%(end)s).",
                    code=other.code,
                    start=clock_label(other.start_offset_s),
                    end=clock_label(other.end_offset_s),
                )
            ]
            break
    if fields:
        raise errors.ValidationError(fields=fields)


def clock_label(seconds: int) -> str:
    """Offset into the show: 750 → '12:30', 3900 → '1:05:00'."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def _renumber(row: live.LiveSession) -> None:
    ordered = sorted(row.slots, key=lambda s: (s.start_offset_s, s.position, s.id or 0))
    for index, slot in enumerate(ordered):
        slot.position = index
    row.slots.sort(key=lambda s: s.position)


def sells_product(session: so.Session, club_id: int, product: catalog.Product) -> bool:
    """A club's run-of-show holds products of the producers it works with only."""
    found = session.scalar(
        sa.select(catalog.Product.id).where(
            catalog.Product.id == product.id,
            catalog.Product.producer_id.in_(tenancy.producers_of_club(club_id)),
        )
    )
    return found is not None


def _planner_session(session: so.Session, user: accounts.User, session_id: int) -> live.LiveSession:
    """A session in the user's scope (404 otherwise) whose run-of-show may still change."""
    scope = tenancy.scope_for(session, user)
    row = common.get_session(session, scope, session_id)
    scope.check_writable()
    if row.status in (live.SessionStatus.ENDED, live.SessionStatus.CANCELLED):
        raise errors.Conflict(_("Phiên đã kết thúc hoặc đã huỷ, không sửa kịch bản được."))
    return row


def add(
    session: so.Session, user: accounts.User, session_id: int, data: Mapping[str, Any]
) -> live.LiveSlot:
    """Add a product slot (by default right after the last one, 10 minutes long)."""
    row = _planner_session(session, user, session_id)
    if len(row.slots) >= MAX_SLOTS:
        raise errors.ValidationError(
            _("Một phiên có tối đa %(n)d mục trong kịch bản.", n=MAX_SLOTS),
            fields={"product_id": [_("Một phiên có tối đa %(n)d mục.", n=MAX_SLOTS)]},
        )
    with uow.unit_of_work(session):
        with session.no_autoflush:
            cleaned = _clean(session, row, data, None)
            if cleaned.get("start_offset_s") is None:
                cleaned["start_offset_s"] = max((s.end_offset_s for s in row.slots), default=0)
            slot = live.LiveSlot(position=len(row.slots), **cleaned)
            row.slots.append(slot)
            _check_fit(row, slot)
            _renumber(row)
        row.sequence += 1
    return slot


def _get_slot(row: live.LiveSession, slot_id: int) -> live.LiveSlot:
    for slot in row.slots:
        if slot.id == slot_id:
            return slot
    raise errors.NotFound(_("Không tìm thấy mục trong kịch bản."))


def update(
    session: so.Session,
    user: accounts.User,
    session_id: int,
    slot_id: int,
    data: Mapping[str, Any],
) -> live.LiveSlot:
    row = _planner_session(session, user, session_id)
    slot = _get_slot(row, slot_id)
    with uow.unit_of_work(session):
        with session.no_autoflush:
            cleaned = _clean(session, row, data, slot)
            if cleaned.get("start_offset_s", 0) is None:
                cleaned.pop("start_offset_s")
            for key, value in cleaned.items():
                setattr(slot, key, value)
            if "product_id" in cleaned:
                slot.product = session.get(catalog.Product, cleaned["product_id"])  # type: ignore[assignment]
            if "variant_id" in cleaned:
                slot.variant = (
                    session.get(catalog.Variant, cleaned["variant_id"])
                    if cleaned["variant_id"]
                    else None
                )
            _check_fit(row, slot)
            _renumber(row)
        row.sequence += 1
    return slot


@uow.transactional
def delete(session: so.Session, user: accounts.User, session_id: int, slot_id: int) -> None:
    row = _planner_session(session, user, session_id)
    slot = _get_slot(row, slot_id)
    row.slots.remove(slot)
    _renumber(row)
    row.sequence += 1


@uow.transactional
def reorder(
    session: so.Session, user: accounts.User, session_id: int, slot_ids: Sequence[int]
) -> list[live.LiveSlot]:
    """Put the slots in this order, back to back from the first slot's start (lengths kept)."""
    row = _planner_session(session, user, session_id)
    current = {s.id for s in row.slots}
    if sorted(slot_ids) != sorted(current) or len(set(slot_ids)) != len(slot_ids):
        raise errors.ValidationError(
            fields={"slot_ids": [_("Danh sách phải gồm đúng các mục của phiên, mỗi mục một lần.")]}
        )
    by_id = {s.id: s for s in row.slots}
    cursor = min((s.start_offset_s for s in row.slots), default=0)
    for index, slot_id in enumerate(slot_ids):
        slot = by_id[slot_id]
        slot.position = index
        slot.start_offset_s = cursor
        cursor += slot.length_s
    row.slots.sort(key=lambda s: s.position)
    row.sequence += 1
    return list(row.slots)


def move(
    session: so.Session, user: accounts.User, session_id: int, slot_id: int, step: int
) -> list[live.LiveSlot]:
    """Swap a slot with its neighbour (step -1 up, +1 down), via ``reorder``."""
    row = _planner_session(session, user, session_id)
    ids = [s.id for s in row.slots]
    if slot_id not in ids:
        raise errors.NotFound(_("Không tìm thấy mục trong kịch bản."))
    index = ids.index(slot_id)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return reorder(session, user, session_id, ids)


def suggestion(
    session: so.Session, user: accounts.User, session_id: int, product_id: int
) -> dict[str, Any]:
    """What the slot form pre-fills for a product: code, live price, talking points."""
    row = common.get_session(session, tenancy.scope_for(session, user), session_id)
    product = session.get(catalog.Product, product_id)
    if product is None or not sells_product(session, row.club_id, product):
        raise errors.NotFound(_("Không tìm thấy sản phẩm."))
    return {
        "code": suggest_code(product.name, _taken_codes(row, None)),
        "live_price": product.min_price,
        "talking_points": product.description or "",
        "start_offset_s": max((s.end_offset_s for s in row.slots), default=0),
    }


def product_choices(session: so.Session, club_id: int) -> list[catalog.Product]:
    """Active products of the producers the club works with (with variants), for the slot
    form."""
    return list(
        session.scalars(
            sa.select(catalog.Product)
            .where(
                catalog.Product.is_active.is_(True),
                catalog.Product.producer_id.in_(tenancy.producers_of_club(club_id)),
            )
            .options(so.selectinload(catalog.Product.variants))
            .order_by(catalog.Product.name, catalog.Product.id)
        )
    )


@dataclasses.dataclass(frozen=True)
class SlotWarning:
    """Something the coordinator should look at before going live (not a refusal)."""

    code: str  # certificate_expired | zero_price
    message: str


def session_day(row: live.LiveSession) -> dt.date:
    """The session's day in Vietnam: the day a certificate must still be valid on."""
    return common.to_local(row.starts_at).date()


def slot_warnings(slot: live.LiveSlot, day: dt.date | None = None) -> list[SlotWarning]:
    """Why this slot deserves a second look: its product's OCOP certificate has expired by
    ``day`` (the session's day by default), or it sells at 0 ₫."""
    out: list[SlotWarning] = []
    product = slot.product
    when = day or (session_day(slot.session) if slot.session is not None else None)
    if product is not None and catalog_service.certificate_expired(product, when):
        out.append(
            SlotWarning(
                "certificate_expired",
                _(
                    "Chứng nhận OCOP của sản phẩm đã hết hạn ngày %(date)s: gia hạn trước "
                    "phiên, hoặc đừng giới thiệu là sản phẩm OCOP.",
                    date=formatting.local_date(product.ocop_expires_on),
                ),
            )
        )
    if slot.live_price is not None and int(slot.live_price) == 0:
        out.append(
            SlotWarning(
                "zero_price",
                _("Giá livestream 0 ₫: khách chốt đơn không phải trả tiền. Kiểm tra lại giá."),
            )
        )
    return out


def product_warning(product: catalog.Product, day: dt.date | None = None) -> str | None:
    """The product picker's note for a product whose certificate has expired (by ``day``)."""
    if not catalog_service.certificate_expired(product, day):
        return None
    return _(
        "chứng nhận OCOP hết hạn %(date)s", date=formatting.local_date(product.ocop_expires_on)
    )


def timeline(row: live.LiveSession) -> list[dict[str, Any]]:
    """Each slot with its local clock times, discount and warnings, for the pages and the
    print sheet."""
    out = []
    day = session_day(row)
    for slot in row.slots:
        start = common.after(row.starts_at, slot.start_offset_s)
        out.append(
            {
                "slot": slot,
                "starts_at": start,
                "ends_at": common.after(start, slot.length_s),
                "offset": clock_label(slot.start_offset_s),
                "discount": discount(slot),
                "warnings": slot_warnings(slot, day),
            }
        )
    return out
