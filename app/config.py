"""Configuration read from environment variables, with an embedded default.

Every setting has one name, one default and one validation here. The embedded
default keeps everything under the Flask instance folder: a SQLite database,
a SQLite-backed Celery broker and result store, and the media folder.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc

ENVIRONMENTS = ("development", "production", "testing")
BROKER_SCHEMES = ("sqla+sqlite", "sqla+postgresql", "redis", "rediss", "memory", "amqp")


SANDBOX_DIALECTS = ("shopee", "tiktok", "lazada")
# After the marketplaces, in this order (sandbox/__main__.py).
SANDBOX_LIVE_CHATS = ("facebook", "youtube", "tiktok")
# The sandbox carriers, in the order sandbox/carriers/demo.py serves them.
SANDBOX_CARRIERS = ("ghn", "ghtk", "viettelpost", "vnpost")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} phải là số nguyên (must be an integer), got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} phải ≥ {minimum} (must be at least {minimum}), got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} phải là true/false (must be a boolean), got {raw!r}")


def _frame_size(env: Mapping[str, str], name: str) -> tuple[int, int] | None:
    """``WIDTHxHEIGHT`` (e.g. ``270x480``, both even and at least 16) or unset."""
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return None
    width, sep, height = raw.partition("x")
    if sep and width.isdigit() and height.isdigit():
        size = (int(width), int(height))
        if min(size) >= 16 and size[0] % 2 == 0 and size[1] % 2 == 0:
            return size
    raise ConfigError(
        f"{name} phải có dạng RỘNGxCAO, số chẵn ≥ 16, ví dụ 270x480 "
        f"(must be WIDTHxHEIGHT, even numbers of at least 16), got {env.get(name)!r}"
    )


def _secret_key(env: Mapping[str, str], environment: str, instance: Path) -> str:
    key = env.get("SECRET_KEY", "")
    if key:
        return key
    if environment == "production":
        raise ConfigError(
            "SECRET_KEY chưa được đặt. Outside development a SECRET_KEY is required: "
            "set it to a long random value, e.g. "
            "`export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')`, "
            "or leave APP_ENV unset (development) for a local trial."
        )
    if environment == "testing":
        return "testing-secret-key"
    # Development: keep one generated key in the instance folder so sessions
    # survive restarts without anyone having to invent a secret.
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _credentials_keys(env: Mapping[str, str], environment: str, instance: Path) -> tuple[str, ...]:
    """Fernet keys for channel credentials, newest first (comma-separated for rotation)."""
    raw = env.get("CREDENTIALS_KEY", "").strip()
    if raw:
        keys = tuple(k.strip() for k in raw.split(",") if k.strip())
        for key in keys:
            try:
                ok = len(base64.urlsafe_b64decode(key.encode())) == 32
            except (ValueError, binascii.Error):
                ok = False
            if not ok:
                raise ConfigError(
                    "CREDENTIALS_KEY không hợp lệ: each comma-separated key must be a Fernet key "
                    "(32 url-safe base64 bytes), e.g. the output of "
                    "`python -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32))"
                    ".decode())'`"
                )
        return keys
    if environment == "production":
        # The app runs without it; only saving or using marketplace credentials is refused
        # (with a message saying to set it), so sites without channels need not invent a key.
        return ()
    if environment == "testing":
        return (base64.urlsafe_b64encode(b"testing-credentials-key-32-byte!").decode(),)
    key_file = instance / "credentials_key"
    if key_file.exists():
        return (key_file.read_text().strip(),)
    instance.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return (key,)


def _sandbox_urls(env: Mapping[str, str]) -> dict[str, str]:
    """Where `make run` starts the sandbox marketplaces (demo channels point there)."""
    host = env.get("SANDBOX_HOST", "127.0.0.1")
    base = _int(env, "SANDBOX_PORT_BASE", 5701, minimum=1)
    return {name: f"http://{host}:{base + i}" for i, name in enumerate(SANDBOX_DIALECTS)}


def _sandbox_live_urls(env: Mapping[str, str]) -> dict[str, str]:
    """Where `make run` starts the live chat sandboxes (the demo's comment account)."""
    host = env.get("SANDBOX_HOST", "127.0.0.1")
    base = _int(env, "SANDBOX_PORT_BASE", 5701, minimum=1) + len(SANDBOX_DIALECTS)
    return {name: f"http://{host}:{base + i}" for i, name in enumerate(SANDBOX_LIVE_CHATS)}


def _sandbox_messaging_url(env: Mapping[str, str]) -> str:
    """Where `make run` starts the messaging sandbox (Zalo, Messenger: the demo's message
    connections): after the marketplaces, the live chats and the bank (sandbox/__main__.py)."""
    host = env.get("SANDBOX_HOST", "127.0.0.1")
    base = _int(env, "SANDBOX_PORT_BASE", 5701, minimum=1)
    return f"http://{host}:{base + len(SANDBOX_DIALECTS) + len(SANDBOX_LIVE_CHATS) + 1}"


def sandbox_carrier_urls(env: Mapping[str, str]) -> dict[str, str]:
    """Where `make run` starts the sandbox carriers (the demo club's carrier accounts): after
    the messaging sandbox (sandbox/__main__.py)."""
    host = env.get("SANDBOX_HOST", "127.0.0.1")
    base = _int(env, "SANDBOX_PORT_BASE", 5701, minimum=1)
    first = base + len(SANDBOX_DIALECTS) + len(SANDBOX_LIVE_CHATS) + 2
    return {name: f"http://{host}:{first + i}" for i, name in enumerate(SANDBOX_CARRIERS)}


def _database_url(env: Mapping[str, str], instance: Path) -> str:
    url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'app.db'}"
    if url.startswith("postgres://"):  # Heroku-style alias
        url = "postgresql://" + url[len("postgres://") :]
    try:
        parsed = sa.make_url(url)
    except sqlalchemy.exc.ArgumentError:
        raise ConfigError(
            f"DATABASE_URL không hợp lệ (not a database URL): {url!r}; "
            "expected e.g. sqlite:///instance/app.db or postgresql://user:pass@host/db"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL: only sqlite and postgresql are supported, got {parsed.drivername!r}"
        )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def _broker_url(env: Mapping[str, str], instance: Path) -> str:
    url = env.get("BROKER_URL") or f"sqla+sqlite:///{instance / 'broker.sqlite'}"
    scheme = url.split("://", 1)[0]
    if "://" not in url or scheme not in BROKER_SCHEMES:
        raise ConfigError(
            f"BROKER_URL không hợp lệ: {url!r}; expected one of "
            + ", ".join(f"{s}://…" for s in BROKER_SCHEMES)
        )
    return url


def _result_backend(env: Mapping[str, str], instance: Path, broker_url: str) -> str:
    if env.get("RESULT_BACKEND"):
        return env["RESULT_BACKEND"]
    if broker_url.startswith(("redis://", "rediss://")):
        return broker_url
    if broker_url.startswith("memory://"):
        return "cache+memory://"
    return f"db+sqlite:///{instance / 'results.sqlite'}"


# Host names that only ever mean "this machine": a QR code printed with one of them opens
# nothing on a customer's phone.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})


def is_local_address(url: str) -> bool:
    """True when ``url`` points at this machine (localhost, 127.x.x.x, ::1, 0.0.0.0)."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower().rstrip(".")
    return host in LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def _public_base_url(env: Mapping[str, str], environment: str) -> str | None:
    """The address the public reaches the app at (printed QR codes point there).

    Production refuses to start without a real one: every printed QR code and shared link
    would otherwise point at the server itself.
    """
    raw = (env.get("PUBLIC_BASE_URL") or "").strip()
    if not raw:
        if environment == "production":
            raise ConfigError(
                "PUBLIC_BASE_URL chưa được đặt. In production set it to the address customers "
                "reach the app at, e.g. PUBLIC_BASE_URL=https://ocop.example.vn: printed QR "
                "codes and shared product links point there."
            )
        return None
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"PUBLIC_BASE_URL không hợp lệ: {raw!r}; expected the public address of the app, "
            "e.g. https://ocop.example.vn (no query string)"
        )
    if environment == "production" and is_local_address(raw):
        raise ConfigError(
            f"PUBLIC_BASE_URL trỏ về chính máy chủ ({raw!r}). In production it must be the "
            "public address customers' phones can open (not localhost, 127.0.0.1, ::1 or "
            "0.0.0.0), e.g. https://ocop.example.vn"
        )
    return raw.rstrip("/")


def from_env(env: Mapping[str, str], instance_path: str | Path) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables.

    Raises ConfigError with a message naming the variable when one is wrong.
    """
    instance = Path(instance_path)
    # Unset means development (the embedded default a volunteer runs from a fresh clone);
    # production is always asked for explicitly, and then checks what it needs.
    environment = (env.get("APP_ENV") or "development").strip().lower()
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"APP_ENV phải là một trong {', '.join(ENVIRONMENTS)} (got {environment!r})"
        )
    production = environment == "production"
    broker_url = _broker_url(env, instance)
    media_root = Path(env.get("MEDIA_ROOT") or instance / "media")
    return {
        "APP_ENV": environment,
        "SECRET_KEY": _secret_key(env, environment, instance),
        "CREDENTIALS_KEYS": _credentials_keys(env, environment, instance),
        "SANDBOX_URLS": _sandbox_urls(env),
        "SANDBOX_LIVE_URLS": _sandbox_live_urls(env),
        "SANDBOX_MESSAGING_URL": _sandbox_messaging_url(env),
        "SANDBOX_CARRIER_URLS": sandbox_carrier_urls(env),
        "SQLALCHEMY_DATABASE_URI": _database_url(env, instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BROKER_URL": broker_url,
        "RESULT_BACKEND": _result_backend(env, instance, broker_url),
        "MEDIA_ROOT": str(media_root),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_UPLOAD_MB", 512, minimum=1) * 1024 * 1024,
        "PUBLIC_BASE_URL": _public_base_url(env, environment),
        # Outbound requests to addresses a user configured (a shop's API URL) may reach private
        # and loopback hosts only here: true outside production (the sandboxes run on 127.0.0.1).
        "ALLOW_PRIVATE_URLS": _bool(env, "ALLOW_PRIVATE_URLS", not production),
        # Video studio: upload bounds checked by the probe, and the render time limit.
        "MEDIA_MAX_UPLOAD_MB": _int(env, "MEDIA_MAX_UPLOAD_MB", 500, minimum=1),
        "MEDIA_MAX_DURATION_S": _int(env, "MEDIA_MAX_DURATION_S", 600, minimum=1),
        "RENDER_TIMEOUT_S": _int(env, "RENDER_TIMEOUT_S", 900, minimum=10),
        # (width, height) overriding every profile's frame size; tests use a tiny one.
        "STUDIO_RENDER_SIZE": _frame_size(env, "STUDIO_RENDER_SIZE"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env, "SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env, "SESSION_COOKIE_SECURE", production),
        "PERMANENT_SESSION_LIFETIME": _int(env, "SESSION_HOURS", 12, minimum=1) * 3600,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5, minimum=1),
        "LOGIN_IP_MAX_FAILURES": _int(env, "LOGIN_IP_MAX_FAILURES", 30, minimum=1),
        "LOGIN_LOCK_MINUTES": _int(env, "LOGIN_LOCK_MINUTES", 15, minimum=1),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (nginx
        # of docs/deploy.md: 1). 0 believes none: a client could otherwise pick its address.
        "TRUSTED_PROXY_HOPS": _int(env, "TRUSTED_PROXY_HOPS", 0),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ("vi", "en"),
        "HEALTH_TIMEOUT_SECONDS": _int(env, "HEALTH_TIMEOUT_SECONDS", 3, minimum=1),
        # A running job's worker beats every JOB_HEARTBEAT_SECONDS; silent for JOB_STALE_SECONDS
        # it is presumed dead and the job runs again elsewhere (at most JOB_MAX_ATTEMPTS runs).
        "JOB_HEARTBEAT_SECONDS": _int(env, "JOB_HEARTBEAT_SECONDS", 10, minimum=1),
        "JOB_STALE_SECONDS": _int(env, "JOB_STALE_SECONDS", 60, minimum=2),
        "JOB_MAX_ATTEMPTS": _int(env, "JOB_MAX_ATTEMPTS", 3, minimum=1),
        # Redis: an unacknowledged message (its worker died) is delivered again after this.
        "BROKER_VISIBILITY_TIMEOUT": _int(env, "BROKER_VISIBILITY_TIMEOUT", 3600, minimum=1),
        # Mark the months whose orders change for the aggregates' refresh (app/rollups); off
        # only to measure what keeping them costs (bench/national).
        "SALES_ROLLUPS": _bool(env, "SALES_ROLLUPS", True),
        # Above this many order lines, the overview of several clubs (Youth Union, admin) is
        # answered from the monthly aggregates instead of the lines (app/reports/pages.py).
        "REPORT_RAW_LINES": _int(env, "REPORT_RAW_LINES", 300_000, minimum=1),
        "JOBS_PER_PAGE": 20,
        # Livestream planning: minutes a streamer needs between two sessions (0: sessions may
        # touch), and how long before a session a subscribed calendar reminds them.
        "LIVE_SETUP_BUFFER_MIN": _int(env, "LIVE_SETUP_BUFFER_MIN", 30),
        "LIVE_REMINDER_MIN": _int(env, "LIVE_REMINDER_MIN", 30),
        # TikTok LIVE comments through the unofficial webcast route and a signing server
        # (docs/live-comments.md): against TikTok's terms and liable to break, so off unless
        # an install turns it on (the demo does, against the sandbox); staff can always type
        # TikTok comments on the desk.
        "TIKTOK_WEBCAST_ENABLED": _bool(env, "TIKTOK_WEBCAST_ENABLED", False),
        "API_TITLE": "OCOP Live API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
    }
