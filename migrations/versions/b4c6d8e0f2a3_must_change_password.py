"""must change password on users: an admin or the club's coordinator set a one-time password;
the account must choose a new one at its next sign-in before anything else works

Existing accounts start at false.

Revision ID: b4c6d8e0f2a3
Revises: a9d3f1c5e7b2
Create Date: 2026-12-12 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b4c6d8e0f2a3"
down_revision = "a9d3f1c5e7b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
