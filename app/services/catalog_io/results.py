"""What an import reports: its problems (by row and column) or its counts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _

from app import errors

MAX_RESULT_ERRORS = 1_000  # errors kept in a failed job's result


@dataclasses.dataclass(frozen=True)
class Issue:
    """One problem: the row as numbered in the file (header = 1) and the column header."""

    row: int | None  # None: the whole file
    column: str | None
    message: str

    def as_line(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportFailed(errors.ValidationError):
    """The file has problems; nothing was written. ``issues`` lists every one of them."""

    def __init__(self, issues: Sequence[Issue], warnings: Sequence[str] = ()) -> None:
        self.issues = list(issues)
        self.warnings = list(warnings)
        fields: dict[str, list[str]] = {}
        for issue in self.issues:
            name = "file" if issue.row is None else f"rows.{issue.row}.{issue.column or ''}"
            fields.setdefault(name.rstrip("."), []).append(issue.message)
        if len(self.issues) == 1 and self.issues[0].row is None:
            message = self.issues[0].message
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
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
