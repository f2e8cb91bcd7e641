"""session version on users: signing out, a password change and deactivation end every session
and remember cookie of the account

Existing accounts start at 0. Sessions and remember cookies issued before this revision carry
no version and are refused once: everyone signs in again after the upgrade.

Revision ID: a9d3f1c5e7b2
Revises: f2a6c8e0b4d7
Create Date: 2026-12-10 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9d3f1c5e7b2"
down_revision = "f2a6c8e0b4d7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
