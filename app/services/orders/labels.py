"""Names of order statuses, sources and platforms, shared by the pages and the downloads."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "placed": _l("Đã đặt"),
    "paid": _l("Đã thanh toán"),
    "shipped": _l("Đang giao"),
    "completed": _l("Hoàn thành"),
    "cancelled": _l("Đã hủy"),
    "returned": _l("Trả hàng"),
}
SOURCE_LABELS = {
    "manual": _l("Nhập tay"),
    "import": _l("Nhập tệp"),
    "comments": _l("Bình luận"),
}
# Marketplace names are brands: not translated.
PLATFORM_LABELS = {
    "tiktok": "TikTok Shop",
    "shopee": "Shopee",
    "lazada": "Lazada",
    "postmart": "Postmart",
    "voso": "Voso",
    "facebook": "Facebook",
    "other": _l("Khác"),
}
