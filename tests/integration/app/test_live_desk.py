"""The live selling desk on both databases: proposals from the run-of-show, one order per
viewer per session (merged while placed), stock taken at confirmation, one comment confirmed
once even by two staff at the same moment."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import flask
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from app import extensions
from app.core import errors
from app.live import desk, holds
from app.models import catalog, live, orders
from app.models import comments as models
from tests import conftest
from tests.integration.app import test_orders_import as order_tests

UTC = dt.UTC


@dataclasses.dataclass
class Desk:
    app: flask.Flask
    shop: order_tests.Shop
    people: conftest.People

    def as_(self, role: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        user = conftest.user_named(self.people.username(role))
        return fn(extensions.session(), user, *args, **kwargs)

    def comment(self, text: str, *, author: str = "UC-lan", minute: int = 5) -> int:
        row = models.LiveComment(
            club_id=self.club_id(),
            session_id=self.shop.session_id,
            origin=models.CommentOrigin.CAPTURE,
            platform="tiktok",
            live_id="live-1",
            comment_id=f"c{text}{author}{minute}",
            author_id=author,
            author_name=author.removeprefix("UC-").title(),
            text=text,
            commented_at=order_tests.STARTS + dt.timedelta(minutes=minute),
        )
        extensions.session().add(row)
        extensions.session().commit()
        return row.id

    def club_id(self) -> int:
        found = extensions.session().get(live.LiveSession, self.shop.session_id)
        assert found is not None
        return found.club_id

    def stock(self, sku: str) -> int:
        return int(
            extensions.session().scalar(
                sa.select(catalog.Variant.stock).where(catalog.Variant.sku == sku)
            )
            or 0
        )


@pytest.fixture
def board(app: flask.Flask, people: conftest.People) -> Desk:
    shop = order_tests.make_shop(app, people)
    with app.app_context():
        session = extensions.session()
        nm500 = session.scalar(sa.select(catalog.Variant).where(catalog.Variant.sku == "NM-500"))
        che = session.scalar(sa.select(catalog.Variant).where(catalog.Variant.sku == "CHE-100"))
        assert nm500 is not None and che is not None
        nm500.stock, che.stock = 10, 5
        plan = [
            (shop.mine_product_id, nm500, "NM1", 79_000),
            (shop.other_product_id, che, "CH2", 50_000),
        ]
        for position, (product_id, variant, code, price) in enumerate(plan):
            session.add(
                live.LiveSlot(
                    session_id=shop.session_id,
                    product_id=product_id,
                    variant_id=variant.id,
                    start_offset_s=1200 * position,
                    length_s=1200,
                    live_price=price,
                    code=code,
                    position=position,
                )
            )
        session.commit()
    return Desk(app, shop, people)


def test_the_feed_proposes_lines_from_the_run_of_show(board: Desk) -> None:
    with board.app.app_context():
        coded = board.comment("chốt 2 nm1 nha, sđt 0912 345 678")
        on_air = board.comment("chot 3 hu", minute=25)  # CH2 is on air at minute 25
        chatter = board.comment("shop ơi ship Hà Nội không")
        items = {i.comment.id: i for i in board.as_("seller", desk.feed, board.shop.session_id)}
        first = items[coded]
        assert [(p.code, p.quantity, p.amount, p.from_slot_on_air) for p in first.proposals] == [
            ("NM1", 2, 158_000, False)
        ]
        assert first.phone == "0912345678"
        assert [(p.code, p.quantity, p.from_slot_on_air) for p in items[on_air].proposals] == [
            ("CH2", 3, True)
        ]
        assert items[chatter].proposals == ()
        later = board.as_("seller", desk.feed, board.shop.session_id, after_id=coded)
        assert [i.comment.id for i in later] == [on_air, chatter]


def test_confirming_makes_one_order_per_viewer_and_takes_the_stock(board: Desk) -> None:
    with board.app.app_context():
        first = board.as_("seller", desk.confirm, board.comment("NM1 x2"))
        assert first.status is orders.OrderStatus.PLACED
        assert first.session_id == board.shop.session_id
        assert [(line.seller_sku, line.quantity, line.amount) for line in first.lines] == [
            ("NM-500", 2, 158_000)
        ]
        assert board.stock("NM-500") == 8
        # The same viewer again: merged into the open order.
        merged = board.as_("seller", desk.confirm, board.comment("lấy 1 CH2", minute=30))
        assert merged.id == first.id
        assert sorted((line.seller_sku, line.quantity) for line in merged.lines) == [
            ("CHE-100", 1),
            ("NM-500", 2),
        ]
        assert (board.stock("NM-500"), board.stock("CHE-100")) == (8, 4)
        # Another viewer: an order of their own.
        other = board.as_("seller", desk.confirm, board.comment("NM1", author="UC-hoa"))
        assert other.id != first.id and board.stock("NM-500") == 7
        # Once paid, the viewer's next confirmed comment starts a new order.
        first.status = orders.OrderStatus.PAID
        extensions.session().commit()
        again = board.as_("seller", desk.confirm, board.comment("NM1 1", minute=40))
        assert again.id != first.id and again.external_id.endswith("-2")
        rows = extensions.session().scalars(sa.select(models.LiveComment)).all()
        assert {r.state for r in rows} == {models.DeskState.CONFIRMED}


def test_a_confirmed_or_dismissed_comment_is_not_confirmed_again(board: Desk) -> None:
    with board.app.app_context():
        comment = board.comment("NM1 2")
        board.as_("seller", desk.confirm, comment)
        with pytest.raises(errors.Conflict):
            board.as_("coordinator", desk.confirm, comment)
        dismissed = board.comment("NM1 1", author="UC-hoa")
        board.as_("seller", desk.dismiss, dismissed)
        with pytest.raises(errors.Conflict):
            board.as_("seller", desk.confirm, dismissed)
        with pytest.raises(errors.ValidationError):
            board.as_("seller", desk.confirm, board.comment("xin chào"))
        assert board.stock("NM-500") == 8
        with pytest.raises(errors.Conflict):  # more than the stock: the whole write refused
            board.as_("seller", desk.confirm, board.comment("NM1 9", author="UC-tu"))
        assert board.stock("NM-500") == 8


def test_a_taken_comment_is_shown_taken_to_the_others_for_a_while(board: Desk) -> None:
    with board.app.app_context():
        comment = board.comment("NM1")
        now = dt.datetime(2026, 6, 21, 13, 10, tzinfo=UTC)
        taken = board.as_("seller", desk.take, comment, now=lambda: now)
        assert taken.state is models.DeskState.TAKEN
        with pytest.raises(errors.Conflict):
            board.as_("coordinator", desk.confirm, comment, now=lambda: now)
        later = now + dt.timedelta(seconds=desk.TAKE_SECONDS + 1)
        order = board.as_("coordinator", desk.confirm, comment, now=lambda: later)
        assert order.lines[0].quantity == 1


def test_two_staff_confirming_one_comment_at_once_make_one_order(
    board: Desk, db_url: str, app_factory: Any
) -> None:
    with board.app.app_context():
        comment = board.comment("NM1 2")
    barrier = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []
    apps = [app_factory(db_url) for _ in range(2)]

    def attempt(index: int, role: str) -> None:
        with apps[index].app_context():
            user = conftest.user_named(board.people.username(role))
            session = extensions.session()
            session.execute(sa.select(models.LiveComment.id)).all()
            barrier.wait()
            try:
                desk.confirm(session, user, comment)
                outcomes.append("ok")
            except errors.Conflict:
                outcomes.append("conflict")

    threads = [
        threading.Thread(target=attempt, args=(i, role))
        for i, role in enumerate(("seller", "coordinator"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    with board.app.app_context():
        assert extensions.session().scalar(sa.select(sa.func.count(orders.Order.id))) == 1
        assert board.stock("NM-500") == 8


def test_a_confirmed_order_holds_its_units_until_the_clubs_time_then_releases_them_once(
    board: Desk,
) -> None:
    t0 = dt.datetime(2026, 6, 21, 13, 10, tzinfo=UTC)
    with board.app.app_context():
        held = board.as_("seller", desk.confirm, board.comment("NM1 x3"), now=lambda: t0)
        assert held.hold_until == t0 + dt.timedelta(minutes=holds.DEFAULT_HOLD_MINUTES)
        paid = board.as_(
            "seller", desk.confirm, board.comment("NM1 x2", author="UC-hoa"), now=lambda: t0
        )
        paid.status = orders.OrderStatus.PAID
        extensions.session().commit()
        assert board.stock("NM-500") == 5
        # Before the time: nothing moves.
        assert holds.release_due(extensions.session(), now=lambda: t0) == []
        # Past the hold, unpaid: reminded once and held for the reminder time more.
        late = t0 + dt.timedelta(minutes=31)
        assert holds.release_due(extensions.session(), now=lambda: late) == []
        assert holds.release_due(extensions.session(), now=lambda: late) == []
        extensions.session().expire_all()
        reminded = extensions.session().get_one(orders.Order, held.id)
        assert reminded.status is orders.OrderStatus.PLACED
        assert reminded.payment_reminded_at == late
        assert reminded.hold_until == late + dt.timedelta(minutes=holds.DEFAULT_REMINDER_MINUTES)
        assert extensions.session().get_one(orders.Order, paid.id).payment_reminded_at is None
        # Still unpaid after it: released, once.
        later = late + dt.timedelta(minutes=holds.DEFAULT_REMINDER_MINUTES)
        assert holds.release_due(extensions.session(), now=lambda: later) == [held.id]
        assert holds.release_due(extensions.session(), now=lambda: later) == []  # once
        extensions.session().expire_all()
        released = extensions.session().get(orders.Order, held.id)
        assert released is not None and released.status is orders.OrderStatus.CANCELLED
        assert released.hold_until is None
        assert released.status_changes[-1].via is orders.StatusChangeVia.HOLD_EXPIRED
        assert board.stock("NM-500") == 8  # the three held units back, the paid two sold


def test_the_clubs_hold_time_is_its_own(board: Desk) -> None:
    with board.app.app_context():
        board.as_("coordinator", holds.save_settings, hold_minutes=10, reminder_minutes=0)
        t0 = dt.datetime(2026, 6, 21, 13, 10, tzinfo=UTC)
        order = board.as_("seller", desk.confirm, board.comment("NM1"), now=lambda: t0)
        assert order.hold_until == t0 + dt.timedelta(minutes=10)
        with pytest.raises(errors.ValidationError):
            board.as_("coordinator", holds.save_settings, hold_minutes=1)
        with pytest.raises(errors.ValidationError):
            board.as_("coordinator", holds.save_settings, hold_minutes=10, reminder_minutes=-1)
        # No reminder time: released as soon as the hold runs out.
        due = t0 + dt.timedelta(minutes=10)
        assert holds.release_due(extensions.session(), now=lambda: due) == [order.id]


def test_a_sold_out_slot_puts_comments_on_the_waitlist_offered_in_order(board: Desk) -> None:
    t0 = dt.datetime(2026, 6, 21, 13, 10, tzinfo=UTC)
    with board.app.app_context():
        first = board.as_("seller", desk.confirm, board.comment("NM1 x9"), now=lambda: t0)
        late = [board.comment("NM1 x2", author=f"UC-{n}", minute=6 + n) for n in range(3)]
        for comment in late:
            with pytest.raises(errors.Conflict, match="danh sách chờ"):
                board.as_("seller", desk.confirm, comment, now=lambda: t0)
        waiting = board.as_("seller", desk.waitlist, board.shop.session_id)
        assert [w.item.comment.id for w in waiting] == late
        assert [w.available for w in waiting] == [False, False, False]  # 1 left, 2 wanted
        # The first order's hold runs out (reminded, then released): 9 units back, offered
        # in the order they came.
        for moment in (t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=2)):
            holds.release_due(extensions.session(), now=lambda at=moment: at)
        board.as_("coordinator", holds.save_settings, hold_minutes=30)
        waiting = board.as_("seller", desk.waitlist, board.shop.session_id)
        assert [w.available for w in waiting] == [True, True, True]  # 10 left, 3 × 2 wanted
        order = board.as_("seller", desk.confirm, late[0], now=lambda: t0)
        assert order.lines[0].quantity == 2 and first.id != order.id
        assert board.stock("NM-500") == 8
        assert [
            w.item.comment.id for w in board.as_("seller", desk.waitlist, board.shop.session_id)
        ] == late[1:]


def test_a_comment_log_makes_the_same_comment_rows_once(board: Desk, tmp_path: Any) -> None:
    from app.orders import comments as comment_logs

    log = (
        "time,viewer,text\n20:05:10,Lan,chốt 2 NM1\n20:05:10,Lan,chốt 2 NM1\n20:06:00,Hoa,đẹp quá\n"
    ).encode()
    with board.app.app_context():
        for _ in range(2):  # the same log twice: its comments are stored once
            board.as_(
                "coordinator", comment_logs.upload, board.shop.session_id, log, "binh-luan.csv"
            )
        rows = (
            extensions.session()
            .scalars(sa.select(models.LiveComment).order_by(models.LiveComment.commented_at))
            .all()
        )
        assert [(r.author_name, r.text, r.origin) for r in rows] == [
            ("Lan", "chốt 2 NM1", models.CommentOrigin.LOG),
            ("Lan", "chốt 2 NM1", models.CommentOrigin.LOG),
            ("Hoa", "đẹp quá", models.CommentOrigin.LOG),
        ]
        assert rows[0].commented_at.astimezone(UTC).hour == 13  # 20:05 in Vietnam
        # Reviewed as a batch, not on the desk.
        assert board.as_("seller", desk.feed, board.shop.session_id) == []


@dataclasses.dataclass
class WaitClock:
    """A waiting feed read on a clock of its own: each look's nap moves it on, no sleeping."""

    board: Desk
    naps: list[float] = dataclasses.field(default_factory=list)
    moment: float = 0.0

    def nap(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.moment += seconds

    def waits(
        self,
        after_id: int,
        seconds: float,
        *,
        since: dt.datetime | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> bool:
        """``desk.wait_for_new`` as a seller; the naps it took are in ``naps``."""
        self.naps.clear()
        return bool(
            self.board.as_(
                "seller",
                desk.wait_for_new,
                self.board.shop.session_id,
                after_id=after_id,
                seconds=seconds,
                since=since,
                sleep=sleep or self.nap,
                monotonic=lambda: self.moment,
            )
        )


def test_a_waiting_feed_read_answers_when_a_comment_comes_and_gives_up_at_its_bound(
    board: Desk,
) -> None:
    with board.app.app_context():
        first = board.comment("chốt 1 NM1")
        clock_ = WaitClock(board)
        naps, nap = clock_.naps, clock_.nap

        def waits(after_id: int, seconds: float, sleep: Any = None) -> bool:
            return clock_.waits(after_id, seconds, sleep=sleep)

        # Something new already: no wait at all.
        assert waits(0, 10.0) and naps == []
        # Nothing new: a look every WAIT_CHECK_SECONDS until the bound, then no.
        assert not waits(first, 1.0)
        assert sum(naps) == pytest.approx(1.0) and max(naps) <= desk.WAIT_CHECK_SECONDS
        assert not waits(first, 3600.0)
        assert sum(naps) == pytest.approx(desk.WAIT_MAX_SECONDS)
        assert not waits(first, float("nan")) and naps == []
        assert not waits(first, -5.0) and naps == []

        # A comment the capture stores (another connection) while the desk waits is found
        # at the next look: the waiting read holds no transaction that would hide it.
        def capture_stores(seconds: float) -> None:
            nap(seconds)
            if len(naps) == 3:
                stored_elsewhere(board, models.CommentOrigin.CAPTURE, "late")

        assert waits(first, 10.0, capture_stores)
        assert len(naps) == 3
        # A comment read from a comment log is not the feed's: nothing to wake for.
        latest = board.as_("seller", desk.feed, board.shop.session_id, after_id=first)[
            -1
        ].comment.id
        stored_elsewhere(board, models.CommentOrigin.LOG, "from-the-log")
        assert not waits(latest, 1.0)


def stored_elsewhere(board: Desk, origin: models.CommentOrigin, comment_id: str) -> None:
    """A comment saved by another process (a capture worker) on its own connection."""
    with so.Session(extensions.db.engine) as other:
        other.add(
            models.LiveComment(
                club_id=board.club_id(),
                session_id=board.shop.session_id,
                origin=origin,
                platform="facebook",
                live_id="live-2",
                comment_id=comment_id,
                text="chốt 2 NM1",
                commented_at=order_tests.STARTS,
            )
        )
        other.commit()
