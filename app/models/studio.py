"""Short-video studio: uploaded media assets, video projects (recipes) and their renders."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import accounts, base, catalog, jobs, types


class AssetKind(enum.StrEnum):
    VIDEO = "video"
    IMAGE = "image"
    AUDIO = "audio"


class AssetStatus(enum.StrEnum):
    PROCESSING = "processing"  # accepted by the probe; ingest (normalise + proxy) running
    READY = "ready"
    FAILED = "failed"


class RenderStatus(enum.StrEnum):
    QUEUED = "queued"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class MediaAsset(extensions.Model):
    """A clip, photo, logo or music file: probed on upload, then normalised with a proxy."""

    __tablename__ = "media_assets"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[AssetKind] = so.mapped_column(types.str_enum(AssetKind), index=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="footage")  # footage/logo/music
    status: so.Mapped[AssetStatus] = so.mapped_column(
        types.str_enum(AssetStatus), default=AssetStatus.PROCESSING, index=True
    )
    product_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    original_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    # Paths relative to MEDIA_ROOT, all server-generated names.
    upload_path: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    master_path: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    proxy_path: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    poster_path: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    size_bytes: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    duration: so.Mapped[float | None] = so.mapped_column()
    width: so.Mapped[int | None] = so.mapped_column()
    height: so.Mapped[int | None] = so.mapped_column()
    info: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    analysis: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    job_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)

    product: so.Mapped[catalog.Product | None] = so.relationship()
    uploaded_by: so.Mapped[accounts.User | None] = so.relationship()
    job: so.Mapped[jobs.Job | None] = so.relationship()


class Video(base.Timestamps, extensions.Model):
    """A video being made: its edit recipe (JSON, versioned), or a reusable template."""

    __tablename__ = "videos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    club_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    product_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    recipe: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    is_template: so.Mapped[bool] = so.mapped_column(default=False, index=True)
    version: so.Mapped[int] = so.mapped_column(default=1)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    product: so.Mapped[catalog.Product | None] = so.relationship()
    created_by: so.Mapped[accounts.User | None] = so.relationship()
    renders: so.Mapped[list[Render]] = so.relationship(
        back_populates="video", cascade="all, delete-orphan", order_by="Render.id.desc()"
    )


class Render(extensions.Model):
    """One render of a video's recipe for a platform profile."""

    __tablename__ = "renders"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    video_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("videos.id", ondelete="CASCADE"), index=True
    )
    profile: so.Mapped[str] = so.mapped_column(sa.String(20))
    status: so.Mapped[RenderStatus] = so.mapped_column(
        types.str_enum(RenderStatus), default=RenderStatus.QUEUED, index=True
    )
    recipe: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)  # as rendered
    output_path: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    thumbnail_path: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    duration: so.Mapped[float | None] = so.mapped_column()
    size_bytes: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    job_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    finished_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())

    video: so.Mapped[Video] = so.relationship(back_populates="renders")
    job: so.Mapped[jobs.Job | None] = so.relationship()
