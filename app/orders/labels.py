"""Names of order statuses, sources and platforms, shared by the pages, the downloads and the
messages (a message names platforms and statuses, never their codes). Status and platform
names come from the app's one label table (``app.labels``); here only the order platforms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core import labels as app_labels

# The platforms an order can come from (``exports.PLATFORMS``), in that order.
ORDER_PLATFORMS = ("tiktok", "shopee", "lazada", "postmart", "voso", "facebook", "other")

STATUS_LABELS = {str(status): name for status, name in app_labels.ORDER_STATUS_LABELS.items()}
SOURCE_LABELS = {
    "manual": _l("Nhập tay"),
    "import": _l("Nhập tệp"),
    "comments": _l("Bình luận"),
}
PLATFORM_LABELS = {code: app_labels.PLATFORM_LABELS[code] for code in ORDER_PLATFORMS}
# How a status change came in (the order page's history).
VIA_LABELS = {
    "app": _l("Đổi trên ứng dụng"),
    "import": _l("Nhập tệp"),
    "manual": _l("Nhập tay"),
    "comments": _l("Bình luận"),
    "hold_expired": _l("Hết thời gian giữ hàng"),
    "payment": _l("Chuyển khoản ngân hàng"),
    "shipping": _l("Hãng vận chuyển báo"),
}


def platform_names() -> str:
    """'TikTok Shop, Shopee, …, Khác': the platforms a message lists, by name."""
    return ", ".join(str(name) for name in PLATFORM_LABELS.values())


def status_names() -> str:
    """'Đã đặt, Đã thanh toán, …': the statuses a message lists, by name."""
    return ", ".join(str(name) for name in STATUS_LABELS.values())
