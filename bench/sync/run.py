"""Bulk publish against a rate-limited, faulty sandbox: how close to the rate limit's floor?

    .venv/bin/python -m bench.sync.run --dialect shopee --listings 300 --rate 20 --errors 0.05

A fresh SQLite database built by the real migrations, ``--listings`` products
(one SKU, one photo each), a sandbox marketplace over real HTTP that accepts
``--rate`` requests per second (over that it answers as the marketplace does:
an in-body code or HTTP 429) and fails ``--errors`` of calls with a 5xx. The
publish job's scheduler runs in this process, one worker, with the production
settings.

The sandbox listens on http://127.0.0.1, which production refuses twice: a shop's
address must be https on the marketplace's own domains, and the SSRF guard refuses
private and loopback hosts. As ``bench/load`` does, a development app sets up the
data (products, the shop connected through its consent page) and the production app
that publishes is told what the sandbox needs: ``ALLOW_PRIVATE_URLS=1``.

Reports wall time, the sandbox's call count, the lower bound (calls ÷ rate),
their ratio, and the duplicate count the sandbox sees (products sharing a SKU).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path
from typing import Any

import flask_migrate
from PIL import Image

from app import extensions, factory
from app.accounts import service as accounts_service
from app.catalog import images as images_service
from app.catalog import service as catalog_service
from app.channels import accounts, listings, publishing
from app.core import tenancy
from app.models import accounts as account_models
from app.models import orgs
from sandbox import core, servers
from tests.support import sandboxes

KEY = "YmVuY2gtY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE="


def _photo(i: int) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 800), (i % 255, 100, 50)).save(buffer, "JPEG", quality=80)
    buffer.seek(0)
    buffer.name = "p.jpg"
    return buffer


def run(
    dialect: str,
    count: int,
    rate: float,
    errors: float,
    seed: int,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """The figures of one dialect's run (one row of the table).

    ``workdir`` (a new temporary folder when None) holds the database, instance and media.
    """
    workdir = workdir or Path(tempfile.mkdtemp(prefix="bench-sync-"))
    env = {
        "PUBLIC_BASE_URL": "https://ocop.example.vn",
        "SECRET_KEY": "bench-sync-secret-key-0123456789abcdef",
        "CREDENTIALS_KEY": KEY,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "INSTANCE_PATH": str(workdir / "instance"),
        "MEDIA_ROOT": str(workdir / "media"),
        "BROKER_URL": f"sqla+sqlite:///{workdir / 'broker.sqlite'}",
    }
    # Production takes a shop address only if it is https on the marketplace's domains: the
    # sandbox shop is connected by a development app on the same database.
    setup = factory.create_app(
        {"SESSION_COOKIE_SECURE": False}, env={**env, "APP_ENV": "development"}
    )
    # The run itself: production, with the one setting the loopback sandbox needs.
    production = {**env, "APP_ENV": "production", "ALLOW_PRIVATE_URLS": "1"}
    app = factory.create_app({"SESSION_COOKIE_SECURE": False}, env=production)
    # TikTok's 100-creates-a-day quota for new shops is lifted here: this measures the rate.
    options = {"create_quota": 0} if dialect == "tiktok" else {}
    server = core.Server(servers.dialect(dialect, **options)).start()
    try:
        with setup.app_context():
            flask_migrate.upgrade()
            session = extensions.session()
            club = orgs.Club(name="CLB bench", province="Quảng Ninh", province_code=22)
            producer = orgs.Producer(
                name="HTX bench",
                type=orgs.ProducerType.COOPERATIVE,
                province="Quảng Ninh",
                clubs=[club],
            )
            session.add_all([club, producer])
            session.commit()
            user = accounts_service.create_user(
                session,
                username="bench",
                password="bench-password-1",
                full_name="Bench",
                role=account_models.Role.ADMIN,
            )
            user.club_id = club.id
            session.commit()
            ids = []
            for i in range(count):
                product = catalog_service.save_product(
                    session,
                    user,
                    {
                        "producer_id": producer.id,
                        "name": f"Nước mắm cá cơm bench {i:04d}",
                        "description": "Nước mắm truyền thống Cái Rồng, ủ chượp 12 tháng. " * 3,
                        "variants": [
                            {
                                "sku": f"B-{i:04d}",
                                "name": "Chai 500 ml",
                                "price": 95_000,
                                "stock": 20,
                                "weight_g": 650,
                            }
                        ],
                    },
                )
                images_service.add_product_image(
                    session, user, product.id, _photo(i), setup.config["MEDIA_ROOT"]
                )
                ids.append(product.id)
            config = sandboxes.adapter_config(dialect, server.url, requests_per_second=str(rate))
            data = {
                "marketplace": dialect,
                "name": "bench",
                "owner": f"club:{club.id}",
                "default_category_id": "100",
            }
            data.update({f"config.{k}": v for k, v in config.items()})
            account = accounts.save_account(session, user, data)
            scope = tenancy.scope_for(session, user)
            url = accounts.start_connect(
                session, account.id, "http://bench.test/callback", scope=scope
            )
            params = sandboxes.approve(url)
            accounts.finish_connect(session, params, scope=scope)
            bound = listings.bind(session, user, account.id, ids)
            listing_ids = [b.id for b in bound]
            extensions.db.session.remove()
            extensions.db.engine.dispose()
        with app.app_context():
            assert app.config["APP_ENV"] == "production" and app.config["ALLOW_PRIVATE_URLS"]
            session = extensions.session()
            state = server.dialect.state
            with state.lock:
                state.calls.clear()
                state.outcomes.clear()
                state.rate_limit = rate
                state.faults = core.Faults(error_rate=errors, seed=seed)
                state.rng.seed(seed)
            started = time.perf_counter()
            summary = publishing.run(session, listing_ids, publishing.Options())
            wall = time.perf_counter() - started
            snap = state.snapshot()
    finally:
        server.stop()
    # Replies refused for going over the rate do not count towards the floor.
    calls = snap["total_calls"] - snap["outcomes"].get("rate_limited", 0)
    if calls == 0:  # e.g. the SSRF guard refused the sandbox's address
        raise RuntimeError(f"{dialect}: no call reached the sandbox ({summary})")
    floor = calls / rate
    return {
        "dialect": dialect,
        "app_env": app.config["APP_ENV"],
        "listings": count,
        "live": summary.live,
        "wall_s": wall,
        "calls": calls,
        "floor_s": floor,
        "ratio": wall / floor,
        "duplicates": snap["duplicates"],
        "remote_products": snap["products"],
        "injected_5xx": snap["outcomes"].get("injected_5xx", 0),
        "rate_limited": snap["outcomes"].get("rate_limited", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dialect", choices=list(servers.DIALECTS), action="append")
    parser.add_argument("--listings", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--errors", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    print(
        "| dialect | listings | live | calls | floor (s) | wall (s) | wall ÷ floor | 5xx "
        "| over-rate replies | remote products | duplicates |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for dialect in args.dialect or list(servers.DIALECTS):
        r = run(dialect, args.listings, args.rate, args.errors, args.seed)
        print(
            f"| {r['dialect']} | {r['listings']} | {r['live']} | {r['calls']} "
            f"| {r['floor_s']:.1f} | {r['wall_s']:.1f} | {r['ratio']:.2f} "
            f"| {r['injected_5xx']} | {r['rate_limited']} | {r['remote_products']} "
            f"| {r['duplicates']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
