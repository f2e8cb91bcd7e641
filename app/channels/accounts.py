"""Channel accounts: create, connect (OAuth-style), and tokens refreshed single-flight.

Every shop is run by one club (``club_id``): its staff alone reach the shop, its listings
and its stored credentials (``app.tenancy``); another club's shop answers 404. A shop is the
club's own (``owner="club:<id>"``) or one of the club's producers' own shop run by the club
(``owner="producer:<id>"``, ``producer_id`` set).

Refresh tokens are single-use on every marketplace, so at most one worker may
refresh an account at a time: it takes a short lease with a compare-and-set
UPDATE on (token_version, lease), refreshes, stores the new tokens and bumps
``token_version``; every other worker waits for the version to change and
then uses the stored tokens.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import time
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.channels import adapters, messages
from app.core import clock, errors, links, tenancy, uow, validators
from app.core.text import has_controls
from app.models import accounts, channels, orgs
from integrations import base, registry
from integrations import errors as channel_errors
from vietnam import text

log = logging.getLogger(__name__)

Status = channels.AccountStatus
CONFIG_MAX_LENGTH = 2000  # a key, an id, a shop name: never more
CONNECT_URL_MAX_LENGTH = 4000  # the authorize page with its signed query
REFRESH_MARGIN = dt.timedelta(minutes=5)
REFRESH_LEASE = dt.timedelta(seconds=60)
WAIT_STEP_SECONDS = 0.1


def worker_name() -> str:
    """A lease owner name unique to this worker (host, process, a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[-64:]


def marketplaces() -> list[tuple[str, type[base.ChannelAdapter]]]:
    return [(name, registry.get(name)) for name in registry.names()]


def list_accounts(session: so.Session, scope: tenancy.Scope) -> list[channels.ChannelAccount]:
    """The shops of the scope's clubs, by marketplace and name."""
    shop = channels.ChannelAccount
    return scope.rows(session, shop, shop.marketplace, shop.name)


def get_account(
    session: so.Session, account_id: int, *, scope: tenancy.Scope
) -> channels.ChannelAccount:
    """A shop of the scope's clubs; any other answers 404."""
    return scope.find(session, channels.ChannelAccount, account_id, _("Không tìm thấy kênh bán."))


def _site(host: str) -> str:
    """'partner.test-stable.shopeemobile.com' → 'shopeemobile.com'."""
    return ".".join(host.lower().rstrip(".").split(".")[-2:])


def marketplace_sites(adapter_cls: type[base.ChannelAdapter]) -> frozenset[str]:
    """The domains of a marketplace's built-in addresses (its config fields' defaults)."""
    hosts = (
        urllib.parse.urlsplit(field.default).hostname
        for field in adapter_cls.config_schema
        if field.is_address and field.default
    )
    return frozenset(_site(host) for host in hosts if host)


def address_problem(
    adapter_cls: type[base.ChannelAdapter], value: str, *, max_length: int = links.MAX_LENGTH
) -> str | None:
    """Why a shop address may not be used: the app's link check (https only in production)
    and, in production, a host off the marketplace's own domains (``marketplace_sites``)."""
    production = links.https_only()
    problem = links.url_problem(value, https_only=production, max_length=max_length)
    if problem or not production:
        return problem
    sites = marketplace_sites(adapter_cls)
    host = urllib.parse.urlsplit(value).hostname or ""
    if sites and _site(host) not in sites:
        return _("Địa chỉ phải thuộc tên miền của sàn (%(sites)s).", sites=", ".join(sorted(sites)))
    return None


def _config_problem(
    adapter_cls: type[base.ChannelAdapter], field: base.ConfigField, value: str
) -> str | None:
    if field.is_address:
        problem = address_problem(adapter_cls, value)
        if problem is None and field.name.endswith("_url"):  # the app sends requests there
            problem = adapters.url_problem(value)
        return problem
    if has_controls(value):
        return _("Không được chứa ký tự điều khiển (xuống dòng, tab…).")
    if len(value) > CONFIG_MAX_LENGTH:
        return _("Tối đa %(n)d ký tự.", n=CONFIG_MAX_LENGTH)
    return None


def _active_club(session: so.Session, scope: tenancy.Scope, club_id: int | None) -> bool:
    club = session.get(orgs.Club, club_id) if club_id is not None else None
    return club is not None and scope.sees_club(club.id) and not club.is_archived


def _owner(
    session: so.Session,
    scope: tenancy.Scope,
    data: Mapping[str, Any],
    fields: dict[str, list[str]],
    current: channels.ChannelAccount | None,
) -> tuple[int | None, int | None]:
    """(club id, producer id) of the shop from ``owner`` ("club:3" or "producer:7") and, for
    a producer's shop, ``club_id`` (admins pick it; otherwise the scope's home club).

    Only clubs of the scope (active ones, unless the shop already is there), and only
    producers that club works with; anything else is the same 422, confirming nothing.
    """
    owner = str(data.get("owner") or "").strip()
    kind, _sep, raw_id = owner.partition(":")
    owner_id = validators.parse_id(raw_id)
    kept = current.club_id if current is not None else None
    if kind == "club" and owner_id is not None:
        if owner_id == kept or _active_club(session, scope, owner_id):
            return owner_id, None
    elif kind == "producer" and owner_id is not None:
        club_id = validators.parse_id(data.get("club_id"))
        if club_id is None:
            club_id = kept if kept is not None and scope.every_club else scope.home_club_id
        if club_id is None:
            fields["club_id"] = [_("Chọn câu lạc bộ vận hành gian hàng.")]
            return None, None
        if club_id != kept and not _active_club(session, scope, club_id):
            fields["club_id"] = [_("Chọn câu lạc bộ vận hành gian hàng.")]
            return None, None
        linked = session.scalar(
            tenancy.producers_of_club(club_id).where(orgs.club_producers.c.producer_id == owner_id)
        )
        if linked is not None and scope.sees_club(club_id):
            return club_id, owner_id
    fields["owner"] = [_("Chọn CLB hoặc một chủ thể mà CLB làm việc cùng.")]
    return None, None


@uow.transactional
def save_account(
    session: so.Session,
    user: accounts.User,
    data: Mapping[str, Any],
    account_id: int | None = None,
) -> channels.ChannelAccount:
    """Create or update an account of the user's club (see ``_owner``). Secret fields left
    blank keep their stored value."""
    scope = tenancy.scope_for(session, user)
    account = get_account(session, account_id, scope=scope) if account_id is not None else None
    scope.check_writable()
    marketplace = account.marketplace if account else str(data.get("marketplace") or "")
    fields: dict[str, list[str]] = {}
    if marketplace not in registry.names():
        raise errors.ValidationError(fields={"marketplace": [_("Sàn không được hỗ trợ.")]})
    adapter_cls = registry.get(marketplace)
    name = text.nfc(str(data.get("name") or "").strip())
    if not 1 <= len(name) <= 120:
        fields["name"] = [_("Tên gian hàng cần 1–120 ký tự.")]
    elif has_controls(name):
        fields["name"] = [_("Không được chứa ký tự điều khiển (xuống dòng, tab…).")]
    club_id, producer_id = _owner(session, scope, data, fields, account)
    old_secrets = adapters.vault().open(account.secrets_enc) if account else {}
    config: dict[str, str] = {}
    secret_values: dict[str, str] = {}
    for field in adapter_cls.config_schema:
        value = text.nfc(str(data.get(f"config.{field.name}", "") or "").strip())
        if field.secret:
            value = value or str(old_secrets.get(field.name, ""))
        value = value or field.default
        problem = _config_problem(adapter_cls, field, value) if value else None
        if field.required and not value:
            fields[f"config.{field.name}"] = [_("Bắt buộc.")]
        elif problem:
            fields[f"config.{field.name}"] = [problem]
        (secret_values if field.secret else config)[field.name] = value
    category = str(data.get("default_category_id") or "").strip()
    if len(category) > 64:
        fields["default_category_id"] = [_("Mã danh mục quá dài.")]
    elif has_controls(category):
        fields["default_category_id"] = [_("Không được chứa ký tự điều khiển (xuống dòng, tab…).")]
    if fields:
        raise errors.ValidationError(fields=fields)
    sealed = adapters.vault().seal(secret_values)  # before anything is added to the session
    if account is None:
        account = channels.ChannelAccount(marketplace=marketplace, created_by_id=user.id)
        if adapter_cls.kind is base.Kind.PACK:
            account.status = Status.CONNECTED  # nothing to connect: packs are uploaded by hand
        session.add(account)
    assert club_id is not None  # _owner names a club or adds a field error (raised above)
    account.name, account.club_id, account.producer_id = name, club_id, producer_id
    account.config = {**config, "default_category_id": category}
    account.secrets_enc = sealed
    try:
        session.flush()
    except sa.exc.IntegrityError:
        raise errors.Conflict(_("Không lưu được gian hàng.")) from None
    return account


@uow.transactional
def delete_account(session: so.Session, account_id: int, *, scope: tenancy.Scope) -> None:
    account = get_account(session, account_id, scope=scope)
    scope.check_writable()
    session.delete(account)


@uow.transactional
def start_connect(
    session: so.Session,
    account_id: int,
    redirect_uri: str,
    factory: adapters.AdapterFactory | None = None,
    *,
    scope: tenancy.Scope,
) -> str:
    """The marketplace page where the seller approves access; remembers a one-time state."""
    account = get_account(session, account_id, scope=scope)
    scope.check_writable()
    try:
        adapter = (factory or adapters.current_factory())(account)
    except channel_errors.ValidationFailed as exc:  # a stored config the adapter refuses
        raise errors.Conflict(
            _(
                "Không mở được trang cấp quyền của sàn: %(why)s Hãy sửa địa chỉ trong cấu hình "
                "gian hàng.",
                why=messages.render(messages.record_of(exc)) or exc.reason,
            )
        ) from exc
    if base.Capability.CONNECT not in adapter.capabilities:
        raise errors.Conflict(_("Kênh này không cần kết nối: dùng gói đăng bán."))
    account.oauth_state = secrets.token_urlsafe(24)
    url = adapter.authorize_url(redirect_uri, account.oauth_state)
    # The browser is sent there: only ever to an address that passes the link check, whatever
    # was stored before the check existed.
    problem = address_problem(
        registry.get(account.marketplace), url, max_length=CONNECT_URL_MAX_LENGTH
    )
    if problem:
        raise errors.Conflict(  # the unit of work rolls the state back
            _(
                "Không mở được trang cấp quyền của sàn: %(why)s Hãy sửa địa chỉ trong cấu hình "
                "gian hàng.",
                why=problem,
            )
        )
    return url


@uow.transactional
def finish_connect(
    session: so.Session,
    params: Mapping[str, str],
    factory: adapters.AdapterFactory | None = None,
    *,
    scope: tenancy.Scope,
) -> channels.ChannelAccount:
    """Handle the marketplace's redirect back: check the state, trade the code for tokens.

    The state names one shop, and only a shop of the scope's clubs: a state of another
    club's shop reads as expired and is left for that club's staff to finish.
    """
    state = str(params.get("state") or "")
    account = tenancy.awaiting_consent(session, channels.ChannelAccount, state, scope)
    code = str(params.get("code") or "")
    if not code:
        raise errors.ValidationError(_("Sàn không trả về mã cấp quyền (người bán đã từ chối?)."))
    account.oauth_state = None
    try:
        tokens = (factory or adapters.current_factory())(account).exchange_code(code, dict(params))
    except channel_errors.ChannelError as exc:
        account.status = Status.NEEDS_RECONNECT
        account.last_error = messages.account_record(exc)
        uow.checkpoint(session, "the refused connection is recorded though the call fails")
        log.info("channel account %s: connect refused: %s [%s]", account.id, exc.message, exc.code)
        raise errors.ValidationError(messages.describe(exc)) from exc
    adapters.store_tokens(account, tokens)
    account.shop_label = tokens.extra.get("shop_name") or tokens.extra.get("shop_id")
    account.status, account.last_error = Status.CONNECTED, None
    return account


def fresh_tokens(
    session: so.Session,
    account: channels.ChannelAccount,
    adapter: base.ChannelAdapter,
    *,
    now: clock.Clock = clock.utcnow,
    stale_version: int | None = None,
    owner: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_wait_seconds: float = 90.0,
) -> tuple[base.Tokens, int]:
    """Usable tokens and their version, refreshing at most once across all workers.

    ``stale_version``: the marketplace refused tokens of this version (AuthExpired),
    so refresh even though they look unexpired, unless someone already has.
    """
    owner = owner or worker_name()
    waited = 0.0
    Account = channels.ChannelAccount
    while True:
        session.refresh(account)
        tokens = adapters.tokens_of(account)
        if tokens is None or account.status == Status.NEEDS_RECONNECT:
            raise channel_errors.AuthExpired(
                "channel is not connected", code="not_connected", reason="not_connected"
            )
        current = now()
        version = account.token_version
        expiring = (
            account.access_expires_at is not None
            and account.access_expires_at - REFRESH_MARGIN <= current
        )
        if not expiring and stale_version != version:
            return tokens, version
        taken = session.execute(
            sa.update(Account)
            .where(
                Account.id == account.id,
                Account.token_version == version,
                sa.or_(
                    Account.refresh_lease_until.is_(None), Account.refresh_lease_until < current
                ),
            )
            .values(refresh_lease_owner=owner, refresh_lease_until=current + REFRESH_LEASE)
            .execution_options(synchronize_session=False)
        )
        uow.checkpoint(session, "the refresh lease, taken or not, before the marketplace call")
        if uow.affected(taken) == 1:
            return _refresh_holding_lease(session, account, adapter, tokens), account.token_version
        if waited >= max_wait_seconds:
            raise channel_errors.TransientError(
                "another worker is still refreshing the token",
                code="refresh_wait",
                reason="refresh_wait",
            )
        sleep(WAIT_STEP_SECONDS)
        waited += WAIT_STEP_SECONDS


def _refresh_holding_lease(
    session: so.Session,
    account: channels.ChannelAccount,
    adapter: base.ChannelAdapter,
    tokens: base.Tokens,
) -> base.Tokens:
    session.refresh(account)
    try:
        new_tokens = adapter.refresh(tokens)
    except channel_errors.AuthExpired as exc:
        account.status = Status.NEEDS_RECONNECT
        account.last_error = messages.account_record(exc)
        account.refresh_lease_owner = account.refresh_lease_until = None
        uow.checkpoint(session, "the lease is released and the reconnect recorded")
        raise
    except channel_errors.ChannelError:
        account.refresh_lease_owner = account.refresh_lease_until = None
        uow.checkpoint(session, "the lease is released for the next try")
        raise
    if not new_tokens.extra:
        new_tokens.extra = dict(tokens.extra)
    adapters.store_tokens(account, new_tokens)
    account.refresh_lease_owner = account.refresh_lease_until = None
    account.last_error = None
    uow.checkpoint(session, "new tokens at once: the old refresh token is spent")
    log.info("refreshed tokens of channel account %s", account.id)
    return new_tokens
