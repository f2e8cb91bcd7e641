"""What an import reports: its problems (by row and column) or its counts.

A problem's message may be lazy (``_l(msgid, **params)``): a failed import job then keeps its
msgid and params beside the sentence, so the job page words it again in the reader's language
(``issue_text``); the worker that wrote it knows no reader.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import flask
import flask_babel
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import speaklater

from app.core import errors
from app.http import helpers

MAX_RESULT_ERRORS = 1_000  # errors kept in a failed job's result
# A failed import job's message: without a count, so the job page can translate it.
JOB_FAILED = _l(
    "Tệp có lỗi nên chưa có gì được ghi. Hãy sửa các lỗi liệt kê dưới đây rồi nhập lại."
)


def msgid_of(message: Any) -> str | None:
    """The untranslated msgid of a lazy message (``_l(...)``); None for a plain string."""
    if isinstance(message, speaklater.LazyString) and message._func is flask_babel.gettext:
        msgid = message._args[0] if message._args else None
        return msgid if isinstance(msgid, str) else None
    return None


def _reference(message: Any) -> dict[str, Any]:
    """``{"msgid", "params"}`` of a lazy message whose params JSON keeps as they are."""
    msgid = msgid_of(message)
    params = dict(message._kwargs) if msgid is not None else {}
    if msgid is None or not all(
        isinstance(value, str | int | float) and not isinstance(value, bool)
        for value in params.values()
    ):
        return {}
    return {"msgid": msgid, "params": params}


def issue_text(stored: Mapping[str, Any]) -> str:
    """A stored problem (``Issue.as_dict``) in the reader's language: worded again from its
    msgid and params, else its sentence translated when it is one of the app's fixed ones."""
    msgid, params = stored.get("msgid"), stored.get("params")
    if isinstance(msgid, str) and isinstance(params, Mapping):
        try:
            return str(flask_babel.get_translations().gettext(msgid) % dict(params))
        except (KeyError, TypeError, ValueError):  # a msgid whose params changed since
            pass
    message = stored.get("message")
    return str(flask_babel.gettext(message)) if isinstance(message, str) and message else ""


@dataclasses.dataclass(frozen=True)
class Issue:
    """One problem: the row as numbered in the file (header = 1) and the column header."""

    row: int | None  # None: the whole file
    column: str | None
    message: Any  # a string, or a lazy message (translated when read)

    def as_line(self) -> str:
        """The issue as one line for the command line, in the install's language."""
        if self.row is None:
            return str(self.message)
        if self.column is None:
            return _("dòng %(row)s: %(message)s", row=self.row, message=str(self.message))
        return _(
            "dòng %(row)s, cột %(column)s: %(message)s",
            row=self.row,
            column=self.column,
            message=str(self.message),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "message": str(self.message),
            **_reference(self.message),
        }


class ImportFailed(errors.ValidationError):
    """The file has problems; nothing was written. ``issues`` lists every one of them."""

    def __init__(
        self,
        issues: Sequence[Issue],
        warnings: Sequence[str] = (),
        warnings_coded: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.issues = list(issues)
        self.warnings = list(warnings)
        self.warnings_coded = list(warnings_coded)
        fields: dict[str, list[str]] = {}
        for issue in self.issues:
            name = "file" if issue.row is None else f"rows.{issue.row}.{issue.column or ''}"
            fields.setdefault(name.rstrip("."), []).append(str(issue.message))
        if len(self.issues) == 1 and self.issues[0].row is None:
            message = str(self.issues[0].message)
        else:
            message = _(
                "Tệp có %(n)d lỗi; chưa có gì được ghi. Hãy sửa rồi nhập lại.", n=len(self.issues)
            )
        super().__init__(message, fields=fields)

    def to_result(self, limit: int = MAX_RESULT_ERRORS) -> dict[str, Any]:
        """What a failed job keeps: the first ``limit`` errors, their total and the warnings."""
        return {
            "errors": [issue.as_dict() for issue in self.issues[:limit]],
            "total_errors": len(self.issues),
            "warnings": self.warnings,
            "warnings_coded": self.warnings_coded,
        }


@dataclasses.dataclass
class ImportSummary:
    rows: int = 0
    created_producers: int = 0  # producers named in the file that did not exist yet
    created_products: int = 0
    updated_products: int = 0
    unchanged_products: int = 0
    created_variants: int = 0
    updated_variants: int = 0
    unchanged_variants: int = 0
    warnings: list[str] = dataclasses.field(default_factory=list)
    # the same warnings as msgid + params (``i18n.deferred``), worded again for each reader
    warnings_coded: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def shown_on_page(error: errors.ValidationError, form: object) -> ImportFailed | None:
    """An upload page's refused import: the file's problems (``ImportFailed``) to list on the
    page, or None once any other field errors are on the form (or flashed). The page answers
    422 either way."""
    if isinstance(error, ImportFailed):
        return error
    helpers.flash_fields(error, form)
    if not error.fields:
        flask.flash(error.message, "error")
    return None
