"""Accounts: creating users, signing in with throttling, passwords and API tokens.

Functions here own the transaction: they commit on success and roll back on
failure. They take the session and the clock as arguments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
import secrets

import argon2
import argon2.exceptions
import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import clock, errors, text
from app.models import accounts, orgs

Role = accounts.Role

_hasher = argon2.PasswordHasher()
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "ocop_"


class InvalidCredentials(errors.AppError):
    status = 401
    code = "invalid_credentials"


class LoginThrottled(errors.RateLimited):
    code = "login_throttled"


@dataclasses.dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    ip_max_failures: int = 30
    lock_minutes: int = 15

    @property
    def lock(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.lock_minutes)


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    """A new API token; ``secret`` is shown to the user once and never stored."""

    token: accounts.ApiToken
    secret: str


# --- passwords ----------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problems(password: str) -> list[str]:
    """Reasons a password is refused (empty when acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("Mật khẩu cần ít nhất %(n)d ký tự.", n=MIN_PASSWORD_LENGTH))
    if password.isdigit():
        problems.append(_("Mật khẩu không được chỉ gồm chữ số."))
    return problems


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so timing does not reveal it."""
    return _hasher.hash("not-a-real-password")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


# --- users --------------------------------------------------------------------


def validate_user_fields(
    session: so.Session,
    *,
    username: str,
    full_name: str,
    role: str,
    email: str | None,
    producer_id: int | None,
    password: str | None,
    existing: accounts.User | None = None,
) -> dict[str, list[str]]:
    """Field → problems for a user about to be created or changed."""
    fields: dict[str, list[str]] = {}
    if existing is None:
        if not USERNAME_RE.match(username):
            fields["username"] = [
                _("Tên đăng nhập gồm 3–64 ký tự thường: chữ, số, dấu chấm, gạch dưới, gạch ngang.")
            ]
        elif session.scalar(sa.select(accounts.User.id).where(accounts.User.username == username)):
            fields["username"] = [_("Tên đăng nhập này đã có người dùng.")]
    if not full_name:
        fields["full_name"] = [_("Hãy nhập họ tên.")]
    if role not in set(Role):
        fields["role"] = [_("Vai trò không hợp lệ.")]
    if email:
        if not EMAIL_RE.match(email):
            fields["email"] = [_("Địa chỉ email không hợp lệ.")]
        else:
            other = session.scalar(sa.select(accounts.User).where(accounts.User.email == email))
            if other is not None and other is not existing:
                fields["email"] = [_("Email này đã được dùng cho tài khoản khác.")]
    if role == Role.PRODUCER:
        if producer_id is None:
            fields["producer_id"] = [_("Tài khoản nhà sản xuất phải gắn với một chủ thể.")]
        elif session.get(orgs.Producer, producer_id) is None:
            fields["producer_id"] = [_("Không tìm thấy chủ thể sản xuất này.")]
    elif producer_id is not None:
        fields["producer_id"] = [_("Chỉ tài khoản nhà sản xuất mới gắn với chủ thể.")]
    if password is not None and (problems := password_problems(password)):
        fields["password"] = problems
    return fields


def create_user(
    session: so.Session,
    *,
    username: str,
    password: str,
    full_name: str,
    role: str,
    email: str | None = None,
    producer_id: int | None = None,
    club_id: int | None = None,
    locale: str | None = None,
) -> accounts.User:
    """Create and commit a user; ValidationError lists every bad field."""
    username = text.nfc(username).lower()
    full_name = text.nfc(full_name)
    email = text.nfc(email).lower() if email else None
    fields = validate_user_fields(
        session,
        username=username,
        full_name=full_name,
        role=role,
        email=email,
        producer_id=producer_id,
        password=password,
    )
    if fields:
        raise errors.ValidationError(fields=fields)
    user = accounts.User(
        username=username,
        full_name=full_name,
        email=email,
        role=Role(role),
        producer_id=producer_id,
        club_id=club_id,
        password_hash=hash_password(password),
        locale=locale,
    )
    session.add(user)
    session.commit()
    return user


def update_user(
    session: so.Session,
    user: accounts.User,
    *,
    full_name: str,
    role: str,
    email: str | None,
    producer_id: int | None,
    active: bool,
    new_password: str | None = None,
) -> accounts.User:
    """Change a user's profile, role, status and optionally password; commit."""
    full_name = text.nfc(full_name)
    email = text.nfc(email).lower() if email else None
    fields = validate_user_fields(
        session,
        username=user.username,
        full_name=full_name,
        role=role,
        email=email,
        producer_id=producer_id,
        password=new_password or None,
        existing=user,
    )
    if fields:
        raise errors.ValidationError(fields=fields)
    user.full_name, user.email, user.role = full_name, email, Role(role)
    user.producer_id = producer_id
    user.is_active_account = active
    if new_password:
        user.password_hash = hash_password(new_password)
    session.commit()
    return user


def change_password(session: so.Session, user: accounts.User, current: str, new: str) -> None:
    if not _verify(user.password_hash, current):
        raise errors.ValidationError(
            fields={"current_password": [_("Mật khẩu hiện tại không đúng.")]}
        )
    if problems := password_problems(new):
        raise errors.ValidationError(fields={"new_password": problems})
    user.password_hash = hash_password(new)
    session.commit()


def set_locale(session: so.Session, user: accounts.User, locale: str) -> None:
    user.locale = locale
    session.commit()


def get_user(session: so.Session, user_id: int) -> accounts.User:
    user = session.get(accounts.User, user_id)
    if user is None:
        raise errors.NotFound(_("Không tìm thấy người dùng."))
    return user


def users_query(role: str | None = None) -> sa.Select[tuple[accounts.User]]:
    stmt = sa.select(accounts.User).order_by(accounts.User.role, accounts.User.username)
    if role:
        stmt = stmt.where(accounts.User.role == Role(role))
    return stmt


# --- signing in ---------------------------------------------------------------


def _locked_until(session: so.Session, key: str, now: dt.datetime) -> dt.datetime | None:
    record = session.get(accounts.LoginFailure, key)
    if record and record.locked_until and record.locked_until > now:
        return record.locked_until
    return None


def _record_failure(
    session: so.Session, key: str, limit: int, policy: ThrottlePolicy, now: dt.datetime
) -> None:
    record = session.get(accounts.LoginFailure, key)
    if record is None:
        record = accounts.LoginFailure(key=key, count=0, first_failed_at=now)
        session.add(record)
    elif now - record.first_failed_at > policy.lock or (
        record.locked_until and record.locked_until <= now
    ):
        # The window has passed: start counting again.
        record.count, record.first_failed_at, record.locked_until = 0, now, None
    record.count += 1
    if record.count >= limit:
        record.locked_until = now + policy.lock


def _purge_stale_failures(session: so.Session, policy: ThrottlePolicy, now: dt.datetime) -> None:
    """Forget counters whose window and lock are over, so the table stays as small as the
    number of usernames and addresses that failed recently (guessing from many addresses
    would otherwise grow it for ever)."""
    failure = accounts.LoginFailure
    session.execute(
        sa.delete(failure)
        .where(failure.first_failed_at < now - policy.lock)
        .where(sa.or_(failure.locked_until.is_(None), failure.locked_until <= now))
        .execution_options(synchronize_session=False)
    )


def _throttled(until: dt.datetime, now: dt.datetime) -> LoginThrottled:
    seconds = max(1, int((until - now).total_seconds()))
    minutes = max(1, (seconds + 59) // 60)
    return LoginThrottled(
        _("Đăng nhập sai quá nhiều lần. Hãy thử lại sau %(m)d phút.", m=minutes),
        retry_after=seconds,
    )


def authenticate(
    session: so.Session,
    username: str,
    password: str,
    *,
    ip: str,
    policy: ThrottlePolicy,
    now: clock.Clock = clock.utcnow,
) -> accounts.User:
    """Check credentials, counting failures per username and per address.

    After ``policy.max_failures`` failures for a username within the lock
    window, that username is locked for ``policy.lock_minutes`` even with the
    right password; the same for an address after ``ip_max_failures``.
    """
    moment = now()
    username = text.nfc(username).lower()
    user_key, ip_key = f"user:{username}", f"ip:{ip}"
    for key in (user_key, ip_key):
        if until := _locked_until(session, key, moment):
            raise _throttled(until, moment)
    user = session.scalar(sa.select(accounts.User).where(accounts.User.username == username))
    ok = _verify(user.password_hash if user else _dummy_hash(), password)
    if user is None or not ok or not user.is_active_account:
        _record_failure(session, user_key, policy.max_failures, policy, moment)
        _record_failure(session, ip_key, policy.ip_max_failures, policy, moment)
        try:
            session.commit()
        except sa.exc.IntegrityError:  # another failure for the same key at the same moment
            session.rollback()
        _purge_stale_failures(session, policy, moment)  # after: never the counters just written
        session.commit()
        if until := _locked_until(session, user_key, moment):
            raise _throttled(until, moment)
        if user is not None and ok and not user.is_active_account:
            raise InvalidCredentials(_("Tài khoản này đã bị khoá. Hãy liên hệ quản trị viên."))
        raise InvalidCredentials(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(sa.delete(accounts.LoginFailure).where(accounts.LoginFailure.key == user_key))
    user.last_login_at = moment
    session.commit()
    return user


# --- API tokens ---------------------------------------------------------------


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    session: so.Session, user: accounts.User, name: str, now: clock.Clock = clock.utcnow
) -> IssuedToken:
    name = text.nfc(name)
    if not name or len(name) > 100:
        raise errors.ValidationError(fields={"name": [_("Đặt tên cho mã API (1–100 ký tự).")]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = accounts.ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=_token_hash(secret),
        created_at=now(),
    )
    session.add(token)
    session.commit()
    return IssuedToken(token=token, secret=secret)


def user_for_token(
    session: so.Session, secret: str, now: clock.Clock = clock.utcnow
) -> accounts.User | None:
    """The active user owning a live token, or None."""
    token = session.scalar(
        sa.select(accounts.ApiToken)
        .where(accounts.ApiToken.token_hash == _token_hash(secret))
        .options(so.joinedload(accounts.ApiToken.user))  # one round trip per API call
    )
    if token is None or token.revoked_at is not None or not token.user.is_active_account:
        return None
    moment = now()
    # Record use at most every few minutes: a script's every call need not write.
    if token.last_used_at is None or moment - token.last_used_at > dt.timedelta(minutes=5):
        token.last_used_at = moment
        session.commit()
    return token.user


def user_tokens(session: so.Session, user: accounts.User) -> list[accounts.ApiToken]:
    return list(
        session.scalars(
            sa.select(accounts.ApiToken)
            .where(accounts.ApiToken.user_id == user.id, accounts.ApiToken.revoked_at.is_(None))
            .order_by(accounts.ApiToken.created_at.desc())
        )
    )


def revoke_token(
    session: so.Session, user: accounts.User, token_id: int, now: clock.Clock = clock.utcnow
) -> None:
    token = session.get(accounts.ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise errors.NotFound(_("Không tìm thấy mã API."))
    token.revoked_at = now()
    session.commit()
