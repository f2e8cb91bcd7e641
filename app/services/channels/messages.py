"""Adapter errors in plain words for sellers (Vietnamese first, English via Babel)."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import formatting
from integrations import errors

FIELD_LABELS = {
    "title": _l("Tên sản phẩm"),
    "description": _l("Mô tả"),
    "images": _l("Ảnh"),
    "skus": _l("Phân loại (SKU)"),
    "category_id": _l("Danh mục trên sàn"),
    "price": _l("Giá"),
    "stock": _l("Tồn kho"),
}


def outage(until: dt.datetime) -> str:
    """Why a listing waits: its marketplace keeps failing, so pushes to it are paused."""
    return _(
        "Sàn đang gặp sự cố (lỗi máy chủ liên tiếp); tạm dừng đẩy tới gian hàng này đến "
        "%(time)s rồi tự thử lại.",
        time=formatting.local_datetime(until, "%H:%M %d/%m"),
    )


def describe(exc: errors.ChannelError) -> str:
    """One sentence a seller understands; the marketplace's code kept in brackets."""
    code = f" [{exc.code}]" if exc.code else ""
    if isinstance(exc, errors.QuotaExceeded):
        return (
            _(
                "Gian hàng đã dùng hết lượt đăng sản phẩm mới trong ngày của sàn; "
                "sẽ tự thử lại khi sang ngày mới."
            )
            + code
        )
    if isinstance(exc, errors.RateLimited):
        return _("Sàn đang giới hạn số lần gọi; sẽ tự thử lại sau ít giây.") + code
    if isinstance(exc, errors.AuthExpired):
        return (
            _("Phiên đăng nhập với sàn đã hết hạn và không gia hạn được. Hãy bấm “Kết nối lại”.")
            + code
        )
    if isinstance(exc, errors.ValidationFailed):
        return (
            _(
                "Sàn từ chối nội dung sản phẩm: %(detail)s",
                detail=fields_text(exc.fields) or exc.message,
            )
            + code
        )
    if isinstance(exc, errors.TransientError):
        return _("Sàn tạm thời không phản hồi (%(why)s); sẽ tự thử lại.", why=exc.message) + code
    if isinstance(exc, errors.NotFound):
        return _("Sản phẩm không còn trên sàn (có thể đã bị xoá ở trang người bán).") + code
    if isinstance(exc, errors.NotSupported):
        return _("Kênh này không hỗ trợ thao tác đó.") + code
    return _("Sàn từ chối yêu cầu: %(why)s", why=exc.message) + code


def fields_text(fields: dict[str, list[str]]) -> str:
    parts = []
    for name, problems in fields.items():
        head = name.split(".", 1)[0]
        label = str(FIELD_LABELS[head]) if head in FIELD_LABELS else name
        parts.append(f"{label}: {'; '.join(problems)}")
    return " · ".join(parts)
