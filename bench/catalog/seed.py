"""Generate a large synthetic catalog straight into the database (for benchmarks only)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from app.catalog import service as catalog_service
from app.models import accounts, catalog, orgs
from vietnam import ocop, text

WORDS = [
    "Nước mắm",
    "Chè",
    "Mật ong",
    "Cà phê",
    "Bánh gai",
    "Gạo",
    "Miến",
    "Rượu",
    "Tinh dầu",
    "Nấm",
    "Măng",
    "Mứt",
    "Hạt điều",
    "Tương",
    "Trà",
    "Chả mực",
    "Ruốc",
    "Sâm",
    "Bột sắn",
    "Mắm",
]
PLACES = [
    "Trà Cổ",
    "Tân Cương",
    "Mèo Vạc",
    "Mộc Châu",
    "Phú Quốc",
    "Cái Bè",
    "Bắc Kạn",
    "Hòa Bình",
    "Ninh Giang",
    "Đông Triều",
    "Vân Đồn",
    "Bảo Lộc",
    "Cao Bằng",
    "Hạ Long",
]
PROVINCES = [
    (22, "Quảng Ninh"),
    (19, "Thái Nguyên"),
    (8, "Tuyên Quang"),
    (14, "Sơn La"),
    (31, "Thành phố Hải Phòng"),
    (1, "Thành phố Hà Nội"),
    (66, "Đắk Lắk"),
]


def seed(
    connection: sa.Connection, products: int, seed_value: int = 7, *, today: dt.date | None = None
) -> None:
    """Insert ``products`` products (1–3 variants each; two thirds certified, decided up to
    1,400 days before ``today``, the app's today by default: the same catalog, certificate
    statuses included, on any day the bench runs)."""
    today = today or catalog_service.today_local()
    rng = random.Random(seed_value)
    category_ids = [
        row[0]
        for row in connection.execute(
            sa.select(catalog.OcopCategory.id).where(catalog.OcopCategory.level >= 2)
        )
    ]
    producer_rows: list[dict[str, Any]] = []
    for index in range(200):
        code, province = PROVINCES[index % len(PROVINCES)]
        producer_rows.append(
            {
                "id": index + 1,
                "name": f"HTX {rng.choice(WORDS)} {rng.choice(PLACES)} {index}",
                "type": "hop_tac_xa",
                "province_code": code,
                "province": province,
                "created_at": dt.datetime.now(dt.UTC),
                "updated_at": dt.datetime.now(dt.UTC),
            }
        )
    connection.execute(sa.insert(orgs.Producer), producer_rows)
    # One club that works with every producer: its seller's catalog is the whole catalog.
    connection.execute(
        sa.insert(orgs.Club),
        [{"id": 1, "name": "CLB bench", "province": "Quảng Ninh", "province_code": 22,
          "created_at": dt.datetime.now(dt.UTC)}],
    )  # fmt: skip
    connection.execute(
        sa.insert(orgs.club_producers),
        [{"club_id": 1, "producer_id": row["id"]} for row in producer_rows],
    )
    product_rows, variant_rows, certificate_rows = [], [], []
    variant_id = 0
    for product_id in range(1, products + 1):
        producer = producer_rows[rng.randrange(len(producer_rows))]
        name = f"{rng.choice(WORDS)} {rng.choice(PLACES)} loại {rng.randint(1, 99)}"
        prices, stock = [], 0
        skus = []
        for _ in range(rng.randint(1, 3)):
            variant_id += 1
            price = rng.randrange(20, 900) * 1000
            quantity = rng.choice([0, 0, 5, 20, 100])
            prices.append(price)
            stock += quantity
            sku = f"SKU-{variant_id:07d}"
            skus.append(sku)
            variant_rows.append(
                {
                    "id": variant_id,
                    "product_id": product_id,
                    "sku": sku,
                    "name": "Loại",
                    "price": price,
                    "stock": quantity,
                }
            )
        stars, expires = None, None
        if rng.random() < 0.66:
            decided = today - dt.timedelta(days=rng.randrange(0, 1400))
            stars, expires = rng.choice([3, 3, 4, 4, 5]), ocop.expires_on(decided)
            certificate_rows.append(
                {
                    "product_id": product_id,
                    "stars": stars,
                    "decision_number": f"{product_id}/QĐ",
                    "decision_date": decided,
                    "level": "central" if stars == 5 else "province",
                    "authority": "UBND tỉnh",
                    "expires_on": expires,
                    "created_at": dt.datetime.now(dt.UTC),
                }
            )
        search = " ".join(text.fold(w) for w in [name, producer["name"], *skus])
        product_rows.append(
            {
                "id": product_id,
                "producer_id": producer["id"],
                "category_id": rng.choice(category_ids),
                "name": name,
                "search_text": search,
                "min_price": min(prices),
                "max_price": max(prices),
                "total_stock": stock,
                "ocop_stars": stars,
                "ocop_expires_on": expires,
                "is_active": True,
                "version": 1,
                "created_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=product_id),
                "updated_at": dt.datetime.now(dt.UTC),
            }
        )
    for table, rows in (
        (catalog.Product, product_rows),
        (catalog.Variant, variant_rows),
        (catalog.Certificate, certificate_rows),
    ):
        for start in range(0, len(rows), 5000):
            connection.execute(sa.insert(table), rows[start : start + 5000])
    if connection.dialect.name == "postgresql":
        for table_name in ("producers", "products", "variants", "certificates"):
            connection.execute(
                sa.text(f"SELECT setval('{table_name}_id_seq', (SELECT max(id) FROM {table_name}))")
            )
        connection.execute(sa.text("ANALYZE"))
    else:
        connection.execute(sa.text("ANALYZE"))
    _ = accounts  # users are created by the benchmark itself
