"""A national deployment's year of sales, generated with numpy and loaded with COPY.

``generate`` lays out clubs over provinces (50 per province at the full size), their producers,
products (one variant each, an OCOP category from the seeded tree, stars on three in four),
streamers, livestream sessions, then orders and their lines for the local year 2025-12 …
2026-11: about two lines per order, buyers from a national pool of phones (most buy from their
own club again, some from any club), platforms, about 8 % of lines cancelled or returned.

``load`` writes it into a database the real migrations built: the secondary indexes and
foreign keys of ``orders`` and ``order_lines`` are dropped first and made again after (their
definitions read from the catalogue, so the schema ends exactly as the migrations left it),
every table goes in through ``COPY … FROM STDIN`` (DuckDB writes the CSV: it formats a million
rows a second where pandas does a tenth of that), then the sequences are set and the tables
vacuumed and analysed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import psycopg
import sqlalchemy as sa

from bench.analytics.data import MOBILE_PREFIXES
from bench.catalog.seed import PLACES, WORDS
from vietnam import admin_units, text

YEAR_START = dt.date(2025, 12, 1)  # the first local day of the year the bench covers
MONTH_DAYS = np.array([31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30])  # 2025-12 … 2026-11
DAYS = int(MONTH_DAYS.sum())
LOCAL_OFFSET = 7 * 3600  # Vietnam: UTC+7 all year
PRODUCTS_PER_CLUB = 30
PRODUCERS_PER_CLUB = 6
STREAMERS_PER_CLUB = 3
SESSIONS_PER_MONTH = 6  # per club
CLUBS_PER_PROVINCE = 50
STATUSES = np.array(["placed", "paid", "shipped", "completed", "cancelled", "returned"])
CANCELLED, RETURNED = 4, 5
PLATFORMS = np.array(["tiktok", "shopee", "facebook", "lazada", "other"])
PLATFORM_SHARE = [0.45, 0.35, 0.10, 0.05, 0.05]
SESSION_PLATFORMS = 3  # sessions stream on the first three
UNMATCHED_NAME = "Hàng ngoài danh mục"
_SCRAMBLE = 4_999_999  # coprime with 10**7: buyer number → the 7 digits after the prefix


@dataclasses.dataclass
class Dataset:
    """The generated tables, as frames in the tables' own columns (ids from 1), and the
    province of each club."""

    tables: dict[str, pd.DataFrame]
    n_lines: int
    n_orders: int
    n_clubs: int

    @property
    def provinces(self) -> list[int]:
        return sorted(set(self.tables["clubs"]["province_code"].tolist()))


def province_count(clubs: int) -> int:
    """34 provinces at the full size; fewer for a small run, two clubs each at least."""
    return max(1, min(len(admin_units.provinces()), math.ceil(clubs / 2)))


def _month_starts() -> np.ndarray:
    """The first local day of each of the year's months, as days since ``YEAR_START``."""
    return np.concatenate([[0], np.cumsum(MONTH_DAYS)[:-1]])


def _epoch(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())


def _club_tables(
    rng: np.random.Generator, n_clubs: int, categories: list[int], now: dt.datetime
) -> dict[str, pd.DataFrame]:
    units = sorted(admin_units.provinces(), key=lambda unit: unit.code)[: province_count(n_clubs)]
    club_ids = np.arange(1, n_clubs + 1)
    place = [units[i % len(units)] for i in range(n_clubs)]
    clubs = pd.DataFrame(
        {
            "id": club_ids,
            "name": [
                f"CLB {unit.name} {i}" for i, unit in zip(club_ids.tolist(), place, strict=True)
            ],
            "province": [unit.name for unit in place],
            "province_code": [unit.code for unit in place],
            "created_at": now,
        }
    )
    n_producers = n_clubs * PRODUCERS_PER_CLUB
    producer_club = np.repeat(np.arange(n_clubs), PRODUCERS_PER_CLUB)
    producers = pd.DataFrame(
        {
            "id": np.arange(1, n_producers + 1),
            "name": [
                f"HTX {WORDS[i % len(WORDS)]} {PLACES[i % len(PLACES)]} {i + 1}"
                for i in range(n_producers)
            ],
            "type": "hop_tac_xa",
            "province": [place[c].name for c in producer_club.tolist()],
            "province_code": [place[c].code for c in producer_club.tolist()],
            "created_at": now,
            "updated_at": now,
        }
    )
    club_producers = pd.DataFrame(
        {"club_id": producer_club + 1, "producer_id": np.arange(1, n_producers + 1)}
    )
    n_products = n_clubs * PRODUCTS_PER_CLUB
    product_club = np.repeat(np.arange(n_clubs), PRODUCTS_PER_CLUB)
    k = np.tile(np.arange(PRODUCTS_PER_CLUB), n_clubs)
    names = [
        f"{WORDS[(i * 7) % len(WORDS)]} {PLACES[(i * 3) % len(PLACES)]} {c + 1}-{j + 1}"
        for i, (c, j) in enumerate(zip(product_club.tolist(), k.tolist(), strict=True))
    ]
    price = rng.integers(20, 600, n_products) * 1000
    drawn = rng.random(n_products)
    stars = np.where(drawn < 0.25, 0, np.where(drawn < 0.6, 3, np.where(drawn < 0.87, 4, 5)))
    products = pd.DataFrame(
        {
            "id": np.arange(1, n_products + 1),
            "producer_id": product_club * PRODUCERS_PER_CLUB + k % PRODUCERS_PER_CLUB + 1,
            "category_id": np.asarray(categories)[rng.integers(0, len(categories), n_products)],
            "name": names,
            "search_text": [text.fold(name) for name in names],
            "min_price": price,
            "max_price": price,
            "total_stock": 1_000_000,
            "ocop_stars": pd.Series(stars, dtype="Int64").mask(stars == 0),
            "is_active": True,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    )
    variants = pd.DataFrame(
        {
            "id": products["id"],
            "product_id": products["id"],
            "sku": [
                f"C{c + 1}-P{j + 1}" for c, j in zip(product_club.tolist(), k.tolist(), strict=True)
            ],
            "name": "Mặc định",
            "price": price,
            "stock": 1_000_000,
            "position": 0,
        }
    )
    n_streamers = n_clubs * STREAMERS_PER_CLUB
    streamer_club = np.repeat(club_ids, STREAMERS_PER_CLUB)
    users = pd.DataFrame(
        {
            "id": np.arange(1, n_streamers + 1),
            "username": [f"streamer{i}" for i in range(1, n_streamers + 1)],
            "full_name": [f"Streamer {i}" for i in range(1, n_streamers + 1)],
            "role": "seller",
            "club_id": streamer_club,
            "password_hash": "!",  # no password signs in with it
            "is_active_account": True,
            "created_at": now,
        }
    )
    streamers = pd.DataFrame(
        {
            "id": users["id"],
            "user_id": users["id"],
            "club_id": streamer_club,
            "display_name": users["full_name"],
            "platforms": '["tiktok"]',
            "is_active": True,
            "created_at": now,
            "updated_at": now,
        }
    )
    return {
        "clubs": clubs,
        "producers": producers,
        "club_producers": club_producers,
        "products": products,
        "variants": variants,
        "users": users,
        "streamers": streamers,
    }


def _sessions(rng: np.random.Generator, n_clubs: int, now: dt.datetime) -> pd.DataFrame:
    """``SESSIONS_PER_MONTH`` evening livestreams (19:00–21:00 local, two hours) per club and
    month; session ``(club c, month m, slot s)`` has id ``1 + (c·12 + m)·S + s``."""
    n = n_clubs * 12 * SESSIONS_PER_MONTH
    cell = np.arange(n) // SESSIONS_PER_MONTH
    month = cell % 12
    day = _month_starts()[month] + rng.integers(0, 28, n)
    local = _epoch(YEAR_START) + day * 86_400 + (19 * 60 + rng.integers(0, 120, n)) * 60
    starts = local - LOCAL_OFFSET
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "club_id": cell // 12 + 1,
            "title": [f"Phiên {i}" for i in range(1, n + 1)],
            "platform": PLATFORMS[rng.integers(0, SESSION_PLATFORMS, n)],
            "starts_at": starts,
            "ends_at": starts + 7200,
            "status": "ended",
            "sequence": 0,
            "extension_s": 0,
            "state_version": 0,
            "created_at": now,
            "updated_at": now,
        }
    )


def _orders_and_lines(
    rng: np.random.Generator,
    n_lines: int,
    n_clubs: int,
    sessions: pd.DataFrame,
    prices: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    # lines per order: 1–4, two on average; the last order is cut to give exactly n_lines
    counts = rng.choice([1, 2, 3, 4], size=n_lines // 2 + n_lines // 8 + 8, p=[0.4, 0.3, 0.2, 0.1])
    total = np.cumsum(counts)
    n_orders = int(np.searchsorted(total, n_lines)) + 1
    counts = counts[:n_orders].copy()
    counts[-1] -= int(total[n_orders - 1]) - n_lines
    # clubs sell unevenly (a lognormal share each)
    weight = rng.lognormal(0.0, 0.6, n_clubs)
    club = rng.choice(n_clubs, size=n_orders, p=weight / weight.sum())
    # local times: a day of the year, most orders in the evening; half in a livestream
    day = rng.integers(0, DAYS, n_orders)
    evening = rng.random(n_orders) < 0.6
    minute = np.where(
        evening, 19 * 60 + rng.integers(0, 240, n_orders), 7 * 60 + rng.integers(0, 960, n_orders)
    )
    placed = _epoch(YEAR_START) + day * 86_400 + minute * 60 + rng.integers(0, 60, n_orders)
    placed -= LOCAL_OFFSET
    month = np.searchsorted(_month_starts(), day, side="right") - 1
    in_session = rng.random(n_orders) < 0.5
    slot = rng.integers(0, SESSIONS_PER_MONTH, n_orders)
    session_index = (club * 12 + month) * SESSIONS_PER_MONTH + slot
    starts = sessions["starts_at"].to_numpy()
    placed = np.where(in_session, starts[session_index] + rng.integers(0, 7200, n_orders), placed)
    session_id = np.where(in_session, session_index + 1, -1)
    platform = np.where(
        in_session,
        pd.Series(sessions["platform"])
        .map({p: i for i, p in enumerate(PLATFORMS)})
        .to_numpy()[session_index],
        rng.choice(len(PLATFORMS), size=n_orders, p=PLATFORM_SHARE),
    )
    streamer = np.where(
        rng.random(n_orders) < 0.7,
        club * STREAMERS_PER_CLUB + rng.integers(0, STREAMERS_PER_CLUB, n_orders) + 1,
        -1,
    )
    # buyers: 70 % from the club's own customers (a third as many as its orders: they come
    # back), 30 % from a national pool (a fifth as many as all orders: across clubs)
    n_national = max(50, n_orders // 5)
    per_club = np.bincount(club, minlength=n_clubs)
    local_size = np.maximum(5, per_club // 3)
    local_start = n_national + np.concatenate([[0], np.cumsum(local_size)[:-1]])
    local = local_start[club] + (rng.random(n_orders) * local_size[club]).astype(np.int64)
    buyer = np.where(rng.random(n_orders) < 0.7, local, rng.integers(0, n_national, n_orders))
    # statuses: 5 % of orders cancelled, 2 % returned; a valid order's status otherwise
    drawn = rng.random(n_orders)
    order_status = np.select(
        [drawn < 0.05, drawn < 0.07, drawn < 0.15, drawn < 0.22, drawn < 0.37],
        [CANCELLED, RETURNED, 0, 1, 2],
        3,
    )
    # orders are numbered as they come in: in time order (a month's orders, and their lines,
    # lie together in the tables, as they do when a year of imports has been written)
    arrival = np.argsort(placed, kind="stable")
    counts, club, placed, session_id, platform, streamer, buyer, order_status = (
        column[arrival]
        for column in (counts, club, placed, session_id, platform, streamer, buyer, order_status)
    )
    order_of_line = np.repeat(np.arange(n_orders), counts)
    first_line = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(n_lines) - first_line[order_of_line]
    line_status = order_status[order_of_line].copy()
    # a line cancelled alone in a valid order of several lines (2 % of those lines)
    alone = (counts[order_of_line] > 1) & (line_status < CANCELLED) & (rng.random(n_lines) < 0.02)
    line_status[alone] = CANCELLED
    # the order's status follows its lines (app.orders.recording.order_status): a valid
    # line's status when there is one, else the first line's
    valid_lines = np.add.reduceat((line_status < CANCELLED).astype(np.int64), first_line)
    order_status = np.where(valid_lines > 0, order_status, line_status[first_line])
    # products: the club's own, a few sell most; 1 % of lines match no product in the catalog
    share = 1.0 / np.arange(1, PRODUCTS_PER_CLUB + 1) ** 0.8
    k = rng.choice(PRODUCTS_PER_CLUB, size=n_lines, p=share / share.sum())
    product = club[order_of_line] * PRODUCTS_PER_CLUB + k + 1
    unmatched = rng.random(n_lines) < 0.01
    product = np.where(unmatched, -1, product)
    quantity = rng.choice([1, 2, 3, 5], size=n_lines, p=[0.7, 0.2, 0.07, 0.03])
    unit_price = np.where(
        unmatched, rng.integers(10, 300, n_lines) * 1000, prices[np.maximum(product, 1) - 1]
    )
    orders = pd.DataFrame(
        {
            "id": np.arange(1, n_orders + 1),
            "platform": platform,
            "club_id": club + 1,
            "session_id": session_id,
            "streamer_id": streamer,
            "status": order_status,
            "buyer": buyer,
            "placed_at": placed,
        }
    )
    lines = pd.DataFrame(
        {
            "id": np.arange(1, n_lines + 1),
            "order_id": order_of_line + 1,
            "position": position,
            "product_id": product,
            "quantity": quantity,
            "unit_price": unit_price,
            "amount": quantity * unit_price,
            "status": line_status,
        }
    )
    return orders, lines


def generate(n_lines: int, n_clubs: int, categories: list[int], seed: int = 20261204) -> Dataset:
    """The year's tables for ``n_clubs`` clubs and ``n_lines`` order lines (``categories``: the
    seeded OCOP categories products may be filed under)."""
    rng = np.random.default_rng(seed)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    tables = _club_tables(rng, n_clubs, categories, now)
    sessions = _sessions(rng, n_clubs, now)
    orders, lines = _orders_and_lines(
        rng, n_lines, n_clubs, sessions, tables["variants"]["price"].to_numpy()
    )
    tables.update({"live_sessions": sessions, "orders": orders, "order_lines": lines})
    return Dataset(tables=tables, n_lines=n_lines, n_orders=len(orders), n_clubs=n_clubs)


# --- loading ------------------------------------------------------------------------------------


# What DuckDB writes for the generated frames that are not the table's columns as they are:
# ids -1 are NULL, codes become their text, times (epoch seconds) UTC text, buyers their
# phone / platform user (80 % of buyers have a mobile number, 15 % only a platform account,
# 5 % neither: such an order is its own buyer).
def _list(values: Any) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


_TIME = "strftime(make_timestamp({0}::BIGINT * 1000000), '%Y-%m-%d %H:%M:%S') || '+00'"
_PHONE = (
    f"{_list(MOBILE_PREFIXES)}[1 + buyer % {len(MOBILE_PREFIXES)}] || "
    f"lpad(((buyer // {len(MOBILE_PREFIXES)}) * {_SCRAMBLE} % 10000000)::VARCHAR, 7, '0')"
)
_KIND = "(buyer * 2654435761) % 100"
_STATUS = _list(STATUSES) + "[1 + {0}.status]"
SELECTS: dict[str, str] = {
    "live_sessions": f"""
        SELECT id, club_id, title, platform, {_TIME.format("starts_at")} AS starts_at,
            {_TIME.format("ends_at")} AS ends_at, status, sequence, extension_s, state_version,
            created_at, updated_at
        FROM frame""",
    "orders": f"""
        SELECT o.id, {_list(PLATFORMS)}[1 + o.platform] AS platform,
            o.id::VARCHAR AS external_id, club_id, nullif(session_id, -1) AS session_id,
            nullif(streamer_id, -1) AS streamer_id, {_STATUS.format("o")} AS status,
            CASE WHEN {_KIND} < 80 THEN {_PHONE} END AS buyer_phone,
            CASE WHEN {_KIND} < 80 THEN {_PHONE} END AS buyer_phone_raw,
            CASE WHEN {_KIND} >= 40 AND {_KIND} < 95 THEN 'u' || buyer END AS buyer_user,
            {_TIME.format("placed_at")} AS placed_at, 'import' AS source,
            {_TIME.format("placed_at")} AS created_at, {_TIME.format("placed_at")} AS updated_at
        FROM frame o""",
    "order_lines": f"""
        SELECT l.id, order_id, position, nullif(product_id, -1) AS product_id,
            nullif(product_id, -1) AS variant_id, coalesce(v.sku, 'X-' || l.id) AS seller_sku,
            coalesce(p.name, '{UNMATCHED_NAME}') AS product_name, '' AS variation, quantity,
            unit_price, amount, {_STATUS.format("l")} AS status
        FROM frame l LEFT JOIN variants v ON v.id = l.product_id
        LEFT JOIN products p ON p.id = l.product_id""",
}
ORDER: tuple[str, ...] = (
    "clubs",
    "producers",
    "club_producers",
    "products",
    "variants",
    "users",
    "streamers",
    "live_sessions",
    "orders",
    "order_lines",
)
BIG = ("orders", "order_lines")


@dataclasses.dataclass
class Loaded:
    seconds: float
    copy_seconds: float
    index_seconds: float
    vacuum_seconds: float
    rows: dict[str, int]


def _write_csv(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, path: Path) -> str:
    """The table's rows as CSV (what COPY reads); the column list, in order."""
    con.register("frame", frame)
    select = SELECTS.get(table, "SELECT * FROM frame")
    columns = ",".join(f'"{name}"' for name in con.sql(select).columns)
    con.execute(f"COPY ({select}) TO '{path}' (HEADER false)")
    con.unregister("frame")
    return columns


def _copy_file(conn: psycopg.Connection[Any], table: str, columns: str, path: Path) -> None:
    statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)"
    with conn.cursor() as cursor, cursor.copy(statement) as copy, path.open("rb") as source:
        while chunk := source.read(8 << 20):
            copy.write(chunk)


@dataclasses.dataclass(frozen=True)
class Deferred:
    """Indexes and constraints of the big tables, dropped for the load and made again."""

    indexes: list[tuple[str, str]]  # name, CREATE INDEX statement
    constraints: list[tuple[str, str, str]]  # table, name, definition

    @classmethod
    def read(cls, conn: psycopg.Connection[Any]) -> Deferred:
        constraints = [
            (str(table), str(name), str(definition))
            for table, name, definition in conn.execute(
                """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                   FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)
                   AND contype IN ('f', 'u') ORDER BY 1, 2""",
                [list(BIG)],
            )
        ]
        indexes = [
            (str(name), str(definition))
            for name, definition in conn.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
                   ORDER BY 1""",
                [list(BIG)],
            )
        ]
        return cls(indexes=indexes, constraints=constraints)

    def drop(self, conn: psycopg.Connection[Any]) -> None:
        for table, name, _ in self.constraints:
            conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _ in self.indexes:
            conn.execute(f"DROP INDEX {name}")

    def make(self, conn: psycopg.Connection[Any]) -> None:
        for _, statement in self.indexes:
            conn.execute(statement)
        for table, name, definition in self.constraints:
            conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def connect(url: str) -> psycopg.Connection[Any]:
    """An autocommit psycopg connection to the database at ``url``."""
    parsed = sa.make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        dbname=parsed.database,
        autocommit=True,
    )


def load(url: str, dataset: Dataset, workdir: Path, say: Callable[[str], None] = print) -> Loaded:
    """COPY the dataset into the (migrated, empty) database at ``url``."""
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    for name in ("products", "variants"):
        con.register(
            name, dataset.tables[name][["id", "name"] + (["sku"] if name == "variants" else [])]
        )
    rows: dict[str, int] = {}
    with connect(url) as conn:
        deferred = Deferred.read(conn)
        deferred.drop(conn)
        for table in ORDER:
            frame = dataset.tables[table]
            path = workdir / f"{table}.csv"
            columns = _write_csv(con, table, frame, path)
            _copy_file(conn, table, columns, path)
            path.unlink()
            rows[table] = len(frame)
            say(f"  {table}: {len(frame):,} rows ({time.perf_counter() - started:.0f} s)")
        copied = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '1GB'")
        deferred.make(conn)
        indexed = time.perf_counter()
        say(f"  indexes and keys made again ({indexed - copied:.0f} s)")
        for table in ORDER:
            if table != "club_producers":
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.execute("VACUUM ANALYZE")
        done = time.perf_counter()
    con.close()
    return Loaded(
        seconds=done - started,
        copy_seconds=copied - started,
        index_seconds=indexed - copied,
        vacuum_seconds=done - indexed,
        rows=rows,
    )
