"""A club's comment source accounts: a YouTube API key, a Facebook Page connected through
Facebook's consent dialog, a TikTok @name (only where the install turned TikTok on). Secrets
are sealed with the install's credentials key (the one vault of ``app/channels/adapters.py``);
``config`` keeps what may be shown.

Facebook in three steps: ``begin_facebook`` stores the app's id and secret and returns the
consent dialog's address with a one-time state; ``finish_facebook`` takes the redirect
back, trades the code for the Pages the person manages (each with its own token) and keeps
them sealed; ``choose_page`` keeps the chosen Page's token and forgets the others (one Page:
chosen at once).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.channels import adapters
from app.core import errors, tenancy, uow
from app.live import sources as live_sources
from app.models import accounts
from app.models import comments as models
from integrations import errors as source_errors
from integrations.comments import base as sources
from integrations.comments import registry as source_registry
from integrations.comments.facebook import FacebookLiveSource
from vietnam import text

Status = models.SourceStatus


def _source_class(platform: str) -> type[sources.CommentSource]:
    if not live_sources.enabled(platform):
        raise errors.ValidationError(fields={"platform": [_("Nền tảng không hỗ trợ.")]})
    try:
        return source_registry.get(platform)
    except KeyError:
        raise errors.ValidationError(fields={"platform": [_("Nền tảng không hỗ trợ.")]}) from None


def _checked(platform: str, settings: Mapping[str, str]) -> dict[str, str]:
    """``settings`` against the platform's schema: required fields, safe addresses."""
    source_cls = _source_class(platform)
    try:
        checked = source_cls.check_config(settings)
    except source_errors.ValidationFailed as exc:
        raise errors.ValidationError(
            fields={name: [_("Bắt buộc.")] for name in exc.fields}
        ) from exc
    for field in source_cls.config_schema:
        problem = adapters.url_problem(checked[field.name]) if checked[field.name] else None
        if field.is_address and problem:
            raise errors.ValidationError(fields={field.name: [problem]})
    return checked


def _new_account(
    session: so.Session,
    user: accounts.User,
    platform: str,
    name: str,
    checked: Mapping[str, str],
    status: models.SourceStatus,
) -> models.CommentAccount:
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    secret = _source_class(platform).secret_fields()
    account = models.CommentAccount(
        club_id=scope.home_club(),
        platform=platform,
        name=text.nfc(name.strip())[:200] or _source_class(platform).title,
        config={k: v for k, v in checked.items() if k not in secret},
        secrets_enc=adapters.vault().seal({k: v for k, v in checked.items() if k in secret}),
        status=status,
        created_by_id=user.id,
    )
    session.add(account)
    return account


def add_account(
    session: so.Session,
    user: accounts.User,
    *,
    platform: str,
    name: str,
    settings: Mapping[str, str],
) -> models.CommentAccount:
    """Connect a comment source by its settings (a YouTube API key, a TikTok @name). Commits."""
    checked = _checked(platform, settings)
    with uow.unit_of_work(session):
        account = _new_account(session, user, platform, name, checked, Status.CONNECTED)
    return account


def source_for(account: models.CommentAccount) -> sources.CommentSource:
    """The platform's reader for ``account`` (the one place its secrets are opened)."""
    settings = {**account.config, **adapters.vault().open(account.secrets_enc)}
    return source_registry.create(account.platform, {k: str(v) for k, v in settings.items()})


def get_account(session: so.Session, user: accounts.User, account_id: int) -> models.CommentAccount:
    scope = tenancy.scope_for(session, user)
    account = session.get(models.CommentAccount, account_id)
    if account is None or not scope.sees_club(account.club_id):
        raise errors.NotFound(_("Không tìm thấy tài khoản."))
    return account


def accounts_for(session: so.Session, user: accounts.User) -> list[models.CommentAccount]:
    """The club's comment source accounts, by name."""
    account = models.CommentAccount
    return tenancy.scope_for(session, user).rows(session, account, account.name, account.id)


# --- Facebook: the consent flow ------------------------------------------------------------


def begin_facebook(
    session: so.Session,
    user: accounts.User,
    *,
    settings: Mapping[str, str],
    redirect_uri: str,
    account_id: int | None = None,
) -> tuple[models.CommentAccount, str]:
    """Store the Facebook app's id and secret (a new account, or ``account_id`` connected
    again) and return the consent dialog's address. Commits."""
    with uow.unit_of_work(session):
        if account_id is None:
            checked = _checked("facebook", settings)
            account = _new_account(
                session, user, "facebook", "Facebook", checked, Status.NEEDS_RECONNECT
            )
        else:
            account = get_account(session, user, account_id)
            tenancy.scope_for(session, user).check_writable()
            if account.platform != "facebook":
                raise errors.Conflict(_("Tài khoản này không kết nối qua Facebook."))
        account.oauth_state = secrets.token_urlsafe(24)
        source = source_for(account)
        assert isinstance(source, FacebookLiveSource)
        url = source.authorize_url(redirect_uri, account.oauth_state)
    return account, url


def finish_facebook(
    session: so.Session,
    user: accounts.User,
    params: Mapping[str, str],
    *,
    redirect_uri: str,
) -> models.CommentAccount:
    """Facebook's redirect back: check the state, trade the code for the person's Pages
    (kept sealed until one is chosen; one Page is chosen at once). Commits."""
    scope = tenancy.scope_for(session, user)
    state = str(params.get("state") or "")
    account = tenancy.awaiting_consent(session, models.CommentAccount, state, scope)
    code = str(params.get("code") or "")
    with uow.unit_of_work(session):
        account.oauth_state = None
        if not code:
            raise errors.ValidationError(_("Facebook không trả về mã cấp quyền (đã từ chối?)."))
        source = source_for(account)
        assert isinstance(source, FacebookLiveSource)
        try:
            pages = source.connect(code, redirect_uri)
        except source_errors.ChannelError as exc:
            raise errors.ValidationError(
                _("Facebook từ chối kết nối (%(code)s).", code=exc.code or exc.reason)
            ) from exc
        if not pages:
            raise errors.ValidationError(_("Tài khoản này không quản lý Trang nào."))
        sealed = adapters.vault().open(account.secrets_enc)
        sealed["pages"] = [
            {"id": p.page_id, "name": p.name, "token": p.access_token} for p in pages
        ]
        account.secrets_enc = adapters.vault().seal(sealed)
        if len(pages) == 1:
            _keep_page(account, pages[0].page_id)
    return account


def pages_to_choose(account: models.CommentAccount) -> list[dict[str, str]]:
    """The Pages the consent gave, waiting for a choice: id and name (never the tokens)."""
    pages: list[dict[str, Any]] = adapters.vault().open(account.secrets_enc).get("pages") or []
    return [{"id": str(p["id"]), "name": str(p["name"])} for p in pages]


def choose_page(
    session: so.Session, user: accounts.User, account_id: int, page_id: str
) -> models.CommentAccount:
    """Keep the chosen Page's token; forget the others. Commits."""
    account = get_account(session, user, account_id)
    tenancy.scope_for(session, user).check_writable()
    with uow.unit_of_work(session):
        _keep_page(account, page_id)
    return account


def _keep_page(account: models.CommentAccount, page_id: str) -> None:
    sealed = adapters.vault().open(account.secrets_enc)
    chosen = [p for p in sealed.get("pages") or [] if str(p["id"]) == page_id]
    if not chosen:
        raise errors.ValidationError(fields={"page_id": [_("Không có Trang này.")]})
    page = chosen[0]
    sealed.pop("pages", None)
    sealed["page_access_token"] = page["token"]
    account.secrets_enc = adapters.vault().seal(sealed)
    account.config = {**account.config, "page_id": str(page["id"])}
    account.name = text.nfc(str(page["name"]))[:200] or account.name
    account.status = Status.CONNECTED
