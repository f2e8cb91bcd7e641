"""channel accounts: server errors in a row and outage pause

Revision ID: c7d2e9a4f1b3
Revises: a3c1f0d2b7e4
Create Date: 2026-11-28 20:30:00
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "c7d2e9a4f1b3"
down_revision = "a3c1f0d2b7e4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_accounts") as batch:
        batch.add_column(
            sa.Column("failures_in_row", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("outage_until", app.models.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_accounts") as batch:
        batch.drop_column("outage_until")
        batch.drop_column("failures_in_row")
