"""Human labels for enum values, translated at display time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import accounts, jobs, orgs

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
