"""What the channels tell us by webhook: buyers' messages (their window opens; "STOP" and the
like stop every message of the club to them) and ZNS deliveries.

One public address per connection (``/hooks/messages/<webhook_key>``); the library checks the
signature (and, for Zalo, the event's age) before anything is read. Each event is applied once:
its key (the channel's message id) is stored with a unique constraint, so a resent webhook
changes nothing.

A buyer's phone links their ids: a text holding a mobile number links the writer's id to it,
and a ZNS delivery links the Zalo user who received it to the order's phone, so an opt-out
written to the OA also stops the ZNS to that phone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so
from flask_babel import gettext as _

from analytics import comments as parser
from app.core import clock, errors, uow
from app.messages import connections
from app.models import comments, orders
from app.models import messages as models
from integrations import webhooks
from integrations.messages import base as messages
from integrations.messages import registry
from integrations.messages.messenger import MessengerChannel
from integrations.messages.zalo_oa import ZaloChannel

log = logging.getLogger(__name__)

Kind = messages.EventKind
_PHONES = parser.CodeMatcher(())


@dataclasses.dataclass(frozen=True)
class Received:
    events: int  # in the call
    applied: int  # new ones (the others were seen before)


def known_hook(session: so.Session, webhook_key: str) -> models.MessageConnection:
    """The connection a webhook address names; NotFound for none."""
    row = (
        session.scalar(
            sa.select(models.MessageConnection).where(
                models.MessageConnection.webhook_key == webhook_key
            )
        )
        if webhook_key
        else None
    )
    if row is None:
        raise errors.NotFound(_("Không tìm thấy trang."))
    return row


def receive(
    session: so.Session, webhook_key: str, raw_body: bytes, headers: Mapping[str, str]
) -> Received:
    """Check and apply one webhook call to the connection ``webhook_key`` names. NotFound for
    no such connection; a refused call (signature, age, body) is a 400 and changes nothing."""
    row = known_hook(session, webhook_key)
    try:
        events = _read(row, raw_body, headers)
    except webhooks.WebhookRejected as exc:
        log.warning("webhook of connection %s refused: %s", row.id, exc.reason)
        raise errors.AppError(_("Webhook bị từ chối (%(why)s).", why=exc.reason)) from exc
    applied = 0
    for event in events:
        try:
            with uow.unit_of_work(session):
                session.add(
                    models.InboundMessageEvent(connection_id=row.id, key=event.key, kind=event.kind)
                )
                session.flush()
                _apply(session, row, event)
        except sqlalchemy.exc.IntegrityError:
            continue  # seen before (a resent webhook)
        applied += 1
    return Received(len(events), applied)


def _read(
    row: models.MessageConnection, raw_body: bytes, headers: Mapping[str, str]
) -> list[messages.InboundEvent]:
    if row.provider == connections.ZALO:
        zalo = registry.get("zalo_oa")(connections.channel_config(row, "zalo_oa"))
        assert isinstance(zalo, ZaloChannel)
        return zalo.read_webhook(raw_body, webhooks.header(headers, "X-ZEvent-Signature"))
    page = registry.get("messenger")(connections.channel_config(row, "messenger"))
    assert isinstance(page, MessengerChannel)
    return page.read_webhook(raw_body, webhooks.header(headers, "X-Hub-Signature-256"))


def _apply(
    session: so.Session, row: models.MessageConnection, event: messages.InboundEvent
) -> None:
    moment = event.at or clock.utcnow()
    if event.kind is Kind.DELIVERED:
        _delivered(session, row, event, moment)
        return
    channel = "zalo_oa" if row.provider == connections.ZALO else "messenger"
    if not event.user_id:
        return
    contact = _contact(session, row.club_id, channel, event.user_id)
    if contact.last_interaction_at is None or contact.last_interaction_at < moment:
        contact.last_interaction_at = moment
    if contact.phone is None:
        contact.phone = _PHONES.parse(event.text).phone
    if event.kind is Kind.OPT_OUT:
        stop(session, row.club_id, contact, moment)


def stop(
    session: so.Session, club_id: int, contact: models.BuyerContact, moment: dt.datetime
) -> None:
    """The buyer asked for no more messages: this contact and every contact of the club with
    the same phone."""
    contact.opted_out_at = contact.opted_out_at or moment
    if contact.phone:
        for other in session.scalars(
            sa.select(models.BuyerContact).where(
                models.BuyerContact.club_id == club_id,
                models.BuyerContact.phone == contact.phone,
                models.BuyerContact.opted_out_at.is_(None),
            )
        ):
            other.opted_out_at = moment
    log.info("club %s: buyer contact %s opted out", club_id, contact.id)


def _contact(session: so.Session, club_id: int, channel: str, address: str) -> models.BuyerContact:
    found = session.scalar(
        sa.select(models.BuyerContact).where(
            models.BuyerContact.club_id == club_id,
            models.BuyerContact.channel == channel,
            models.BuyerContact.address == address,
        )
    )
    if found is None:
        found = models.BuyerContact(club_id=club_id, channel=channel, address=address[:120])
        session.add(found)
        session.flush()
    return found


def _delivered(
    session: so.Session,
    row: models.MessageConnection,
    event: messages.InboundEvent,
    moment: dt.datetime,
) -> None:
    if not event.tracking_id:
        return
    found = session.execute(
        sa.select(comments.OrderMessage, orders.Order)
        .join(orders.Order, orders.Order.id == comments.OrderMessage.order_id)
        .where(
            comments.OrderMessage.tracking_id == event.tracking_id,
            orders.Order.club_id == row.club_id,
        )
    ).first()
    if found is None:
        return
    message, order = found
    message.delivered_at = message.delivered_at or moment
    if event.user_id and order.buyer_phone:
        contact = _contact(session, row.club_id, "zalo_oa", event.user_id)
        contact.phone = contact.phone or order.buyer_phone
