"""Demo data: a streamer club in Móng Cái, producers from several provinces,
and a user of every role, so a new install has something real to click through.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models import accounts, orgs
from app.services import accounts as accounts_service

Role = accounts.Role
ProducerType = orgs.ProducerType

CLUB = {
    "name": "CLB Streamer Trẻ Móng Cái",
    "province": "Quảng Ninh",
    "commune": "Phường Móng Cái 1",
}

# (name, type, province on the 2025 map, commune, username of its producer account)
PRODUCERS = [
    (
        "Hợp tác xã Nước mắm Trà Cổ",
        ProducerType.COOPERATIVE,
        "Quảng Ninh",
        "Phường Móng Cái 3",
        "ntm.traco",
    ),
    (
        "Hợp tác xã Chè Tân Cương",
        ProducerType.COOPERATIVE,
        "Thái Nguyên",
        "Xã Tân Cương",
        "che.tancuong",
    ),
    (
        "Công ty TNHH Mật ong Bạc hà Mèo Vạc",
        ProducerType.COMPANY,
        "Tuyên Quang",
        "Xã Mèo Vạc",
        "matong.meovac",
    ),
    (
        "Hộ kinh doanh Cà phê Bích Hà",
        ProducerType.HOUSEHOLD,
        "Sơn La",
        "Phường Chiềng An",
        "caphe.bichha",
    ),
    (
        "Tổ hợp tác Bánh gai Ninh Giang",
        ProducerType.COOPERATIVE_GROUP,
        "Hải Phòng",
        "Xã Ninh Giang",
        "banhgai.ninhgiang",
    ),
]

STAFF = [
    ("admin", "Quản trị viên CLB", Role.ADMIN, "admin@clb-mongcai.example"),
    ("dieuphoi", "Nguyễn Thu Hà", Role.COORDINATOR, "ha.nguyen@clb-mongcai.example"),
    ("banhang.minh", "Trần Văn Minh", Role.SELLER, "minh.tran@clb-mongcai.example"),
    ("banhang.lan", "Lê Thị Lan", Role.SELLER, "lan.le@clb-mongcai.example"),
]


@dataclasses.dataclass(frozen=True)
class DemoSummary:
    created: bool
    club: str
    producers: int
    usernames: list[str]


def load(session: so.Session, password: str) -> DemoSummary:
    """Create the demo club once; a second call changes nothing and says so."""
    existing = session.scalar(sa.select(orgs.Club).where(orgs.Club.name == CLUB["name"]))
    usernames = [row[0] for row in STAFF] + [row[4] for row in PRODUCERS]
    if existing is not None:
        return DemoSummary(False, existing.name, len(PRODUCERS), usernames)
    try:
        club = orgs.Club(**CLUB)
        session.add(club)
        producers = []
        for name, kind, province, commune, _username in PRODUCERS:
            producer = orgs.Producer(
                name=name, type=kind, province=province, commune=commune, club=club
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
        session.commit()
    except Exception:
        session.rollback()
        raise
    return DemoSummary(True, club.name, len(producers), usernames)


def is_empty(session: so.Session) -> bool:
    """True when no user exists yet (a brand-new database)."""
    return session.scalar(sa.select(sa.func.count()).select_from(accounts.User)) == 0
