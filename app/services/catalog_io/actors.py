"""Who imports or exports: a user, or the command line acting as a trusted operator."""

from __future__ import annotations

import dataclasses

from app.models import accounts


@dataclasses.dataclass(frozen=True)
class SystemActor:
    """The command line without ``--as``: a trusted operator who sees every producer."""

    id: int | None = None
    role: accounts.Role = accounts.Role.ADMIN
    producer_id: int | None = None
    is_authenticated: bool = True


Actor = accounts.User | SystemActor
