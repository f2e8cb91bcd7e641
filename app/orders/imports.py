"""Importing order exports (TikTok Shop, Shopee, the app's template): all or nothing.

A file with any problem writes nothing and reports every problem by row and column
(``results.ImportFailed``). Importing the same file again changes nothing; a newer export of
the same orders updates their statuses and lines (see ``recording.record``).
The orders go to the chosen session's club, else the user's home club (``recording.destination``).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.catalog_io import formats, readers, results
from app.core import errors, files, tenancy, uow
from app.models import accounts, orders
from app.orders import exports, recording


def import_file(
    session: so.Session,
    user: accounts.User | None,
    path: Path,
    filename: str | None = None,
    *,
    session_id: int | None = None,
    club_id: int | None = None,
) -> recording.Summary:
    """Read, check and write one export file; commit on success, roll back on any problem.
    ``club_id``: the club named on the command line (``--club``) when no session is chosen.

    When another import writes the same orders at the same moment, the unique key refuses one
    of them; it is rolled back and tried once more, now seeing the other's orders (so both
    succeed and nothing is counted twice)."""
    scope = tenancy.scope_for(session, user)
    to = recording.destination(session, scope, session_id=session_id, club_id=club_id)
    parsed = exports.parse_file(path, filename)
    for attempt in range(2):
        try:
            with uow.unit_of_work(session):
                summary = recording.record(
                    session, user, parsed.lines, to=to, source=orders.OrderSource.IMPORT
                )
            break
        except errors.Conflict:  # rolled back: once more, now seeing the other's orders
            if attempt:
                raise
    recording.after_commit(session, user, summary)
    summary.layout = parsed.layout
    summary.warnings = [*parsed.warnings, *summary.warnings]
    return summary


@contextlib.contextmanager
def stored_upload(stream: IO[bytes], filename: str) -> Iterator[Path]:
    """An uploaded file (web form or API) in a temporary file, size-checked; removed after."""
    if formats.file_format(filename) is None:
        raise results.ImportFailed([results.Issue(None, None, _("Chỉ nhận tệp .csv hoặc .xlsx."))])
    with tempfile.TemporaryDirectory(prefix="orders-") as folder:
        path = Path(folder) / f"upload{Path(filename).suffix.lower()}"
        with path.open("wb") as target:
            copied = _copy_limited(stream, target)
        if copied > formats.MAX_BYTES:
            raise results.ImportFailed([readers.too_big()])
        yield path


def import_upload(
    session: so.Session,
    user: accounts.User,
    upload: files.Upload,
    *,
    session_id: int | None = None,
) -> recording.Summary:
    """An uploaded export: stored, then imported like a file."""
    filename = upload.filename or ""
    with stored_upload(upload.stream, filename) as path:
        return import_file(session, user, path, filename, session_id=session_id)


def _copy_limited(stream: IO[bytes], target: BinaryIO) -> int:
    """Copy at most MAX_BYTES + 1 bytes (enough to know the file is too big)."""
    limit = formats.MAX_BYTES + 1
    copied = 0
    while copied < limit:
        chunk = stream.read(min(1 << 20, limit - copied))
        if not chunk:
            break
        target.write(chunk)
        copied += len(chunk)
    return copied
