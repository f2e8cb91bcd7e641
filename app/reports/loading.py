"""Rows from the database into the frames `analytics/` reads (see analytics.frames).

One query per frame, columns named as the analytics contract says, plus the labels the
dashboards show (club, product, producer, streamer and session names). Which clubs a report
covers is decided by ``app.tenancy`` (the dashboards pass the clubs of the user's scope here);
this module only applies the selection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection

import pandas as pd
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models import catalog, live, orgs
from app.models import orders as order_models

LINE_COLUMNS = [
    "order_id",
    "club_id",
    "line_id",
    "session_id",
    "platform",
    "product_id",
    "producer_id",
    "streamer_id",
    "ocop_group",
    "ocop_stars",
    "status",
    "quantity",
    "unit_price",
    "amount",
    "buyer_phone",
    "buyer_platform_id",
    "placed_at",
    "external_id",
    "seller_sku",
    "product_name",
]


@dataclasses.dataclass(frozen=True)
class Selection:
    """What a report covers. Times are aware UTC; ``end`` is exclusive.

    ``club_ids`` None means every club (an admin, or a producer's lines from every club that
    sold them); an empty collection selects nothing. ``session_ids`` limits to those streams
    (their lines whenever placed); ``producer_id`` keeps only that producer's product lines, and
    then the streams loaded are only those the lines belong to.
    """

    club_ids: Collection[int] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    session_ids: Collection[int] | None = None
    producer_id: int | None = None
    streamer_id: int | None = None


@dataclasses.dataclass
class Frames:
    lines: pd.DataFrame
    audience: pd.DataFrame
    viewer_sessions: pd.DataFrame
    sessions: pd.DataFrame
    slots: pd.DataFrame
    labels: dict[str, dict[int, str]]


def _group_names(session: so.Session) -> dict[int, str]:
    """category id → its ngành (level-1 ancestor) name."""
    C = catalog.OcopCategory
    rows = session.execute(sa.select(C.id, C.parent_id, C.name, C.level)).all()
    by_id = {row.id: row for row in rows}
    out: dict[int, str] = {}
    for row in rows:
        node = row
        while node.parent_id is not None and node.parent_id in by_id:
            node = by_id[node.parent_id]
        out[row.id] = node.name
    return out


def _in_clubs(
    column: sa.ColumnElement[int] | so.InstrumentedAttribute[int], club_ids: Collection[int] | None
) -> sa.ColumnElement[bool]:
    if club_ids is None:
        return sa.true()
    if not club_ids:
        return sa.false()
    return column.in_(sorted(club_ids))


def _session_filter(selection: Selection) -> list[sa.ColumnElement[bool]]:
    S = live.LiveSession
    where: list[sa.ColumnElement[bool]] = [
        S.status != live.SessionStatus.CANCELLED,
        _in_clubs(S.club_id, selection.club_ids),
    ]
    if selection.session_ids is not None:
        where.append(S.id.in_(list(selection.session_ids)))
    else:
        if selection.start is not None:
            where.append(S.starts_at >= selection.start)
        if selection.end is not None:
            where.append(S.starts_at < selection.end)
    if selection.streamer_id is not None:
        where.append(S.hosts.any(live.Streamer.id == selection.streamer_id))
    return where


def count_lines(session: so.Session, selection: Selection) -> int:
    """How many order lines a club/period selection holds (what loading them would read)."""
    Ord, L = order_models.Order, order_models.OrderLine
    stmt = (
        sa.select(sa.func.count())
        .select_from(L)
        .join(Ord, L.order_id == Ord.id)
        .where(_in_clubs(Ord.club_id, selection.club_ids))
    )
    if selection.start is not None:
        stmt = stmt.where(Ord.placed_at >= selection.start)
    if selection.end is not None:
        stmt = stmt.where(Ord.placed_at < selection.end)
    return int(session.scalar(stmt) or 0)


def load(session: so.Session, selection: Selection) -> Frames:
    Ord, L, P = order_models.Order, order_models.OrderLine, catalog.Product
    stmt = (
        sa.select(
            Ord.id.label("order_id"),
            Ord.club_id,
            L.id.label("line_id"),
            Ord.session_id,
            Ord.platform,
            L.product_id,
            P.producer_id,
            Ord.streamer_id,
            P.category_id,
            P.ocop_stars,
            L.status,
            L.quantity,
            L.unit_price,
            L.amount,
            Ord.buyer_phone,
            Ord.buyer_user.label("buyer_platform_id"),
            Ord.placed_at,
            Ord.external_id,
            L.seller_sku,
            L.product_name,
        )
        .join(Ord, L.order_id == Ord.id)
        .outerjoin(P, L.product_id == P.id)
        .where(_in_clubs(Ord.club_id, selection.club_ids))
        .order_by(Ord.placed_at, L.id)
    )
    if selection.session_ids is not None:
        stmt = stmt.where(Ord.session_id.in_(list(selection.session_ids)))
    else:
        if selection.start is not None:
            stmt = stmt.where(Ord.placed_at >= selection.start)
        if selection.end is not None:
            stmt = stmt.where(Ord.placed_at < selection.end)
    if selection.producer_id is not None:
        stmt = stmt.where(P.producer_id == selection.producer_id)
    if selection.streamer_id is not None:
        stmt = stmt.where(Ord.streamer_id == selection.streamer_id)
    rows = session.execute(stmt).all()
    groups = _group_names(session)
    records = []
    for row in rows:
        record = row._asdict()
        record["status"] = str(record["status"])
        category_id = record.pop("category_id")
        record["ocop_group"] = groups.get(category_id) if category_id is not None else None
        records.append(record)
    lines = pd.DataFrame.from_records(records, columns=LINE_COLUMNS)
    lines["placed_at"] = pd.to_datetime(lines["placed_at"])
    for column in ("quantity", "unit_price", "amount"):
        lines[column] = lines[column].astype("int64")

    S = live.LiveSession
    if selection.producer_id is not None:
        # a producer's lines: only the streams they were sold in (no stream's audience is
        # theirs, and other streams of the clubs are none of their business)
        session_rows: list[live.LiveSession] = []
    else:
        session_rows = list(
            session.scalars(
                sa.select(S).where(*_session_filter(selection)).options(so.selectinload(S.hosts))
            )
        )
    if selection.producer_id is not None or (
        selection.session_ids is None and selection.start is not None
    ):
        # streams in the period, plus any stream an in-period line belongs to
        extra = set(lines["session_id"].dropna().astype(int)) - {s.id for s in session_rows}
        if extra:
            session_rows = session_rows + list(
                session.scalars(
                    sa.select(S).where(S.id.in_(extra)).options(so.selectinload(S.hosts))
                )
            )
    sessions = pd.DataFrame.from_records(
        [
            {
                "session_id": s.id,
                "start": s.starts_at,
                "end": s.ends_at,
                "streamer_id": s.hosts[0].id if s.hosts else None,
                "platform": s.platform,
                "title": s.title,
            }
            for s in session_rows
        ],
        columns=["session_id", "start", "end", "streamer_id", "platform", "title"],
    )
    for column in ("start", "end"):
        sessions[column] = pd.to_datetime(sessions[column])
    ids = [s.id for s in session_rows]

    A = order_models.SessionAudience
    audience = pd.DataFrame.from_records(
        [
            r._asdict()
            for r in session.execute(
                sa.select(
                    A.session_id, A.views, A.unique_viewers, A.product_clicks, A.product_visitors
                ).where(A.session_id.in_(ids))
            )
        ],
        columns=["session_id", "views", "unique_viewers", "product_clicks", "product_visitors"],
    )
    V = order_models.ViewerVisit
    viewer_sessions = pd.DataFrame.from_records(
        [
            r._asdict()
            for r in session.execute(
                sa.select(V.session_id, V.viewer, V.joined_at, V.left_at).where(
                    V.session_id.in_(ids)
                )
            )
        ],
        columns=["session_id", "viewer", "joined_at", "left_at"],
    )
    for column in ("joined_at", "left_at"):
        viewer_sessions[column] = pd.to_datetime(viewer_sessions[column])
    slot_rows = []
    for s in session_rows:
        for slot in s.slots:
            slot_rows.append(
                {
                    "session_id": s.id,
                    "product_id": slot.product_id,
                    "code": slot.code,
                    "start": s.starts_at + dt.timedelta(seconds=slot.start_offset_s),
                    "end": s.starts_at + dt.timedelta(seconds=slot.end_offset_s),
                }
            )
    slots = pd.DataFrame.from_records(
        slot_rows, columns=["session_id", "product_id", "code", "start", "end"]
    )
    for column in ("start", "end"):
        slots[column] = pd.to_datetime(slots[column])
    return Frames(
        lines=lines,
        audience=audience,
        viewer_sessions=viewer_sessions,
        sessions=sessions,
        slots=slots,
        labels=_labels(session, lines, session_rows),
    )


def _names(
    session: so.Session,
    id_column: so.InstrumentedAttribute[int],
    name_column: so.InstrumentedAttribute[str],
    ids: Collection[int],
) -> dict[int, str]:
    """id → name of these rows of one table."""
    rows = session.execute(sa.select(id_column, name_column).where(id_column.in_(ids))).all()
    return {row_id: name for row_id, name in rows}


def _labels(
    session: so.Session, lines: pd.DataFrame, session_rows: list[live.LiveSession]
) -> dict[str, dict[int, str]]:
    club_ids = {int(i) for i in lines["club_id"].dropna().unique()}
    club_ids |= {s.club_id for s in session_rows}
    product_ids = [int(i) for i in lines["product_id"].dropna().unique()]
    producer_ids = [int(i) for i in lines["producer_id"].dropna().unique()]
    streamer_ids = {int(i) for i in lines["streamer_id"].dropna().unique()}
    streamer_ids |= {h.id for s in session_rows for h in s.hosts}
    products = _names(session, catalog.Product.id, catalog.Product.name, product_ids)
    producers = _names(session, orgs.Producer.id, orgs.Producer.name, producer_ids)
    streamers = _names(session, live.Streamer.id, live.Streamer.display_name, streamer_ids)
    clubs = _names(session, orgs.Club.id, orgs.Club.name, club_ids)
    sessions = {s.id: s.title for s in session_rows}
    return {
        "club": clubs,
        "product": products,
        "producer": producers,
        "streamer": streamers,
        "session": sessions,
    }
