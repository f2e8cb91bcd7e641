"""Build the adapter for a channel account (the one place secrets are decrypted for use)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import flask
from flask_babel import gettext as _

from app.catalog import images as images_service
from app.channels import credentials, messages
from app.core import errors
from app.models import channels
from integrations import base, netguard, registry
from integrations import errors as integration_errors

AdapterFactory = Callable[[channels.ChannelAccount], base.ChannelAdapter]


# This module is the channels feature's one door to the app's configuration (keys, the
# SSRF switch, the media folder, a test's adapter factory): the other channel services
# take what they need from here and never read flask.current_app themselves.


def media_root() -> Path:
    """The absolute media folder that listing photos and packs are read from and written to."""
    return images_service.media_root(flask.current_app.config)


def vault() -> credentials.Vault:
    keys = flask.current_app.config["CREDENTIALS_KEYS"]
    if not keys:
        raise errors.ServiceUnavailable(
            _(
                "Chưa cấu hình CREDENTIALS_KEY nên không thể lưu hay dùng thông tin đăng nhập "
                "kênh bán. Quản trị viên cần đặt biến môi trường này (xem docs/channels.md)."
            )
        )
    return credentials.Vault(keys)


def adapter_config(account: channels.ChannelAccount) -> dict[str, str]:
    secrets = vault().open(account.secrets_enc)
    adapter_cls = registry.get(account.marketplace)
    known = {f.name for f in adapter_cls.config_schema}
    merged = {**(account.config or {}), **secrets}
    return {k: str(v) for k, v in merged.items() if k in known}


_cache: dict[tuple[str, frozenset[tuple[str, str]]], base.ChannelAdapter] = {}
_cache_lock = threading.Lock()
CACHE_SIZE = 64


class UnsafeAddress(errors.ValidationError):
    """A shop's configured address fails the SSRF guard; ``record`` words it for any reader."""

    def __init__(self, field: str, url: str, refusal: netguard.UnsafeURL) -> None:
        self.record = messages.Record(
            "unsafe_address", {"url": url, "why": refusal.code, **refusal.params}
        )
        text = messages.render(self.record) or str(refusal)
        super().__init__(text, fields={f"config.{field}": [text]})


def _check(url: str) -> None:
    netguard.check_url(url, allow_private=bool(flask.current_app.config["ALLOW_PRIVATE_URLS"]))


def checked_settings(
    adapter_cls: type[base.Configured], given: Mapping[str, str]
) -> dict[str, str]:
    """An adapter's settings as its ``config_schema`` takes them (defaults filled), or a
    ValidationError naming each missing field and each address the app may not call."""
    try:
        checked = adapter_cls.check_config(given)
    except integration_errors.ValidationFailed as exc:
        raise errors.ValidationError(
            fields={f"config.{name}": [_("Bắt buộc hoặc chưa hợp lệ.")] for name in exc.fields}
        ) from exc
    for field in adapter_cls.config_schema:
        value = checked.get(field.name, "")
        problem = url_problem(value) if field.is_address and value else None
        if problem:
            raise errors.ValidationError(fields={f"config.{field.name}": [problem]})
    return checked


def sealed_settings(
    adapter_cls: type[base.Configured], checked: Mapping[str, str]
) -> tuple[dict[str, str], str]:
    """Checked settings split for storing: the ones that may be shown, and the secret ones
    sealed with the install's key."""
    secret = adapter_cls.secret_fields()
    shown = {k: v for k, v in checked.items() if k not in secret}
    return shown, vault().seal({k: v for k, v in checked.items() if k in secret})


def url_problem(url: str) -> str | None:
    """Why the app may not send requests to ``url`` (SSRF guard), or None when it may."""
    try:
        _check(url)
    except netguard.UnsafeURL as exc:
        return _("Địa chỉ không được phép: %(why)s", why=messages.unsafe_url(exc))
    return None


def default_factory(account: channels.ChannelAccount) -> base.ChannelAdapter:
    """The real adapter, one per account configuration in this process.

    Reusing it matters: the adapter's rate limiter must see every call this
    process makes to that shop, not start afresh for each listing. Every URL in the
    configuration passes the SSRF guard each time (a host's DNS answer may change).
    """
    config = adapter_config(account)
    for name, value in config.items():
        if name.endswith("_url") and value:
            try:
                _check(value)
            except netguard.UnsafeURL as exc:
                raise UnsafeAddress(name, value, exc) from exc
    key = (account.marketplace, frozenset(config.items()))
    with _cache_lock:
        adapter = _cache.get(key)
        if adapter is None:
            if len(_cache) >= CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
            adapter = _cache[key] = registry.create(account.marketplace, config)
        return adapter


def current_factory() -> AdapterFactory:
    """The app's factory: the real adapters unless a test installed fakes in extensions."""
    factory: AdapterFactory | None = flask.current_app.extensions.get("channel_adapter_factory")
    return factory or default_factory


def tokens_of(account: channels.ChannelAccount) -> base.Tokens | None:
    return sealed_tokens(account.tokens_enc)


def sealed_tokens(sealed: str | None) -> base.Tokens | None:
    """An OAuth pair sealed by ``seal_tokens`` (None when nothing is stored)."""
    data = vault().open(sealed)
    if not data:
        return None
    return base.Tokens(
        access_token=data["access_token"],
        refresh_token=data["refresh_token"],
        access_expires_at=dt.datetime.fromisoformat(data["access_expires_at"]),
        refresh_expires_at=(
            dt.datetime.fromisoformat(data["refresh_expires_at"])
            if data.get("refresh_expires_at")
            else None
        ),
        extra=dict(data.get("extra") or {}),
    )


def seal_tokens(tokens: base.Tokens) -> str:
    """Both tokens of a pair and their expiries, sealed together (one value, one write)."""
    payload: dict[str, Any] = {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "access_expires_at": tokens.access_expires_at.isoformat(),
        "refresh_expires_at": (
            tokens.refresh_expires_at.isoformat() if tokens.refresh_expires_at else None
        ),
        "extra": tokens.extra,
    }
    for stamp in (tokens.access_expires_at, tokens.refresh_expires_at):
        if stamp is not None and stamp.tzinfo is None:
            raise ValueError("adapter returned a naive token expiry; use UTC-aware datetimes")
    return vault().seal(payload)


def store_tokens(account: channels.ChannelAccount, tokens: base.Tokens) -> None:
    account.tokens_enc = seal_tokens(tokens)
    account.access_expires_at = tokens.access_expires_at
    account.refresh_expires_at = tokens.refresh_expires_at
    account.token_version = (account.token_version or 0) + 1
