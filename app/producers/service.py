"""Producers (chủ thể OCOP): validate, create, update, list — within the club scope.

A club's staff reach the producers their club works with (``club_producers``); a producer
they create is linked to their club. An admin reaches every producer; a producer account its
own organisation; the Youth Union reads the producers of its clubs (``app.tenancy``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import extensions
from app.core import errors, permissions, tenancy, uow, validators
from app.core.text import has_controls
from app.http import routing
from app.models import accounts, catalog, orgs
from vietnam import admin_units, phones, text

ProducerType = orgs.ProducerType
FIELDS = (
    "name",
    "type",
    "tax_code",
    "contact_person",
    "phone",
    "province_code",
    "commune_code",
    "district",
    "address_line",
    "story",
)
# Longest value of each text field (the columns' lengths; the story is free text).
TEXT_LIMITS = {
    "name": 200,
    "contact_person": 200,
    "district": 100,
    "address_line": 255,
    "story": 10_000,
}
MULTILINE_FIELDS = frozenset({"story"})


def _code(value: Any) -> int | None:
    """An administrative-unit code: None when blank, -1 (no such unit) when not a number."""
    code = validators.code_or_invalid(value)
    return code if code is None or 0 < code <= routing.MAX_ID else -1


def _taken(
    session: so.Session,
    scope: tenancy.Scope | None,
    other: orgs.Producer | None,
    existing: orgs.Producer | None,
    message: str,
) -> list[str]:
    """The problem when a name or tax code is another producer's. One outside the scope is
    not shown: an admin links the existing producer to the club instead of a duplicate."""
    if other is None or other is existing:
        return []
    if scope is not None and not scope.sees_producer(session, other.id):
        return [
            _(
                "Chủ thể này đã có trong hệ thống nhưng chưa làm việc với câu lạc bộ của bạn: "
                "nhờ quản trị viên liên kết chủ thể đó với câu lạc bộ."
            )
        ]
    return [message]


def validate(
    session: so.Session,
    data: dict[str, Any],
    existing: orgs.Producer | None = None,
    scope: tenancy.Scope | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Normalise producer fields; return (clean values, field → problems)."""
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {name: validators.clean_text(data.get(name)) for name in FIELDS}
    for name, limit in TEXT_LIMITS.items():
        value = clean[name]
        if value and len(value) > limit:
            fields[name] = [_("Tối đa %(n)d ký tự.", n=limit)]
        elif value and name in MULTILINE_FIELDS and has_controls(value, allow_newlines=True):
            fields[name] = [_("Không được chứa ký tự điều khiển.")]
        elif value and name not in MULTILINE_FIELDS and has_controls(value):
            fields[name] = [_("Không được chứa xuống dòng, tab hay ký tự điều khiển.")]
    if not clean["name"]:
        fields["name"] = [_("Hãy nhập tên chủ thể.")]
    elif "name" not in fields:
        other = session.scalar(sa.select(orgs.Producer).where(orgs.Producer.name == clean["name"]))
        problems = _taken(session, scope, other, existing, _("Đã có chủ thể tên này."))
        if problems:
            fields["name"] = problems
    if clean["type"] not in {t.value for t in ProducerType}:
        fields["type"] = [_("Chọn loại chủ thể.")]
    if clean["tax_code"]:
        if not validators.is_tax_code(clean["tax_code"]):
            fields["tax_code"] = [
                _("Mã số thuế gồm 10 chữ số (chi nhánh thêm -XXX) hoặc 12 chữ số.")
            ]
        else:
            other = session.scalar(
                sa.select(orgs.Producer).where(orgs.Producer.tax_code == clean["tax_code"])
            )
            problems = _taken(
                session, scope, other, existing, _("Mã số thuế này đã thuộc chủ thể khác.")
            )
            if problems:
                fields["tax_code"] = problems
    if clean["phone"]:
        phone = phones.normalise(clean["phone"])
        if not phones.is_phone(phone):
            fields["phone"] = [_("Số điện thoại Việt Nam không hợp lệ.")]
        clean["phone"] = phone
    province_code, commune_code = _code(data.get("province_code")), _code(data.get("commune_code"))
    province = admin_units.province(province_code) if province_code is not None else None
    if province is None:
        fields["province_code"] = [_("Chọn tỉnh/thành phố (bản đồ hành chính 2025).")]
    clean["province_code"], clean["province"] = province_code, province.name if province else ""
    commune = None
    if commune_code is not None and province is not None:
        commune = admin_units.commune(province.code, commune_code)
        if commune is None:
            fields["commune_code"] = [_("Xã/phường không thuộc tỉnh đã chọn.")]
    elif commune_code is None:
        fields["commune_code"] = [_("Chọn xã/phường.")]
    clean["commune_code"] = commune_code
    clean["commune"] = commune.name if commune else None
    return clean, fields


def _club_for_new(
    session: so.Session, scope: tenancy.Scope, data: dict[str, Any], fields: dict[str, list[str]]
) -> orgs.Club | None:
    """The club a new producer is linked to: the one picked (``club_id``, within the scope),
    else the scope's home club. An admin without a working club may link it to none."""
    raw = data.get("club_id")
    if raw not in (None, ""):
        club_id = _code(raw)  # -1 for anything that is not an id the database can hold
        club = session.get(orgs.Club, club_id)
        if club is None or not scope.sees_club(club.id) or club.is_archived:
            fields["club_id"] = [_("Chọn câu lạc bộ đang hoạt động.")]
            return None
        return club
    if scope.home_club_id is None and scope.every_club:
        return None
    return session.get(orgs.Club, scope.home_club())


@uow.transactional
def create(session: so.Session, user: accounts.User, data: dict[str, Any]) -> orgs.Producer:
    """A new producer, linked to the creator's club (see ``_club_for_new``); commit."""
    if not permissions.can(user, "producers.create"):
        raise errors.Forbidden()
    scope = tenancy.scope_for(session, user)
    scope.check_writable()
    clean, fields = validate(session, data, scope=scope)
    club = _club_for_new(session, scope, data, fields)
    if fields:
        raise errors.ValidationError(fields=fields)
    producer = orgs.Producer(**clean, clubs=[club] if club is not None else [])
    session.add(producer)
    return producer


@uow.transactional
def update(
    session: so.Session, user: accounts.User, producer_id: int, data: dict[str, Any]
) -> orgs.Producer:
    """Change a producer's fields: 404 out of scope, 403 when only readable; commit."""
    scope = tenancy.scope_for(session, user)
    producer = editable(session, user, producer_id)
    merged = {name: getattr(producer, name) for name in FIELDS}
    merged.update(data)
    clean, fields = validate(session, merged, existing=producer, scope=scope)
    if fields:
        raise errors.ValidationError(fields=fields)
    renamed = clean["name"] != producer.name
    for name, value in clean.items():
        setattr(producer, name, value)
    if renamed:
        from app.catalog import service as catalog_service  # products index the name

        for product in session.scalars(
            sa.select(catalog.Product).where(catalog.Product.producer_id == producer.id)
        ):
            catalog_service.refresh_derived(product)
    return producer


@uow.transactional
def set_logo(session: so.Session, producer: orgs.Producer, path: str | None) -> None:
    producer.logo_path = path


def get(session: so.Session, user: accounts.User, producer_id: int) -> orgs.Producer:
    """A producer the user may see (their clubs' producers; a producer account its own);
    any other answers 404."""
    producer = session.get(orgs.Producer, producer_id)
    scope = tenancy.scope_for(session, user)
    if producer is None or not scope.sees_producer(session, producer.id):
        raise errors.NotFound(_("Không tìm thấy chủ thể sản xuất."))
    return producer


def can_edit(session: so.Session, user: accounts.User, producer: orgs.Producer) -> bool:
    return tenancy.scope_for(session, user).can_edit_producer(session, producer.id)


def editable(session: so.Session, user: accounts.User, producer_id: int) -> orgs.Producer:
    """A producer the user may change: 404 out of scope, 403 when only readable."""
    producer = get(session, user, producer_id)
    if not can_edit(session, user, producer):
        raise errors.Forbidden()
    return producer


def scope_producers(session: so.Session, scope: tenancy.Scope) -> list[orgs.Producer]:
    """Every producer the scope reaches, by name (for pickers and filters)."""
    return list(
        session.scalars(
            sa.select(orgs.Producer)
            .where(scope.producer_filter(orgs.Producer.id))
            .order_by(orgs.Producer.name)
        )
    )


def _matching_ids(q: str) -> sa.Select[int]:
    """Ids of producers whose name or tax code contains every word of q, ignoring diacritics.

    Producers number in the hundreds, so the folding happens in Python over a small query.
    """
    words = text.fold(q).split()
    session = extensions.session()
    ids = [
        producer_id
        for producer_id, name, tax_code in session.execute(
            sa.select(orgs.Producer.id, orgs.Producer.name, orgs.Producer.tax_code)
        )
        if all(word in f"{text.fold(name)} {tax_code or ''}" for word in words)
    ]
    return sa.select(orgs.Producer.id).where(orgs.Producer.id.in_(ids or [-1]))


def query(
    scope: tenancy.Scope, q: str | None = None, province_code: int | None = None
) -> sa.Select[orgs.Producer]:
    """Producers the scope reaches, by name, optionally searched and filtered by province."""
    stmt = (
        sa.select(orgs.Producer)
        .where(scope.producer_filter(orgs.Producer.id))
        .order_by(orgs.Producer.name)
    )
    if q:
        stmt = stmt.where(orgs.Producer.id.in_(_matching_ids(q)))
    if province_code:
        stmt = stmt.where(orgs.Producer.province_code == province_code)
    return stmt
