"""A club's carrier accounts: its account at GHN, GHTK, Viettel Post or Vietnam Post, whose
status webhooks reach ``/webhooks/carriers/<webhook_key>``.

The settings follow the carrier's ``config_schema`` (``integrations.carriers``): secret
fields (tokens, passwords, webhook secrets) are sealed with the install's credentials key
(the one vault of ``app/channels/adapters.py``) and never shown back or logged; the others are
kept in ``config``. The webhook key is random (32 bytes): GHN signs nothing, so the key in the
address is what says a call is for this account; GHTK's ``hash`` and Viettel Post's ``TOKEN``
are checked by the adapter on top.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.channels import adapters
from app.core import errors, tenancy, uow
from app.models import accounts
from app.models import shipping as models
from app.orders import limits
from integrations.carriers import base as carriers
from integrations.carriers import registry
from vietnam import text

CARRIERS = tuple(registry.names())
LABEL_MAX = 100


def carrier_class(carrier: str) -> type[carriers.Carrier]:
    if carrier not in CARRIERS:
        raise errors.ValidationError(fields={"carrier": [_("Hãy chọn hãng vận chuyển.")]})
    return registry.get(carrier)


def _checked(carrier: str, settings: Mapping[str, str]) -> dict[str, str]:
    given = {k: str(v) for k, v in settings.items()}
    return adapters.checked_settings(carrier_class(carrier), given)


def connect(
    session: so.Session,
    user: accounts.User,
    *,
    carrier: str,
    settings: Mapping[str, str],
    label: str = "",
) -> models.CarrierAccount:
    """Connect the user's club to a carrier account. Commits."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    club_id = scope.home_club()
    checked = _checked(carrier, settings)
    shown, sealed = adapters.sealed_settings(carrier_class(carrier), checked)
    with uow.unit_of_work(session):
        row = models.CarrierAccount(
            club_id=club_id,
            carrier=carrier,
            label=text.nfc(label.strip())[:LABEL_MAX],
            config=shown,
            secrets=sealed,
            webhook_key=secrets.token_urlsafe(32),
            active=True,
            created_by_id=user.id,
        )
        session.add(row)
    return row


def settings_of(row: models.CarrierAccount) -> dict[str, str]:
    opened = adapters.vault().open(row.secrets)
    return {k: str(v) for k, v in {**(row.config or {}), **opened}.items()}


def carrier_for(row: models.CarrierAccount) -> carriers.Carrier:
    """The carrier's adapter for ``row`` (the one place its secrets are opened)."""
    return registry.create(row.carrier, settings_of(row))


def accounts_for(session: so.Session, user: accounts.User) -> list[models.CarrierAccount]:
    """The carrier accounts of the clubs the user reaches, oldest first."""
    model = models.CarrierAccount
    return tenancy.scope_for(session, user).rows(session, model, model.id)


def active_accounts(session: so.Session, club_id: int) -> list[models.CarrierAccount]:
    model = models.CarrierAccount
    return list(
        session.scalars(
            sa.select(model)
            .where(model.club_id == club_id, model.active.is_(True))
            .order_by(model.id)
        )
    )


def get_account(session: so.Session, user: accounts.User, account_id: int) -> models.CarrierAccount:
    """An account of the user's clubs (404 for another club's, as for a missing one)."""
    scope = tenancy.scope_for(session, user)
    missing = _("Không tìm thấy tài khoản vận chuyển.")
    if limits.id_or_none(account_id) is None:
        raise errors.NotFound(missing)
    return scope.find(session, models.CarrierAccount, account_id, missing)


def set_active(
    session: so.Session, user: accounts.User, account_id: int, active: bool
) -> models.CarrierAccount:
    """Turn an account off (no booking; its webhook address answers 404) or on. Commits."""
    with uow.unit_of_work(session):
        row = get_account(session, user, account_id)
        tenancy.scope_for(session, user).check_writable()
        row.active = bool(active)
    return row


def by_webhook_key(session: so.Session, key: str) -> models.CarrierAccount | None:
    """The active account a webhook address names, or None."""
    if not key or len(key) > 64:
        return None
    model = models.CarrierAccount
    return session.scalars(
        sa.select(model).where(model.webhook_key == key, model.active.is_(True))
    ).first()
