"""A session's audience: the platform's figures (views, unique viewers, product clicks, product
visitors), entered or imported, and the viewer join/leave log.

Both imports are all or nothing with row-level errors, and replace what the session had, so
importing the same file twice leaves the same figures (nothing adds up twice).
Files: CSV/XLSX with a header row; Vietnamese or English headers (docs/orders.md).
Only the staff of the session's club (and admins) read or write them: another club's session
answers 404.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.catalog_io import readers, results
from app.core import errors, formatting, tenancy, uow
from app.models import accounts, live, orders
from app.orders import exports, imports, limits, recording
from vietnam import text

FIGURES = ("views", "unique_viewers", "product_clicks", "product_visitors")
MAX_FIGURE = 1_000_000_000  # the columns are INTEGER; no stream has more
FIGURE_HEADERS = {
    "views": ("lượt xem", "views", "view"),
    "unique_viewers": ("người xem", "người xem duy nhất", "unique viewers", "viewers"),
    "product_clicks": ("lượt nhấp sản phẩm", "lượt bấm sản phẩm", "product clicks"),
    "product_visitors": ("người xem sản phẩm", "product visitors", "product viewers"),
}
VIEWER_HEADERS = {
    "viewer": ("người xem", "viewer", "user", "tài khoản"),
    "joined_at": ("vào lúc", "thời gian vào", "joined_at", "joined at", "join time"),
    "left_at": ("rời lúc", "thời gian rời", "left_at", "left at", "leave time"),
}


@dataclasses.dataclass
class ViewerSummary:
    visits: int
    viewers: int
    replaced: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def get_audience(
    session: so.Session, scope: tenancy.Scope, session_id: int
) -> tuple[live.LiveSession, orders.SessionAudience | None, int]:
    """A session the scope reaches (404 otherwise), its figures (None before any) and the
    number of visits in its viewer log."""
    live_session = recording.live_session_for(session, scope, session_id)
    visits = session.scalar(
        sa.select(sa.func.count()).where(orders.ViewerVisit.session_id == session_id)
    )
    return live_session, session.get(orders.SessionAudience, session_id), int(visits or 0)


def _writable_session(
    session: so.Session, user: accounts.User | None, session_id: int
) -> live.LiveSession:
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    return recording.live_session_for(session, scope, session_id)


def _check_figures(data: dict[str, Any]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    values: dict[str, int] = {}
    problems: list[tuple[str, str]] = []
    for name in FIGURES:
        raw = data.get(name)
        if raw is None or str(raw).strip() == "":
            values[name] = 0
            continue
        try:
            value = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            if value is None:
                value = exports.parse_money(str(raw))
        except ValueError:
            problems.append((name, _("Phải là số nguyên không âm.")))
            continue
        if not 0 <= value <= MAX_FIGURE:
            problems.append(
                (
                    name,
                    _("Phải là số nguyên từ 0 đến %(n)s.", n=formatting.number(MAX_FIGURE)),
                )
            )
            continue
        values[name] = value
    if not problems:
        if values["unique_viewers"] > values["views"] and values["views"]:
            problems.append(("unique_viewers", _("Số người xem không thể lớn hơn số lượt xem.")))
        if values["product_visitors"] > values["product_clicks"] and values["product_clicks"]:
            problems.append(
                ("product_visitors", _("Số người xem sản phẩm không thể lớn hơn số lượt nhấp."))
            )
    return values, problems


@uow.transactional
def save_audience(
    session: so.Session,
    user: accounts.User | None,
    session_id: int,
    data: dict[str, Any],
    *,
    source: str = "entered",
) -> orders.SessionAudience:
    """Set a session's figures (missing ones are 0); commit."""
    _writable_session(session, user, session_id)
    values, problems = _check_figures(data)
    if problems:
        fields: dict[str, list[str]] = {}
        for name, message in problems:
            fields.setdefault(name, []).append(message)
        raise errors.ValidationError(fields=fields)
    row = session.get(orders.SessionAudience, session_id)
    if row is None:
        row = orders.SessionAudience(session_id=session_id)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.source = source
    row.updated_by_id = user.id if user is not None else None
    return row


def _match_columns(
    headers: list[str], wanted: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[str]]:
    folded = [" ".join(text.nfc(h).casefold().split()) for h in headers]
    columns: dict[str, int] = {}
    for name, aliases in wanted.items():
        for alias in aliases:
            if alias in folded:
                columns[name] = folded.index(alias)
                break
    return columns, [name for name in wanted if name not in columns]


def is_viewer_log(headers: list[str]) -> bool:
    columns, _missing = _match_columns(headers, VIEWER_HEADERS)
    return "joined_at" in columns


def import_audience(
    session: so.Session, user: accounts.User | None, session_id: int, path: Path, filename: str
) -> orders.SessionAudience:
    """The figures from a file: one data row under a header naming the four figures."""
    _writable_session(session, user, session_id)
    table = readers.read_table(path, filename)
    columns, _missing = _match_columns(table.headers, FIGURE_HEADERS)
    if not columns:
        raise results.ImportFailed(
            [
                results.Issue(
                    None,
                    None,
                    _("Không thấy cột số liệu nào (Lượt xem, Người xem, Lượt nhấp sản phẩm, …)."),
                )
            ]
        )
    if len(table.rows) != 1:
        raise results.ImportFailed(
            [results.Issue(None, None, _("Tệp số liệu cần đúng một dòng dữ liệu."))]
        )
    number, cells = table.rows[0]
    data = {name: cells[i] if i < len(cells) else "" for name, i in columns.items()}
    values, problems = _check_figures(data)
    if problems:
        header = {name: table.headers[i] for name, i in columns.items()}
        raise results.ImportFailed(
            [results.Issue(number, header.get(name, name), message) for name, message in problems]
        )
    return save_audience(session, user, session_id, values, source="import")


def import_viewer_log(
    session: so.Session, user: accounts.User | None, session_id: int, path: Path, filename: str
) -> ViewerSummary:
    """Replace the session's viewer log with the file's rows (viewer, joined, left)."""
    live_session = _writable_session(session, user, session_id)
    table = readers.read_table(path, filename)
    columns, missing = _match_columns(table.headers, VIEWER_HEADERS)
    if missing:
        raise results.ImportFailed(
            [
                results.Issue(
                    None,
                    None,
                    _(
                        "Thiếu cột: %(cols)s.",
                        cols=", ".join(VIEWER_HEADERS[m][0] for m in missing),
                    ),
                )
            ]
        )
    issues: list[results.Issue] = []
    visits: list[orders.ViewerVisit] = []
    for number, cells in table.rows:

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns[name]
            return cells[index].strip() if index < len(cells) else ""

        viewer = text.nfc(cell("viewer"))
        problem = (
            _("Thiếu giá trị.")
            if not viewer
            else limits.text_problem(viewer, limits.MAX_BUYER_USER)
        )
        if problem:
            issues.append(results.Issue(number, table.headers[columns["viewer"]], problem))
        times: dict[str, dt.datetime | None] = {}
        for name in ("joined_at", "left_at"):
            raw = cell(name)
            header = table.headers[columns[name]]
            if not raw:
                times[name] = None
                if name == "joined_at":
                    issues.append(results.Issue(number, header, _("Thiếu giá trị.")))
                continue
            try:
                times[name] = recording.aware(exports.parse_local_time(raw))
            except exports.TimeOutOfRange:
                times[name] = None
                issues.append(results.Issue(number, header, limits.time_range_message()))
            except ValueError:
                times[name] = None
                issues.append(
                    results.Issue(number, header, _("“%(v)s” không phải thời gian.", v=raw))
                )
        joined, left = times["joined_at"], times["left_at"]
        if joined is None:
            continue
        # No leave time: stayed to the end of the stream (or left when the log was taken).
        left = left or max(live_session.ends_at, joined)
        if left < joined:
            issues.append(
                results.Issue(number, table.headers[columns["left_at"]], _("Rời trước khi vào."))
            )
            continue
        visits.append(
            orders.ViewerVisit(session_id=session_id, viewer=viewer, joined_at=joined, left_at=left)
        )
    if issues:
        raise results.ImportFailed(issues)
    if not visits:
        raise results.ImportFailed([results.Issue(None, None, _("Tệp không có dòng nào."))])
    with uow.unit_of_work(session):
        replaced = uow.affected(
            session.execute(
                sa.delete(orders.ViewerVisit).where(orders.ViewerVisit.session_id == session_id)
            )
        )
        session.add_all(visits)
    return ViewerSummary(
        visits=len(visits), viewers=len({v.viewer for v in visits}), replaced=int(replaced or 0)
    )


def import_file(
    session: so.Session, user: accounts.User | None, session_id: int, path: Path, filename: str
) -> dict[str, Any]:
    """Either kind of audience file, told apart by its headers (a viewer log has join times)."""
    _writable_session(session, user, session_id)
    table = readers.read_table(path, filename)
    if is_viewer_log(table.headers):
        summary = import_viewer_log(session, user, session_id, path, filename)
        return {"kind": "viewers", **summary.to_dict()}
    row = import_audience(session, user, session_id, path, filename)
    return {"kind": "figures", **{name: getattr(row, name) for name in FIGURES}}


def import_upload(
    session: so.Session,
    user: accounts.User | None,
    session_id: int,
    stream: BinaryIO,
    filename: str,
) -> dict[str, Any]:
    """An uploaded audience file (figures or viewer log), stored then imported."""
    with imports.stored_upload(stream, filename) as path:
        return import_file(session, user, session_id, path, filename)
