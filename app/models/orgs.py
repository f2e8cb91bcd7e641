"""Organisations: the streamer club and the producers (chủ thể OCOP) it sells for."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import clock, extensions
from app.models import types


class ProducerType(enum.StrEnum):
    """Chủ thể OCOP types, per Decision 148/QĐ-TTg."""

    COMPANY = "doanh_nghiep"
    COOPERATIVE = "hop_tac_xa"
    COOPERATIVE_GROUP = "to_hop_tac"
    HOUSEHOLD = "ho_kinh_doanh"


class Club(extensions.db.Model):
    """A Youth Union streamer club (e.g. CLB Streamer Móng Cái)."""

    __tablename__ = "clubs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    province: so.Mapped[str] = so.mapped_column(sa.String(100))
    commune: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)

    def __repr__(self) -> str:
        return f"<Club {self.name}>"


class Producer(extensions.db.Model):
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
    club_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        types.UTCDateTime(), default=clock.utcnow, onupdate=clock.utcnow
    )

    club: so.Mapped[Club | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Producer {self.name}>"
