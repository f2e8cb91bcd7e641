"""Who imports or exports: a user, or the command line acting as a trusted operator."""

from __future__ import annotations

import dataclasses

import sqlalchemy.orm as so

from app.core import tenancy
from app.models import accounts


@dataclasses.dataclass(frozen=True)
class SystemActor:
    """The command line without ``--as``: a trusted operator who sees every producer.

    ``club_id`` (``--club``) is the club new producers of an import are linked to; without
    it, the install's only club (or none: then an unknown producer is an error).
    """

    id: int | None = None
    role: accounts.Role = accounts.Role.ADMIN
    producer_id: int | None = None
    is_authenticated: bool = True
    club_id: int | None = None


Actor = accounts.User | SystemActor


def scope(session: so.Session, actor: Actor) -> tenancy.Scope:
    """The actor's club scope (``tenancy.scope_for``; the operator's with ``--club``)."""
    if isinstance(actor, SystemActor):
        operator = tenancy.scope_for(session, None)
        if actor.club_id is None:
            return operator
        return dataclasses.replace(operator, home_club_id=actor.club_id)
    return tenancy.scope_for(session, actor)
