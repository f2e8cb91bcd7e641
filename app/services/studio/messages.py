"""The `media/` library's recipe messages in the user's language.

`media/` is a plain library and words its field problems in English ("must be at least 0.5",
"is past the end of the clip (12.00 s)"). The studio shows them to sellers, so each known
wording is matched here and said again through gettext (Vietnamese first, English as the
catalog has it). A wording this table does not know is shown as the library gave it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import flask_babel
from flask_babel import gettext as _

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rules() -> list[Rule]:
    table: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (r"is required", lambda m: _("Bắt buộc.")),
        (r"is required for a manual crop", lambda m: _("Bắt buộc khi cắt khung thủ công.")),
        (r"must be an object", lambda m: _("Phải là một đối tượng JSON.")),
        (r"must be a list", lambda m: _("Phải là một danh sách.")),
        (r"must be a number", lambda m: _("Phải là một số.")),
        (r"must be a whole number", lambda m: _("Phải là số nguyên.")),
        (r"must be text", lambda m: _("Phải là chữ.")),
        (r"must not be empty", lambda m: _("Không được để trống.")),
        (r"must be true or false", lambda m: _("Phải là có hoặc không.")),
        (r"must be a colour like #FFCC00", lambda m: _("Phải là mã màu, ví dụ #FFCC00.")),
        (r"must be an asset id", lambda m: _("Phải là mã một tệp trong thư viện.")),
        (
            r"must be a short lowercase name like photo or logo",
            lambda m: _("Phải là tên ngắn viết thường, ví dụ photo hoặc logo."),
        ),
        (r"must be an ffmpeg expression", lambda m: _("Phải là biểu thức ffmpeg.")),
        (r"must be video or photo", lambda m: _("Phải là video hoặc ảnh.")),
        (r"must be after in", lambda m: _("Điểm kết thúc phải sau điểm bắt đầu.")),
        (r"must be after start", lambda m: _("Thời điểm kết thúc phải sau thời điểm bắt đầu.")),
        (r"add at least one clip or photo", lambda m: _("Thêm ít nhất một đoạn video hoặc ảnh.")),
        (r"add at least one photo of the product", lambda m: _("Thêm ít nhất một ảnh sản phẩm.")),
        (r"needs stars, a price or both", lambda m: _("Cần số sao, giá hoặc cả hai.")),
        (r"has no sound", lambda m: _("Tệp này không có tiếng.")),
        (
            r"use up to 80 letters, digits, spaces, dots or dashes",
            lambda m: _("Tối đa 80 chữ, số, dấu cách, dấu chấm hoặc gạch ngang."),
        ),
        (r"at most (\d+) captions", lambda m: _("Tối đa %(n)s phụ đề.", n=m[1])),
        (r"at most (\d+) clips", lambda m: _("Tối đa %(n)s đoạn.", n=m[1])),
        (r"must be at least (\S+)", lambda m: _("Phải từ %(n)s trở lên.", n=_num(m[1]))),
        (r"must be at most (\S+)", lambda m: _("Tối đa %(n)s.", n=_num(m[1]))),
        (
            r"must be at most (\d+) characters \(it has (\d+)\)",
            lambda m: _("Tối đa %(n)s ký tự (đang có %(has)s).", n=m[1], has=m[2]),
        ),
        (r"must be one of (.+)", lambda m: _("Phải là một trong: %(values)s.", values=m[1])),
        (
            r"must be (.+) or (.+), not (.+)",
            lambda m: _("Phải là %(a)s hoặc %(b)s, không phải %(got)s.", a=m[1], b=m[2], got=m[3]),
        ),
        (r"must be (\d+)", lambda m: _("Phiên bản phải là %(v)s.", v=m[1])),
        (r"unknown asset (\S+)", lambda m: _("Không có tệp %(id)s trong thư viện.", id=m[1])),
        (
            r"is after the video's end \((\S+) s\)",
            lambda m: _("Nằm sau lúc video kết thúc (%(s)s giây).", s=_num(m[1])),
        ),
        (
            r"is past the end of the clip \((\S+) s\)",
            lambda m: _("Vượt quá cuối đoạn video (%(s)s giây).", s=_num(m[1])),
        ),
        (
            r"is past the end of the music \((\S+) s\)",
            lambda m: _("Vượt quá cuối bản nhạc (%(s)s giây).", s=_num(m[1])),
        ),
        (
            r"(.+) needs at least (\S+) s; this video is (\S+) s\.",
            lambda m: _(
                "%(platform)s cần video dài ít nhất %(min)s giây; video này dài %(got)s giây.",
                platform=m[1],
                min=_num(m[2]),
                got=_num(m[3]),
            ),
        ),
        (
            r"(.+) accepts at most (\S+) s \((\S+)–(\S+) s\); this video is (\S+) s\.",
            lambda m: _(
                "%(platform)s chỉ nhận video tối đa %(max)s giây; video này dài %(got)s giây.",
                platform=m[1],
                max=_num(m[2]),
                got=_num(m[5]),
            ),
        ),
        (
            r"(.+) accepts files up to (\S+) MB; this video (is|could reach) (\S+) MB\.",
            lambda m: _(
                "%(platform)s chỉ nhận tệp tối đa %(max)s MB; video này %(kind)s %(got)s MB.",
                platform=m[1],
                max=_num(m[2]),
                kind=_("nặng") if m[3] == "is" else _("có thể tới"),
                got=_num(m[4]),
            ),
        ),
    ]
    return [(re.compile(rf"^{pattern}$"), say) for pattern, say in table]


def _num(text: str) -> str:
    """12.50 → 12,5 in Vietnamese (decimal comma), 12.5 in English."""
    if re.fullmatch(r"\d+\.\d+", text):
        text = text.rstrip("0").rstrip(".")
    locale = flask_babel.get_locale()
    return text if locale is not None and locale.language == "en" else text.replace(".", ",")


_compiled: list[Rule] | None = None


def say(message: str) -> str:
    """One library message in the user's language (unknown wordings pass through)."""
    global _compiled
    if _compiled is None:
        _compiled = _rules()
    for pattern, render in _compiled:
        match = pattern.match(message)
        if match:
            return render(match)
    return message


def fields(problems: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Every field's messages in the user's language; the field paths stay as they are."""
    return {path: [say(m) for m in messages] for path, messages in problems.items()}


def _media_messages() -> dict[str, str]:
    return {
        "timeout": _("quá thời gian cho phép nên đã dừng"),
        "thumbnail": _("không tạo được ảnh xem trước"),
        "output": _("ffmpeg không ghi ra tệp video"),
        "ffmpeg": _("ffmpeg báo lỗi khi dựng video"),
        "ffmpeg_missing": _("máy chủ chưa có ffmpeg"),
        "ffmpeg_timeout": _("ffmpeg chạy quá lâu nên đã dừng"),
        "ffmpeg_failed": _("ffmpeg báo lỗi"),
        "analysis_failed": _("không phân tích được video"),
        "ingest_failed": _("không đọc được ảnh"),
        "cancelled": _("đã huỷ"),
    }


def media_error(exc: BaseException) -> str:
    """Why a render (or another media step) failed, in the user's language.

    ``media`` errors carry a ``code`` (and ``params``); their English ``message`` and any
    ffmpeg log stay in the server log, never on the page.
    """
    code = str(getattr(exc, "code", "") or "")
    params = dict(getattr(exc, "params", {}) or {})
    if code == "too_large" and {"size_mb", "max_mb", "platform"} <= params.keys():
        why = _(
            "%(platform)s chỉ nhận tệp tối đa %(max)s MB; video này nặng %(got)s MB",
            platform=params["platform"],
            max=_num(str(params["max_mb"])),
            got=_num(str(params["size_mb"])),
        )
    elif isinstance(exc, OSError):
        why = _("lỗi đọc/ghi tệp trên máy chủ")
    else:
        why = _media_messages().get(code, _("lỗi không xác định"))
    return _("Xuất video thất bại: %(reason)s.", reason=why)


def summary(problems: Mapping[str, Any]) -> str:
    count = len(problems)
    if count == 1:
        path, messages = next(iter(problems.items()))
        return _("Công thức video có lỗi ở %(path)s: %(message)s", path=path, message=messages[0])
    return _("Công thức video có lỗi ở %(n)d chỗ; xem các trường được đánh dấu.", n=count)
