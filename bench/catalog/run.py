"""Catalog search and filtered lists: through the app vs. the same SQL on a Core connection.

    .venv/bin/python -m bench.catalog.run --backend sqlite --products 50000
    .venv/bin/python -m bench.catalog.run --backend postgresql --products 50000

Builds a fresh database with the real migrations, loads ``--products`` products
(1–3 variants each, two thirds certified, their dates relative to the app's today),
then for each query shape times ``--repeat`` requests of GET /api/v1/products
through the Flask app (auth, query, count when needed, eager loads, serialisation,
JSON) and, alternating with them, the reference: every statement that request sent
to the database, as the driver received it (SQL and parameters, captured by an
engine event), replayed on a Core connection. Prints p50/p95 in ms and the ratio.

Both sides agree by construction on what the database is asked; the bench also
checks that each answer is right: the app's total and page equal a Core count and
page of ``product_query`` on the same day, and the replay read that page.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import flask_migrate
import sqlalchemy as sa

from app import extensions, factory
from app.accounts import service as accounts_service
from app.catalog import service as catalog_service
from app.core import tenancy
from app.models import accounts, catalog
from bench.catalog import seed
from tests.support import postgres

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("search 'nuoc mam'", {"q": "nuoc mam"}),
    ("search 'che tan cuong'", {"q": "che tan cuong"}),
    ("search by SKU", {"q": "sku-0012345"}),
    ("stars=4, sort price", {"stars": 4, "sort": "price_asc"}),
    ("province + in stock", {"province_code": 22, "in_stock": True}),
    ("certificate expiring", {"certificate_status": "expiring"}),
    ("category subtree", {"category_id": 1}),
    ("newest, page 50", {"sort": "newest", "page": 50}),
]
PER_PAGE = 20  # the API's default page size
WARMUP = 3

Sent = tuple[str, Any]  # a statement as the driver received it, and its parameters


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


class Recorder:
    """The statements an engine sends to the database while ``recording()`` is on."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.sent: list[Sent] = []
        self._on = False
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any
    ) -> None:
        if self._on:
            self.sent.append((statement, parameters))

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[Sent]]:
        self.sent, self._on = [], True
        try:
            yield self.sent
        finally:
            self._on = False

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


def replay(engine: sa.Engine, sent: list[Sent]) -> list[list[Any] | None]:
    """Send ``sent`` again on a Core connection of ``engine`` in one transaction, rolled back
    as the app's request is; every row fetched (None for a statement that returns none)."""
    with engine.connect() as connection:
        results: list[list[Any] | None] = []
        for statement, parameters in sent:
            result = connection.exec_driver_sql(statement, parameters)
            results.append(list(result.all()) if result.returns_rows else None)
        connection.rollback()
    return results


def reference(
    engine: sa.Engine, scope: tenancy.Scope, params: dict[str, Any], today: dt.date
) -> tuple[int, list[int]]:
    """The total and the page's product ids from ``product_query`` on Core: COUNT always."""
    filters = catalog_service.ProductFilters(**{k: v for k, v in params.items() if k != "page"})
    stmt = catalog_service.product_query(scope, filters, today)
    page = int(params.get("page", 1))
    with engine.connect() as connection:
        ids = connection.scalars(
            stmt.with_only_columns(catalog.Product.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
        ).all()
        counted = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
        total = connection.execute(counted).scalar_one()
    return total, list(ids)


def run(
    backend: str, products: int, repeat: int, workdir: Path | None = None
) -> list[dict[str, Any]]:
    """One row per query shape: matches, statements per request, app and Core p50/p95 in ms,
    and their p50 ratio.

    ``workdir`` (a new temporary folder when None) holds the database, instance and media.
    """
    workdir = workdir or Path(tempfile.mkdtemp(prefix="bench-catalog-"))
    server = None
    if backend == "postgresql":
        server = postgres.start(workdir)
        url = server.create_database("bench_catalog")
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    env = {
        "APP_ENV": "production",
        "PUBLIC_BASE_URL": "https://ocop.example.vn",
        "SECRET_KEY": "bench",
        "CREDENTIALS_KEY": "YmVuY2gtY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE=",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(workdir / "instance"),
        "MEDIA_ROOT": str(workdir / "media"),
        "BROKER_URL": f"sqla+sqlite:///{workdir / 'broker.sqlite'}",
    }
    app = factory.create_app({"SESSION_COOKIE_SECURE": False}, env=env)
    results = []
    try:
        with app.app_context():
            flask_migrate.upgrade()
            started = time.perf_counter()
            # The app's "today" (Vietnam's calendar, what its requests judge certificates by):
            # certificate dates are laid out around it, so every day sees the same catalog.
            with extensions.db.engine.begin() as connection:
                seed.seed(connection, products, today=catalog_service.today_local())
            print(f"{backend}: seeded {products} products in {time.perf_counter() - started:.1f}s")
            user = accounts_service.create_user(
                extensions.session(),
                username="bench",
                password="bench-password",
                full_name="Bench",
                role="seller",
                club_id=1,  # the seeded club, which works with every producer
            )
            token = accounts_service.issue_token(extensions.session(), user, "bench").secret
            user_id = user.id
            engine = extensions.db.engine
        recorder = Recorder(engine)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        try:
            for label, params in QUERIES:
                results.append(
                    _measure(app, client, headers, recorder, user_id, label, params, repeat)
                )
        finally:
            recorder.close()
    finally:
        with app.app_context():
            extensions.db.session.remove()
            extensions.db.engine.dispose()
        if server is not None:
            server.stop()
    return results


def _measure(
    app: flask.Flask,
    client: Any,
    headers: dict[str, str],
    recorder: Recorder,
    user_id: int,
    label: str,
    params: dict[str, Any],
    repeat: int,
) -> dict[str, Any]:
    """One query shape: app request, then the same statements on Core, ``repeat`` times
    after ``WARMUP`` rounds; each answer checked against the reference."""
    engine = recorder.engine
    with app.app_context():
        session = extensions.session()
        scope = tenancy.scope_for(session, session.get_one(accounts.User, user_id))
        total, ids = reference(engine, scope, params, catalog_service.today_local())
    query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()}
    through_app, core, statements = [], [], set()
    for round_ in range(repeat + WARMUP):
        with recorder.recording() as sent:
            t0 = time.perf_counter()
            response = client.get("/api/v1/products", query_string=query, headers=headers)
            body = response.get_json()
            through_app.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, body
        served = [item["id"] for item in body["items"]]
        assert (body["total"], served) == (total, ids), (label, body["total"], total)
        t0 = time.perf_counter()
        replayed = replay(engine, sent)
        core.append((time.perf_counter() - t0) * 1000)
        # The replay read the page the app served (its first column is the product's id).
        pages = [[row[0] for row in rows] for rows in replayed if rows is not None]
        assert ids in pages or not ids, (label, pages)
        if round_ >= WARMUP:  # the first request also records the token's use
            statements.add(len(sent))
    app_p50, app_p95 = _percentiles(through_app[WARMUP:])
    core_p50, core_p95 = _percentiles(core[WARMUP:])
    return {
        "query": label,
        "total": total,
        "app_total": body["total"],
        "app_ids": served,
        "core_ids": ids,
        "statements": sorted(statements),
        "app_p50": app_p50,
        "app_p95": app_p95,
        "core_p50": core_p50,
        "core_p95": core_p95,
        "ratio": app_p50 / core_p50,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    results = run(args.backend, args.products, args.repeat)
    print(f"\n{args.backend}, {args.products} products, {args.repeat} requests per query\n")
    print(
        "| query | matches | statements | app p50 | app p95 | Core p50 | Core p95 "
        "| app/Core (p50) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['query']} | {r['total']} | {'/'.join(map(str, r['statements']))} "
            f"| {r['app_p50']:.1f} | {r['app_p95']:.1f} | "
            f"{r['core_p50']:.1f} | {r['core_p95']:.1f} | {r['ratio']:.2f}× |"
        )


if __name__ == "__main__":
    main()
