"""The live selling desk in the browser, on both databases: two staff confirming the same
comment at the same moment make one order, and a Facebook live from start to end — the Page
connected through the sandbox's consent dialog, the session set on air (a real worker runs
the capture), comments arriving on the desk without a reload, orders confirmed by click and
by key and held, the holds run out (the clock moved, not waited for) and released once, and
the session's report counting the orders that stayed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
from playwright.sync_api import Locator, Page, expect

from app import extensions
from app.core import clock
from app.live import common as live_common
from app.live import holds
from app.models import accounts, catalog, live, orders
from app.models import comments as models
from app.orders import recording
from sandbox import core, livechat
from tests import conftest
from tests.e2e import conftest as e2e
from tests.support import workers

pytestmark = pytest.mark.e2e

FB_TITLE = "Live Facebook chốt đơn từ đầu đến cuối"
HOLD_MINUTES = 15
COORDINATOR = e2e.DEMO_USERS[accounts.Role.COORDINATOR]
SELLER = e2e.DEMO_USERS[accounts.Role.SELLER]


@dataclasses.dataclass
class Stack:
    """The app (served), its database URL and folder, and the Facebook live chat sandbox."""

    app: flask.Flask
    url: str
    db_url: str
    folder: Path
    chat: livechat.LiveChat
    sandbox_url: str
    session_id: int  # the Facebook session
    codes: tuple[str, str]  # its two slots' codes
    prices: tuple[int, int]  # and live prices


def _facebook_session(app: flask.Flask) -> tuple[int, tuple[str, str], tuple[int, int]]:
    """A planned Facebook session of the demo club, on now, selling two demo products whose
    stock is set to 10 and 5."""
    with app.app_context():
        db = extensions.session()
        desk_show = db.scalars(
            sa.select(live.LiveSession).where(live.LiveSession.platform == "youtube")
        ).one()
        products = db.scalars(sa.select(catalog.Product).order_by(catalog.Product.id)).all()[3:5]
        starts = clock.utcnow() - dt.timedelta(minutes=5)
        show = live.LiveSession(
            club_id=desk_show.club_id,
            title=FB_TITLE,
            platform="facebook",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
        )
        codes, prices = ("FA1", "FB2"), (89_000, 125_000)
        for position, (product, code, price, stock) in enumerate(
            zip(products, codes, prices, (10, 5), strict=True)
        ):
            variant = product.variants[0]
            variant.stock = stock
            show.slots.append(
                live.LiveSlot(
                    position=position,
                    product_id=product.id,
                    variant_id=variant.id,
                    start_offset_s=position * 1200,
                    length_s=1200,
                    live_price=price,
                    code=code,
                )
            )
        db.add(show)
        db.commit()
        session_id = show.id
        extensions.db.session.remove()
    return session_id, codes, prices


def _script(codes: tuple[str, str]) -> list[livechat.Scripted]:
    """What the viewers write: three orders and some chatter in the first seconds, and a last
    word an hour later (the live stays on air until the session ends)."""
    first, second = codes
    return [
        livechat.Scripted(1, "comment", "fb1", f"chốt 2 {first}", "u0001", "Lan Phạm"),
        livechat.Scripted(1, "comment", "fb2", "đẹp quá shop ơi", "u0002", "Minh Anh"),
        livechat.Scripted(2, "comment", "fb3", f"{second} x1 sđt 0912 345 678", "u0003", "Hoa"),
        livechat.Scripted(3, "comment", "fb4", f"lấy 1 {first} nha shop", "u0004", "Tuấn"),
        livechat.Scripted(3600, "comment", "fb5", "tạm biệt shop", "u0002", "Minh Anh"),
    ]


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, new_database: e2e.NewDatabase
) -> Iterator[Stack]:
    """The app with the demo club and a Facebook session, and the Facebook live chat sandbox
    (on a clock the test moves), on this round's database backend."""
    folder = tmp_path_factory.mktemp("e2e-desk")
    db_url = new_database(folder)
    app = conftest.make_app(db_url, folder, WTF_CSRF_ENABLED=True)
    e2e.seed_demo(app)
    session_id, codes, prices = _facebook_session(app)
    chat = livechat.LiveChat(_script(codes))
    with core.Server(livechat.FacebookLive(chat)) as sandbox, e2e.serving(app) as url:
        yield Stack(app, url, db_url, folder, chat, sandbox.url, session_id, codes, prices)


@pytest.fixture(scope="module")
def live_server(stack: Stack) -> e2e.LiveServer:
    """This module's app for the shared page fixtures (``new_page`` opens pages on it)."""
    return e2e.LiveServer(stack.url, dict(e2e.DEMO_USERS))


def _full_name(username: str) -> str:
    user = extensions.session().scalar(
        sa.select(accounts.User).where(accounts.User.username == username)
    )
    assert user is not None
    return user.full_name


def _stock(variant_id: int) -> int:
    variant = extensions.session().get(catalog.Variant, variant_id)
    assert variant is not None
    extensions.session().refresh(variant)
    return int(variant.stock)


def _row(page: Page, said: str) -> Locator:
    return page.get_by_test_id("desk-row").filter(has_text=said)


# --- two staff, one comment ---------------------------------------------------------------


def test_two_staff_confirming_one_comment_at_once_make_one_order(
    stack: Stack, new_page: e2e.NewPage
) -> None:
    with stack.app.app_context():
        show = (
            extensions.session()
            .scalars(sa.select(live.LiveSession).where(live.LiveSession.platform == "youtube"))
            .one()
        )
        session_id, slot = show.id, min(show.slots, key=lambda s: s.position)
        variant = slot.sold_variant
        assert variant is not None
        variant_id, code, stock_before = variant.id, slot.code, _stock(variant.id)
        names = {username: _full_name(username) for username in (COORDINATOR, SELLER)}
        extensions.db.session.remove()
    desk = f"/live/sessions/{session_id}/desk"
    said = f"chốt 2 {code} nhé"

    first, second = new_page(), new_page()
    e2e.sign_in(first, COORDINATOR)
    e2e.sign_in(second, SELLER)
    first.goto(desk)
    first.fill("textarea[name=comments]", f"Vy Trần: {said}")
    first.get_by_test_id("desk-manual-add").click()
    expect(first.get_by_text("Đã thêm 1 bình luận.")).to_be_visible()
    second.goto(desk)
    for page in (first, second):
        expect(_row(page, said).get_by_test_id("desk-confirm")).to_be_visible()

    # Both press "Chốt đơn" at the same moment (a script click each: no waiting in between).
    for page in (first, second):
        _row(page, said).get_by_test_id("desk-confirm").evaluate("button => button.click()")
    for page in (first, second):
        expect(_row(page, said)).to_have_attribute("data-state", "confirmed")
        expect(_row(page, said).get_by_test_id("desk-done")).to_contain_text("Đã chốt")

    told = [
        page for page in (first, second) if _row(page, said).get_by_test_id("desk-notice").count()
    ]
    assert len(told) == 1, "exactly one of the two is told someone else confirmed it"
    winner = SELLER if told[0] is first else COORDINATOR

    with stack.app.app_context():
        db = extensions.session()
        comment = db.scalars(
            sa.select(models.LiveComment).where(models.LiveComment.text == said)
        ).one()
        made = db.scalars(sa.select(orders.Order).where(orders.Order.buyer_name == "Vy Trần")).all()
        assert len(made) == 1 and comment.order_id == made[0].id
        assert [(line.quantity, line.variant_id) for line in made[0].lines] == [(2, variant_id)]
        assert comment.decided_by is not None and comment.decided_by.username == winner
        assert _stock(variant_id) == stock_before - 2, "the stock moved once"
        order_code = made[0].external_id
        extensions.db.session.remove()
    expect(told[0].locator("[data-testid=desk-row] [data-testid=desk-notice]")).to_have_text(
        f"{names[winner]} đã chốt bình luận này vào đơn {order_code}."
    )

    # One desk confirms; the other shows it confirmed without reloading or acting.
    later = f"lấy 1 {code}"
    second.evaluate("window.deskNotReloaded = true")
    first.fill("textarea[name=comments]", f"Hà Phạm: {later}")
    first.get_by_test_id("desk-manual-add").click()
    for page in (first, second):
        expect(_row(page, later)).to_have_attribute("data-state", "new")
    _row(first, later).get_by_test_id("desk-confirm").click()
    expect(_row(first, later)).to_have_attribute("data-state", "confirmed")
    expect(_row(second, later)).to_have_attribute("data-state", "confirmed")
    expect(_row(second, later).get_by_test_id("desk-done")).to_contain_text("Đã chốt")
    assert second.evaluate("window.deskNotReloaded") is True


# --- a Facebook live from start to end --------------------------------------------------------


def _connect_facebook_page(page: Page, stack: Stack) -> None:
    """The coordinator connects the club's Page: the app's id and secret, then Facebook's
    (the sandbox's) consent dialog, which sends the browser back to the app."""
    dialog: list[str] = []
    page.on(
        "request",
        lambda request: (
            dialog.append(request.url)
            if request.url.startswith(f"{stack.sandbox_url}/{livechat.FB_VERSION}/dialog/oauth")
            else None
        ),
    )
    page.goto("/live/comment-accounts")
    page.fill("input[name=app_id]", livechat.DEMO_APP_ID)
    page.fill("input[name=app_secret]", livechat.DEMO_APP_SECRET)
    page.fill("input[name=api_base_url]", stack.sandbox_url)
    page.fill("input[name=authorize_url_base]", stack.sandbox_url)
    page.get_by_test_id("facebook-connect").click()
    expect(page).to_have_url(re.compile(r"/live/comment-accounts$"))
    expect(page.get_by_text("Đã kết nối Trang HTX Nước mắm Móng Cái.")).to_be_visible()
    assert len(dialog) == 1, "the browser went through the consent dialog"
    expect(page.get_by_test_id("comment-accounts")).to_contain_text("HTX Nước mắm Móng Cái")

    page.fill("input[name=hold_minutes]", str(HOLD_MINUTES))
    page.get_by_test_id("desk-settings-save").click()
    expect(page.get_by_text("Đã lưu cài đặt bàn chốt đơn.")).to_be_visible()


def _later(*, minutes: int) -> clock.Clock:
    """A clock ``minutes`` ahead of the real one."""
    return lambda: clock.utcnow() + dt.timedelta(minutes=minutes)


def _held_until(db: so.Session, order_id: int) -> dt.datetime:
    """The order's hold, in Vietnam time."""
    order = db.get(orders.Order, order_id)
    assert order is not None and order.hold_until is not None
    return live_common.to_local(order.hold_until)


def _variant_id(slot: live.LiveSlot) -> int:
    variant = slot.sold_variant
    assert variant is not None
    return variant.id


def _slot_figure(page: Page, code: str) -> Locator:
    return page.get_by_test_id("desk-slots").locator("li").filter(has_text=code)


def test_a_facebook_live_from_start_to_end(stack: Stack, new_page: e2e.NewPage) -> None:
    first, second = stack.codes
    said = {
        key: event.text
        for key, event in zip(("a", "chatter", "b", "c"), stack.chat.script[:4], strict=True)
    }
    coordinator, seller = new_page(), new_page()
    e2e.sign_in(coordinator, COORDINATOR)
    e2e.sign_in(seller, SELLER)
    _connect_facebook_page(coordinator, stack)

    worker = e2e.start_worker(stack.db_url, stack.folder, "e2e-desk", queues="live")
    try:
        coordinator.goto(f"/live/sessions/{stack.session_id}")
        coordinator.get_by_test_id("status-live").click()
        expect(coordinator.get_by_test_id("session-title")).to_contain_text("Đang live")

        seller.goto(f"/live/sessions/{stack.session_id}/desk")
        expect(seller.get_by_test_id("desk-capture")).to_contain_text("HTX Nước mắm Móng Cái")
        seller.evaluate("window.__sameDocument = true")

        # The viewers write; the capture reads them and the desk shows them as they come.
        stack.chat.advance(5)
        rows = seller.get_by_test_id("desk-row")
        expect(rows).to_have_count(4, timeout=30_000)
        expect(seller.get_by_test_id("desk-comments")).to_have_text("4")
        expect(seller.get_by_test_id("desk-rate")).to_have_text("0,8")  # 4 in five minutes
        expect(_row(seller, said["a"]).get_by_test_id("desk-proposals")).to_contain_text(first)
        expect(_row(seller, said["chatter"]).get_by_test_id("desk-confirm")).to_have_count(0)
        expect(_row(seller, said["b"]).get_by_test_id("desk-phone")).to_have_text("0912345678")

        # Confirmed by a click, by the keyboard (Enter on the focused row), by a click.
        _row(seller, said["a"]).get_by_test_id("desk-confirm").click()
        expect(_row(seller, said["a"]).get_by_test_id("desk-hold")).to_contain_text("giữ hàng đến")
        _row(seller, said["b"]).focus()
        seller.keyboard.press("Enter")
        expect(_row(seller, said["b"])).to_have_attribute("data-state", "confirmed")
        _row(seller, said["c"]).get_by_test_id("desk-confirm").click()
        expect(_row(seller, said["c"]).get_by_test_id("desk-hold")).to_be_visible()
        # Stock left per slot, refreshed in place.
        expect(_slot_figure(seller, first)).to_contain_text("đã bán 3")
        expect(_slot_figure(seller, first)).to_contain_text("còn 7")
        expect(_slot_figure(seller, second)).to_contain_text("còn 4")
        expect(seller.get_by_test_id("desk-orders")).to_have_text("3")
        assert seller.evaluate("window.__sameDocument") is True, "no reload"

        with stack.app.app_context():
            db = extensions.session()
            by_text = {
                row.text: row
                for row in db.scalars(
                    sa.select(models.LiveComment).where(
                        models.LiveComment.session_id == stack.session_id
                    )
                )
            }
            assert len(by_text) == 4 and all(
                row.origin is models.CommentOrigin.CAPTURE for row in by_text.values()
            )
            order_ids: dict[str, int] = {}
            for key in ("a", "b", "c"):
                row = by_text[said[key]]
                assert row.order is not None and row.order.hold_until is not None, key
                assert row.decided_at is not None
                held_for = recording.aware(row.order.hold_until) - recording.aware(row.decided_at)
                assert held_for == dt.timedelta(minutes=HOLD_MINUTES), key
                order_ids[key] = row.order.id
            hold_a = _held_until(db, order_ids["a"])
            show = db.get(live.LiveSession, stack.session_id)
            assert show is not None
            variants = {slot.code: _variant_id(slot) for slot in show.slots}
            extensions.db.session.remove()
        expect(_row(seller, said["a"]).get_by_test_id("desk-hold")).to_have_text(
            f"giữ hàng đến {hold_a:%H:%M}"
        )

        # The buyer of the second order pays; the coordinator marks it on the order's page.
        coordinator.goto(f"/orders/{order_ids['b']}")
        coordinator.select_option("select[name=status]", "paid")
        coordinator.get_by_test_id("status-submit").click()
        expect(coordinator.get_by_test_id("order-status")).to_contain_text("Đã thanh toán")

        # Time moves on (the clock handed to the chore, not a wait): before the hold
        # time nothing is released; past it, the two unpaid orders are reminded, and past
        # the reminder time released, exactly once.
        with stack.app.app_context():
            db = extensions.session()
            assert holds.release_due(db, now=_later(minutes=5)) == []
            assert holds.release_due(db, now=_later(minutes=HOLD_MINUTES + 1)) == []
            reminded = db.scalars(
                sa.select(orders.Order.id).where(orders.Order.payment_reminded_at.is_not(None))
            ).all()
            assert sorted(reminded) == sorted([order_ids["a"], order_ids["c"]])
            past_hold = _later(minutes=HOLD_MINUTES + holds.DEFAULT_REMINDER_MINUTES + 2)
            released = holds.release_due(db, now=past_hold)
            assert sorted(released) == sorted([order_ids["a"], order_ids["c"]])
            assert holds.release_due(db, now=past_hold) == []
            statuses = {
                key: db.scalars(
                    sa.select(orders.Order.status).where(orders.Order.id == order_id)
                ).one()
                for key, order_id in order_ids.items()
            }
            assert statuses == {
                "a": orders.OrderStatus.CANCELLED,
                "b": orders.OrderStatus.PAID,
                "c": orders.OrderStatus.CANCELLED,
            }
            assert _stock(variants[first]) == 10, "the held units came back, once"
            assert _stock(variants[second]) == 4, "the paid order keeps its unit"
            extensions.db.session.remove()

        # The desk follows without a reload: one order left, the units back on the slot.
        expect(seller.get_by_test_id("desk-orders")).to_have_text("1")
        expect(_slot_figure(seller, first)).to_contain_text("còn 10")
        expect(_slot_figure(seller, second)).to_contain_text("còn 4")
        coordinator.goto(f"/orders/{order_ids['a']}")
        expect(coordinator.get_by_test_id("status-history")).to_contain_text(
            "Hết thời gian giữ hàng"
        )

        # The coordinator ends the session: the capture stops.
        coordinator.goto(f"/live/sessions/{stack.session_id}")
        coordinator.get_by_test_id("status-ended").click()
        expect(coordinator.get_by_test_id("session-title")).to_contain_text("Đã kết thúc")
        seller.reload()
        expect(seller.get_by_test_id("desk-capture")).to_contain_text("Đã dừng")
        expect(_row(seller, said["a"]).get_by_test_id("desk-hold")).to_have_count(0)
    finally:
        workers.stop(worker)

    # The report counts the orders that stayed (released holds are cancelled orders: they
    # are in GMV, as the platforms count it, and not in orders, units or net GMV).
    coordinator.goto(f"/live/sessions/{stack.session_id}")
    coordinator.get_by_test_id("open-report").click()
    expect(coordinator).to_have_url(re.compile(rf"/reports/sessions/{stack.session_id}$"))
    price = dict(zip(stack.codes, stack.prices, strict=True))
    shown = {
        "orders": "1",
        "units": "1",
        "buyers": "1",
        "net_gmv": _vnd(price[second]),
        "gmv": _vnd(3 * price[first] + price[second]),
    }
    for key, value in shown.items():
        card = coordinator.get_by_test_id(f"metric-{key}").locator(".report-card-value")
        expect(card).to_have_text(value)


def _vnd(amount: int) -> str:
    """Money as the Vietnamese pages show it: 1.090.000 ₫."""
    return f"{amount:,} ₫".replace(",", ".")
