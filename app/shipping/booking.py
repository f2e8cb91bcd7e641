"""Booking parcels in bulk: the seller picks orders (a live session's, a day's), compares the
carriers' fees per parcel (a ``shipping.quote`` job), chooses a carrier per order and books
them all (a ``shipping.book`` job with progress).

Idempotent end to end:
- ``start_booking`` writes each parcel's row first (status ``booking``, its reference fixed),
  in one commit, and skips lines already in a live parcel: pressing "book" twice, or two
  sellers at once, makes no second row for the same lines (the order rows are locked);
- the job books each row still ``booking`` with its reference as the carrier's client order
  code: a retried job, a worker killed mid-call or a reply lost on the way back finds the
  parcel the carrier made the first time (``Carrier.book`` looks it up) — never a second one.
Each booked parcel is committed on its own, so a failure later in the list keeps the ones
before it; a parcel the carrier refuses keeps its reason (``problem``) and stays ``booking``
until booked again or dropped.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import clock, errors, i18n, tenancy, uow
from app.jobs import service as jobs_service
from app.models import accounts, orders
from app.models import shipping as models
from app.orders import locks, queries
from app.shipping import accounts as carrier_accounts
from app.shipping import planning
from integrations import errors as carrier_errors
from integrations import retry
from integrations.carriers import base as carriers

log = logging.getLogger(__name__)

QUOTE_JOB = "shipping.quote"
BOOK_JOB = "shipping.book"
MAX_ORDERS = 1000
MAX_ATTEMPTS = 4
T = TypeVar("T")
N_ = i18n.N_


def _ids(params: Mapping[str, Any], key: str) -> list[int]:
    raw = params.get(key)
    if not isinstance(raw, list) or not raw:
        raise ValueError(key)
    ids = planning.ordered_ids(raw)
    if not ids or len(ids) > MAX_ORDERS * 4:
        raise ValueError(key)
    return ids


def _ids_param(params: Mapping[str, Any], key: str, missing: str) -> dict[str, Any]:
    try:
        return {key: _ids(params, key)}
    except ValueError:
        raise errors.ValidationError(fields={f"params.{key}": [missing]}) from None


def validate_quote_params(params: dict[str, Any]) -> dict[str, Any]:
    return _ids_param(params, "order_ids", _("Hãy chọn ít nhất một đơn hàng."))


def validate_book_params(params: dict[str, Any]) -> dict[str, Any]:
    return _ids_param(params, "shipment_ids", _("Không có kiện hàng nào để đặt."))


def _orders_in_scope(
    session: so.Session, scope: tenancy.Scope, order_ids: Sequence[int]
) -> list[orders.Order]:
    if not order_ids:
        raise errors.ValidationError(fields={"order_ids": [_("Hãy chọn ít nhất một đơn hàng.")]})
    if len(order_ids) > MAX_ORDERS:
        raise errors.ValidationError(
            fields={"order_ids": [_("Tối đa %(n)s đơn mỗi lần.", n=MAX_ORDERS)]}
        )
    return [queries.get_order(session, scope, order_id) for order_id in order_ids]


def _enqueue(
    session: so.Session,
    user: accounts.User,
    club_id: int,
    kind: str,
    params: dict[str, Any],
    dispatch: jobs_service.Dispatch | None = None,
) -> Any:
    runtime = jobs_service.runtime()
    return jobs_service.enqueue(
        session,
        runtime.kinds,
        kind=kind,
        params=params,
        owner=user,
        dispatch=dispatch or runtime.dispatch,
        club_id=club_id,
    )


# --- quotes --------------------------------------------------------------------------------


def start_quotes(session: so.Session, user: accounts.User, order_ids: Sequence[int]) -> Any:
    """Queue the fee comparison of ``order_ids`` (in the user's club) on every active carrier
    account of the club; the job's result holds the table."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    club_id = scope.home_club()
    found = _orders_in_scope(session, scope, planning.ordered_ids(list(order_ids)))
    if not carrier_accounts.active_accounts(session, club_id):
        raise errors.ValidationError(
            _("Câu lạc bộ chưa kết nối hãng vận chuyển nào: hãy kết nối trước khi so sánh phí.")
        )
    return _enqueue(session, user, club_id, QUOTE_JOB, {"order_ids": [o.id for o in found]})


def _retried(
    call: Callable[[], T], *, cap: float, sleep: Callable[[float], None] = time.sleep
) -> T:
    """``call()``, tried again after a transient refusal (backoff up to ``cap`` seconds, at
    most ``MAX_ATTEMPTS`` tries); a permanent refusal, or the last one, is raised."""
    attempt = 1
    while True:
        try:
            return call()
        except carrier_errors.ChannelError as exc:
            wait = retry.delay_for(exc, attempt, base=0.5, cap=cap)
            if wait is None or attempt == MAX_ATTEMPTS:
                raise
            sleep(wait)
            attempt += 1


def _quote_one(
    adapter: carriers.Carrier, request: carriers.ShipmentRequest
) -> tuple[list[carriers.Quote], dict[str, Any] | None]:
    try:
        return _retried(lambda: adapter.quote(request), cap=5.0), None
    except carrier_errors.ChannelError as exc:
        return [], {"code": exc.reason, "params": exc.params}


def _quotes_of(
    account_id: int,
    carrier: str,
    adapter: carriers.Carrier,
    requests: Sequence[carriers.ShipmentRequest | None],
    done: Callable[[], None],
) -> list[tuple[list[dict[str, Any]], dict[str, Any] | None]]:
    """One account's quotes for every request (None: not quoted), in order; runs in a thread
    of its own (no database: the adapter's HTTP client and rate limiter only)."""
    out: list[tuple[list[dict[str, Any]], dict[str, Any] | None]] = []
    for request in requests:
        if request is None:
            out.append(([], None))
            continue
        quotes, problem = _quote_one(adapter, request)
        shown = [
            {
                "account_id": account_id,
                "carrier": carrier,
                "service": quote.service,
                "service_name": quote.service_name,
                "fee": quote.fee,
                "expected_days": quote.expected_days,
            }
            for quote in quotes
        ]
        failed = (
            {"code": "quote_failed", "params": {"carrier": carrier, **problem}}
            if problem is not None
            else None
        )
        out.append((shown, failed))
        done()
    return out


def quote_job(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Quote every parcel of the orders on every active account of the job's club: the
    parcels are planned first (the database), then each account is asked in a thread of its
    own, at its carrier's rate, so four carriers take the time of the slowest, not the sum."""
    session, club_id = ctx.session, ctx.club_id
    assert club_id is not None
    accounts_ = carrier_accounts.active_accounts(session, club_id)
    rows: list[dict[str, Any]] = []
    requests: list[carriers.ShipmentRequest | None] = []
    for order_id in params["order_ids"]:
        order = session.get(orders.Order, order_id)
        if order is None or order.club_id != club_id:
            continue
        for parcel in planning.plan(session, order):
            rows.append(
                {
                    "order_id": order.id,
                    "producer_id": parcel.producer_id,
                    "weight_g": parcel.weight_g,
                    "cod_amount": parcel.cod_amount,
                    "problems": [p.as_dict() for p in parcel.problems],
                    "warnings": [p.as_dict() for p in parcel.warnings],
                    "quotes": [],
                }
            )
            requests.append(planning.quote_request(session, order, parcel))
    asked = [0]
    lock = threading.Lock()

    def done() -> None:
        with lock:
            asked[0] += 1

    total = max(1, sum(r is not None for r in requests) * len(accounts_))
    with concurrent.futures.ThreadPoolExecutor(max(1, len(accounts_))) as pool:
        futures = [
            pool.submit(
                _quotes_of,
                row.id,
                row.carrier,
                carrier_accounts.carrier_for(row),
                requests,
                done,
            )
            for row in accounts_
        ]
        waiting = set(futures)
        while waiting:
            _finished, waiting = concurrent.futures.wait(waiting, timeout=2.0)
            ctx.progress(min(99, asked[0] * 100 // total), N_("Đang hỏi phí các hãng…"))
        answers = [future.result() for future in futures]
    for per_account in answers:
        for row, (shown, failed) in zip(rows, per_account, strict=True):
            row["quotes"].extend(shown)
            if failed is not None:
                row["problems"].append(failed)
    for row in rows:
        row["quotes"].sort(key=lambda q: (q["fee"], q["carrier"]))
    ctx.progress(100, N_("Đang hỏi phí các hãng…"))
    return {"rows": rows}


# --- booking -------------------------------------------------------------------------------


def start_booking(
    session: so.Session,
    user: accounts.User,
    choices: Sequence[Mapping[str, Any]],
    *,
    dispatch: jobs_service.Dispatch | None = None,
) -> tuple[Any, list[dict[str, Any]]]:
    """Write the parcels of the chosen orders (``{"order_id", "account_id", "service"?}``
    each) and queue their booking. Returns the job and the orders skipped with why
    (an address missing, the producer's address missing, nothing left to ship…). Commits."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    if scope.producer_id is not None:
        raise errors.Forbidden()
    club_id = scope.home_club()
    if not choices:
        raise errors.ValidationError(fields={"choices": [_("Hãy chọn ít nhất một đơn hàng.")]})
    if len(choices) > MAX_ORDERS:
        raise errors.ValidationError(
            fields={"choices": [_("Tối đa %(n)s đơn mỗi lần.", n=MAX_ORDERS)]}
        )
    picked: list[tuple[int, models.CarrierAccount, str]] = []
    for index, choice in enumerate(choices):
        order_ids = planning.ordered_ids([choice.get("order_id")])
        account_ids = planning.ordered_ids([choice.get("account_id")])
        if not order_ids or not account_ids:
            raise errors.ValidationError(
                fields={f"choices.{index}": [_("Thiếu đơn hàng hoặc hãng vận chuyển.")]}
            )
        queries.get_order(session, scope, order_ids[0])
        account = carrier_accounts.get_account(session, user, account_ids[0])
        if not account.active or account.club_id != club_id:
            raise errors.ValidationError(
                fields={f"choices.{index}": [_("Tài khoản vận chuyển này đang tắt.")]}
            )
        picked.append((order_ids[0], account, str(choice.get("service") or "")[:40]))
    skipped: list[dict[str, Any]] = []
    created: list[int] = []
    with uow.unit_of_work(session):
        locks.lock_rows(session, orders.Order, sorted({o for o, _a, _s in picked}))
        for order_id, account, service in picked:
            order = session.get(orders.Order, order_id)
            assert order is not None
            session.refresh(order)
            parcels = planning.plan(session, order)
            if not parcels:
                skipped.append({"order_id": order_id, "problems": [{"code": "nothing_to_ship"}]})
                continue
            bad = [p for p in parcels if p.problems]
            if bad:
                problems = [q.as_dict() for p in bad for q in p.problems]
                skipped.append({"order_id": order_id, "problems": problems})
                continue
            for parcel in parcels:
                shipment = models.Shipment(
                    club_id=order.club_id,
                    order_id=order.id,
                    producer_id=parcel.producer_id,
                    account_id=account.id,
                    carrier=account.carrier,
                    reference=planning.next_reference(session, order),
                    service=service,
                    status=models.ShipStatus.BOOKING,
                    cod_amount=parcel.cod_amount,
                    declared_value=parcel.value,
                    weight_g=parcel.weight_g,
                    length_cm=parcel.length_cm,
                    width_cm=parcel.width_cm,
                    height_cm=parcel.height_cm,
                    booked_by_id=user.id,
                    problem=(
                        {
                            "code": "warnings",
                            "params": {"items": [w.as_dict() for w in parcel.warnings]},
                        }
                        if parcel.warnings
                        else None
                    ),
                )
                shipment.lines = [
                    models.ShipmentLine(order_line_id=line_id, quantity=quantity)
                    for line_id, quantity in parcel.lines
                ]
                session.add(shipment)
                session.flush()
                created.append(shipment.id)
    if not created:
        return None, skipped
    job = _enqueue(session, user, club_id, BOOK_JOB, {"shipment_ids": created}, dispatch)
    return job, skipped


def _load(session: so.Session, shipment_id: int) -> models.Shipment | None:
    return session.scalars(
        sa.select(models.Shipment)
        .where(models.Shipment.id == shipment_id)
        .options(
            so.selectinload(models.Shipment.lines)
            .selectinload(models.ShipmentLine.order_line)
            .selectinload(orders.OrderLine.variant),
            so.selectinload(models.Shipment.order),
            so.selectinload(models.Shipment.producer),
        )
        .execution_options(populate_existing=True)
    ).first()


def book_parcel(
    session: so.Session,
    shipment: models.Shipment,
    adapter: carriers.Carrier,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Book one ``booking`` parcel in the caller's unit (True: booked). Transient refusals
    are tried again (the adapter finds a parcel a lost reply made); a permanent one is kept
    in ``problem``."""
    try:
        request = planning.request_for(shipment)
    except ValueError:
        shipment.problem = {"code": "producer_address_missing", "params": {}}
        return False
    try:
        booking = _retried(lambda: adapter.book(request), cap=10.0, sleep=sleep)
    except carrier_errors.ChannelError as exc:
        shipment.problem = {"code": exc.reason, "params": dict(exc.params)}
        return False
    now = clock.utcnow()
    shipment.tracking_code = booking.tracking_code
    shipment.sort_code = booking.sort_code[:64]
    shipment.fee = max(0, int(booking.fee))
    shipment.status = models.ShipStatus.CREATED
    shipment.carrier_status = ""
    shipment.booked_at = now
    shipment.status_at = now
    shipment.problem = None
    session.add(
        models.ShipmentEvent(
            shipment_id=shipment.id,
            event_key="app:booked",
            status=models.ShipStatus.CREATED,
            description="",
            occurred_at=now,
            via=models.EventVia.APP,
        )
    )
    return True


def book_job(ctx: jobs_service.JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Book each parcel still ``booking``; one commit per parcel."""
    session, club_id = ctx.session, ctx.club_id
    ids = params["shipment_ids"]
    adapters: dict[int, carriers.Carrier] = {}
    booked = failed = already = 0
    for done, shipment_id in enumerate(ids, start=1):
        shipment = _load(session, shipment_id)
        if shipment is None or shipment.club_id != club_id:
            continue
        if shipment.status != models.ShipStatus.BOOKING or shipment.account is None:
            already += 1
        else:
            account = shipment.account
            if account.id not in adapters:
                adapters[account.id] = carrier_accounts.carrier_for(account)
            if book_parcel(session, shipment, adapters[account.id]):
                booked += 1
            else:
                failed += 1
            uow.checkpoint(session, "each booked parcel is kept whatever comes after")
        if done % 10 == 0 or done == len(ids):
            ctx.progress(done * 100 // len(ids), N_("Đang đặt đơn với hãng vận chuyển…"))
    return {"booked": booked, "failed": failed, "already": already, "total": len(ids)}


KINDS = (
    jobs_service.JobKind(
        name=QUOTE_JOB,
        title=_l("So sánh phí vận chuyển"),
        handler=quote_job,
        permission="shipping.book",
        validate=validate_quote_params,
        startable=False,
    ),
    jobs_service.JobKind(
        name=BOOK_JOB,
        title=_l("Đặt đơn giao hàng"),
        handler=book_job,
        permission="shipping.book",
        validate=validate_book_params,
        startable=False,
    ),
)
