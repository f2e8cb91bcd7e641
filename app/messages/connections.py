"""A club's message connections: its Zalo app and Official Account (serving ZNS and OA
messages; connected by the OA's admin through Zalo's consent page, OAuth v4 with PKCE) and
its Facebook Page (Messenger: the Page's id and token).

Secrets (app secret, OA secret key, Page token, Meta app secret) are sealed with the install's
credentials key (the vault of ``app/channels/adapters.py``); ``config`` keeps what may be
shown. The OA's token pair is sealed in ``tokens_enc`` and kept by ``ConnectionTokens``, the
library's ``TokenStore``: a refresh runs under the connection's row lock (``SELECT … FOR NO KEY
UPDATE`` on PostgreSQL, the write lock on SQLite) and saves both tokens in one transaction,
only over the pair it replaced.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.channels import adapters
from app.core import errors, tenancy, uow
from app.models import accounts
from app.models import messages as models
from app.orders import locks
from integrations import base
from integrations import errors as channel_errors
from integrations.messages import base as messages
from integrations.messages import registry
from integrations.messages.zalo_oa import ZaloChannel

log = logging.getLogger(__name__)

Status = models.ConnectionStatus
ZALO, MESSENGER = "zalo", "messenger"
PROVIDERS = (ZALO, MESSENGER)
CHANNELS = ("zalo_zns", "zalo_oa", "messenger")
PROVIDER_OF = {"zalo_zns": ZALO, "zalo_oa": ZALO, "messenger": MESSENGER}

# What each provider's form takes: shown settings, then sealed ones.
SHOWN = {
    ZALO: ("app_id", "oauth_base_url", "oa_api_base_url", "zns_api_base_url", "mode"),
    MESSENGER: ("page_id", "api_base_url"),
}
SEALED = {ZALO: ("app_secret", "oa_secret"), MESSENGER: ("page_access_token", "app_secret")}
REQUIRED = {ZALO: ("app_id", "app_secret"), MESSENGER: ("page_id", "page_access_token")}


# --- reading ---------------------------------------------------------------------------------


def connections_for(session: so.Session, user: accounts.User) -> list[models.MessageConnection]:
    row = models.MessageConnection
    return tenancy.scope_for(session, user).rows(session, row, row.provider, row.id)


def get_connection(
    session: so.Session, user: accounts.User, connection_id: int
) -> models.MessageConnection:
    scope = tenancy.scope_for(session, user)
    return scope.find(session, models.MessageConnection, connection_id, _("Không tìm thấy kênh."))


def of_club(session: so.Session, club_id: int, provider: str) -> models.MessageConnection | None:
    return session.scalar(
        sa.select(models.MessageConnection).where(
            models.MessageConnection.club_id == club_id,
            models.MessageConnection.provider == provider,
        )
    )


# --- saving settings -------------------------------------------------------------------------


def _checked(provider: str, settings: Mapping[str, str]) -> dict[str, str]:
    if provider not in PROVIDERS:
        raise errors.ValidationError(fields={"provider": [_("Kênh không hỗ trợ.")]})
    given = {k: str(settings.get(k) or "").strip() for k in (*SHOWN[provider], *SEALED[provider])}
    fields: dict[str, list[str]] = {}
    for name in REQUIRED[provider]:
        if not given[name]:
            fields[name] = [_("Bắt buộc.")]
    for name, value in given.items():
        problem = adapters.url_problem(value) if value and name.endswith("_url") else None
        if problem:
            fields[name] = [problem]
    if given.get("mode") not in (None, "", "development"):
        fields["mode"] = [_("Để trống, hoặc “development” để thử với quản trị viên OA.")]
    if fields:
        raise errors.ValidationError(fields=fields)
    return given


@uow.transactional
def save_settings(
    session: so.Session,
    user: accounts.User,
    provider: str,
    settings: Mapping[str, str],
    *,
    webhook_key: str = "",
) -> models.MessageConnection:
    """Store the club's settings for ``provider`` (a secret left empty keeps the stored one).
    Messenger is connected at once; Zalo waits for the OA admin's consent (``begin_zalo``).
    A new connection's webhook address gets a random key, or ``webhook_key`` (the demo's
    fixed one, which its sandbox calls). Commits."""
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    club_id = scope.home_club()
    row = of_club(session, club_id, provider)
    sealed = adapters.vault().open(row.secrets_enc) if row is not None else {}
    given = dict(settings)
    for name in SEALED.get(provider, ()):
        if not str(given.get(name) or "").strip() and sealed.get(name):
            given[name] = sealed[name]
    checked = _checked(provider, given)
    if row is None:
        row = models.MessageConnection(
            club_id=club_id,
            provider=provider,
            webhook_key=webhook_key or secrets.token_urlsafe(24),
            created_by_id=user.id,
        )
        session.add(row)
    row.config = {k: checked[k] for k in SHOWN[provider] if checked[k]}
    row.secrets_enc = adapters.vault().seal({k: checked[k] for k in SEALED[provider] if checked[k]})
    if provider == MESSENGER:
        row.status, row.problem = Status.CONNECTED, None
    elif not row.tokens_enc:
        row.status = Status.AWAITING_CONSENT
    return row


def channel_config(row: models.MessageConnection, channel: str) -> dict[str, str]:
    """The library's settings for ``channel`` over this connection (secrets opened here)."""
    shown = {k: str(v) for k, v in (row.config or {}).items()}
    sealed = {k: str(v) for k, v in adapters.vault().open(row.secrets_enc).items()}
    if row.provider == MESSENGER:
        config = {"page_id": shown.get("page_id", ""), **sealed}
        if shown.get("api_base_url"):
            config["api_base_url"] = shown["api_base_url"]
        return config
    config = {"app_id": shown.get("app_id", ""), **sealed}
    if shown.get("oauth_base_url"):
        config["oauth_base_url"] = shown["oauth_base_url"]
    api = shown.get("zns_api_base_url" if channel == "zalo_zns" else "oa_api_base_url")
    if api:
        config["api_base_url"] = api
    if channel == "zalo_zns" and shown.get("mode"):
        config["mode"] = shown["mode"]
    return config


def channel_for(
    session: so.Session, row: models.MessageConnection, channel: str
) -> messages.MessageChannel:
    """The library's channel ``channel`` for this connection (Zalo's with its token store)."""
    config = channel_config(row, channel)
    cls = registry.get(channel)
    if row.provider == ZALO:
        return cls(config, tokens=ConnectionTokens(session.get_bind(), row.id))
    return cls(config)


# --- Zalo: the OA admin's consent ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Consent:
    url: str
    state: str
    code_verifier: str  # kept in the admin's browser session until Zalo sends them back


def _zalo(session: so.Session, row: models.MessageConnection) -> ZaloChannel:
    channel = registry.get("zalo_oa")(channel_config(row, "zalo_oa"))
    assert isinstance(channel, ZaloChannel)
    return channel


def begin_zalo(
    session: so.Session, user: accounts.User, connection_id: int, redirect_uri: str
) -> Consent:
    """The OA admin's consent link (fresh PKCE verifier and one-time state). Commits."""
    with uow.unit_of_work(session):
        row = get_connection(session, user, connection_id)
        tenancy.scope_for(session, user).check_writable()
        if row.provider != ZALO:
            raise errors.Conflict(_("Kênh này không kết nối qua Zalo."))
        consent = _zalo(session, row).consent(redirect_uri)
        row.oauth_state = consent.state
    return Consent(consent.url, consent.state, consent.code_verifier)


def finish_zalo(
    session: so.Session,
    user: accounts.User,
    params: Mapping[str, str],
    code_verifier: str,
) -> models.MessageConnection:
    """Zalo's redirect back: check the state, trade the code (with the PKCE verifier) for the
    OA's pair and keep it sealed. Commits."""
    scope = tenancy.scope_for(session, user)
    state = str(params.get("state") or "")
    row = tenancy.awaiting_consent(session, models.MessageConnection, state, scope)
    with uow.unit_of_work(session):
        row.oauth_state = None
        code = str(params.get("code") or "")
        if not code or not code_verifier:
            raise errors.ValidationError(_("Zalo không trả về mã cấp quyền (đã từ chối?)."))
        try:
            tokens = _zalo(session, row).connect(code, code_verifier)
        except channel_errors.ChannelError as exc:
            raise errors.ValidationError(
                _("Zalo từ chối kết nối (%(code)s).", code=exc.code or exc.reason)
            ) from exc
        if params.get("oa_id"):
            row.config = {**(row.config or {}), "oa_id": str(params["oa_id"])}
        _store(row, tokens)
    return row


def mark_reconnect(session: so.Session, connection_id: int, problem: Mapping[str, Any]) -> None:
    """The channel refused the connection's tokens: it needs its admin again. Commits."""
    with uow.unit_of_work(session):
        row = session.get(models.MessageConnection, connection_id)
        if row is not None:
            row.status, row.problem = Status.RECONNECT_NEEDED, dict(problem)


# --- the OA's token pair -----------------------------------------------------------------------


def _store(row: models.MessageConnection, tokens: base.Tokens) -> None:
    row.tokens_enc = adapters.seal_tokens(tokens)
    row.token_version = (row.token_version or 0) + 1
    row.status, row.problem = Status.CONNECTED, None


class ConnectionTokens:
    """The library's ``TokenStore`` for one connection, on its own sessions (the caller's
    transaction is not touched): ``load`` reads the pair again each time; ``refreshing`` holds
    the connection's row lock while a refresh runs; ``save`` writes both tokens in one
    transaction, only where the stored refresh token is still the one replaced."""

    def __init__(self, bind: sa.Engine | sa.Connection, connection_id: int) -> None:
        self.bind = bind
        self.connection_id = connection_id
        self._locked: so.Session | None = None

    def _row(self, session: so.Session) -> models.MessageConnection:
        row = session.scalars(
            sa.select(models.MessageConnection)
            .where(models.MessageConnection.id == self.connection_id)
            .execution_options(populate_existing=True)
        ).first()
        if row is None:
            raise channel_errors.AuthExpired("connection removed", reason="not_connected")
        return row

    def load(self) -> base.Tokens:
        if self._locked is not None:
            return self._pair(self._row(self._locked))
        with so.Session(bind=self.bind) as session:
            return self._pair(self._row(session))

    def _pair(self, row: models.MessageConnection) -> base.Tokens:
        tokens = adapters.sealed_tokens(row.tokens_enc)
        if tokens is None:
            raise channel_errors.AuthExpired("not connected", reason="not_connected")
        return tokens

    def save(self, new: base.Tokens, *, replacing: base.Tokens) -> None:
        if self._locked is not None:
            self._write(self._locked, new, replacing)
            return
        with so.Session(bind=self.bind) as session, uow.unit_of_work(session):
            locks.lock_rows(session, models.MessageConnection, [self.connection_id])
            self._write(session, new, replacing)

    def _write(self, session: so.Session, new: base.Tokens, replacing: base.Tokens) -> None:
        row = self._row(session)
        current = adapters.sealed_tokens(row.tokens_enc)
        if current is not None and current.refresh_token != replacing.refresh_token:
            log.warning("connection %s: a newer token pair is stored; kept", row.id)
            return
        _store(row, new)
        session.flush()

    @contextlib.contextmanager
    def refreshing(self) -> Iterator[object]:
        with so.Session(bind=self.bind) as session, uow.unit_of_work(session):
            locks.lock_rows(session, models.MessageConnection, [self.connection_id])
            self._locked = session
            try:
                yield session
            finally:
                self._locked = None
