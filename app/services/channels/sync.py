"""Keep live listings in step with the catalog, and OCOP certificates with what is on sale."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import clock, errors
from app.models import catalog, channels
from app.services import jobs as jobs_service
from app.services.channels import listings, publishing

log = logging.getLogger(__name__)

State = channels.ListingState


def listings_to_sync(session: so.Session, product_ids: Iterable[int]) -> list[int]:
    ids = list(product_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            sa.select(channels.Listing.id).where(
                channels.Listing.product_id.in_(ids),
                channels.Listing.state.in_((State.LIVE, State.QUEUED)),
            )
        )
    )


def products_changed(
    session: so.Session,
    user: Any,
    product_ids: Iterable[int],
    dispatch: jobs_service.Dispatch | None = None,
) -> jobs_service.jobs.Job | None:
    """Queue a sync of these products' listings (once: an identity key per product set).

    Called after the catalog committed; a broker failure is logged, not raised,
    because the catalog change itself has been saved (the next sync picks it up).
    """
    ids = sorted(set(int(i) for i in product_ids))
    if not listings_to_sync(session, ids):
        return None
    from app import job_kinds, tasks  # imported late: job kinds import the services

    key = "channels.sync:products:" + ",".join(map(str, ids))
    if len(key) > 100:
        digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
        key = f"channels.sync:products:{len(ids)}:{digest}"
    try:
        return jobs_service.enqueue(
            session,
            job_kinds.KINDS,
            kind="channels.sync",
            params={"product_ids": ids},
            owner=user,
            dispatch=dispatch or tasks.dispatch,
            identity_key=key,
        )
    except errors.AppError:
        log.warning("could not queue the marketplace sync of products %s", ids, exc_info=True)
        return None


def run_sync(
    session: so.Session, product_ids: Iterable[int], opts: publishing.Options, progress: Any = None
) -> publishing.Summary:
    ids = listings_to_sync(session, product_ids)
    return publishing.run(session, ids, opts, progress=progress or (lambda p, m: None))


def expired_certificate_listings(session: so.Session, now: clock.Clock = clock.utcnow) -> list[int]:
    """Live or queued listings whose product's OCOP certificate has expired (no override)."""
    from app.services import catalog as catalog_service

    today = catalog_service.today_local(now)
    return list(
        session.scalars(
            sa.select(channels.Listing.id)
            .join(catalog.Product, catalog.Product.id == channels.Listing.product_id)
            .where(
                channels.Listing.state.in_((State.LIVE, State.QUEUED)),
                channels.Listing.certificate_override.is_(False),
                catalog.Product.ocop_expires_on < today,
            )
        )
    )


def renewed_certificate_listings(session: so.Session, now: clock.Clock = clock.utcnow) -> list[int]:
    """Listings paused for a certificate that is now valid (renewed) or overridden."""
    out = []
    for listing in session.scalars(
        sa.select(channels.Listing).where(
            channels.Listing.state == State.PAUSED, channels.Listing.paused_reason == "certificate"
        )
    ):
        if not listings.certificate_blocks(listing.product, listing, now):
            out.append(listing.id)
    return out


def check_certificates(
    session: so.Session, opts: publishing.Options, progress: Any = None
) -> dict[str, int]:
    """Pause listings of products whose certificate expired; put renewed ones back on sale."""
    to_pause = expired_certificate_listings(session, opts.now)
    to_resume = renewed_certificate_listings(session, opts.now)
    for listing_id in to_resume:
        listing = session.get(channels.Listing, listing_id)
        if listing is not None:
            listing.state = State.LIVE if listing.external_id else State.QUEUED
            listing.payload_hash = None
    session.commit()
    summary = publishing.run(
        session, to_pause + to_resume, opts, progress=progress or (lambda p, m: None)
    )
    return {
        "paused": len(to_pause),
        "resumed": len(to_resume),
        "live": summary.live,
        "paused_now": summary.paused,
    }
