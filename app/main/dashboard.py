"""What each role's dashboard shows, within the user's club scope (``app.tenancy``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core import clock, formatting, tenancy
from app.jobs import service as jobs_service
from app.models import accounts, catalog, jobs, live, orders, orgs
from app.reports import clubs as club_comparison

Role = accounts.Role


def _recent_jobs(
    session: so.Session, user: accounts.User, scope: tenancy.Scope, limit: int = 5
) -> list[jobs.Job]:
    """The newest jobs the jobs page would list for ``user`` (the same visibility rule)."""
    return list(session.scalars(jobs_service.visible_query(user, scope=scope).limit(limit)))


def _producers(session: so.Session, scope: tenancy.Scope) -> list[orgs.Producer]:
    """The producers the user's club works with (an admin: every one)."""
    return list(
        session.scalars(
            sa.select(orgs.Producer)
            .where(scope.producer_filter(orgs.Producer.id))
            .order_by(orgs.Producer.province, orgs.Producer.name)
        )
    )


def _upcoming(
    session: so.Session,
    user: accounts.User,
    scope: tenancy.Scope,
    now: dt.datetime,
    limit: int = 5,
) -> list[live.LiveSession]:
    """The next livestreams of the clubs in scope; for a seller, the ones they host."""
    S = live.LiveSession
    stmt = (
        sa.select(S)
        .where(
            S.ends_at > now,
            S.status != live.SessionStatus.CANCELLED,
            scope.club_filter(S.club_id),
        )
        .order_by(S.starts_at, S.id)
        .limit(limit)
        .options(so.selectinload(S.hosts), so.selectinload(S.club))
    )
    if user.role == Role.SELLER:
        stmt = stmt.where(S.hosts.any(live.Streamer.user_id == user.id))
    return list(session.scalars(stmt))


def _month_start(now: dt.datetime) -> dt.datetime:
    """The local (Vietnam) month's first instant, as a local aware datetime."""
    local = now.astimezone(formatting.LOCAL_TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _sales(
    session: so.Session,
    scope: tenancy.Scope,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> tuple[int, int, int]:
    """Net GMV, orders and units of valid order lines placed in [since, until) (all time when
    open), in SQL: the reports' definitions (cancelled and returned lines left out); a producer
    counts only their own products' lines (from every club), everyone else their clubs'."""
    Ord, L = orders.Order, orders.OrderLine
    valid = L.status.in_([status for status in orders.OrderStatus if status.valid])
    stmt = (
        sa.select(
            sa.func.coalesce(sa.func.sum(L.amount), 0),
            sa.func.count(sa.distinct(L.order_id)),
            sa.func.coalesce(sa.func.sum(L.quantity), 0),
        )
        .join(Ord, L.order_id == Ord.id)
        .where(valid)
    )
    if since is not None:
        stmt = stmt.where(Ord.placed_at >= since.astimezone(dt.UTC))
    if until is not None:
        stmt = stmt.where(Ord.placed_at < until.astimezone(dt.UTC))
    if scope.producer_id is not None:
        stmt = stmt.join(catalog.Product, L.product_id == catalog.Product.id).where(
            catalog.Product.producer_id == scope.producer_id
        )
    else:
        stmt = stmt.where(scope.club_filter(Ord.club_id))
    net_gmv, order_count, units = session.execute(stmt).one()
    return int(net_gmv), int(order_count), int(units)


def _month_sales(session: so.Session, scope: tenancy.Scope, now: dt.datetime) -> dict[str, Any]:
    """This month's (Vietnam time) Net GMV, valid order lines' orders and units."""
    first = _month_start(now)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    net_gmv, order_count, units = _sales(session, scope, first, following)
    return {
        "month": first.strftime("%Y-%m"),
        "net_gmv": net_gmv,
        "orders": order_count,
        "units": units,
    }


def _all_time_sales(session: so.Session, scope: tenancy.Scope) -> dict[str, int]:
    """Every valid sale so far: the producer's "nothing sold yet" shows only when this is 0."""
    net_gmv, order_count, units = _sales(session, scope)
    return {"net_gmv": net_gmv, "orders": order_count, "units": units}


def _union(session: so.Session, user: accounts.User, now: dt.datetime) -> dict[str, Any]:
    """The Youth Union's home: this month per club (the comparison's figures)."""
    month = _month_start(now).strftime("%Y-%m")
    comparison = club_comparison.compare_clubs(
        session, user, month, month, sort="net_gmv", today=_month_start(now).date()
    )
    return {"comparison": comparison}


def summary(
    session: so.Session, user: accounts.User, now: clock.Clock = clock.utcnow
) -> dict[str, Any]:
    """The figures and lists for ``user``'s dashboard, by role."""
    scope = tenancy.scope_for(session, user)
    moment = now()
    data: dict[str, Any] = {
        "recent_jobs": _recent_jobs(session, user, scope),
        "month_sales": _month_sales(session, scope, moment),
        "upcoming": []
        if scope.producer_id is not None
        else _upcoming(session, user, scope, moment),
    }
    if user.role == Role.ADMIN:
        counts = session.execute(
            sa.select(accounts.User.role, sa.func.count()).group_by(accounts.User.role)
        ).all()
        data["users_by_role"] = {Role(role): n for role, n in counts}
        since = moment - dt.timedelta(days=1)
        job_counts = session.execute(
            sa.select(jobs.Job.status, sa.func.count())
            .where(jobs.Job.created_at >= since)
            .group_by(jobs.Job.status)
        ).all()
        data["jobs_last_day"] = {jobs.JobStatus(status): n for status, n in job_counts}
        data["producer_count"] = session.scalar(
            sa.select(sa.func.count()).select_from(orgs.Producer)
        )
        data["club_count"] = session.scalar(sa.select(sa.func.count()).select_from(orgs.Club))
    elif user.role == Role.COORDINATOR:
        data["club"] = user.club
        data["members"] = list(
            session.scalars(
                sa.select(accounts.User)
                .where(
                    accounts.User.role.in_([Role.SELLER, Role.COORDINATOR]),
                    accounts.User.is_active_account.is_(True),
                    scope.club_filter(accounts.User.club_id),
                )
                .order_by(accounts.User.full_name)
            )
        )
        data["producers"] = _producers(session, scope)
    elif user.role == Role.SELLER:
        data["club"] = user.club
        data["producers"] = _producers(session, scope)
    elif user.role == Role.PRODUCER:
        data["producer"] = user.producer
        data["all_sales"] = _all_time_sales(session, scope)
    elif user.role == Role.UNION:
        data.update(_union(session, user, moment))
    return data
