"""What each role's dashboard shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import clock
from app.models import accounts, jobs, orgs

Role = accounts.Role


def _recent_jobs(session: so.Session, user: accounts.User, limit: int = 5) -> list[jobs.Job]:
    stmt = sa.select(jobs.Job).order_by(jobs.Job.created_at.desc(), jobs.Job.id.desc()).limit(limit)
    if user.role != Role.ADMIN:
        stmt = stmt.where(jobs.Job.owner_id == user.id)
    return list(session.scalars(stmt))


def _producers(session: so.Session) -> list[orgs.Producer]:
    return list(
        session.scalars(
            sa.select(orgs.Producer).order_by(orgs.Producer.province, orgs.Producer.name)
        )
    )


def summary(
    session: so.Session, user: accounts.User, now: clock.Clock = clock.utcnow
) -> dict[str, Any]:
    """The figures and lists for ``user``'s dashboard, by role."""
    data: dict[str, Any] = {"recent_jobs": _recent_jobs(session, user)}
    if user.role == Role.ADMIN:
        counts = session.execute(
            sa.select(accounts.User.role, sa.func.count()).group_by(accounts.User.role)
        ).all()
        data["users_by_role"] = {Role(role): n for role, n in counts}
        since = now() - dt.timedelta(days=1)
        job_counts = session.execute(
            sa.select(jobs.Job.status, sa.func.count())
            .where(jobs.Job.created_at >= since)
            .group_by(jobs.Job.status)
        ).all()
        data["jobs_last_day"] = {jobs.JobStatus(status): n for status, n in job_counts}
        data["producer_count"] = session.scalar(
            sa.select(sa.func.count()).select_from(orgs.Producer)
        )
    elif user.role == Role.COORDINATOR:
        data["club"] = user.club
        data["members"] = list(
            session.scalars(
                sa.select(accounts.User)
                .where(
                    accounts.User.role.in_([Role.SELLER, Role.COORDINATOR]),
                    accounts.User.is_active_account.is_(True),
                )
                .order_by(accounts.User.full_name)
            )
        )
        data["producers"] = _producers(session)
    elif user.role == Role.SELLER:
        data["club"] = user.club
        data["producers"] = _producers(session)
    elif user.role == Role.PRODUCER:
        data["producer"] = user.producer
    return data
