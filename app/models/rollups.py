"""Sales aggregates kept as orders change (app/rollups): what the Youth Union's province and
national views read instead of the order lines.

- ``sales_months``: a club's local (Vietnam) month per breakdown value (``dim``/``key``, see
  :data:`analytics.rollups.DIMENSIONS`; ``key`` '' for the whole month or a missing value):
  GMV, Net GMV, units and valid orders add up over clubs and months; ``buyers`` is exact for
  the club's month only; ``sketch`` (few-valued breakdowns) merges buyers across clubs/months.
- ``sales_days``: a club's local day, the whole day's figures (daily charts).
- ``region_sketches``: buyers sketches of a province's month (``province_code``; 0 = the whole
  country, -1 = clubs with no province) per few-valued breakdown, merged from the clubs'.
- ``stale_cells``: (club, month) pairs whose lines changed since their aggregates were made;
  written in the transaction that changed them, emptied by the refresh job (``version`` tells
  a worker whether the cell changed again while it worked; ``lease_until`` keeps two workers off
  one cell).
- ``stale_regions``: province months to merge again (a club moved province).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.models import types

NATIONAL = 0
NO_PROVINCE = -1


class SalesMonth(extensions.Model):
    __tablename__ = "sales_months"
    __table_args__ = (sa.Index("ix_sales_months_dim_month", "dim", "month"),)

    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), primary_key=True)
    month: so.Mapped[dt.date] = so.mapped_column(sa.Date, primary_key=True)
    dim: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    gmv: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    net_gmv: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    orders: so.Mapped[int] = so.mapped_column(sa.Integer)
    units: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    buyers: so.Mapped[int] = so.mapped_column(sa.Integer)
    sketch: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)


class SalesDay(extensions.Model):
    __tablename__ = "sales_days"

    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), primary_key=True)
    day: so.Mapped[dt.date] = so.mapped_column(sa.Date, primary_key=True, index=True)
    gmv: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    net_gmv: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    orders: so.Mapped[int] = so.mapped_column(sa.Integer)
    units: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    buyers: so.Mapped[int] = so.mapped_column(sa.Integer)


class RegionSketch(extensions.Model):
    __tablename__ = "region_sketches"

    province_code: so.Mapped[int] = so.mapped_column(primary_key=True)
    month: so.Mapped[dt.date] = so.mapped_column(sa.Date, primary_key=True)
    dim: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    buyers: so.Mapped[int] = so.mapped_column(sa.Integer)  # the sketch's estimate
    sketch: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)


class StaleCell(extensions.Model):
    __tablename__ = "stale_cells"

    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), primary_key=True)
    month: so.Mapped[dt.date] = so.mapped_column(sa.Date, primary_key=True)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)
    lease_until: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())


class StaleRegion(extensions.Model):
    __tablename__ = "stale_regions"

    province_code: so.Mapped[int] = so.mapped_column(primary_key=True)
    month: so.Mapped[dt.date] = so.mapped_column(sa.Date, primary_key=True)
