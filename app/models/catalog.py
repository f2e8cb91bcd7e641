"""The product catalog: OCOP categories, products, variants (SKUs), images,
OCOP certificates and where-to-buy links."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import orgs, types


class CertificateLevel(enum.StrEnum):
    DISTRICT = "district"  # records made before the 2025 amendment (3★ only)
    PROVINCE = "province"
    CENTRAL = "central"


class OcopCategory(extensions.Model):
    """Ngành → nhóm → phân nhóm (Decision 148/QĐ-TTg, Appendix I), seeded by migration."""

    __tablename__ = "ocop_categories"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    parent_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("ocop_categories.id"), index=True
    )
    level: so.Mapped[int] = so.mapped_column()  # 1 ngành, 2 nhóm, 3 phân nhóm
    position: so.Mapped[int] = so.mapped_column(default=0)

    parent: so.Mapped[OcopCategory | None] = so.relationship(remote_side=[id])


class Product(extensions.Model):
    __tablename__ = "products"
    __table_args__ = (
        # Substring search (LIKE '%nuoc mam%') uses a trigram index on PostgreSQL;
        # SQLite scans, which is fast enough for a club's catalog (bench/README.md).
        sa.Index(
            "ix_products_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    producer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("producers.id"), index=True)
    category_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("ocop_categories.id"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)  # the product's story
    unit: so.Mapped[str | None] = so.mapped_column(sa.String(50))
    brand: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    ingredients: so.Mapped[str | None] = so.mapped_column(sa.Text)
    shelf_life: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    # Derived, kept up to date by app.services.catalog for fast search, filters and sort.
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    min_price: so.Mapped[int | None] = so.mapped_column(sa.BigInteger, index=True)
    max_price: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    total_stock: so.Mapped[int] = so.mapped_column(default=0, index=True)
    ocop_stars: so.Mapped[int | None] = so.mapped_column(index=True)
    ocop_expires_on: so.Mapped[dt.date | None] = so.mapped_column(index=True)
    version: so.Mapped[int] = so.mapped_column(default=1)
    # Optimistic locking: every UPDATE says WHERE version = <the version this session read>, so
    # a save racing another one finds no row (StaleDataError → 409) instead of overwriting it.
    # The services bump ``version`` themselves, once per save.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    created_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow, index=True
    )
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow, onupdate=clock.utcnow
    )

    producer: so.Mapped[orgs.Producer] = so.relationship()
    category: so.Mapped[OcopCategory | None] = so.relationship()
    variants: so.Mapped[list[Variant]] = so.relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )
    images: so.Mapped[list[ProductImage]] = so.relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductImage.position"
    )
    certificates: so.Mapped[list[Certificate]] = so.relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="Certificate.decision_date.desc()",
    )
    links: so.Mapped[list[ProductLink]] = so.relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductLink.id"
    )

    @property
    def cover(self) -> ProductImage | None:
        return self.images[0] if self.images else None

    @property
    def current_certificate(self) -> Certificate | None:
        return self.certificates[0] if self.certificates else None


class Variant(extensions.Model):
    """A sellable SKU of a product (size, pack)."""

    __tablename__ = "variants"
    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), index=True)
    sku: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    price: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # đồng
    stock: so.Mapped[int] = so.mapped_column(default=0)
    weight_g: so.Mapped[int | None] = so.mapped_column()
    length_cm: so.Mapped[decimal.Decimal | None] = so.mapped_column(sa.Numeric(7, 1))
    width_cm: so.Mapped[decimal.Decimal | None] = so.mapped_column(sa.Numeric(7, 1))
    height_cm: so.Mapped[decimal.Decimal | None] = so.mapped_column(sa.Numeric(7, 1))
    barcode: so.Mapped[str | None] = so.mapped_column(sa.String(14), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)

    product: so.Mapped[Product] = so.relationship(back_populates="variants")


class ProductImage(extensions.Model):
    """An uploaded photo, resized and stored under MEDIA_ROOT; position 0 is the cover."""

    __tablename__ = "product_images"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    path: so.Mapped[str] = so.mapped_column(sa.String(255))
    thumb_path: so.Mapped[str] = so.mapped_column(sa.String(255))
    width: so.Mapped[int] = so.mapped_column()
    height: so.Mapped[int] = so.mapped_column()
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)

    product: so.Mapped[Product] = so.relationship(back_populates="images")


class Certificate(extensions.Model):
    """An OCOP recognition decision for a product (a product may hold several over time)."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint("stars >= 3 AND stars <= 5", name="stars_certified"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), index=True)
    score: so.Mapped[decimal.Decimal | None] = so.mapped_column(sa.Numeric(5, 2))
    stars: so.Mapped[int] = so.mapped_column()
    decision_number: so.Mapped[str] = so.mapped_column(sa.String(64))
    decision_date: so.Mapped[dt.date] = so.mapped_column()
    level: so.Mapped[CertificateLevel] = so.mapped_column(types.str_enum(CertificateLevel))
    authority: so.Mapped[str] = so.mapped_column(sa.String(200))
    expires_on: so.Mapped[dt.date] = so.mapped_column(index=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)

    product: so.Mapped[Product] = so.relationship(back_populates="certificates")


class ProductLink(extensions.Model):
    """Where to buy: a live listing on a marketplace (entered, or recorded by a channel push)."""

    __tablename__ = "product_links"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), index=True)
    channel: so.Mapped[str] = so.mapped_column(sa.String(20))
    url: so.Mapped[str] = so.mapped_column(sa.String(500))

    product: so.Mapped[Product] = so.relationship(back_populates="links")


# The trigram operator class comes from the pg_trgm extension (trusted since PostgreSQL 13).
sa.event.listen(
    extensions.db.metadata,
    "before_create",
    sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
