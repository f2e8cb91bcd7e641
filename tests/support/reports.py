"""One livestream with hand-countable sales, for the report tests.

Stream "Live Trà Cổ" 20:00–21:00 Vietnam time on 20 Nov 2026 (13:00–14:00 UTC), hosted by the
seller's streamer profile, run-of-show NM1 (product A, first half hour) and CHE1 (product B).

    O1 13:05 +84 912 345 678  A ×2  190 000  completed
    O2 13:12 0912.345.678     A ×1   95 000  paid        (same buyer as O1)
    O3 13:40 tt_lan (no phone) B ×1 120 000  placed
                               A ×1   95 000  line cancelled
    O4 13:50 0987654321       B ×3  360 000  order cancelled

GMV 860 000 · Net GMV 405 000 · orders 3 · units 4 · buyers 2 · AOV 135 000.
Audience 2000 views, 800 viewers, 100 clicks, 50 product visitors → GPM 202 500,
revenue/viewer 506, CTR 6.25 %, CVR 4 %, CTOR 3 %, viewer conversion 0.25 %.
Viewers: v1 12:50–13:30 (clipped to 30 min), v2 13:30–13:45 (touches v1), v3 13:50–14:20
(clipped to 10 min), v4 13:20–13:35 → peak 2, average watch 1050 s, average concurrent 7/6.
Producer A's lines only: GMV 380 000, Net 285 000, orders 2, units 3, buyers 1, AOV 142 500.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import flask
import sqlalchemy as sa

from app import extensions
from app.models import accounts, catalog, live, orders
from tests import conftest
from tests.support import catalog as builders

START = dt.datetime(2026, 11, 20, 13, 0, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Seeded:
    session_id: int
    streamer_id: int
    product_a: int
    product_b: int


def _at(minutes: int) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes)


def seed_stream(app: flask.Flask, people: conftest.People) -> Seeded:
    seller = people.username(accounts.Role.SELLER)
    product_a = builders.make_product(
        app, seller, builders.product_data(people.producer_id, name="Nước mắm Trà Cổ")
    )
    data_b = builders.product_data(
        people.other_producer_id, name="Chè Tân Cương", skus=("CHE-100",)
    )
    data_b["variants"][0]["price"] = 120_000
    product_b = builders.make_product(app, people.username(accounts.Role.ADMIN), data_b)
    with app.app_context():
        db = extensions.db.session
        user = conftest.user_named(seller)
        streamer = live.Streamer(user_id=user.id, club_id=user.club_id, display_name="Lan Streamer")
        stream = live.LiveSession(
            club_id=user.club_id,
            title="Live Trà Cổ",
            platform="tiktok",
            starts_at=START,
            ends_at=_at(60),
            hosts=[streamer],
        )
        stream.slots = [
            live.LiveSlot(
                position=0,
                product_id=product_a,
                start_offset_s=0,
                length_s=1800,
                live_price=95_000,
                code="NM1",
            ),
            live.LiveSlot(
                position=1,
                product_id=product_b,
                start_offset_s=1800,
                length_s=1800,
                live_price=120_000,
                code="CHE1",
            ),
        ]
        db.add(stream)
        db.flush()
        variant = dict(db.execute(sa.select(catalog.Variant.product_id, catalog.Variant.id)).all())

        def order(
            ext: str,
            minute: int,
            status: str,
            lines: list[tuple[int, int, int, str]],
            phone: str | None = None,
            user_id: str | None = None,
            raw: str | None = None,
        ) -> None:
            db.add(
                orders.Order(
                    platform="tiktok",
                    external_id=ext,
                    club_id=user.club_id,
                    session_id=stream.id,
                    streamer_id=streamer.id,
                    status=orders.OrderStatus(status),
                    buyer_phone=phone,
                    buyer_phone_raw=raw or phone,
                    buyer_user=user_id,
                    placed_at=_at(minute),
                    source=orders.OrderSource.IMPORT,
                    lines=[
                        orders.OrderLine(
                            position=i,
                            product_id=pid,
                            variant_id=variant[pid],
                            seller_sku=f"SKU-{pid}",
                            product_name="",
                            quantity=qty,
                            unit_price=price,
                            amount=qty * price,
                            status=orders.OrderStatus(line_status),
                        )
                        for i, (pid, qty, price, line_status) in enumerate(lines)
                    ],
                )
            )

        order(
            "O1",
            5,
            "completed",
            [(product_a, 2, 95_000, "completed")],
            phone="0912345678",
            raw="+84 912 345 678",
        )
        order(
            "O2",
            12,
            "paid",
            [(product_a, 1, 95_000, "paid")],
            phone="0912345678",
            raw="0912.345.678",
        )
        order(
            "O3",
            40,
            "placed",
            [(product_b, 1, 120_000, "placed"), (product_a, 1, 95_000, "cancelled")],
            user_id="tt_lan",
        )
        order("O4", 50, "cancelled", [(product_b, 3, 120_000, "cancelled")], phone="0987654321")
        db.add(
            orders.SessionAudience(
                session_id=stream.id,
                views=2000,
                unique_viewers=800,
                product_clicks=100,
                product_visitors=50,
            )
        )
        for viewer, joined, left in (
            ("v1", -10, 30),
            ("v2", 30, 45),
            ("v3", 50, 80),
            ("v4", 20, 35),
        ):
            db.add(
                orders.ViewerVisit(
                    session_id=stream.id, viewer=viewer, joined_at=_at(joined), left_at=_at(left)
                )
            )
        db.commit()
        return Seeded(stream.id, streamer.id, product_a, product_b)
