"""A job as people read it, in the page's language: its kind's name, its messages, and its
result as sentences and small tables (never JSON).

Handlers store plain data under stable keys (counts, flags, ids); this module says what each
kind's result means. A key no kind explains is shown in a generic table, under its label when
one is known (``KEY_LABELS``), else under the key itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import formatting, i18n
from app.models import jobs

# Keys of stored file paths: where a file sits on the server means nothing to a reader.
HIDDEN_KEYS = frozenset({"output_path", "master_path", "thumbnail_path"})

KEY_LABELS: dict[str, Any] = {
    # system.check
    "database": _l("Cơ sở dữ liệu"),
    "media_writable": _l("Thư mục media ghi được"),
    "disk_free_mb": _l("Dung lượng trống (MB)"),
    "ffmpeg": _l("ffmpeg (xuất video)"),
    "worker_pid": _l("Tiến trình máy chạy công việc"),
    # catalog.import
    "rows": _l("Số dòng đã đọc"),
    "created_producers": _l("Chủ thể sản xuất thêm mới"),
    "created_products": _l("Sản phẩm thêm mới"),
    "updated_products": _l("Sản phẩm cập nhật"),
    "unchanged_products": _l("Sản phẩm giữ nguyên"),
    "created_variants": _l("Phân loại thêm mới"),
    "updated_variants": _l("Phân loại cập nhật"),
    "unchanged_variants": _l("Phân loại giữ nguyên"),
    "dry_run": _l("Chạy thử (không ghi)"),
    "warnings": _l("Cảnh báo"),
    "total_errors": _l("Tổng số lỗi"),
    # channels.publish, channels.sync, channels.certificates
    "total": _l("Tin đăng đã xử lý"),
    "live": _l("Đang bán"),
    "needs_action": _l("Cần xử lý"),
    "failed": _l("Lỗi"),
    "paused": _l("Tạm dừng"),
    "waiting": _l("Chờ lượt sau"),
    "next_attempt_in": _l("Thử lại sau (giây)"),
    "resumed": _l("Mở bán lại"),
    "paused_now": _l("Đã tạm dừng trên sàn"),
    # studio
    "asset_id": _l("Mã tệp media"),
    "render_id": _l("Mã bản xuất video"),
    "duration": _l("Thời lượng"),
    "size_bytes": _l("Dung lượng"),
}


@dataclasses.dataclass(frozen=True)
class Sentence:
    text: str
    ok: bool | None = None  # True/False: a check that passed or failed (styled as such)


@dataclasses.dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclasses.dataclass
class Presented:
    sentences: list[Sentence] = dataclasses.field(default_factory=list)
    tables: list[Table] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    details: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # label, value

    @property
    def empty(self) -> bool:
        return not (self.sentences or self.tables or self.warnings or self.details)


def label(key: str) -> str:
    known = KEY_LABELS.get(key)
    return str(known) if known is not None else key


def value(raw: Any) -> str:
    """One stored value as a short text: yes/no, numbers in the page's format, lists joined."""
    if raw is None:
        return formatting.MISSING
    if isinstance(raw, bool):
        return _("Có") if raw else _("Không")
    if isinstance(raw, int | float):
        return formatting.number(raw) if isinstance(raw, int) else formatting.decimal_number(raw)
    if isinstance(raw, list | tuple):
        return "; ".join(value(item) for item in raw) or formatting.MISSING
    if isinstance(raw, Mapping):
        return "; ".join(f"{label(str(k))}: {value(v)}" for k, v in raw.items())
    return str(raw)


def _int(result: Mapping[str, Any], key: str) -> int | None:
    raw = result.get(key)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _size(size_bytes: int | None) -> str:
    if size_bytes is None:
        return formatting.MISSING
    return _("%(mb)s MB", mb=formatting.decimal_number(size_bytes / 1_000_000))


# --- one reader per kind: returns the keys it explained -----------------------------------


def _system_check(result: Mapping[str, Any], out: Presented) -> set[str]:
    checks: list[tuple[str, str, str]] = [
        (
            "database",
            _("Cơ sở dữ liệu: kết nối được."),
            _("Cơ sở dữ liệu: không kết nối được."),
        ),
        (
            "media_writable",
            _("Thư mục media: ghi được."),
            _("Thư mục media: không ghi được; tải tệp lên và xuất video sẽ lỗi."),
        ),
        (
            "ffmpeg",
            _("ffmpeg: có sẵn, xuất được video."),
            _("ffmpeg: không tìm thấy; chưa xuất được video."),
        ),
    ]
    used: set[str] = set()
    for key, good, bad in checks:
        if isinstance(result.get(key), bool):
            out.sentences.append(Sentence(good if result[key] else bad, ok=result[key]))
            used.add(key)
    free = _int(result, "disk_free_mb")
    if free is not None:
        out.sentences.append(
            Sentence(_("Dung lượng trống ở thư mục media: %(mb)s MB.", mb=formatting.number(free)))
        )
        used.add("disk_free_mb")
    pid = _int(result, "worker_pid")
    if pid is not None:
        out.sentences.append(
            Sentence(_("Máy chạy công việc đã trả lời (tiến trình %(pid)d).", pid=pid), ok=True)
        )
        used.add("worker_pid")
    return used


def _catalog_import(result: Mapping[str, Any], out: Presented) -> set[str]:
    used = {"warnings", "warnings_coded"}
    coded = result.get("warnings_coded")
    if isinstance(coded, list) and coded:  # worded again in the reader's language
        out.warnings.extend(i18n.message_text(w) for w in coded)
    else:
        out.warnings.extend(str(w) for w in result.get("warnings") or [])
    if "errors" in result:  # a failed import: its rows are the errors table of the page
        return used | {"errors", "total_errors"}
    if result.get("dry_run"):
        out.sentences.append(Sentence(_("Chạy thử: chưa ghi gì vào danh mục.")))
    used.add("dry_run")
    rows = _int(result, "rows")
    if rows is not None:
        out.sentences.append(Sentence(_("Đã đọc %(n)s dòng của tệp.", n=formatting.number(rows))))
        used.add("rows")
    producers = _int(result, "created_producers")
    if producers:
        out.sentences.append(
            Sentence(
                _(
                    "Thêm %(n)s chủ thể sản xuất mới có tên trong tệp.",
                    n=formatting.number(producers),
                )
            )
        )
    used.add("created_producers")
    table_rows = []
    changes = ("created", "updated", "unchanged")
    for name, stem in ((_("Sản phẩm"), "products"), (_("Phân loại"), "variants")):
        counts = [_int(result, f"{change}_{stem}") for change in changes]
        if any(count is not None for count in counts):
            table_rows.append([name, *(value(count) for count in counts)])
            used |= {f"{change}_{stem}" for change in changes}
    if table_rows:
        headers = ["", _("Thêm mới"), _("Cập nhật"), _("Giữ nguyên")]
        out.tables.append(Table(headers, table_rows))
    return used


def _publishing(result: Mapping[str, Any], out: Presented) -> set[str]:
    total = _int(result, "total")
    if total is None:
        return set()
    if total == 0:
        out.sentences.append(Sentence(_("Không có tin đăng nào cần xử lý.")))
    else:
        out.sentences.append(Sentence(_("Đã xử lý %(n)s tin đăng.", n=formatting.number(total))))
    used = {"total"}
    states = ("live", "needs_action", "failed", "paused", "waiting")
    rows = [[label(key), value(_int(result, key))] for key in states if key in result]
    if total and rows:
        out.tables.append(Table([_("Trạng thái"), _("Số tin đăng")], rows))
    used |= set(states)
    wait = result.get("next_attempt_in")
    if isinstance(wait, int | float) and not isinstance(wait, bool):
        out.sentences.append(
            Sentence(
                _(
                    "Các tin đăng còn chờ sẽ được thử lại sau khoảng %(s)s giây.",
                    s=formatting.number(round(wait)),
                )
            )
        )
    used.add("next_attempt_in")
    return used


def _certificates(result: Mapping[str, Any], out: Presented) -> set[str]:
    paused, resumed = _int(result, "paused"), _int(result, "resumed")
    if paused is None or resumed is None:
        return set()
    out.sentences.append(
        Sentence(
            _(
                "Tạm dừng %(paused)s tin đăng có chứng nhận OCOP hết hạn; "
                "mở bán lại %(resumed)s tin đăng có chứng nhận còn hiệu lực.",
                paused=formatting.number(paused),
                resumed=formatting.number(resumed),
            )
        )
    )
    return {"paused", "resumed"}


def _ingest(result: Mapping[str, Any], out: Presented) -> set[str]:
    asset_id = _int(result, "asset_id")
    if asset_id is None:
        return set()
    out.sentences.append(
        Sentence(_("Tệp media #%(id)d đã xử lý xong và sẵn sàng dùng.", id=asset_id), ok=True)
    )
    return {"asset_id"}


def _render(result: Mapping[str, Any], out: Presented) -> set[str]:
    duration = result.get("duration")
    if not isinstance(duration, int | float) or isinstance(duration, bool):
        return set()
    out.sentences.append(
        Sentence(
            _(
                "Video đã xuất xong: dài %(duration)s, dung lượng %(size)s.",
                duration=formatting.seconds(duration),
                size=_size(_int(result, "size_bytes")),
            ),
            ok=True,
        )
    )
    return {"duration", "size_bytes", "render_id"}


READERS: dict[str, Callable[[Mapping[str, Any], Presented], set[str]]] = {
    "system.check": _system_check,
    "catalog.import": _catalog_import,
    "channels.publish": _publishing,
    "channels.sync": _publishing,
    "channels.certificates": _certificates,
    "channels.certificate_change": _certificates,
    "studio.ingest": _ingest,
    "studio.render": _render,
}


def present(job: jobs.Job) -> Presented:
    """The job's result as sentences, tables, warnings and a generic table of what is left."""
    out = Presented()
    result = job.result
    if not isinstance(result, Mapping) or not result:
        return out
    reader = READERS.get(job.kind)
    used = reader(result, out) if reader is not None else set()
    out.details = _details(result, used | HIDDEN_KEYS)
    return out


def _details(result: Mapping[str, Any], skip: Iterable[str]) -> list[tuple[str, str]]:
    skipped = set(skip)
    return [(label(key), value(raw)) for key, raw in result.items() if key not in skipped]
