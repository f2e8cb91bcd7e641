"""Per-shop mapping of OCOP categories to the marketplace's own categories (a shop of the
user's clubs only: ``app.tenancy``)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.channels import accounts, adapters, listings, messages
from app.core import errors, tenancy, uow
from app.models import catalog, channels
from integrations import base
from integrations import errors as channel_errors
from vietnam import text


def mappings(session: so.Session, account_id: int) -> dict[int, channels.CategoryMapping]:
    rows = session.scalars(
        sa.select(channels.CategoryMapping).where(channels.CategoryMapping.account_id == account_id)
    )
    return {row.ocop_category_id: row for row in rows}


def used_categories(
    session: so.Session, account: channels.ChannelAccount
) -> list[catalog.OcopCategory]:
    """OCOP categories that the products this shop may list use (the ones worth mapping)."""
    used = sa.select(catalog.Product.category_id).where(
        catalog.Product.category_id.is_not(None), listings.sellable(account)
    )
    return list(
        session.scalars(
            sa.select(catalog.OcopCategory)
            .where(catalog.OcopCategory.id.in_(used))
            .order_by(catalog.OcopCategory.code)
        )
    )


@uow.transactional
def save_mappings(
    session: so.Session, account_id: int, data: Mapping[str, str], *, scope: tenancy.Scope
) -> dict[int, channels.CategoryMapping]:
    """Replace the shop's mappings with ``{"<ocop category id>": "<external id>"}``; commit.

    An empty external id removes that mapping.
    """
    accounts.get_account(session, account_id, scope=scope)
    scope.check_writable()
    fields: dict[str, list[str]] = {}
    clean: dict[int, str] = {}
    for raw_key, raw_value in data.items():
        key = str(raw_key).removeprefix("category.")
        value = text.nfc(str(raw_value or "").strip())
        if not key.isdigit() or session.get(catalog.OcopCategory, int(key)) is None:
            fields[str(raw_key)] = [_("Danh mục OCOP không tồn tại.")]
            continue
        if len(value) > 64:
            fields[str(raw_key)] = [_("Mã danh mục trên sàn tối đa 64 ký tự.")]
            continue
        clean[int(key)] = value
    if fields:
        raise errors.ValidationError(fields=fields)
    existing = mappings(session, account_id)
    for category_id, external_id in clean.items():
        row = existing.get(category_id)
        if not external_id:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = channels.CategoryMapping(account_id=account_id, ocop_category_id=category_id)
            session.add(row)
        row.external_id = external_id
    return mappings(session, account_id)


def remote_categories(
    session: so.Session,
    account_id: int,
    factory: adapters.AdapterFactory | None = None,
    *,
    scope: tenancy.Scope,
) -> list[base.Category]:
    """The marketplace's leaf categories, when its API lists them (empty otherwise)."""
    account = accounts.get_account(session, account_id, scope=scope)
    adapter = (factory or adapters.current_factory())(account)
    if adapter.kind is not base.Kind.API or account.status != channels.AccountStatus.CONNECTED:
        return []
    try:
        tokens, _version = accounts.fresh_tokens(session, account, adapter)
        return [c for c in adapter.list_categories(tokens) if c.leaf]
    except channel_errors.NotSupported:
        return []
    except channel_errors.ChannelError as exc:
        raise errors.ServiceUnavailable(messages.describe(exc)) from exc
