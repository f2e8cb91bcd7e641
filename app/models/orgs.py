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
    province: so.Mapped[str] = so.mapped_column(sa.String(100))
    commune: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    club_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)

    club: so.Mapped[Club | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Producer {self.name}>"
