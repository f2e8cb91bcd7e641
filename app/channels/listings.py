"""Listing bindings: which product is on which channel account, in what state.

A binding is unique per (account, product); the product's variants are its
SKUs. This module builds what is sent (``draft_for``), checks it against the
channel's rules, and carries the seller's actions (publish, retry, pause,
resume, delist, certificate override). The pushing itself is in ``publishing``.

A listing belongs to its shop's club: only that club's staff reach it (``app.tenancy``), and
a shop lists only products of the producers its club works with (a producer's own shop: only
that producer's).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.catalog import service as catalog_service
from app.channels import adapters
from app.core import clock, errors, tenancy, uow
from app.models import accounts, catalog, channels
from integrations import base, registry
from integrations import errors as channel_errors
from vietnam import ocop, text

State = channels.ListingState
MAX_PRODUCTS_PER_PUBLISH = 1000


def get_listing(session: so.Session, listing_id: int, *, scope: tenancy.Scope) -> channels.Listing:
    """A listing of a shop of the scope's clubs; any other answers 404."""
    listing = session.get(channels.Listing, listing_id)
    if listing is None or not scope.sees_club(listing.account.club_id):
        raise errors.NotFound(_("Không tìm thấy tin đăng."))
    return listing


def sellable(account: channels.ChannelAccount) -> sa.ColumnElement[bool]:
    """A WHERE clause on products keeping those this shop may list: of the producers its
    club works with, and for a producer's own shop, of that producer only."""
    clause: sa.ColumnElement[bool] = catalog.Product.producer_id.in_(
        tenancy.producers_of_club(account.club_id)
    )
    if account.producer_id is not None:
        clause = sa.and_(clause, catalog.Product.producer_id == account.producer_id)
    return clause


def listings_query(
    account_id: int | None = None, state: str | None = None, product_id: int | None = None
) -> sa.Select[channels.Listing]:
    stmt = sa.select(channels.Listing).order_by(
        channels.Listing.updated_at.desc(), channels.Listing.id.desc()
    )
    if account_id is not None:
        stmt = stmt.where(channels.Listing.account_id == account_id)
    if product_id is not None:
        stmt = stmt.where(channels.Listing.product_id == product_id)
    if state:
        try:
            stmt = stmt.where(channels.Listing.state == State(state))
        except ValueError:
            raise errors.ValidationError(
                fields={"state": [_("Trạng thái không hợp lệ.")]}
            ) from None
    return stmt


def state_counts(session: so.Session, account_id: int) -> dict[str, int]:
    rows = session.execute(
        sa.select(channels.Listing.state, sa.func.count())
        .where(channels.Listing.account_id == account_id)
        .group_by(channels.Listing.state)
    )
    return {str(state): int(n) for state, n in rows}


# --- what is sent ---------------------------------------------------------------


def category_for(
    session: so.Session, account: channels.ChannelAccount, product: catalog.Product
) -> str:
    if product.category_id is not None:
        mapped = session.scalars(
            sa.select(channels.CategoryMapping.external_id).where(
                channels.CategoryMapping.account_id == account.id,
                channels.CategoryMapping.ocop_category_id == product.category_id,
            )
        ).first()
        if mapped:
            return mapped
    return str((account.config or {}).get("default_category_id") or "")


def description_for(product: catalog.Product) -> str:
    """The listing text: the story first, then the facts buyers ask about."""
    lines = [product.description or product.name]
    if product.ocop_stars:
        current = product.certificates[0] if product.certificates else None
        cert = _("Sản phẩm OCOP %(n)d sao", n=product.ocop_stars)
        if current is not None:
            cert += _(" (quyết định %(no)s)", no=current.decision_number)
        lines.append(cert)
    if product.ingredients:
        lines.append(_("Thành phần: %(v)s", v=product.ingredients))
    if product.shelf_life:
        lines.append(_("Hạn sử dụng: %(v)s", v=product.shelf_life))
    producer = product.producer
    if producer is not None:
        lines.append(
            _("Chủ thể: %(name)s – %(place)s", name=producer.name, place=producer.province)
        )
    return text.nfc("\n\n".join(line.strip() for line in lines if line and line.strip()))


def draft_for(session: so.Session, listing: channels.Listing) -> base.ListingDraft:
    product, account = listing.product, listing.account
    root = adapters.media_root()
    variants = list(product.variants)
    weight = next((v.weight_g for v in variants if v.weight_g), None) or 500
    return base.ListingDraft(
        product_code=f"P{product.id}",
        title=text.nfc(product.name),
        description=description_for(product),
        category_id=category_for(session, account, product),
        skus=tuple(
            base.Sku(seller_sku=v.sku, price=int(v.price), stock=int(v.stock or 0), name=v.name)
            for v in variants
        ),
        images=tuple(
            base.ImageRef(
                path=str(Path(root) / image.path),
                remote_id=(listing.image_ids or {}).get(str(image.id), ""),
            )
            for image in product.images
        ),
        weight_grams=int(weight),
        brand=product.brand or "",
    )


def payload_hash(draft: base.ListingDraft) -> str:
    """Fingerprint of what was sent: a changed hash means the listing needs a sync."""
    body = dataclasses.asdict(draft)
    for image in body["images"]:
        image.pop("remote_id", None)
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def certificate_blocks(
    product: catalog.Product, listing: channels.Listing, now: clock.Clock = clock.utcnow
) -> bool:
    """True when an expired OCOP certificate must keep this listing paused."""
    if listing.certificate_override or product.ocop_expires_on is None:
        return False
    today = catalog_service.today_local(now)
    return catalog_service.certificate_status(product.ocop_expires_on, today) == ocop.Status.EXPIRED


def check(
    session: so.Session, listing: channels.Listing, adapter: base.ChannelAdapter
) -> dict[str, list[channel_errors.Problem | str]]:
    """Per-field problems (codes and params) under the channel's rules, before anything is
    sent; ``messages.field_lines`` words them."""
    return adapter.validate(draft_for(session, listing))


# --- the seller's actions ---------------------------------------------------------


@uow.transactional
def bind(
    session: so.Session,
    user: accounts.User,
    account_id: int,
    product_ids: Sequence[int],
) -> list[channels.Listing]:
    """Create (or re-queue) the bindings for these products on an account of the user's
    clubs; commit. Products the shop may not list read as not found."""
    scope = tenancy.scope_for(session, user)
    account = session.get(channels.ChannelAccount, account_id)
    if account is None or not scope.sees_club(account.club_id):
        raise errors.NotFound(_("Không tìm thấy kênh bán."))
    scope.check_writable()
    ids = list(dict.fromkeys(int(i) for i in product_ids))
    if not ids:
        raise errors.ValidationError(fields={"product_ids": [_("Chọn ít nhất một sản phẩm.")]})
    if len(ids) > MAX_PRODUCTS_PER_PUBLISH:
        raise errors.ValidationError(
            fields={
                "product_ids": [_("Tối đa %(n)d sản phẩm mỗi lần.", n=MAX_PRODUCTS_PER_PUBLISH)]
            }
        )
    if account.status != channels.AccountStatus.CONNECTED:
        raise errors.Conflict(
            _(
                "Kênh chưa được kết nối. Điều phối viên hoặc quản trị viên CLB bấm “Kết nối” ở "
                "trang gian hàng trước khi đăng."
            )
        )
    products = {
        p.id: p
        for p in session.scalars(
            sa.select(catalog.Product).where(catalog.Product.id.in_(ids), sellable(account))
        )
    }
    missing = [i for i in ids if i not in products]
    if missing:
        raise errors.ValidationError(
            fields={
                "product_ids": [
                    _("Không tìm thấy sản phẩm: %(ids)s", ids=", ".join(map(str, missing)))
                ]
            }
        )
    existing = {
        listing.product_id: listing
        for listing in session.scalars(
            sa.select(channels.Listing).where(
                channels.Listing.account_id == account_id, channels.Listing.product_id.in_(ids)
            )
        )
    }
    pack = registry.get(account.marketplace).kind is base.Kind.PACK
    out = []
    for product_id in ids:
        listing = existing.get(product_id)
        if listing is None:
            listing = channels.Listing(
                account_id=account_id, product_id=product_id, sku_ids={}, image_ids={}
            )
            session.add(listing)
        if listing.state in (State.LIVE, State.PUBLISHING, State.PAUSED):
            out.append(listing)
            continue
        if listing.state == State.DELISTED and listing.external_id:
            listing.paused_reason = "delisted"  # the push relists it instead of creating
        listing.state = State.DRAFT if pack else State.QUEUED
        listing.attempts, listing.next_attempt_at = 0, None
        listing.last_error = listing.error_fields = listing.error_code = None
        out.append(listing)
    return out


@uow.transactional
def retry(session: so.Session, listing_id: int, *, scope: tenancy.Scope) -> channels.Listing:
    listing = get_listing(session, listing_id, scope=scope)
    scope.check_writable()
    if listing.state not in (State.FAILED, State.NEEDS_ACTION, State.QUEUED):
        raise errors.Conflict(_("Chỉ thử lại được tin đăng lỗi hoặc cần xử lý."))
    pack = registry.get(listing.account.marketplace).kind is base.Kind.PACK
    listing.state = State.DRAFT if pack else State.QUEUED
    listing.attempts, listing.next_attempt_at = 0, None
    listing.last_error = listing.error_fields = listing.error_code = None
    return listing


@uow.transactional
def set_certificate_override(
    session: so.Session, listing_id: int, on: bool, *, scope: tenancy.Scope
) -> channels.Listing:
    """Let a listing stay on sale although its OCOP certificate expired (seller's call)."""
    listing = get_listing(session, listing_id, scope=scope)
    scope.check_writable()
    listing.certificate_override = on
    return listing


def queued_ids(session: so.Session, listings: Iterable[channels.Listing]) -> list[int]:
    return [listing.id for listing in listings if listing.state == State.QUEUED]


def for_product(
    session: so.Session, product_id: int, states: Sequence[State]
) -> list[channels.Listing]:
    return list(
        session.scalars(
            sa.select(channels.Listing).where(
                channels.Listing.product_id == product_id, channels.Listing.state.in_(states)
            )
        )
    )
