"""The write path: order imports with the aggregates kept and without them.

Orders come in as sellers bring them: a CSV in the app's own template, one club's export per
file, imported by that club's seller through the service behind ``POST /api/v1/orders/import``
(``app.orders.imports.import_file``: parse, match SKUs, upsert orders and lines, move stock,
commit). Batches of files alternate between the two sides:

- **kept**: ``SALES_ROLLUPS`` on: the commit also marks the club's month stale, and after the
  batch ``app.rollups.refresh.refresh`` remakes what was marked (the beat chore's work) — its
  time is counted in;
- **off**: ``SALES_ROLLUPS=0``: nothing is marked and nothing is remade (were anything marked,
  the kept side's next refresh would remake it: it remakes exactly the cells it wrote to).

Each side imports into its own clubs (the kept side's aggregates are then checked against the
raw lines: the off side's orders are missing from its clubs' aggregates by design), placed in
the year's last month, where every club already has its month of sales.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import flask
import numpy as np
import sqlalchemy as sa

from app import extensions
from app.models import accounts, catalog, orgs
from app.orders import exports, imports
from app.rollups import refresh
from bench.analytics.data import MOBILE_PREFIXES
from bench.national import data

MONTH = dt.date(2026, 11, 1)  # the local month the imported orders are placed in
SIDES = ("kept", "off")


@dataclasses.dataclass(frozen=True)
class Club:
    id: int
    user_id: int
    catalog: list[tuple[str, str, int]]  # sku, product name, price


@dataclasses.dataclass
class Side:
    orders: int = 0
    lines: int = 0
    import_seconds: float = 0.0
    refresh_seconds: float = 0.0
    cells: int = 0  # cells the refresh remade (kept side)
    touched: int = 0  # (club, month) cells the side's batches wrote to, batch by batch
    batches: int = 0

    @property
    def seconds(self) -> float:
        return self.import_seconds + self.refresh_seconds

    @property
    def per_second(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0


def clubs_for(session: Any, club_ids: list[int], sellers: Mapping[int | None, int]) -> list[Club]:
    """Each club's catalog (its producers' variants) and its seller's user id."""
    out = []
    for club_id in club_ids:
        rows = session.execute(
            sa.select(catalog.Variant.sku, catalog.Product.name, catalog.Variant.price)
            .join(catalog.Product, catalog.Variant.product_id == catalog.Product.id)
            .join(
                orgs.club_producers,
                orgs.club_producers.c.producer_id == catalog.Product.producer_id,
            )
            .where(orgs.club_producers.c.club_id == club_id)
            .order_by(catalog.Variant.id)
        ).all()
        out.append(Club(club_id, sellers[club_id], [(s, n, int(p)) for s, n, p in rows]))
    return out


def write_file(path: Path, club: Club, n_orders: int, prefix: str, rng: np.random.Generator) -> int:
    """A template CSV of ``n_orders`` orders of the club (1–4 lines each); its line count."""
    statuses = ["completed"] * 80 + ["shipped"] * 8 + ["paid"] * 5 + ["cancelled"] * 5
    statuses += ["returned"] * 2
    lines = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(exports.TEMPLATE_HEADERS)
        for number in range(n_orders):
            day = int(rng.integers(0, 30))
            placed = dt.datetime.combine(MONTH, dt.time(19)) + dt.timedelta(
                days=day, seconds=int(rng.integers(0, 4 * 3600))
            )
            phone = (
                MOBILE_PREFIXES[int(rng.integers(0, len(MOBILE_PREFIXES)))]
                + f"{int(rng.integers(0, 10_000_000)):07d}"
            )
            status = statuses[int(rng.integers(0, len(statuses)))]
            platform = data.PLATFORMS[int(rng.integers(0, 3))]
            chosen = rng.choice(len(club.catalog), size=int(rng.integers(1, 5)), replace=False)
            for index in chosen.tolist():
                sku, name, price = club.catalog[index]
                writer.writerow(
                    [
                        platform,
                        f"{prefix}-{number}",
                        placed.strftime("%d/%m/%Y %H:%M:%S"),
                        status,
                        sku,
                        name,
                        int(rng.choice([1, 1, 1, 2, 3])),
                        price,
                        phone,
                        "",
                        "",
                    ]
                )
                lines += 1
    return lines


def measure(
    app: flask.Flask,
    clubs: dict[str, list[Club]],
    per_side: int,
    per_file: int,
    files_per_batch: int,
    workdir: Path,
    say: Callable[[str], None] = print,
    seed: int = 22,
) -> dict[str, Side]:
    """Import ``per_side`` orders on each side, in batches of ``files_per_batch`` files of
    ``per_file`` orders, the sides alternating batch by batch."""
    rng = np.random.default_rng(seed)
    sides = {name: Side() for name in SIDES}
    per_batch = per_file * files_per_batch
    batches = max(1, -(-per_side // per_batch))
    folder = workdir / "imports"
    folder.mkdir(exist_ok=True)
    for batch in range(batches):
        for name in SIDES:
            side = sides[name]
            todo = min(per_batch, per_side - side.orders)
            if todo <= 0:
                continue
            files = []
            for i in range(-(-todo // per_file)):
                club = clubs[name][(batch * files_per_batch + i) % len(clubs[name])]
                count = min(per_file, todo - i * per_file)
                path = folder / f"{name}-{batch}-{i}.csv"
                side.lines += write_file(path, club, count, f"B{name}{batch}x{i}", rng)
                files.append((club, path, count))
            app.config["SALES_ROLLUPS"] = name == "kept"
            try:
                with app.app_context():
                    session = extensions.session()
                    started = time.perf_counter()
                    for club, path, count in files:
                        user = session.get(accounts.User, club.user_id)
                        summary = imports.import_file(session, user, path, path.name)
                        if summary.created != count:
                            raise AssertionError(f"{path.name}: {summary.created} of {count}")
                        side.orders += count
                    imported = time.perf_counter()
                    if name == "kept":
                        side.cells += refresh.refresh(session).cells
                    done = time.perf_counter()
                    extensions.db.session.remove()
            finally:
                app.config["SALES_ROLLUPS"] = True
            side.touched += len({club.id for club, _, _ in files})
            side.import_seconds += imported - started
            side.refresh_seconds += done - imported
            side.batches += 1
            for _, path, _ in files:
                path.unlink()
        say(
            f"  imports: batch {batch + 1}/{batches} "
            + ", ".join(f"{n} {s.orders} orders {s.per_second:.0f}/s" for n, s in sides.items())
        )
    return sides
