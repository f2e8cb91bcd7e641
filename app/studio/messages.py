"""The `media/` library's messages in the user's language.

`media/` is a plain library: each recipe field problem is a ``media.errors.Problem`` (its
English sentence for logs, a stable ``code`` and ``params``) and each failure a
``MediaError`` with a ``code``. The studio words them here through the catalogue: ``problem``
and ``media_error`` give ``i18n.deferred`` messages (stored with a failed render and worded
for each reader), ``say``/``fields``/``summary`` the text for the current page. A plain string
(no code) is shown as it was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core import i18n
from app.core.i18n import N_
from media import errors as media_errors
from media import probe as media_probe

# code → msgid; the msgid's parameters are the Problem's params (see media.errors.Problem)
_PROBLEMS: dict[str, str] = {
    "required": N_("Bắt buộc."),
    "crop_x": N_("Bắt buộc khi cắt khung thủ công."),
    "object": N_("Phải là một đối tượng JSON."),
    "list": N_("Phải là một danh sách."),
    "number": N_("Phải là một số."),
    "integer": N_("Phải là số nguyên."),
    "text": N_("Phải là chữ."),
    "not_empty": N_("Không được để trống."),
    "boolean": N_("Phải là có hoặc không."),
    "colour": N_("Phải là mã màu, ví dụ #FFCC00."),
    "asset_id": N_("Phải là mã một tệp trong thư viện."),
    "role": N_("Phải là tên ngắn viết thường, ví dụ photo hoặc logo."),
    "expression": N_("Phải là biểu thức ffmpeg."),
    "clip_kind": N_("Phải là video hoặc ảnh."),
    "after_in": N_("Điểm kết thúc phải sau điểm bắt đầu."),
    "after_start": N_("Thời điểm kết thúc phải sau thời điểm bắt đầu."),
    "clips_required": N_("Thêm ít nhất một đoạn video hoặc ảnh."),
    "photos_required": N_("Thêm ít nhất một ảnh sản phẩm."),
    "badge_content": N_("Cần số sao, giá hoặc cả hai."),
    "no_sound": N_("Tệp này không có tiếng."),
    "output_name": N_("Tối đa 80 chữ, số, dấu cách, dấu chấm hoặc gạch ngang."),
    "captions_max": N_("Tối đa %(max)s phụ đề."),
    "clips_max": N_("Tối đa %(max)s đoạn."),
    "min": N_("Phải từ %(value)s trở lên."),
    "max": N_("Tối đa %(value)s."),
    "max_chars": N_("Tối đa %(max)s ký tự (đang có %(length)s)."),
    "one_of": N_("Phải là một trong: %(values)s."),
    "asset_kind": N_("Phải là %(expected)s, không phải %(got)s."),
    "version": N_("Phiên bản phải là %(version)s."),
    "unknown_asset": N_("Không có tệp %(asset)s trong thư viện."),
    "past_video_end": N_("Nằm sau lúc video kết thúc (%(seconds)s giây)."),
    "past_clip_end": N_("Vượt quá cuối đoạn video (%(seconds)s giây)."),
    "past_music_end": N_("Vượt quá cuối bản nhạc (%(seconds)s giây)."),
    "too_short": N_(
        "%(platform)s cần video dài ít nhất %(min)s giây; video này dài %(seconds)s giây."
    ),
    "too_long": N_(
        "%(platform)s chỉ nhận video tối đa %(max)s giây; video này dài %(seconds)s giây."
    ),
    "too_big": N_("%(platform)s chỉ nhận tệp tối đa %(max_mb)s MB; video này nặng %(size_mb)s MB."),
    "too_big_estimated": N_(
        "%(platform)s chỉ nhận tệp tối đa %(max_mb)s MB; video này có thể tới %(size_mb)s MB."
    ),
}

# the kinds of asset a field accepts, as people call them ("video" is the same word in both)
_KINDS: dict[str, str] = {
    "image": N_("ảnh"),
    "photo": N_("ảnh"),
    "audio": N_("âm thanh"),
}


def _kind(name: Any) -> dict[str, Any] | str:
    msgid = _KINDS.get(str(name))
    return i18n.deferred(msgid) if msgid else str(name)


def problem(found: Any) -> dict[str, Any] | str:
    """One field problem as an ``i18n.deferred`` message (a plain string stays as it is)."""
    if not isinstance(found, media_errors.Problem):
        return str(found)
    code, params = found.code, dict(found.params)
    if code == "too_big" and params.get("estimated"):
        code = "too_big_estimated"
    msgid = _PROBLEMS.get(code)
    if msgid is None:
        return str(found)
    if code == "asset_kind":
        expected = [_kind(kind) for kind in params.get("expected") or []]
        if len(expected) == 2:
            params["expected"] = i18n.deferred(N_("%(a)s hoặc %(b)s"), a=expected[0], b=expected[1])
        elif expected:
            params["expected"] = expected[0]
        params["got"] = _kind(params.get("got"))
    if code == "one_of":
        params["values"] = ", ".join(str(v) for v in params.get("values") or [])
    params.pop("estimated", None)
    return i18n.deferred(msgid, **params)


def say(found: Any) -> str:
    """One library problem in the user's language."""
    return i18n.message_text(problem(found))


def fields(problems: Mapping[str, list[Any]]) -> dict[str, list[str]]:
    """Every field's messages in the user's language; the field paths stay as they are."""
    return {path: [say(m) for m in messages] for path, messages in problems.items()}


_MEDIA_REASONS: dict[str, str] = {
    "timeout": N_("quá thời gian cho phép nên đã dừng"),
    "thumbnail": N_("không tạo được ảnh xem trước"),
    "output": N_("ffmpeg không ghi ra tệp video"),
    "ffmpeg": N_("ffmpeg báo lỗi khi dựng video"),
    "ffmpeg_missing": N_("máy chủ chưa có ffmpeg"),
    "ffmpeg_timeout": N_("ffmpeg chạy quá lâu nên đã dừng"),
    "ffmpeg_failed": N_("ffmpeg báo lỗi"),
    "analysis_failed": N_("không phân tích được video"),
    "ingest_failed": N_("không đọc được ảnh"),
    "cancelled": N_("đã huỷ"),
}


def media_reason(exc: BaseException) -> dict[str, Any]:
    """Why a media step failed, as an ``i18n.deferred`` phrase (no sentence around it).

    ``media`` errors carry a ``code`` (and ``params``); their English ``message`` and any
    ffmpeg log stay in the server log, never on the page."""
    code = str(getattr(exc, "code", "") or "")
    params = dict(getattr(exc, "params", {}) or {})
    if code == "too_large" and {"size_mb", "max_mb", "platform"} <= params.keys():
        return i18n.deferred(
            N_("%(platform)s chỉ nhận tệp tối đa %(max)s MB; video này nặng %(got)s MB"),
            platform=params["platform"],
            max=_as_number(params["max_mb"]),
            got=_as_number(params["size_mb"]),
        )
    if isinstance(exc, media_errors.RefusedMedia):
        return refusal(code)
    if isinstance(exc, OSError):
        return i18n.deferred(N_("lỗi đọc/ghi tệp trên máy chủ"))
    return i18n.deferred(_MEDIA_REASONS.get(code, N_("lỗi không xác định")))


_REFUSALS: dict[str, str] = {
    "empty": N_("Tệp trống."),
    "too_large": N_("Tệp quá lớn so với giới hạn cho phép."),
    "unknown_format": N_(
        "Không nhận ra định dạng tệp; hãy tải video MP4/MOV, ảnh JPG/PNG hoặc nhạc MP3/M4A."
    ),
    "container_not_allowed": N_(
        "Định dạng tệp này không được hỗ trợ ở đây (ví dụ ảnh đổi đuôi thành video)."
    ),
    "codec_not_allowed": N_("Mã hoá video/âm thanh này không được hỗ trợ."),
    "no_stream": N_("Tệp không có hình hoặc tiếng phù hợp."),
    "truncated": N_("Tệp bị hỏng hoặc tải lên chưa hết."),
    "undecodable": N_("Không đọc được hình đầu tiên của tệp."),
    "too_long": N_("Video quá dài so với giới hạn cho phép."),
    "too_short": N_("Video quá ngắn."),
    "too_small": N_("Hình quá nhỏ."),
    "too_big_frame": N_("Khung hình quá lớn."),
    "playlist": N_("Danh sách phát (playlist) không được nhận; hãy tải chính tệp video."),
    "svg": N_("Ảnh SVG (ảnh vector) không được hỗ trợ; hãy tải ảnh PNG, JPEG hoặc WebP."),
    "wrong_kind": N_("Tệp không đúng loại cho mục này."),
}


def refusal(code: str, limits: media_probe.Limits | None = None) -> dict[str, Any]:
    """Why an upload was refused (a ``media.errors.RefusedMedia`` code), as ``i18n.deferred``;
    with the install's ``limits`` the size and length refusals name the limit."""
    if limits is not None and code == "too_large":
        return i18n.deferred(
            N_("Tệp quá lớn: tối đa %(mb)d MB."), mb=limits.max_bytes // (1024 * 1024)
        )
    if limits is not None and code == "too_long":
        return i18n.deferred(N_("Video quá dài: tối đa %(s)d giây."), s=int(limits.max_duration))
    return i18n.deferred(_REFUSALS.get(code, N_("Tệp không phải media hợp lệ.")))


def _as_number(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def media_error(exc: BaseException) -> dict[str, Any]:
    """Why a render failed, as an ``i18n.deferred`` sentence."""
    return i18n.deferred(N_("Xuất video thất bại: %(reason)s."), reason=media_reason(exc))


def summary_message(problems: Mapping[str, list[Any]]) -> dict[str, Any]:
    """A recipe's problems in one ``i18n.deferred`` sentence."""
    count = len(problems)
    if count == 1:
        path, messages = next(iter(problems.items()))
        return i18n.deferred(
            N_("Công thức video có lỗi ở %(path)s: %(message)s"),
            path=path,
            message=problem(messages[0]),
        )
    return i18n.deferred(
        N_("Công thức video có lỗi ở %(n)d chỗ; xem các trường được đánh dấu."), n=count
    )


def summary(problems: Mapping[str, list[Any]]) -> str:
    return i18n.message_text(summary_message(problems))
