"""User accounts, API tokens and login throttling records."""

from __future__ import annotations

import datetime as dt
import enum

import flask_login
import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import clock
from app.models import orgs, types


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SELLER = "seller"
    PRODUCER = "producer"
    UNION = "union"  # Đoàn cấp tỉnh/xã: reads the clubs under its unit


# Roles that work inside one club (a database constraint: exactly one club each).
CLUB_ROLES = (Role.COORDINATOR, Role.SELLER)


class User(flask_login.UserMixin, extensions.Model):
    __tablename__ = "users"
    __table_args__ = (
        # A producer account belongs to exactly one producer organisation; others to none.
        sa.CheckConstraint("(role = 'producer') = (producer_id IS NOT NULL)", name="producer_link"),
        # Coordinators and sellers belong to exactly one club; producer and Youth Union
        # accounts to none (they reach clubs through their organisation or unit); an admin
        # may have a working club (where what they create goes) or none.
        sa.CheckConstraint(
            "(role IN ('coordinator', 'seller') AND club_id IS NOT NULL)"
            " OR (role IN ('producer', 'union') AND club_id IS NULL)"
            " OR role = 'admin'",
            name="club_membership",
        ),
        # A Youth Union account names its unit: a province, optionally one commune/ward in it.
        sa.CheckConstraint(
            "(role = 'union') = (union_province_code IS NOT NULL)", name="union_unit"
        ),
        sa.CheckConstraint(
            "union_commune_code IS NULL OR union_province_code IS NOT NULL",
            name="union_commune_in_province",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    role: so.Mapped[Role] = so.mapped_column(types.str_enum(Role))
    producer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("producers.id"), index=True)
    club_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clubs.id"), index=True)
    union_province_code: so.Mapped[int | None] = so.mapped_column()
    union_commune_code: so.Mapped[int | None] = so.mapped_column()
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    is_active_account: so.Mapped[bool] = so.mapped_column(default=True)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    last_login_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    # Sessions and remember cookies carry it (``get_id``); raising it (sign-out, password change,
    # deactivation) ends every one of them at once (app/services/accounts.py).
    session_version: so.Mapped[int] = so.mapped_column(default=0, server_default=sa.text("0"))
    # Set when an admin or the club's coordinator gives the account a one-time password: until
    # the owner chooses a new one, every page leads to the change-password page and API tokens
    # are refused (app/web/auth.py, app/api).
    must_change_password: so.Mapped[bool] = so.mapped_column(
        default=False, server_default=sa.false()
    )

    producer: so.Mapped[orgs.Producer | None] = so.relationship()
    club: so.Mapped[orgs.Club | None] = so.relationship()

    def get_id(self) -> str:  # flask-login: what sessions and remember cookies hold
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.is_active_account

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class ApiToken(extensions.Model):
    """A personal token for scripts. Only a SHA-256 hash of the secret is stored."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime(), default=clock.utcnow)
    last_used_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
    revoked_at: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())

    user: so.Mapped[User] = so.relationship()


class LoginFailure(extensions.Model):
    """Failed sign-in counter per key ("user:<name>" or "ip:<address>")."""

    __tablename__ = "login_failures"

    key: so.Mapped[str] = so.mapped_column(sa.String(200), primary_key=True)
    count: so.Mapped[int] = so.mapped_column(default=0)
    first_failed_at: so.Mapped[dt.datetime] = so.mapped_column(types.UTCDateTime())
    locked_until: so.Mapped[dt.datetime | None] = so.mapped_column(types.UTCDateTime())
