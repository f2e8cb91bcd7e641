"""Configuration from the environment: defaults, and clear errors for bad values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import config

ROOT = Path(__file__).resolve().parents[3]


def test_embedded_default_keeps_everything_under_instance(tmp_path: Path) -> None:
    settings = config.from_env({"APP_ENV": "development"}, tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'app.db'}"
    assert settings["BROKER_URL"] == f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    assert settings["RESULT_BACKEND"] == f"db+sqlite:///{tmp_path / 'results.sqlite'}"
    assert settings["MEDIA_ROOT"] == str(tmp_path / "media")


def test_development_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = config.from_env({"APP_ENV": "development"}, tmp_path)["SECRET_KEY"]
    second = config.from_env({"APP_ENV": "development"}, tmp_path)["SECRET_KEY"]
    assert len(first) == 64
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


# A complete production environment: explicit APP_ENV, a secret key and a public address.
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "PUBLIC_BASE_URL": "https://ocop.example.vn",
}


def test_app_env_unset_means_development(tmp_path: Path) -> None:
    """A fresh clone's `flask --app wsgi …` works without exporting anything."""
    settings = config.from_env({}, tmp_path)
    assert settings["APP_ENV"] == "development"
    assert len(settings["SECRET_KEY"]) == 64  # generated and kept in the instance folder
    assert (tmp_path / "secret_key").exists()
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert config.from_env({"APP_ENV": ""}, tmp_path)["APP_ENV"] == "development"


def test_production_without_secret_key_stops_with_a_clear_message(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.from_env(env, tmp_path)
    assert not (tmp_path / "secret_key").exists()  # never invented in production


def test_production_without_public_base_url_stops_with_a_clear_message(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "PUBLIC_BASE_URL"}
    with pytest.raises(config.ConfigError, match="PUBLIC_BASE_URL chưa được đặt"):
        config.from_env(env, tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:5000",
        "http://127.0.0.1:5000",
        "http://127.0.1.1",
        "http://[::1]:8000",
        "http://0.0.0.0:5000",
        "https://LOCALHOST/ocop",
    ],
)
def test_production_refuses_a_public_address_on_this_machine(tmp_path: Path, url: str) -> None:
    with pytest.raises(config.ConfigError, match="PUBLIC_BASE_URL"):
        config.from_env({**PRODUCTION, "PUBLIC_BASE_URL": url}, tmp_path)


def test_development_accepts_a_local_public_address(tmp_path: Path) -> None:
    settings = config.from_env({"PUBLIC_BASE_URL": "http://127.0.0.1:5000/"}, tmp_path)
    assert settings["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://localhost", True),
        ("http://[::1]/", True),
        ("http://0.0.0.0:5000", True),
        ("http://192.168.1.10:5000", False),
        ("https://ocop.example.vn", False),
        ("https://localhost.example.vn", False),
    ],
)
def test_is_local_address(url: str, local: bool) -> None:
    assert config.is_local_address(url) is local


KEY = "YmVuY2gtY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE="


def test_production_without_credentials_key_starts_with_no_keys(tmp_path: Path) -> None:
    settings = config.from_env(PRODUCTION, tmp_path)
    assert settings["CREDENTIALS_KEYS"] == ()
    assert settings["PUBLIC_BASE_URL"] == "https://ocop.example.vn"
    assert not (tmp_path / "credentials_key").exists()  # never invented in production


def test_credentials_keys_allow_rotation_and_refuse_bad_keys(tmp_path: Path) -> None:
    other = "b3RoZXItY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE="
    settings = config.from_env({**PRODUCTION, "CREDENTIALS_KEY": f"{KEY}, {other}"}, tmp_path)
    assert settings["CREDENTIALS_KEYS"] == (KEY, other)
    with pytest.raises(config.ConfigError, match="CREDENTIALS_KEY"):
        config.from_env({**PRODUCTION, "CREDENTIALS_KEY": "short"}, tmp_path)


def test_development_credentials_key_is_generated_once_and_private(tmp_path: Path) -> None:
    first = config.from_env({"APP_ENV": "development"}, tmp_path)["CREDENTIALS_KEYS"]
    second = config.from_env({"APP_ENV": "development"}, tmp_path)["CREDENTIALS_KEYS"]
    assert first == second and len(first) == 1
    assert (tmp_path / "credentials_key").stat().st_mode & 0o077 == 0


def test_production_with_secret_key_uses_secure_cookies(tmp_path: Path) -> None:
    settings = config.from_env({**PRODUCTION, "CREDENTIALS_KEY": KEY}, tmp_path)
    assert settings["APP_ENV"] == "production"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"APP_ENV": "development", "DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"APP_ENV": "development", "DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL"),
        ({"APP_ENV": "development", "BROKER_URL": "ftp://host"}, "BROKER_URL"),
        ({"APP_ENV": "development", "MAX_UPLOAD_MB": "lots"}, "MAX_UPLOAD_MB"),
        ({"APP_ENV": "development", "MAX_UPLOAD_MB": "0"}, "MAX_UPLOAD_MB"),
        ({"APP_ENV": "development", "SESSION_COOKIE_SECURE": "maybe"}, "SESSION_COOKIE_SECURE"),
        ({"APP_ENV": "development", "LOGIN_MAX_FAILURES": "-1"}, "LOGIN_MAX_FAILURES"),
        ({"APP_ENV": "development", "TRUSTED_PROXY_HOPS": "-1"}, "TRUSTED_PROXY_HOPS"),
        ({"APP_ENV": "development", "TRUSTED_PROXY_HOPS": "nginx"}, "TRUSTED_PROXY_HOPS"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, env: dict[str, str], names: str) -> None:
    with pytest.raises(config.ConfigError, match=names):
        config.from_env(env, tmp_path)


def test_no_proxy_is_trusted_unless_configured(tmp_path: Path) -> None:
    """X-Forwarded-For is believed only from as many proxies as TRUSTED_PROXY_HOPS says."""
    assert config.from_env({"APP_ENV": "development"}, tmp_path)["TRUSTED_PROXY_HOPS"] == 0
    settings = config.from_env({**PRODUCTION, "TRUSTED_PROXY_HOPS": "1"}, tmp_path)
    assert settings["TRUSTED_PROXY_HOPS"] == 1


def test_postgres_urls_use_psycopg_3(tmp_path: Path) -> None:
    settings = config.from_env(
        {"APP_ENV": "development", "DATABASE_URL": "postgres://u:p@db:5432/ocop"}, tmp_path
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/ocop"


def test_redis_broker_also_stores_results(tmp_path: Path) -> None:
    settings = config.from_env(
        {"APP_ENV": "development", "BROKER_URL": "redis://127.0.0.1:6379/0"}, tmp_path
    )
    assert settings["RESULT_BACKEND"] == "redis://127.0.0.1:6379/0"


def test_start_up_without_secret_key_exits_with_message(tmp_path: Path) -> None:
    """The real entry point refuses to start and says why (no traceback)."""
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path), "APP_ENV": "production"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_readme_flask_commands_work_from_a_fresh_clone(tmp_path: Path) -> None:
    """Without APP_ENV (or anything else) exported, `flask --app wsgi …` starts."""
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "users", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "SECRET_KEY" not in result.stderr
    assert (tmp_path / "secret_key").exists()
