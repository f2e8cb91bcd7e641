"""Full data in one club, written straight to the models, for the tenant isolation tests.

Every text a user could see carries the club's ``marker`` (e.g. "HALONG"), so a page, an
export or an API answer that leaks another club's rows is caught by searching for it. Ids come
back by the name URL rules use (``session_id``, ``order_id``, …).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import flask
import sqlalchemy as sa

from app import extensions
from app.models import accounts, catalog, channels, comments, jobs, live, orders, orgs, payments
from app.models import messages as message_models
from app.models import studio as media

START = dt.datetime(2026, 11, 20, 13, 0, tzinfo=dt.UTC)


def _user(username: str) -> accounts.User:
    user = extensions.db.session.scalar(
        sa.select(accounts.User).where(accounts.User.username == username)
    )
    assert user is not None, username
    return user


def seed_club(
    app: flask.Flask,
    *,
    club_id: int,
    producer_id: int,
    seller: str,
    marker: str,
    phone: str,
    media_root: Path | None = None,
) -> dict[str, Any]:
    """Sessions, orders, shops, studio media, renders and jobs of one club; returns their ids.

    ``phone`` is the buyer's (normalised) phone: a string no other club's page may show.
    """
    with app.app_context():
        db = extensions.db.session
        user = _user(seller)
        product = catalog.Product(
            producer_id=producer_id,
            name=f"Sản phẩm {marker}",
            search_text=f"san pham {marker.lower()}",
            min_price=100_000,
            max_price=100_000,
            total_stock=50,
        )
        variant = catalog.Variant(sku=f"SKU-{marker}", name="Chai", price=100_000, stock=50)
        product.variants = [variant]
        product.images = [
            catalog.ProductImage(
                path=f"products/{marker.lower()}.jpg",
                thumb_path=f"products/{marker.lower()}-t.jpg",
                width=800,
                height=800,
            )
        ]
        product.certificates = [
            catalog.Certificate(
                stars=4,
                decision_number=f"1/{marker}",
                decision_date=dt.date(2025, 1, 10),
                level=catalog.CertificateLevel.PROVINCE,
                authority="UBND",
                expires_on=dt.date(2028, 1, 10),
            )
        ]
        product.links = [catalog.ProductLink(channel="shopee", url="https://shopee.vn/x")]
        db.add(product)
        db.flush()

        shop = channels.ChannelAccount(
            marketplace="shopee",
            name=f"Shop {marker}",
            club_id=club_id,
            config={"partner_id": "1"},
            status=channels.AccountStatus.CONNECTED,
            created_by_id=user.id,
        )
        db.add(shop)
        db.flush()
        listing = channels.Listing(
            account_id=shop.id,
            product_id=product.id,
            state=channels.ListingState.LIVE,
            external_id=f"EXT-{marker}",
            url="https://shopee.vn/product/1",
        )
        db.add(listing)

        streamer = live.Streamer(
            user_id=user.id,
            club_id=club_id,
            display_name=f"Streamer {marker}",
            platforms=["tiktok"],
            tiktok_handle=f"tt_{marker.lower()}",
        )
        db.add(streamer)
        db.flush()
        session = live.LiveSession(
            club_id=club_id,
            title=f"Phiên live {marker}",
            platform="tiktok",
            channel_account_id=shop.id,
            starts_at=START,
            ends_at=START + dt.timedelta(hours=1),
            status=live.SessionStatus.ENDED,
            created_by_id=user.id,
        )
        session.hosts = [streamer]
        slot = live.LiveSlot(
            product_id=product.id,
            variant_id=variant.id,
            start_offset_s=0,
            length_s=1800,
            live_price=90_000,
            code=f"C{marker[:4]}",
            position=0,
        )
        session.slots = [slot]
        db.add(session)
        db.flush()
        feed = live.LiveFeed(club_id=club_id, token=secrets.token_urlsafe(24))
        db.add(feed)

        order = orders.Order(
            platform="tiktok",
            external_id="576000000000000001",  # the same platform id in every club
            club_id=club_id,
            session_id=session.id,
            channel_account_id=shop.id,
            streamer_id=streamer.id,
            status=orders.OrderStatus.PAID,
            buyer_phone=phone,
            buyer_phone_raw=phone,
            buyer_name=f"Khách {marker}",
            placed_at=START + dt.timedelta(minutes=5),
            source=orders.OrderSource.MANUAL,
            created_by_id=user.id,
        )
        order.lines = [
            orders.OrderLine(
                product_id=product.id,
                variant_id=variant.id,
                seller_sku=variant.sku,
                product_name=product.name,
                quantity=2,
                unit_price=90_000,
                amount=180_000,
                status=orders.OrderStatus.PAID,
            )
        ]
        db.add(order)
        batch = orders.CommentBatch(
            session_id=session.id,
            filename=f"comments-{marker}.txt",
            proposals=[
                {
                    "viewer": f"v_{marker}",
                    "code": slot.code,
                    "quantity": 1,
                    "phone": phone,
                    "time": "20:05:00",
                    "text": f"chốt {slot.code}",
                }
            ],
            report={"comments": 1},
            created_by_id=user.id,
        )
        db.add(batch)
        db.add(orders.SessionAudience(session_id=session.id, views=100, unique_viewers=50))
        db.add(
            orders.ViewerVisit(
                session_id=session.id,
                viewer=f"v_{marker}",
                joined_at=START,
                left_at=START + dt.timedelta(minutes=10),
            )
        )
        if (
            db.scalar(
                sa.select(orders.PaymentAccount).where(orders.PaymentAccount.club_id == club_id)
            )
            is None
        ):
            db.add(
                orders.PaymentAccount(
                    club_id=club_id,
                    bank_bin="970436",
                    account_number="0011002233" + str(club_id),
                    account_name=f"CLB {marker}",
                )
            )

        connection = payments.PaymentConnection(
            club_id=club_id,
            provider="sepay",
            bank_bin="970436",
            account_number=f"00110022{club_id:02d}",
            label=f"Kết nối {marker}",
            config={"auth": "hmac"},
            secrets=None,
            webhook_token=secrets.token_urlsafe(24),
            created_by_id=user.id,
        )
        db.add(connection)
        db.flush()
        transaction = payments.BankTransaction(
            club_id=club_id,
            connection_id=connection.id,
            source=payments.TransactionSource.WEBHOOK,
            provider="sepay",
            transaction_id=f"TX-{marker}",
            account_number=connection.account_number,
            amount=180_000,
            content=f"Giao dịch {marker}",
            occurred_at=START,
            state=payments.MatchState.UNMATCHED,
            match_note={"reason": "no_code"},
        )
        db.add(transaction)
        # Buyer messages: the club's Zalo connection, a ZNS template, a rule and a message.
        message_connection = message_models.MessageConnection(
            club_id=club_id,
            provider="zalo",
            config={"app_id": f"app-{marker.lower()}"},
            status=message_models.ConnectionStatus.CONNECTED,
            webhook_key=f"hook-{marker.lower()}",
            created_by_id=user.id,
        )
        zns = message_models.MessageTemplate(
            club_id=club_id,
            template_id="250001",
            name=f"Mẫu ZNS {marker}",
            params=[{"name": "customer_name", "type": "name"}],
            price=300,
        )
        db.add_all([message_connection, zns])
        db.flush()
        db.add(
            message_models.MessageRule(
                club_id=club_id,
                event="paid",
                channel="zalo_zns",
                template_id=zns.id,
                params={"customer_name": "{ten}"},
            )
        )
        db.add(
            comments.OrderMessage(
                order_id=order.id,
                event="paid",
                channel="zalo_zns",
                text=f"Mẫu ZNS {marker}: customer_name = Khách {marker}",
                status=comments.MessageStatus.SENT,
                attempts=1,
                cost=300,
                tracking_id=f"DH{order.id}-paid",
            )
        )

        job = jobs.Job(
            kind="catalog.export",
            title=f"Xuất danh mục {marker}",
            owner_id=user.id,
            club_id=club_id,
            status=jobs.JobStatus.SUCCEEDED,
            progress=100,
            message=f"Xong {marker}",
            result={"note": marker},
        )
        db.add(job)
        asset = media.MediaAsset(
            kind=media.AssetKind.IMAGE,
            club_id=club_id,
            status=media.AssetStatus.READY,
            product_id=product.id,
            original_name=f"anh-{marker}.jpg",
            master_path=f"studio/assets/{marker.lower()}/master.jpg",
            proxy_path=f"studio/assets/{marker.lower()}/proxy.jpg",
            poster_path=f"studio/assets/{marker.lower()}/poster.jpg",
            width=1080,
            height=1920,
            uploaded_by_id=user.id,
        )
        db.add(asset)
        db.flush()
        video = media.Video(
            club_id=club_id,
            title=f"Video {marker}",
            product_id=product.id,
            recipe={"version": 1, "profile": "tiktok", "clips": []},
            created_by_id=user.id,
        )
        template = media.Video(
            club_id=club_id,
            title=f"Mẫu {marker}",
            recipe={"version": 1, "profile": "tiktok", "clips": []},
            is_template=True,
            created_by_id=user.id,
        )
        db.add_all([video, template])
        db.flush()
        render = media.Render(
            video_id=video.id,
            profile="tiktok",
            status=media.RenderStatus.DONE,
            output_path=f"studio/renders/{marker.lower()}.mp4",
            thumbnail_path=f"studio/renders/{marker.lower()}.jpg",
            duration=2.0,
            size_bytes=10,
            created_by_id=user.id,
            finished_at=START,
        )
        db.add(render)
        club = db.get(orgs.Club, club_id)
        assert club is not None
        club.logo_path = f"clubs/{marker.lower()}.png"
        db.commit()
        if media_root is not None:  # files behind the studio's and the club's file routes
            for relative in (asset.master_path, asset.proxy_path, asset.poster_path,
                             render.output_path, render.thumbnail_path,
                             club.logo_path):  # fmt: skip
                assert relative is not None
                target = media_root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f"{marker} file".encode())
        return {
            "club_id": club_id,
            "producer_id": producer_id,
            "product_id": product.id,
            "variant_id": variant.id,
            "image_id": product.images[0].id,
            "certificate_id": product.certificates[0].id,
            "account_id": shop.id,
            "listing_id": listing.id,
            "streamer_id": streamer.id,
            "session_id": session.id,
            "slot_id": slot.id,
            "feed_token": feed.token,
            "order_id": order.id,
            "batch_id": batch.id,
            "job_id": job.id,
            "asset_id": asset.id,
            "video_id": video.id,
            "template_id": template.id,
            "render_id": render.id,
            "connection_id": connection.id,
            "transaction_id": transaction.id,
            "message_template_id": zns.id,
            "user_id": user.id,
            "marker": marker,
            "phone": phone,
        }


def third_club(app: flask.Flask, password_hash: str) -> dict[str, Any]:
    """A club in another province (Hà Nội, code 1): out of Quảng Ninh's Youth Union's reach."""
    with app.app_context():
        db = extensions.db.session
        club = orgs.Club(name="CLB Streamer Hoàn Kiếm", province="Hà Nội", province_code=1)
        producer = orgs.Producer(
            name="HTX Bánh cốm Hà Nội",
            type=orgs.ProducerType.COOPERATIVE,
            province="Hà Nội",
            province_code=1,
            clubs=[club],
        )
        db.add_all([club, producer])
        db.flush()
        seller = accounts.User(
            username="seller3",
            full_name="Người bán Hà Nội",
            role=accounts.Role.SELLER,
            club_id=club.id,
            password_hash=password_hash,
        )
        db.add(seller)
        db.commit()
        return {"club_id": club.id, "producer_id": producer.id, "seller": "seller3"}
