"""Sales aggregates kept as orders change (app/rollups): what the Youth Union's province and
national views read instead of the order lines.

- ``sales_months``: a club's local (Vietnam) month per breakdown value (``dim``/``key``, see
  :data:`analytics.rollups.DIMENSIONS`; ``key`` '' for the whole month or a missing value):
  GMV, Net GMV, units and valid orders add up over clubs and months; ``buyers`` is exact for
  the club's month only; ``sketch`` (few-valued breakdowns) merges buyers across clubs/months.
- ``sales_days``: a club's local day, the whole day's figures (daily charts).
- ``region_sketches``: a province's month (``province_code``; 0 = the whole country, -1 = clubs
  with no province) per breakdown value the province and national views show (the whole
  month, products, producers, OCOP stars and groups, platforms): GMV, Net GMV, valid orders
  and units added up over the province's clubs, and for the few-valued breakdowns the buyers
  sketch merged from the clubs' (``sketch``/``buyers`` NULL for products and producers).
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
DAY = "day"  # a region's days: region_sketches rows of this dim, key YYYY-MM-DD


class SalesMonth(extensions.Model):
    __tablename__ = "sales_months"
    __table_args__ = (
        sa.Index("ix_sales_months_dim_month", "dim", "month"),
        # the cells that sold a product/producer/category whose details changed (marking)
        sa.Index("ix_sales_months_dim_key", "dim", "key"),
    )

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
    day: so.Mapped[dt.date] = so.mapped_column(sa.Date, primary_key=True)
    gmv: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    net_gmv: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    orders: so.Mapped[int] = so.mapped_column(sa.Integer)
    units: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    buyers: so.Mapped[int] = so.mapped_column(sa.Integer)


class RegionSketch(extensions.Model):
    __tablename__ = "region_sketches"
    # a region's best sellers of a month, highest Net GMV first (reading.region_top's
    # candidates); a value's months in a region (the candidates' totals) or its month in every
    # province (the country's row of a product made again)
    __table_args__ = (
        sa.Index("ix_region_sketches_rank", "province_code", "dim", "month", "net_gmv"),
        sa.Index("ix_region_sketches_key", "dim", "key", "month", "province_code"),
    )

    province_code: so.Mapped[int] = so.mapped_column(primary_key=True)
    month: so.Mapped[dt.date] = so.mapped_column(sa.Date, primary_key=True)
    dim: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    gmv: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0, server_default="0")
    net_gmv: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0, server_default="0")
    orders: so.Mapped[int] = so.mapped_column(sa.Integer, default=0, server_default="0")
    units: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0, server_default="0")
    buyers: so.Mapped[int | None] = so.mapped_column(sa.Integer)  # the sketch's estimate
    sketch: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)


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
