"""Marketplace errors in plain words, rendered in the reader's language.

``integrations`` never words anything for a person: an error carries a stable ``reason`` code
with ``params``, and field problems are codes with params (or the marketplace's own words).
This module is the one catalogue that turns those into sentences (Vietnamese source strings,
English through Babel), and the one place that stores them on a listing or a shop:

- a listing keeps ``error_code`` (the code below), ``error_fields`` (field → problems, each a
  ``{"code", "params"}`` object or the marketplace's own words) and the message's params under
  the reserved key ``PARAMS_KEY`` of ``error_fields`` (no column of its own);
- a shop keeps ``{"code", "params"}`` as JSON in ``last_error``.

Pages and the API render these afresh for each reader (``listing_error``, ``account_error``);
``Listing.last_error`` also keeps the sentence in the default language, for logs, the command
line and rows written before codes (shown as is when the code is not known here).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core import formatting
from app.models import channels
from integrations import errors, netguard

PARAMS_KEY = "@params"  # reserved key of Listing.error_fields holding the message's params

FIELD_LABELS = {
    "title": _l("Tên sản phẩm"),
    "description": _l("Mô tả"),
    "images": _l("Ảnh"),
    "image": _l("Ảnh"),
    "skus": _l("Phân loại (SKU)"),
    "category_id": _l("Danh mục trên sàn"),
    "price": _l("Giá"),
    "stock": _l("Tồn kho"),
    "name": _l("Tên phân loại"),
    "logistic_info": _l("Vận chuyển"),
    "listing": _l("Sản phẩm"),
    "url": _l("Đường dẫn"),
    "weight": _l("Khối lượng"),
    "weight_grams": _l("Khối lượng"),
    "brand": _l("Thương hiệu"),
    "product_code": _l("Mã sản phẩm"),
    "seller_sku": _l("Mã phân loại"),
    "attributes": _l("Thuộc tính"),
}
OTHER_FIELD = _l("Nội dung khác")  # a field name this table lacks: never shown raw

# Field problem codes (integrations.base.validate, the adapters, the listing packs).
PROBLEMS = {
    "title_length": _l("cần %(min)s–%(max)s ký tự"),
    "description_length": _l("cần %(min)s–%(max)s ký tự"),
    "text_length": _l("cần %(min)s–%(max)s ký tự"),
    "text_too_long": _l("tối đa %(max)s ký tự"),
    "images_count": _l("cần %(min)s–%(max)s ảnh"),
    "skus_missing": _l("cần ít nhất một phân loại"),
    "skus_too_many": _l("tối đa %(max)s phân loại"),
    "sku_repeated": _l("mã phân loại %(sku)s bị trùng"),
    "variant_name_missing": _l("cần tên phân loại khi có nhiều phân loại"),
    "price_range": _l("phải từ %(min)s đến %(max)s"),
    "number_range": _l("phải từ %(min)s đến %(max)s"),
    "number_min": _l("tối thiểu %(min)s"),
    "number_max": _l("tối đa %(max)s"),
    "stock_negative": _l("không được âm"),
    "category_missing": _l("chưa ghép danh mục trên sàn cho nhóm OCOP này"),
    "category_invalid": _l("không phải mã danh mục của sàn"),
    "required": _l("bắt buộc"),
    "control_characters": _l("chứa ký tự điều khiển"),
    "one_line": _l("phải nằm trên một dòng"),
    "not_a_number": _l("phải là một số"),
    "numbers_list": _l("phải là các số cách nhau bằng dấu phẩy"),
    "positive_number": _l("phải là số dương"),
    "web_address": _l("phải là địa chỉ web bắt đầu bằng https://"),
    "images_not_uploaded": _l("ảnh chưa được tải lên sàn; sẽ tải lại khi thử lại"),
    "image_unreadable": _l("không đọc được tệp ảnh"),
    "image_too_small": _l("ảnh cần tối thiểu %(min)s×%(min)s điểm ảnh"),
    "image_too_big": _l("ảnh quá lớn để nén xuống %(max)s KB"),
    "no_shipping_channel": _l("hãy bật một đơn vị vận chuyển ở trang người bán của sàn"),
    "sku_not_on_marketplace": _l("phân loại chưa có trên sàn"),
    "reference_missing": _l("dán đường dẫn trang sản phẩm hoặc mã sản phẩm trên sàn"),
    "reference_invalid": _l("không phải đường dẫn hay mã sản phẩm"),
    "reference_scheme": _l("dán địa chỉ web bắt đầu bằng https://"),
    "reference_credentials": _l("đường dẫn sản phẩm không chứa tên đăng nhập hay mật khẩu"),
    "reference_host": _l("đường dẫn không thuộc sàn này (%(hosts)s)"),
    "reference_port": _l("đường dẫn sản phẩm không có số cổng"),
    "reference_other_page": _l("đây là trang khác, không phải trang sản phẩm"),
    "reference_not_product": _l("không phải trang sản phẩm của sàn này"),
}

UNKNOWN_PROBLEM = _l("chưa hợp lệ")

# Whole-message codes: an error's ``reason`` (integrations.errors) and the app's own states.
MESSAGES = {
    "refused": _l("Sàn từ chối yêu cầu."),
    "http_refused": _l("Sàn từ chối yêu cầu (mã lỗi %(status)s)."),
    "content_refused": _l("Sàn từ chối nội dung sản phẩm: %(detail)s"),
    "content_refused_plain": _l("Sàn từ chối nội dung sản phẩm."),
    "config_invalid": _l("Cấu hình gian hàng chưa đúng: %(detail)s"),
    "local_validation": _l("Chưa đủ điều kiện đăng: %(detail)s"),
    "pack_validation": _l("Chưa tạo được gói đăng bán: %(detail)s"),
    "auth_expired": _l(
        "Phiên đăng nhập với sàn đã hết hạn và không gia hạn được. Hãy bấm “Kết nối lại”."
    ),
    "not_connected": _l("Gian hàng chưa kết nối với sàn: bấm nút kết nối ở trang gian hàng."),
    "reconnect": _l("Thiếu mã gian hàng của sàn. Hãy bấm “Kết nối lại”."),
    "rate_limited": _l("Sàn đang giới hạn số lần gọi; sẽ tự thử lại sau ít giây."),
    "quota_exceeded": _l(
        "Gian hàng đã dùng hết lượt đăng sản phẩm mới trong ngày của sàn; "
        "sẽ tự thử lại khi sang ngày mới."
    ),
    "unavailable": _l("Sàn tạm thời không phản hồi; sẽ tự thử lại."),
    "server_error": _l("Máy chủ của sàn đang gặp lỗi (mã lỗi %(status)s); sẽ tự thử lại."),
    "timeout": _l("Sàn không trả lời kịp; sẽ tự thử lại."),
    "unreachable": _l("Không kết nối được tới máy chủ của sàn; sẽ tự thử lại."),
    "bad_reply": _l("Sàn trả lời thiếu hoặc sai dữ liệu."),
    "refresh_wait": _l("Đang chờ gia hạn phiên đăng nhập với sàn; sẽ tự thử lại."),
    "not_found": _l("Sản phẩm không còn trên sàn (có thể đã bị xoá ở trang người bán)."),
    "not_supported": _l("Kênh này không hỗ trợ thao tác đó."),
    "no_connect": _l("Kênh này không cần kết nối: dùng gói đăng bán."),
    "api_channel": _l("Kênh này đăng qua API của sàn, không dùng gói đăng bán."),
    "bad_credentials": _l(
        "Sàn từ chối chữ ký của yêu cầu: kiểm tra khoá bí mật trong cấu hình gian hàng."
    ),
    "credentials_or_clock": _l(
        "Sàn từ chối mã đối tác hoặc thời điểm gửi: kiểm tra mã đối tác trong cấu hình "
        "gian hàng và đồng hồ của máy chủ."
    ),
    "bad_callback": _l("Sàn không trả về mã cấp quyền (người bán đã từ chối?)."),
    "no_shop": _l("Sàn chưa cấp quyền cho gian hàng nào của tài khoản này."),
    "image_unreadable": _l("Không đọc được tệp ảnh của sản phẩm."),
    "sku_not_on_marketplace": _l("Phân loại %(sku)s chưa có trên sàn; hãy bấm “Thử lại”."),
    "variations_differ": _l(
        "Sản phẩm trên sàn có phân loại khác với danh mục (thiếu %(skus)s): sửa trên trang "
        "người bán của sàn rồi thử lại."
    ),
    "unsafe_address": _l("Địa chỉ %(url)s trong cấu hình gian hàng không được phép: %(why)s"),
    "outage": _l(
        "Sàn đang gặp sự cố (lỗi máy chủ liên tiếp); tạm dừng đẩy tới gian hàng này đến "
        "%(time)s rồi tự thử lại."
    ),
    "certificate_paused": _l(
        "Tạm dừng vì giấy chứng nhận OCOP đã hết hạn. Gia hạn chứng nhận "
        "hoặc chọn “Vẫn bán” để đăng lại."
    ),
    "gave_up": _l("Đã thử %(n)s lần không được (%(why)s). Bấm “Thử lại” để đăng lại."),
}

# Why a listing was given up on, said inside ``gave_up`` (no "will retry": it will not).
CAUSES = {
    "server_error": _l("máy chủ của sàn báo lỗi, mã lỗi %(status)s"),
    "unavailable": _l("sàn không phản hồi"),
    "timeout": _l("sàn không trả lời kịp"),
    "unreachable": _l("không kết nối được tới máy chủ của sàn"),
    "bad_reply": _l("sàn trả lời thiếu hoặc sai dữ liệu"),
    "refresh_wait": _l("chờ gia hạn phiên đăng nhập quá lâu"),
}

# Why an address fails the SSRF guard (integrations.netguard.UnsafeURL codes).
UNSAFE_URL = {
    "invalid": _l("không phải địa chỉ hợp lệ."),
    "scheme": _l("chỉ cho phép địa chỉ http:// và https://."),
    "no_host": _l("địa chỉ thiếu tên máy chủ."),
    "credentials": _l("địa chỉ không được chứa tên đăng nhập hay mật khẩu."),
    "unresolvable": _l("không tìm được máy chủ %(host)s."),
    "no_address": _l("máy chủ %(host)s không có địa chỉ."),
    "not_public": _l("%(host)s trỏ tới %(address)s, không phải địa chỉ công khai."),
}


@dataclasses.dataclass(frozen=True)
class Record:
    """A message as stored: its code, params and (for content) per-field problems."""

    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    fields: dict[str, list[Any]] | None = None


@dataclasses.dataclass(frozen=True)
class FieldLine:
    """One field's problems as a reader sees them (``remote``: the marketplace's own words)."""

    name: str
    label: str
    problems: list[str]
    remote: bool


@dataclasses.dataclass(frozen=True)
class ErrorView:
    """A stored error for one reader: the full sentence, a headline to show above the field
    list, the field problems, and the marketplace's own words (``said``) when it gave any."""

    text: str
    headline: str
    fields: list[FieldLine]
    said: str = ""


# Codes whose sentence ends with the field problems: pages show this headline above the list.
HEADLINES = {
    "content_refused": _l("Sàn từ chối nội dung sản phẩm."),
    "config_invalid": _l("Cấu hình gian hàng chưa đúng."),
    "local_validation": _l("Chưa đủ điều kiện đăng."),
    "pack_validation": _l("Chưa tạo được gói đăng bán."),
}
SAID_KEY = "said"  # param holding the marketplace's own words (shown as such, never translated)


# --- records ----------------------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def problems_json(fields: Mapping[str, list[Any]] | None) -> dict[str, list[Any]] | None:
    """Field problems as stored: ``Problem`` → ``{"code", "params"}``, words kept as words."""
    if not fields:
        return None
    out: dict[str, list[Any]] = {}
    for name, problems in fields.items():
        out[str(name)] = [
            p.as_dict() if isinstance(p, errors.Problem) else p if isinstance(p, dict) else str(p)
            for p in problems
        ]
    return out


def record_of(exc: errors.ChannelError) -> Record:
    """What to keep of an adapter's error: its reason, params and field problems."""
    params = {k: _json_safe(v) for k, v in exc.params.items()}
    fields = problems_json(exc.fields) if isinstance(exc, errors.ValidationFailed) else None
    code = exc.reason if exc.reason in MESSAGES else _class_code(exc)
    return Record(code, params, fields)


def _class_code(exc: errors.ChannelError) -> str:
    """The catalogue code of the nearest error class (for a reason this catalogue lacks)."""
    for cls in type(exc).__mro__:
        reason = getattr(cls, "default_reason", None)
        if reason in MESSAGES:
            return str(reason)
    return "refused"


# --- rendering ----------------------------------------------------------------------------


def _number(value: Any) -> Any:
    """Whole numbers in the reader's format (1.000 / 1,000); anything else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return formatting.number(value)
    return value


def field_label(name: str) -> str:
    """``title`` → "Tên sản phẩm"; ``skus.NM-500.price`` → "Giá (NM-500)"."""
    parts = name.split(".")
    head = parts[0]
    if head == "skus" and len(parts) >= 3 and parts[-1] in FIELD_LABELS:
        return f"{FIELD_LABELS[parts[-1]]} ({'.'.join(parts[1:-1])})"
    if head == "skus" and len(parts) == 2:
        return f"{FIELD_LABELS['skus']} {parts[1]}"
    if head == "images" and len(parts) == 2:
        return f"{FIELD_LABELS['images']} {parts[1]}"
    if head == "config" and len(parts) == 2:
        return str(FIELD_LABELS.get(parts[1], OTHER_FIELD))
    return str(FIELD_LABELS[head]) if head in FIELD_LABELS else str(OTHER_FIELD)


def problem_text(problem: Any) -> str:
    """One stored problem in the reader's language (the marketplace's words as they came)."""
    if isinstance(problem, errors.Problem):
        problem = problem.as_dict()
    if isinstance(problem, dict):
        code = str(problem.get("code") or "")
        params = dict(problem.get("params") or {})
        template = PROBLEMS.get(code)
        if template is None:  # a code this catalogue lacks: never shown raw
            return str(UNKNOWN_PROBLEM)
        if code == "price_range":
            params["min"] = formatting.vnd(params.get("min"))
            params["max"] = formatting.vnd(params.get("max"))
        try:
            return _fill(template, params)
        except (KeyError, TypeError, ValueError):
            return str(UNKNOWN_PROBLEM)
    return str(problem)


def field_lines(fields: Mapping[str, list[Any]] | None) -> list[FieldLine]:
    lines = []
    for name, problems in (fields or {}).items():
        if name == PARAMS_KEY or not isinstance(problems, list):
            continue
        remote = any(not isinstance(p, dict | errors.Problem) for p in problems)
        lines.append(
            FieldLine(name, field_label(name), [problem_text(p) for p in problems], remote)
        )
    return lines


def fields_text(fields: Mapping[str, list[Any]] | None) -> str:
    """``Ảnh: cần 1–9 ảnh · Tên sản phẩm: …`` in the reader's language."""
    return " · ".join(f"{line.label}: {'; '.join(line.problems)}" for line in field_lines(fields))


class _Params(dict[str, Any]):
    """Params for a sentence: one a stored row lacks reads "?" instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def _fill(template: Any, params: Mapping[str, Any]) -> str:
    text = str(template)
    if "%(" not in text:
        return text
    return text % _Params({k: _number(v) for k, v in params.items()})


def render(record: Record) -> str | None:
    """The sentence for ``record`` in the reader's language; None for an unknown code."""
    template = MESSAGES.get(record.code)
    if template is None:
        return None
    params = dict(record.params)
    if record.code == "gave_up":
        cause = str(params.pop("reason", ""))
        inner = Record(cause, params, record.fields)
        why = _fill(CAUSES[cause], params) if cause in CAUSES else render(inner) or ""
        params = {"n": record.params.get("n", "?"), "why": why.rstrip(".")}
    elif record.code == "outage":
        until = formatting.parse_stored(str(params.get("until") or ""))
        return outage(until) if until else str(MESSAGES["unavailable"])
    elif record.code == "unsafe_address":
        unsafe = UNSAFE_URL.get(str(params.get("why") or ""))
        reason = {k: v for k, v in params.items() if k not in ("url", "why")}
        params = {"url": params.get("url", ""), "why": _fill(unsafe, reason) if unsafe else ""}
    elif record.code in (
        "content_refused",
        "config_invalid",
        "local_validation",
        "pack_validation",
    ):
        detail = fields_text(record.fields)
        if not detail:
            return str(MESSAGES["content_refused_plain"])
        params["detail"] = detail
    try:
        return _fill(template, params)
    except (KeyError, TypeError, ValueError):
        return None


def describe(exc: errors.ChannelError) -> str:
    """One sentence a seller understands, in the reader's language."""
    return render(record_of(exc)) or str(MESSAGES["refused"])


def outage(until: dt.datetime) -> str:
    """Why a listing waits: its marketplace keeps failing, so pushes to it are paused."""
    return str(MESSAGES["outage"]) % {"time": formatting.local_datetime(until, "%H:%M %d/%m")}


def unsafe_url(exc: netguard.UnsafeURL) -> str:
    """Why the SSRF guard refused an address, in the reader's language."""
    why = UNSAFE_URL.get(exc.code)
    return _fill(why, exc.params) if why is not None else str(exc)


# --- a listing's and a shop's stored error -------------------------------------------------


def store(listing: channels.Listing, record: Record) -> None:
    """Keep ``record`` on the listing (code, fields, params) with its default-language text."""
    fields: dict[str, Any] = dict(record.fields or {})
    if record.params:
        fields[PARAMS_KEY] = dict(record.params)
    listing.error_code = record.code
    listing.error_fields = fields or None
    listing.last_error = render(record) or record.code


def clear(listing: channels.Listing) -> None:
    listing.last_error = listing.error_fields = listing.error_code = None


def record_of_listing(listing: channels.Listing) -> Record | None:
    if not listing.error_code and not listing.error_fields:
        return None
    stored = dict(listing.error_fields or {})
    params = stored.pop(PARAMS_KEY, None)
    return Record(
        listing.error_code or "",
        dict(params) if isinstance(params, dict) else {},
        stored or None,
    )


def listing_error(listing: channels.Listing) -> ErrorView | None:
    """The listing's error for the reader: from its code, else the stored text (old rows)."""
    record = record_of_listing(listing)
    text = render(record) if record is not None else None
    if text is None:
        text = listing.last_error or ""
    lines = field_lines(record.fields if record is not None else None)
    if not text and not lines:
        return None
    headline = HEADLINES.get(record.code) if record is not None and lines else None
    said = str(record.params.get(SAID_KEY) or "") if record is not None else ""
    return ErrorView(text, str(headline) if headline else text, lines, said)


def listing_error_text(listing: channels.Listing) -> str | None:
    view = listing_error(listing)
    return view.text if view is not None else None


def listing_error_fields(listing: channels.Listing) -> dict[str, list[str]] | None:
    """Field → problems in the reader's language (the API's ``error_fields``)."""
    view = listing_error(listing)
    if view is None or not view.fields:
        return None
    return {line.name: line.problems for line in view.fields}


def account_record(exc: errors.ChannelError) -> str:
    """What a shop keeps in ``last_error``: ``{"code", "params"}`` as JSON."""
    record = record_of(exc)
    return json.dumps({"code": record.code, "params": record.params}, ensure_ascii=False)


def account_error(account: channels.ChannelAccount) -> str | None:
    """The shop's last error for the reader (older rows hold text: shown as is)."""
    stored = account.last_error
    if not stored:
        return None
    try:
        data = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(data, dict) or "code" not in data:
        return stored
    params = data.get("params")
    return render(Record(str(data["code"]), dict(params) if isinstance(params, dict) else {})) or (
        str(MESSAGES["refused"])
    )
