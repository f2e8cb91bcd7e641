"""region days: a province's and the country's days as region rows; no day index on sales_days

Each province month (and the country's) gains rows of dim "day", key YYYY-MM-DD, with GMV,
Net GMV, valid orders and units added up from its clubs' days, so the daily chart of a
province or the country reads its own ~30 rows a month instead of every club's day rows
(scattered over the day index: 20 ms for a province's quarter at 1,700 clubs). Every province
month that has sales is marked for the refresh job to add them.

sales_days loses its index on day alone: nothing reads every club's days any more, and the
planner took it for a few clubs' days too (a province's month: 8,700 pages through it, 150 by
the primary key (club_id, day)).

Revision ID: 74a257565680
Revises: b6ce3cc57a0e
Create Date: 2026-12-05 03:55:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "74a257565680"
down_revision = "b6ce3cc57a0e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sales_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_days_day'))
    _mark_regions_stale()


def _mark_regions_stale():
    """Every (province, month) with club aggregates: the refresh merges it again with days."""
    op.execute(
        "INSERT INTO stale_regions (province_code, month) "
        "SELECT DISTINCT COALESCE(c.province_code, -1), s.month FROM sales_months s "
        "JOIN clubs c ON c.id = s.club_id WHERE s.dim = 'all' AND NOT EXISTS ("
        "SELECT 1 FROM stale_regions r WHERE r.province_code = COALESCE(c.province_code, -1) "
        "AND r.month = s.month)"
    )


def downgrade():
    op.execute("DELETE FROM region_sketches WHERE dim = 'day'")
    with op.batch_alter_table('sales_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_days_day'), ['day'], unique=False)
