"""What each role may do: the one place that decides.

Every view declares the permission it needs with ``@require("name")`` (or
``@public``); a test walks every URL rule × role against ``RULES``.
Object-level rules about jobs live here too; which club's rows a user reaches is decided
by ``app.tenancy``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import flask
import flask_login

from app.core import errors
from app.models import accounts, jobs

Role = accounts.Role
ALL_ROLES = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.COORDINATOR, Role.SELLER})
UNION = frozenset({Role.UNION})
# Roles that hold no write permission at all (checked by a test).
READ_ONLY_ROLES = UNION

# permission name → roles that hold it
RULES: dict[str, frozenset[Role]] = {
    "dashboard.view": ALL_ROLES,
    "account.manage_own": ALL_ROLES,  # own profile, password, language, API tokens
    "jobs.view_own": ALL_ROLES,
    "jobs.view_all": frozenset({Role.ADMIN}),
    "jobs.run_system_check": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "users.view": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "users.manage": frozenset({Role.ADMIN}),
    # Clubs (the tenants): admins create, edit and archive them; everyone else sees the clubs
    # their scope reaches (their own; a Youth Union account the clubs under its unit).
    "clubs.view": STAFF | UNION,
    "clubs.manage": frozenset({Role.ADMIN}),
    # The Youth Union's read-only comparison of the clubs under its unit (admins: every club).
    "union.compare": frozenset({Role.ADMIN}) | UNION,
    # Catalog: staff see and edit the producers their club works with; producers only their
    # own organisation; the Youth Union reads the catalog of its clubs (app.tenancy).
    "catalog.view": ALL_ROLES,
    "catalog.edit": STAFF | {Role.PRODUCER},
    "catalog.import": STAFF,
    "producers.create": STAFF,
    # Marketplace channels: staff publish; coordinators and admins set up shops.
    "channels.view": STAFF,
    "channels.publish": STAFF,
    "channels.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # Video studio: upload media, edit recipes, render and download videos.
    "studio.use": STAFF,
    # Livestream planning: coordinators and admins plan; sellers see their own schedule,
    # their sessions' host screen and run-of-show sheet, and manage their own calendar link.
    "live.plan": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "live.host": STAFF,
    # Orders: staff see their club's orders, a producer its own products' lines from every
    # club (the Youth Union reads dashboards, never orders: buyers' details stay in the club);
    # staff record them; coordinators and admins accept comment batches and payment accounts.
    "orders.view": STAFF | {Role.PRODUCER},
    "orders.record": STAFF,
    "orders.review": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "orders.payments": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # Getting paid (app/payments): coordinators and admins connect the club's bank-transfer
    # webhook services; the club's staff settle the transfers no order took by itself.
    "payments.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "payments.review": STAFF,
    # Buyer messages: coordinators and admins connect Zalo and Messenger, register ZNS
    # templates and choose what each order event tells the buyer (staff read the log).
    "messages.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # Sales reports: staff see their club's dashboards; producers only their own products'.
    "reports.view": ALL_ROLES,
    "reports.club": STAFF | UNION,
    # Payments reconciliation: staff their club's, the Youth Union its clubs' (read-only, no
    # buyers); producers reach no club's money. Staff import bank statements.
    "payments.reconcile": STAFF | UNION,
    "payments.statements": STAFF,
    # Shipping (app/shipping): coordinators and admins connect the club's carrier accounts;
    # staff compare fees, book parcels, print labels, follow them and import COD statements.
    "shipping.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "shipping.book": STAFF,
    "shipping.cod": STAFF,
}

# Endpoints that need no sign-in at all.
PUBLIC = "public"

F = TypeVar("F", bound=Callable[..., Any])


def allows(role: Role, permission: str) -> bool:
    """True when role holds permission; unknown permission names are a programming error."""
    return role in RULES[permission]


def can(user: Any, permission: str) -> bool:
    """True when the (possibly anonymous) user holds permission."""
    if not getattr(user, "is_authenticated", False):
        return False
    return allows(user.role, permission)


def require(permission: str) -> Callable[[F], F]:
    """Decorator: the signed-in user must hold permission (401 if anonymous, 403 if not)."""
    if permission not in RULES:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = flask_login.current_user
            if not user.is_authenticated:
                raise errors.Unauthorized()
            if not allows(user.role, permission):
                raise errors.Forbidden()
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view as reachable without signing in."""
    view.permission = PUBLIC  # type: ignore[attr-defined]
    return view


def view_permission(app: flask.Flask, endpoint: str) -> str | None:
    """The permission an endpoint declared, or None when it declared nothing."""
    view = app.view_functions[endpoint]
    return getattr(view, "permission", None)


# --- object-level rules -------------------------------------------------------


def can_see_job(user: Any, job: jobs.Job) -> bool:
    return job.owner_id == user.id or can(user, "jobs.view_all")


def can_cancel_job(user: Any, job: jobs.Job) -> bool:
    """The owner cancels their job; an admin can cancel any."""
    return job.owner_id == user.id or user.role == Role.ADMIN
