"""Telling buyers about their orders: each order event becomes at most one message (the club's
rule for that event), written at once with what the buyer will read and sent by a job.

``on_order_event`` follows ``app.orders.events`` (after the commit that made the event): no
rule, or a rule turned off, sends nothing; a buyer who asked to stop, or whose address on the
channel is unknown, gets a ``skipped`` row saying why; otherwise a ``queued`` row (unique per
order and event) and a ``messages.send`` job.

``send_job`` claims the row (``queued`` → ``sending``, so two copies of a job send it once),
calls the channel and stores what came of it: ``sent`` with the channel's id and the cost, or
the reason code. Transient refusals (throttled, 5xx, network) are tried again later with
growing waits, up to ``MAX_ATTEMPTS``; permanent ones fail at once. An expired Zalo token is
refreshed once by the library through the connection's token store; a refused refresh (or an
expired Page token) marks the connection "reconnect needed".
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, formatting, tenancy, uow
from app.http import addresses
from app.jobs import service as jobs_service
from app.messages import connections, rules
from app.models import comments, orders
from app.models import messages as models
from app.orders import payments, queries
from app.orders.events import OrderEvent
from app.shipping import labels as shipping_labels
from integrations import errors as channel_errors
from integrations import retry
from integrations.messages import base as messages

log = logging.getLogger(__name__)

Status = comments.MessageStatus
JOB = "messages.send"
MAX_ATTEMPTS = 4
RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 15 * 60.0
# Refusals that mean the connection itself must be connected again.
RECONNECT = {"token_expired", "refresh_token_used", "reconnect_needed", "not_connected"}


def money(amount: int) -> str:
    """180000 → '180.000' (Vietnamese grouping, whatever the staff's language)."""
    return f"{amount:,}".replace(",", ".")


def _pay_link(order: orders.Order) -> str:
    """The order's payment page; empty where no address can be made (a chore with no
    request and no PUBLIC_BASE_URL)."""
    try:
        return addresses.pay_url(order.id)
    except RuntimeError:
        return ""


def fields_of(order: orders.Order) -> dict[str, str]:
    """The ``{fields}`` of a text or a template's values, from the order (Vietnamese)."""
    return {
        "ten": order.buyer_name or order.buyer_user or "bạn",
        "ma_don": payments.reference(order),
        "san_pham": ", ".join(f"{line.product_name} × {line.quantity}" for line in order.lines),
        "tong_tien": f"{money(order.amount)} đ",
        "so_tien": money(order.amount),
        "link_thanh_toan": _pay_link(order),
        "giu_den": formatting.local_time(order.hold_until) if order.hold_until else "—",
        "shop": order.club.name if order.club is not None else "Shop",
        **parcel_fields(order),
    }


def parcel_fields(order: orders.Order) -> dict[str, str]:
    """The order's latest parcel: its tracking code and carrier (empty before shipping)."""
    session = so.object_session(order)
    parcel = shipping_labels.latest_parcel(session, order.id) if session is not None else None
    if parcel is None:
        return {"ma_van_don": "", "hang_van_chuyen": ""}
    return {
        "ma_van_don": parcel.tracking_code or "",
        "hang_van_chuyen": shipping_labels.CARRIER_NAMES.get(parcel.carrier, parcel.carrier),
    }


# --- who the buyer is on a channel -----------------------------------------------------------


def _contacts(session: so.Session, order: orders.Order, channel: str) -> list[models.BuyerContact]:
    """The buyer's contacts of this channel in the order's club: by the order's phone, or by
    the buyer's id on the platform, the latest writer first."""
    contact = models.BuyerContact
    known = [contact.address == order.buyer_user] if order.buyer_user else []
    if order.buyer_phone:
        known.append(contact.phone == order.buyer_phone)
    if not known:
        return []
    return list(
        session.scalars(
            sa.select(contact)
            .where(contact.club_id == order.club_id, contact.channel == channel, sa.or_(*known))
            .order_by(contact.last_interaction_at.desc().nulls_last(), contact.id.desc())
        )
    )


def recipient_for(
    session: so.Session, order: orders.Order, channel: str
) -> messages.Recipient | None:
    """The buyer as the channel reaches them: their phone (ZNS) or their id there with the
    time they last wrote (OA, Messenger); None when unknown."""
    if channel == "zalo_zns":
        return messages.Recipient(phone=order.buyer_phone) if order.buyer_phone else None
    found = _contacts(session, order, channel)
    if not found:
        return None
    return messages.Recipient(
        user_id=found[0].address, last_interaction_at=found[0].last_interaction_at
    )


def opted_out(session: so.Session, order: orders.Order, recipient: messages.Recipient) -> bool:
    """Whether the buyer asked this club for no more messages, on any channel."""
    contact = models.BuyerContact
    same = [contact.address == recipient.user_id] if recipient.user_id else []
    if order.buyer_phone:
        same.append(contact.phone == order.buyer_phone)
    if not same:
        return False
    found = session.scalar(
        sa.select(contact.id)
        .where(contact.club_id == order.club_id, contact.opted_out_at.is_not(None), sa.or_(*same))
        .limit(1)
    )
    return found is not None


# --- an event becomes a message --------------------------------------------------------------


def on_order_event(session: so.Session, order_id: int, event: OrderEvent) -> None:
    """The ``app.orders.events`` subscriber (its own session, after the event's commit)."""
    order = session.get(orders.Order, order_id)
    if order is None:
        return
    rule = rules.rule_of(session, order.club_id, str(event))
    if rule is None or not rule.enabled:
        log.debug("order %s %s: no message rule in club %s", order_id, event, order.club_id)
        return
    message = prepare(session, order, rule, event)
    try:
        with uow.unit_of_work(session):
            session.add(message)
    except sqlalchemy.exc.IntegrityError:
        log.info("order %s %s: its message exists already", order_id, event)
        return
    if message.status is Status.QUEUED:
        queue(session, message.id, order.club_id)
    else:
        log.info("order %s %s: not sent (%s)", order_id, event, (message.problem or {}).get("code"))


def prepare(
    session: so.Session, order: orders.Order, rule: models.MessageRule, event: OrderEvent
) -> comments.OrderMessage:
    """The message of ``event`` as the rule says, with what the buyer will read; ``skipped``
    (with why) when the buyer asked to stop or cannot be reached on the channel."""
    values = fields_of(order)
    message = comments.OrderMessage(
        order_id=order.id,
        event=str(event),
        channel=rule.channel,
        status=Status.QUEUED,
        text="",
        attempts=0,
        tracking_id=f"{payments.reference(order)}-{event}",
    )
    if rule.channel == "zalo_zns" and rule.template is not None:
        template = rules.as_template(rule.template)
        filled = {name: _fill(text, values) for name, text in (rule.params or {}).items()}
        message.params = {"template": template.as_dict(), "values": filled}
        message.text = f"{template.name or template.template_id}: " + "; ".join(
            f"{name} = {value}" for name, value in filled.items()
        )
    elif rule.channel != "zalo_zns":
        message.text = _fill(rule.text or rules.DEFAULT_TEXTS[event], values)
    recipient = recipient_for(session, order, rule.channel)
    if recipient is None:
        message.status, message.problem = Status.SKIPPED, {"code": "no_address", "params": {}}
    elif opted_out(session, order, recipient):
        message.status, message.problem = Status.SKIPPED, {"code": "opted_out", "params": {}}
    return message


def _fill(text: str, values: dict[str, str]) -> str:
    try:
        return text.format_map(values)
    except (KeyError, ValueError, IndexError):
        return text  # checked when saved; a text from before a field was dropped goes as is


def queue(session: so.Session, message_id: int, club_id: int, delay: float = 0.0) -> None:
    """Queue the message's job (now, or after ``delay`` seconds). A broker that does not
    answer is logged: the row stays ``queued`` and the chore sends it later."""
    runtime = jobs_service.runtime()
    try:
        jobs_service.enqueue(
            session,
            runtime.kinds,
            kind=JOB,
            params={"message_id": message_id},
            owner=None,
            dispatch=runtime.dispatch_later(delay) if delay else runtime.dispatch,
            identity_key=f"{JOB}:{message_id}",
            club_id=club_id,
        )
    except Exception:
        log.exception("message %s: could not queue its job", message_id)


# --- the job ---------------------------------------------------------------------------------


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    value = params.get("message_id")
    if type(value) is not int or value < 1:
        raise ValueError("message_id")
    return {"message_id": value}


def send_job(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    message_id = int(params["message_id"])
    return {"message_id": message_id, "status": send(ctx.session, message_id, ctx.club_id)}


def send(
    session: so.Session, message_id: int, club_id: int | None, now: clock.Clock = clock.utcnow
) -> str:
    """Send one queued message of ``club_id``; its status afterwards."""
    message = comments.OrderMessage
    claimed = session.execute(
        sa.update(message)
        .where(message.id == message_id, message.status == Status.QUEUED)
        .where(
            message.order_id.in_(sa.select(orders.Order.id).where(orders.Order.club_id == club_id))
        )
        .values(status=Status.SENDING, attempts=message.attempts + 1, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    if uow.affected(claimed) != 1:
        uow.discard(session, "not queued (sent by another copy of the job, or another club's)")
        return "not_queued"
    uow.checkpoint(session, "claimed: one job sends it")
    row = session.get(comments.OrderMessage, message_id, populate_existing=True)
    order = session.get(orders.Order, row.order_id) if row is not None else None
    assert row is not None and order is not None
    with uow.unit_of_work(session):
        retry_in = _attempt(session, row, order, now)
    if retry_in is not None:
        queue(session, row.id, order.club_id, retry_in)
    return str(row.status)


def _attempt(
    session: so.Session, row: comments.OrderMessage, order: orders.Order, now: clock.Clock
) -> float | None:
    """Call the channel once and write the outcome on ``row``; seconds until the next try
    when it is to be tried again."""
    provider = connections.PROVIDER_OF.get(row.channel, "")
    connection = connections.of_club(session, order.club_id, provider)
    recipient = recipient_for(session, order, row.channel)
    if connection is None or connection.status is not models.ConnectionStatus.CONNECTED:
        code = "reconnect_needed" if connection is not None else "not_connected"
        row.status, row.problem = Status.FAILED, {"code": code, "params": {}}
        return None
    if recipient is None:
        row.status, row.problem = Status.SKIPPED, {"code": "no_address", "params": {}}
        return None
    if opted_out(session, order, recipient):
        row.status, row.problem = Status.SKIPPED, {"code": "opted_out", "params": {}}
        return None
    template = None
    values: dict[str, str] = {}
    if row.params:
        template = messages.Template.from_dict(row.params.get("template") or {})
        values = dict(row.params.get("values") or {})
    outgoing = messages.Outgoing(
        text=row.text if template is None else "",
        template=template,
        params=values,
        tracking_id=row.tracking_id or "",
        order_update=True,
    )
    try:
        channel = connections.channel_for(session, connection, row.channel)
        sent = channel.send(recipient, outgoing)
    except channel_errors.ChannelError as exc:
        return _refused(session, row, connection.id, exc)
    row.status, row.problem = Status.SENT, None
    row.external_id = sent.message_id or None
    row.cost = sent.cost
    row.sent_at = now()
    return None


def _refused(
    session: so.Session,
    row: comments.OrderMessage,
    connection_id: int,
    exc: channel_errors.ChannelError,
) -> float | None:
    params: dict[str, Any] = dict(exc.params)
    fields = getattr(exc, "fields", None)
    if fields:
        params["fields"] = sorted(fields)
    problem = {"code": exc.reason, "params": params, **({"raw": exc.code} if exc.code else {})}
    log.info("message %s refused: %s (%s)", row.id, exc.reason, exc.code)
    if exc.reason in RECONNECT:
        connections.mark_reconnect(session, connection_id, problem)
    wait = None
    if not isinstance(exc, channel_errors.QuotaExceeded) and row.attempts < MAX_ATTEMPTS:
        wait = retry.delay_for(exc, row.attempts, base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS)
    if wait is None:
        row.status, row.problem = Status.FAILED, problem
        return None
    row.status, row.problem = Status.QUEUED, problem
    row.next_attempt_at = clock.utcnow() + dt.timedelta(seconds=wait)
    return max(wait, 1.0)


STALE_QUEUED = dt.timedelta(minutes=5)


def resume_due(session: so.Session, now: clock.Clock = clock.utcnow) -> list[int]:
    """Queue again every message left ``queued`` past its time (its job never reached the
    broker, or the broker lost it): the claim makes a second copy of a job harmless. The
    ids queued."""
    moment = now()
    message = comments.OrderMessage
    due = session.execute(
        sa.select(message.id, orders.Order.club_id)
        .join(orders.Order, orders.Order.id == message.order_id)
        .where(
            message.status == Status.QUEUED,
            message.created_at < moment - STALE_QUEUED,
            sa.or_(
                message.next_attempt_at.is_(None),
                message.next_attempt_at < moment - STALE_QUEUED,
            ),
        )
        .order_by(message.id)
        .limit(500)
    ).all()
    uow.discard(session, "read only: nothing to keep")
    for message_id, club_id in due:
        queue(session, message_id, club_id)
    return [message_id for message_id, _club in due]


def order_log(session: so.Session, user: Any, order_id: int) -> list[comments.OrderMessage]:
    """The messages about an order the user's club reaches (404 otherwise), oldest first."""
    scope = tenancy.scope_for(session, user)
    order = queries.get_order(session, scope, order_id)
    if scope.producer_id is not None:
        raise errors.NotFound(_("Không tìm thấy đơn hàng."))
    return list(
        session.scalars(
            sa.select(comments.OrderMessage)
            .where(comments.OrderMessage.order_id == order.id)
            .order_by(comments.OrderMessage.id)
        )
    )
