"""One status webhook from a carrier (``POST /webhooks/carriers/<key>``).

1. The key names an active carrier account; any other key is ``NotFound`` (404, nothing
   read). GHN signs nothing: the random key in the address is what authenticates it.
2. The account's adapter reads the call (GHTK's ``hash`` and Viettel Post's ``TOKEN`` checked
   there): a refused call is ``Refused`` (401, or 400 for a body the carrier never sends),
   nothing stored, and the account's ``last_problem`` says why.
3. Accepted: every update goes through ``tracking.apply_updates`` in ONE unit of work, and
   the carrier gets its success reply; an update for a parcel we do not know is answered with
   success too (the carrier would retry it forever), and counted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.core import clock, errors, uow
from app.http import webhooks as http_webhooks
from app.models import shipping as models
from app.orders import recording
from app.shipping import accounts, labels, tracking
from integrations import errors as carrier_errors
from integrations import webhooks

MAX_BODY_BYTES = http_webhooks.MAX_BODY_BYTES


@dataclasses.dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    outcome: tracking.Outcome | None = None


def receive(
    session: so.Session,
    key: str,
    headers: Mapping[str, str],
    body: bytes,
    query: Mapping[str, str],
) -> Reply:
    row = accounts.by_webhook_key(session, key)
    if row is None:
        raise errors.NotFound(_l("Không tìm thấy địa chỉ webhook."))
    if len(body) > MAX_BODY_BYTES:
        raise http_webhooks.TooLarge()
    club_id, carrier = row.club_id, row.carrier
    adapter = accounts.carrier_for(row)
    try:
        updates = adapter.parse_webhook(headers, body, query)
    except (webhooks.WebhookRejected, carrier_errors.ValidationFailed) as exc:
        with uow.unit_of_work(session):
            row.last_problem = {"code": exc.reason, "params": dict(exc.params)}
        raise http_webhooks.Refused(
            exc.reason, labels.problem_label({"code": exc.reason})
        ) from None
    with uow.unit_of_work(session):
        outcome = tracking.apply_updates(
            session, club_id, carrier, updates, models.EventVia.WEBHOOK
        )
        account = session.get(models.CarrierAccount, row.id)
        if account is not None:
            account.last_received_at = clock.utcnow()
    for summary in outcome.summaries:
        recording.after_commit(session, None, summary)
    status, reply = adapter.webhook_reply()
    return Reply(status, reply, outcome)
