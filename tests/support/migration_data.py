"""Rows written at each schema revision, for testing that migrations keep existing data.

Each ``Dataset`` belongs to one migration: ``seed`` writes representative rows while the
database is at the revision *before* that migration, with plain INSERTs naming that older
schema's columns (``sa.table``/``sa.column``, never the current models); ``check`` runs right
after the migration and asserts what it did to those rows (counts, key values, constraints that
had to survive a SQLite table copy). The test in tests/integration/app/test_migrations.py then
walks on to head one revision at a time and compares every row before and after each step.

A migration that rewrites values in existing columns declares them in ``TRANSFORMS``; any
other changed, lost or duplicated row fails the walk.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from app.models.types import UTCDateTime
from vietnam import ocop_categories

T0 = dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 11, 1, 13, 30, 15, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 11, 3, 23, 59, 59, tzinfo=dt.UTC)
HASH = "scrypt:32768:8:1$salt$" + "f" * 64

# Existing columns whose values a migration is meant to rewrite: {revision: {table: columns}}.
TRANSFORMS: dict[str, dict[str, set[str]]] = {
    # clubs as tenants: producer accounts leave their club, club-less rows are given one.
    "f2a6c8e0b4d7": {
        "users": {"club_id"},
        "orders": {"club_id"},
        "channel_accounts": {"club_id"},
    },
}


class Probe:
    """Reads and writes on the database under migration, each write in its own transaction."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def insert(self, table: str, *rows: Mapping[str, Any]) -> None:
        """INSERT ``rows`` (dicts with the same keys) into ``table`` as it is now."""
        names = list(rows[0])
        columns = [sa.column(name, _type_for(rows, name)) for name in names]
        with self.engine.begin() as conn:
            conn.execute(sa.insert(sa.table(table, *columns)), [dict(row) for row in rows])

    def run(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql), params)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None, **types: Any) -> list[Any]:
        """Result rows as tuples; ``types`` name columns to read typed (JSON, UTC times)."""
        statement: Any = sa.text(sql)
        if types:
            statement = statement.columns(**types)
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(statement, dict(params or {})).all()]

    def value(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.scalar(sa.text(sql), params)

    def refused(self, sql: str, **params: Any) -> None:
        """Assert the database itself refuses the statement (a constraint held)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text(sql), params)
        except sa.exc.IntegrityError:
            return
        raise AssertionError(f"the database accepted: {sql} {params}")

    def sync_sequences(self) -> None:
        """After inserts with explicit ids, move PostgreSQL's id sequences past them (as a
        database filled by the app would be)."""
        if self.dialect != "postgresql":
            return
        with self.engine.begin() as conn:
            inspector = sa.inspect(conn)
            for table in inspector.get_table_names():
                if "id" not in {column["name"] for column in inspector.get_columns(table)}:
                    continue
                sequence = conn.scalar(
                    sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
                )
                if sequence:
                    conn.execute(
                        sa.text(f"SELECT setval(:s, (SELECT MAX(id) FROM {table}))"),
                        {"s": sequence},
                    )

    def snapshot(self) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
        """Every row of every table, by primary key, as the driver returns it."""
        tables: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            for table in inspector.get_table_names():
                if table == "alembic_version":
                    continue
                key = inspector.get_pk_constraint(table)["constrained_columns"]
                result = conn.execute(sa.text(f"SELECT * FROM {table}")).mappings().all()
                tables[table] = {tuple(row[k] for k in key): dict(row) for row in result}
        return tables


def same(actual: Any, wanted: Any) -> None:
    """``assert actual == wanted`` that says both (this module's asserts are not rewritten)."""
    if actual != wanted:
        raise AssertionError(f"found {actual!r}, expected {wanted!r}")


def _type_for(rows: Sequence[Mapping[str, Any]], name: str) -> Any:
    value = next((row[name] for row in rows if row[name] is not None), None)
    if isinstance(value, dict | list):
        return sa.JSON()
    if isinstance(value, dt.datetime):
        return UTCDateTime()
    if isinstance(value, bool):
        return sa.Boolean()
    if isinstance(value, dt.date):
        return sa.Date()
    if isinstance(value, decimal.Decimal):
        return sa.Numeric(7, 2)
    return None


def changes(
    before: Mapping[str, Mapping[tuple[Any, ...], Mapping[str, Any]]],
    after: Mapping[str, Mapping[tuple[Any, ...], Mapping[str, Any]]],
    allowed: Mapping[str, set[str]],
) -> list[str]:
    """What happened to rows that existed before, other than the ``allowed`` column rewrites:
    lost or new rows in old tables, changed values in columns present on both sides."""
    found = []
    for table, old_rows in before.items():
        if table not in after:
            found.append(f"{table}: table gone")
            continue
        new_rows = after[table]
        if old_rows.keys() != new_rows.keys():
            lost = sorted(old_rows.keys() - new_rows.keys(), key=str)
            added = sorted(new_rows.keys() - old_rows.keys(), key=str)
            found.append(f"{table}: rows lost {lost}, rows added {added}")
            continue
        for key, old in old_rows.items():
            new = new_rows[key]
            for column, value in old.items():
                rewritten = column in allowed.get(table, set())
                if column in new and not rewritten and new[column] != value:
                    found.append(f"{table}{list(key)}.{column}: {value!r} → {new[column]!r}")
    return found


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Rows for one migration: written before it, checked after it."""

    revision: str
    name: str
    seed: Callable[[Probe], None]
    check: Callable[[Probe], None]
    # Rows the migration itself adds to tables that existed before it: {table: count}.
    added: Mapping[str, int] = dataclasses.field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.revision}-{self.name}"


# --- shared rows, by era of the schema -----------------------------------------------------


def _people(p: Probe, era: str) -> None:
    """Two clubs, two producers, one user per role, tokens, login failures and jobs.

    ``era``: "foundation" (7e1043b15ced), "catalog" (producers gain updated_at, 38290e5e825d
    up to e4b8c2d6f0a1) or "tenants" (producers leave clubs, Youth Union accounts, f2a6c8e0b4d7
    and later).
    """
    tenants = era == "tenants"
    p.insert(
        "clubs",
        {"id": 1, "name": "CLB Streamer Móng Cái", "province": "Quảng Ninh",
         "commune": "Phường Móng Cái 1", "created_at": T0},
        {"id": 2, "name": "CLB Streamer Vân Đồn", "province": "Quảng Ninh",
         "commune": None, "created_at": T0},
    )  # fmt: skip
    producers = [
        {"id": 1, "name": "HTX Nước mắm Trà Cổ", "type": "hop_tac_xa", "province": "Quảng Ninh",
         "commune": "Phường Móng Cái 3", "club_id": 1, "created_at": T1},
        {"id": 2, "name": "Hộ chè Tân Cương", "type": "ho_kinh_doanh", "province": "Thái Nguyên",
         "commune": None, "club_id": None, "created_at": T2},
    ]  # fmt: skip
    for producer in producers:
        if era != "foundation":
            producer["updated_at"] = producer["created_at"]
        if tenants:
            del producer["club_id"]
    p.insert("producers", *producers)
    if tenants:
        p.insert("club_producers", {"club_id": 1, "producer_id": 1},
                 {"club_id": 2, "producer_id": 1})  # fmt: skip
    users = [
        # id, username, role, producer, club, active
        (1, "admin", "admin", None, None, True),
        (2, "dieuphoi", "coordinator", None, 1, True),
        (3, "banhang.minh", "seller", None, 1, True),
        (4, "ntm.traco", "producer", 1, None if tenants else 1, True),
        (5, "banhang.cu", "seller", None, 2, False),
    ]
    if tenants:
        users.append((6, "doan.quangninh", "union", None, None, True))
    rows = []
    for uid, username, role, producer, club, active in users:
        row = {
            "id": uid, "username": username,
            "email": f"{username}@example.vn" if uid == 3 else None,
            "full_name": f"Người dùng {username}", "role": role, "producer_id": producer,
            "club_id": club, "password_hash": HASH, "is_active_account": active,
            "locale": "en" if uid == 3 else None, "created_at": T0,
            "last_login_at": T1 if uid == 1 else None,
        }  # fmt: skip
        if tenants:
            row["union_province_code"] = 22 if role == "union" else None
        rows.append(row)
    p.insert("users", *rows)
    p.insert(
        "api_tokens",
        {"id": 1, "user_id": 3, "name": "Máy tính CLB", "prefix": "ocp_a1b2",
         "token_hash": "a" * 64, "created_at": T1, "last_used_at": T2, "revoked_at": None},
        {"id": 2, "user_id": 1, "name": "cũ", "prefix": "ocp_c3d4",
         "token_hash": "b" * 64, "created_at": T0, "last_used_at": None, "revoked_at": T2},
    )  # fmt: skip
    p.insert(
        "login_failures",
        {"key": "user:admin", "count": 3, "first_failed_at": T1, "locked_until": None},
        {"key": "ip:203.0.113.9", "count": 30, "first_failed_at": T1, "locked_until": T2},
    )  # fmt: skip
    p.insert(
        "jobs",
        {"id": 1, "kind": "system.check", "title": "Kiểm tra hệ thống", "owner_id": 1,
         "status": "succeeded", "progress": 100, "message": "Xong", "error": None,
         "params": {"deep": True}, "result": {"ok": True, "checks": ["db", "broker"]},
         "cancel_requested": False, "task_id": "celery-1", "created_at": T0,
         "started_at": T0, "finished_at": T1},
        {"id": 2, "kind": "catalog.import", "title": "Nhập danh mục", "owner_id": 3,
         "status": "queued", "progress": 0, "message": "", "error": None,
         "params": {"file": "danh-mục.xlsx"}, "result": None, "cancel_requested": False,
         "task_id": None, "created_at": T1, "started_at": None, "finished_at": None},
        {"id": 3, "kind": "catalog.import", "title": "Nhập danh mục", "owner_id": 3,
         "status": "failed", "progress": 40, "message": "Lỗi", "error": "dòng 3: thiếu SKU",
         "params": {}, "result": None, "cancel_requested": True, "task_id": "celery-3",
         "created_at": T1, "started_at": T1, "finished_at": T2},
    )  # fmt: skip


def _catalog(p: Probe) -> None:
    """Two products (three variants) with a certificate, an image and a link (38290e5e825d+)."""
    p.insert(
        "products",
        {"id": 1, "producer_id": 1, "category_id": None, "name": "Nước mắm Trà Cổ",
         "description": "Cá cơm ủ chượp 12 tháng.", "unit": "chai", "brand": "Trà Cổ",
         "ingredients": None, "shelf_life": "24 tháng", "is_active": True,
         "search_text": "nuoc mam tra co ca com", "min_price": 85_000, "max_price": 150_000,
         "total_stock": 70, "ocop_stars": 4, "ocop_expires_on": dt.date(2028, 6, 30),
         "version": 3, "created_at": T0, "updated_at": T1},
        {"id": 2, "producer_id": 2, "category_id": None, "name": "Chè Tân Cương",
         "description": None, "unit": "gói", "brand": None, "ingredients": None,
         "shelf_life": None, "is_active": False, "search_text": "che tan cuong",
         "min_price": 120_000, "max_price": 120_000, "total_stock": 0, "ocop_stars": None,
         "ocop_expires_on": None, "version": 1, "created_at": T1, "updated_at": T1},
    )  # fmt: skip
    p.insert(
        "variants",
        {"id": 1, "product_id": 1, "sku": "TC-500", "name": "Chai 500ml", "price": 85_000,
         "stock": 50, "weight_g": 700, "length_cm": decimal.Decimal("6.5"),
         "width_cm": decimal.Decimal("6.5"), "height_cm": decimal.Decimal("25.0"),
         "barcode": "8938505970012", "position": 0},
        {"id": 2, "product_id": 1, "sku": "TC-1000", "name": "Chai 1 lít", "price": 150_000,
         "stock": 20, "weight_g": None, "length_cm": None, "width_cm": None,
         "height_cm": None, "barcode": None, "position": 1},
        {"id": 3, "product_id": 2, "sku": "CTC-200", "name": "Gói 200g", "price": 120_000,
         "stock": 0, "weight_g": 220, "length_cm": None, "width_cm": None,
         "height_cm": None, "barcode": None, "position": 0},
    )  # fmt: skip
    p.insert(
        "certificates",
        {"id": 1, "product_id": 1, "score": decimal.Decimal("72.50"), "stars": 4,
         "decision_number": "1234/QĐ-UBND", "decision_date": dt.date(2025, 6, 30),
         "level": "province", "authority": "UBND tỉnh Quảng Ninh",
         "expires_on": dt.date(2028, 6, 30), "created_at": T0},
    )  # fmt: skip
    p.insert(
        "product_images",
        {"id": 1, "product_id": 1, "position": 0, "path": "products/1/a.jpg",
         "thumb_path": "products/1/a-thumb.jpg", "width": 1200, "height": 1200,
         "created_at": T0},
    )  # fmt: skip
    p.insert(
        "product_links",
        {"id": 1, "product_id": 1, "channel": "shopee",
         "url": "https://shopee.vn/nuoc-mam-tra-co-i.1.2"},
    )  # fmt: skip


def _shops(p: Probe, *, breaker: bool = False, clubs: bool = True) -> None:
    """A club's shop and a producer's shop with listings (0e762867b04e+); ``breaker`` once the
    accounts have their outage columns (c7d2e9a4f1b3+); without ``clubs`` both shops are the
    producer's."""
    accounts = [
        {"id": 1, "marketplace": "shopee", "name": "Shop CLB Móng Cái",
         "club_id": 1 if clubs else None, "producer_id": None if clubs else 1,
         "config": {"partner_id": "2001234", "region": "VN"},
         "secrets_enc": "gAAAAB-secret-1", "tokens_enc": "gAAAAB-tokens-1",
         "access_expires_at": T2, "refresh_expires_at": T2, "token_version": 4,
         "refresh_lease_owner": None, "refresh_lease_until": None, "status": "connected",
         "oauth_state": None, "shop_label": "Móng Cái Official", "last_error": None,
         "created_by_id": 2, "created_at": T0, "updated_at": T1},
        {"id": 2, "marketplace": "tiktok", "name": "Shop HTX Trà Cổ", "club_id": None,
         "producer_id": 1, "config": {}, "secrets_enc": "gAAAAB-secret-2", "tokens_enc": None,
         "access_expires_at": None, "refresh_expires_at": None, "token_version": 0,
         "refresh_lease_owner": None, "refresh_lease_until": None, "status": "not_connected",
         "oauth_state": "state-abc", "shop_label": None, "last_error": "Chưa kết nối",
         "created_by_id": 4, "created_at": T1, "updated_at": T1},
    ]  # fmt: skip
    if breaker:
        accounts[0].update(failures_in_row=2, outage_until=T2)
        accounts[1].update(failures_in_row=0, outage_until=None)
    p.insert("channel_accounts", *accounts)
    p.insert(
        "channel_category_mappings",
        {"id": 1, "account_id": 1, "ocop_category_id": _category_id(p),
         "external_id": "100644", "external_name": "Gia vị"},
    )  # fmt: skip
    listing = {
        "product_id": 1, "external_id": None, "sku_ids": {}, "image_ids": [], "url": None,
        "payload_hash": None, "last_synced_at": None, "last_error": None, "error_fields": None,
        "error_code": None, "attempts": 0, "next_attempt_at": None, "create_attempted": False,
        "lease_owner": None, "lease_until": None, "certificate_override": False,
        "paused_reason": None, "created_at": T1, "updated_at": T1,
    }  # fmt: skip
    p.insert(
        "listings",
        {**listing, "id": 1, "account_id": 1, "state": "live", "external_id": "9001",
         "sku_ids": {"TC-500": "9001-1", "TC-1000": "9001-2"}, "image_ids": ["img-1"],
         "url": "https://shopee.vn/product/9001", "payload_hash": "c" * 64,
         "last_synced_at": T2, "create_attempted": True},
        {**listing, "id": 2, "account_id": 1, "product_id": 2, "state": "failed",
         "last_error": "Thiếu ảnh", "error_fields": {"images": ["Cần ít nhất 1 ảnh"]},
         "error_code": "missing_image", "attempts": 3},
        {**listing, "id": 3, "account_id": 2, "state": "draft"},
    )  # fmt: skip


def _category_id(p: Probe) -> int:
    return int(p.value("SELECT MIN(id) FROM ocop_categories WHERE level = 3"))


def _studio(p: Probe) -> None:
    """A video with a render and an uploaded clip, tied to jobs (79db943e39c5+)."""
    p.insert(
        "videos",
        {"id": 1, "title": "Giới thiệu nước mắm", "product_id": 1,
         "recipe": {"clips": [{"asset": 1, "in": 0.5, "out": 4.0}], "music": None},
         "is_template": False, "version": 2, "created_by_id": 3, "created_at": T0,
         "updated_at": T1},
    )  # fmt: skip
    p.insert(
        "media_assets",
        {"id": 1, "kind": "video", "role": "clip", "status": "ready", "product_id": 1,
         "original_name": "quay-nuoc-mam.mp4", "upload_path": None,
         "master_path": "studio/masters/1.mp4", "proxy_path": "studio/proxies/1.mp4",
         "poster_path": "studio/posters/1.jpg", "size_bytes": 5_000_000_000,
         "duration": 12.5, "width": 1080, "height": 1920, "info": {"fps": 30},
         "analysis": None, "error": None, "job_id": 1, "uploaded_by_id": 3,
         "created_at": T0},
    )  # fmt: skip
    p.insert(
        "renders",
        {"id": 1, "video_id": 1, "profile": "tiktok", "status": "done",
         "recipe": {"clips": [{"asset": 1}]}, "output_path": "studio/renders/1.mp4",
         "thumbnail_path": None, "duration": 11.0, "size_bytes": 2_400_000, "error": None,
         "job_id": 3, "created_by_id": 3, "created_at": T1, "finished_at": T2},
    )  # fmt: skip


def _live(p: Probe) -> None:
    """A streamer, a feed, two sessions (one with hosts and slots) (d1e5a7b3c9f2+)."""
    p.insert(
        "streamers",
        {"id": 1, "user_id": 3, "club_id": 1, "display_name": "Minh Móng Cái",
         "platforms": ["tiktok", "shopee"], "tiktok_handle": "minh.mongcai", "is_active": True,
         "created_at": T0, "updated_at": T0},
    )  # fmt: skip
    p.insert("live_streamer_accounts", {"streamer_id": 1, "channel_account_id": 1})
    p.insert(
        "live_feeds",
        {"id": 1, "club_id": 1, "streamer_id": None, "token": "feed-" + "d" * 40,
         "created_at": T0, "rotated_at": None},
    )  # fmt: skip
    session = {
        "platform": "tiktok", "channel_account_id": None, "status": "planned", "notes": None,
        "live_url": None, "sequence": 0, "current_slot": None, "slot_started_at": None,
        "extension_s": 0, "state_version": 0, "created_by_id": 2, "created_at": T0,
        "updated_at": T0,
    }  # fmt: skip
    p.insert(
        "live_sessions",
        {**session, "id": 1, "club_id": 1, "title": "Live nước mắm tối thứ Bảy",
         "channel_account_id": 1, "status": "ended", "live_url": "https://tiktok.com/@x/live",
         "starts_at": T1, "ends_at": T1 + dt.timedelta(hours=2), "sequence": 3,
         "current_slot": 1, "slot_started_at": T1, "extension_s": 120, "state_version": 9},
        {**session, "id": 2, "club_id": 2, "title": "Live chè", "starts_at": T2,
         "ends_at": T2 + dt.timedelta(hours=1)},
    )  # fmt: skip
    p.insert("live_session_hosts", {"session_id": 1, "streamer_id": 1})
    p.insert(
        "live_slots",
        {"id": 1, "session_id": 1, "position": 0, "product_id": 1, "variant_id": 1,
         "start_offset_s": 0, "length_s": 600, "live_price": 79_000, "code": "A1",
         "talking_points": "Độ đạm 40°N"},
        {"id": 2, "session_id": 1, "position": 1, "product_id": 2, "variant_id": None,
         "start_offset_s": 600, "length_s": 300, "live_price": 110_000, "code": "B2",
         "talking_points": None},
    )  # fmt: skip


# --- one dataset per migration --------------------------------------------------------------


def _seed_catalog(p: Probe) -> None:
    _people(p, "foundation")


def _check_catalog(p: Probe) -> None:
    # Producers made before the catalog were last updated when they were made.
    same(
        p.rows(
            "SELECT id, created_at, updated_at, club_id FROM producers ORDER BY id",
            created_at=UTCDateTime(),
            updated_at=UTCDateTime(),
        ),
        [(1, T1, T1, 1), (2, T2, T2, None)],
    )
    details = "tax_code, province_code, commune_code, story, logo_path"
    same(p.rows(f"SELECT {details} FROM producers"), [(None,) * 5] * 2)
    # The OCOP category tree is seeded, and the next category gets a fresh id (sequence moved).
    tree = ocop_categories.rows()
    same(p.value("SELECT COUNT(*) FROM ocop_categories"), len(tree))
    same({r[0] for r in p.rows("SELECT code FROM ocop_categories")}, {row["code"] for row in tree})
    p.run("INSERT INTO ocop_categories (code, name, level, position) VALUES ('9.9', 'Thử', 1, 99)")
    new_id = p.value("SELECT id FROM ocop_categories WHERE code = '9.9'")
    assert new_id > max(row["id"] for row in tree), new_id
    # A producer account keeps its club until clubs become tenants (f2a6c8e0b4d7).
    same(p.rows("SELECT username, club_id FROM users WHERE role = 'producer'"), [("ntm.traco", 1)])


def _seed_search_index(p: Probe) -> None:
    _people(p, "catalog")
    _catalog(p)


def _check_search_index(p: Probe) -> None:
    like = "SELECT id FROM products WHERE search_text LIKE :q ORDER BY id"
    same(p.rows(like, {"q": "%nuoc mam%"}), [(1,)])
    indexes = {i["name"] for i in sa.inspect(p.engine).get_indexes("products")}
    if p.dialect == "postgresql":
        assert "ix_products_search_trgm" in indexes, indexes
        # The trigram operator works on the existing rows (a typo still finds the product).
        same(p.rows("SELECT id FROM products WHERE search_text % 'nuoc mam tra coo'"), [(1,)])
    else:
        assert "ix_products_search_trgm" not in indexes, indexes


def _seed_jobs_identity(p: Probe) -> None:
    _people(p, "catalog")
    _catalog(p)
    p.insert(
        "jobs",
        {"id": 4, "kind": "catalog.import", "title": "Nhập danh mục lần 2", "owner_id": 2,
         "status": "queued", "progress": 0, "message": "", "error": None, "params": {},
         "result": None, "cancel_requested": False, "task_id": None, "created_at": T2,
         "started_at": None, "finished_at": None},
    )  # fmt: skip


# A queued job of an owner with an identity, in the columns every revision since 0e762867b04e has.
NEW_JOB = (
    "INSERT INTO jobs (kind, title, owner_id, status, progress, message, params, "
    "cancel_requested, created_at, identity_key) VALUES ('catalog.import', 'Nhập', :owner, "
    "'queued', 0, '', '{}', false, '2026-11-01 00:00:00', :key)"
)


def _check_jobs_identity(p: Probe) -> None:
    same(p.rows("SELECT id, identity_key FROM jobs ORDER BY id"), [
        (1, None), (2, None), (3, None), (4, None)
    ])  # fmt: skip
    # Two queued jobs may not share an identity; a finished one may.
    p.run("UPDATE jobs SET identity_key = 'import:1' WHERE id IN (2, 3)")
    p.refused("UPDATE jobs SET identity_key = 'import:1' WHERE id = 4")
    # SQLite copied the jobs table: its foreign keys came along.
    p.refused(NEW_JOB, owner=999, key=None)
    p.run(NEW_JOB, owner=2, key=None)


def _seed_studio(p: Probe) -> None:
    _people(p, "catalog")
    _catalog(p)
    _shops(p)


def _check_studio(p: Probe) -> None:
    for table in ("videos", "media_assets", "renders"):
        same(p.value(f"SELECT COUNT(*) FROM {table}"), 0)
    # Listings made before the studio keep their marketplace ids.
    same(p.rows("SELECT id, sku_ids FROM listings ORDER BY id", sku_ids=sa.JSON()), [
        (1, {"TC-500": "9001-1", "TC-1000": "9001-2"}), (2, {}), (3, {})
    ])  # fmt: skip
    # The new tables take rows pointing at existing products, users and jobs.
    _studio(p)
    p.refused("UPDATE videos SET product_id = 999")


def _seed_job_heartbeat(p: Probe) -> None:
    _people(p, "catalog")
    _catalog(p)
    _studio(p)
    p.run("UPDATE jobs SET identity_key = 'import:danh-muc' WHERE id = 2")


def _check_job_heartbeat(p: Probe) -> None:
    same(p.rows("SELECT id, attempts, worker, heartbeat_at FROM jobs ORDER BY id"), [
        (1, 0, None, None), (2, 0, None, None), (3, 0, None, None)
    ])  # fmt: skip
    same(p.rows("SELECT id FROM jobs WHERE identity_key IS NOT NULL"), [(2,)])
    # SQLite copied the jobs table: its partial unique index, check and keys came along.
    p.refused(NEW_JOB, owner=3, key="import:danh-muc")
    p.run(NEW_JOB, owner=3, key="import:khac")
    p.refused(NEW_JOB, owner=999, key=None)
    p.refused("UPDATE jobs SET progress = 101 WHERE id = 1")
    # Clips and renders still point at their jobs; removing a job still clears the pointer.
    same(p.rows("SELECT job_id FROM media_assets"), [(1,)])
    same(p.rows("SELECT job_id FROM renders"), [(3,)])
    p.run("DELETE FROM jobs WHERE id = 1")
    same(p.rows("SELECT id, job_id FROM media_assets"), [(1, None)])


def _seed_outage_breaker(p: Probe) -> None:
    _people(p, "catalog")
    _catalog(p)
    _shops(p)
    p.run("UPDATE jobs SET worker = 'worker-1@host', attempts = 2 WHERE id = 3")


def _check_outage_breaker(p: Probe) -> None:
    same(
        p.rows(
            "SELECT id, failures_in_row, outage_until, config FROM channel_accounts ORDER BY id",
            config=sa.JSON(),
        ),
        [(1, 0, None, {"partner_id": "2001234", "region": "VN"}), (2, 0, None, {})],
    )
    same(p.value("SELECT COUNT(*) FROM listings"), 3)
    # SQLite copied channel_accounts: its one-owner check and unique OAuth state came along,
    # and its listings were not cascaded away by the copy.
    p.refused("UPDATE channel_accounts SET producer_id = 1 WHERE id = 1")
    p.refused("UPDATE channel_accounts SET oauth_state = 'state-abc' WHERE id = 1")
    p.run("DELETE FROM channel_accounts WHERE id = 2")
    same(p.rows("SELECT id FROM listings ORDER BY id"), [(1,), (2,)])


def _seed_live_planning(p: Probe) -> None:
    _people(p, "catalog")
    _catalog(p)
    _shops(p, breaker=True)


def _check_live_planning(p: Probe) -> None:
    same(p.value("SELECT COUNT(*) FROM live_sessions"), 0)
    same(
        p.rows(
            "SELECT id, failures_in_row, outage_until FROM channel_accounts ORDER BY id",
            outage_until=UTCDateTime(),
        ),
        [(1, 2, T2), (2, 0, None)],
    )
    _live(p)  # sessions, hosts and slots over the existing users, shops and variants
    p.run("DELETE FROM variants WHERE id = 1")
    same(p.rows("SELECT code, variant_id FROM live_slots ORDER BY id"), [
        ("A1", None), ("B2", None)
    ])  # fmt: skip


def _seed_orders(p: Probe) -> None:
    _people(p, "catalog")
    _catalog(p)
    _shops(p, breaker=True)
    _live(p)


def _check_orders(p: Probe) -> None:
    same(p.value("SELECT COUNT(*) FROM orders"), 0)
    same(
        p.rows(
            "SELECT id, club_id, starts_at, ends_at FROM live_sessions ORDER BY id",
            starts_at=UTCDateTime(),
            ends_at=UTCDateTime(),
        ),
        [(1, 1, T1, T1 + dt.timedelta(hours=2)), (2, 2, T2, T2 + dt.timedelta(hours=1))],
    )
    # An order of the ended session, over its streamer and variant.
    p.insert(
        "orders",
        {"id": 1, "platform": "tiktok", "external_id": "578000000000000001", "club_id": 1,
         "session_id": 1, "channel_account_id": 1, "streamer_id": 1, "status": "paid",
         "placed_at": T1, "source": "manual", "created_by_id": 3, "created_at": T1,
         "updated_at": T1},
    )  # fmt: skip
    p.insert(
        "order_lines",
        {"id": 1, "order_id": 1, "position": 0, "product_id": 1, "variant_id": 1,
         "seller_sku": "TC-500", "product_name": "Nước mắm Trà Cổ", "variation": "Chai 500ml",
         "quantity": 2, "unit_price": 79_000, "amount": 158_000, "status": "paid"},
    )  # fmt: skip
    p.run("DELETE FROM live_sessions WHERE id = 1")  # orders outlive their session
    same(p.rows("SELECT id, session_id, streamer_id FROM orders"), [(1, None, 1)])


def _seed_orders_before_tenants(p: Probe, *, clubs: bool) -> None:
    """Orders, comments and audience figures before clubs were tenants; ``clubs=False``:
    an instance that never made a club (its rows need the placeholder club)."""
    if clubs:
        _people(p, "catalog")
        _catalog(p)
        _shops(p, breaker=True)
        _live(p)
    else:
        p.insert(
            "producers",
            *[
                {"id": pid, "name": name, "type": "hop_tac_xa", "province": "Quảng Ninh",
                 "commune": None, "club_id": None, "created_at": T0, "updated_at": T0}
                for pid, name in ((1, "HTX Nước mắm Trà Cổ"), (2, "HTX Chè"))
            ],
        )  # fmt: skip
        p.insert(
            "users",
            *[
                {"id": uid, "username": name, "email": None, "full_name": name, "role": role,
                 "producer_id": producer, "club_id": None, "password_hash": HASH,
                 "is_active_account": True, "locale": None, "created_at": T0,
                 "last_login_at": None}
                for uid, name, role, producer in (
                    (1, "admin", "admin", None), (2, "dieuphoi", "coordinator", None),
                    (3, "banhang", "seller", None), (4, "ntm.traco", "producer", 1),
                )
            ],
        )  # fmt: skip
        _catalog(p)
        _shops(p, breaker=True, clubs=False)
        p.insert(
            "jobs",
            {"id": 1, "kind": "studio.render", "title": "Xuất video", "owner_id": 3,
             "status": "succeeded", "progress": 100, "message": "", "error": None,
             "params": {}, "result": None, "cancel_requested": False, "task_id": None,
             "created_at": T0, "started_at": None, "finished_at": None},
            {"id": 3, "kind": "system.check", "title": "Kiểm tra", "owner_id": None,
             "status": "queued", "progress": 0, "message": "", "error": None,
             "params": {}, "result": None, "cancel_requested": False, "task_id": None,
             "created_at": T0, "started_at": None, "finished_at": None},
        )  # fmt: skip
        _studio(p)
    order = {
        "platform": "tiktok", "channel_account_id": None, "streamer_id": None,
        "status": "placed", "buyer_phone": "0987654321", "buyer_phone_raw": "0987 654 321",
        "buyer_user": "lan.nguyen", "buyer_name": "Chị Lan", "placed_at": T1,
        "source": "manual", "comment_batch_id": None, "note": None, "created_at": T1,
        "updated_at": T1,
    }  # fmt: skip
    orders = [
        # without a session, by a seller (their club) or the admin (no club: the first one)
        {**order, "id": 1, "external_id": "A-1", "club_id": None, "session_id": None,
         "created_by_id": 3},
        {**order, "id": 2, "external_id": "A-2", "club_id": None, "session_id": None,
         "created_by_id": 1, "status": "cancelled"},
    ]  # fmt: skip
    if clubs:
        p.insert(
            "payment_accounts",
            {"id": 1, "club_id": 1, "producer_id": None, "bank_bin": "970436",
             "account_number": "1023456789", "account_name": "CLB STREAMER MONG CAI",
             "updated_at": T0},
        )  # fmt: skip
        p.insert(
            "comment_batches",
            {"id": 1, "session_id": 2, "filename": "binh-luan.txt", "status": "accepted",
             "proposals": [{"line": 3, "sku": "TC-500", "quantity": 1}],
             "report": {"lines": 40, "orders": 1}, "created_by_id": 5, "created_at": T2,
             "decided_by_id": 5, "decided_at": T2},
        )  # fmt: skip
        p.insert(
            "session_audiences",
            {"session_id": 1, "views": 1200, "unique_viewers": 800, "product_clicks": 95,
             "product_visitors": 60, "source": "manual", "updated_by_id": 2,
             "updated_at": T2},
        )  # fmt: skip
        p.insert(
            "viewer_visits",
            {"id": 1, "session_id": 1, "viewer": "lan.nguyen", "joined_at": T1,
             "left_at": T1 + dt.timedelta(minutes=12)},
        )  # fmt: skip
        orders += [
            # in club 2's session, entered by club 1's coordinator: the session's club wins
            {**order, "id": 3, "external_id": "B-1", "club_id": None, "session_id": 2,
             "created_by_id": 2, "source": "comments", "comment_batch_id": 1},
            # already in a club: kept
            {**order, "id": 4, "external_id": "C-1", "club_id": 2, "session_id": None,
             "created_by_id": 1, "streamer_id": 1, "status": "completed"},
        ]  # fmt: skip
    p.insert("orders", *orders)
    p.insert(
        "order_lines",
        {"id": 1, "order_id": 1, "position": 0, "product_id": 1, "variant_id": 1,
         "seller_sku": "TC-500", "product_name": "Nước mắm Trà Cổ", "variation": "Chai 500ml",
         "quantity": 3, "unit_price": 85_000, "amount": 255_000, "status": "placed"},
        {"id": 2, "order_id": 2, "position": 0, "product_id": None, "variant_id": None,
         "seller_sku": "OLD-1", "product_name": "Sản phẩm đã xoá", "variation": "",
         "quantity": 1, "unit_price": 0, "amount": 0, "status": "cancelled"},
    )  # fmt: skip


def _check_session_club(p: Probe) -> None:
    same(p.rows("SELECT id, club_id FROM orders ORDER BY id"), [
        (1, 1), (2, 1), (3, 2), (4, 2)
    ])  # fmt: skip
    same(p.rows("SELECT club_id, producer_id FROM club_producers"), [(1, 1)])
    same(p.rows("SELECT id, club_id FROM users ORDER BY id"), [
        (1, None), (2, 1), (3, 1), (4, None), (5, 2)
    ])  # fmt: skip
    same(p.rows("SELECT id, club_id FROM channel_accounts ORDER BY id"), [(1, 1), (2, 1)])
    same(p.rows("SELECT club_id FROM jobs ORDER BY id"), [(None,), (1,), (1,)])
    same(p.value("SELECT COUNT(*) FROM clubs WHERE province_code IS NOT NULL"), 0)


def _check_placeholder_club(p: Probe) -> None:
    (club,) = p.rows("SELECT id, name, province FROM clubs")
    same(club[1:], ("CLB của tôi", ""))
    placeholder = club[0]
    same(p.rows("SELECT id, club_id FROM users ORDER BY id"), [
        (1, None), (2, placeholder), (3, placeholder), (4, None)
    ])  # fmt: skip
    same(p.rows("SELECT club_id FROM orders ORDER BY id"), [(placeholder,), (placeholder,)])
    same(p.rows("SELECT club_id, producer_id FROM channel_accounts ORDER BY id"), [
        (placeholder, 1), (placeholder, 1)
    ])  # fmt: skip
    same(p.rows("SELECT club_id FROM media_assets"), [(placeholder,)])
    same(p.rows("SELECT club_id FROM videos"), [(placeholder,)])
    same(p.rows("SELECT id, club_id FROM jobs ORDER BY id"), [(1, placeholder), (3, None)])
    same(p.value("SELECT COUNT(*) FROM club_producers"), 0)


def _seed_session_version(p: Probe) -> None:
    _people(p, "tenants")
    _catalog(p)
    p.insert(
        "orders",
        {"id": 1, "platform": "shopee", "external_id": "250101ABC", "club_id": 1,
         "session_id": None, "channel_account_id": None, "streamer_id": None,
         "status": "shipped", "buyer_phone": None, "buyer_phone_raw": None,
         "buyer_user": None, "buyer_name": "Anh Tùng", "placed_at": T2, "source": "import",
         "comment_batch_id": None, "note": "Giao giờ hành chính", "created_by_id": 3,
         "created_at": T2, "updated_at": T2},
    )  # fmt: skip


def _check_session_version(p: Probe) -> None:
    same(
        p.rows("SELECT id, session_version FROM users ORDER BY id"),
        [(uid, 0) for uid in range(1, 7)],
    )
    # SQLite copied the users table: its membership checks and keys came along.
    p.refused("UPDATE users SET club_id = NULL WHERE id = 3")  # a seller needs a club
    p.refused("UPDATE users SET union_province_code = NULL WHERE id = 6")
    p.refused("UPDATE users SET producer_id = 999 WHERE id = 4")
    p.refused("UPDATE users SET username = 'admin' WHERE id = 2")
    p.refused("DELETE FROM users WHERE id = 3")  # tokens and orders still point at them
    same(p.rows("SELECT user_id FROM api_tokens ORDER BY id"), [(3,), (1,)])


def _seed_must_change_password(p: Probe) -> None:
    _seed_session_version(p)
    p.run("UPDATE users SET session_version = 3 WHERE id = 3")


def _check_must_change_password(p: Probe) -> None:
    # Existing accounts keep signing in as before: nobody has a one-time password.
    same(
        p.rows("SELECT id, must_change_password, session_version FROM users ORDER BY id"),
        [(uid, False, 3 if uid == 3 else 0) for uid in range(1, 7)],
    )
    # SQLite copied the users table again: its membership checks and keys came along.
    p.refused("UPDATE users SET club_id = NULL WHERE id = 3")
    p.refused("UPDATE users SET username = 'admin' WHERE id = 2")
    p.refused("DELETE FROM users WHERE id = 3")


def _seed_order_status_history(p: Probe) -> None:
    _seed_session_version(p)


def _check_order_status_history(p: Probe) -> None:
    # Existing orders start with an empty history; a change can be recorded against them and
    # goes with its order.
    same(p.rows("SELECT count(*) FROM order_status_changes"), [(0,)])
    same(p.rows("SELECT id, status FROM orders ORDER BY id"), [(1, "shipped")])
    p.insert(
        "order_status_changes",
        {"id": 1, "order_id": 1, "from_status": "shipped", "to_status": "completed",
         "via": "app", "note": None, "changed_by_id": 3, "changed_at": T2},
    )  # fmt: skip
    p.refused(
        "INSERT INTO order_status_changes (id, order_id, from_status, to_status, via, changed_at)"
        " VALUES (2, 999, 'placed', 'paid', 'app', '2026-11-04 00:00:00')"
    )
    p.run("DELETE FROM order_status_changes")


def _check_live_comments(p: Probe) -> None:
    # New tables only: nothing existing changes; a comment's key is unique, its session and
    # club must exist.
    for table in ("comment_accounts", "comment_captures", "live_comments", "live_desk_settings"):
        same(p.value(f"SELECT COUNT(*) FROM {table}"), 0)
    same(p.rows("SELECT id, hold_until FROM orders ORDER BY id"), [(1, None)])
    same(p.rows("SELECT id, status FROM orders ORDER BY id"), [(1, "shipped")])
    comment = _live_session_and_account(p)
    p.insert("live_comments", {**comment, "id": 1})
    p.refused(
        "INSERT INTO live_comments (id, club_id, session_id, origin, platform, live_id,"
        " comment_id, text, commented_at, received_at, can_reply_privately, state) VALUES"
        " (2, 1, 1, 'capture', 'youtube', 'chat-1', 'LCC.1', 'lần nữa',"
        " '2026-11-04 00:00:00', '2026-11-04 00:00:00', false, 'new')"
    )
    p.run("DELETE FROM live_comments")
    p.run("DELETE FROM comment_accounts")
    p.run("DELETE FROM live_sessions")


def _live_session_and_account(p: Probe) -> dict[str, Any]:
    """A YouTube session of club 1 and its comment account; a comment's columns for it."""
    p.insert(
        "live_sessions",
        {"id": 1, "club_id": 1, "title": "Live mật ong", "platform": "youtube",
         "channel_account_id": None, "starts_at": T1, "ends_at": T1 + dt.timedelta(hours=1),
         "status": "planned", "notes": None, "live_url": None, "sequence": 0,
         "current_slot": None, "slot_started_at": None, "extension_s": 0, "state_version": 0,
         "created_by_id": 2, "created_at": T0, "updated_at": T0},
    )  # fmt: skip
    p.insert(
        "comment_accounts",
        {"id": 1, "club_id": 1, "platform": "youtube", "name": "Kênh CLB", "config": {},
         "secrets_enc": "", "status": "connected", "oauth_state": None, "created_by_id": 2,
         "created_at": T1, "updated_at": T1},
    )  # fmt: skip
    comment = {
        "club_id": 1, "session_id": 1, "capture_id": None, "origin": "capture",
        "platform": "youtube", "live_id": "chat-1", "comment_id": "LCC.1", "author_id": "UC1",
        "author_name": "Lan", "text": "chốt 2 A1", "commented_at": T1, "received_at": T1,
        "edited_at": None, "deleted_at": None, "can_reply_privately": False, "state": "new",
        "taken_by_id": None, "taken_at": None, "order_id": 1, "decided_by_id": None,
        "decided_at": None,
    }  # fmt: skip
    return comment


def _seed_live_comments(p: Probe) -> None:
    _seed_order_status_history(p)
    comment = _live_session_and_account(p)
    p.insert("live_comments", {**comment, "id": 1})
    p.insert(
        "live_comments",
        {**comment, "id": 2, "comment_id": "LCC.2", "state": "confirmed", "taken_at": T1,
         "decided_by_id": 2, "decided_at": T2},
    )  # fmt: skip


def _check_comment_changes(p: Probe) -> None:
    # The last change known: a decision; none for a comment never changed.
    same(
        p.rows("SELECT id, changed_at FROM live_comments ORDER BY id", changed_at=UTCDateTime()),
        [(1, None), (2, T2)],
    )


def _seed_payments(p: Probe) -> None:
    _seed_order_status_history(p)
    p.insert("live_desk_settings", {"club_id": 1, "hold_minutes": 45, "reply_template": None})


def _check_payments(p: Probe) -> None:
    # Existing orders have received nothing and were never reminded; an existing club's desk
    # settings give a quarter of an hour after the reminder; a transaction's key is unique.
    same(
        p.rows("SELECT id, paid_amount, paid_at, payment_reminded_at FROM orders ORDER BY id"),
        [(1, 0, None, None)],
    )
    same(p.rows("SELECT club_id, hold_minutes, reminder_minutes FROM live_desk_settings"),
         [(1, 45, 15)])  # fmt: skip
    row = {"club_id": 1, "connection_id": None, "source": "webhook", "provider": "sepay",
           "transaction_id": "92704", "account_number": "0123499999", "amount": 180000,
           "direction": "in", "content": "DH0000019", "reference": "", "counter_account_name": "",
           "counter_account_number": "", "occurred_at": T1, "received_at": T1,
           "state": "exact", "match_note": "{}", "order_id": 1,
           "applied_amount": 180000}  # fmt: skip
    p.insert("bank_transactions", {**row, "id": 1})
    p.refused(
        "INSERT INTO bank_transactions (id, club_id, source, provider, transaction_id,"
        " account_number, amount, direction, content, reference, counter_account_name,"
        " counter_account_number, occurred_at, received_at, state, match_note, applied_amount)"
        " VALUES (2, 1, 'webhook', 'sepay', '92704', '', 1, 'in', '', '', '', '',"
        " '2026-11-04 00:00:00', '2026-11-04 00:00:00', 'exact', '{}', 0)"
    )
    p.run("DELETE FROM bank_transactions")
    p.run("DELETE FROM live_desk_settings")


def _seed_order_messages(p: Probe) -> None:
    _seed_live_comments(p)
    p.insert(
        "order_messages",
        {"id": 1, "order_id": 1, "comment_id": 2, "channel": "facebook_private",
         "text": "Chào Lan, shop đã chốt đơn", "status": "sent", "external_id": "m_1",
         "problem": None, "created_by_id": 2, "created_at": T2},
    )  # fmt: skip


def _check_buyer_messages(p: Probe) -> None:
    # The desk's reply keeps what it was, with no event and one attempt's worth of nothing;
    # the new tables start empty; one message per order and event.
    same(
        p.rows("SELECT id, channel, status, event, attempts, cost FROM order_messages"),
        [(1, "facebook_private", "sent", None, 0, None)],
    )
    for table in ("message_connections", "message_templates", "message_rules", "buyer_contacts"):
        same(p.value(f"SELECT COUNT(*) FROM {table}"), 0)
    p.run(
        "INSERT INTO order_messages (id, order_id, channel, text, status, event, attempts,"
        " created_at) VALUES (2, 1, 'zalo_zns', '', 'queued', 'paid', 0, '2026-11-04 00:00:00')"
    )
    p.refused(
        "INSERT INTO order_messages (id, order_id, channel, text, status, event, attempts,"
        " created_at) VALUES (3, 1, 'zalo_oa', '', 'queued', 'paid', 0, '2026-11-04 00:00:00')"
    )
    p.run("DELETE FROM order_messages WHERE id = 2")


def _check_shipping(p: Probe) -> None:
    # Orders keep their rows with no delivery address yet; the new tables start empty; one
    # parcel per (club, reference) and one event per (parcel, carrier key).
    same(
        p.rows("SELECT id, ship_name, ship_province_code, ship_legacy FROM orders ORDER BY id"),
        [(row[0], None, None, None) for row in p.rows("SELECT id FROM orders ORDER BY id")],
    )
    for table in ("carrier_accounts", "shipments", "shipment_lines", "shipment_events"):
        same(p.value(f"SELECT COUNT(*) FROM {table}"), 0)
    for table in ("cod_statements", "cod_lines"):
        same(p.value(f"SELECT COUNT(*) FROM {table}"), 0)
    club = p.value("SELECT club_id FROM orders WHERE id = 1")
    insert = (
        "INSERT INTO shipments (id, club_id, order_id, carrier, reference, sort_code, service,"
        " status, carrier_status, fee, cod_amount, declared_value, weight_g, length_cm,"
        " width_cm, height_cm, created_at, updated_at) VALUES ({id}, {club}, 1, 'ghn',"
        " 'DH0000013-1', '', '', 'booking', '', 0, 0, 0, 0, 0, 0, 0, '2026-12-04 00:00:00',"
        " '2026-12-04 00:00:00')"
    )
    p.run(insert.format(id=1, club=club))
    p.refused(insert.format(id=2, club=club))
    event = (
        "INSERT INTO shipment_events (id, shipment_id, event_key, status, carrier_status,"
        " description, occurred_at, received_at, via, applied) VALUES ({id}, 1, 'k', 'created',"
        " '', '', '2026-12-04 00:00:00', '2026-12-04 00:00:00', 'webhook', true)"
    )
    p.run(event.format(id=1))
    p.refused(event.format(id=2))
    p.run("DELETE FROM shipments WHERE id = 1")
    same(p.value("SELECT COUNT(*) FROM shipment_events"), 0)


def _seed_sales(p: Probe) -> None:
    """The live era's rows plus two older orders of club 1: one on the last evening of
    September in UTC, already 1 October in Vietnam, and one in July (none in August)."""
    _seed_live_comments(p)
    base = {"platform": "shopee", "club_id": 1, "session_id": None, "channel_account_id": None,
            "streamer_id": None, "status": "completed", "buyer_phone": None,
            "buyer_phone_raw": None, "buyer_user": None, "buyer_name": "Anh Tùng",
            "source": "import", "comment_batch_id": None, "note": None, "created_by_id": 3,
            "created_at": T2, "updated_at": T2}  # fmt: skip
    october = dt.datetime(2026, 9, 30, 18, 0, tzinfo=dt.UTC)
    july = dt.datetime(2026, 7, 15, 5, 0, tzinfo=dt.UTC)
    p.insert(
        "orders",
        {**base, "id": 901, "external_id": "AGG-OCT", "placed_at": october},
        {**base, "id": 902, "external_id": "AGG-JUL", "placed_at": july},
    )


def _check_sales_aggregates(p: Probe) -> None:
    # Every month in which a club has orders (Vietnam time) waits for the refresh job; the
    # aggregates themselves start empty.
    expected = {
        (club_id, (dt.datetime.fromisoformat(str(t)).replace(tzinfo=None)
                   + dt.timedelta(hours=7)).date().replace(day=1).isoformat())
        for club_id, t in p.rows("SELECT club_id, placed_at FROM orders")
    }  # fmt: skip
    assert {m for _c, m in expected} >= {"2026-07-01", "2026-10-01", "2026-11-01"}
    assert "2026-08-01" not in {m for _c, m in expected}
    same(
        {(c, str(m)[:10]) for c, m in p.rows("SELECT club_id, month FROM stale_cells")},
        expected,
    )
    same(p.rows("SELECT DISTINCT version, lease_until FROM stale_cells"), [(1, None)])
    for table in ("sales_months", "sales_days", "region_sketches", "stale_regions"):
        same(p.value(f"SELECT COUNT(*) FROM {table}"), 0)


def _seed_province_month(p: Probe, region_sums: bool) -> None:
    """Aggregates as the refresh job wrote them: club 1's October merged into its province's
    and the country's months (``region_sums``: with the sums region rows gained in
    b6ce3cc57a0e), club 1's July with no region row yet, no cell waiting."""
    _seed_sales(p)
    p.run("UPDATE clubs SET province_code = 22, province = 'Quảng Ninh' WHERE id = 1")
    figures = {"gmv": 500_000, "net_gmv": 400_000, "orders": 2, "units": 3}
    row = {"club_id": 1, "dim": "all", "key": "", **figures, "buyers": 1, "sketch": b"S"}
    p.insert(
        "sales_months",
        {**row, "month": dt.date(2026, 10, 1)},
        {**row, "month": dt.date(2026, 7, 1)},
        {**row, "month": dt.date(2026, 10, 1), "dim": "product", "key": "1", "sketch": None},
    )
    region = {"month": dt.date(2026, 10, 1), "dim": "all", "key": "", "buyers": 1, "sketch": b"S"}
    if region_sums:
        region.update(figures)
    p.insert("region_sketches", *({"province_code": code, **region} for code in (22, 0)))
    p.run("DELETE FROM stale_cells")


def _province_months_waiting(p: Probe) -> None:
    """Club 1's two months of _seed_province_month wait for the refresh (province 22)."""
    same(
        sorted((c, str(m)[:10]) for c, m in p.rows("SELECT * FROM stale_regions")),
        [(22, "2026-07-01"), (22, "2026-10-01")],
    )


def _seed_region_rows(p: Probe) -> None:
    """Before region rows had sums."""
    _seed_province_month(p, region_sums=False)


def _check_region_rows(p: Probe) -> None:
    # The old rows keep their sketch and read as zero sums until the refresh merges again:
    # every province month with club aggregates waits for it (the country's follows).
    same(
        p.rows("SELECT province_code, gmv, net_gmv, orders, units, buyers FROM region_sketches "
               "ORDER BY province_code"),
        [(0, 0, 0, 0, 0, 1), (22, 0, 0, 0, 0, 1)],
    )  # fmt: skip
    _province_months_waiting(p)
    # Products and producers now have region rows with no sketch.
    p.run("INSERT INTO region_sketches (province_code, month, dim, key, net_gmv) "
          "VALUES (22, '2026-10-01', 'product', '1', 400000)")  # fmt: skip
    same(p.value("SELECT COUNT(*) FROM region_sketches WHERE sketch IS NULL"), 1)


def _seed_region_days(p: Probe) -> None:
    """Region rows with sums, before "day" rows; no region waiting."""
    _seed_province_month(p, region_sums=True)
    p.run("DELETE FROM stale_regions")


def _check_region_days(p: Probe) -> None:
    # The stored rows stay as they were; every province month with club aggregates waits for
    # the refresh to add its days (the country's follows).
    same(
        p.rows("SELECT province_code, dim, gmv, net_gmv, orders, units FROM region_sketches "
               "ORDER BY province_code"),
        [(0, "all", 500_000, 400_000, 2, 3), (22, "all", 500_000, 400_000, 2, 3)],
    )  # fmt: skip
    _province_months_waiting(p)
    p.run("INSERT INTO region_sketches (province_code, month, dim, key, net_gmv) "
          "VALUES (22, '2026-10-01', 'day', '2026-10-05', 400000)")  # fmt: skip
    same(p.value("SELECT COUNT(*) FROM region_sketches WHERE dim = 'day'"), 1)


DATASETS: tuple[Dataset, ...] = (
    Dataset("38290e5e825d", "people", _seed_catalog, _check_catalog),
    Dataset("b5b1a496c13b", "catalog", _seed_search_index, _check_search_index),
    Dataset("0e762867b04e", "jobs", _seed_jobs_identity, _check_jobs_identity),
    Dataset("79db943e39c5", "shops", _seed_studio, _check_studio),
    Dataset("a3c1f0d2b7e4", "studio", _seed_job_heartbeat, _check_job_heartbeat),
    Dataset("c7d2e9a4f1b3", "shops", _seed_outage_breaker, _check_outage_breaker),
    Dataset("d1e5a7b3c9f2", "shops", _seed_live_planning, _check_live_planning),
    Dataset("e4b8c2d6f0a1", "live", _seed_orders, _check_orders),
    Dataset(
        "f2a6c8e0b4d7",
        "orders",
        lambda p: _seed_orders_before_tenants(p, clubs=True),
        _check_session_club,
    ),
    Dataset(
        "f2a6c8e0b4d7",
        "no-club",
        lambda p: _seed_orders_before_tenants(p, clubs=False),
        _check_placeholder_club,
        added={"clubs": 1},
    ),
    Dataset("a9d3f1c5e7b2", "tenants", _seed_session_version, _check_session_version),
    Dataset("b4c6d8e0f2a3", "tenants", _seed_must_change_password, _check_must_change_password),
    Dataset("c5d7e9f1a3b4", "tenants", _seed_order_status_history, _check_order_status_history),
    Dataset("39648ae41945", "tenants", _seed_order_status_history, _check_live_comments),
    Dataset("8e2f4a6c1d3b", "live", _seed_live_comments, _check_comment_changes),
    Dataset("9f06865030f3", "tenants", _seed_payments, _check_payments),
    Dataset("1c188d017e51", "live", _seed_order_messages, _check_buyer_messages),
    Dataset("35e474914cf3", "live", _seed_live_comments, _check_shipping),
    Dataset("c2c68a8b3457", "live", _seed_sales, _check_sales_aggregates),
    Dataset(
        "b6ce3cc57a0e", "sales", _seed_region_rows, _check_region_rows, added={"stale_regions": 2}
    ),
    Dataset(
        "74a257565680", "sales", _seed_region_days, _check_region_days, added={"stale_regions": 2}
    ),
)
