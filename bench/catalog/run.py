"""Catalog search and filtered lists: through the app vs. the same query on SQLAlchemy Core.

    .venv/bin/python -m bench.catalog.run --backend sqlite --products 50000
    .venv/bin/python -m bench.catalog.run --backend postgresql --products 50000

Builds a fresh database with the real migrations, loads ``--products`` products
(1–3 variants each, two thirds certified), then for each query shape times
``--repeat`` requests of GET /api/v1/products through the Flask app (auth,
query, count, serialisation, JSON) and the identical page + count statements
executed directly on a Core connection. Prints p50/p95 in ms and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import flask_migrate
import sqlalchemy as sa

from app import extensions, factory
from app.accounts import service as accounts_service
from app.catalog import service as catalog_service
from app.core import tenancy
from app.models import accounts
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


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def run(
    backend: str, products: int, repeat: int, workdir: Path | None = None
) -> list[dict[str, Any]]:
    """One row per query shape: matches, app and Core p50/p95 in ms, and their p50 ratio.

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
            with extensions.db.engine.begin() as connection:
                seed.seed(connection, products)
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
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for label, params in QUERIES:
            page = int(params.get("page", 1))
            filters = catalog_service.ProductFilters(
                **{k: v for k, v in params.items() if k != "page"}
            )
            with app.app_context():
                session = extensions.session()
                scope = tenancy.scope_for(session, session.get_one(accounts.User, user_id))
                # The app's own "today" (Vietnam's calendar), as the request below uses: a
                # fixed date would count certificates as expiring that the app does not.
                today = catalog_service.today_local()
                stmt = catalog_service.product_query(scope, filters, today)
                page_stmt = stmt.limit(20).offset((page - 1) * 20)
                count_stmt = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
                with extensions.db.engine.connect() as connection:
                    core = []
                    for _ in range(repeat + 3):
                        t0 = time.perf_counter()
                        rows = connection.execute(page_stmt).all()
                        total = connection.execute(count_stmt).scalar_one()
                        core.append((time.perf_counter() - t0) * 1000)
                core = core[3:]
            query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()}
            through_app = []
            for _ in range(repeat + 3):
                t0 = time.perf_counter()
                response = client.get("/api/v1/products", query_string=query, headers=headers)
                body = response.get_json()
                through_app.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, body
            through_app = through_app[3:]
            same = body["total"] == total and len(body["items"]) == len(rows)
            assert same, (label, body["total"], total)
            app_p50, app_p95 = _percentiles(through_app)
            core_p50, core_p95 = _percentiles(core)
            results.append(
                {
                    "query": label,
                    "total": total,
                    "app_p50": app_p50,
                    "app_p95": app_p95,
                    "core_p50": core_p50,
                    "core_p95": core_p95,
                    "ratio": app_p50 / core_p50,
                }
            )
    finally:
        with app.app_context():
            extensions.db.session.remove()
            extensions.db.engine.dispose()
        if server is not None:
            server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    results = run(args.backend, args.products, args.repeat)
    print(f"\n{args.backend}, {args.products} products, {args.repeat} requests per query\n")
    print("| query | matches | app p50 | app p95 | Core p50 | Core p95 | app/Core (p50) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['query']} | {r['total']} | {r['app_p50']:.1f} | {r['app_p95']:.1f} | "
            f"{r['core_p50']:.1f} | {r['core_p95']:.1f} | {r['ratio']:.2f}× |"
        )


if __name__ == "__main__":
    main()
