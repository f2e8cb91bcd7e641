"""A club's payment connections: its account at SePay, Casso or payOS for one bank account,
which the service's webhooks reach at ``/webhooks/payments/<webhook_token>``.

The service's settings follow the source's ``config_schema`` (``integrations.payments``):
secret fields (HMAC keys, API keys, checksum keys) are sealed with the install's credentials
key (the one vault of ``app/channels/adapters.py``) and never shown back or logged; the others
are kept in ``config``. The webhook token is random (32 bytes): it only says which connection a
call is for, the signature in the call proves it comes from the service.

payOS is told the webhook address on connect (``confirm-webhook``; payOS calls it once to
test it, so the connection is committed first); when payOS refuses, the connection is removed
again and the refusal is said in words. SePay and Casso have no such API: the page shows the
address to paste into the service.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.channels import adapters
from app.core import errors, tenancy, uow
from app.models import accounts
from app.models import payments as models
from app.orders import limits
from app.orders import payments as order_payments
from app.payments import labels
from integrations import base as integration_base
from integrations import errors as source_errors
from integrations.payments import base as pay
from integrations.payments import registry
from vietnam import text

PROVIDERS = tuple(registry.names())
# Settings the connection itself holds (not asked twice).
OWN_FIELDS = frozenset({"account_number"})
LABEL_MAX = 100


def _source_class(provider: str) -> type[pay.PaymentSource]:
    if provider not in PROVIDERS:
        raise errors.ValidationError(fields={"provider": [_("Hãy chọn dịch vụ trong danh sách.")]})
    return registry.get(provider)


def settings_fields(provider: str) -> tuple[integration_base.ConfigField, ...]:
    """The settings a coordinator fills in for ``provider`` (secrets marked)."""
    return tuple(f for f in _source_class(provider).config_schema if f.name not in OWN_FIELDS)


def _checked(provider: str, settings: Mapping[str, str], account_number: str) -> dict[str, str]:
    source_cls = _source_class(provider)
    given = {k: str(v) for k, v in settings.items() if k not in OWN_FIELDS}
    if any(f.name == "account_number" for f in source_cls.config_schema):
        given["account_number"] = account_number
    return adapters.checked_settings(source_cls, given)


def account_number_of(value: str) -> str:
    """A bank account number as the services send it: digits only."""
    return re.sub(r"[\s.\-]", "", value or "")


def connect(
    session: so.Session,
    user: accounts.User,
    *,
    provider: str,
    bank_bin: str,
    account_number: str,
    label: str = "",
    settings: Mapping[str, str],
    webhook_url: Callable[[str], str],
) -> models.PaymentConnection:
    """Connect the user's club to ``provider`` for one bank account. ``webhook_url(token)`` is
    the address the service calls (absolute). Commits; for payOS, then registers the address
    (and removes the connection again when payOS refuses: ValidationError)."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    club_id = scope.home_club()
    fields: dict[str, list[str]] = {}
    if bank_bin not in order_payments.BANKS:
        fields["bank_bin"] = [_("Hãy chọn ngân hàng trong danh sách.")]
    number = account_number_of(account_number)
    if not order_payments.ACCOUNT_NUMBER_RE.match(number):
        fields["account_number"] = [_("Số tài khoản gồm 6–19 chữ số.")]
    if provider not in PROVIDERS:
        fields["provider"] = [_("Hãy chọn dịch vụ trong danh sách.")]
    if fields:
        raise errors.ValidationError(fields=fields)
    checked = _checked(provider, settings, number)
    shown, sealed = adapters.sealed_settings(_source_class(provider), checked)
    with uow.unit_of_work(session):
        taken = session.scalar(
            sa.select(models.PaymentConnection.id).where(
                models.PaymentConnection.club_id == club_id,
                models.PaymentConnection.provider == provider,
                models.PaymentConnection.account_number == number,
            )
        )
        if taken is not None:
            raise errors.ValidationError(
                fields={"account_number": [_("Tài khoản này đã được kết nối với dịch vụ này rồi.")]}
            )
        row = models.PaymentConnection(
            club_id=club_id,
            provider=provider,
            bank_bin=bank_bin,
            account_number=number,
            label=text.nfc(label.strip())[:LABEL_MAX],
            config=shown,
            secrets=sealed,
            webhook_token=secrets.token_urlsafe(32),
            active=True,
            created_by_id=user.id,
        )
        session.add(row)
    if pay.Capability.PAYMENT_LINKS in _source_class(provider).capabilities:
        _register_webhook(session, row, webhook_url(row.webhook_token))
    return row


def _register_webhook(session: so.Session, row: models.PaymentConnection, url: str) -> None:
    """Tell the service (payOS) the webhook address; on a refusal remove the connection and
    say why."""
    try:
        links_for(row).confirm_webhook(url)
    except source_errors.ChannelError as exc:
        reason = exc.reason
        if isinstance(exc, source_errors.ValidationFailed) and exc.status is not None:
            reason = "content_refused"
        with uow.unit_of_work(session):
            session.delete(row)
        raise errors.ValidationError(
            _(
                "%(service)s không nhận địa chỉ webhook: %(why)s. Chưa kết nối.",
                service=labels.provider_label(row.provider),
                why=labels.problem_label({"code": reason, "params": exc.params}),
            )
        ) from exc


def _settings(row: models.PaymentConnection) -> dict[str, str]:
    opened = adapters.vault().open(row.secrets)
    merged = {**(row.config or {}), **opened}
    return {k: str(v) for k, v in merged.items()}


def source_for(row: models.PaymentConnection) -> pay.PaymentSource:
    """The service's webhook reader for ``row`` (the one place its secrets are opened)."""
    return registry.create(row.provider, _settings(row))


def links_for(row: models.PaymentConnection) -> pay.PaymentLinks:
    """The service's merchant API (payOS) for ``row``."""
    return registry.LINKS.create(row.provider, _settings(row))


def connections_for(session: so.Session, user: accounts.User) -> list[models.PaymentConnection]:
    """The connections of the clubs the user reaches, oldest first."""
    conn = models.PaymentConnection
    return tenancy.scope_for(session, user).rows(session, conn, conn.id)


def get_connection(
    session: so.Session, user: accounts.User, connection_id: int
) -> models.PaymentConnection:
    """A connection of the user's clubs (404 for another club's, as for a missing one)."""
    scope = tenancy.scope_for(session, user)
    missing = _("Không tìm thấy kết nối.")
    if limits.id_or_none(connection_id) is None:
        raise errors.NotFound(missing)
    return scope.find(session, models.PaymentConnection, connection_id, missing)


def set_active(
    session: so.Session, user: accounts.User, connection_id: int, active: bool
) -> models.PaymentConnection:
    """Turn a connection off (its webhook address answers 404, nothing is recorded) or on
    again. Commits."""
    with uow.unit_of_work(session):
        row = get_connection(session, user, connection_id)
        tenancy.scope_for(session, user).check_writable()
        row.active = active
    return row


def delete(session: so.Session, user: accounts.User, connection_id: int) -> None:
    """Remove a connection: its address answers 404 from now on; the transactions it brought
    stay (without their connection). Commits."""
    with uow.unit_of_work(session):
        row = get_connection(session, user, connection_id)
        tenancy.scope_for(session, user).check_writable()
        session.execute(
            sa.update(models.BankTransaction)
            .where(models.BankTransaction.connection_id == row.id)
            .values(connection_id=None)
        )
        session.delete(row)


def shown_config(row: models.PaymentConnection) -> dict[str, Any]:
    """What may be shown of a connection's settings: never a secret."""
    secret = _source_class(row.provider).secret_fields()
    return {k: v for k, v in (row.config or {}).items() if k not in secret}
