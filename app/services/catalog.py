"""Products with their variants, OCOP certificates and links; search and filters.

``apply_product`` validates and writes without committing, so the importer can
apply many rows in one all-or-nothing transaction; ``save_product`` is the
committing entry point for pages and the API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import re
import urllib.parse
import zoneinfo
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import clock, errors, ocop, tenancy, text, validators
from app.models import accounts, catalog, channels, orgs

Product = catalog.Product
Variant = catalog.Variant
Certificate = catalog.Certificate
LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
CHANNELS = ("shopee", "tiktok", "lazada", "postmart", "voso", "website")
SORTS = ("name", "newest", "price_asc", "price_desc", "stars", "stock")
CERTIFICATE_STATUSES = (*(status.value for status in ocop.Status), "none")
PRODUCT_FIELDS = ("name", "description", "unit", "brand", "ingredients", "shelf_life")
VARIANT_FIELDS = (
    "sku",
    "name",
    "price",
    "stock",
    "weight_g",
    "length_cm",
    "width_cm",
    "height_cm",
    "barcode",
)
MAX_PRICE = 1_000_000_000_000


def today_local(now: clock.Clock = clock.utcnow) -> dt.date:
    """Today's date in Vietnam (certificate status is a matter of calendar days there)."""
    return now().astimezone(LOCAL_TZ).date()


def certificate_status(
    expires_on: dt.date | None, today: dt.date | None = None
) -> ocop.Status | None:
    """A certificate's status on Vietnam's calendar (today by default); None without one."""
    if expires_on is None:
        return None
    return ocop.status(expires_on, today or today_local())


# --- validation helpers --------------------------------------------------------


def _text(value: Any, limit: int | None = None) -> str | None:
    if value is None:
        return None
    cleaned = text.nfc(str(value))
    if limit is not None and len(cleaned) > limit:
        raise ValueError(_("Tối đa %(n)d ký tự.", n=limit))
    return cleaned or None


def _int(value: Any, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("Phải là số nguyên."))
    if isinstance(value, float | decimal.Decimal):
        if value != int(value):
            raise ValueError(_("Phải là số nguyên (không có phần lẻ)."))
        value = int(value)
    if isinstance(value, str):
        digits = value.strip().replace(".", "").replace(",", "").replace(" ", "")
        digits = digits.removesuffix("₫").removesuffix("đ")
        if not re.fullmatch(r"-?\d+", digits):
            raise ValueError(_("Phải là số nguyên."))
        value = int(digits)
    if value < minimum:
        raise ValueError(_("Không được nhỏ hơn %(n)d.", n=minimum))
    if maximum is not None and value > maximum:
        raise ValueError(_("Không được lớn hơn %(n)d.", n=maximum))
    return int(value)


def _decimal(value: Any, *, maximum: int = 100_000) -> decimal.Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = decimal.Decimal(str(value).strip().replace(",", "."))
    except decimal.InvalidOperation:
        raise ValueError(_("Phải là một số.")) from None
    if not number.is_finite() or number < 0 or number > maximum:
        raise ValueError(_("Phải là số từ 0 đến %(n)d.", n=maximum))
    return number.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP)


def _collect(fields: dict[str, list[str]], name: str, parse: Any) -> Any:
    try:
        return parse()
    except ValueError as exc:
        fields.setdefault(name, []).append(str(exc))
        return None


# --- products and variants ------------------------------------------------------


def validate_variants(
    session: so.Session, rows: list[dict[str, Any]], product: Product | None
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Check each variant; field names are ``variants.<i>.<field>``."""
    fields: dict[str, list[str]] = {}
    clean_rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    if not rows:
        fields["variants"] = [_("Cần ít nhất một phân loại (SKU).")]
    for index, row in enumerate(rows):
        prefix = f"variants.{index}."
        sku = text.nfc(str(row.get("sku") or "")).upper()
        if not SKU_RE.match(sku):
            fields[prefix + "sku"] = [_("Mã SKU gồm chữ, số, dấu chấm, gạch (tối đa 64 ký tự).")]
        elif sku in seen:
            fields[prefix + "sku"] = [_("Mã SKU bị trùng trong sản phẩm.")]
        else:
            seen[sku] = index
            owner = session.scalar(sa.select(Variant).where(Variant.sku == sku))
            if owner is not None and (product is None or owner.product_id != product.id):
                fields[prefix + "sku"] = [_("Mã SKU %(sku)s đã thuộc sản phẩm khác.", sku=sku)]
        clean = {"sku": sku, "position": index}
        clean["name"] = _collect(fields, prefix + "name", lambda r=row: _text(r.get("name"), 100))
        if not clean["name"]:
            clean["name"] = _("Mặc định")
        clean["price"] = _collect(
            fields, prefix + "price", lambda r=row: _int(r.get("price"), maximum=MAX_PRICE)
        )
        if clean["price"] is None and prefix + "price" not in fields:
            fields[prefix + "price"] = [_("Hãy nhập giá (đồng).")]
        clean["stock"] = (
            _collect(
                fields, prefix + "stock", lambda r=row: _int(r.get("stock"), maximum=10_000_000)
            )
            or 0
        )
        clean["weight_g"] = _collect(
            fields, prefix + "weight_g", lambda r=row: _int(r.get("weight_g"), maximum=1_000_000)
        )
        for dim in ("length_cm", "width_cm", "height_cm"):
            clean[dim] = _collect(fields, prefix + dim, lambda r=row, d=dim: _decimal(r.get(d)))
        barcode = text.nfc(str(row.get("barcode") or "")).replace(" ", "") or None
        if barcode and not validators.is_gtin(barcode):
            fields[prefix + "barcode"] = [_("Mã vạch EAN/UPC không hợp lệ (sai số kiểm tra).")]
        clean["barcode"] = barcode
        if "id" in row and row["id"] not in (None, ""):
            clean["id"] = row["id"]
        clean_rows.append(clean)
    return clean_rows, fields


def validate_product(
    session: so.Session, scope: tenancy.Scope, data: dict[str, Any], product: Product | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a product's own fields; its producer must be one the scope may edit."""
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    limits = {"name": 200, "unit": 50, "brand": 100, "shelf_life": 100}
    for name in PRODUCT_FIELDS:
        clean[name] = _collect(fields, name, lambda n=name: _text(data.get(n), limits.get(n)))
    if not clean["name"]:
        fields.setdefault("name", []).append(_("Hãy nhập tên sản phẩm."))
    producer_id = data.get("producer_id", product.producer_id if product else None)
    try:
        producer_id = int(producer_id) if producer_id not in (None, "") else None
    except (TypeError, ValueError):
        producer_id = None
    if scope.producer_id is not None and producer_id not in (None, scope.producer_id):
        fields["producer_id"] = [_("Bạn chỉ quản lý sản phẩm của cơ sở mình.")]
    elif (
        producer_id is None
        or session.get(orgs.Producer, producer_id) is None
        or not scope.sees_producer(session, producer_id)
    ):
        # A producer out of the club's scope reads as unknown: its existence is not confirmed.
        fields["producer_id"] = [_("Chọn chủ thể sản xuất.")]
    elif not scope.can_edit_producer(session, producer_id):
        fields["producer_id"] = [_("Bạn chỉ quản lý sản phẩm của cơ sở mình.")]
    clean["producer_id"] = producer_id
    category_id = data.get("category_id")
    if category_id not in (None, ""):
        try:
            category_id = int(category_id)
        except (TypeError, ValueError):
            category_id = -1
        if session.get(catalog.OcopCategory, category_id) is None:
            fields["category_id"] = [_("Nhóm sản phẩm OCOP không tồn tại.")]
    else:
        category_id = None
    clean["category_id"] = category_id
    return clean, fields


def refresh_derived(product: Product) -> None:
    """Recompute the search text, price range, stock and OCOP summary of a product."""
    variants = list(product.variants)
    prices = [v.price for v in variants if v.price is not None]
    product.min_price = min(prices) if prices else None
    product.max_price = max(prices) if prices else None
    product.total_stock = sum(v.stock or 0 for v in variants)
    current = max(product.certificates, key=lambda c: c.decision_date, default=None)
    product.ocop_stars = current.stars if current else None
    product.ocop_expires_on = current.expires_on if current else None
    words = [product.name, product.brand or "", product.producer.name if product.producer else ""]
    words += [v.sku for v in variants] + [v.name for v in variants]
    if product.category is not None:
        words.append(product.category.name)
    # The folded name comes first, so ordering by search_text orders by name.
    product.search_text = " ".join(text.fold(w) for w in words if w)


def apply_product(
    session: so.Session,
    scope: tenancy.Scope,
    data: dict[str, Any],
    product: Product | None = None,
    *,
    replace_variants: bool = True,
) -> Product:
    """Validate and write a product with its variants (no commit).

    With ``replace_variants`` the given list is the whole set (missing SKUs are
    removed); otherwise variants are upserted by SKU and others kept.
    """
    clean, fields = validate_product(session, scope, data, product)
    variant_rows, variant_fields = validate_variants(
        session, list(data.get("variants") or []), product
    )
    fields.update(variant_fields)
    if fields:
        raise errors.ValidationError(fields=fields)
    if product is None:
        product = Product(**clean)
        session.add(product)
    else:
        for name, value in clean.items():
            setattr(product, name, value)
        product.version += 1
    by_sku = {v.sku: v for v in product.variants}
    keep = set()
    for row in variant_rows:
        row.pop("id", None)
        variant = by_sku.get(row["sku"])
        if variant is None:
            variant = Variant(**row)
            product.variants.append(variant)
        else:
            for name, value in row.items():
                setattr(variant, name, value)
        keep.add(row["sku"])
    if replace_variants:
        for sku, variant in by_sku.items():
            if sku not in keep:
                product.variants.remove(variant)
    session.flush()
    session.refresh(product, ["producer", "category"])
    refresh_derived(product)
    return product


def save_product(
    session: so.Session, user: accounts.User, data: dict[str, Any], product_id: int | None = None
) -> Product:
    """Create (no id) or update a product and its variants; commit."""
    scope = tenancy.scope_for(session, user)
    product = None
    if product_id is not None:
        product = editable_product(session, user, product_id)
        expected = data.get("version")
        if expected not in (None, "") and int(expected) != product.version:
            raise errors.Conflict(_("Sản phẩm vừa được người khác sửa. Hãy tải lại rồi sửa tiếp."))
    else:
        scope.check_writable()
    try:
        product = apply_product(session, scope, data, product)
        session.commit()
    except so.exc.StaleDataError:
        session.rollback()
        raise errors.Conflict(
            _("Sản phẩm vừa được người khác sửa. Hãy tải lại rồi sửa tiếp.")
        ) from None
    except Exception:
        session.rollback()
        raise
    notify_channels(session, user, [product.id])
    return product


def notify_channels(session: so.Session, user: Any, product_ids: list[int]) -> None:
    """Price and stock changes go on to every live marketplace listing (as a job)."""
    from app.services.channels import sync  # late: the channels services import this module

    sync.products_changed(session, user, product_ids)


def delete_product(session: so.Session, user: accounts.User, product_id: int) -> None:
    product = editable_product(session, user, product_id)
    on_sale = session.scalar(
        sa.select(sa.func.count())
        .select_from(channels.Listing)
        .where(
            channels.Listing.product_id == product.id,
            channels.Listing.state.in_(
                (
                    channels.ListingState.LIVE,
                    channels.ListingState.PUBLISHING,
                    channels.ListingState.QUEUED,
                )
            ),
        )
    )
    if on_sale:
        raise errors.Conflict(
            _(
                "Sản phẩm đang được đăng trên %(n)d kênh bán. Hãy gỡ tin trên sàn trước khi xoá.",
                n=on_sale,
            )
        )
    session.delete(product)
    session.commit()


def _visible_product(session: so.Session, scope: tenancy.Scope, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None or not scope.sees_producer(session, product.producer_id):
        raise errors.NotFound(_("Không tìm thấy sản phẩm."))
    return product


def get_product(session: so.Session, user: accounts.User, product_id: int) -> Product:
    """A product the user may see: of a producer their club works with (an admin: any; a
    producer account: its own organisation's). Others answer 404."""
    return _visible_product(session, tenancy.scope_for(session, user), product_id)


def editable_product(session: so.Session, user: accounts.User, product_id: int) -> Product:
    """A product the user may change: 404 out of scope, 403 when only readable (the Youth
    Union)."""
    scope = tenancy.scope_for(session, user)
    product = _visible_product(session, scope, product_id)
    if not scope.can_edit_producer(session, product.producer_id):
        raise errors.Forbidden()
    return product


def get_public_product(session: so.Session, product_id: int) -> Product:
    """An active product for the public page (no sign-in), with everything the page shows
    loaded in one round trip (the page is the most visited one: see bench/load)."""
    product = session.get(
        Product,
        product_id,
        options=[
            so.joinedload(Product.producer),
            so.joinedload(Product.category),
            so.joinedload(Product.variants),
            so.joinedload(Product.images),
            so.joinedload(Product.certificates),
            so.joinedload(Product.links),
        ],
    )
    if product is None or not product.is_active:
        raise errors.NotFound(_("Không tìm thấy sản phẩm."))
    return product


# --- certificates ---------------------------------------------------------------


def validate_certificate(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    score = _collect(fields, "score", lambda: _decimal(data.get("score"), maximum=100))
    stars = _collect(fields, "stars", lambda: _int(data.get("stars"), minimum=1, maximum=5))
    clean["score"] = score
    decision_date = data.get("decision_date")
    if isinstance(decision_date, str):
        try:
            decision_date = dt.date.fromisoformat(decision_date.strip())
        except ValueError:
            decision_date = None
            fields["decision_date"] = [_("Ngày quyết định không hợp lệ (YYYY-MM-DD).")]
    elif isinstance(decision_date, dt.datetime):
        decision_date = decision_date.date()
    if not isinstance(decision_date, dt.date):
        fields.setdefault("decision_date", [_("Hãy nhập ngày quyết định.")])
        decision_date = None
    elif decision_date > today_local():
        fields["decision_date"] = [_("Ngày quyết định không thể ở tương lai.")]
    clean["decision_date"] = decision_date
    clean["decision_number"] = _collect(
        fields, "decision_number", lambda: _text(data.get("decision_number"), 64)
    )
    if not clean["decision_number"]:
        fields.setdefault("decision_number", [_("Hãy nhập số quyết định.")])
    clean["authority"] = _collect(fields, "authority", lambda: _text(data.get("authority"), 200))
    if not clean["authority"]:
        fields.setdefault("authority", [_("Hãy nhập cơ quan cấp.")])
    level = str(data.get("level") or "")
    if level not in {lv.value for lv in catalog.CertificateLevel}:
        fields["level"] = [_("Chọn cấp đánh giá: huyện, tỉnh hoặc trung ương.")]
    clean["level"] = level
    if "score" not in fields and "stars" not in fields:
        try:
            clean["stars"] = ocop.certificate_stars(score, stars)
            if decision_date is not None and "level" not in fields:
                ocop.check_level(clean["stars"], level, decision_date)
        except ocop.RuleError as exc:
            fields.setdefault(exc.field, []).append(_rule_message(exc))
    if decision_date is not None:
        clean["expires_on"] = ocop.expires_on(decision_date)
    return clean, fields


def _rule_message(exc: ocop.RuleError) -> str:
    """The user's-language wording of an OCOP rule failure."""
    if exc.code == "mismatch":
        score = decimal.Decimal(str(exc.params["score"])).normalize()
        return _(
            "Điểm %(score)s tương ứng %(derived)s sao, không phải %(stars)s sao.",
            score=format(score, "f"),
            derived=exc.params["derived"],
            stars=exc.params["stars"],
        )
    messages = {
        "score_range": _("Điểm phải từ 0 đến 100."),
        "missing": _("Nhập điểm hoặc số sao."),
        "not_certified": _("Chỉ sản phẩm 3–5 sao (từ 50 điểm) được công nhận OCOP."),
        "central_is_5": _("Cấp trung ương chỉ công nhận 5 sao."),
        "five_is_central": _("Sản phẩm 5 sao do cấp trung ương đánh giá."),
        "district_is_3": _("Cấp huyện chỉ công nhận 3 sao."),
        "district_abolished": _("Từ ngày 06/07/2025 không còn cấp huyện đánh giá OCOP."),
    }
    return messages.get(exc.code, str(exc))


def save_certificate(
    session: so.Session,
    user: accounts.User,
    product_id: int,
    data: dict[str, Any],
    certificate_id: int | None = None,
) -> Certificate:
    product = editable_product(session, user, product_id)
    clean, fields = validate_certificate(data)
    if fields:
        raise errors.ValidationError(fields=fields)
    if certificate_id is None:
        certificate = Certificate(**clean)
        product.certificates.append(certificate)
    else:
        certificate = _certificate_of(product, certificate_id)
        for name, value in clean.items():
            setattr(certificate, name, value)
    session.flush()
    session.refresh(product, ["certificates"])
    refresh_derived(product)
    session.commit()
    return certificate


def delete_certificate(
    session: so.Session, user: accounts.User, product_id: int, certificate_id: int
) -> None:
    product = editable_product(session, user, product_id)
    product.certificates.remove(_certificate_of(product, certificate_id))
    session.flush()
    refresh_derived(product)
    session.commit()


def _certificate_of(product: Product, certificate_id: int) -> Certificate:
    for certificate in product.certificates:
        if certificate.id == certificate_id:
            return certificate
    raise errors.NotFound(_("Không tìm thấy giấy chứng nhận."))


def expiring_query(
    scope: tenancy.Scope, today: dt.date, days: int = ocop.EXPIRING_DAYS
) -> sa.Select[tuple[Certificate]]:
    """Current certificates expiring within ``days`` (soonest first), of the producers the
    scope reaches."""
    stmt = (
        sa.select(Certificate)
        .join(Product, Certificate.product_id == Product.id)
        .where(
            Certificate.expires_on >= today,
            Certificate.expires_on < today + dt.timedelta(days=days),
            Product.ocop_expires_on == Certificate.expires_on,
            scope.producer_filter(Product.producer_id),
        )
        .order_by(Certificate.expires_on, Certificate.id)
    )
    return stmt


# --- links (where to buy) -------------------------------------------------------


def save_links(
    session: so.Session, user: accounts.User, product_id: int, links: list[dict[str, Any]]
) -> Product:
    """Replace a product's where-to-buy links (https URLs on a known channel)."""
    product = editable_product(session, user, product_id)
    fields: dict[str, list[str]] = {}
    clean = []
    for index, link in enumerate(links):
        channel = str(link.get("channel") or "")
        url = text.nfc(str(link.get("url") or ""))
        if channel not in CHANNELS:
            fields[f"links.{index}.channel"] = [_("Kênh bán không hợp lệ.")]
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.netloc or len(url) > 500:
            fields[f"links.{index}.url"] = [_("Đường dẫn phải bắt đầu bằng https://")]
        clean.append(catalog.ProductLink(channel=channel, url=url))
    if fields:
        raise errors.ValidationError(fields=fields)
    product.links = clean
    session.commit()
    return product


# --- search and filters ---------------------------------------------------------


@dataclasses.dataclass
class ProductFilters:
    q: str | None = None
    category_id: int | None = None
    stars: int | None = None
    producer_id: int | None = None
    province_code: int | None = None
    certificate_status: str | None = None  # active | expiring | expired | none
    in_stock: bool | None = None
    sort: str = "name"

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> ProductFilters:
        """Filters from query arguments (pages, exports); values that make no sense are ignored."""

        def number(name: str) -> int | None:
            value = args.get(name)
            try:
                return int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                return None

        in_stock = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
        status = args.get("certificate_status") or None
        sort = str(args.get("sort") or "name")
        q = text.nfc(str(args.get("q") or "")) or None
        return cls(
            q=q,
            category_id=number("category_id"),
            stars=number("stars"),
            producer_id=number("producer_id"),
            province_code=number("province_code"),
            certificate_status=status if status in CERTIFICATE_STATUSES else None,
            in_stock=in_stock.get(str(args.get("in_stock") or "").strip().lower()),
            sort=sort if sort in SORTS else "name",
        )


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def product_query(
    scope: tenancy.Scope, filters: ProductFilters, today: dt.date
) -> sa.Select[tuple[Product]]:
    """Products the scope reaches (its clubs' producers'; a producer account its own),
    filtered and sorted.

    Text search ignores case and Vietnamese diacritics: every word must appear
    in the product's name, brand, producer, SKUs or category.
    """
    stmt = sa.select(Product).where(scope.producer_filter(Product.producer_id))
    if filters.q:
        for word in text.fold(filters.q).split()[:8]:
            stmt = stmt.where(Product.search_text.like(f"%{_like_escape(word)}%", escape="\\"))
    if filters.category_id:
        chosen = (
            sa.select(catalog.OcopCategory.code)
            .where(catalog.OcopCategory.id == filters.category_id)
            .scalar_subquery()
        )
        subtree = sa.select(catalog.OcopCategory.id).where(
            sa.or_(
                catalog.OcopCategory.code == chosen, catalog.OcopCategory.code.like(chosen + ".%")
            )
        )
        stmt = stmt.where(Product.category_id.in_(subtree))
    if filters.stars:
        stmt = stmt.where(Product.ocop_stars == filters.stars)
    if filters.producer_id:
        stmt = stmt.where(Product.producer_id == filters.producer_id)
    if filters.province_code:
        stmt = stmt.where(
            Product.producer_id.in_(
                sa.select(orgs.Producer.id).where(
                    orgs.Producer.province_code == filters.province_code
                )
            )
        )
    if filters.certificate_status == "none":
        stmt = stmt.where(Product.ocop_expires_on.is_(None))
    elif filters.certificate_status in {s.value for s in ocop.Status}:
        low, high = ocop.status_bounds(ocop.Status(filters.certificate_status), today)
        if low is not None:
            stmt = stmt.where(Product.ocop_expires_on >= low)
        if high is not None:
            stmt = stmt.where(Product.ocop_expires_on < high)
    if filters.in_stock is True:
        stmt = stmt.where(Product.total_stock > 0)
    elif filters.in_stock is False:
        stmt = stmt.where(Product.total_stock == 0)
    order = {
        "name": [Product.search_text, Product.id],
        "newest": [Product.created_at.desc(), Product.id.desc()],
        "price_asc": [Product.min_price.asc().nulls_last(), Product.id],
        "price_desc": [Product.max_price.desc().nulls_last(), Product.id],
        "stars": [Product.ocop_stars.desc().nulls_last(), Product.search_text, Product.id],
        "stock": [Product.total_stock.desc(), Product.id],
    }[filters.sort if filters.sort in SORTS else "name"]
    return stmt.order_by(*order)


def category_choices(session: so.Session) -> list[catalog.OcopCategory]:
    return list(
        session.scalars(
            sa.select(catalog.OcopCategory).order_by(
                catalog.OcopCategory.position, catalog.OcopCategory.id
            )
        )
    )
