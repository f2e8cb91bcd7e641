"""Entering an order by hand, during or after a stream (phone orders, a stall, a comment taken
down by the host). Every field is checked (``limits``) and all problems are reported at once.

Without a platform order id the app gives one (``TT-`` + random), so the entry still has an
idempotency key; entering the same platform id again updates that order (in the same club:
another club's order with that id is never touched). The order goes to the chosen session's
club, else the user's home club; SKUs are those of the producers that club works with.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, tenancy, uow
from app.models import accounts, live, orders
from app.orders import exports, limits, recording
from vietnam import phones, text

MAX_LINES = 20
EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


def _int(
    raw: Any, name: str, fields: dict[str, list[str]], check: Callable[[int], str | None]
) -> int | None:
    """A whole number (an int, or text such as '95.000'), held to ``check`` (``limits``)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        if value is None:
            value = exports.parse_money(str(raw))
    except ValueError:
        fields.setdefault(name, []).append(_("Phải là số nguyên."))
        return None
    problem = check(value)
    if problem:
        fields.setdefault(name, []).append(problem)
        return None
    return value


def _placed_at(raw: Any, fields: dict[str, list[str]], now: dt.datetime) -> dt.datetime:
    if raw is None or raw == "":
        return now
    if isinstance(raw, dt.datetime):
        if raw.tzinfo is None:
            fields.setdefault("placed_at", []).append(_("Thời gian cần có múi giờ."))
            return now
        # Compared before any conversion: year 1 or 9999 may not convert at all.
        problem = limits.time_problem(raw)
        if problem:
            fields.setdefault("placed_at", []).append(problem)
            return now
        return raw.astimezone(dt.UTC)
    try:
        return recording.aware(exports.parse_local_time(str(raw)))
    except exports.TimeOutOfRange:
        fields.setdefault("placed_at", []).append(limits.time_range_message())
    except ValueError:
        fields.setdefault("placed_at", []).append(
            _("Thời gian không hợp lệ (dd/mm/yyyy hh:mm hoặc yyyy-mm-dd hh:mm).")
        )
    return now


def _text(
    data: dict[str, Any],
    name: str,
    max_length: int,
    fields: dict[str, list[str]],
    *,
    allow_newlines: bool = False,
) -> str:
    value = text.nfc(str(data.get(name) or ""))
    problem = limits.text_problem(value, max_length, allow_newlines=allow_newlines)
    if problem:
        fields.setdefault(name, []).append(problem)
    return value


def _session_id(raw: Any, fields: dict[str, list[str]]) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    session_id = limits.id_or_none(raw)
    if session_id is None:  # not a number, or no session can have it
        fields.setdefault("session_id", []).append(_("Không tìm thấy phiên livestream."))
    return session_id


def _slot_prices(row: live.LiveSession | None) -> dict[int, int]:
    """Live price by variant id (a slot without a variant prices each of the product's)."""
    prices: dict[int, int] = {}
    if row is None:
        return prices
    for slot in row.slots:
        if slot.variant_id is not None:
            prices[slot.variant_id] = slot.live_price
        else:
            for variant in slot.product.variants:
                prices.setdefault(variant.id, slot.live_price)
    return prices


def enter_order(
    session: so.Session,
    user: accounts.User,
    data: dict[str, Any],
    *,
    now: clock.Clock = clock.utcnow,
) -> orders.Order:
    """Check and record one order; commit. ``data``: platform, external_id (optional),
    session_id, placed_at (local time text or aware datetime; default now), status,
    buyer_phone, buyer_user, buyer_name, note, lines [{sku, quantity, unit_price?}].
    A line without a price takes the session's live price, else the catalog price."""
    fields: dict[str, list[str]] = {}
    scope = tenancy.scope_for(session, user)
    to: recording.Destination | None = None
    session_id = _session_id(data.get("session_id"), fields)
    if "session_id" not in fields:
        try:
            to = recording.destination(session, scope, session_id=session_id)
        except errors.ValidationError as exc:
            if not exc.fields:  # no club to record in (NoClub), or an archived one
                raise
            for name, messages in exc.fields.items():
                fields.setdefault(name, []).extend(messages)
    live_session = to.live_session if to is not None else None
    raw_platform = str(data.get("platform") or "")
    platform = exports.platform_code(raw_platform) or raw_platform
    if not raw_platform.strip() and live_session is not None:
        platform = live_session.platform
    if platform not in exports.PLATFORMS:
        fields.setdefault("platform", []).append(exports.platform_problem())
    external_id = str(data.get("external_id") or "").strip()
    if external_id and not EXTERNAL_ID_RE.fullmatch(external_id):
        fields.setdefault("external_id", []).append(
            _("Mã đơn chỉ gồm chữ, số và - _ . : (tối đa 64 ký tự).")
        )
    status = str(data.get("status") or orders.OrderStatus.PLACED)
    if status not in exports.STATUSES:
        fields.setdefault("status", []).append(_("Trạng thái không hợp lệ."))
    raw_phone = _text(data, "buyer_phone", limits.MAX_PHONE, fields)
    if raw_phone and "buyer_phone" not in fields and phones.mobile(raw_phone) is None:
        fields.setdefault("buyer_phone", []).append(
            _("Số điện thoại di động không hợp lệ (ví dụ 0912 345 678 hoặc +84 912 345 678).")
        )
    buyer_name = _text(data, "buyer_name", limits.MAX_BUYER_NAME, fields)
    buyer_user = _text(data, "buyer_user", limits.MAX_BUYER_USER, fields)
    note = _text(data, "note", limits.MAX_NOTE, fields, allow_newlines=True)
    placed_at = _placed_at(data.get("placed_at"), fields, now())

    raw_lines = [
        line
        for line in (data.get("lines") or [])
        if isinstance(line, dict) and any(str(v or "").strip() for v in line.values())
    ]
    if not raw_lines:
        fields.setdefault("lines", []).append(_("Cần ít nhất một dòng sản phẩm."))
    if len(raw_lines) > MAX_LINES:
        fields.setdefault("lines", []).append(_("Tối đa %(n)d dòng.", n=MAX_LINES))
        raise errors.ValidationError(fields=fields)  # not worth reading line by line
    skus = [text.nfc(str(line.get("sku") or "")).strip() for line in raw_lines]
    # Without a club (an unusable session) SKUs cannot be told apart: only the session is said.
    variants = recording.variants_by_sku(session, to.club_id, skus) if to is not None else {}
    live_prices = _slot_prices(live_session)
    lines: list[exports.OrderLine] = []
    for index, (raw, sku) in enumerate(zip(raw_lines, skus, strict=True)):
        prefix = f"lines.{index}"
        variant = variants.get(sku.upper())
        if not sku:
            fields.setdefault(f"{prefix}.sku", []).append(_("Thiếu SKU."))
        elif variant is None and to is not None:
            fields.setdefault(f"{prefix}.sku", []).append(
                _("Không có sản phẩm nào mang SKU “%(sku)s”.", sku=sku)
            )
        quantity = _int(raw.get("quantity"), f"{prefix}.quantity", fields, limits.quantity_problem)
        if quantity is None and f"{prefix}.quantity" not in fields:
            fields.setdefault(f"{prefix}.quantity", []).append(_("Thiếu số lượng."))
        price = _int(raw.get("unit_price"), f"{prefix}.unit_price", fields, limits.price_problem)
        if variant is None or quantity is None or f"{prefix}.unit_price" in fields:
            continue
        if price is None:
            price = live_prices.get(variant.id, variant.price)
        problem = limits.amount_problem(price * quantity)
        if problem:
            fields.setdefault(f"{prefix}.quantity", []).append(problem)
            continue
        lines.append(
            exports.OrderLine(
                row=index + 1,
                platform=platform,
                order_id=external_id,
                status=status,
                placed_at=placed_at,
                seller_sku=variant.sku,
                product_name=variant.product.name,
                variation=variant.name,
                quantity=quantity,
                unit_price=price,
                amount=price * quantity,
                buyer_phone=raw_phone or None,
                buyer_user=buyer_user or None,
                buyer_name=buyer_name or None,
                creator=None,
            )
        )
    if fields:
        raise errors.ValidationError(fields=fields)
    assert to is not None  # no club → a field error above
    if not external_id:
        external_id = "TT-" + secrets.token_hex(5).upper()
        lines = [_with_id(line, external_id) for line in lines]
    with uow.unit_of_work(session):
        summary = recording.record(
            session, user, lines, to=to, source=orders.OrderSource.MANUAL, note=note or None
        )
        order = session.get(orders.Order, summary.order_ids[0])
        assert order is not None
    recording.after_commit(session, user, summary)
    return order


def _with_id(line: exports.OrderLine, external_id: str) -> exports.OrderLine:
    return dataclasses.replace(line, order_id=external_id)
