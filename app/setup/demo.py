"""Demo data: a streamer club in Móng Cái (Quảng Ninh), producers from several provinces
linked to it, and a user of every role (including the province's Youth Union), so a new install
has something real to click through.

Never in production: the demo accounts have well-known names and one shared password.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import urllib.parse
from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from PIL import Image, ImageDraw

from app.accounts import service as accounts_service
from app.catalog import images as images_service
from app.catalog import service as catalog_service
from app.core import clock, errors, uow
from app.live import common as live_common
from app.live import slots as live_slots
from app.models import accounts, catalog, live, orgs
from app.models import messages as messages_models
from app.rollups import refresh as rollup_refresh
from integrations import errors as channel_errors
from integrations import http, netguard, registry
from vietnam import admin_units, ocop

Role = accounts.Role
ProducerType = orgs.ProducerType

# The club and the Youth Union unit it belongs to (2025 map: Quảng Ninh 22, Phường Móng Cái 1).
CLUB = {
    "name": "CLB Streamer Trẻ Móng Cái",
    "province_code": 22,
    "province": "Quảng Ninh",
    "commune_code": 6712,
    "commune": "Phường Móng Cái 1",
    "contact_name": "Nguyễn Thu Hà",
    "contact_phone": "0912345600",
}

# (name, type, province code and commune code on the 2025 map, username of its account)
PRODUCERS = [
    ("Hợp tác xã Nước mắm Trà Cổ", ProducerType.COOPERATIVE, 22, 6736, "ntm.traco"),
    ("Hợp tác xã Chè Tân Cương", ProducerType.COOPERATIVE, 19, 5503, "che.tancuong"),
    ("Công ty TNHH Mật ong Bạc hà Mèo Vạc", ProducerType.COMPANY, 8, 769, "matong.meovac"),
    ("Hộ kinh doanh Cà phê Bích Hà", ProducerType.HOUSEHOLD, 14, 3667, "caphe.bichha"),
    (
        "Tổ hợp tác Bánh gai Ninh Giang",
        ProducerType.COOPERATIVE_GROUP,
        31,
        11203,
        "banhgai.ninhgiang",
    ),
]
PRODUCER_DETAILS = {
    "ntm.traco": {
        "tax_code": "5701234561",
        "contact_person": "Phạm Văn Hải",
        "phone": "0912345601",
        "address_line": "Khu 3, Trà Cổ",
        "story": "Cá cơm than đánh bắt ven bờ Trà Cổ, ủ chượp 12 tháng trong thùng gỗ.",
    },
    "che.tancuong": {
        "tax_code": "4601234562",
        "contact_person": "Nguyễn Thị Hoa",
        "phone": "0987654302",
        "district": "TP Thái Nguyên (cũ)",
        "address_line": "Xóm Nam Đồng",
        "story": "Chè đinh hái một tôm một lá, sao tay trên chảo gang.",
    },
    "matong.meovac": {
        "tax_code": "5101234563",
        "contact_person": "Sùng Mí Lử",
        "phone": "0358123403",
        "address_line": "Thôn Pả Vi Hạ",
        "story": "Mật ong từ hoa bạc hà trên cao nguyên đá, thu hoạch mùa đông.",
    },
    "caphe.bichha": {
        "contact_person": "Lò Thị Bích Hà",
        "phone": "0868123404",
        "address_line": "Bản Phiêng Lanh",
        "story": "Arabica trồng dưới tán rừng, rang mộc tại nhà.",
    },
    "banhgai.ninhgiang": {
        "contact_person": "Vũ Thị Mai",
        "phone": "0225 3761 234",
        "address_line": "Số 12 phố Ninh Giang",
        "district": "Huyện Ninh Giang, Hải Dương (cũ)",
        "story": "Bánh gai lá gai tươi, nhân đỗ xanh, dừa và mỡ.",
    },
}
# Demo certificates are dated relative to the day the demo is loaded (``CERTIFICATE_AGES``), so
# a new install shows three valid ones, one expiring soon and one expired, on purpose and
# labelled so in the product's name: the catalog's filters, the pausing of marketplace
# listings and the run-of-show and studio warnings each have something to show.
EXPIRING_NAME = " (mẫu: chứng nhận OCOP sắp hết hạn)"
EXPIRED_NAME = " (mẫu: chứng nhận OCOP đã hết hạn)"
# (producer username, name, category code, unit, variants, certificate without its date)
PRODUCTS = [
    (
        "ntm.traco",
        "Nước mắm cá cơm Trà Cổ 40 độ đạm",
        "1.4.a",
        "chai",
        [("NMTC-500", "Chai 500ml", 95_000, 120, 650), ("NMTC-250", "Chai 250ml", 55_000, 80, 350)],
        {
            "score": 78,
            "decision_number": "2345/QĐ-UBND",
            "level": "province",
            "authority": "UBND tỉnh Quảng Ninh",
        },
    ),
    (
        "che.tancuong",
        "Chè đinh Tân Cương",
        "1.5.a",
        "hộp",
        [("CTC-100", "Hộp 100g", 250_000, 40, 150), ("CTC-200", "Hộp 200g", 480_000, 25, 280)],
        {
            "score": 82,
            "decision_number": "1120/QĐ-UBND",
            "level": "province",
            "authority": "UBND tỉnh Thái Nguyên",
        },
    ),
    (
        "matong.meovac",
        "Mật ong bạc hà Mèo Vạc",
        "1.2.b",
        "chai",
        [
            ("MOBH-500", "Chai 500ml", 320_000, 30, 750),
            ("MOBH-1000", "Chai 1 lít", 600_000, 12, 1450),
        ],
        {
            "score": 91,
            "decision_number": "2871/QĐ-BNNMT-VPĐP",
            "level": "central",
            "authority": "Bộ Nông nghiệp và Môi trường",
        },
    ),
    (
        "caphe.bichha",
        "Cà phê Arabica rang mộc Sơn La" + EXPIRING_NAME,
        "1.6",
        "túi",
        [("CPBH-250", "Túi 250g", 120_000, 0, 260), ("CPBH-500", "Túi 500g", 230_000, 0, 510)],
        {
            "stars": 3,
            "decision_number": "905/QĐ-UBND",
            "level": "province",
            "authority": "UBND tỉnh Sơn La",
        },
    ),
    (
        "banhgai.ninhgiang",
        "Bánh gai Ninh Giang" + EXPIRED_NAME,
        "1.3.b",
        "hộp",
        [("BGNG-10", "Hộp 10 chiếc", 60_000, 200, 1000)],
        {
            "stars": 3,
            "decision_number": "67/QĐ-UBND",
            "level": "province",
            "authority": "UBND thành phố Hải Phòng",
        },
    ),
]
# How each product's certificate is dated, by producer: its decision so many months before
# the load day (valid), or so that it expires so many days after (or before) that day.
CERTIFICATE_AGES: dict[str, tuple[str, int]] = {
    "ntm.traco": ("months_ago", 8),
    "che.tancuong": ("months_ago", 14),
    "matong.meovac": ("months_ago", 20),
    "caphe.bichha": ("expires_in_days", 45),  # expiring: fewer than 90 days left
    "banhgai.ninhgiang": ("expires_in_days", -30),  # expired a month ago
}


def certificate_decision_date(username: str, today: dt.date) -> dt.date:
    """The demo certificate's decision date for a load on ``today`` (see CERTIFICATE_AGES)."""
    how, amount = CERTIFICATE_AGES[username]
    if how == "months_ago":
        return ocop.add_months(today, -amount)
    # expires_on = decision + 36 months (clamped to a month's end: a day or three earlier).
    return ocop.add_months(today + dt.timedelta(days=amount), -ocop.VALIDITY_MONTHS)


STAFF = [
    ("admin", "Quản trị viên CLB", Role.ADMIN, "admin@clb-mongcai.example"),
    ("dieuphoi", "Nguyễn Thu Hà", Role.COORDINATOR, "ha.nguyen@clb-mongcai.example"),
    ("banhang.minh", "Trần Văn Minh", Role.SELLER, "minh.tran@clb-mongcai.example"),
    ("banhang.lan", "Lê Thị Lan", Role.SELLER, "lan.le@clb-mongcai.example"),
]
# The provincial Youth Union: reads the clubs of Quảng Ninh (read-only, no buyers' details).
UNION = ("doan.quangninh", "Tỉnh Đoàn Quảng Ninh", 22)


def refuse_in_production(app_env: str) -> None:
    """Forbidden when ``app_env`` is production: the demo's accounts (``admin`` with the
    password ``ocop-demo`` printed in the README) would open a real install to anyone."""
    if app_env == "production":
        raise errors.Forbidden(
            _(
                "Không nạp dữ liệu mẫu khi APP_ENV=production: dữ liệu mẫu tạo các tài khoản "
                "ai cũng biết mật khẩu (admin/ocop-demo). Trên máy chủ thật hãy chạy "
                "`make run DEMO=0` hoặc tạo quản trị viên ở trang /setup (xem docs/deploy.md)."
            )
        )


@dataclasses.dataclass(frozen=True)
class DemoSummary:
    created: bool
    club: str
    producers: int
    usernames: list[str]
    zalo_problem: str | None = None  # why the Zalo OA is not connected to its sandbox yet


def load(
    session: so.Session,
    password: str,
    *,
    media_root: str | None = None,
    sandbox_urls: Mapping[str, str] | None = None,
    live_chat_urls: Mapping[str, str] | None = None,
    carrier_urls: Mapping[str, str] | None = None,
    now: clock.Clock = clock.utcnow,
) -> DemoSummary:
    """Create the demo club once; a second call changes nothing and says so.

    ``now`` is the load's clock: certificates and the demo livestream are dated from its day.

    With ``media_root`` the demo products get a photo each; with ``sandbox_urls``
    the club gets one shop on each sandbox marketplace (ready to connect), a
    Postmart and a Voso shop (listing packs) and the sandbox bank's SePay; with
    ``sandbox_urls["messaging"]`` also its Zalo OA and Facebook Page on the messaging
    sandbox, the sandbox's ZNS templates and a rule per order event (the OA is
    connected when the sandbox answers: ``connect_sandbox_zalo``).
    """
    zalo_problem: str | None = None
    existing = session.scalar(sa.select(orgs.Club).where(orgs.Club.name == CLUB["name"]))
    usernames = [row[0] for row in STAFF] + [row[4] for row in PRODUCERS] + [UNION[0]]
    if existing is not None:
        return DemoSummary(False, existing.name, len(PRODUCERS), usernames)
    with uow.unit_of_work(session):  # the club and its people, before their products
        club = orgs.Club(**CLUB)
        session.add(club)
        producers = []
        for name, kind, province_code, commune_code, username in PRODUCERS:
            province = admin_units.province(province_code)
            commune = admin_units.commune(province_code, commune_code)
            assert province is not None and commune is not None, name
            producer = orgs.Producer(
                name=name,
                type=kind,
                province_code=province_code,
                province=province.name,
                commune_code=commune_code,
                commune=commune.name,
                clubs=[club],
                **PRODUCER_DETAILS[username],
            )
            session.add(producer)
            producers.append(producer)
        session.flush()
        password_hash = accounts_service.hash_password(password)
        for username, full_name, role, email in STAFF:
            session.add(
                accounts.User(
                    username=username,
                    full_name=full_name,
                    role=role,
                    email=email,
                    club_id=club.id,
                    password_hash=password_hash,
                )
            )
        for producer, row in zip(producers, PRODUCERS, strict=True):
            session.add(
                accounts.User(
                    username=row[4],
                    full_name=f"Đại diện {producer.name}",
                    role=Role.PRODUCER,
                    producer_id=producer.id,
                    password_hash=password_hash,
                )
            )
        union_username, union_name, union_province = UNION
        session.add(
            accounts.User(
                username=union_username,
                full_name=union_name,
                role=Role.UNION,
                union_province_code=union_province,
                password_hash=password_hash,
            )
        )
    _load_products(
        session,
        {row[4]: producer for row, producer in zip(PRODUCERS, producers, strict=True)},
        now,
    )
    _load_live(session, club, now)
    if media_root is not None:
        _load_photos(session, club, media_root)
    if sandbox_urls is not None:
        _load_channels(session, club, sandbox_urls)
        _load_payments(session, club)
        if "messaging" in sandbox_urls:
            _load_messages(session, club, sandbox_urls["messaging"])
            zalo_problem = connect_sandbox_zalo(session)
    if carrier_urls is not None:
        _load_carriers(session, carrier_urls)
    _load_orders_to_ship(session, now)
    if live_chat_urls is not None and "youtube" in live_chat_urls:
        _load_comment_account(session, live_chat_urls["youtube"])
    # the province and national views read the sales aggregates: make them now rather than at
    # the refresh job's next minute
    rollup_refresh.refresh(session, now=now)
    return DemoSummary(True, club.name, len(producers), usernames, zalo_problem)


# Demo streamers (username → display name, TikTok handle) and their next Saturday show.
STREAMERS = [
    ("banhang.minh", "Minh Móng Cái", "minh.mongcai"),
    ("banhang.lan", "Lan OCOP", "lan.ocop"),
    ("dieuphoi", "Thu Hà", None),
]


@uow.transactional
def _load_live(session: so.Session, club: orgs.Club, now: clock.Clock) -> None:
    """Three streamers and a planned Saturday-evening session with three product slots."""
    users = {
        u.username: u
        for u in session.scalars(
            sa.select(accounts.User).where(accounts.User.username.in_([r[0] for r in STREAMERS]))
        )
    }
    hosts = []
    for username, display_name, handle in STREAMERS:
        streamer = live.Streamer(
            user_id=users[username].id,
            club_id=club.id,
            display_name=display_name,
            platforms=["tiktok", "facebook"],
            tiktok_handle=handle,
        )
        session.add(streamer)
        hosts.append(streamer)
    today = live_common.to_local(now()).date()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    starts_at = live_common.local_to_utc(saturday, dt.time(20, 0))
    show = live.LiveSession(
        club_id=club.id,
        title="Chợ phiên OCOP tối thứ Bảy",
        platform="tiktok",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=90),
        notes="Chuẩn bị mẫu thử và giấy chứng nhận OCOP trước giờ lên sóng.",
        hosts=hosts[:2],
    )
    products = list(session.scalars(_club_products(club).limit(3)))
    taken: set[str] = set()
    for position, product in enumerate(products):
        code = live_slots.suggest_code(product.name, taken)
        taken.add(code)
        base = product.min_price or 0
        slot = _twenty_minutes(position, product, code)
        slot.live_price = base - (base // 10) // 1000 * 1000  # about 10% off, whole thousands
        slot.talking_points = product.description
        show.slots.append(slot)
    session.add(show)
    # A live on YouTube from the load day, whose codes the live chat sandbox's viewers type:
    # the live selling desk fills from it once a capture is started (`make run`).
    desk_starts = now() - dt.timedelta(minutes=5)
    desk_show = live.LiveSession(
        club_id=club.id,
        title="Live thử bàn chốt đơn (YouTube sandbox)",
        platform="youtube",
        starts_at=desk_starts,
        ends_at=desk_starts + dt.timedelta(hours=1),
        hosts=hosts[:1],
        live_url=f"https://youtu.be/{DEMO_LIVE_VIDEO}",
    )
    for position, (product, code) in enumerate(zip(products, DEMO_LIVE_CODES, strict=False)):
        desk_show.slots.append(_twenty_minutes(position, product, code))
    session.add(desk_show)


def _twenty_minutes(position: int, product: catalog.Product, code: str) -> live.LiveSlot:
    """The ``position``-th twenty-minute slot of a demo run-of-show, at the product's price."""
    return live.LiveSlot(
        position=position,
        product_id=product.id,
        start_offset_s=position * 20 * 60,
        length_s=20 * 60,
        live_price=product.min_price or 0,
        code=code,
    )


# The live chat sandbox's demo live (sandbox/livechat.py: its video id and the codes its
# scripted viewers order with).
DEMO_LIVE_VIDEO = "ocopLiveDem"
DEMO_LIVE_CODES = ("NM01", "MO02", "TR03")


def _load_comment_account(session: so.Session, youtube_url: str) -> None:
    """The club's YouTube comment account on the live chat sandbox (its demo key)."""
    from app.live import comment_accounts  # late: optional feature

    coordinator = _user(session, "dieuphoi")
    comment_accounts.add_account(
        session,
        coordinator,
        platform="youtube",
        name="Kênh YouTube CLB (sandbox thử nghiệm)",
        settings={"api_key": "sandbox-youtube-key", "api_base_url": youtube_url},
    )


def _load_products(
    session: so.Session, producers: dict[str, orgs.Producer], now: clock.Clock
) -> None:
    """A few real-looking products per producer, through the catalog services' rules; each
    certificate dated from the load day (``certificate_decision_date``)."""
    today = catalog_service.today_local(now)
    admin = _user(session, "admin")  # made by the demo's first step
    codes = {
        code: id_
        for code, id_ in session.execute(
            sa.select(catalog.OcopCategory.code, catalog.OcopCategory.id)
        )
    }
    for username, name, code, unit, variants, certificate in PRODUCTS:
        producer = producers[username]
        product = catalog_service.save_product(
            session,
            admin,
            {
                "producer_id": producer.id,
                "name": name,
                "category_id": codes.get(code),
                "unit": unit,
                "brand": producer.name,
                "description": producer.story,
                "variants": [
                    {"sku": sku, "name": label, "price": price, "stock": stock, "weight_g": grams}
                    for sku, label, price, stock, grams in variants
                ],
            },
        )
        dated = {**certificate, "decision_date": certificate_decision_date(username, today)}
        catalog_service.save_certificate(session, admin, product.id, dated, now=now)


PHOTO_COLOURS = [(181, 101, 29), (222, 170, 40), (90, 140, 60), (150, 60, 40), (60, 110, 160)]


def _club_products(club: orgs.Club) -> sa.Select[catalog.Product]:
    """The demo club's products, oldest first: only those, when the demo is loaded into a
    database that holds others (bench/load's generated catalog)."""
    return (
        sa.select(catalog.Product)
        .join(orgs.club_producers, orgs.club_producers.c.producer_id == catalog.Product.producer_id)
        .where(orgs.club_producers.c.club_id == club.id)
        .order_by(catalog.Product.id)
    )


def _load_photos(session: so.Session, club: orgs.Club, media_root: str) -> None:
    """A plain square photo per product, so marketplaces that need an image accept them."""
    admin = _user(session, "admin")  # made by the demo's first step
    products = session.scalars(_club_products(club)).all()
    for index, product in enumerate(products):
        buffer = io.BytesIO()
        image = Image.new("RGB", (900, 900), PHOTO_COLOURS[index % len(PHOTO_COLOURS)])
        ImageDraw.Draw(image).rectangle((150, 150, 750, 750), outline=(255, 255, 255), width=12)
        image.save(buffer, "JPEG", quality=88)
        buffer.seek(0)
        buffer.name = f"demo-{product.id}.jpg"
        images_service.add_product_image(session, admin, product.id, buffer, media_root)


# The sandbox marketplaces' fixed demo credentials (see sandbox/*.py: DEMO_*); they are
# public test values, not secrets, and only work against the local sandbox servers.
SANDBOX_CHANNELS: dict[str, dict[str, str]] = {
    "shopee": {
        "partner_id": "2004571",
        "partner_key": "shpk7a4d6b3f9c2e8a1b5d7f3c6e9a2b4d8f1c3e5a7b9d2f4c6e8a1b3d5f7c9e2a",
    },
    "tiktok": {
        "app_key": "6a7b8c9d0e1f2",
        "app_secret": "tiktok-sandbox-secret",
        "service_id": "7311000000000000001",
    },
    "lazada": {"app_key": "123456", "app_secret": "lazada-sandbox-secret"},
}


def why_no_sandbox_shops(
    sandbox_urls: Mapping[str, str], *, has_credentials_key: bool, allow_private_urls: bool
) -> str | None:
    """Why the demo cannot add its sandbox shops here (None when it can).

    They need CREDENTIALS_KEY (shop secrets are stored encrypted) and, since the sandbox
    servers listen on this machine, ALLOW_PRIVATE_URLS — both off in a production setup.
    """
    if not has_credentials_key:
        return _("chưa đặt CREDENTIALS_KEY nên không lưu được thông tin đăng nhập gian hàng")
    for url in sandbox_urls.values():
        try:
            netguard.check_url(url, allow_private=allow_private_urls)
        except netguard.UnsafeURL:
            return _(
                "máy chủ sandbox %(url)s là địa chỉ nội bộ mà ALLOW_PRIVATE_URLS đang tắt", url=url
            )
    return None


def sandbox_channel_config(name: str, url: str) -> dict[str, str]:
    """Adapter config (secrets included) for the sandbox ``name`` served at ``url``."""
    config = dict(SANDBOX_CHANNELS[name])
    if name == "shopee":
        config.update(api_base_url=url, auth_base_url=url)
    elif name == "lazada":
        config.update(
            api_base_url=f"{url}/rest", auth_base_url=f"{url}/rest", authorize_url_base=url
        )
    else:
        config.update(api_base_url=url, auth_base_url=url, authorize_url_base=url)
    return config


def _load_channels(session: so.Session, club: orgs.Club, sandbox_urls: Mapping[str, str]) -> None:
    from app.channels import accounts as channel_accounts  # late: optional feature

    admin = _user(session, "admin")  # made by the demo's first step
    owner = f"club:{club.id}"
    for name, url in sandbox_urls.items():
        if name not in SANDBOX_CHANNELS:
            continue
        data = {
            "marketplace": name,
            "name": f"{registry.get(name).title} (sandbox thử nghiệm)",
            "owner": owner,
            "default_category_id": "100",
        }
        data.update({f"config.{k}": v for k, v in sandbox_channel_config(name, url).items()})
        channel_accounts.save_account(session, admin, data)
    for name, title in (("postmart", "Postmart"), ("voso", "Voso")):
        channel_accounts.save_account(
            session,
            admin,
            {
                "marketplace": name,
                "name": f"{title} – CLB Móng Cái",
                "owner": owner,
                "config.shop_name": "CLB Streamer Móng Cái",
            },
        )


# The sandbox bank's demo account and SePay's demo secret (sandbox/bank.py: DEMO_*), and the
# webhook token the sandbox's SePay calls (sandbox/servers.py: DEMO_WEBHOOK_TOKEN): public test
# values, only good against the local sandbox.
SANDBOX_BANK_ACCOUNT = {"bank_bin": "970436", "account_number": "0123499999"}
SANDBOX_SEPAY = {"auth": "hmac", "webhook_secret": "sandbox-sepay-secret"}
SANDBOX_WEBHOOK_TOKEN = "sandbox-sepay-demo"


def _load_payments(session: so.Session, club: orgs.Club) -> None:
    """The club's VietQR account at the sandbox bank, connected to the sandbox SePay: an order
    paid with ``POST /_sandbox/pay`` on the bank turns paid in the app."""
    from app.orders import payments as order_payments  # late: optional features
    from app.payments import connections

    coordinator = _user(session, "dieuphoi")
    order_payments.save_account(
        session,
        coordinator,
        {
            "owner": f"club:{club.id}",
            **SANDBOX_BANK_ACCOUNT,
            "account_name": "CLB STREAMER TRE MONG CAI",
        },
    )
    row = connections.connect(
        session,
        coordinator,
        provider="sepay",
        label="SePay (sandbox thử nghiệm)",
        settings=SANDBOX_SEPAY,
        webhook_url=lambda token: token,  # SePay is told nothing: the sandbox knows the token
        **SANDBOX_BANK_ACCOUNT,
    )
    with uow.unit_of_work(session):
        row.webhook_token = SANDBOX_WEBHOOK_TOKEN


# The messaging sandbox's demo Zalo app and OA and its Facebook Page (sandbox/messaging.py:
# DEMO_*), and the webhook keys it calls (sandbox/servers.py): public test values, only good
# against the local sandbox.
SANDBOX_ZALO = {
    "app_id": "sandbox-zalo-app",
    "app_secret": "sandbox-zalo-secret",
    "oa_secret": "sandbox-oa-secret",
}
SANDBOX_MESSENGER = {
    "page_id": "104000000000002",
    "page_access_token": "sandbox-page-token",
    "app_secret": "sandbox-fb-secret",
}
SANDBOX_ZALO_WEBHOOK_KEY = "sandbox-zalo-demo"
SANDBOX_MESSENGER_WEBHOOK_KEY = "sandbox-messenger-demo"
# The sandbox's approved ZNS templates: (Zalo's id, name, parameters, price per message).
_ORDER_PARAMS = "customer_name: name\norder_code: code\namount: amount"
SANDBOX_TEMPLATES = (
    ("250001", "Xác nhận đơn hàng", _ORDER_PARAMS, 300),
    ("250002", "Xác nhận thanh toán", _ORDER_PARAMS, 300),
    ("250003", "Đơn đã giao cho đơn vị vận chuyển", "customer_name: name\norder_code: code\n"
     "address: address", 350),
)  # fmt: skip
# The template of each order event told by ZNS; the other events go as OA texts (the default
# words), which reach only followers who wrote to the OA in the last 48 hours. "Shipped" has an
# approved template, but its address parameter has nothing to fill it: orders keep no address.
SANDBOX_ZNS_RULES = {"taken": "250001", "paid": "250002"}


def _load_messages(session: so.Session, club: orgs.Club, url: str) -> None:
    """The club's Zalo OA (awaiting its admin's consent) and Facebook Page on the messaging
    sandbox at ``url``, under the webhook keys the sandbox calls; the sandbox's approved ZNS
    templates; a rule for every order event."""
    from app.messages import connections, rules  # late: optional feature
    from app.orders.events import OrderEvent

    coordinator = _user(session, "dieuphoi")
    addresses = {"oauth_base_url": url, "oa_api_base_url": url, "zns_api_base_url": url}
    connections.save_settings(
        session,
        coordinator,
        connections.ZALO,
        {**SANDBOX_ZALO, **addresses},
        webhook_key=SANDBOX_ZALO_WEBHOOK_KEY,
    )
    connections.save_settings(
        session,
        coordinator,
        connections.MESSENGER,
        {**SANDBOX_MESSENGER, "api_base_url": url},
        webhook_key=SANDBOX_MESSENGER_WEBHOOK_KEY,
    )
    templates = {
        template_id: rules.add_template(
            session,
            coordinator,
            template_id=template_id,
            name=name,
            params=rules.parse_params(params),
            price=price,
        ).id
        for template_id, name, params, price in SANDBOX_TEMPLATES
    }
    for event in OrderEvent:
        template_id = SANDBOX_ZNS_RULES.get(str(event))
        rule = (
            {"channel": "zalo_zns", "template": templates[template_id]}
            if template_id
            else {"channel": "zalo_oa"}
        )
        rules.save_rule(session, coordinator, str(event), rule)


def sandbox_zalo(session: so.Session) -> messages_models.MessageConnection | None:
    """The demo club's Zalo OA on the messaging sandbox (None: the demo has none)."""
    return session.scalar(
        sa.select(messages_models.MessageConnection).where(
            messages_models.MessageConnection.webhook_key == SANDBOX_ZALO_WEBHOOK_KEY
        )
    )


def connect_sandbox_zalo(session: so.Session) -> str | None:
    """Connect the demo club's Zalo OA to the messaging sandbox the way its admin does:
    the consent link (``begin_zalo``), the consent page's answer (the sandbox approves at
    once), the code traded for the OA's token pair (``finish_zalo``). Again on each start of
    ``make run``: the sandbox forgets its tokens when it stops.

    None when connected; else why not (no demo OA on the sandbox, the sandbox not answering).
    """
    from app.http import addresses  # late: optional feature
    from app.messages import connections

    row = sandbox_zalo(session)
    if row is None:
        return _("dữ liệu mẫu không có Zalo OA trên máy chủ sandbox")
    coordinator = _user(session, "dieuphoi")
    try:
        redirect_uri = addresses.public_url("messages.zalo_callback")
    except RuntimeError:  # no request and no PUBLIC_BASE_URL: the sandbox asks no more
        redirect_uri = addresses.path_for("messages.zalo_callback")
    consent = connections.begin_zalo(session, coordinator, row.id, redirect_uri)
    try:  # the admin's browser on the consent page, which answers with the redirect
        answer = http.HttpClient(consent.url).send("GET", "", url=consent.url)
    except channel_errors.ChannelError as exc:
        return _("máy chủ sandbox tin nhắn không trả lời (%(why)s)", why=exc.reason)
    back = dict(
        urllib.parse.parse_qsl(urllib.parse.urlsplit(answer.headers.get("Location") or "").query)
    )
    if answer.status_code != 302 or not back.get("code"):
        return _("trang đồng ý của sandbox trả về HTTP %(status)s", status=answer.status_code)
    try:
        connections.finish_zalo(session, coordinator, back, consent.code_verifier)
    except errors.ValidationError as exc:
        return exc.message
    return None


def _load_carriers(session: so.Session, carrier_urls: Mapping[str, str]) -> None:
    """The club's accounts at the sandbox carriers (GHN, GHTK, Viettel Post, Vietnam Post),
    under the webhook keys the sandboxes call (sandbox/carriers/demo.py)."""
    from app.shipping import accounts as carrier_accounts  # late: optional feature
    from sandbox.carriers import demo as carrier_demo

    coordinator = _user(session, "dieuphoi")
    for name, url in carrier_urls.items():
        row = carrier_accounts.connect(
            session,
            coordinator,
            carrier=name,
            settings=carrier_demo.demo_config(name, url),
            label="Sandbox thử nghiệm",
        )
        with uow.unit_of_work(session):
            row.webhook_key = carrier_demo.DEMO_WEBHOOK_KEYS[name]


# Demo orders waiting to ship (a Facebook live's, taken yesterday): the buyer, the address as
# typed (the old three-level form for two of them), and the lines (SKU, quantity). Two are
# paid by transfer, the others are cash on delivery.
ORDERS_TO_SHIP = (
    ("Trần Thị Lan", "0987654321", "12 Trần Phú, Phường Sài Gòn, TP Hồ Chí Minh",
     (("NMTC-500", 2),), True),
    ("Lê Văn Nam", "0912000111", "Số 8 Hàng Bạc, P. Hàng Bạc, Q. Hoàn Kiếm, Hà Nội",
     (("CTC-100", 1), ("NMTC-250", 1)), False),
    ("Phạm Thu Trang", "0903111222", "25 Lê Lợi, Phường Ka Long, TP Móng Cái, Quảng Ninh",
     (("NMTC-500", 1),), False),
    ("Nguyễn Minh Đức", "0934555666", "7 Nguyễn Huệ, Phường Hải Châu, Thành phố Đà Nẵng",
     (("CTC-200", 1),), True),
)  # fmt: skip


def _load_orders_to_ship(session: so.Session, now: clock.Clock) -> None:
    """Orders of yesterday's Facebook live with delivery addresses: the shipping page has
    something to compare and book (``ORDERS_TO_SHIP``)."""
    from app.orders import manual  # late: optional feature
    from vietnam import addresses

    seller = _user(session, "banhang.lan")
    placed = now() - dt.timedelta(days=1)
    for index, (name, phone, typed, lines, paid) in enumerate(ORDERS_TO_SHIP, start=1):
        order = manual.enter_order(
            session,
            seller,
            {
                "platform": "facebook",
                "external_id": f"DEMO-SHIP-{index}",
                "placed_at": placed + dt.timedelta(minutes=index * 7),
                "status": "paid" if paid else "placed",
                "buyer_name": name,
                "buyer_phone": phone,
                "lines": [{"sku": sku, "quantity": str(qty)} for sku, qty in lines],
            },
            now=now,
        )
        found = addresses.parse(typed)
        commune, province = found.commune, found.province
        assert commune is not None and province is not None, typed
        with uow.unit_of_work(session):
            order.ship_name, order.ship_phone = name, phone
            order.ship_street = found.street
            order.ship_province_code, order.ship_province = province.code, province.name
            order.ship_commune_code, order.ship_commune = commune.code, commune.name
            order.ship_address = typed
            if found.legacy is not None:
                order.ship_legacy = {
                    "province": found.legacy.province,
                    "district": found.legacy.district,
                    "ward": found.legacy.ward,
                }
            if paid:
                order.paid_amount = order.amount


def _user(session: so.Session, username: str) -> accounts.User:
    return session.scalars(sa.select(accounts.User).where(accounts.User.username == username)).one()


def is_empty(session: so.Session) -> bool:
    """True when no user exists yet (a brand-new database)."""
    return session.scalar(sa.select(sa.func.count()).select_from(accounts.User)) == 0
