"""Background jobs: what was asked, by whom, how far it got and how it ended."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import accounts, types


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(extensions.Model):
    __tablename__ = "jobs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    owner_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # The club the work is for (None: install-wide work such as the system check); a job's
    # result is reachable only within that club's scope.
    club_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    status: so.Mapped[JobStatus] = so.mapped_column(
        types.str_enum(JobStatus),
        default=JobStatus.QUEUED,
        index=True,
    )
    progress: so.Mapped[int] = so.mapped_column(default=0)
    message: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    params: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    result: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    cancel_requested: so.Mapped[bool] = so.mapped_column(default=False)
    task_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # The same piece of work (e.g. "channels.sync:product:7") is queued at most once.
    identity_key: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    started_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    finished_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    # Who runs it ("host:pid") and when that runner last said it is alive; a running job whose
    # heartbeat went stale (its worker died) is taken over by the next worker that sees it.
    worker: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    heartbeat_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    attempts: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    owner: so.Mapped[accounts.User | None] = so.relationship()

    __table_args__ = (
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        sa.Index(
            "uq_jobs_queued_identity",
            "identity_key",
            unique=True,
            sqlite_where=sa.text("status = 'queued' AND identity_key IS NOT NULL"),
            postgresql_where=sa.text("status = 'queued' AND identity_key IS NOT NULL"),
        ),
    )
