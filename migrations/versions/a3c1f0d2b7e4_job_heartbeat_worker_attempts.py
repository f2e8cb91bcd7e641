"""jobs: worker, heartbeat and attempts, so a dead worker's job is taken over

Revision ID: a3c1f0d2b7e4
Revises: 79db943e39c5
Create Date: 2026-11-28 20:10:00
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "a3c1f0d2b7e4"
down_revision = "79db943e39c5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("worker", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", app.models.types.UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("attempts")
        batch.drop_column("heartbeat_at")
        batch.drop_column("worker")
