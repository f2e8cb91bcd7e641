"""clubs as tenants: club details, club ↔ producer links, membership constraints, Youth Union
accounts, club_id on orders (unique per club), shops, studio media and jobs

Existing rows without a club are given one: the order's session club, else its author's club,
else the first club (a club named "CLB của tôi" is made only when rows need one and none exists).

Revision ID: f2a6c8e0b4d7
Revises: e4b8c2d6f0a1
Create Date: 2026-12-03 14:00:00

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

import app.models.types

# revision identifiers, used by Alembic.
revision = "f2a6c8e0b4d7"
down_revision = "e4b8c2d6f0a1"
branch_labels = None
depends_on = None

MEMBERSHIP = (
    "(role IN ('coordinator', 'seller') AND club_id IS NOT NULL)"
    " OR (role IN ('producer', 'union') AND club_id IS NULL)"
    " OR role = 'admin'"
)


def _first_club(conn: sa.Connection) -> int:
    """The first club's id; creates a placeholder club when rows need one and there is none."""
    club_id = conn.scalar(sa.text("SELECT MIN(id) FROM clubs"))
    if club_id is None:
        conn.execute(
            sa.text(
                "INSERT INTO clubs (name, province, created_at) VALUES (:name, '', :now)"
            ),
            {"name": "CLB của tôi", "now": dt.datetime.now(dt.UTC).replace(tzinfo=None)},
        )
        club_id = conn.scalar(sa.text("SELECT MIN(id) FROM clubs"))
    return int(club_id)


def _needs(conn: sa.Connection, sql: str) -> bool:
    return bool(conn.scalar(sa.text(sql)))


def upgrade():
    conn = op.get_bind()

    # --- clubs: details of the tenant -------------------------------------------------------
    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("commune_code", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("logo_path", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("archived_at", app.models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_clubs_province_code"), ["province_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_clubs_commune_code"), ["commune_code"], unique=False)

    # --- producers work with several clubs ----------------------------------------------------
    op.create_table(
        "club_producers",
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_club_producers_club_id_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producers.id"], name=op.f("fk_club_producers_producer_id_producers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("club_id", "producer_id", name=op.f("pk_club_producers")),
    )
    with op.batch_alter_table("club_producers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_club_producers_producer_id"), ["producer_id"], unique=False
        )
    conn.execute(
        sa.text(
            "INSERT INTO club_producers (club_id, producer_id) "
            "SELECT club_id, id FROM producers WHERE club_id IS NOT NULL"
        )
    )
    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_producers_club_id"))
        batch_op.drop_constraint(batch_op.f("fk_producers_club_id_clubs"), type_="foreignkey")
        batch_op.drop_column("club_id")

    # --- users: exactly one club for coordinators and sellers; Youth Union units -------------
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("union_province_code", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("union_commune_code", sa.Integer(), nullable=True))
    conn.execute(sa.text("UPDATE users SET club_id = NULL WHERE role = 'producer'"))
    if _needs(
        conn,
        "SELECT COUNT(*) FROM users WHERE role IN ('coordinator', 'seller') AND club_id IS NULL",
    ):
        conn.execute(
            sa.text(
                "UPDATE users SET club_id = :club "
                "WHERE role IN ('coordinator', 'seller') AND club_id IS NULL"
            ),
            {"club": _first_club(conn)},
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_users_club_membership"), MEMBERSHIP)
        batch_op.create_check_constraint(
            batch_op.f("ck_users_union_unit"),
            "(role = 'union') = (union_province_code IS NOT NULL)",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_users_union_commune_in_province"),
            "union_commune_code IS NULL OR union_province_code IS NOT NULL",
        )

    # --- orders: always a club; platform ids unique per club ---------------------------------
    conn.execute(
        sa.text(
            "UPDATE orders SET club_id = (SELECT s.club_id FROM live_sessions s "
            "WHERE s.id = orders.session_id) WHERE club_id IS NULL AND session_id IS NOT NULL"
        )
    )
    conn.execute(
        sa.text(
            "UPDATE orders SET club_id = (SELECT u.club_id FROM users u "
            "WHERE u.id = orders.created_by_id) WHERE club_id IS NULL"
        )
    )
    if _needs(conn, "SELECT COUNT(*) FROM orders WHERE club_id IS NULL"):
        conn.execute(
            sa.text("UPDATE orders SET club_id = :club WHERE club_id IS NULL"),
            {"club": _first_club(conn)},
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint("uq_orders_platform_external_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_orders_club_platform_external_id", ["club_id", "platform", "external_id"]
        )
        batch_op.alter_column("club_id", existing_type=sa.Integer(), nullable=False)

    # --- shops: always run by a club (a producer's own shop names the producer too) ----------
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_channel_accounts_one_owner"), type_="check")
    conn.execute(
        sa.text(
            "UPDATE channel_accounts SET club_id = (SELECT MIN(cp.club_id) FROM club_producers cp "
            "WHERE cp.producer_id = channel_accounts.producer_id) WHERE club_id IS NULL"
        )
    )
    if _needs(conn, "SELECT COUNT(*) FROM channel_accounts WHERE club_id IS NULL"):
        conn.execute(
            sa.text("UPDATE channel_accounts SET club_id = :club WHERE club_id IS NULL"),
            {"club": _first_club(conn)},
        )
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.alter_column("club_id", existing_type=sa.Integer(), nullable=False)

    # --- studio media and videos --------------------------------------------------------------
    for table, author in (("media_assets", "uploaded_by_id"), ("videos", "created_by_id")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("club_id", sa.Integer(), nullable=True))
        conn.execute(
            sa.text(
                f"UPDATE {table} SET club_id = (SELECT u.club_id FROM users u "
                f"WHERE u.id = {table}.{author})"
            )
        )
        if _needs(conn, f"SELECT COUNT(*) FROM {table} WHERE club_id IS NULL"):
            conn.execute(
                sa.text(f"UPDATE {table} SET club_id = :club WHERE club_id IS NULL"),
                {"club": _first_club(conn)},
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("club_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_club_id"), ["club_id"], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_club_id_clubs"), "clubs", ["club_id"], ["id"]
            )

    # --- jobs ---------------------------------------------------------------------------------
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("club_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_jobs_club_id"), ["club_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_jobs_club_id_clubs"), "clubs", ["club_id"], ["id"]
        )
    conn.execute(
        sa.text(
            "UPDATE jobs SET club_id = (SELECT u.club_id FROM users u WHERE u.id = jobs.owner_id)"
        )
    )


def downgrade():
    conn = op.get_bind()
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_jobs_club_id_clubs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_jobs_club_id"))
        batch_op.drop_column("club_id")

    for table in ("videos", "media_assets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_club_id_clubs"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_club_id"))
            batch_op.drop_column("club_id")

    conn.execute(
        sa.text("UPDATE channel_accounts SET club_id = NULL WHERE producer_id IS NOT NULL")
    )
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.alter_column("club_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            batch_op.f("ck_channel_accounts_one_owner"),
            "(club_id IS NULL) <> (producer_id IS NULL)",
        )

    # Two clubs may hold the same platform order id now; the old key keeps one of them.
    conn.execute(
        sa.text(
            "DELETE FROM orders WHERE id NOT IN ("
            "SELECT MIN(id) FROM orders GROUP BY platform, external_id)"
        )
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column("club_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("uq_orders_club_platform_external_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_orders_platform_external_id", ["platform", "external_id"]
        )

    conn.execute(sa.text("DELETE FROM users WHERE role = 'union'"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_union_commune_in_province"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_users_union_unit"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_users_club_membership"), type_="check")
        batch_op.drop_column("union_commune_code")
        batch_op.drop_column("union_province_code")

    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("club_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_producers_club_id_clubs"), "clubs", ["club_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_producers_club_id"), ["club_id"], unique=False)
    conn.execute(
        sa.text(
            "UPDATE producers SET club_id = (SELECT MIN(cp.club_id) FROM club_producers cp "
            "WHERE cp.producer_id = producers.id)"
        )
    )
    with op.batch_alter_table("club_producers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_club_producers_producer_id"))
    op.drop_table("club_producers")

    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clubs_commune_code"))
        batch_op.drop_index(batch_op.f("ix_clubs_province_code"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("logo_path")
        batch_op.drop_column("contact_email")
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("contact_name")
        batch_op.drop_column("commune_code")
        batch_op.drop_column("province_code")
