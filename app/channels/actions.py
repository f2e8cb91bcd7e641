"""What the channel pages and the API do in one call: publish, retry or resume and queue
the push, and the read models they show (marketplaces, owners, accounts without secrets).

Binding and queueing are two steps of one seller action; keeping them here
means a web view and an API endpoint cannot queue differently.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.channels import accounts as channel_accounts
from app.channels import adapters, credentials, listings, messages, publishing
from app.channels import jobs as channel_jobs
from app.core import clock, errors, tenancy
from app.jobs import service as jobs_service
from app.models import accounts, channels, jobs, orgs
from integrations import base, registry

log = logging.getLogger(__name__)


# --- read models ------------------------------------------------------------------------


def marketplaces() -> list[type[base.ChannelAdapter]]:
    """Adapters a shop can be set up with, in the registry's order.

    A registry entry whose module is not installed is left out (and logged)
    rather than breaking every channel page.
    """
    found = []
    for name in registry.names():
        try:
            found.append(registry.get(name))
        except ImportError:
            log.warning("marketplace %s is registered but its adapter cannot be imported", name)
    return found


def adapter_class(marketplace: str) -> type[base.ChannelAdapter]:
    try:
        return registry.get(marketplace)
    except KeyError:
        raise errors.NotFound(_("Sàn không được hỗ trợ.")) from None


def owner_choices(session: so.Session, scope: tenancy.Scope) -> list[tuple[str, str]]:
    """Who a shop of the scope may be for, as the ``owner`` values ``save_account`` reads:
    the scope's active clubs themselves, and the producers those clubs work with."""
    clubs = [c for c in tenancy.club_choices(session, scope) if not c.is_archived]
    producers = session.scalars(
        sa.select(orgs.Producer)
        .where(
            orgs.Producer.id.in_(
                sa.select(orgs.club_producers.c.producer_id).where(
                    orgs.club_producers.c.club_id.in_([c.id for c in clubs])
                )
            )
        )
        .order_by(orgs.Producer.name)
    )
    return [(f"club:{c.id}", _("CLB: %(name)s", name=c.name)) for c in clubs] + [
        (f"producer:{p.id}", _("Chủ thể: %(name)s", name=p.name)) for p in producers
    ]


def club_choices(session: so.Session, scope: tenancy.Scope) -> list[tuple[str, str]]:
    """The active clubs a shop may be run by (admins pick one; others have their own)."""
    return [(str(c.id), c.name) for c in tenancy.club_choices(session, scope) if not c.is_archived]


def owner_key(account: channels.ChannelAccount) -> str:
    if account.producer_id is not None:
        return f"producer:{account.producer_id}"
    return f"club:{account.club_id}"


@dataclasses.dataclass(frozen=True)
class AccountView:
    """An account as pages and the API show it: never a secret, only whether one is set."""

    account: channels.ChannelAccount
    title: str
    kind: base.Kind
    owner_key: str
    owner_name: str
    club_name: str  # the club that runs the shop
    config: dict[str, Any]  # non-secret values, secrets as True/False (set or not)
    secrets_set: frozenset[str]
    counts: dict[str, int]  # listing state → number of listings
    connectable: bool  # has an OAuth-style connect flow
    outage_note: str | None = None  # pushes paused: the marketplace keeps failing

    @property
    def default_category_id(self) -> str:
        return str((self.account.config or {}).get("default_category_id") or "")


def account_view(session: so.Session, account: channels.ChannelAccount) -> AccountView:
    adapter_cls = adapter_class(account.marketplace)
    try:
        config = adapters.adapter_config(account)
    except credentials.CredentialsError:
        # CREDENTIALS_KEY changed without the old key: show the shop, secrets as not set.
        log.warning("secrets of channel account %s cannot be decrypted", account.id)
        config = dict(account.config or {})
    shown = base.public_config(adapter_cls, config)
    owner = account.producer if account.producer_id is not None else account.club
    return AccountView(
        account=account,
        title=adapter_cls.title,
        kind=adapter_cls.kind,
        owner_key=owner_key(account),
        owner_name=owner.name if owner is not None else "",
        club_name=account.club.name,
        config=shown,
        secrets_set=frozenset(k for k in adapter_cls.secret_fields() if shown.get(k)),
        counts=listings.state_counts(session, account.id),
        connectable=base.Capability.CONNECT in adapter_cls.capabilities,
        outage_note=(
            messages.outage(account.outage_until)
            if account.outage_until is not None and account.outage_until > clock.utcnow()
            else None
        ),
    )


def account_views(session: so.Session, scope: tenancy.Scope) -> list[AccountView]:
    """The shops of the scope's clubs."""
    return [account_view(session, a) for a in channel_accounts.list_accounts(session, scope)]


def get_account_view(session: so.Session, account_id: int, scope: tenancy.Scope) -> AccountView:
    """One shop of the scope's clubs (404 otherwise)."""
    return account_view(session, channel_accounts.get_account(session, account_id, scope=scope))


def listing_states(
    session: so.Session, account_id: int, product_ids: Sequence[int]
) -> dict[int, channels.ListingState]:
    """The state of each of these products' listing on one account (absent: not bound)."""
    if not product_ids:
        return {}
    rows = session.execute(
        sa.select(channels.Listing.product_id, channels.Listing.state).where(
            channels.Listing.account_id == account_id,
            channels.Listing.product_id.in_(list(product_ids)),
        )
    )
    return {int(product_id): state for product_id, state in rows}


# --- the seller's actions ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Published:
    listings: list[channels.Listing]
    job: jobs.Job | None  # None: nothing to push (a listing pack, or all already live)
    pack: bool = False  # the channel has no API: the seller uploads each listing's pack


def _queue_push(
    session: so.Session,
    user: accounts.User,
    account: channels.ChannelAccount,
    listing_ids: list[int],
    dispatch: jobs_service.Dispatch,
) -> jobs.Job | None:
    """Queue the push of these listings of one shop, as a job of the shop's club."""
    if not listing_ids:
        return None
    return jobs_service.enqueue(
        session,
        jobs_service.runtime().kinds,
        kind=channel_jobs.PUBLISH,
        params={"listing_ids": listing_ids},
        owner=user,
        dispatch=dispatch,
        identity_key=channel_jobs.publish_key(listing_ids),
        club_id=account.club_id,
    )


def publish(
    session: so.Session,
    user: accounts.User,
    account_id: int,
    product_ids: Sequence[int],
    dispatch: jobs_service.Dispatch,
) -> Published:
    """Bind the products to the account and queue the push of those waiting to go out.

    The same set queued twice while the first job still waits returns that job.
    """
    bound = listings.bind(session, user, account_id, product_ids)
    if not bound:
        return Published(bound, None)
    account = bound[0].account
    job = _queue_push(session, user, account, listings.queued_ids(session, bound), dispatch)
    pack = adapter_class(account.marketplace).kind is base.Kind.PACK
    return Published(bound, job, pack)


def retry(
    session: so.Session,
    user: accounts.User,
    listing_id: int,
    dispatch: jobs_service.Dispatch,
) -> Published:
    """Put a failed or stuck listing back in the queue and push it again."""
    scope = tenancy.scope_for(session, user)
    listing = listings.get_listing(session, listing_id, scope=scope)
    if adapter_class(listing.account.marketplace).kind is base.Kind.PACK:
        raise errors.Conflict(_("Kênh này đăng bằng gói: sửa sản phẩm rồi tải lại gói đăng bán."))
    listing = listings.retry(session, listing_id, scope=scope)
    job = _queue_push(session, user, listing.account, [listing.id], dispatch)
    return Published([listing], job)


def resume(
    session: so.Session,
    user: accounts.User,
    listing_id: int,
    dispatch: jobs_service.Dispatch,
) -> Published:
    """Put a paused listing back on sale, then queue the sync of its current price and stock.

    ``publishing.resume`` re-activates it and clears the payload hash so that the
    next push sends the numbers again; this queues that push.
    """
    listing = publishing.resume(session, listing_id, scope=tenancy.scope_for(session, user))
    pushed = listing.state in (channels.ListingState.QUEUED, channels.ListingState.LIVE)
    api = adapter_class(listing.account.marketplace).kind is base.Kind.API
    job = (
        _queue_push(session, user, listing.account, [listing.id], dispatch)
        if pushed and api
        else None
    )
    return Published([listing], job)
