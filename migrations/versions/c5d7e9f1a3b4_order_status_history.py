"""order status history: each change of an order's status (who, when, from → to, note)

A new table only; existing orders start with an empty history.

Revision ID: c5d7e9f1a3b4
Revises: b4c6d8e0f2a3
Create Date: 2026-12-12 10:00:00

"""

import sqlalchemy as sa
from alembic import op

import app.models.types

# revision identifiers, used by Alembic.
revision = "c5d7e9f1a3b4"
down_revision = "b4c6d8e0f2a3"
branch_labels = None
depends_on = None

STATUSES = ("placed", "paid", "shipped", "completed", "cancelled", "returned")


def upgrade():
    op.create_table(
        "order_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(*STATUSES, name="orderstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(*STATUSES, name="orderstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "via",
            sa.Enum(
                "app",
                "import",
                "manual",
                "comments",
                name="statuschangevia",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_order_status_changes_changed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_status_changes_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_status_changes")),
    )
    with op.batch_alter_table("order_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_status_changes_order_id"), ["order_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("order_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_status_changes_order_id"))
    op.drop_table("order_status_changes")
