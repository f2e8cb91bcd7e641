"""trigram index for product search on PostgreSQL

Revision ID: b5b1a496c13b
Revises: 38290e5e825d
Create Date: 2026-11-28 06:02:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5b1a496c13b'
down_revision = '38290e5e825d'
branch_labels = None
depends_on = None


def upgrade():
    # PostgreSQL only: SQLite scans products.search_text, which is fast enough there.
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_index('ix_products_search_trgm', 'products', ['search_text'],
                    postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_products_search_trgm', table_name='products')
