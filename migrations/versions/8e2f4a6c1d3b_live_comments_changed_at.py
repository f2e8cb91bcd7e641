"""live comments: changed_at, what open desks ask for (every change to a comment's row)

Revision ID: 8e2f4a6c1d3b
Revises: 39648ae41945
Create Date: 2026-12-04 09:45:00

"""

from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "8e2f4a6c1d3b"
down_revision = "39648ae41945"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("live_comments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("changed_at", app.models.types.UTCDateTime(timezone=True), nullable=True)
        )
    # The last change known for the comments already stored (none: never changed).
    op.execute(
        "UPDATE live_comments SET changed_at = COALESCE(decided_at, deleted_at, edited_at,"
        " taken_at)"
    )
    with op.batch_alter_table("live_comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_live_comments_session_changed", ["session_id", "changed_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("live_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_live_comments_session_changed")
        batch_op.drop_column("changed_at")
