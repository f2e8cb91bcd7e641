"""Human labels for enum values and codes, translated at display time.

Pages, downloads and messages name a status, role or platform through these tables, never by
its stored code ("placed", "tiktok"); ``order_status_label``/``platform_label`` never fail on
an unknown code (an old row, another club's import): they show the code itself."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.models import accounts, catalog, channels, comments, jobs, orders, orgs
from vietnam import ocop

ROLE_LABELS = {
    accounts.Role.ADMIN: _l("Quản trị viên"),
    accounts.Role.COORDINATOR: _l("Điều phối viên"),
    accounts.Role.SELLER: _l("Người bán"),
    accounts.Role.PRODUCER: _l("Nhà sản xuất"),
    accounts.Role.UNION: _l("Đoàn cấp trên"),
}

STATUS_LABELS = {
    jobs.JobStatus.QUEUED: _l("Đang chờ"),
    jobs.JobStatus.RUNNING: _l("Đang chạy"),
    jobs.JobStatus.SUCCEEDED: _l("Hoàn tất"),
    jobs.JobStatus.FAILED: _l("Thất bại"),
    jobs.JobStatus.CANCELLED: _l("Đã huỷ"),
}

PRODUCER_TYPE_LABELS = {
    orgs.ProducerType.COMPANY: _l("Doanh nghiệp"),
    orgs.ProducerType.COOPERATIVE: _l("Hợp tác xã"),
    orgs.ProducerType.COOPERATIVE_GROUP: _l("Tổ hợp tác"),
    orgs.ProducerType.HOUSEHOLD: _l("Hộ sản xuất kinh doanh"),
}

CERTIFICATE_LEVEL_LABELS = {
    catalog.CertificateLevel.PROVINCE: _l("Cấp tỉnh"),
    catalog.CertificateLevel.CENTRAL: _l("Cấp trung ương"),
    catalog.CertificateLevel.DISTRICT: _l("Cấp huyện (trước 06/07/2025)"),
}

CERTIFICATE_STATUS_LABELS = {
    ocop.Status.ACTIVE: _l("Còn hiệu lực"),
    ocop.Status.EXPIRING: _l("Sắp hết hạn"),
    ocop.Status.EXPIRED: _l("Đã hết hạn"),
}

# Marketplace names are brands: not translated.
CHANNEL_LABELS = {
    "shopee": "Shopee",
    "tiktok": "TikTok Shop",
    "lazada": "Lazada",
    "postmart": "Postmart",
    "voso": "Voso",
    "website": _l("Website"),
}

LISTING_STATE_LABELS = {
    channels.ListingState.DRAFT: _l("Nháp"),
    channels.ListingState.QUEUED: _l("Đang chờ đăng"),
    channels.ListingState.PUBLISHING: _l("Đang đăng"),
    channels.ListingState.LIVE: _l("Đang bán"),
    channels.ListingState.NEEDS_ACTION: _l("Cần xử lý"),
    channels.ListingState.FAILED: _l("Lỗi"),
    channels.ListingState.PAUSED: _l("Tạm dừng"),
    channels.ListingState.DELISTED: _l("Đã gỡ"),
}

CHANNEL_ACCOUNT_STATUS_LABELS = {
    channels.AccountStatus.NOT_CONNECTED: _l("Chưa kết nối"),
    channels.AccountStatus.CONNECTED: _l("Đã kết nối"),
    channels.AccountStatus.NEEDS_RECONNECT: _l("Cần kết nối lại"),
    channels.AccountStatus.DISABLED: _l("Đã tắt"),
}

CAPTURE_STATUS_LABELS = {
    comments.CaptureStatus.WAITING: _l("Đang chờ"),
    comments.CaptureStatus.RUNNING: _l("Đang thu"),
    comments.CaptureStatus.STOPPED: _l("Đã dừng"),
    comments.CaptureStatus.ENDED: _l("Buổi live đã kết thúc"),
    comments.CaptureStatus.FAILED: _l("Lỗi"),
}

CAPTURE_PROBLEM_LABELS = {
    "live_ended": _l("buổi live đã kết thúc hoặc không còn khung bình luận"),
    "no_live_now": _l("Trang không có buổi live nào đang phát"),
    "not_found": _l("không tìm thấy buổi live"),
    "auth_expired": _l("quyền truy cập đã hết hạn: hãy kết nối lại tài khoản"),
    "not_connected": _l("tài khoản chưa kết nối xong"),
    "permission_missing": _l("thiếu quyền đọc bình luận của Trang"),
    "live_ref_needed": _l("cần đường dẫn buổi live"),
    "bad_live_ref": _l("đường dẫn buổi live không hợp lệ"),
    "rate_limited": _l("nền tảng yêu cầu đọc chậm lại"),
    "quota_exceeded": _l("đã dùng hết hạn mức đọc của nền tảng"),
    "unavailable": _l("nền tảng đang trả lỗi"),
    "server_error": _l("nền tảng đang trả lỗi"),
    "timeout": _l("nền tảng không trả lời kịp"),
    "unreachable": _l("không kết nối được tới nền tảng"),
    "bad_reply": _l("nền tảng trả về dữ liệu không đọc được"),
    "internal": _l("lỗi trong ứng dụng khi đọc bình luận (đã ghi nhật ký)"),
    "user_not_found": _l("không có tài khoản TikTok này, hoặc tài khoản chưa được phát live"),
    "sign_rate_limited": _l("máy chủ ký đã hết lượt gọi: thử lại sau"),
    "webcast_blocked": _l("TikTok chặn kết nối: hãy nhập bình luận bằng tay"),
}


def capture_problem_label(problem: dict[str, Any] | None) -> str:
    """Why a capture failed, in the reader's words (the code itself when it has no words)."""
    code = str((problem or {}).get("code") or "")
    params = (problem or {}).get("params") or {}
    if code == "sign_error":
        return str(
            _l(
                "máy chủ ký từ chối (%(detail)s): hãy nhập bình luận bằng tay",
                detail=str(params.get("detail") or ""),
            )
        )
    if code == "comments_missed":
        return str(
            _l(
                "mất kết nối %(n)d lần: bình luận trong lúc mất kết nối không lấy lại được, hãy "
                "nhập bằng tay nếu cần",
                n=int(params.get("gaps") or 0),
            )
        )
    words = CAPTURE_PROBLEM_LABELS.get(code)
    return str(words) if words is not None else str(_l("lỗi %(code)s", code=code))


MESSAGE_STATUS_LABELS = {
    comments.MessageStatus.QUEUED: _l("Đang chờ gửi"),
    comments.MessageStatus.SENDING: _l("Đang gửi"),
    comments.MessageStatus.SKIPPED: _l("Không gửi"),
    comments.MessageStatus.SENT: _l("Đã gửi tin nhắn riêng"),
    comments.MessageStatus.FAILED: _l("Gửi không được"),
    comments.MessageStatus.TO_COPY: _l("Để nhân viên sao chép gửi"),
}


def message_status_label(status: object) -> str:
    """'sent' → 'Đã gửi tin nhắn riêng' (an unknown code is shown as it is)."""
    by_code = {str(k): v for k, v in MESSAGE_STATUS_LABELS.items()}
    return str(by_code.get(str(status), status))


SOURCE_STATUS_LABELS = {
    comments.SourceStatus.CONNECTED: _l("Đã kết nối"),
    comments.SourceStatus.NEEDS_RECONNECT: _l("Cần kết nối lại"),
}

ORDER_STATUS_LABELS = {
    orders.OrderStatus.PLACED: _l("Đã đặt"),
    orders.OrderStatus.PAID: _l("Đã thanh toán"),
    orders.OrderStatus.SHIPPED: _l("Đang giao"),
    orders.OrderStatus.COMPLETED: _l("Hoàn thành"),
    orders.OrderStatus.CANCELLED: _l("Đã hủy"),
    orders.OrderStatus.RETURNED: _l("Trả hàng"),
}

# Where orders are placed and livestreams held (order platforms, live platforms, shops).
# Brands are not translated.
PLATFORM_LABELS = {
    "tiktok": "TikTok Shop",
    "shopee": "Shopee",
    "lazada": "Lazada",
    "postmart": "Postmart",
    "voso": "Voso",
    "facebook": "Facebook",
    "youtube": "YouTube",
    "zalo": "Zalo",
    "website": _l("Website"),
    "other": _l("Khác"),
}


_STATUS_BY_CODE: dict[str, Any] = {str(k): v for k, v in ORDER_STATUS_LABELS.items()}


def order_status_label(status: object) -> str:
    """'placed' → 'Đã đặt' (an unknown code is shown as it is)."""
    return str(_STATUS_BY_CODE.get(str(status), status if status is not None else "—"))


def platform_label(platform: object) -> str:
    """'tiktok' → 'TikTok Shop' (an unknown code is shown as it is)."""
    return str(PLATFORM_LABELS.get(str(platform), platform if platform is not None else "—"))
