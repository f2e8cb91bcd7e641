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
(clipped to 10 min), v4 13:20–13:35 → peak 2, total watch 70 viewer-minutes, average watch
1050 s, average concurrent 7/6.
Producer A's lines only: GMV 380 000, Net 285 000, orders 2, units 3, buyers 1, AOV 142 500.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import flask
import sqlalchemy as sa

from app import extensions
from app.models import accounts, catalog, live, orders
from app.rollups import refresh as rollup_refresh
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


def _order(
    variant: dict[int, int], lines: list[tuple[int, int, int, str]], **fields: Any
) -> orders.Order:
    """A TikTok order with ``fields`` and its ``lines`` (product, quantity, unit price, status)."""
    return orders.Order(
        platform="tiktok",
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
        **fields,
    )


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
                _order(
                    variant,
                    lines,
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


# ------------------------------------------------------------------ two clubs and a third one


PHONES = (
    "0912345678",
    "+84 912 345 678",
    "0912.345.678",
    "0987654321",
    "0911222333",
    "0977888999",
    "0909111222",
)
BUYER_NAME = "Nguyễn Thị Người Mua"


@dataclasses.dataclass(frozen=True)
class UnionSeeded:
    stream: Seeded
    club_1: int
    club_2: int
    club_3: int
    product_c: int
    session_2: int  # club 2's ended session
    session_3: int  # club 3's session
    streamer_3: int


def _utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def seed_union(
    app: flask.Flask, people: conftest.People, other_club_id: int, other_producer_id: int
) -> UnionSeeded:
    """Hand-counted data for the Youth Union's comparison (Oct and Nov 2026, Vietnam time), on
    top of :func:`seed_stream` (club 1's "Live Trà Cổ", set to ended).

    Club 1 "CLB Streamer Móng Cái" (province 22):
        seed_stream's November orders O1–O4: GMV 860 000, Net 405 000, 3 orders
        O5 31 Oct 17:30 UTC = 1 Nov 00:30 local  A ×1  95 000 completed  → November
        O6 31 Oct 16:30 UTC = 31 Oct 23:30 local A ×2 190 000 returned   → October
        O7 15 Oct 13:00 UTC                      A ×1  95 000 completed  → October
        sessions: "Live Trà Cổ" 20 Nov ended; 15 Oct ended; 31 Oct 17:00 UTC (1 Nov local) live;
                  25 Nov cancelled and 28 Nov planned (not held)
        renders: done 5 Oct; done 31 Oct 18:00 UTC (1 Nov local); done 10 Nov; failed 12 Nov
        listings: shop TikTok: A published 10 Oct (live), B not published (no external id);
                  shop Shopee: A published 5 Nov (live), B published 6 Nov (delisted)
      October:  GMV 285 000, Net 95 000, orders 1, livestreams 1, videos 1, products listed 1
      November: GMV 955 000, Net 500 000, orders 4, livestreams 2, videos 2, products listed 2
      period:   GMV 1 240 000, Net 595 000, orders 5, livestreams 3, videos 3,
                products listed 2 (A and B, each once), đang bán 1 (A)

    Club 2 "CLB Streamer Hạ Long" (province 22; also sells producer 1's product A):
        HL-001 3 Nov  C ×1 250 000 + A ×1 95 000 completed
        HL-002 15 Nov C ×1 250 000 cancelled
        HL-003 20 Oct C ×1 250 000 returned
        sessions: 3 Nov ended; listings: shop TikTok C published 2 Nov (live)
      October:  GMV 250 000, Net 0, orders 0, livestreams 0, videos 0, products listed 0
      November: GMV 595 000, Net 345 000, orders 1, livestreams 1, videos 0, products listed 1
      period:   GMV 845 000, Net 345 000, orders 1, livestreams 1, videos 0, products listed 1,
                đang bán 1

    Both clubs: GMV 2 085 000, Net 940 000, orders 6, livestreams 4, videos 3, products listed 3,
    đang bán 2. October: GMV 535 000, Net 95 000, orders 1; November: GMV 1 550 000, Net 845 000,
    orders 5, livestreams 3, videos 2, products listed 3.
    By Net GMV: Móng Cái (595 000) before Hạ Long (345 000); by name Hạ Long comes first.

    Club 3 "CLB Streamer Đà Lạt" (province 68, not under union1's unit):
        DL-001 10 Nov A ×1 95 000 completed, phone 0909111222; session 10 Nov ended.

    Producer 1's November (product A, every club): Móng Cái GMV 475 000 / Net 380 000 (O1, O2, O3's
    cancelled line, O5), Hạ Long 95 000 / 95 000 (HL-001), Đà Lạt 95 000 / 95 000
    (DL-001):
    GMV 665 000, Net 570 000, orders 5.

    Buyers' phones seeded (never shown to the Youth Union): see PHONES.

    ``other_club_id``/``other_producer_id``: the ``other_club`` fixture's club and producer.
    """
    from app.models import channels, orgs
    from app.models import studio as media

    stream = seed_stream(app, people)
    admin = people.username(accounts.Role.ADMIN)
    data_c = builders.product_data(other_producer_id, name="Mật ong Hạ Long", skus=("MO-250",))
    data_c["variants"][0]["price"] = 250_000
    product_c = builders.make_product(app, admin, data_c)
    a, b = stream.product_a, stream.product_b
    with app.app_context():
        db = extensions.db.session
        variant = dict(db.execute(sa.select(catalog.Variant.product_id, catalog.Variant.id)).all())
        club_1 = people.club_id
        club_3 = orgs.Club(name="CLB Streamer Đà Lạt", province="Lâm Đồng", province_code=68)
        db.add(club_3)
        db.flush()
        producer_1 = db.get(orgs.Producer, people.producer_id)
        assert producer_1 is not None
        producer_1.clubs.extend([db.get(orgs.Club, other_club_id), club_3])  # they sell A too
        db.get(live.LiveSession, stream.session_id).status = live.SessionStatus.ENDED  # type: ignore[union-attr]

        def session_at(club: int, title: str, at: dt.datetime, status: live.SessionStatus) -> int:
            row = live.LiveSession(
                club_id=club,
                title=title,
                platform="tiktok",
                starts_at=at,
                ends_at=at + dt.timedelta(hours=1),
                status=status,
            )
            db.add(row)
            db.flush()
            return row.id

        def order(
            club: int,
            ext: str,
            at: dt.datetime,
            status: str,
            lines: list[tuple[int, int, int]],
            phone: str | None = None,
            user_id: str | None = None,
            session_id: int | None = None,
        ) -> None:
            db.add(
                _order(
                    variant,
                    [(pid, qty, price, status) for pid, qty, price in lines],
                    external_id=ext,
                    club_id=club,
                    session_id=session_id,
                    status=orders.OrderStatus(status),
                    buyer_phone=phone,
                    buyer_phone_raw=phone,
                    buyer_user=user_id,
                    buyer_name=BUYER_NAME,
                    placed_at=at,
                    source=orders.OrderSource.MANUAL,
                )
            )

        held, ended = live.SessionStatus.LIVE, live.SessionStatus.ENDED
        # club 1
        order(club_1, "O5", _utc(2026, 10, 31, 17, 30), "completed", [(a, 1, 95_000)], "0911222333")
        order(club_1, "O6", _utc(2026, 10, 31, 16, 30), "returned", [(a, 2, 95_000)], "0911222333")
        order(club_1, "O7", _utc(2026, 10, 15, 13, 0), "completed", [(a, 1, 95_000)], None, "tt_x")
        session_at(club_1, "Live tháng 10", _utc(2026, 10, 15, 12, 0), ended)
        session_at(club_1, "Live nửa đêm", _utc(2026, 10, 31, 17, 0), held)
        session_at(club_1, "Live bị hủy", _utc(2026, 11, 25, 12, 0), live.SessionStatus.CANCELLED)
        session_at(club_1, "Live dự kiến", _utc(2026, 11, 28, 12, 0), live.SessionStatus.PLANNED)
        video = media.Video(club_id=club_1, title="Video nước mắm", product_id=a)
        db.add(video)
        db.flush()
        for status, finished in (
            (media.RenderStatus.DONE, _utc(2026, 10, 5, 3, 0)),
            (media.RenderStatus.DONE, _utc(2026, 10, 31, 18, 0)),
            (media.RenderStatus.DONE, _utc(2026, 11, 10, 3, 0)),
            (media.RenderStatus.FAILED, _utc(2026, 11, 12, 3, 0)),
        ):
            db.add(
                media.Render(
                    video_id=video.id, profile="tiktok", status=status, finished_at=finished
                )
            )

        def shop(club: int, marketplace: str) -> int:
            account = channels.ChannelAccount(
                marketplace=marketplace, name=f"{marketplace} {club}", club_id=club
            )
            db.add(account)
            db.flush()
            return account.id

        def listing(
            account: int,
            product: int,
            external: str | None,
            at: dt.datetime,
            state: channels.ListingState,
        ) -> None:
            db.add(
                channels.Listing(
                    account_id=account,
                    product_id=product,
                    external_id=external,
                    created_at=at,
                    state=state,
                )
            )

        live_state, delisted = channels.ListingState.LIVE, channels.ListingState.DELISTED
        tiktok_1, shopee_1 = shop(club_1, "tiktok"), shop(club_1, "shopee")
        listing(tiktok_1, a, "tt-1", _utc(2026, 10, 10, 3, 0), live_state)
        listing(tiktok_1, b, None, _utc(2026, 11, 1, 3, 0), channels.ListingState.FAILED)
        listing(shopee_1, a, "sp-1", _utc(2026, 11, 5, 3, 0), live_state)
        listing(shopee_1, b, "sp-2", _utc(2026, 11, 6, 3, 0), delisted)
        # club 2
        session_2 = session_at(other_club_id, "Live Hạ Long", _utc(2026, 11, 3, 12, 0), ended)
        order(
            other_club_id,
            "HL-001",
            _utc(2026, 11, 3, 12, 10),
            "completed",
            [(product_c, 1, 250_000), (a, 1, 95_000)],
            "0977888999",
            session_id=session_2,
        )
        order(
            other_club_id,
            "HL-002",
            _utc(2026, 11, 15, 3, 0),
            "cancelled",
            [(product_c, 1, 250_000)],
        )
        order(
            other_club_id, "HL-003", _utc(2026, 10, 20, 3, 0), "returned", [(product_c, 1, 250_000)]
        )
        listing(
            shop(other_club_id, "tiktok"), product_c, "tt-9", _utc(2026, 11, 2, 3, 0), live_state
        )
        # club 3, elsewhere
        streamer_user = accounts.User(
            username="coordinator3",
            full_name="Người dùng coordinator3",
            role=accounts.Role.COORDINATOR,
            club_id=club_3.id,
            password_hash="x",
        )
        db.add(streamer_user)
        db.flush()
        streamer_3 = live.Streamer(
            user_id=streamer_user.id, club_id=club_3.id, display_name="Streamer Đà Lạt"
        )
        db.add(streamer_3)
        db.flush()
        session_3 = session_at(club_3.id, "Live Đà Lạt", _utc(2026, 11, 10, 12, 0), ended)
        db.get(live.LiveSession, session_3).hosts = [streamer_3]  # type: ignore[union-attr]
        order(
            club_3.id,
            "DL-001",
            _utc(2026, 11, 10, 12, 5),
            "completed",
            [(a, 1, 95_000)],
            "0909111222",
            session_id=session_3,
        )
        db.commit()
        # the aggregates' refresh job (every minute in production) has run
        rollup_refresh.refresh(db)
        return UnionSeeded(
            stream=stream,
            club_1=club_1,
            club_2=other_club_id,
            club_3=club_3.id,
            product_c=product_c,
            session_2=session_2,
            session_3=session_3,
            streamer_3=streamer_3.id,
        )
