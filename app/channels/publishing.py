"""Pushing listings to marketplaces without ever creating one twice.

The rules, in the order they matter:
- a listing is pushed by one worker at a time: a lease taken with a
  compare-and-set UPDATE (expired leases can be taken over);
- ``create_attempted`` is committed before a create is sent, and after that
  any attempt first looks the product up by SKU on the marketplace;
- the external id is committed the moment it is known;
- 429/5xx/timeouts are retried with jittered backoff (Retry-After honoured),
  rate limits never use up attempts, validation errors are never retried.

``run`` is the scheduler a publish job runs: listings wait in a ready-time
queue, so a listing waiting out its backoff never holds up the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import heapq
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.channels import accounts, adapters, listings, messages
from app.core import clock, errors, i18n, tenancy, uow
from app.core.i18n import N_
from app.models import channels
from integrations import base, retry
from integrations import errors as channel_errors

log = logging.getLogger(__name__)

State = channels.ListingState
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8  # failed calls (not counting rate limits) before a listing is marked failed
LEASE_BUSY_RETRY = 1.0
# Waits longer than this leave the listing queued for a later job instead of holding this one.
MAX_WAIT_IN_JOB = 120.0
ACTIVE_STATES = (State.QUEUED, State.PUBLISHING, State.LIVE)
OUTAGE_THRESHOLD = 10
OUTAGE_PAUSE_SECONDS = 300.0
OUTAGE_MAX_PAUSE_SECONDS = 3600.0


@dataclasses.dataclass
class Options:
    factory: adapters.AdapterFactory = dataclasses.field(
        default_factory=lambda: adapters.current_factory()
    )
    now: clock.Clock = clock.utcnow
    owner: str = dataclasses.field(default_factory=accounts.worker_name)
    rng: random.Random = dataclasses.field(default_factory=random.Random)
    backoff_base: float = retry.BASE_SECONDS
    sleep: Callable[[float], None] = time.sleep
    # Outage breaker: this many server errors in a row from one shop (whatever the listing)
    # pause that shop's pushes for outage_pause seconds, doubling while it stays down.
    outage_threshold: int = OUTAGE_THRESHOLD
    outage_pause: float = OUTAGE_PAUSE_SECONDS


def _take_lease(session: so.Session, listing_id: int, opts: Options) -> bool:
    now = opts.now()
    L = channels.Listing
    result = session.execute(
        sa.update(L)
        .where(
            L.id == listing_id,
            sa.or_(L.lease_until.is_(None), L.lease_until < now, L.lease_owner == opts.owner),
        )
        .values(lease_owner=opts.owner, lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    uow.checkpoint(session, "the lease, taken or not, before any marketplace call")
    return uow.affected(result) == 1


def _release(session: so.Session, listing_id: int, opts: Options) -> None:
    L = channels.Listing
    session.execute(
        sa.update(L)
        .where(L.id == listing_id, L.lease_owner == opts.owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    uow.checkpoint(session, "the lease goes: another worker may push it")


def push(session: so.Session, listing_id: int, opts: Options) -> float | None:
    """One attempt at bringing a listing in line with the catalog.

    Returns None when the listing has settled (live, needs action, failed,
    paused) or seconds to wait before the next attempt.
    """
    if not _take_lease(session, listing_id, opts):
        listing = session.get(channels.Listing, listing_id)
        if listing is None:
            return None
        session.refresh(listing)
        return None if listing.state.settled else LEASE_BUSY_RETRY
    try:
        return _push_leased(session, listing_id, opts)
    finally:
        uow.discard(session, "what the attempt left unsaved goes")
        _release(session, listing_id, opts)


def _push_leased(session: so.Session, listing_id: int, opts: Options) -> float | None:
    listing = session.get(channels.Listing, listing_id)
    if listing is None:
        return None
    session.refresh(listing)
    if listing.state not in ACTIVE_STATES:
        return None
    account = listing.account
    try:
        adapter = opts.factory(account)
    except adapters.UnsafeAddress as exc:  # the shop's API address fails the SSRF guard
        uow.discard(session, "the failed attempt's unsaved writes go; its outcome is kept")
        listing.state = State.FAILED
        messages.store(listing, exc.record)
        _outcome(session)
        return None
    except errors.AppError as exc:  # e.g. no CREDENTIALS_KEY: a message of the app's own
        uow.discard(session, "the failed attempt's unsaved writes go; its outcome is kept")
        listing.state, listing.last_error = State.FAILED, exc.message
        listing.error_code, listing.error_fields = exc.code, exc.fields or None
        _outcome(session)
        return None
    if adapter.kind is not base.Kind.API:
        return None
    session.refresh(account, ["outage_until"])
    if account.outage_until is not None and account.outage_until > opts.now():
        return _wait_out_outage(session, listing, account.outage_until, opts)
    product = listing.product
    before = _progress_marks(listing)
    try:
        if listings.certificate_blocks(product, listing, opts.now):
            _pause_for_certificate(session, listing, adapter, opts)
            return None
        draft = listings.draft_for(session, listing)
        problems = adapter.validate(draft)
        if problems:
            return _needs_action(
                session,
                listing,
                messages.Record("local_validation", fields=messages.problems_json(problems)),
            )
        digest = listings.payload_hash(draft)
        if listing.state == State.LIVE and listing.payload_hash == digest:
            return None  # nothing changed since the last sync
        if listing.state == State.QUEUED:
            listing.state = State.PUBLISHING
            uow.checkpoint(session, "publishing shows before the slow marketplace calls")
        tokens, version = accounts.fresh_tokens(
            session, account, adapter, now=opts.now, owner=opts.owner
        )
        try:
            _sync(session, listing, adapter, tokens, draft)
        except channel_errors.AuthExpired:
            tokens, version = accounts.fresh_tokens(
                session, account, adapter, now=opts.now, owner=opts.owner, stale_version=version
            )
            _sync(session, listing, adapter, tokens, draft)
        listing.state = State.LIVE
        listing.payload_hash = digest
        listing.last_synced_at = opts.now()
        listing.attempts, listing.next_attempt_at = 0, None
        messages.clear(listing)
        listing.paused_reason = None
        _marketplace_answered(session, account.id)
        _outcome(session)
        return None
    except channel_errors.ValidationFailed as exc:
        uow.discard(session, "the failed attempt's unsaved writes go; its outcome is kept")
        _marketplace_answered(session, account.id)
        return _needs_action(session, listing, messages.record_of(exc))
    except channel_errors.AuthExpired as exc:
        uow.discard(session, "the failed attempt's unsaved writes go; its outcome is kept")
        return _needs_action(session, listing, messages.record_of(exc))
    except (channel_errors.RateLimited, channel_errors.TransientError) as exc:
        uow.discard(session, "the failed attempt's unsaved writes go; its outcome is kept")
        if _progress_marks(listing) != before:
            listing.attempts = 0  # this push got further than the last: not stuck
        if isinstance(exc, channel_errors.TransientError):
            until = _count_server_error(session, account.id, opts)
            if until is not None:  # the marketplace is down: wait, without using up attempts
                return _wait_out_outage(session, listing, until, opts)
        return _later(session, listing, exc, opts)
    except channel_errors.ChannelError as exc:
        uow.discard(session, "the failed attempt's unsaved writes go; its outcome is kept")
        log.info(
            "listing %s refused by the marketplace: %s [%s]", listing_id, exc.message, exc.code
        )
        listing.state = State.FAILED
        messages.store(listing, messages.record_of(exc))
        _outcome(session)
        return None


def _outcome(session: so.Session) -> None:
    uow.checkpoint(session, "the attempt's outcome: the listing page and the next push read it")


def _progress_marks(listing: channels.Listing) -> tuple[object, ...]:
    """What a push commits step by step (uploaded images, the bound external id)."""
    return (len(listing.image_ids or {}), listing.external_id, len(listing.sku_ids or {}))


def _sync(
    session: so.Session,
    listing: channels.Listing,
    adapter: base.ChannelAdapter,
    tokens: base.Tokens,
    draft: base.ListingDraft,
) -> None:
    draft = _with_uploaded_images(session, listing, adapter, tokens, draft)
    if listing.external_id is None:
        remote = None
        if listing.create_attempted:
            remote = _find(adapter, tokens, draft)
            if remote is not None:
                _bind(session, listing, remote)
                remote = adapter.complete_listing(tokens, remote, draft)
                _bind(session, listing, remote)
                # The earlier create may carry older numbers: send the current ones.
                adapter.update_price_stock(tokens, remote, draft.skus)
                return
        listing.create_attempted = True
        uow.checkpoint(session, "before sending: from here on, retries look up by SKU first")
        remote = adapter.create_listing(tokens, draft)
        _bind(session, listing, remote)
        return
    remote = base.RemoteListing(external_id=listing.external_id, sku_ids=dict(listing.sku_ids))
    if not {sku.seller_sku for sku in draft.skus} <= set(remote.sku_ids):
        remote = adapter.complete_listing(tokens, remote, draft)  # an interrupted create
        _bind(session, listing, remote)
    if listing.state == State.PAUSED or listing.paused_reason:
        adapter.activate(tokens, remote)
    adapter.update_price_stock(tokens, remote, draft.skus)


def _find(
    adapter: base.ChannelAdapter, tokens: base.Tokens, draft: base.ListingDraft
) -> base.RemoteListing | None:
    for sku in draft.skus:
        found = adapter.find_by_sku(tokens, sku.seller_sku)
        if found is not None:
            return found
    return None


def _bind(session: so.Session, listing: channels.Listing, remote: base.RemoteListing) -> None:
    listing.external_id = remote.external_id
    listing.sku_ids = dict(remote.sku_ids)
    listing.url = remote.url or listing.url
    uow.checkpoint(session, "the remote listing the moment it is known")


def _with_uploaded_images(
    session: so.Session,
    listing: channels.Listing,
    adapter: base.ChannelAdapter,
    tokens: base.Tokens,
    draft: base.ListingDraft,
) -> base.ListingDraft:
    if base.Capability.UPLOAD_IMAGE not in adapter.capabilities:
        return draft
    uploaded = dict(listing.image_ids or {})
    refs = []
    for image, ref in zip(listing.product.images, draft.images, strict=True):
        key = str(image.id)
        if key not in uploaded:
            uploaded[key] = adapter.upload_image(tokens, ref.path)
            listing.image_ids = dict(uploaded)
            uow.checkpoint(session, "each uploaded image at once: a retry does not send it again")
        refs.append(dataclasses.replace(ref, remote_id=uploaded[key]))
    return dataclasses.replace(draft, images=tuple(refs))


def _needs_action(
    session: so.Session, listing: channels.Listing, record: messages.Record
) -> float | None:
    listing.state = State.NEEDS_ACTION
    messages.store(listing, record)
    listing.next_attempt_at = None
    _outcome(session)
    return None


def _later(
    session: so.Session, listing: channels.Listing, exc: channel_errors.ChannelError, opts: Options
) -> float | None:
    counts = not isinstance(exc, channel_errors.RateLimited)
    attempts = listing.attempts + (1 if counts else 0)
    delay = retry.delay_for(exc, max(1, attempts), base=opts.backoff_base, rng=opts.rng) or 0.0
    listing.attempts = attempts
    record = messages.record_of(exc)
    # The page shows the code's sentence; the adapter's English text (no secrets: query
    # strings are cut by integrations.http) stays here, for whoever reads the logs.
    log.info("listing %s: %s [%s], attempt %d", listing.id, exc.message, exc.code, attempts)
    if counts and attempts >= MAX_ATTEMPTS:
        listing.state = State.FAILED
        gave_up = {"n": attempts, "reason": record.code, **record.params}
        messages.store(listing, messages.Record("gave_up", gave_up, record.fields))
        listing.next_attempt_at = None
        _outcome(session)
        return None
    messages.store(listing, record)
    if listing.state == State.PUBLISHING:
        listing.state = State.QUEUED
    listing.next_attempt_at = opts.now() + dt.timedelta(seconds=delay)
    _outcome(session)
    return delay


def _marketplace_answered(session: so.Session, account_id: int) -> None:
    """A real answer from the marketplace ends any outage streak of this shop."""
    account = channels.ChannelAccount
    session.execute(
        sa.update(account)
        .where(account.id == account_id)
        .where(sa.or_(account.failures_in_row != 0, account.outage_until.is_not(None)))
        .values(failures_in_row=0, outage_until=None)
        .execution_options(synchronize_session=False)
    )


def _count_server_error(session: so.Session, account_id: int, opts: Options) -> dt.datetime | None:
    """Count one more server error in a row for the shop (atomic across workers); past the
    threshold, start (or lengthen) an outage pause and return its end."""
    account = channels.ChannelAccount
    session.execute(
        sa.update(account)
        .where(account.id == account_id)
        .values(failures_in_row=account.failures_in_row + 1)
        .execution_options(synchronize_session=False)
    )
    failures = session.scalar(sa.select(account.failures_in_row).where(account.id == account_id))
    if failures is None or failures < opts.outage_threshold:
        uow.checkpoint(session, "the shop's server errors in a row, counted across workers")
        return None
    pause = min(
        opts.outage_pause * 2 ** min(failures - opts.outage_threshold, 16),
        max(opts.outage_pause, OUTAGE_MAX_PAUSE_SECONDS),
    )
    until = opts.now() + dt.timedelta(seconds=pause)
    session.execute(
        sa.update(account)
        .where(account.id == account_id)
        .values(outage_until=until)
        .execution_options(synchronize_session=False)
    )
    uow.checkpoint(session, "the shop's outage pause, seen by every worker")
    log.warning(
        "channel account %s: %d server errors in a row; pausing pushes for %.0f s",
        account_id,
        failures,
        pause,
    )
    return until


def _wait_out_outage(
    session: so.Session, listing: channels.Listing, until: dt.datetime, opts: Options
) -> float:
    """Leave the listing queued until the shop's outage pause ends (no attempt used)."""
    if listing.state == State.PUBLISHING:
        listing.state = State.QUEUED
    listing.next_attempt_at = until
    messages.store(listing, messages.Record("outage", {"until": until.isoformat()}))
    _outcome(session)
    return max(1.0, (until - opts.now()).total_seconds())


def _pause_for_certificate(
    session: so.Session, listing: channels.Listing, adapter: base.ChannelAdapter, opts: Options
) -> None:
    if listing.external_id and listing.state == State.LIVE:
        tokens, _version = accounts.fresh_tokens(
            session, listing.account, adapter, now=opts.now, owner=opts.owner
        )
        adapter.deactivate(tokens, base.RemoteListing(listing.external_id, dict(listing.sku_ids)))
    listing.state, listing.paused_reason = State.PAUSED, "certificate"
    messages.store(listing, messages.Record("certificate_paused"))
    _outcome(session)


# --- the scheduler a job runs --------------------------------------------------------


@dataclasses.dataclass
class Summary:
    total: int = 0
    live: int = 0
    needs_action: int = 0
    failed: int = 0
    paused: int = 0
    waiting: int = 0  # left queued for a later job (long quota waits)
    next_attempt_in: float | None = None

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def run(
    session: so.Session,
    listing_ids: Sequence[int],
    opts: Options,
    progress: Callable[[int, str | Mapping[str, Any]], None] = lambda pct, msg: None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Summary:
    """Push every listing until each has settled; retries are interleaved, not waited for."""
    ids = list(dict.fromkeys(listing_ids))
    summary = Summary(total=len(ids))
    ready: list[tuple[float, int]] = [(0.0, i) for i in ids]
    heapq.heapify(ready)
    settled = 0
    start = monotonic()
    while ready:
        due, listing_id = heapq.heappop(ready)
        wait = due - (monotonic() - start)
        if wait > 0:
            opts.sleep(wait)
        delay = push(session, listing_id, opts)
        if delay is None:
            settled += 1
            progress(
                settled * 100 // max(1, summary.total),
                i18n.deferred(
                    N_("Đã xử lý %(done)d/%(total)d sản phẩm"), done=settled, total=summary.total
                ),
            )
            continue
        if delay > MAX_WAIT_IN_JOB:
            summary.waiting += 1
            soonest = summary.next_attempt_in
            summary.next_attempt_in = delay if soonest is None else min(soonest, delay)
            settled += 1
            continue
        heapq.heappush(ready, (monotonic() - start + delay, listing_id))
    for listing in session.scalars(sa.select(channels.Listing).where(channels.Listing.id.in_(ids))):
        if listing.state == State.LIVE:
            summary.live += 1
        elif listing.state == State.NEEDS_ACTION:
            summary.needs_action += 1
        elif listing.state == State.FAILED:
            summary.failed += 1
        elif listing.state == State.PAUSED:
            summary.paused += 1
    return summary


# --- remote actions a seller takes one at a time ------------------------------------


@dataclasses.dataclass(frozen=True)
class _Remote:
    """The marketplace side of one listing action: the session, the adapters and the clock."""

    session: so.Session
    factory: adapters.AdapterFactory | None
    now: clock.Clock

    def call(
        self,
        listing: channels.Listing,
        action: Callable[[base.ChannelAdapter, base.Tokens, base.RemoteListing], None],
    ) -> None:
        """Run ``action`` on the listing's marketplace (API channels with a bound listing)."""
        if not listing.external_id:
            return
        adapter = (self.factory or adapters.current_factory())(listing.account)
        if adapter.kind is not base.Kind.API:
            return
        try:
            tokens, _version = accounts.fresh_tokens(
                self.session, listing.account, adapter, now=self.now
            )
            action(adapter, tokens, base.RemoteListing(listing.external_id, dict(listing.sku_ids)))
        except channel_errors.ChannelError as exc:
            raise errors.Conflict(messages.describe(exc)) from exc


class _ListingAction:
    """A service on one writable listing of the scope, found by id (a 404 otherwise), run as
    one unit of work; the action gets the listing and its marketplace side."""

    def __init__(self, act: Callable[[channels.Listing, _Remote], channels.Listing]) -> None:
        self.act = act
        functools.update_wrapper(self, act)

    def __call__(
        self,
        session: so.Session,
        listing_id: int,
        factory: adapters.AdapterFactory | None = None,
        now: clock.Clock = clock.utcnow,
        *,
        scope: tenancy.Scope,
    ) -> channels.Listing:
        with uow.unit_of_work(session):
            listing = listings.get_listing(session, listing_id, scope=scope)
            scope.check_writable()
            return self.act(listing, _Remote(session, factory, now))


@_ListingAction
def pause(listing: channels.Listing, remote: _Remote) -> channels.Listing:
    """Take a live listing off sale for now (unlisted on the marketplace, kept bound)."""
    if listing.state not in (State.LIVE, State.QUEUED, State.NEEDS_ACTION, State.FAILED):
        raise errors.Conflict(_("Tin đăng này không tạm dừng được ở trạng thái hiện tại."))
    remote.call(listing, lambda a, t, r: a.deactivate(t, r))
    listing.state, listing.paused_reason = State.PAUSED, "seller"
    messages.clear(listing)
    return listing


@_ListingAction
def resume(listing: channels.Listing, remote: _Remote) -> channels.Listing:
    """Put a paused listing back on sale (a new sync sends current price and stock)."""
    if listing.state != State.PAUSED:
        raise errors.Conflict(_("Chỉ mở lại được tin đang tạm dừng."))
    if listings.certificate_blocks(listing.product, listing, remote.now):
        raise errors.Conflict(_("Giấy chứng nhận OCOP đã hết hạn: gia hạn hoặc chọn “Vẫn bán”."))
    remote.call(listing, lambda a, t, r: a.activate(t, r))
    listing.state = State.QUEUED if listing.external_id is None else State.LIVE
    listing.paused_reason, listing.payload_hash = None, None  # forces a price/stock sync
    return listing


@_ListingAction
def delist(listing: channels.Listing, remote: _Remote) -> channels.Listing:
    """Stop selling on this channel: unlisted remotely, binding kept (no duplicate later)."""
    if listing.state == State.DELISTED:
        return listing
    if listing.state == State.PUBLISHING:
        raise errors.Conflict(_("Đang đăng, hãy chờ xong rồi gỡ."))
    remote.call(listing, lambda a, t, r: a.deactivate(t, r))
    listing.state, listing.paused_reason = State.DELISTED, None
    return listing
