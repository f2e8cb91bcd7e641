"""Organisations: the streamer club and the producers (chủ thể OCOP) it sells for."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import base, types


class ProducerType(enum.StrEnum):
    """Chủ thể OCOP types, per Decision 148/QĐ-TTg."""

    COMPANY = "doanh_nghiep"
    COOPERATIVE = "hop_tac_xa"
    COOPERATIVE_GROUP = "to_hop_tac"
    HOUSEHOLD = "ho_kinh_doanh"


# Which producers a club sells for: a producer organisation can work with several clubs.
club_producers = base.link_table(
    "club_producers", ("club_id", "clubs"), ("producer_id", "producers"), index_second=True
)


class Club(extensions.Model):
    """A Youth Union streamer club (e.g. CLB Streamer Móng Cái): the tenant.

    Every club-owned row (sessions, streamers, orders, shops, studio media, jobs, feeds)
    carries its ``club_id``; ``app.tenancy`` decides who reaches which club.
    """

    __tablename__ = "clubs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    # The Youth Union unit it belongs to, on the 2025 two-level map (vietnam-provinces codes);
    # names kept for display. A Youth Union account sees the clubs under its unit.
    province_code: so.Mapped[int | None] = so.mapped_column(index=True)
    province: so.Mapped[str] = so.mapped_column(sa.String(100))
    commune_code: so.Mapped[int | None] = so.mapped_column(index=True)
    commune: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    contact_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    contact_phone: so.Mapped[str | None] = so.mapped_column(sa.String(15))
    contact_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    logo_path: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # Archived clubs keep their data (reports, the Youth Union's view) but their staff
    # cannot sign in and nothing new is created in them.
    archived_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    updated_at: so.Mapped[dt.datetime | None] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow, onupdate=clock.utcnow
    )

    producers: so.Mapped[list[Producer]] = so.relationship(
        secondary=club_producers, back_populates="clubs", order_by="Producer.name"
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Club {self.name}>"


class Producer(base.Timestamps, extensions.Model):
    """A producer organisation (chủ thể) whose OCOP products the club sells."""

    __tablename__ = "producers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    type: so.Mapped[ProducerType] = so.mapped_column(types.str_enum(ProducerType))
    tax_code: so.Mapped[str | None] = so.mapped_column(sa.String(14), unique=True)
    contact_person: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(15))
    # 2025 two-level map (vietnam-provinces codes); names kept for display and old records.
    province_code: so.Mapped[int | None] = so.mapped_column(index=True)
    province: so.Mapped[str] = so.mapped_column(sa.String(100))
    commune_code: so.Mapped[int | None] = so.mapped_column()
    commune: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    district: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    address_line: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    story: so.Mapped[str | None] = so.mapped_column(sa.Text)
    logo_path: so.Mapped[str | None] = so.mapped_column(sa.String(255))

    # The clubs that sell this producer's products (their staff see and edit its catalog).
    clubs: so.Mapped[list[Club]] = so.relationship(
        secondary=club_producers, back_populates="producers", order_by="Club.name"
    )

    def __repr__(self) -> str:
        return f"<Producer {self.name}>"
