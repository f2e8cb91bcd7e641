"""Remake the stale cells from the raw lines: the job behind the aggregates.

A round claims up to ``batch`` stale cells (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any
number of workers share the queue without waiting on one another; a lease keeps a claimed cell
off other workers' claims), commits the lease, then in one transaction: reads the claimed
cells' lines month by month, writes their ``sales_months``/``sales_days`` rows afresh, drops
the marks whose version is unchanged (a cell marked again meanwhile stays stale, lease
released) and adds up the provinces' months it touched (sums per breakdown value, buyers
sketches merged), then the country's. Province and country merges are serialised per
(province, month) by a transaction advisory lock taken in one order (provinces, then the
country), so two workers never write a merge that misses the other's cell.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from analytics import rollups as analytics_rollups
from analytics import sketches
from app.core import clock, uow
from app.models import orders as order_models
from app.models import orgs, rollups
from app.rollups import cells, stale

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)
BATCH = 200
MAX_ROUNDS = 500
_LOCK_SPACE = 1_300_000_000  # advisory lock keys of the merges: this + province code


@dataclasses.dataclass
class Refreshed:
    cells: int = 0
    regions: int = 0
    rounds: int = 0


Claimed = tuple[int, dt.date, int]  # club, month, version


def claim(session: so.Session, now: dt.datetime, limit: int = BATCH) -> list[Claimed]:
    """Lease up to ``limit`` stale cells no other worker holds (the caller commits)."""
    C = rollups.StaleCell
    pick = (
        sa.select(C.club_id, C.month)
        .where(sa.or_(C.lease_until.is_(None), C.lease_until < now))
        .order_by(C.month, C.club_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    pairs = [(int(club), month) for club, month in session.execute(pick)]
    if not pairs:
        return []
    session.execute(
        sa.update(C)
        .where(sa.tuple_(C.club_id, C.month).in_(pairs))
        .values(lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        sa.select(C.club_id, C.month, C.version).where(sa.tuple_(C.club_id, C.month).in_(pairs))
    )
    return [(int(club), month, int(version)) for club, month, version in rows]


Values = set[tuple[str, str]]  # (dim, key) of products/producers


def remake_cells(session: so.Session, targets: Iterable[cells.Cell]) -> dict[cells.Cell, Values]:
    """Write the cells' aggregates afresh from their lines (a cell with no line left has none).
    Each cell's products and producers, before and after: the only ones of them whose
    province rows can change."""
    S, D = rollups.SalesMonth, rollups.SalesDay
    values: dict[cells.Cell, Values] = defaultdict(set)
    by_month: dict[dt.date, set[int]] = defaultdict(set)
    for club_id, month in targets:
        by_month[month].add(club_id)
    for month, club_set in sorted(by_month.items()):
        clubs = sorted(club_set)
        computed = cells.compute(cells.load_month(session, month, clubs), month)
        following = cells.next_month(month)
        for start in range(0, len(clubs), 500):
            chunk = clubs[start : start + 500]
            gone = session.execute(
                sa.delete(S)
                .where(S.month == month, S.club_id.in_(chunk))
                .returning(S.club_id, S.dim, S.key)
                .execution_options(synchronize_session=False)
            )
            for club_id, dim, key in gone:
                if dim in MONTH_SUMMED_DIMS:
                    values[(int(club_id), month)].add((dim, key))
            in_month = [D.club_id.in_(chunk), D.day >= month]
            if following is not None:
                in_month.append(D.day < following)
            session.execute(
                sa.delete(D).where(*in_month).execution_options(synchronize_session=False)
            )
        _insert_many(session, S, computed.months)
        _insert_many(session, D, computed.days)
        for row in computed.months:
            if row["dim"] in MONTH_SUMMED_DIMS:
                values[(row["club_id"], month)].add((row["dim"], row["key"]))
    return values


def _insert_many(session: so.Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert the rows (dicts with the same keys): with COPY on PostgreSQL (a round of 200
    cells writes ~13,000 rows; one statement each took most of the round), else executemany."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(sa.insert(model), rows)
        return
    columns = list(rows[0])
    driver = connection.connection.driver_connection
    assert driver is not None
    names = ", ".join(f'"{name}"' for name in columns)
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {model.__tablename__} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([row[name] for name in columns])


def _release(session: so.Session, claimed: list[Claimed]) -> None:
    """Drop the marks of the remade cells, unless marked again meanwhile (then release the
    lease so the next round takes them)."""
    C = rollups.StaleCell
    for start in range(0, len(claimed), 500):
        chunk = claimed[start : start + 500]
        session.execute(
            sa.delete(C)
            .where(sa.tuple_(C.club_id, C.month, C.version).in_(chunk))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(C)
            .where(sa.tuple_(C.club_id, C.month).in_([(c, m) for c, m, _ in chunk]))
            .values(lease_until=None)
            .execution_options(synchronize_session=False)
        )


def _claim_regions(session: so.Session) -> set[tuple[int, dt.date]]:
    R = rollups.StaleRegion
    rows = session.execute(
        sa.select(R.province_code, R.month).limit(1000).with_for_update(skip_locked=True)
    ).all()
    pairs = [(int(code), month) for code, month in rows]
    if pairs:
        session.execute(
            sa.delete(R)
            .where(sa.tuple_(R.province_code, R.month).in_(pairs))
            .execution_options(synchronize_session=False)
        )
    return set(pairs)


def regions_of(session: so.Session, targets: Iterable[cells.Cell]) -> set[tuple[int, dt.date]]:
    """The (province, month) pairs the cells' clubs belong to."""
    return set(_cells_by_region(session, targets))


def _cells_by_region(
    session: so.Session, targets: Iterable[cells.Cell]
) -> dict[tuple[int, dt.date], list[cells.Cell]]:
    """The cells grouped by the (province, month) their club belongs to."""
    targets = list(targets)
    club_ids = sorted({club for club, _ in targets})
    provinces: dict[int, int | None] = {}
    for start in range(0, len(club_ids), 500):
        rows = session.execute(
            sa.select(orgs.Club.id, orgs.Club.province_code).where(
                orgs.Club.id.in_(club_ids[start : start + 500])
            )
        )
        provinces.update({int(i): code for i, code in rows})
    out: dict[tuple[int, dt.date], list[cells.Cell]] = defaultdict(list)
    for club_id, month in targets:
        code = provinces.get(club_id)
        out[(rollups.NO_PROVINCE if code is None else int(code), month)].append((club_id, month))
    return out


def _lock(session: so.Session, code: int, month: dt.date) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:space, :month)"),
            {"space": _LOCK_SPACE + code, "month": month.year * 12 + month.month},
        )


# What the province and national views read: every breakdown they show. Few-valued ones carry
# the merged buyers sketch (added up in Python); products and producers only sums (in SQL).
# "day" rows hold the region's days of the month (key "YYYY-MM-DD", from the clubs' days) for
# the daily chart: a province's quarter is 91 rows, not its clubs' 4,500 scattered day rows.
DAY = rollups.DAY
REGION_DIMS = ("all", "product", "producer", "ocop_stars", "ocop_group", "platform", DAY)
SKETCHED_DIMS = tuple(d for d in REGION_DIMS if d in analytics_rollups.SKETCHED)
SUMMED_DIMS = tuple(d for d in REGION_DIMS if d not in analytics_rollups.SKETCHED)
MONTH_SUMMED_DIMS = tuple(d for d in SUMMED_DIMS if d != DAY)  # from the clubs' month rows
SUMS = ("gmv", "net_gmv", "orders", "units")


def day_key(day: dt.date) -> str:
    """A "day" region row's key."""
    return day.isoformat()


def _day_key_sql(session: so.Session, column: Any) -> sa.ColumnElement[str]:
    """``day_key`` in SQL (a date column as YYYY-MM-DD whatever the server's DateStyle)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD")
    return sa.cast(column, sa.String)  # SQLite keeps dates as ISO text


def merge_region(
    code: int, month: dt.date, rows: Iterable[tuple[Any, ...]]
) -> list[dict[str, Any]]:
    """Region rows from (dim, key, gmv, net_gmv, orders, units, sketch) rows of its parts:
    sums added, sketches merged (none for products and producers). The check computes them
    the same way."""
    sums: dict[tuple[str, str], list[int]] = {}
    parts: dict[tuple[str, str], list[bytes | None]] = defaultdict(list)
    for dim, key, *figures, sketch in rows:
        into = sums.setdefault((dim, key), [0, 0, 0, 0])
        for i, value in enumerate(figures):
            into[i] += int(value)
        parts[(dim, key)].append(sketch)
    values = []
    for (dim, key), figures in sorted(sums.items()):
        buyers, sketch = None, None
        if dim not in SUMMED_DIMS:
            merged = sketches.merge_encoded(parts[(dim, key)])
            buyers, sketch = sketches.estimate(merged), sketches.encode(merged)
        values.append(
            {
                "province_code": code,
                "month": month,
                "dim": dim,
                "key": key,
                **dict(zip(SUMS, figures, strict=True)),
                "buyers": buyers,
                "sketch": sketch,
            }
        )
    return values


Touched = set[tuple[str, str]]  # (dim, key) of products/producers whose region rows changed


def _write_region(
    session: so.Session,
    code: int,
    month: dt.date,
    parts: sa.Select[Any],
    summed: sa.CompoundSelect[Any],
    values: Values | None,
) -> Touched:
    """Replace a province's month: ``parts`` gives the sketched rows' parts, ``summed`` the
    products', producers' and days' rows already added up (inserted without leaving the
    database) — of the products and producers, only ``values`` (None: every one). The values
    whose row changed (came, went or moved): only those change in the country's month — when
    four clubs sold again, their few dozen products, not the province's ~2,000."""
    R = rollups.RegionSketch
    figures = [getattr(R, name) for name in SUMS]
    where = [R.province_code == code, R.month == month]
    if values is not None:
        where.append(sa.or_(R.dim.in_((*SKETCHED_DIMS, DAY)), _among(R, values)))
    gone = session.execute(
        sa.delete(R)
        .where(*where)
        .returning(R.dim, R.key, *figures)
        .execution_options(synchronize_session=False)
    )
    before = {tuple(row) for row in gone if row[0] in SUMMED_DIMS}
    _insert_many(session, R, merge_region(code, month, session.execute(parts)))
    columns = ["province_code", "month", "dim", "key", *SUMS]
    made = session.execute(
        sa.insert(R).from_select(columns, summed).returning(R.dim, R.key, *figures)
    )
    after = {tuple(row) for row in made}
    return {(dim, key) for dim, key, *_figures in before ^ after}


def _among(model: Any, values: Values) -> sa.ColumnElement[bool]:
    """``model``'s (dim, key) is one of ``values`` (per dim: ``key IN (...)``, an index range)."""
    by_dim: dict[str, list[str]] = defaultdict(list)
    for dim, key in sorted(values):
        by_dim[dim].append(key)
    if not by_dim:
        return sa.false()
    return sa.or_(*(sa.and_(model.dim == dim, model.key.in_(keys)) for dim, keys in by_dim.items()))


def _delete(session: so.Session, statement: sa.Delete) -> None:
    session.execute(statement.execution_options(synchronize_session=False))


def _write_country(session: so.Session, month: dt.date, touched: Touched | None) -> None:
    """The country's month from the provinces': the few-valued breakdowns merged again whole,
    products and producers only those ``touched`` (None: every one) — a province's change
    rewrites its ~2,000 values, not the country's ~60,000."""
    R = rollups.RegionSketch
    national = [R.province_code == rollups.NATIONAL, R.month == month]
    provinces = [R.province_code != rollups.NATIONAL, R.month == month]
    figures = [getattr(R, name) for name in SUMS]
    _delete(session, sa.delete(R).where(*national, R.dim.in_(SKETCHED_DIMS)))
    parts = sa.select(R.dim, R.key, *figures, R.sketch).where(*provinces, R.dim.in_(SKETCHED_DIMS))
    _insert_many(session, R, merge_region(rollups.NATIONAL, month, session.execute(parts)))
    columns = ["province_code", "month", "dim", "key", *SUMS]
    summed = sa.select(
        sa.literal(rollups.NATIONAL),
        sa.literal(month, sa.Date),
        R.dim,
        R.key,
        *(sa.func.sum(column) for column in figures),
    ).group_by(R.dim, R.key)
    if touched is None:
        _delete(session, sa.delete(R).where(*national, R.dim.in_(SUMMED_DIMS)))
        session.execute(
            sa.insert(R).from_select(columns, summed.where(*provinces, R.dim.in_(SUMMED_DIMS)))
        )
        return
    for dim in SUMMED_DIMS:
        keys = sorted(key for d, key in touched if d == dim)
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            _delete(session, sa.delete(R).where(*national, R.dim == dim, R.key.in_(chunk)))
            session.execute(
                sa.insert(R).from_select(
                    columns, summed.where(*provinces, R.dim == dim, R.key.in_(chunk))
                )
            )


def custom_plans(session: so.Session) -> None:
    """Plan each statement of this transaction for its values (PostgreSQL). The driver prepares
    a statement run five times, and the server may then plan it once for any values: for
    ``key IN (1,000 values)`` of one region's month that generic plan walked the region's whole
    breakdown, 1.1 s per statement against 4 ms planned for the values (bench/national)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _members(session: so.Session, codes: Collection[int]) -> dict[int, list[int]]:
    """The clubs of each province code (NO_PROVINCE: clubs with none)."""
    Club = orgs.Club
    named = sorted(code for code in codes if code != rollups.NO_PROVINCE)
    where = [Club.province_code.in_(named)]
    if rollups.NO_PROVINCE in codes:
        where.append(Club.province_code.is_(None))
    out: dict[int, list[int]] = defaultdict(list)
    for club_id, code in session.execute(
        sa.select(Club.id, Club.province_code).where(sa.or_(*where)).order_by(Club.id)
    ):
        out[rollups.NO_PROVINCE if code is None else int(code)].append(int(club_id))
    return out


KEYED_AT_MOST = 1000  # more changed products/producers than this: the province's month whole


def remake_regions(
    session: so.Session,
    regions: Collection[tuple[int, dt.date]],
    changed: Mapping[tuple[int, dt.date], Values] | None = None,
) -> None:
    """Add up each (province, month) from its clubs' rows, then the country's months from the
    provinces'. ``changed``: the products and producers that may have changed in a province's
    month (its remade cells' values, before and after); only those are added up again there
    (its few-valued breakdowns and days always whole). A month not in it is added up whole."""
    S, D = rollups.SalesMonth, rollups.SalesDay
    changed = changed or {}
    provinces = sorted((code, month) for code, month in regions if code != rollups.NATIONAL)
    members = _members(session, {code for code, _month in provinces})
    touched: dict[dt.date, Touched] = defaultdict(set)
    for code, month in provinces:
        _lock(session, code, month)
        # the province's clubs by id: each club's month is a range of the primary key
        clubs = members.get(code, [])
        where = [S.club_id.in_(clubs), S.month == month]
        figures = [getattr(S, name) for name in SUMS]
        parts = sa.select(S.dim, S.key, *figures, S.sketch).where(*where, S.dim.in_(SKETCHED_DIMS))
        region = (sa.literal(code), sa.literal(month, sa.Date))
        values = changed.get((code, month))
        if values is not None and len(values) > KEYED_AT_MOST:
            values = None
        summed_months = (
            sa.select(*region, S.dim, S.key, *(sa.func.sum(column) for column in figures))
            .where(
                *where,
                S.dim.in_(MONTH_SUMMED_DIMS) if values is None else _among(S, values),
            )
            .group_by(S.dim, S.key)
        )
        following = cells.next_month(month)
        in_month = [D.club_id.in_(clubs), D.day >= month]
        if following is not None:
            in_month.append(D.day < following)
        summed_days = (
            sa.select(
                *region,
                sa.literal(DAY),
                _day_key_sql(session, D.day),
                *(sa.func.sum(getattr(D, name)) for name in SUMS),
            )
            .where(*in_month)
            .group_by(D.day)
        )
        summed = sa.union_all(summed_months, summed_days)
        touched[month] |= _write_region(session, code, month, parts, summed, values)
    for month in sorted({month for _, month in regions}):
        _lock(session, rollups.NATIONAL, month)
        everything = (rollups.NATIONAL, month) in regions  # asked for the whole country's
        _write_country(session, month, None if everything else touched[month])


def refresh(
    session: so.Session,
    now: clock.Clock = clock.utcnow,
    batch: int = BATCH,
    max_rounds: int = MAX_ROUNDS,
    progress: Callable[[Refreshed], None] | None = None,
) -> Refreshed:
    """Remake stale cells round by round until none is left to claim (or ``max_rounds``)."""
    done = Refreshed()
    while done.rounds < max_rounds:
        with uow.unit_of_work(session):
            claimed = claim(session, now(), batch)
        with uow.unit_of_work(session):
            custom_plans(session)
            regions = _claim_regions(session)
            if not claimed and not regions:
                break
            targets = [(club, month) for club, month, _ in claimed]
            values = remake_cells(session, targets)
            _release(session, claimed)
            changed: dict[tuple[int, dt.date], Values] = {}
            for region, region_cells in _cells_by_region(session, targets).items():
                if region not in regions:  # a region marked itself is added up whole
                    changed[region] = set().union(*(values.get(c, set()) for c in region_cells))
            regions |= set(changed)
            remake_regions(session, regions, changed)
        done.cells += len(claimed)
        done.regions += len(regions)
        done.rounds += 1
        if progress is not None:
            progress(done)
    return done


def order_months(session: so.Session, club_ids: Collection[int] | None = None) -> set[cells.Cell]:
    """Every (club, month) that has orders: one indexed look-up per such month (a club with an
    order in year 1 and the rest in 2026 costs two months, not 24,000)."""
    Ord = order_models.Order
    stmt = sa.select(Ord.club_id).distinct()
    if club_ids is not None:
        stmt = stmt.where(Ord.club_id.in_(sorted(club_ids)))
    out: set[cells.Cell] = set()
    for club_id in session.scalars(stmt):
        since: dt.datetime | None = None
        while True:
            first = sa.select(sa.func.min(Ord.placed_at)).where(Ord.club_id == club_id)
            if since is not None:
                first = first.where(Ord.placed_at >= since)
            placed = session.scalar(first)
            if placed is None:
                break
            month = cells.month_of(placed)
            out.add((int(club_id), month))
            following = cells.next_month(month)
            if following is None:
                break
            since = cells.month_window(following)[0]
    return out


@uow.transactional
def mark_all(session: so.Session, club_ids: Collection[int] | None = None) -> int:
    """Throw away the clubs' aggregates and mark every month they sold in stale (the refresh
    job, on as many workers as there are, remakes them). The number of cells marked."""
    S, D = rollups.SalesMonth, rollups.SalesDay
    targets = order_months(session, club_ids)
    regions: set[tuple[int, dt.date]] = set()
    for model in (S, D):
        stmt = sa.delete(model).execution_options(synchronize_session=False)
        if club_ids is not None:
            stmt = stmt.where(model.club_id.in_(sorted(club_ids)))
        session.execute(stmt)
    regions = {(code, month) for code, month in regions_of(session, targets)}
    if club_ids is None:
        session.execute(
            sa.delete(rollups.RegionSketch).execution_options(synchronize_session=False)
        )
    stale.mark(session, targets, regions)
    return len(targets)
