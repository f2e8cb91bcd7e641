"""Words for payments: what a connection's last refused call was, what a transaction's state and
match note say, and the services' names. Libraries and services keep reason codes and params
(``integrations.webhooks``, ``app.payments.matching``); pages, the API and messages word them
here, in the reader's language. An unknown code is shown as ``lỗi <code>``, never dropped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core import formatting
from app.core import labels as app_labels
from app.models import payments as models

# Brands: not translated.
PROVIDER_LABELS = {"sepay": "SePay", "casso": "Casso", "payos": "payOS"}

# Why a webhook call or a call to the service was refused (connection.last_problem["code"]).
PROBLEM_LABELS = {
    "bad_signature": _l(
        "chữ ký, khóa API hoặc mã bảo mật không đúng: kiểm tra khóa đã dán vào ứng dụng"
    ),
    "stale_timestamp": _l(
        "thời điểm ký lệch quá %(allowed)s giây so với máy chủ (gửi lại cuộc gọi cũ, hoặc đồng "
        "hồ máy chủ sai)"
    ),
    "malformed_body": _l("nội dung gửi tới không đúng dạng của dịch vụ"),
    "webhook_rejected": _l("cuộc gọi bị từ chối"),
    "description_length": _l("nội dung chuyển khoản dài quá 9 ký tự payOS cho phép"),
    "credentials_refused": _l("dịch vụ từ chối Client ID hoặc khóa API"),
    "bad_reply": _l("dịch vụ trả về dữ liệu không đọc được hoặc sai chữ ký"),
    "content_refused": _l("dịch vụ từ chối yêu cầu"),
    "timeout": _l("dịch vụ không trả lời kịp"),
    "unreachable": _l("không kết nối được tới dịch vụ"),
    "server_error": _l("dịch vụ đang trả lỗi"),
    "rate_limited": _l("dịch vụ yêu cầu gọi chậm lại"),
    "too_large": _l("nội dung gửi tới quá lớn"),
}

STATE_LABELS = {
    models.MatchState.EXACT: _l("Khớp đủ"),
    models.MatchState.PARTIAL: _l("Trả thiếu"),
    models.MatchState.OVER: _l("Trả thừa"),
    models.MatchState.UNMATCHED: _l("Chưa khớp đơn"),
    models.MatchState.AMBIGUOUS: _l("Cần chọn đơn"),
    models.MatchState.IGNORED: _l("Bỏ qua"),
}

# Why a transaction is in review, or how it was settled (transaction.match_note["reason"]).
NOTE_LABELS = {
    "no_code": _l("nội dung không có mã đơn"),
    "code_broken": _l("mã đơn bị cắt hoặc sai (không đọc ra đơn nào của CLB)"),
    "several_orders": _l("nội dung có thể chỉ nhiều đơn: %(orders)s"),
    "order_not_payable": _l("đơn %(orders)s không còn chờ thanh toán (%(status)s)"),
    "money_out": _l("tiền ra khỏi tài khoản"),
    "set_aside": _l("nhân viên để riêng, không tính vào đơn nào"),
    "other_account": _l("tiền vào tài khoản %(account)s, không phải tài khoản của kết nối"),
}


def provider_label(provider: object) -> str:
    return PROVIDER_LABELS.get(str(provider), str(provider))


def state_label(state: object) -> str:
    by_code = {str(k): v for k, v in STATE_LABELS.items()}
    return str(by_code.get(str(state), state))


def _words(table: Mapping[str, Any], code: str, params: Mapping[str, Any]) -> str:
    words = table.get(code)
    if words is None:
        return str(_l("lỗi %(code)s", code=code or "?"))
    try:
        return str(words) % {k: v for k, v in params.items()} if "%(" in str(words) else str(words)
    except (KeyError, TypeError, ValueError):
        return str(words)


def problem_label(problem: Mapping[str, Any] | None) -> str:
    """A connection's last refusal in words ('' when there is none)."""
    if not problem:
        return ""
    code = str(problem.get("code") or "")
    params = dict(problem.get("params") or {})
    if code == "stale_timestamp":
        params.setdefault("allowed", params.get("allowed_seconds", 300))
    return _words(PROBLEM_LABELS, code, params)


def note_label(note: Mapping[str, Any] | None) -> str:
    """Why a transaction went to review (or was set aside), in words ('' for none)."""
    if not note or not note.get("reason"):
        if note and "due" in note:
            return str(_l("còn phải trả %(due)s", due=formatting.vnd(int(note["due"]))))
        return ""
    code = str(note["reason"])
    ids = note.get("order_ids") or []
    params = {
        "orders": ", ".join(f"#{i}" for i in ids),
        "status": app_labels.order_status_label(note.get("status")),
        "account": str(note.get("account") or ""),
    }
    return _words(NOTE_LABELS, code, params)


# The services' settings (``config_schema`` field names), in the reader's words.
SETTING_LABELS: dict[str, Any] = {
    "auth": _l("Cách xác thực: chữ ký HMAC hoặc khóa API"),
    "webhook_secret": _l("Khóa bí mật HMAC"),
    "api_key": _l("Khóa API"),
    "checksum_key": "Checksum key",  # the services' own names for them
    "secure_token": _l("Secure token (webhook cũ v1, không bắt buộc)"),
    "client_id": "Client ID",
    "api_base_url": _l("Địa chỉ API (để trống: của payOS)"),
}


def setting_label(name: str) -> str:
    return str(SETTING_LABELS.get(name, name))


# SePay's ways to authenticate its calls (the ``auth`` setting's values).
AUTH_LABELS = {"hmac": _l("Chữ ký HMAC"), "api_key": _l("Khóa API")}


def setting_value(name: str, value: object) -> str:
    """A shown setting's value in words where it is a code (SePay's ``auth``)."""
    if name == "auth":
        return str(AUTH_LABELS.get(str(value), value))
    return str(value)
