"""Accounts: creating users, signing in with throttling, passwords, sessions and API tokens.

Functions here own the transaction: they commit on success and roll back on
failure (``build_user`` only adds and flushes, for callers that write more in the same
transaction, such as the first-run setup). They take the session and the clock as arguments.

Sessions: every session and remember cookie carries the account's ``session_version``
(``User.get_id``); signing out, a password change and deactivation raise it, which ends every
session of the account at once, on every device. A password change and deactivation also
revoke the account's API tokens; a token cannot mint another token.

Account help: an admin (every account) or a coordinator (the coordinators and sellers of their
own club) clears an account's sign-in lock, or gives it a generated one-time password that it
must replace at its next sign-in (``must_change_password``; app/web/auth.py holds every page
but the change page until then, and the API refuses the account's tokens).

Membership (docs/clubs.md): coordinators and sellers belong to exactly one active club;
producer and Youth Union accounts to none; an admin may have a working club. A Youth Union
account names its unit: a province, optionally one commune/ward in it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
import secrets
from typing import Required, TypedDict

import argon2
import argon2.exceptions
import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so
import zxcvbn
from flask_babel import gettext as _
from typing_extensions import Unpack

from app.core import clock, errors, tenancy, uow, validators
from app.models import accounts, orgs
from vietnam import admin_units, text

Role = accounts.Role

_hasher = argon2.PasswordHasher()
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
# zxcvbn's score (0–4): 3 means about 10^8 guesses or more, out of reach of online guessing
# and costly offline against Argon2id. Common passwords, keyboard walks, repeats, dates and
# words taken from the account score lower.
MIN_PASSWORD_SCORE = 3
# zxcvbn refuses longer input (and slows down); a passphrase this long is strong anyway.
_ZXCVBN_MAX_LENGTH = 72
# Words zxcvbn's English lists lack but people here reach for first.
LOCAL_WORDS = (
    "matkhau",
    "mat khau",
    "mật khẩu",
    "ocop",
    "ocoplive",
    "ocop-live",
    "livestream",
    "streamer",
    "banhang",
    "quantri",
    "dangnhap",
    "admin",
    "anhyeuem",
    "emyeuanh",
    "vietnam",
    "hanoi",
    "saigon",
)
TOKEN_PREFIX = "ocop_"
# A generated one-time password: three groups of four characters a person reads aloud and types
# on a phone without mixing them up (no 0/o, 1/l/i), about 59 bits: "k7fm-29qx-h3tp".
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_ONE_TIME_GROUPS = 3
_ONE_TIME_GROUP_LENGTH = 4
_SESSION_ID_RE = re.compile(r"([0-9]{1,18}):([0-9]{1,18})")


class InvalidCredentials(errors.AppError):
    status = 401
    code = "invalid_credentials"


class LoginThrottled(errors.RateLimited):
    code = "login_throttled"


class PasswordChangeRequired(errors.Forbidden):
    """The account signed in with a one-time password and has not chosen its own yet."""

    code = "password_change_required"


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


def password_problems(
    password: str, *, username: str = "", full_name: str = "", email: str | None = None
) -> list[str]:
    """Reasons a password is refused (empty when acceptable): too short or too long, only
    digits, the username itself, or easy to guess (common passwords, repeats, sequences,
    words from the account's own name), as judged by zxcvbn."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("Mật khẩu cần ít nhất %(n)d ký tự.", n=MIN_PASSWORD_LENGTH))
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_("Mật khẩu dài tối đa %(n)d ký tự.", n=MAX_PASSWORD_LENGTH))
    if password.isdigit():
        problems.append(_("Mật khẩu không được chỉ gồm chữ số."))
    if problems:
        return problems
    if username and text.fold(password.strip()) == text.fold(username):
        return [_("Mật khẩu không được trùng tên đăng nhập.")]
    if _guessability(password, username=username, full_name=full_name, email=email) < (
        MIN_PASSWORD_SCORE
    ):
        problems.append(
            _(
                "Mật khẩu quá dễ đoán (mật khẩu phổ biến, ký tự lặp lại, dãy phím, hoặc tên "
                "của chính tài khoản). Hãy dùng một cụm vài từ dễ nhớ, ví dụ "
                "“ca-phe-sang-thu-bay”."
            )
        )
    return problems


def _guessability(password: str, *, username: str, full_name: str, email: str | None) -> int:
    """zxcvbn's score 0–4, with the account's own words counted as easy guesses."""
    folded = text.fold(full_name)
    own = [username, *re.split(r"[._-]", username), full_name, folded, *folded.split()]
    if email:
        own.append(email.split("@", 1)[0])
    inputs = [word for word in own if word] + list(LOCAL_WORDS)
    result = zxcvbn.zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=inputs)
    return int(result["score"])


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


def _check_club(
    session: so.Session,
    fields: dict[str, list[str]],
    role: str,
    club_id: int | None,
    existing: accounts.User | None,
) -> None:
    """Which club an account belongs to, per its role."""
    if role in {r.value for r in accounts.CLUB_ROLES}:
        if club_id is None:
            fields["club_id"] = [_("Điều phối viên và người bán phải thuộc một câu lạc bộ.")]
    elif role in (Role.PRODUCER, Role.UNION) and club_id is not None:
        fields["club_id"] = [
            _("Tài khoản nhà sản xuất và tài khoản Đoàn không thuộc câu lạc bộ nào: để trống.")
        ]
    if club_id is not None and "club_id" not in fields:
        club = session.get(orgs.Club, club_id) if club_id > 0 else None
        unchanged = existing is not None and existing.club_id == club_id
        if club is None:
            fields["club_id"] = [_("Không tìm thấy câu lạc bộ này.")]
        elif club.is_archived and not unchanged:
            fields["club_id"] = [
                _("CLB %(club)s đã ngừng hoạt động: hãy chọn câu lạc bộ khác.", club=club.name)
            ]


def _check_union_unit(
    fields: dict[str, list[str]],
    role: str,
    union_province_code: int | None,
    union_commune_code: int | None,
) -> None:
    """The Youth Union unit of a ``union`` account; no other role has one."""
    if role == Role.UNION:
        province = (
            admin_units.province(union_province_code) if union_province_code is not None else None
        )
        if province is None:
            fields["union_province_code"] = [
                _("Tài khoản Đoàn phải chọn tỉnh/thành phố (bản đồ hành chính 2025).")
            ]
        elif union_commune_code is not None and (
            admin_units.commune(province.code, union_commune_code) is None
        ):
            fields["union_commune_code"] = [_("Xã/phường không thuộc tỉnh đã chọn.")]
    else:
        if union_province_code is not None:
            fields["union_province_code"] = [_("Chỉ tài khoản Đoàn mới chọn đơn vị Đoàn.")]
        if union_commune_code is not None:
            fields["union_commune_code"] = [_("Chỉ tài khoản Đoàn mới chọn đơn vị Đoàn.")]


def validate_user_fields(
    session: so.Session,
    *,
    username: str,
    full_name: str,
    role: str,
    email: str | None,
    producer_id: int | None,
    password: str | None,
    club_id: int | None = None,
    union_province_code: int | None = None,
    union_commune_code: int | None = None,
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
    elif len(full_name) > 200:
        fields["full_name"] = [_("Tối đa %(n)d ký tự.", n=200)]
    if role not in set(Role):
        fields["role"] = [_("Vai trò không hợp lệ.")]
    if email:
        if not EMAIL_RE.match(email) or len(email) > 254:
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
    if role in set(Role):
        _check_club(session, fields, role, club_id, existing)
        _check_union_unit(fields, role, union_province_code, union_commune_code)
    if password is not None and (
        problems := password_problems(password, username=username, full_name=full_name, email=email)
    ):
        fields["password"] = problems
    return fields


class NewUser(TypedDict, total=False):
    """A new account's fields, the keywords of ``build_user`` and ``create_user``."""

    username: Required[str]
    password: Required[str]
    full_name: Required[str]
    role: Required[str]
    email: str | None
    producer_id: int | None
    club_id: object
    union_province_code: object
    union_commune_code: object
    locale: str | None


def build_user(session: so.Session, **new: Unpack[NewUser]) -> accounts.User:
    """Validate, add and flush a new user without committing; ValidationError lists every
    bad field (the caller commits, or rolls back)."""
    username = text.nfc(new["username"]).lower()
    full_name = text.nfc(new["full_name"])
    email = new.get("email")
    email = text.nfc(email).lower() if email else None
    role, password, producer_id = new["role"], new["password"], new.get("producer_id")
    club, province, commune = (
        validators.code_or_invalid(new.get("club_id")),
        validators.code_or_invalid(new.get("union_province_code")),
        validators.code_or_invalid(new.get("union_commune_code")),
    )
    fields = validate_user_fields(
        session,
        username=username,
        full_name=full_name,
        role=role,
        email=email,
        producer_id=producer_id,
        password=password,
        club_id=club,
        union_province_code=province,
        union_commune_code=commune,
    )
    if fields:
        raise errors.ValidationError(fields=fields)
    user = accounts.User(
        username=username,
        full_name=full_name,
        email=email,
        role=Role(role),
        producer_id=producer_id,
        club_id=club,
        union_province_code=province,
        union_commune_code=commune,
        password_hash=hash_password(password),
        locale=new.get("locale"),
    )
    session.add(user)
    session.flush()
    return user


def _flush_or_explain(session: so.Session) -> None:
    """Write now; a unique index another request beat us to becomes a field error, not a 500
    (the unit of work then rolls back)."""
    try:
        session.flush()
    except sa.exc.IntegrityError:
        raise errors.ValidationError(
            fields={"username": [_("Tên đăng nhập hoặc email vừa được dùng cho tài khoản khác.")]}
        ) from None


@uow.transactional
def create_user(session: so.Session, **new: Unpack[NewUser]) -> accounts.User:
    """Create and commit a user; ValidationError lists every bad field."""
    user = build_user(session, **new)
    _flush_or_explain(session)
    return user


@uow.transactional
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
    club_id: object = None,
    union_province_code: object = None,
    union_commune_code: object = None,
) -> accounts.User:
    """Change a user's profile, role, club or unit, status and optionally password; commit."""
    full_name = text.nfc(full_name)
    email = text.nfc(email).lower() if email else None
    club, province, commune = (
        validators.code_or_invalid(club_id),
        validators.code_or_invalid(union_province_code),
        validators.code_or_invalid(union_commune_code),
    )
    fields = validate_user_fields(
        session,
        username=user.username,
        full_name=full_name,
        role=role,
        email=email,
        producer_id=producer_id,
        password=new_password or None,
        club_id=club,
        union_province_code=province,
        union_commune_code=commune,
        existing=user,
    )
    _keep_an_admin(session, fields, user, role=role, active=active)
    if fields:
        raise errors.ValidationError(fields=fields)
    # A new password or a lock ends every session of the account and revokes its tokens.
    ends_access = bool(new_password) or (user.is_active_account and not active)
    user.full_name, user.email, user.role = full_name, email, Role(role)
    user.producer_id = producer_id
    user.club_id = club
    user.union_province_code, user.union_commune_code = province, commune
    user.is_active_account = active
    if new_password:
        user.password_hash = hash_password(new_password)
    if ends_access:
        _end_sessions(session, user)
        _revoke_tokens(session, user, clock.utcnow())
    _flush_or_explain(session)
    return user


def _keep_an_admin(
    session: so.Session,
    fields: dict[str, list[str]],
    user: accounts.User,
    *,
    role: str,
    active: bool,
) -> None:
    """The last active admin can be neither demoted nor locked (by anyone, themselves too).

    Two admins locking each other at the same moment are serialised, so the second finds
    itself the last one: PostgreSQL locks the active admins' rows in id order; SQLite ignores
    FOR UPDATE, so a write first takes its one write lock.
    """
    if role == Role.ADMIN and active:
        return
    User = accounts.User
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(session_version=User.session_version)
            .execution_options(synchronize_session=False)
        )
    admins = list(
        session.scalars(
            sa.select(User.id)
            .where(User.role == Role.ADMIN, User.is_active_account.is_(True))
            .order_by(User.id)
            .with_for_update()
        )
    )
    if admins != [user.id]:
        return
    message = _(
        "Đây là quản trị viên cuối cùng đang hoạt động: hãy thêm hoặc kích hoạt một quản trị "
        "viên khác trước."
    )
    fields.setdefault("active" if role == Role.ADMIN else "role", []).append(message)


@uow.transactional
def set_working_club(session: so.Session, user: accounts.User, club_id: object) -> None:
    """An admin's working club (where what they create goes), or none; commit."""
    if user.role != Role.ADMIN:
        raise errors.ValidationError(
            fields={"club_id": [_("Chỉ quản trị viên chọn câu lạc bộ làm việc.")]}
        )
    club = validators.code_or_invalid(club_id)
    fields: dict[str, list[str]] = {}
    _check_club(session, fields, Role.ADMIN, club, user)
    if fields:
        raise errors.ValidationError(fields=fields)
    user.club_id = club


@uow.transactional
def change_password(
    session: so.Session,
    user: accounts.User,
    current: str,
    new: str,
    now: clock.Clock = clock.utcnow,
) -> None:
    """Change one's own password; commit. Every session of the account ends (the caller signs
    the current one in again) and every API token of the account is revoked."""
    if not _verify(user.password_hash, current):
        raise errors.ValidationError(
            fields={"current_password": [_("Mật khẩu hiện tại không đúng.")]}
        )
    if problems := password_problems(
        new, username=user.username, full_name=user.full_name, email=user.email
    ):
        raise errors.ValidationError(fields={"new_password": problems})
    user.password_hash = hash_password(new)
    user.must_change_password = False
    _end_sessions(session, user)
    _revoke_tokens(session, user, now())


@uow.transactional
def choose_new_password(
    session: so.Session, user: accounts.User, new: str, now: clock.Clock = clock.utcnow
) -> None:
    """The account's own password in place of a one-time one; commit. The current password is
    not asked again (this session signed in with it); the new one follows the password rules
    and differs from the one-time one. Like any password change, every other session ends and
    every API token is revoked."""
    if not user.must_change_password:
        raise errors.Forbidden(_("Tài khoản này không cần đổi mật khẩu một lần."))
    if problems := password_problems(
        new, username=user.username, full_name=user.full_name, email=user.email
    ):
        raise errors.ValidationError(fields={"new_password": problems})
    if _verify(user.password_hash, new):
        raise errors.ValidationError(
            fields={"new_password": [_("Mật khẩu mới phải khác mật khẩu một lần.")]}
        )
    user.password_hash = hash_password(new)
    user.must_change_password = False
    _end_sessions(session, user)
    _revoke_tokens(session, user, now())


# --- sessions -------------------------------------------------------------------


def _end_sessions(session: so.Session, user: accounts.User) -> None:
    """Raise the session version (in SQL, so two at once both count; read it again only after
    the commit): every session and remember cookie issued before no longer loads the user."""
    user.session_version = accounts.User.session_version + 1


def _revoke_tokens(session: so.Session, user: accounts.User, moment: dt.datetime) -> None:
    """Revoke every live API token of the account (in the caller's transaction)."""
    token = accounts.ApiToken
    # No autoflush: the account's own pending changes are flushed by the caller's flush, which
    # turns a unique index clash into a field error.
    with session.no_autoflush:
        session.execute(
            sa.update(token)
            .where(token.user_id == user.id, token.revoked_at.is_(None))
            .values(revoked_at=moment)
        )


@uow.transactional
def sign_out_everywhere(session: so.Session, user: accounts.User) -> None:
    """End every session and remember cookie of the account (signing out); commit."""
    _end_sessions(session, user)


def user_for_session(session: so.Session, session_id: str) -> accounts.User | None:
    """The account a session or remember cookie names (``"<id>:<session version>"``, see
    ``User.get_id``), or None when the version is stale, the account is locked, or the value
    is malformed (a session from before versions existed)."""
    match = _SESSION_ID_RE.fullmatch(session_id or "")
    if match is None:
        return None
    user = session.get(accounts.User, int(match.group(1)))
    if user is None or user.session_version != int(match.group(2)):
        return None
    # A member of an archived club is still loaded: app/web/clubs.py signs them out with the
    # reason at their next page.
    return user if user.is_active_account else None


@uow.transactional
def set_locale(session: so.Session, user: accounts.User, locale: str) -> None:
    user.locale = locale


def _visible_to(scope: tenancy.Scope) -> sa.ColumnElement[bool]:
    """The accounts a scope lists: its clubs' members and its clubs' producers' accounts."""
    if scope.every_club:
        return sa.true()
    User = accounts.User
    return sa.or_(
        scope.club_filter(User.club_id),
        sa.and_(User.role == Role.PRODUCER, scope.producer_filter(User.producer_id)),
    )


def get_user(
    session: so.Session, user_id: int, scope: tenancy.Scope | None = None
) -> accounts.User:
    """A user by id; with a ``scope``, a user outside it is not found (404, never 403)."""
    stmt = sa.select(accounts.User).where(accounts.User.id == user_id)
    if scope is not None:
        stmt = stmt.where(_visible_to(scope))
    user = session.scalar(stmt)
    if user is None:
        raise errors.NotFound(_("Không tìm thấy người dùng."))
    return user


def users_query(
    scope: tenancy.Scope | None = None, role: str | None = None
) -> sa.Select[accounts.User]:
    """Accounts, by role then username; with a ``scope``, only those it may list (a
    coordinator: their club's members and the accounts of the producers their club works
    with)."""
    stmt = sa.select(accounts.User).order_by(accounts.User.role, accounts.User.username)
    if scope is not None:
        stmt = stmt.where(_visible_to(scope))
    if role:
        stmt = stmt.where(accounts.User.role == Role(role))
    return stmt


def union_unit_name(province_code: int | None, commune_code: int | None) -> str | None:
    """'Phường Móng Cái 1, Quảng Ninh' or 'Quảng Ninh' for a Youth Union unit; None without."""
    if province_code is None:
        return None
    province = admin_units.province(province_code)
    if province is None:
        return str(province_code)
    commune = admin_units.commune(province_code, commune_code) if commune_code else None
    return f"{commune.name}, {province.name}" if commune else province.name


def archived_club(user: accounts.User) -> orgs.Club | None:
    """The archived club a coordinator or seller belongs to (they may not sign in), or None."""
    if user.role not in accounts.CLUB_ROLES or user.club is None:
        return None
    return user.club if user.club.is_archived else None


def archived_club_message(club: orgs.Club) -> str:
    """What a member of an archived club is told when signing in."""
    name = club.name
    if not text.fold(name).startswith(("clb", "cau lac bo")):
        name = _("CLB %(name)s", name=name)
    return _(
        "%(club)s đã ngừng hoạt động: tài khoản của CLB không đăng nhập được nữa. Hãy liên hệ "
        "quản trị viên.",
        club=name,
    )


def may_sign_in(user: accounts.User) -> bool:
    """An active account, not a member of an archived club (sessions, tokens, the form)."""
    return user.is_active_account and archived_club(user) is None


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


@uow.transactional
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
    if user is None or not ok or not may_sign_in(user):
        _record_failure(session, user_key, policy.max_failures, policy, moment)
        _record_failure(session, ip_key, policy.ip_max_failures, policy, moment)
        try:
            uow.checkpoint(session, "a failed sign-in counts although the call then refuses")
        except sa.exc.IntegrityError:
            uow.discard(session, "another failure for the same key at the same moment counted")
        _purge_stale_failures(session, policy, moment)  # after: never the counters just written
        uow.checkpoint(session, "stale failures go although the call then refuses")
        if until := _locked_until(session, user_key, moment):
            raise _throttled(until, moment)
        # A locked account says nothing more than a wrong password would: no oracle.
        if (
            user is not None
            and ok
            and user.is_active_account
            and (club := archived_club(user)) is not None
        ):
            raise InvalidCredentials(archived_club_message(club))
        raise InvalidCredentials(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(sa.delete(accounts.LoginFailure).where(accounts.LoginFailure.key == user_key))
    user.last_login_at = moment
    return user


# --- account help: unlock, one-time password ------------------------------------


def _user_key(user: accounts.User) -> str:
    """The sign-in throttle's key of an account (``authenticate`` counts the same one)."""
    return f"user:{user.username}"


def password_change_required_message() -> str:
    return _(
        "Tài khoản đang dùng mật khẩu một lần: hãy đăng nhập trên trình duyệt và đặt mật khẩu "
        "mới. Đến lúc đó mọi mã API của tài khoản đều bị từ chối."
    )


def can_help(helper: accounts.User, user: accounts.User) -> bool:
    """An admin helps every account; a coordinator the coordinators and sellers of their own
    club (never an admin, a producer or Youth Union account, nor anyone of another club)."""
    if helper.role == Role.ADMIN:
        return True
    return (
        helper.role == Role.COORDINATOR
        and helper.club_id is not None
        and user.role in accounts.CLUB_ROLES
        and user.club_id == helper.club_id
    )


def user_to_help(session: so.Session, helper: accounts.User, user_id: int) -> accounts.User:
    """The account ``helper`` unlocks or gives a one-time password. An account outside the
    helper's scope is not found (404, as a missing id); one the helper lists but may not help
    (a coordinator: an admin or a producer account) is 403."""
    if helper.role not in (Role.ADMIN, Role.COORDINATOR):
        raise errors.Forbidden()
    user = get_user(session, user_id, tenancy.scope_for(session, helper))
    if not can_help(helper, user):
        raise errors.Forbidden(
            _(
                "Điều phối viên chỉ hỗ trợ tài khoản điều phối viên và người bán của câu lạc bộ "
                "mình; các tài khoản khác do quản trị viên hỗ trợ."
            )
        )
    return user


def sign_in_locks(
    session: so.Session, users: list[accounts.User], now: clock.Clock = clock.utcnow
) -> dict[int, dt.datetime]:
    """User id → end of its sign-in lock, for those of ``users`` locked now."""
    keys = {_user_key(user): user.id for user in users}
    if not keys:
        return {}
    failure = accounts.LoginFailure
    rows = session.scalars(
        sa.select(failure).where(failure.key.in_(sorted(keys)), failure.locked_until > now())
    )
    return {keys[row.key]: row.locked_until for row in rows if row.locked_until is not None}


@uow.transactional
def unlock_sign_in(
    session: so.Session, user: accounts.User, now: clock.Clock = clock.utcnow
) -> bool:
    """Clear the account's failed sign-in count and lock (an address's own lock stays); commit.
    True when the account was locked. A deactivated account stays deactivated."""
    was_locked = _locked_until(session, _user_key(user), now()) is not None
    _clear_sign_in_lock(session, user)
    return was_locked


def _clear_sign_in_lock(session: so.Session, user: accounts.User) -> None:
    """Forget the account's failed sign-ins (and so its lock); an address's own lock stays."""
    session.execute(
        sa.delete(accounts.LoginFailure)
        .where(accounts.LoginFailure.key == _user_key(user))
        .execution_options(synchronize_session=False)
    )


def generate_one_time_password(user: accounts.User) -> str:
    """A random password that passes the password rules for ``user``."""
    for _attempt in range(100):
        candidate = "-".join(
            "".join(secrets.choice(_ONE_TIME_ALPHABET) for _i in range(_ONE_TIME_GROUP_LENGTH))
            for _g in range(_ONE_TIME_GROUPS)
        )
        if not password_problems(
            candidate, username=user.username, full_name=user.full_name, email=user.email
        ):
            return candidate
    raise RuntimeError("no acceptable one-time password generated")  # pragma: no cover


@uow.transactional
def set_one_time_password(
    session: so.Session,
    user: accounts.User,
    *,
    by: accounts.User | None,
    now: clock.Clock = clock.utcnow,
) -> str:
    """Give the account a generated one-time password; commit and return it, to be shown once
    to the helper (it is never stored in clear nor logged). The account must choose its own at
    the next sign-in; every session of it ends, every API token is revoked and its sign-in lock
    is cleared. ``by``: the helper (None: the command line), who may not be the account
    itself (one's own password is changed on the Account page)."""
    if by is not None and by.id == user.id:
        raise errors.ValidationError(
            _("Đây là tài khoản của bạn: hãy đổi mật khẩu ở trang Tài khoản.")
        )
    password = generate_one_time_password(user)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    _end_sessions(session, user)
    _revoke_tokens(session, user, now())
    with session.no_autoflush:
        _clear_sign_in_lock(session, user)
    return password


# --- API tokens ---------------------------------------------------------------


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@uow.transactional
def issue_token(
    session: so.Session,
    user: accounts.User,
    name: str,
    now: clock.Clock = clock.utcnow,
    *,
    via_token: bool = False,
) -> IssuedToken:
    """A new token for ``user``; commit. ``via_token``: the request was authenticated by an API
    token, which may not mint another one (it would outlive its own revocation)."""
    if via_token:
        raise errors.Forbidden(
            _(
                "Mã API không tạo được mã API khác: hãy đăng nhập bằng mật khẩu rồi tạo mã ở "
                "trang Tài khoản (hoặc dùng lệnh flask tokens create)."
            )
        )
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
    return IssuedToken(token=token, secret=secret)


def user_for_token(
    session: so.Session, secret: str, now: clock.Clock = clock.utcnow
) -> accounts.User | None:
    """The active user owning a live token, or None."""
    token = session.scalar(
        sa.select(accounts.ApiToken)
        .where(accounts.ApiToken.token_hash == _token_hash(secret))
        # one round trip per API call
        .options(so.joinedload(accounts.ApiToken.user).joinedload(accounts.User.club))
    )
    if token is None or token.revoked_at is not None or not may_sign_in(token.user):
        return None
    moment = now()
    # Record use at most every few minutes: a script's every call need not write.
    if token.last_used_at is None or moment - token.last_used_at > dt.timedelta(minutes=5):
        with uow.unit_of_work(session):
            token.last_used_at = moment
    return token.user


def user_tokens(session: so.Session, user: accounts.User) -> list[accounts.ApiToken]:
    return list(
        session.scalars(
            sa.select(accounts.ApiToken)
            .where(accounts.ApiToken.user_id == user.id, accounts.ApiToken.revoked_at.is_(None))
            .order_by(accounts.ApiToken.created_at.desc())
        )
    )


@uow.transactional
def revoke_token(
    session: so.Session, user: accounts.User, token_id: int, now: clock.Clock = clock.utcnow
) -> None:
    token = session.get(accounts.ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise errors.NotFound(_("Không tìm thấy mã API."))
    token.revoked_at = now()
