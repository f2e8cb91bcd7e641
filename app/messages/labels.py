"""The words of buyer messages: order events, channels, statuses, connection states and every
reason code the message library (and this feature) gives, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import comments
from app.models import messages as models
from app.orders.events import OrderEvent

EVENT_LABELS = {
    OrderEvent.TAKEN: _l("Đã nhận đơn"),
    OrderEvent.PAYMENT_QR: _l("Mã QR thanh toán"),
    OrderEvent.PAID: _l("Đã thanh toán"),
    OrderEvent.SHIPPED: _l("Đã gửi hàng"),
    OrderEvent.DELIVERED: _l("Đã giao xong"),
    OrderEvent.CANCELLED: _l("Đã huỷ"),
    OrderEvent.PAYMENT_REMINDER: _l("Nhắc thanh toán"),
    OrderEvent.DELIVERY_FAILED: _l("Giao không thành công"),
}

CHANNEL_LABELS = {
    "zalo_zns": _l("Zalo ZNS (theo số điện thoại)"),
    "zalo_oa": _l("Zalo OA (người theo dõi)"),
    "messenger": "Messenger",  # a brand: not translated
    "facebook_private": _l("Facebook (trả lời riêng)"),
    "copy": _l("Sao chép gửi tay"),
}

PROVIDER_LABELS = {
    "zalo": _l("Zalo (OA và ZNS)"),
    "messenger": _l("Trang Facebook của CLB (Messenger)"),
}

STATUS_LABELS = {
    comments.MessageStatus.QUEUED: _l("Đang chờ gửi"),
    comments.MessageStatus.SENDING: _l("Đang gửi"),
    comments.MessageStatus.SENT: _l("Đã gửi"),
    comments.MessageStatus.FAILED: _l("Gửi không được"),
    comments.MessageStatus.TO_COPY: _l("Để nhân viên sao chép gửi"),
    comments.MessageStatus.SKIPPED: _l("Không gửi"),
}

CONNECTION_LABELS = {
    models.ConnectionStatus.AWAITING_CONSENT: _l("Chờ quản trị viên OA cấp quyền"),
    models.ConnectionStatus.CONNECTED: _l("Đã kết nối"),
    models.ConnectionStatus.RECONNECT_NEEDED: _l("Cần kết nối lại"),
}

PARAM_TYPE_LABELS = {
    "name": _l("Tên (tối đa 30 ký tự)"),
    "phone": _l("Số điện thoại (15)"),
    "address": _l("Địa chỉ (200)"),
    "code": _l("Mã (30)"),
    "amount": _l("Số tiền (20)"),
}

REASONS = {
    "recipient_unknown": _l("Người mua không có tài khoản trên kênh này."),
    "user_id_missing": _l("Chưa biết mã người mua trên kênh này (họ cần nhắn cho shop trước)."),
    "phone_invalid": _l("Số điện thoại không phải số di động Việt Nam."),
    "text_missing": _l("Tin nhắn trống."),
    "text_too_long": _l("Tin nhắn dài %(length)s ký tự, tối đa %(max)s."),
    "outside_window": _l(
        "Quá %(hours)s giờ kể từ lần cuối người mua nhắn cho shop: kênh không cho gửi."
    ),
    "template_missing": _l("Chưa chọn mẫu ZNS."),
    "template_not_approved": _l("Mẫu ZNS chưa được Zalo duyệt hoặc không có."),
    "template_params": _l("Giá trị điền vào mẫu ZNS không hợp lệ (%(fields)s)."),
    "token_expired": _l("Mã truy cập đã hết hạn: hãy kết nối lại."),
    "refresh_token_used": _l("Mã làm mới đã dùng rồi: quản trị viên OA cần kết nối lại."),
    "reconnect_needed": _l("Zalo từ chối mã làm mới: quản trị viên OA cần kết nối lại."),
    "connect_failed": _l("Zalo từ chối kết nối (mã cấp quyền hoặc mã xác minh sai)."),
    "not_connected": _l("Kênh chưa được kết nối."),
    "quota_exceeded": _l("Đã hết hạn mức tin ZNS trong ngày."),
    "blocked": _l("Người mua đã chặn hoặc từ chối nhận tin."),
    "not_follower": _l("Người mua chưa theo dõi (hoặc đã chặn) OA."),
    "feature_missing": _l("Gói OA hiện tại không có tính năng này."),
    "rate_limited": _l("Kênh đang giới hạn số lần gọi."),
    "server_error": _l("Máy chủ của kênh đang lỗi."),
    "unavailable": _l("Không kết nối được tới kênh."),
    "timeout": _l("Kênh trả lời quá chậm."),
    "opted_out": _l("Người mua đã xin dừng nhận tin."),
    "no_address": _l("Chưa có địa chỉ của người mua trên kênh này."),
    "config_invalid": _l("Cài đặt kênh thiếu thông tin."),
    "interrupted": _l("Bị ngắt giữa lúc gửi; không rõ người mua đã nhận chưa."),
}


def event_label(event: object) -> str:
    by_value = {str(k): v for k, v in EVENT_LABELS.items()}
    return str(by_value.get(str(event), _("Khác")))


def channel_label(channel: object) -> str:
    return str(CHANNEL_LABELS.get(str(channel), _("Kênh khác")))


def status_label(status: object) -> str:
    by_value = {str(k): v for k, v in STATUS_LABELS.items()}
    return str(by_value.get(str(status), _("Không rõ")))


def connection_label(status: object) -> str:
    by_value = {str(k): v for k, v in CONNECTION_LABELS.items()}
    return str(by_value.get(str(status), _("Không rõ")))


def problem_label(problem: Mapping[str, Any] | None) -> str:
    """A stored problem (``{"code", "params"}``) in the reader's words; empty for none."""
    if not problem:
        return ""
    code = str(problem.get("code") or "")
    params = dict(problem.get("params") or {})
    words = REASONS.get(code)
    if words is None:
        return _("Kênh từ chối (mã %(code)s).", code=problem.get("raw") or code)
    values = {"hours": "", "length": "", "max": "", "fields": ""}
    values.update({k: ", ".join(v) if isinstance(v, list) else v for k, v in params.items()})
    return str(words) % values
