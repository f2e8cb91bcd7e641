"""Clubs (the tenants): validate, create, edit, archive and restore them; their logo, their
default bank account for VietQR and the producers they work with.

Builders (``build_club``, ``apply_club``, ``apply_bank_account``) validate, add and flush
without committing, so the first-run setup writes the admin, the club and its bank account in
one transaction; the other public functions own their transaction (commit, or roll back and
raise). Only an admin (or the command line's operator) manages clubs; everyone with
``clubs.view`` reads the clubs their scope reaches (docs/clubs.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.catalog import images as images_service
from app.core import clock, errors, tenancy, uow, validators
from app.models import accounts, orders, orgs
from app.orders import payments
from vietnam import admin_units, phones, text

Role = accounts.Role
FIELDS = ("name", "province_code", "commune_code", "contact_name", "contact_phone", "contact_email")
BANK_FIELDS = ("bank_bin", "account_number", "account_name")
CLUBS_DIR = "clubs"  # under MEDIA_ROOT: clubs/<id>/logo-<random>.png|jpg
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PRODUCERS = 500  # producers one change may link a club to


# --- who may manage ----------------------------------------------------------------------


def _require_manager(scope: tenancy.Scope) -> None:
    """Admins (every club, writable) and the command line's operator manage clubs."""
    if scope.read_only or not scope.every_club or scope.role not in (Role.ADMIN, None):
        raise errors.Forbidden()


def _managed_club(session: so.Session, scope: tenancy.Scope, club_id: int) -> orgs.Club:
    """A club of the scope that its account may manage (403 otherwise; 404 for another's)."""
    _require_manager(scope)
    return get_club(session, scope, club_id)


# --- reading -----------------------------------------------------------------------------


def clubs_query(scope: tenancy.Scope, archived: bool | None = False) -> sa.Select[Any]:
    """The clubs a scope reaches, by name: active ones (``archived`` False), archived ones
    (True) or both (None)."""
    stmt = sa.select(orgs.Club).where(scope.club_filter(orgs.Club.id)).order_by(orgs.Club.name)
    if archived is True:
        stmt = stmt.where(orgs.Club.archived_at.is_not(None))
    elif archived is False:
        stmt = stmt.where(orgs.Club.archived_at.is_(None))
    return stmt


def get_club(session: so.Session, scope: tenancy.Scope, club_id: int) -> orgs.Club:
    """A club in scope; another club's id is a 404 (its existence is not confirmed)."""
    message = _("Không tìm thấy câu lạc bộ.")
    scope.check(club_id, message)
    club = session.get(orgs.Club, club_id)
    if club is None:
        raise errors.NotFound(message)
    return club


def active_clubs(session: so.Session) -> list[orgs.Club]:
    """Every active club, by name (membership pickers: staff join only active clubs)."""
    return list(
        session.scalars(
            sa.select(orgs.Club).where(orgs.Club.archived_at.is_(None)).order_by(orgs.Club.name)
        )
    )


def bank_account(session: so.Session, club_id: int) -> orders.PaymentAccount | None:
    """The club's default account for VietQR transfers, or None."""
    return session.scalar(
        sa.select(orders.PaymentAccount).where(orders.PaymentAccount.club_id == club_id)
    )


def bank_choices() -> list[tuple[str, str]]:
    """(BIN, bank name) of the banks VietQR payments know, by name."""
    return sorted(payments.BANKS.items(), key=lambda item: text.fold(item[1]))


def member_counts(session: so.Session, club_ids: list[int]) -> dict[int, int]:
    """Club id → number of coordinator and seller accounts."""
    if not club_ids:
        return {}
    rows = session.execute(
        sa.select(accounts.User.club_id, sa.func.count())
        .where(
            accounts.User.club_id.in_(club_ids),
            accounts.User.role.in_([r.value for r in accounts.CLUB_ROLES]),
        )
        .group_by(accounts.User.club_id)
    )
    return {int(club_id): int(count) for club_id, count in rows if club_id is not None}


# --- validation --------------------------------------------------------------------------


def validate(
    session: so.Session, data: dict[str, Any], existing: orgs.Club | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Normalise a club's fields; return (clean values, field → problems)."""
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {name: validators.clean_text(data.get(name)) for name in FIELDS}
    name = clean["name"]
    if not name:
        fields["name"] = [_("Hãy nhập tên câu lạc bộ.")]
    elif len(name) > 200:
        fields["name"] = [_("Tối đa %(n)d ký tự.", n=200)]
    else:
        wanted = name.casefold()
        for other_id, other_name in session.execute(sa.select(orgs.Club.id, orgs.Club.name)):
            if other_name.casefold() == wanted and (existing is None or other_id != existing.id):
                fields["name"] = [_("Đã có câu lạc bộ tên này.")]
                break
    province_code = validators.code_or_invalid(data.get("province_code"))
    commune_code = validators.code_or_invalid(data.get("commune_code"))
    province = admin_units.province(province_code) if province_code is not None else None
    if province is None:
        fields["province_code"] = [
            _("Chọn tỉnh/thành phố của Đoàn quản lý CLB (bản đồ hành chính 2025).")
        ]
    clean["province_code"] = province.code if province else None
    clean["province"] = province.name if province else ""
    commune = None
    if commune_code is not None and province is not None:
        commune = admin_units.commune(province.code, commune_code)
        if commune is None:
            fields["commune_code"] = [_("Xã/phường không thuộc tỉnh đã chọn.")]
    elif commune_code is not None:
        fields["commune_code"] = [_("Chọn tỉnh/thành phố trước khi chọn xã/phường.")]
    clean["commune_code"] = commune.code if commune else None
    clean["commune"] = commune.name if commune else None
    if clean["contact_name"] and len(clean["contact_name"]) > 200:
        fields["contact_name"] = [_("Tối đa %(n)d ký tự.", n=200)]
    if clean["contact_phone"]:
        phone = phones.normalise(clean["contact_phone"])
        if not phones.is_phone(phone):
            fields["contact_phone"] = [_("Số điện thoại Việt Nam không hợp lệ.")]
        clean["contact_phone"] = phone
    if clean["contact_email"]:
        email = clean["contact_email"].lower()
        if not EMAIL_RE.match(email) or len(email) > 254:
            fields["contact_email"] = [_("Địa chỉ email không hợp lệ.")]
        clean["contact_email"] = email
    return clean, fields


def validate_bank_account(
    data: dict[str, Any] | None,
) -> tuple[dict[str, str] | None, dict[str, list[str]]]:
    """(bank_bin, account_number, account_name) checked as the payment-account page checks
    them (app.services.orders.payments: a known VietQR bank, 6–19 digits, the holder's name
    in capitals without accents); (None, {}) when every field is blank: no account."""
    data = data or {}
    if not any(str(data.get(name) or "").strip() for name in BANK_FIELDS):
        return None, {}
    fields: dict[str, list[str]] = {}
    bank_bin = str(data.get("bank_bin") or "").strip()
    if bank_bin not in payments.BANKS:
        fields["bank_bin"] = [_("Hãy chọn ngân hàng trong danh sách.")]
    number = re.sub(r"[\s.\-]", "", str(data.get("account_number") or ""))
    if not payments.ACCOUNT_NUMBER_RE.match(number):
        fields["account_number"] = [_("Số tài khoản gồm 6–19 chữ số.")]
    name = payments.account_name_key(str(data.get("account_name") or ""))
    if not payments.ACCOUNT_NAME_RE.match(name):
        fields["account_name"] = [_("Tên chủ tài khoản: 2–70 chữ cái không dấu, như trên thẻ.")]
    clean = {"bank_bin": bank_bin, "account_number": number, "account_name": name}
    return clean, fields


# --- builders (no commit) ----------------------------------------------------------------


def apply_bank_account(
    session: so.Session, club: orgs.Club, data: dict[str, Any] | None
) -> orders.PaymentAccount | None:
    """Set (or, with every field blank, remove) the club's VietQR account; flush, no commit."""
    clean, fields = validate_bank_account(data)
    if fields:
        raise errors.ValidationError(fields=fields)
    row = bank_account(session, club.id) if club.id is not None else None
    if clean is None:
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    if row is None:
        row = orders.PaymentAccount(club_id=club.id)
        session.add(row)
    row.bank_bin = clean["bank_bin"]
    row.account_number = clean["account_number"]
    row.account_name = clean["account_name"]
    session.flush()
    return row


def build_club(session: so.Session, data: dict[str, Any]) -> orgs.Club:
    """Validate, add and flush a new club (and its bank account when ``data`` has one under
    ``bank_account``), without committing; ValidationError names every bad field."""
    clean, fields = validate(session, data)
    bank = data.get("bank_account")
    _bank, bank_fields = validate_bank_account(bank)
    fields.update(bank_fields)
    if fields:
        raise errors.ValidationError(fields=fields)
    club = orgs.Club(**clean)
    session.add(club)
    session.flush()
    if bank is not None:
        apply_bank_account(session, club, bank)
    return club


def apply_club(session: so.Session, club: orgs.Club, data: dict[str, Any]) -> orgs.Club:
    """Change a club's fields (those in ``data``; others stay) and, when ``data`` has the key
    ``bank_account``, its bank account (None or blank removes it); flush, no commit."""
    merged = {name: getattr(club, name) for name in FIELDS}
    merged.update({name: data[name] for name in FIELDS if name in data})
    clean, fields = validate(session, merged, existing=club)
    if "bank_account" in data:
        fields.update(validate_bank_account(data["bank_account"])[1])
    if fields:
        raise errors.ValidationError(fields=fields)
    for name, value in clean.items():
        setattr(club, name, value)
    if "bank_account" in data:
        apply_bank_account(session, club, data["bank_account"])
    session.flush()
    return club


def _flush_or_explain(session: so.Session) -> None:
    """Write now; a club name another request took a moment ago becomes a field error (the
    unit of work then rolls back)."""
    try:
        session.flush()
    except sa.exc.IntegrityError:
        raise errors.ValidationError(fields={"name": [_("Đã có câu lạc bộ tên này.")]}) from None


# --- committing wrappers -----------------------------------------------------------------


@uow.transactional
def create_club(session: so.Session, scope: tenancy.Scope, data: dict[str, Any]) -> orgs.Club:
    """Create a club (with its bank account and producers when given); commit."""
    _require_manager(scope)
    club = build_club(session, data)
    if data.get("producer_ids"):
        _link(session, club, data["producer_ids"])
    _flush_or_explain(session)
    return club


@uow.transactional
def update_club(
    session: so.Session, scope: tenancy.Scope, club_id: int, data: dict[str, Any]
) -> orgs.Club:
    """Change a club's fields and bank account (see ``apply_club``); commit."""
    club = _managed_club(session, scope, club_id)
    apply_club(session, club, data)
    if "producer_ids" in data:
        club.producers.clear()
        _link(session, club, data["producer_ids"] or [])
    _flush_or_explain(session)
    return club


@uow.transactional
def archive_club(
    session: so.Session, scope: tenancy.Scope, club_id: int, now: clock.Clock = clock.utcnow
) -> orgs.Club:
    """Archive a club: its data stays (reports, the Youth Union's view), its coordinators and
    sellers can no longer sign in or use their API tokens, and admins who worked in it have no
    working club until they choose another (nothing new is created in it); commit."""
    club = _managed_club(session, scope, club_id)
    if club.archived_at is None:
        club.archived_at = now()
        session.execute(
            sa.update(accounts.User)
            .where(accounts.User.club_id == club.id, accounts.User.role == Role.ADMIN)
            .values(club_id=None)
            .execution_options(synchronize_session="fetch")
        )
    return club


@uow.transactional
def restore_club(session: so.Session, scope: tenancy.Scope, club_id: int) -> orgs.Club:
    """Undo ``archive_club``: the club's staff sign in again; commit."""
    club = _managed_club(session, scope, club_id)
    club.archived_at = None
    return club


@uow.transactional
def set_bank_account(
    session: so.Session, scope: tenancy.Scope, club_id: int, data: dict[str, Any] | None
) -> orders.PaymentAccount | None:
    """Set or (blank) remove a club's default VietQR account; commit."""
    club = _managed_club(session, scope, club_id)
    return apply_bank_account(session, club, data)


# --- producers -----------------------------------------------------------------------------


def _link(session: so.Session, club: orgs.Club, producer_ids: list[Any]) -> None:
    if len(producer_ids) > MAX_PRODUCERS:
        raise errors.ValidationError(
            fields={"producer_ids": [_("Tối đa %(n)s chủ thể sản xuất.", n=MAX_PRODUCERS)]}
        )
    wanted: list[int] = []
    for raw in producer_ids:
        number = validators.parse_id(raw)  # past 2**31 - 1 no producer can have it
        if number is None:
            raise errors.ValidationError(
                fields={"producer_ids": [_("Mã chủ thể không hợp lệ: %(v)s.", v=str(raw)[:20])]}
            )
        if number not in wanted:
            wanted.append(number)
    found = {
        p.id: p
        for p in session.scalars(sa.select(orgs.Producer).where(orgs.Producer.id.in_(wanted)))
    }
    missing = [str(pid) for pid in wanted if pid not in found]
    if missing:
        raise errors.ValidationError(
            fields={"producer_ids": [_("Không tìm thấy chủ thể: %(ids)s.", ids=", ".join(missing))]}
        )
    for pid in wanted:
        if found[pid] not in club.producers:
            club.producers.append(found[pid])
    session.flush()


def set_producers(
    session: so.Session, scope: tenancy.Scope, club_id: int, producer_ids: list[Any]
) -> orgs.Club:
    """The producers a club works with are exactly ``producer_ids``; commit."""
    return update_club(session, scope, club_id, {"producer_ids": list(producer_ids)})


@uow.transactional
def link_producer(
    session: so.Session, scope: tenancy.Scope, club_id: int, producer_id: int
) -> orgs.Club:
    """The club also works with this producer (its staff see and edit its catalog); commit."""
    club = _managed_club(session, scope, club_id)
    _link(session, club, [producer_id])
    return club


@uow.transactional
def unlink_producer(
    session: so.Session, scope: tenancy.Scope, club_id: int, producer_id: int
) -> orgs.Club:
    """The club no longer works with this producer (orders already taken stay); commit."""
    club = _managed_club(session, scope, club_id)
    producer = next((p for p in club.producers if p.id == producer_id), None)
    if producer is None:
        raise errors.NotFound(_("Câu lạc bộ này không làm việc với chủ thể đó."))
    club.producers.remove(producer)
    return club


def producer_choices(session: so.Session) -> list[orgs.Producer]:
    """Every producer, by name (an admin links any of them to a club)."""
    return list(session.scalars(sa.select(orgs.Producer).order_by(orgs.Producer.name)))


# --- logo ----------------------------------------------------------------------------------


def set_logo(
    session: so.Session,
    scope: tenancy.Scope,
    club_id: int,
    upload: IO[bytes] | Any,
    media_root: str | Path,
) -> orgs.Club:
    """Store a club logo as producer logos are stored (checked and re-encoded by
    app.services.images, within 512 × 512, PNG when transparent else JPEG); commit."""
    club = _managed_club(session, scope, club_id)
    path = images_service.store_logo(upload, media_root, f"{CLUBS_DIR}/{club.id}")
    old = club.logo_path
    try:
        with uow.unit_of_work(session):
            club.logo_path = path
    except BaseException:
        images_service.remove_files(media_root, path)
        raise
    images_service.remove_files(media_root, old)
    return club


def delete_logo(
    session: so.Session, scope: tenancy.Scope, club_id: int, media_root: str | Path
) -> orgs.Club:
    club = _managed_club(session, scope, club_id)
    with uow.unit_of_work(session):
        old, club.logo_path = club.logo_path, None
    images_service.remove_files(media_root, old)
    return club


def logo_file(
    session: so.Session, scope: tenancy.Scope, club_id: int, media_root: str | Path
) -> Path:
    """The stored logo of a club in scope (NotFound when there is none)."""
    club = get_club(session, scope, club_id)
    root = Path(media_root).resolve()
    if not club.logo_path:
        raise errors.NotFound(_("Câu lạc bộ chưa có logo."))
    path = (root / club.logo_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise errors.NotFound(_("Câu lạc bộ chưa có logo."))
    return path
