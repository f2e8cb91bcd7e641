"""buyer messages: message connections, ZNS templates, rules per order event, buyer contacts,
inbound events; order messages gain their event, attempts, cost and delivery

Revision ID: 1c188d017e51
Revises: 9f06865030f3
Create Date: 2026-12-04 14:00:00

"""

from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "1c188d017e51"
down_revision = "9f06865030f3"
branch_labels = None
depends_on = None

MESSAGE_STATUSES = ("queued", "sending", "sent", "failed", "to_copy", "skipped")


def upgrade():
    op.create_table(
        "message_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("secrets_enc", sa.Text(), nullable=False),
        sa.Column("tokens_enc", sa.Text(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting_consent",
                "connected",
                "reconnect_needed",
                name="connectionstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("problem", sa.JSON(), nullable=True),
        sa.Column("oauth_state", sa.String(length=64), nullable=True),
        sa.Column("webhook_key", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_message_connections_club_id_clubs")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_message_connections_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_connections")),
        sa.UniqueConstraint("club_id", "provider", name="uq_message_connections"),
        sa.UniqueConstraint("oauth_state", name=op.f("uq_message_connections_oauth_state")),
        sa.UniqueConstraint("webhook_key", name=op.f("uq_message_connections_webhook_key")),
    )
    with op.batch_alter_table("message_connections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_connections_club_id"), ["club_id"], unique=False
        )

    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_message_templates_club_id_clubs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("club_id", "template_id", name="uq_message_templates_club"),
    )
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_templates_club_id"), ["club_id"], unique=False)

    op.create_table(
        "message_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_message_rules_club_id_clubs")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["message_templates.id"],
            name=op.f("fk_message_rules_template_id_message_templates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_rules")),
        sa.UniqueConstraint("club_id", "event", name="uq_message_rules_event"),
    )
    with op.batch_alter_table("message_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_rules_club_id"), ["club_id"], unique=False)

    op.create_table(
        "buyer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=10), nullable=True),
        sa.Column(
            "last_interaction_at", app.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("opted_out_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_buyer_contacts_club_id_clubs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_contacts")),
        sa.UniqueConstraint("club_id", "channel", "address", name="uq_buyer_contacts_address"),
    )
    with op.batch_alter_table("buyer_contacts", schema=None) as batch_op:
        batch_op.create_index("ix_buyer_contacts_phone", ["club_id", "phone"], unique=False)

    op.create_table(
        "message_inbound_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("received_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["message_connections.id"],
            name=op.f("fk_message_inbound_events_connection_id_message_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_inbound_events")),
        sa.UniqueConstraint("connection_id", "key", name="uq_message_inbound_events_key"),
    )

    with op.batch_alter_table("order_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("cost", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("tracking_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "next_attempt_at", app.models.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("sent_at", app.models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("delivered_at", app.models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column(
            "status",
            existing_type=sa.Enum(
                "sent", "failed", "to_copy", name="messagestatus", native_enum=False, length=20
            ),
            type_=sa.Enum(*MESSAGE_STATUSES, name="messagestatus", native_enum=False, length=20),
            existing_nullable=False,
        )
        batch_op.create_index(
            batch_op.f("ix_order_messages_tracking_id"), ["tracking_id"], unique=False
        )
        batch_op.create_unique_constraint("uq_order_messages_event", ["order_id", "event"])
    # The default served only the rows already there (the desk's replies: tried once).
    with op.batch_alter_table("order_messages", schema=None) as batch_op:
        batch_op.alter_column("attempts", server_default=None, existing_type=sa.Integer())


def downgrade():
    op.execute("DELETE FROM order_messages WHERE event IS NOT NULL")
    with op.batch_alter_table("order_messages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_order_messages_event", type_="unique")
        batch_op.drop_index(batch_op.f("ix_order_messages_tracking_id"))
        batch_op.alter_column(
            "status",
            existing_type=sa.Enum(
                *MESSAGE_STATUSES, name="messagestatus", native_enum=False, length=20
            ),
            type_=sa.Enum(
                "sent", "failed", "to_copy", name="messagestatus", native_enum=False, length=20
            ),
            existing_nullable=False,
        )
        for column in (
            "delivered_at",
            "sent_at",
            "next_attempt_at",
            "tracking_id",
            "cost",
            "attempts",
            "params",
            "event",
        ):
            batch_op.drop_column(column)
    op.drop_table("message_inbound_events")
    with op.batch_alter_table("buyer_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_buyer_contacts_phone")
    op.drop_table("buyer_contacts")
    with op.batch_alter_table("message_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_rules_club_id"))
    op.drop_table("message_rules")
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_templates_club_id"))
    op.drop_table("message_templates")
    with op.batch_alter_table("message_connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_connections_club_id"))
    op.drop_table("message_connections")
