"""Keep live listings in step with the catalog, and OCOP certificates with what is on sale.

Every job here works for one club (``Job.club_id``): a product sold by two clubs' shops gets
one sync job per club, each touching (and reporting) only its own club's listings.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Iterable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog import service as catalog_service
from app.channels import listings, publishing
from app.core import clock, errors, uow
from app.jobs import service as jobs_service
from app.models import catalog, channels

log = logging.getLogger(__name__)

State = channels.ListingState
# The job kind a certificate change queues (the channels feature registers it; see ``jobs``).
CERTIFICATE_CHANGE = "channels.certificate_change"
# A listing on sale, or waiting to be: what price, stock and certificate changes reach.
ON_SALE = channels.Listing.state.in_((State.LIVE, State.QUEUED))


def _in_clubs(stmt: sa.Select[Any], club_ids: Collection[int] | None) -> sa.Select[Any]:
    """Keep the listings of these clubs' shops (None: every club)."""
    if club_ids is None:
        return stmt
    return stmt.where(
        channels.Listing.account_id.in_(
            sa.select(channels.ChannelAccount.id).where(
                channels.ChannelAccount.club_id.in_(sorted(club_ids))
            )
        )
    )


def listings_to_sync(
    session: so.Session, product_ids: Iterable[int], club_id: int | None = None
) -> list[int]:
    """Live or queued listings of these products (of one club's shops, when given)."""
    ids = list(product_ids)
    if not ids:
        return []
    stmt = sa.select(channels.Listing.id).where(
        channels.Listing.product_id.in_(ids),
        ON_SALE,
    )
    return list(session.scalars(_in_clubs(stmt, None if club_id is None else [club_id])))


def _clubs_with(
    session: so.Session, product_ids: list[int], *states: sa.ColumnElement[bool]
) -> list[int]:
    """The clubs whose shops have a listing of these products in one of ``states`` (conditions
    on the listing)."""
    return sorted(
        session.scalars(
            sa.select(channels.ChannelAccount.club_id)
            .join(channels.Listing, channels.Listing.account_id == channels.ChannelAccount.id)
            .where(channels.Listing.product_id.in_(product_ids), sa.or_(*states))
            .distinct()
        )
    )


def _clubs_selling(session: so.Session, product_ids: list[int]) -> list[int]:
    """The clubs whose shops have a live or queued listing of these products."""
    return _clubs_with(session, product_ids, ON_SALE)


def _products_key(kind: str, club_id: int, ids: list[int]) -> str:
    """The identity key of ``kind``'s job for these products in one club (the products'
    ids, or their count and a digest when the list is long)."""
    key = f"{kind}:{club_id}:products:" + ",".join(map(str, ids))
    if len(key) > 100:
        digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
        key = f"{kind}:{club_id}:products:{len(ids)}:{digest}"
    return key


def _queue_per_club(
    session: so.Session,
    user: Any,
    product_ids: Iterable[int],
    *,
    kind: str,
    clubs: Callable[[so.Session, list[int]], Iterable[int]],
    dispatch: jobs_service.Dispatch | None,
    what: str,
) -> jobs_service.jobs.Job | None:
    """Queue ``kind`` for these products once per club ``clubs`` names (an identity key per
    club and product set). Called after a commit: a broker failure is logged, not raised.
    Returns the last job queued (None: no product or no club)."""
    ids = sorted(set(int(i) for i in product_ids))
    if not ids:
        return None
    runtime = jobs_service.runtime()
    job = None
    for club_id in clubs(session, ids):
        try:
            job = jobs_service.enqueue(
                session,
                runtime.kinds,
                kind=kind,
                params={"product_ids": ids},
                owner=user,
                dispatch=dispatch or runtime.dispatch,
                identity_key=_products_key(kind, club_id, ids),
                club_id=club_id,
            )
        except errors.AppError:
            log.warning("could not queue the %s of products %s", what, ids, exc_info=True)
    return job


def listen() -> None:
    """Follow the catalog: its ``products_changed`` and ``certificates_changed`` signals
    queue the matching jobs here. Connected once by the app factory (connecting again is a
    no-op)."""
    catalog_service.products_changed.connect(_on_products_changed)
    catalog_service.certificates_changed.connect(_on_certificates_changed)


def _on_products_changed(session: so.Session, *, user: Any, product_ids: Iterable[int]) -> None:
    products_changed(session, user, product_ids)


def _on_certificates_changed(session: so.Session, *, user: Any, product_ids: Iterable[int]) -> None:
    certificates_changed(session, user, product_ids)


def products_changed(
    session: so.Session,
    user: Any,
    product_ids: Iterable[int],
    dispatch: jobs_service.Dispatch | None = None,
) -> jobs_service.jobs.Job | None:
    """Queue a sync of these products' listings: one job per club whose shops list them
    (once: an identity key per club and product set). Returns the last job queued.

    Called after the catalog committed; a broker failure is logged, not raised,
    because the catalog change itself has been saved (the next sync picks it up).
    """
    return _queue_per_club(
        session,
        user,
        product_ids,
        kind="channels.sync",
        clubs=_clubs_selling,
        dispatch=dispatch,
        what="marketplace sync",
    )


def run_sync(
    session: so.Session,
    product_ids: Iterable[int],
    opts: publishing.Options,
    progress: Any = None,
    club_id: int | None = None,
) -> publishing.Summary:
    """Push these products' listings (of one club's shops, when given)."""
    ids = listings_to_sync(session, product_ids, club_id)
    return publishing.run(session, ids, opts, progress=progress or (lambda p, m: None))


def resume_queued(session: so.Session, opts: publishing.Options) -> publishing.Summary:
    """Push every listing still waiting in the queue (after a daily quota or an outage): the
    hourly chore of Celery beat and `flask channels resume`."""
    ids = list(
        session.scalars(
            sa.select(channels.Listing.id).where(channels.Listing.state == State.QUEUED)
        )
    )
    return publishing.run(session, ids, opts)


def _of_products(stmt: sa.Select[Any], product_ids: Collection[int] | None) -> sa.Select[Any]:
    """Keep the listings of these products (None: every product)."""
    if product_ids is None:
        return stmt
    return stmt.where(channels.Listing.product_id.in_(sorted(product_ids)))


def expired_certificate_listings(
    session: so.Session,
    now: clock.Clock = clock.utcnow,
    club_ids: Collection[int] | None = None,
    product_ids: Collection[int] | None = None,
) -> list[int]:
    """Live or queued listings whose product's OCOP certificate has expired (no override)."""
    today = catalog_service.today_local(now)
    stmt = (
        sa.select(channels.Listing.id)
        .join(catalog.Product, catalog.Product.id == channels.Listing.product_id)
        .where(
            ON_SALE,
            channels.Listing.certificate_override.is_(False),
            catalog.Product.ocop_expires_on < today,
        )
    )
    return list(session.scalars(_of_products(_in_clubs(stmt, club_ids), product_ids)))


def renewed_certificate_listings(
    session: so.Session,
    now: clock.Clock = clock.utcnow,
    club_ids: Collection[int] | None = None,
    product_ids: Collection[int] | None = None,
) -> list[int]:
    """Listings paused for a certificate that is now valid (renewed) or overridden."""
    out = []
    stmt = sa.select(channels.Listing).where(
        channels.Listing.state == State.PAUSED, channels.Listing.paused_reason == "certificate"
    )
    for listing in session.scalars(_of_products(_in_clubs(stmt, club_ids), product_ids)):
        if not listings.certificate_blocks(listing.product, listing, now):
            out.append(listing.id)
    return out


def check_certificates(
    session: so.Session,
    opts: publishing.Options,
    progress: Any = None,
    club_ids: Collection[int] | None = None,
    product_ids: Collection[int] | None = None,
) -> dict[str, int]:
    """Pause listings of products whose certificate expired; put renewed ones back on sale
    (of these clubs' shops and these products; None: every club or product, as the daily
    check does). "Today" is ``opts.now``'s day in Vietnam."""
    to_pause = expired_certificate_listings(session, opts.now, club_ids, product_ids)
    to_resume = renewed_certificate_listings(session, opts.now, club_ids, product_ids)
    with uow.unit_of_work(session):  # queued again before their pushes
        for listing_id in to_resume:
            listing = session.get(channels.Listing, listing_id)
            if listing is not None:
                # (paused_reason stays until the push: it makes the push relist it remotely)
                listing.state = State.LIVE if listing.external_id else State.QUEUED
                listing.payload_hash = None
    summary = publishing.run(
        session, to_pause + to_resume, opts, progress=progress or (lambda p, m: None)
    )
    return {
        "paused": len(to_pause),
        "resumed": len(to_resume),
        "live": summary.live,
        "paused_now": summary.paused,
    }


def _clubs_with_certificate_work(session: so.Session, product_ids: list[int]) -> list[int]:
    """The clubs whose shops list these products on sale, or hold them paused for their
    certificate: the listings a certificate change may pause or resume."""
    paused_for_certificate = sa.and_(
        channels.Listing.state == State.PAUSED, channels.Listing.paused_reason == "certificate"
    )
    return _clubs_with(session, product_ids, ON_SALE, paused_for_certificate)


def certificates_changed(
    session: so.Session,
    user: Any,
    product_ids: Iterable[int],
    dispatch: jobs_service.Dispatch | None = None,
) -> jobs_service.jobs.Job | None:
    """A certificate of these products was added, changed or deleted: queue the certificate
    job for them, one per club whose shops list them (an identity key per club and product
    set), so their listings are paused or resumed now rather than at the next save or the
    daily check. Returns the last job queued.

    Called after the catalog committed; a broker failure is logged, not raised (the daily
    check catches up).
    """
    return _queue_per_club(
        session,
        user,
        product_ids,
        kind=CERTIFICATE_CHANGE,
        clubs=_clubs_with_certificate_work,
        dispatch=dispatch,
        what="certificate check",
    )
