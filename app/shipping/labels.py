"""Names of carriers, parcel statuses and problems, shared by the pages, the API, the label
sheet and the buyer messages (reason codes from the libraries are worded here)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import shipping as models

# Carriers' own names: the same in every language.
CARRIER_NAMES = {
    "ghn": "GHN",
    "ghtk": "GHTK",
    "viettelpost": "Viettel Post",
    "vnpost": "Vietnam Post",
}
STATUS_LABELS = {
    models.ShipStatus.BOOKING: _l("Đang đặt đơn"),
    models.ShipStatus.CREATED: _l("Chờ lấy hàng"),
    models.ShipStatus.PICKING: _l("Đang lấy hàng"),
    models.ShipStatus.PICKED_UP: _l("Đã lấy hàng"),
    models.ShipStatus.IN_TRANSIT: _l("Đang vận chuyển"),
    models.ShipStatus.DELIVERING: _l("Đang giao"),
    models.ShipStatus.DELIVERED: _l("Đã giao"),
    models.ShipStatus.DELIVERY_FAILED: _l("Giao không thành công"),
    models.ShipStatus.RETURNING: _l("Đang hoàn"),
    models.ShipStatus.RETURNED: _l("Đã hoàn"),
    models.ShipStatus.CANCELLED: _l("Đã huỷ"),
    models.ShipStatus.LOST: _l("Thất lạc, hư hỏng"),
    models.ShipStatus.EXCEPTION: _l("Cần kiểm tra"),
}
PROBLEM_LABELS = {
    "address_missing": _l("Đơn chưa có địa chỉ giao hàng đầy đủ."),
    "recipient_name_missing": _l("Đơn chưa có tên người nhận."),
    "recipient_phone_missing": _l("Đơn chưa có số điện thoại người nhận."),
    "order_not_shippable": _l("Đơn ở trạng thái không giao được."),
    "producer_unknown": _l("Sản phẩm chưa gắn với nhà sản xuất nào."),
    "producer_address_missing": _l("%(producer)s chưa có địa chỉ lấy hàng."),
    "producer_phone_missing": _l("%(producer)s chưa có số điện thoại hợp lệ để bưu tá gọi."),
    "nothing_to_ship": _l("Mọi sản phẩm của đơn đã nằm trong kiện hàng."),
    "quote_failed": _l("Không hỏi được phí."),
    "weight_guessed": _l("Có sản phẩm chưa có khối lượng: tạm tính 500 g mỗi sản phẩm."),
    "warnings": _l("Có sản phẩm chưa có khối lượng: tạm tính 500 g mỗi sản phẩm."),
    "parcel_delivery_failed": _l("Giao không thành công."),
    "parcel_lost": _l("Hãng báo thất lạc hoặc hư hỏng."),
    "parcel_exception": _l("Hãng báo trạng thái lạ: cần kiểm tra."),
    "unavailable": _l("Hãng vận chuyển tạm thời không trả lời."),
    "rate_limited": _l("Hãng vận chuyển đang giới hạn số lần gọi."),
    "content_refused": _l("Hãng vận chuyển từ chối thông tin đơn."),
    "too_late": _l("Đã quá muộn để huỷ: hãng đã lấy hàng."),
    "auth_expired": _l("Thông tin đăng nhập hãng vận chuyển không còn đúng."),
}


# The carriers' settings (``config_schema`` field names), in the reader's words.
SETTING_LABELS: dict[str, Any] = {
    "api_base_url": _l("Địa chỉ API (để trống: của hãng)"),
    "token": _l("Token API của hãng"),
    "shop_id": _l("Mã cửa hàng (ShopId)"),
    "client_source": _l("Mã đối tác (X-Client-Source)"),
    "webhook_hash": _l("Mã bí mật webhook (phần ?hash= của địa chỉ)"),
    "username": _l("Tên đăng nhập"),
    "password": _l("Mật khẩu"),
    "webhook_token": _l("Mã bí mật webhook"),
    "group_address_id": _l("Mã địa chỉ lấy hàng (GROUPADDRESS_ID)"),
    "service": _l("Mã dịch vụ mặc định"),
    "print_token": _l("Mã in nhãn (print token)"),
    "customer_code": _l("Mã khách hàng"),
    "contract_code": _l("Mã hợp đồng"),
}


def setting_label(name: str) -> str:
    return str(SETTING_LABELS.get(name, name))


def carrier_name(code: str) -> str:
    return CARRIER_NAMES.get(code, code)


def status_label(status: models.ShipStatus | str) -> str:
    try:
        return str(STATUS_LABELS[models.ShipStatus(status)])
    except ValueError:
        return str(status)


def problem_label(problem: dict[str, Any] | None) -> str:
    """A stored problem (a reason code and params) in the reader's language."""
    if not problem:
        return ""
    code = str(problem.get("code", ""))
    label = PROBLEM_LABELS.get(code)
    if label is None:
        return _("Lỗi: %(code)s", code=code)
    words = str(label)
    params = problem.get("params") or {}
    if "%(" in words:
        try:
            return words % {"producer": _("Nhà sản xuất"), **params}
        except (KeyError, TypeError, ValueError):
            return words
    return words


def latest_parcel(session: so.Session, order_id: int) -> models.Shipment | None:
    """The order's newest parcel not cancelled, or None."""
    return session.scalars(
        sa.select(models.Shipment)
        .where(
            models.Shipment.order_id == order_id,
            models.Shipment.status != models.ShipStatus.CANCELLED,
            models.Shipment.tracking_code.is_not(None),
        )
        .order_by(models.Shipment.id.desc())
    ).first()
