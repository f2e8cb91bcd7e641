"""Reading a CSV or XLSX file into a table of text cells.

CSV: UTF-8 with or without BOM, ``,``/``;`` delimiter; XLSX: the first sheet, values not
formulas. Blank rows are skipped; the header is row 1."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from flask_babel import lazy_gettext as _l

from app.catalog_io import formats, results
from vietnam import cells
from vietnam.cells import cell_text

__all__ = ["cell_text"]

MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024  # guards against zip bombs
MAX_COLUMNS = 100


@dataclasses.dataclass
class Table:
    headers: list[str]  # row 1 as written in the file
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells), blank rows skipped


def _too_many_rows() -> results.Issue:
    return results.Issue(
        None,
        None,
        _l(
            "Tệp có hơn %(n)s dòng dữ liệu. Hãy chia thành nhiều tệp nhỏ hơn.",
            n=formats.thousands(formats.MAX_ROWS),
        ),
    )


def _collect_rows(numbered: Iterable[tuple[int, Sequence[Any]]]) -> Table:
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    blank_run = 0
    for number, raw in numbered:
        cells = [cell_text(value) for value in raw[:MAX_COLUMNS]]
        if headers is None:  # row 1
            headers = cells
            continue
        if not any(cells):
            blank_run += 1
            if blank_run > formats.MAX_ROWS:  # a sheet of millions of empty rows
                raise results.ImportFailed([_too_many_rows()])
            continue
        blank_run = 0
        if len(rows) >= formats.MAX_ROWS:
            raise results.ImportFailed([_too_many_rows()])
        rows.append((number, cells))
    return Table(headers or [], rows)


def _read_csv(data: bytes) -> Table:
    if data.startswith(b"PK\x03\x04"):
        raise results.ImportFailed(
            [results.Issue(None, None, _l("Tệp này là tệp Excel; hãy đặt đuôi .xlsx rồi tải lại."))]
        )
    if b"\x00" in data[:65536]:
        raise results.ImportFailed(
            [
                results.Issue(
                    None,
                    None,
                    _l("Tệp không phải CSV dạng văn bản (UTF-8). Hãy lưu lại thành CSV UTF-8."),
                )
            ]
        )
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise results.ImportFailed(
            [
                results.Issue(
                    line,
                    None,
                    _l(
                        "Tệp CSV không phải mã UTF-8. Trong Excel hãy chọn “Lưu thành” → "
                        "“CSV UTF-8 (phân tách bằng dấu phẩy)”."
                    ),
                )
            ]
        ) from None
    delimiter = cells.sniff_delimiter(content)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        return _collect_rows(enumerate(reader, start=1))
    except csv.Error as exc:
        raise results.ImportFailed(
            [
                results.Issue(
                    reader.line_num or None, None, _l("Không đọc được CSV: %(e)s", e=str(exc))
                )
            ]
        ) from None


def _read_xlsx(path: Path) -> Table:
    unreadable = results.ImportFailed(
        [
            results.Issue(
                None,
                None,
                _l("Không đọc được tệp Excel (.xlsx). Hãy mở bằng Excel và lưu lại dạng .xlsx."),
            )
        ]
    )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise unreadable from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise results.ImportFailed(
            [results.Issue(None, None, _l("Tệp Excel quá lớn khi giải nén."))]
        )
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on broken files
        raise unreadable from None
    try:
        if not workbook.worksheets:
            return Table([], [])
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        try:
            return _collect_rows(enumerate(rows, start=1))
        except results.ImportFailed:
            raise
        except Exception:
            raise unreadable from None
    finally:
        workbook.close()


def read_table(path: Path, filename: str | None = None) -> Table:
    """Read a CSV or XLSX file (chosen by the file name's extension) into a table."""
    fmt = formats.file_format(filename or path.name)
    if fmt is None:
        raise results.ImportFailed([results.Issue(None, None, _l("Chỉ nhận tệp .csv hoặc .xlsx."))])
    try:
        size = path.stat().st_size
    except OSError:
        raise results.ImportFailed(
            [results.Issue(None, None, _l("Không tìm thấy tệp cần nhập."))]
        ) from None
    if size > formats.MAX_BYTES:
        raise results.ImportFailed([too_big()])
    if size == 0:
        raise results.ImportFailed([results.Issue(None, None, _l("Tệp trống."))])
    return _read_csv(path.read_bytes()) if fmt == "csv" else _read_xlsx(path)


def too_big() -> results.Issue:
    """The file is over the size limit (also an upload's message)."""
    return results.Issue(
        None,
        None,
        _l("Tệp lớn hơn %(n)d MB. Hãy chia thành nhiều tệp nhỏ hơn.", n=formats.MAX_BYTES >> 20),
    )
