"""What each role's dashboard shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import clock, formatting
from app.models import accounts, catalog, jobs, live, orders, orgs

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


def _upcoming(
    session: so.Session, user: accounts.User, now: dt.datetime, limit: int = 5
) -> list[live.LiveSession]:
    """The next livestreams: the club's for staff, the ones they host for a seller."""
    S = live.LiveSession
    stmt = (
        sa.select(S)
        .where(S.ends_at > now, S.status != live.SessionStatus.CANCELLED)
        .order_by(S.starts_at)
        .limit(limit)
        .options(so.selectinload(S.hosts))
    )
    if user.role != Role.ADMIN:
        stmt = stmt.where(S.club_id == user.club_id)
    if user.role == Role.SELLER:
        stmt = stmt.where(S.hosts.any(live.Streamer.user_id == user.id))
    return list(session.scalars(stmt))


def _month_sales(session: so.Session, user: accounts.User, now: dt.datetime) -> dict[str, Any]:
    """This month's (Vietnam time) Net GMV, valid order lines' orders and units, in SQL.

    The same definitions as the reports (cancelled and returned lines left out); a producer
    counts only their own products' lines, staff their club's.
    """
    local = now.astimezone(formatting.LOCAL_TZ)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    Ord, L = orders.Order, orders.OrderLine
    valid = L.status.in_([status for status in orders.OrderStatus if status.valid])
    stmt = (
        sa.select(
            sa.func.coalesce(sa.func.sum(L.amount), 0),
            sa.func.count(sa.distinct(L.order_id)),
            sa.func.coalesce(sa.func.sum(L.quantity), 0),
        )
        .join(Ord, L.order_id == Ord.id)
        .where(valid, Ord.placed_at >= first.astimezone(dt.UTC))
    )
    if user.role == Role.PRODUCER:
        stmt = stmt.join(catalog.Product, L.product_id == catalog.Product.id).where(
            catalog.Product.producer_id == user.producer_id
        )
    elif user.role != Role.ADMIN:
        stmt = stmt.where(Ord.club_id == user.club_id)
    net_gmv, order_count, units = session.execute(stmt).one()
    return {
        "month": first.strftime("%Y-%m"),
        "net_gmv": int(net_gmv),
        "orders": int(order_count),
        "units": int(units),
    }


def summary(
    session: so.Session, user: accounts.User, now: clock.Clock = clock.utcnow
) -> dict[str, Any]:
    """The figures and lists for ``user``'s dashboard, by role."""
    data: dict[str, Any] = {
        "recent_jobs": _recent_jobs(session, user),
        "month_sales": _month_sales(session, user, now()),
        "upcoming": [] if user.role == Role.PRODUCER else _upcoming(session, user, now()),
    }
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
