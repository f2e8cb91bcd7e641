"""First run: on an instance without any user, create the first admin, the club and its bank
account in one transaction (all or nothing), then never again.

In production the setup page also asks for a one-time setup code the app writes to
``instance/setup_code`` (mode 0600) and logs at start-up, so a stranger who reaches a fresh
public install first cannot claim it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts import service as accounts_service
from app.clubs import service as clubs_service
from app.core import errors, uow
from app.models import accounts, orgs
from vietnam import text

SETUP_CODE_FILE = "setup_code"
# No 0/O, 1/I/L: the code is read from a terminal and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4
# pg_advisory_xact_lock key: two setups posted at once are serialised (the second finds the
# first admin and is refused).
_LOCK_KEY = 15_000_001
# The form's club fields → the club service's names.
CLUB_FIELDS = {
    "club_name": "name",
    "province_code": "province_code",
    "commune_code": "commune_code",
    "contact_phone": "contact_phone",
}


@dataclasses.dataclass(frozen=True)
class SetupResult:
    admin: accounts.User
    club: orgs.Club


def needs_setup(session: so.Session) -> bool:
    """True while the instance has no user at all."""
    return session.scalar(sa.select(accounts.User.id).limit(1)) is None


# --- the one-time code (production) -----------------------------------------------------------


def setup_code_path(instance_path: str | Path) -> Path:
    return Path(instance_path) / SETUP_CODE_FILE


def _new_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def _normalise_code(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def ensure_setup_code(instance_path: str | Path) -> str:
    """The instance's setup code, written once (mode 0600) and then read back.

    Several processes start at once (web workers, job workers): the file is published with
    a hard link, which fails when it exists, so all of them end up with the same code.
    """
    path = setup_code_path(instance_path)
    with contextlib.suppress(FileNotFoundError):
        existing = path.read_text().strip()
        if existing:
            return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    code = _new_code()
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".setup-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(code + "\n")
        os.chmod(temp_name, 0o600)
        try:
            os.link(temp_name, path)
        except FileExistsError:
            return path.read_text().strip()
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
    return code


def setup_code_matches(instance_path: str | Path, given: str | None) -> bool:
    path = setup_code_path(instance_path)
    try:
        expected = path.read_text().strip()
    except FileNotFoundError:
        return False
    return bool(expected) and secrets.compare_digest(
        _normalise_code(given or ""), _normalise_code(expected)
    )


def discard_setup_code(instance_path: str | Path) -> None:
    """Used once: the file goes when the first admin exists."""
    with contextlib.suppress(FileNotFoundError):
        setup_code_path(instance_path).unlink()


# --- the setup itself ---------------------------------------------------------------------------


def _problems(
    session: so.Session, data: dict[str, Any], code_required_in: str | Path | None
) -> dict[str, list[str]]:
    """Every problem of the form at once (admin, club, bank account, setup code)."""
    fields: dict[str, list[str]] = {}
    if code_required_in is not None and not setup_code_matches(
        code_required_in, data.get("setup_code")
    ):
        fields["setup_code"] = [
            _(
                "Mã thiết lập không đúng. Mã nằm trong tệp %(file)s trên máy chủ và trong nhật "
                "ký lúc khởi động.",
                file=str(setup_code_path(code_required_in)),
            )
        ]
    password = str(data.get("password") or "")
    fields.update(
        accounts_service.validate_user_fields(
            session,
            username=text.nfc(str(data.get("username") or "")).lower(),
            full_name=text.nfc(str(data.get("full_name") or "")),
            role=accounts.Role.ADMIN,
            email=text.nfc(str(data.get("email") or "")).lower() or None,
            producer_id=None,
            password=password,
        )
    )
    if password and password != str(data.get("password_confirm") or ""):
        fields["password_confirm"] = [_("Hai mật khẩu không khớp.")]
    _clean, club_fields = clubs_service.validate(session, _club_data(data))
    reverse = {service: form for form, service in CLUB_FIELDS.items()}
    fields.update({reverse.get(name, name): messages for name, messages in club_fields.items()})
    fields.update(clubs_service.validate_bank_account(_bank_data(data))[1])
    return fields


def _club_data(data: dict[str, Any]) -> dict[str, Any]:
    return {service: data.get(form) for form, service in CLUB_FIELDS.items()}


def _bank_data(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data.get(name) for name in clubs_service.BANK_FIELDS}


def _serialise(session: so.Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def run_setup(
    session: so.Session, data: dict[str, Any], *, code_required_in: str | Path | None = None
) -> SetupResult:
    """Create the first admin, the club (the admin's working club) and optionally its bank
    account, in one transaction; commit.

    ``code_required_in``: the instance folder whose setup code must be given (production).
    NotFound once any user exists; ValidationError naming every bad field, nothing written.
    """
    with uow.unit_of_work(session):
        _serialise(session)
        if not needs_setup(session):
            raise errors.NotFound()
        fields = _problems(session, data, code_required_in)
        if fields:
            raise errors.ValidationError(fields=fields)
        club_data = _club_data(data)
        club_data["bank_account"] = _bank_data(data)
        club = clubs_service.build_club(session, club_data)
        admin = accounts_service.build_user(
            session,
            username=str(data.get("username") or ""),
            password=str(data.get("password") or ""),
            full_name=str(data.get("full_name") or ""),
            role=accounts.Role.ADMIN,
            email=str(data.get("email") or "") or None,
            club_id=club.id,
            locale=data.get("locale"),
        )
    if code_required_in is not None:
        discard_setup_code(code_required_in)
    return SetupResult(admin=admin, club=club)
