"""Club scope: the one place that decides which clubs' rows a user reaches.

One install may host many clubs (the tenants). Every club-owned row (sessions, streamers,
slots, orders, comment batches, audience, shops and listings, studio media, videos and renders,
jobs, calendar feeds) carries a ``club_id`` or hangs off a row that does. Services ask a
:class:`Scope` and never decide "which club" themselves:

- coordinators and sellers reach exactly their own club;
- an admin reaches every club; what they create goes to their working club (``User.club_id``),
  or to the only club when the install has one;
- a Youth Union account (``union``) reads the clubs under its unit (a province, or one
  commune/ward in it), never writes, and never sees buyers' contact details;
- a producer account reaches no club's rows as such, only its own organisation's products and
  the order lines of them, from every club that sold them (labelled by club);
- the command line without ``--as`` is the install's operator: every club.

Catalog rows belong to producers; a club's staff reach the producers the club works with
(``club_producers``) and their products.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core import errors
from app.models import accounts, channels, comments, messages, orgs

Role = accounts.Role


class ClubOwned(Protocol):
    """A row that carries its club."""

    @property
    def club_id(self) -> int | None: ...


Row = TypeVar("Row", bound=ClubOwned)


class NoClub(errors.ValidationError):
    """Something has to go into a club and the user has none to put it in."""

    code = "no_club"


@dataclasses.dataclass(frozen=True)
class Scope:
    """What one user (or the operator, ``user_id`` None) may reach."""

    user_id: int | None
    role: Role | None
    # Clubs whose rows are reachable; None means every club.
    club_ids: frozenset[int] | None
    # Where new club rows of this user go (None: nowhere yet, see ``home_club``).
    home_club_id: int | None
    # Producer accounts: their organisation (they reach its products and their order lines).
    producer_id: int | None = None
    read_only: bool = False
    sees_buyers: bool = True
    # Why ``home_club_id`` is None, said when something has to be created.
    no_home_reason: str = ""

    # --- clubs --------------------------------------------------------------------------------

    @property
    def every_club(self) -> bool:
        return self.club_ids is None

    def sees_club(self, club_id: int | None) -> bool:
        """True when rows of ``club_id`` are reachable (a row of no club only by every-club)."""
        if self.club_ids is None:
            return True
        return club_id is not None and club_id in self.club_ids

    def club_filter(self, column: Any) -> sa.ColumnElement[bool]:
        """A WHERE clause keeping the rows of reachable clubs (``column`` is their club id)."""
        if self.club_ids is None:
            return sa.true()
        if not self.club_ids:
            return sa.false()
        return column.in_(sorted(self.club_ids))

    def check(self, club_id: int | None, message: str | None = None) -> None:
        """404 (not 403: ids of other clubs are not confirmed to exist) when out of scope."""
        if not self.sees_club(club_id):
            raise errors.NotFound(message)

    def find(
        self, session: so.Session, model: type[Row], row_id: int, message: str | None = None
    ) -> Row:
        """The ``model`` row of that id when it is of a club in scope; else 404 (``check``)."""
        row = session.get(model, row_id)
        if row is None:
            raise errors.NotFound(message)
        self.check(row.club_id, message)
        return row

    def rows(self, session: so.Session, model: type[Row], *order_by: Any) -> list[Row]:
        """Every ``model`` row of the clubs in scope, in ``order_by`` order."""
        club = so.class_mapper(model).columns["club_id"]
        return list(
            session.scalars(sa.select(model).where(self.club_filter(club)).order_by(*order_by))
        )

    def home_club(self) -> int:
        """The club new rows go to; NoClub says how to get one."""
        if self.home_club_id is None:
            raise NoClub(self.no_home_reason or _("Tài khoản này không thuộc câu lạc bộ nào."))
        return self.home_club_id

    def check_writable(self) -> None:
        if self.read_only:
            raise errors.Forbidden()

    # --- producers and their catalog ----------------------------------------------------------

    def producer_filter(self, column: Any) -> sa.ColumnElement[bool]:
        """A WHERE clause keeping the producers this scope reaches (``column`` a producer id):
        a producer account its own; staff and Youth Union the producers of their clubs."""
        if self.producer_id is not None:
            return column == self.producer_id
        if self.club_ids is None:
            return sa.true()
        if not self.club_ids:
            return sa.false()
        linked = sa.select(orgs.club_producers.c.producer_id).where(
            orgs.club_producers.c.club_id.in_(sorted(self.club_ids))
        )
        return column.in_(linked)

    def sees_producer(self, session: so.Session, producer_id: int) -> bool:
        if self.producer_id is not None:
            return producer_id == self.producer_id
        if self.club_ids is None:
            return True
        if not self.club_ids:
            return False
        found = session.scalar(
            sa.select(orgs.club_producers.c.producer_id)
            .where(
                orgs.club_producers.c.producer_id == producer_id,
                orgs.club_producers.c.club_id.in_(sorted(self.club_ids)),
            )
            .limit(1)
        )
        return found is not None

    def can_edit_producer(self, session: so.Session, producer_id: int) -> bool:
        """Staff edit the producers of their club (an admin every one); a producer account its
        own organisation; the Youth Union nothing."""
        return not self.read_only and self.sees_producer(session, producer_id)


OPERATOR = Scope(user_id=None, role=None, club_ids=None, home_club_id=None)


def clubs_under_unit(province_code: int, commune_code: int | None = None) -> sa.Select[Any]:
    """Ids of the clubs a Youth Union unit oversees (archived ones included: history stays)."""
    stmt = sa.select(orgs.Club.id).where(orgs.Club.province_code == province_code)
    if commune_code is not None:
        stmt = stmt.where(orgs.Club.commune_code == commune_code)
    return stmt


def producers_of_club(club_id: int) -> sa.Select[Any]:
    """Ids of the producers a club works with (whose products it sells and may edit)."""
    return sa.select(orgs.club_producers.c.producer_id).where(
        orgs.club_producers.c.club_id == club_id
    )


def _sole_club(session: so.Session) -> int | None:
    """The install's only active club, or None when there are none or several."""
    ids = session.scalars(
        sa.select(orgs.Club.id).where(orgs.Club.archived_at.is_(None)).limit(2)
    ).all()
    return int(ids[0]) if len(ids) == 1 else None


def scope_for(session: so.Session, user: accounts.User | None) -> Scope:
    """The scope of a signed-in user, or of the command-line operator (``user`` None)."""
    if user is None:
        home = _sole_club(session)
        return dataclasses.replace(
            OPERATOR,
            home_club_id=home,
            no_home_reason=_("Hãy chọn câu lạc bộ (--club)."),
        )
    role = Role(user.role)
    if role == Role.ADMIN:
        home = int(user.club_id) if user.club_id is not None else _sole_club(session)
        return Scope(
            user_id=user.id,
            role=role,
            club_ids=None,
            home_club_id=home,
            no_home_reason=_(
                "Chưa có câu lạc bộ làm việc: tạo câu lạc bộ ở Quản trị → Câu lạc bộ, hoặc chọn "
                "câu lạc bộ làm việc ở trang Tài khoản."
            ),
        )
    if role in accounts.CLUB_ROLES:
        club_id = int(user.club_id) if user.club_id is not None else None
        return Scope(
            user_id=user.id,
            role=role,
            club_ids=frozenset() if club_id is None else frozenset({club_id}),
            home_club_id=club_id,
        )
    if role == Role.UNION:
        if user.union_province_code is None:
            ids: frozenset[int] = frozenset()
        else:
            ids = frozenset(
                session.scalars(
                    clubs_under_unit(int(user.union_province_code), user.union_commune_code)
                )
            )
        return Scope(
            user_id=user.id,
            role=role,
            club_ids=ids,
            home_club_id=None,
            read_only=True,
            sees_buyers=False,
        )
    # Producer accounts: no club's rows, only their own organisation's products and lines.
    return Scope(
        user_id=user.id,
        role=role,
        club_ids=frozenset(),
        home_club_id=None,
        producer_id=int(user.producer_id) if user.producer_id is not None else -1,
        sees_buyers=True,
    )


def club_choices(session: so.Session, scope: Scope) -> list[orgs.Club]:
    """The clubs a scope reaches, for pickers and filters (active first, then by name)."""
    stmt = sa.select(orgs.Club).where(scope.club_filter(orgs.Club.id))
    stmt = stmt.order_by(orgs.Club.archived_at.is_not(None), orgs.Club.name)
    return list(session.scalars(stmt))


# A row that waits for a platform's consent redirect: a marketplace shop, a comment source, a
# message connection (a club's Zalo OA).
Consenting = TypeVar(
    "Consenting", channels.ChannelAccount, comments.CommentAccount, messages.MessageConnection
)


def awaiting_consent(
    session: so.Session, model: type[Consenting], state: str, scope: Scope
) -> Consenting:
    """The row of ``model`` whose one-time ``state`` came back with the redirect, among the
    scope's clubs; a forged, used or another club's state reads as an expired link."""
    row = (
        session.scalars(
            sa.select(model).where(model.oauth_state == state, scope.club_filter(model.club_id))
        ).first()
        if state and not scope.read_only
        else None
    )
    if row is None:
        raise errors.ValidationError(
            _("Liên kết kết nối đã hết hạn hoặc không hợp lệ. Hãy bấm “Kết nối” lại.")
        )
    return row
