"""Human labels for enum values, translated at display time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import ocop
from app.models import accounts, catalog, jobs, orgs

ROLE_LABELS = {
    accounts.Role.ADMIN: _l("Quản trị viên"),
    accounts.Role.COORDINATOR: _l("Điều phối viên"),
    accounts.Role.SELLER: _l("Người bán"),
    accounts.Role.PRODUCER: _l("Nhà sản xuất"),
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
