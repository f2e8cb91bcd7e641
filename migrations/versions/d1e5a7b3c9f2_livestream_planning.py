"""livestream planning: streamers, sessions, hosts, run-of-show slots, calendar feeds

Revision ID: d1e5a7b3c9f2
Revises: c7d2e9a4f1b3
Create Date: 2026-11-29 02:00:09
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "d1e5a7b3c9f2"
down_revision = "c7d2e9a4f1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "streamers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("tiktok_handle", sa.String(length=64), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["club_id"], ["clubs.id"], name=op.f("fk_streamers_club_id_clubs")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_streamers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streamers")),
        sa.UniqueConstraint("user_id", name=op.f("uq_streamers_user_id")),
    )
    with op.batch_alter_table("streamers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_streamers_club_id"), ["club_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_streamers_tiktok_handle"), ["tiktok_handle"], unique=False
        )

    op.create_table(
        "live_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("streamer_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_live_feeds_club_id_clubs")
        ),
        sa.ForeignKeyConstraint(
            ["streamer_id"],
            ["streamers.id"],
            name=op.f("fk_live_feeds_streamer_id_streamers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_feeds")),
        sa.UniqueConstraint("club_id", "streamer_id", name="uq_live_feeds_owner"),
        sa.UniqueConstraint("token", name=op.f("uq_live_feeds_token")),
    )
    with op.batch_alter_table("live_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_feeds_club_id"), ["club_id"], unique=False)

    op.create_table(
        "live_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("channel_account_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "live",
                "ended",
                "cancelled",
                name="sessionstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("live_url", sa.String(length=500), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("current_slot", sa.Integer(), nullable=True),
        sa.Column("slot_started_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extension_s", sa.Integer(), nullable=False),
        sa.Column("state_version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_live_sessions_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["channel_account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_live_sessions_channel_account_id_channel_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_live_sessions_club_id_clubs")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_live_sessions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sessions")),
    )
    with op.batch_alter_table("live_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_sessions_channel_account_id"), ["channel_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_live_sessions_club_id"), ["club_id"], unique=False)
        batch_op.create_index(
            "ix_live_sessions_club_starts", ["club_id", "starts_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_live_sessions_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_live_sessions_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_live_sessions_status"), ["status"], unique=False)

    op.create_table(
        "live_streamer_accounts",
        sa.Column("streamer_id", sa.Integer(), nullable=False),
        sa.Column("channel_account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_live_streamer_accounts_channel_account_id_channel_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["streamer_id"],
            ["streamers.id"],
            name=op.f("fk_live_streamer_accounts_streamer_id_streamers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "streamer_id", "channel_account_id", name=op.f("pk_live_streamer_accounts")
        ),
    )
    op.create_table(
        "live_session_hosts",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("streamer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["live_sessions.id"],
            name=op.f("fk_live_session_hosts_session_id_live_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["streamer_id"],
            ["streamers.id"],
            name=op.f("fk_live_session_hosts_streamer_id_streamers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "streamer_id", name=op.f("pk_live_session_hosts")),
    )
    with op.batch_alter_table("live_session_hosts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_session_hosts_streamer_id"), ["streamer_id"], unique=False
        )

    op.create_table(
        "live_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=True),
        sa.Column("start_offset_s", sa.Integer(), nullable=False),
        sa.Column("length_s", sa.Integer(), nullable=False),
        sa.Column("live_price", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("talking_points", sa.Text(), nullable=True),
        sa.CheckConstraint("length_s > 0", name=op.f("ck_live_slots_length_positive")),
        sa.CheckConstraint("live_price >= 0", name=op.f("ck_live_slots_live_price_not_negative")),
        sa.CheckConstraint("start_offset_s >= 0", name=op.f("ck_live_slots_offset_not_negative")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_live_slots_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["live_sessions.id"],
            name=op.f("fk_live_slots_session_id_live_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["variants.id"],
            name=op.f("fk_live_slots_variant_id_variants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_slots")),
        sa.UniqueConstraint("session_id", "code", name="uq_live_slots_session_code"),
    )
    with op.batch_alter_table("live_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_slots_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_live_slots_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("live_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_slots_session_id"))
        batch_op.drop_index(batch_op.f("ix_live_slots_product_id"))

    op.drop_table("live_slots")
    with op.batch_alter_table("live_session_hosts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_session_hosts_streamer_id"))

    op.drop_table("live_session_hosts")
    op.drop_table("live_streamer_accounts")
    with op.batch_alter_table("live_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_sessions_status"))
        batch_op.drop_index(batch_op.f("ix_live_sessions_starts_at"))
        batch_op.drop_index(batch_op.f("ix_live_sessions_ends_at"))
        batch_op.drop_index("ix_live_sessions_club_starts")
        batch_op.drop_index(batch_op.f("ix_live_sessions_club_id"))
        batch_op.drop_index(batch_op.f("ix_live_sessions_channel_account_id"))

    op.drop_table("live_sessions")
    with op.batch_alter_table("live_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_feeds_club_id"))

    op.drop_table("live_feeds")
    with op.batch_alter_table("streamers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_streamers_tiktok_handle"))
        batch_op.drop_index(batch_op.f("ix_streamers_club_id"))

    op.drop_table("streamers")
