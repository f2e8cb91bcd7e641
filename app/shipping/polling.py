"""Asking carriers where parcels are: for carriers with a status query (``Capability.POLL``),
every parcel on its way whose last news is older than ``STALE`` is asked about, a batch per
run (a chore, every few minutes): webhooks get lost (GHTK retries once), and polling fills
the gap. What a poll says goes through the same ``tracking.apply_updates`` as a webhook, so a
poll repeating a webhook changes nothing."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core import clock, uow
from app.models import shipping as models
from app.orders import recording
from app.shipping import accounts, tracking
from integrations import errors as carrier_errors
from integrations.carriers import base as carriers
from integrations.carriers import registry

log = logging.getLogger(__name__)

STALE = dt.timedelta(hours=2)
BATCH = 200
POLLED = [s for s in models.ShipStatus if not s.final and s != models.ShipStatus.BOOKING]


def pollable() -> list[str]:
    """The carriers with a status query."""
    return [
        name
        for name in registry.names()
        if carriers.Capability.POLL in registry.get(name).capabilities
    ]


def due(session: so.Session, now: dt.datetime, limit: int = BATCH) -> list[models.Shipment]:
    """Parcels on their way with no news for ``STALE``, oldest news first."""
    model = models.Shipment
    return list(
        session.scalars(
            sa.select(model)
            .where(
                model.status.in_(POLLED),
                model.carrier.in_(pollable()),
                model.tracking_code.is_not(None),
                model.account_id.is_not(None),
                sa.func.coalesce(model.checked_at, model.status_at, model.created_at) < now - STALE,
            )
            .order_by(
                sa.func.coalesce(model.checked_at, model.status_at, model.created_at), model.id
            )
            .limit(limit)
        )
    )


def poll(session: so.Session, *, now: dt.datetime | None = None) -> tracking.Outcome:
    """Ask about the due parcels; one unit of work per parcel."""
    moment = now or clock.utcnow()
    total = tracking.Outcome()
    adapters: dict[int, carriers.Carrier] = {}
    for parcel in due(session, moment):  # only carriers with a status query (``pollable``)
        account = parcel.account
        if account is None or not account.active or parcel.tracking_code is None:
            continue
        if account.id not in adapters:
            adapters[account.id] = accounts.carrier_for(account)
        try:
            updates = adapters[account.id].track(parcel.tracking_code)
        except carrier_errors.ChannelError as exc:
            log.info("polling %s %s: %s", parcel.carrier, parcel.tracking_code, exc.reason)
            continue
        with uow.unit_of_work(session):
            outcome = tracking.apply_updates(
                session, parcel.club_id, parcel.carrier, updates, models.EventVia.POLL
            )
            parcel.checked_at = moment
        for summary in outcome.summaries:
            recording.after_commit(session, None, summary)
        total.stored += outcome.stored
        total.repeated += outcome.repeated
        total.applied += outcome.applied
    return total
