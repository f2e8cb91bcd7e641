"""The template's two file formats, and the limits that reading, uploading and the guide
share.

Other modules read the limits at call time (``formats.MAX_ROWS``), so lowering one here (as
the tests do) lowers it everywhere."""

from __future__ import annotations

from pathlib import Path

FORMATS = ("csv", "xlsx")
# Full Content-Types, sent exactly as written (web.helpers.send_download): one charset.
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}
MAX_BYTES = 10 * 1024 * 1024  # an upload or a file given to the CLI
MAX_ROWS = 20_000  # data rows, header excluded


def file_format(filename: str) -> str | None:
    """'csv' or 'xlsx' from a file name, else None."""
    suffix = Path(filename).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def thousands(number: int) -> str:
    """20000 → '20.000' (Vietnamese digit grouping)."""
    return f"{number:,}".replace(",", ".")
