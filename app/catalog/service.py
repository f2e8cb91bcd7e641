"""Products with their variants, OCOP certificates and links; search and filters.

``apply_product`` validates and writes without committing, so the importer can
apply many rows in one all-or-nothing transaction; ``save_product`` is the
committing entry point for pages and the API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import functools
import hashlib
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

import blinker
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import clock, errors, formatting, links, tenancy, uow, validators
from app.core.text import has_controls
from app.http import routing
from app.models import accounts, catalog, channels, orgs
from vietnam import ocop, text

Product = catalog.Product
Variant = catalog.Variant
Certificate = catalog.Certificate
LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
CHANNELS = ("shopee", "tiktok", "lazada", "postmart", "voso", "website")
SORTS = ("name", "newest", "price_asc", "price_desc", "stars", "stock")
CERTIFICATE_STATUSES = (*(status.value for status in ocop.Status), "none")

# Sent after a commit (sender: the session; ``user``, ``product_ids``). The channels service
# listens (``channels.sync.listen``, connected by the app factory), so the catalog needs no
# import of the features that follow it.
_signals = blinker.Namespace()
products_changed = _signals.signal("catalog.products-changed")
certificates_changed = _signals.signal("catalog.certificates-changed")
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
# Business bounds: what a club's catalog can sensibly hold, well inside the columns' ranges
# (a sum of stocks or a price × quantity stays far from 2**31 and 2**63).
MAX_PRICE = 1_000_000_000  # đồng per unit
MAX_STOCK = 1_000_000
MAX_WEIGHT_G = 1_000_000  # 1 tonne, packed
MAX_DIMENSION_CM = 1_000
MAX_VARIANTS = 100  # per product: a marketplace listing takes about as many
MAX_LINKS = 20  # where-to-buy links per product
MAX_ID = routing.MAX_ID
TEXT_LIMITS = {
    "name": 200,
    "unit": 50,
    "brand": 100,
    "shelf_life": 100,
    "description": 10_000,
    "ingredients": 5_000,
}
MULTILINE_FIELDS = frozenset({"description", "ingredients"})
# Business dates (certificate decisions) fall in 2000–2100, and never in the future.
FIRST_BUSINESS_DATE = dt.date(2000, 1, 1)
LAST_BUSINESS_DATE = dt.date(2100, 12, 31)
_INTEGER_RE = re.compile(r"-?(?:\d+|\d{1,3}(?:[.,]\d{3})+)")
_MAX_DIGITS = 18


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


def certificate_expired(product: Product, today: dt.date | None = None) -> bool:
    """True when the product's current OCOP certificate has expired (False without one)."""
    return certificate_status(product.ocop_expires_on, today) == ocop.Status.EXPIRED


def valid_stars(product: Product, today: dt.date | None = None) -> int | None:
    """The stars a product may show (a badge, a video): its current certificate's, only while
    that certificate has not expired; None otherwise."""
    if product.ocop_stars is None or product.ocop_expires_on is None:
        return None
    return None if certificate_expired(product, today) else int(product.ocop_stars)


def variant_count_problem(count: int) -> str | None:
    """Why a product may not have ``count`` variants (None when it may): the one cap that
    forms, the API and imports share."""
    if count <= MAX_VARIANTS:
        return None
    return _(
        "Mỗi sản phẩm có tối đa %(max)d phân loại (SKU); ở đây có %(n)d.",
        max=MAX_VARIANTS,
        n=count,
    )


def database_id(value: Any) -> int | None:
    """An id from a form or a body: None when blank, -1 (matches no row) when it is not an id
    the database can hold (1 … 2**31 - 1), so a lookup answers "not found", never overflows."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return -1
    try:
        number = int(value) if isinstance(value, int) else int(str(value).strip())
    except (TypeError, ValueError):
        return -1
    return number if 1 <= number <= MAX_ID else -1


# --- validation helpers --------------------------------------------------------


def _text(value: Any, limit: int | None = None, *, multiline: bool = False) -> str | None:
    if value is None:
        return None
    cleaned = text.nfc(str(value))
    if limit is not None and len(cleaned) > limit:
        raise ValueError(_("Tối đa %(n)d ký tự.", n=limit))
    if has_controls(cleaned, allow_newlines=multiline):
        if multiline:
            raise ValueError(_("Không được chứa ký tự điều khiển."))
        raise ValueError(_("Không được chứa xuống dòng, tab hay ký tự điều khiển."))
    return cleaned or None


def _too_big(maximum: int | None) -> ValueError:
    if maximum is None:
        return ValueError(_("Phải là số nguyên."))
    return ValueError(_("Không được lớn hơn %(n)s.", n=formatting.number(maximum)))


def _int(value: Any, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    """An integer from a form cell, a file cell or a JSON number; ``95.000 ₫`` is 95000."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("Phải là số nguyên."))
    if isinstance(value, float | decimal.Decimal):
        if not decimal.Decimal(value).is_finite():
            raise ValueError(_("Phải là số nguyên."))
        if value != int(value):
            raise ValueError(_("Phải là số nguyên (không có phần lẻ)."))
        value = int(value)
    if isinstance(value, str):
        digits = value.strip().replace(" ", "").replace("\u00a0", "")
        digits = digits.removesuffix("₫").removesuffix("đ")
        if not _INTEGER_RE.fullmatch(digits):
            raise ValueError(_("Phải là số nguyên."))
        digits = digits.replace(".", "").replace(",", "")
        if len(digits.lstrip("-")) > _MAX_DIGITS:
            if digits.startswith("-"):
                raise ValueError(_("Không được nhỏ hơn %(n)d.", n=minimum))
            raise _too_big(maximum)
        value = int(digits)
    if not isinstance(value, int):
        raise ValueError(_("Phải là số nguyên."))
    if value < minimum:
        raise ValueError(_("Không được nhỏ hơn %(n)d.", n=minimum))
    if maximum is not None and value > maximum:
        raise _too_big(maximum)
    return int(value)


def _decimal(value: Any, *, maximum: int) -> decimal.Decimal | None:
    """A number as entered (``7,5`` is 7.5), between 0 and ``maximum``; never rounded here."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("Phải là một số."))
    try:
        number = decimal.Decimal(str(value).strip().replace(",", "."))
    except decimal.InvalidOperation:
        raise ValueError(_("Phải là một số.")) from None
    if not number.is_finite() or number < 0 or number > maximum:
        raise ValueError(_("Phải là số từ 0 đến %(n)d.", n=maximum))
    return number


def _dimension(value: Any) -> decimal.Decimal | None:
    """A package side in cm, kept to one decimal (the column's precision)."""
    number = _decimal(value, maximum=MAX_DIMENSION_CM)
    if number is None:
        return None
    return number.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP)


def _collect(fields: dict[str, list[str]], name: str, parse: Any) -> Any:
    try:
        return parse()
    except ValueError as exc:
        fields.setdefault(name, []).append(str(exc))
        return None


# --- products and variants ------------------------------------------------------


def _sku(row: Mapping[str, Any]) -> str:
    return text.nfc(str(row.get("sku") or "")).upper()


def validate_variants(
    session: so.Session,
    rows: list[dict[str, Any]],
    product: Product | None,
    *,
    replace: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Check each variant; field names are ``variants.<i>.<field>``.

    ``replace``: the rows are the product's whole set of variants; otherwise they are added
    to (or update) its current ones. Either way the product may end up with at most
    ``MAX_VARIANTS``; more is refused at once, before any row is checked.
    """
    fields: dict[str, list[str]] = {}
    clean_rows: list[dict[str, Any]] = []
    problem = variant_count_problem(len(rows))
    if problem:
        return [], {"variants": [problem]}
    if not rows:
        fields["variants"] = [_("Cần ít nhất một phân loại (SKU).")]
    skus = [_sku(row) for row in rows]
    owners = dict(
        session.execute(
            sa.select(Variant.sku, Variant.product_id).where(
                Variant.sku.in_({sku for sku in skus if SKU_RE.match(sku)})
            )
        ).all()
    )
    seen: dict[str, int] = {}
    for index, (row, sku) in enumerate(zip(rows, skus, strict=True)):
        prefix = f"variants.{index}."
        if not SKU_RE.match(sku):
            fields[prefix + "sku"] = [_("Mã SKU gồm chữ, số, dấu chấm, gạch (tối đa 64 ký tự).")]
        elif sku in seen:
            fields[prefix + "sku"] = [_("Mã SKU bị trùng trong sản phẩm.")]
        else:
            seen[sku] = index
            owner = owners.get(sku)
            if owner is not None and (product is None or owner != product.id):
                fields[prefix + "sku"] = [_("Mã SKU %(sku)s đã thuộc sản phẩm khác.", sku=sku)]
        clean: dict[str, Any] = {"sku": sku, "position": index}
        clean["name"] = _collect(fields, prefix + "name", lambda r=row: _text(r.get("name"), 100))
        if not clean["name"]:
            clean["name"] = _("Mặc định")
        clean["price"] = _collect(
            fields, prefix + "price", lambda r=row: _int(r.get("price"), maximum=MAX_PRICE)
        )
        if clean["price"] is None and prefix + "price" not in fields:
            fields[prefix + "price"] = [_("Hãy nhập giá (đồng).")]
        stock = _collect(
            fields, prefix + "stock", lambda r=row: _int(r.get("stock"), maximum=MAX_STOCK)
        )
        clean["stock"] = stock or 0
        clean["weight_g"] = _collect(
            fields, prefix + "weight_g", lambda r=row: _int(r.get("weight_g"), maximum=MAX_WEIGHT_G)
        )
        for dim in ("length_cm", "width_cm", "height_cm"):
            clean[dim] = _collect(fields, prefix + dim, lambda r=row, d=dim: _dimension(r.get(d)))
        barcode = text.nfc(str(row.get("barcode") or "")).replace(" ", "") or None
        if barcode and not validators.is_gtin(barcode):
            fields[prefix + "barcode"] = [_("Mã vạch EAN/UPC không hợp lệ (sai số kiểm tra).")]
        clean["barcode"] = barcode
        clean_rows.append(clean)
    if not replace and product is not None and "variants" not in fields:
        problem = variant_count_problem(len({v.sku for v in product.variants} | set(seen)))
        if problem:
            fields["variants"] = [problem]
    return clean_rows, fields


def validate_product(
    session: so.Session, scope: tenancy.Scope, data: dict[str, Any], product: Product | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a product's own fields; its producer must be one the scope may edit."""
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in PRODUCT_FIELDS:
        clean[name] = _collect(
            fields,
            name,
            lambda n=name: _text(data.get(n), TEXT_LIMITS[n], multiline=n in MULTILINE_FIELDS),
        )
    if not clean["name"] and "name" not in fields:
        fields.setdefault("name", []).append(_("Hãy nhập tên sản phẩm."))
    producer_id = database_id(data.get("producer_id", product.producer_id if product else None))
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
    category_id = database_id(data.get("category_id"))
    if category_id is not None and session.get(catalog.OcopCategory, category_id) is None:
        fields["category_id"] = [_("Nhóm sản phẩm OCOP không tồn tại.")]
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
        session, list(data.get("variants") or []), product, replace=replace_variants
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


def variant_count(session: so.Session, product_id: int) -> int:
    """How many variants a product has (without loading them)."""
    return int(
        session.scalar(
            sa.select(sa.func.count()).select_from(Variant).where(Variant.product_id == product_id)
        )
        or 0
    )


def _stale() -> errors.Conflict:
    return errors.Conflict(_("Sản phẩm vừa được người khác sửa. Hãy tải lại rồi sửa tiếp."))


def missing_version_message() -> str:
    return _(
        "Thiếu phiên bản sản phẩm (version) nên không biết bạn sửa từ bản nào. "
        "Hãy tải lại sản phẩm rồi sửa tiếp."
    )


def _expected_version(data: Mapping[str, Any]) -> int:
    """The version an update was made from; an update without one is refused (it could
    overwrite a newer save without knowing)."""
    expected = database_id(data.get("version"))  # -1 (not a version) matches none: a 409
    if expected is None:
        message = missing_version_message()
        raise errors.ValidationError(message, fields={"version": [message]})
    return expected


def save_product(
    session: so.Session, user: accounts.User, data: dict[str, Any], product_id: int | None = None
) -> Product:
    """Create (no id) or update a product and its variants; commit.

    An update must carry the ``version`` it was made from: a missing one is a 422, another
    save in between a 409, and nothing is written either way.
    """
    scope = tenancy.scope_for(session, user)
    product = None
    if product_id is not None:
        product = editable_product(session, user, product_id)
        if _expected_version(data) != product.version:
            raise _stale()
    else:
        scope.check_writable()
    try:
        with uow.unit_of_work(session):
            product = apply_product(session, scope, data, product)
    except so.exc.StaleDataError:
        raise _stale() from None
    except sa.exc.IntegrityError:
        # A parallel save took one of these SKUs after they were checked.
        raise errors.Conflict(
            _(
                "Không lưu được vì dữ liệu vừa thay đổi (có thể một mã SKU vừa được sản phẩm "
                "khác dùng). Hãy tải lại rồi thử lại."
            )
        ) from None
    notify_channels(session, user, [product.id])
    return product


def notify_channels(session: so.Session, user: Any, product_ids: list[int]) -> None:
    """Price and stock changes go on to every live marketplace listing (as a job): the
    ``products_changed`` signal, which the channels service listens to."""
    products_changed.send(session, user=user, product_ids=product_ids)


@uow.transactional
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


def _visible_product(session: so.Session, scope: tenancy.Scope, product_id: int) -> Product:
    if database_id(product_id) != product_id:  # not an id the database can hold
        raise errors.NotFound(_("Không tìm thấy sản phẩm."))
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


# What the public product page shows, table by table: ``public_page_digest`` reads exactly
# these columns (a child row also by its id), and a test checks that the page's template and
# view read nothing else. Stock shows only as in stock or not, so an order that leaves some
# stock changes no page. Category names come with the migrations (a new release).
PUBLIC_PAGE_COLUMNS: dict[str, tuple[sa.ColumnExpressionArgument[Any], ...]] = {
    "product": (
        Product.id,
        Product.name,
        Product.description,
        Product.unit,
        Product.brand,
        Product.ingredients,
        Product.shelf_life,
        Product.min_price,
        Product.max_price,
        Product.ocop_stars,
        catalog.OcopCategory.name,
        orgs.Producer.name,
        orgs.Producer.type,
        orgs.Producer.commune,
        orgs.Producer.province,
        orgs.Producer.logo_path,
        orgs.Producer.story,
    ),
    "variant": (
        Variant.position,
        Variant.name,
        Variant.price,
        sa.case((Variant.stock > 0, "1"), else_="0"),
        Variant.weight_g,
    ),
    "image": (
        catalog.ProductImage.position,
        catalog.ProductImage.path,
        catalog.ProductImage.thumb_path,
        catalog.ProductImage.width,
        catalog.ProductImage.height,
    ),
    "certificate": (
        Certificate.stars,
        Certificate.score,
        Certificate.decision_number,
        Certificate.decision_date,
        Certificate.level,
        Certificate.authority,
        Certificate.expires_on,
    ),
    "link": (catalog.ProductLink.channel, catalog.ProductLink.url),
}


def _not_public() -> errors.NotFound:
    return errors.NotFound(_("Không tìm thấy sản phẩm."))


@functools.cache
def _public_page_statement() -> sa.CompoundSelect:
    """The digest's query, built once (the page asks it on every request): one row per product,
    variant, photo, certificate and link, the shown columns as text (padded to one width)."""
    width = max(len(columns) for columns in PUBLIC_PAGE_COLUMNS.values())
    product_id = sa.bindparam("product_id", type_=sa.Integer)

    def part(kind: str, key: Any, table_product_id: Any) -> sa.Select[Any]:
        values = [sa.cast(column, sa.String) for column in PUBLIC_PAGE_COLUMNS[kind]]
        values += [sa.cast(sa.null(), sa.String)] * (width - len(values))
        return sa.select(
            sa.literal_column(f"'{kind}'", sa.String).label("kind"),
            key.label("key"),
            *(value.label(f"v{index}") for index, value in enumerate(values)),
        ).where(table_product_id == product_id)

    product = (
        part("product", Product.id, Product.id)
        .join(orgs.Producer, orgs.Producer.id == Product.producer_id)
        .outerjoin(catalog.OcopCategory, catalog.OcopCategory.id == Product.category_id)
        .where(Product.is_active.is_(True))
    )
    children = (
        part(kind, model.id, model.product_id)
        for kind, model in (
            ("variant", Variant),
            ("image", catalog.ProductImage),
            ("certificate", Certificate),
            ("link", catalog.ProductLink),
        )
    )
    return sa.union_all(product, *children).order_by("kind", "key")


def public_page_digest(session: so.Session, product_id: int) -> str:
    """A digest of everything the public page of an active product shows (one query, no ORM
    objects): equal digests, equal pages on the same day. The page cache keys on it, so a
    change to the product, its producer, variants, photos, certificates or links makes a new
    digest whoever made it (a service, an import, an order's stock move, a console), and no
    cached page outlives it. An unknown or inactive product is a 404."""
    rows = session.connection().execute(_public_page_statement(), {"product_id": product_id}).all()
    if not any(row[0] == "product" for row in rows):
        raise _not_public()
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:32]


def public_product_exists(session: so.Session, product_id: int) -> None:
    """Nothing for an active product; a 404 for an unknown or inactive one (its QR codes)."""
    found = session.scalar(
        sa.select(Product.id).where(Product.id == product_id, Product.is_active.is_(True))
    )
    if found is None:
        raise _not_public()


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
        raise _not_public()
    return product


# --- certificates ---------------------------------------------------------------


def _decision_date(
    value: Any, fields: dict[str, list[str]], today: dt.date | None = None
) -> dt.date | None:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            fields["decision_date"] = [_("Ngày quyết định không hợp lệ (YYYY-MM-DD).")]
            return None
    elif isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        fields["decision_date"] = [_("Hãy nhập ngày quyết định.")]
        return None
    if value < FIRST_BUSINESS_DATE or value > LAST_BUSINESS_DATE:
        fields["decision_date"] = [
            _(
                "Ngày quyết định phải trong khoảng %(first)d–%(last)d.",
                first=FIRST_BUSINESS_DATE.year,
                last=LAST_BUSINESS_DATE.year,
            )
        ]
        return None
    if value > (today or today_local()):
        fields["decision_date"] = [_("Ngày quyết định không thể ở tương lai.")]
    return value


def validate_certificate(
    data: dict[str, Any], today: dt.date | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a certificate; the stars come from the score exactly as entered (``vietnam.ocop``).
    ``today`` (Vietnam's, by default) bounds the decision date."""
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    score = _collect(fields, "score", lambda: _decimal(data.get("score"), maximum=100))
    stars = _collect(fields, "stars", lambda: _int(data.get("stars"), minimum=1, maximum=5))
    clean["score"] = score
    decision_date = _decision_date(data.get("decision_date"), fields, today)
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
    if decision_date is not None and "decision_date" not in fields:
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
        "score_precision": _(
            "Điểm có tối đa 2 chữ số thập phân, ghi đúng như trên quyết định (ví dụ 69,99)."
        ),
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
    *,
    now: clock.Clock = clock.utcnow,
) -> Certificate:
    """Add (no id) or change a certificate; commit, then queue the certificate job of the
    product's listings (a renewal puts them back on sale, an expired one pauses them)."""
    product = editable_product(session, user, product_id)
    clean, fields = validate_certificate(data, today_local(now))
    if fields:
        raise errors.ValidationError(fields=fields)
    with uow.unit_of_work(session):
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
    notify_certificate_change(session, user, [product.id])
    return certificate


def delete_certificate(
    session: so.Session, user: accounts.User, product_id: int, certificate_id: int
) -> None:
    product = editable_product(session, user, product_id)
    with uow.unit_of_work(session):
        product.certificates.remove(_certificate_of(product, certificate_id))
        session.flush()
        refresh_derived(product)
    notify_certificate_change(session, user, [product.id])


def notify_certificate_change(session: so.Session, user: Any, product_ids: list[int]) -> None:
    """Listings follow a certificate change at once (as a job): paused when the product is
    left with an expired certificate, resumed when it is valid again (the
    ``certificates_changed`` signal, which the channels service listens to)."""
    certificates_changed.send(session, user=user, product_ids=product_ids)


def _certificate_of(product: Product, certificate_id: int) -> Certificate:
    for certificate in product.certificates:
        if certificate.id == certificate_id:
            return certificate
    raise errors.NotFound(_("Không tìm thấy giấy chứng nhận."))


def expiring_query(
    scope: tenancy.Scope, today: dt.date, days: int = ocop.EXPIRING_DAYS
) -> sa.Select[Certificate]:
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


def _link_url(value: Any) -> str:
    """The address as typed, NFC; one with a control character is kept whole so that
    ``links.url_problem`` refuses it (trimming would hide a trailing CR/LF)."""
    raw = str(value or "")
    return raw if has_controls(raw) else text.nfc(raw)


@uow.transactional
def save_links(
    session: so.Session, user: accounts.User, product_id: int, links_data: list[dict[str, Any]]
) -> Product:
    """Replace a product's where-to-buy links (http(s) addresses on a known channel, checked
    by ``links.url_problem``: https only in production, no control characters)."""
    product = editable_product(session, user, product_id)
    if len(links_data) > MAX_LINKS:
        message = _("Mỗi sản phẩm có tối đa %(n)d nơi bán.", n=MAX_LINKS)
        raise errors.ValidationError(message, fields={"links": [message]})
    fields: dict[str, list[str]] = {}
    clean = []
    https_only = links.https_only()
    for index, link in enumerate(links_data):
        channel = str(link.get("channel") or "")
        url = _link_url(link.get("url"))
        if channel not in CHANNELS:
            fields[f"links.{index}.channel"] = [_("Kênh bán không hợp lệ.")]
        problem = (
            _("Hãy nhập đường dẫn.") if not url else links.url_problem(url, https_only=https_only)
        )
        if problem:
            fields[f"links.{index}.url"] = [problem]
        clean.append(catalog.ProductLink(channel=channel, url=url))
    if fields:
        raise errors.ValidationError(fields=fields)
    product.links = clean
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
            value = database_id(args.get(name))  # codes and ids alike fit 1 … 2**31 - 1
            return value if value is not None and value > 0 else None

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
) -> sa.Select[Product]:
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
    orders: dict[str, list[Any]] = {
        "name": [Product.search_text, Product.id],
        "newest": [Product.created_at.desc(), Product.id.desc()],
        "price_asc": [Product.min_price.asc().nulls_last(), Product.id],
        "price_desc": [Product.max_price.desc().nulls_last(), Product.id],
        "stars": [Product.ocop_stars.desc().nulls_last(), Product.search_text, Product.id],
        "stock": [Product.total_stock.desc(), Product.id],
    }
    return stmt.order_by(*orders[filters.sort if filters.sort in SORTS else "name"])


def category_choices(session: so.Session) -> list[catalog.OcopCategory]:
    return list(
        session.scalars(
            sa.select(catalog.OcopCategory).order_by(
                catalog.OcopCategory.position, catalog.OcopCategory.id
            )
        )
    )
