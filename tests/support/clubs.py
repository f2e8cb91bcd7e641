"""A second club beside the ``people`` fixture's, for tenant isolation tests.

``people`` makes "CLB Streamer Móng Cái" (Quảng Ninh, province 22) with one user per role.
``other_club`` adds "CLB Streamer Hạ Long" in the same province (so the province's Youth Union
account sees both) with its own coordinator, seller, producer organisation and producer account:

    usernames: coordinator2, seller2, producer2 (of "HTX Mật ong Hạ Long")
"""

from __future__ import annotations

import dataclasses

import flask

from app import extensions
from app.models import accounts, orgs


@dataclasses.dataclass(frozen=True)
class OtherClub:
    club_id: int
    producer_id: int
    coordinator: str = "coordinator2"
    seller: str = "seller2"
    producer: str = "producer2"

    def username(self, role: accounts.Role | str) -> str:
        return {
            accounts.Role.COORDINATOR: self.coordinator,
            accounts.Role.SELLER: self.seller,
            accounts.Role.PRODUCER: self.producer,
        }[accounts.Role(role)]


def make_other_club(app: flask.Flask, password_hash: str) -> OtherClub:
    """Create the second club, its producer and its staff; returns their ids and names."""
    with app.app_context():
        db = extensions.db.session
        club = orgs.Club(
            name="CLB Streamer Hạ Long",
            province="Quảng Ninh",
            province_code=22,
            commune="Phường Hạ Long",
            commune_code=6688,
        )
        producer = orgs.Producer(
            name="HTX Mật ong Hạ Long",
            type=orgs.ProducerType.COOPERATIVE,
            province="Quảng Ninh",
            province_code=22,
            clubs=[club],
        )
        db.add_all([club, producer])
        db.flush()
        for username, role in (
            ("coordinator2", accounts.Role.COORDINATOR),
            ("seller2", accounts.Role.SELLER),
            ("producer2", accounts.Role.PRODUCER),
        ):
            db.add(
                accounts.User(
                    username=username,
                    full_name=f"Người dùng {username}",
                    role=role,
                    club_id=club.id if role != accounts.Role.PRODUCER else None,
                    producer_id=producer.id if role == accounts.Role.PRODUCER else None,
                    password_hash=password_hash,
                )
            )
        db.commit()
        return OtherClub(club_id=club.id, producer_id=producer.id)
