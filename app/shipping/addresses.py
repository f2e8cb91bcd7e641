"""An order's delivery address, on the 2025 two-level map.

The seller types the buyer's address the way the buyer gave it (old three-level form or new
two-level form, ``vietnam.addresses.parse``), or picks the province and commune. One certain
commune is saved (``ship_*`` columns; ``ship_address`` keeps the typed text, ``ship_legacy``
the old province/district/ward names when the text was in the old form); several possible
communes, or a part not found, are a field error listing the communes to choose from — the
choice is the seller's, never guessed.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import errors, tenancy, uow
from app.models import accounts, orders
from app.orders import limits, queries
from app.orders import status as order_status
from vietnam import addresses, admin_units, phones
from vietnam import text as vtext

MAX_TEXT = 500
MAX_STREET = 255
MAX_NAME = 200
REASONS = {
    addresses.Missing.EMPTY: _l("Hãy nhập địa chỉ."),
    addresses.Missing.PROVINCE: _l("Không nhận ra tỉnh, thành phố."),
    addresses.Missing.DISTRICT: _l("Không nhận ra quận, huyện (địa chỉ cũ)."),
    addresses.Missing.WARD: _l("Không nhận ra phường, xã: hãy chọn một xã, phường mới."),
    addresses.Missing.COMMUNE: _l("Không nhận ra xã, phường."),
    addresses.Missing.AMBIGUOUS: _l("Địa chỉ khớp nhiều nơi: hãy chọn xã, phường đúng."),
}


def _clean(value: str | None, most: int, field: str) -> str | None:
    if value is None:
        return None
    cleaned = vtext.nfc(value).strip()
    problem = limits.text_problem(cleaned, most)
    if problem:
        raise errors.ValidationError(fields={field: [problem]})
    return cleaned


def _place_from_text(typed: str) -> dict[str, Any]:
    parsed = addresses.parse(typed)
    commune = parsed.commune
    if commune is None or parsed.province is None:
        names = [unit.name for unit in parsed.candidates]
        message = str(REASONS.get(parsed.reason or "", REASONS[addresses.Missing.AMBIGUOUS]))
        if names and parsed.reason is None:
            message = str(REASONS[addresses.Missing.AMBIGUOUS])
        fields: dict[str, list[str]] = {"text": [message]}
        if names:
            fields["candidates"] = names
        raise errors.ValidationError(message, fields=fields)
    legacy = parsed.legacy
    return {
        "ship_street": parsed.street[:MAX_STREET] or None,
        "ship_province_code": parsed.province.code,
        "ship_province": parsed.province.name,
        "ship_commune_code": commune.code,
        "ship_commune": commune.name,
        "ship_address": typed[:MAX_TEXT],
        "ship_legacy": (
            {"province": legacy.province, "district": legacy.district, "ward": legacy.ward}
            if legacy is not None
            else None
        ),
    }


def _place_from_codes(province_code: int, commune_code: int | None) -> dict[str, Any]:
    province = admin_units.province(province_code)
    if province is None:
        raise errors.ValidationError(fields={"province_code": [_("Không tìm thấy tỉnh.")]})
    commune = admin_units.commune(province_code, commune_code or 0)
    if commune is None:
        raise errors.ValidationError(
            fields={"commune_code": [_("Xã, phường không thuộc tỉnh đã chọn.")]}
        )
    return {
        "ship_province_code": province.code,
        "ship_province": province.name,
        "ship_commune_code": commune.code,
        "ship_commune": commune.name,
        "ship_legacy": None,
    }


def set_address(
    session: Any,
    user: accounts.User | None,
    order_id: int,
    *,
    text: str | None = None,
    province_code: int | None = None,
    commune_code: int | None = None,
    street: str | None = None,
    name: str | None = None,
    phone: str | None = None,
) -> orders.Order:
    """Set where ``order_id`` (in the user's club scope) is delivered. Commits.

    ``province_code``/``commune_code`` (a picked place) win over ``text`` for the place;
    ``street`` over the street read from ``text``. ValidationError (422) names the field; an
    address matching several communes lists them in ``fields["candidates"]``."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    if scope.producer_id is not None:
        raise errors.Forbidden()
    queries.get_order(session, scope, order_id)  # 404 outside the scope
    typed = _clean(text, MAX_TEXT, "text")
    values: dict[str, Any] = {}
    if province_code is not None:
        values.update(_place_from_codes(province_code, commune_code))
        if typed:
            values["ship_address"] = typed
    elif typed:
        values.update(_place_from_text(typed))
    cleaned_street = _clean(street, MAX_STREET, "street")
    if cleaned_street:
        values["ship_street"] = cleaned_street
    cleaned_name = _clean(name, MAX_NAME, "name")
    if cleaned_name is not None:
        values["ship_name"] = cleaned_name or None
    if phone is not None and phone.strip():
        number = phones.phone(phone)
        if number is None:
            raise errors.ValidationError(fields={"phone": [_("Số điện thoại chưa đúng.")]})
        values["ship_phone"] = number
    if not values:
        raise errors.ValidationError(fields={"text": [_("Hãy nhập địa chỉ.")]})
    with uow.unit_of_work(session):
        order = order_status.locked_order(session, order_id)
        for key, value in values.items():
            setattr(order, key, value)
        if not order.ship_street:
            raise errors.ValidationError(
                fields={"street": [_("Hãy nhập số nhà, đường, thôn xóm.")]}
            )
    return order
