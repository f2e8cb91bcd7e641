"""Livestream services on both databases: conflicts (touching, buffer, cancelled, other
streamers, edits, duplicates, un-cancel), time zone round trips, run-of-show rules
(overrun, overlap, codes, discounts, default talking points) and the host screen state."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.core import errors
from app.live import common, conflicts, host, slots, streamers
from app.live import sessions as sessions_service
from app.models import accounts, live
from tests import conftest
from tests.support import catalog as builders

Role = accounts.Role
UTC = dt.UTC


@dataclasses.dataclass
class World:
    app: flask.Flask
    coordinator: str
    seller: str
    streamer_ids: list[int]  # [seller's, coordinator's]
    product_ids: list[int]
    club_id: int

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a service as the coordinator (inside the test's app context)."""
        user = conftest.user_named(self.coordinator)
        return fn(extensions.db.session, user, *args, **kwargs)


def sellers_products(
    app: flask.Flask,
    people: conftest.People,
    products: Iterable[tuple[str, tuple[str, ...], str]],
) -> list[int]:
    """Products of the ``people`` producer that its seller makes: (name, SKUs, description)."""
    return [
        builders.make_product(
            app,
            people.username(Role.SELLER),
            builders.product_data(
                people.producer_id, name=name, skus=skus, description=description
            ),
        )
        for name, skus, description in products
    ]


def build_world(app: flask.Flask, people: conftest.People) -> World:
    coordinator = people.username(Role.COORDINATOR)
    seller = people.username(Role.SELLER)
    product_ids = sellers_products(
        app,
        people,
        (
            (name, (sku, sku + "-L"), f"Câu chuyện: {name} làm thủ công.")
            for name, sku in (
                ("Nước mắm cá cơm Trà Cổ", "NM-500"),
                ("Chè Tân Cương", "CHE-200"),
                ("Mật ong rừng", "MO-300"),
            )
        ),
    )
    with app.app_context():
        user = conftest.user_named(coordinator)
        ids = []
        for username, name in ((seller, "Lan Anh"), (coordinator, "Minh")):
            member = conftest.user_named(username)
            ids.append(
                streamers.create(
                    extensions.db.session,
                    user,
                    {"user_id": member.id, "display_name": name, "platforms": ["tiktok"]},
                ).id
            )
    return World(app, coordinator, seller, ids, product_ids, people.club_id)


@pytest.fixture
def world(app: flask.Flask, people: conftest.People) -> Iterator[World]:
    built = build_world(app, people)
    with app.app_context():
        yield built


def at(hour: int, minute: int = 0, day: int = 5) -> dt.datetime:
    """A UTC time on December ``day`` 2026."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def book(
    world: World,
    start: dt.datetime,
    end: dt.datetime,
    hosts: list[int],
    *,
    title: str = "Phiên tối",
    buffer_min: int = 0,
) -> int:
    row = world.run(
        sessions_service.create,
        {
            "title": title,
            "platform": "tiktok",
            "starts_at": start,
            "ends_at": end,
            "host_ids": hosts,
        },
        buffer_min=buffer_min,
    )
    return int(row.id)


# --- conflicts ---------------------------------------------------------------------------


def test_touching_sessions_do_not_clash_without_buffer(world: World) -> None:
    lan = world.streamer_ids[0]
    book(world, at(13), at(14), [lan], title="Đầu")
    book(world, at(14), at(15), [lan], title="Sau")  # 14:00 end, 14:00 start: fine
    with pytest.raises(errors.Conflict) as caught:
        book(world, at(14, 59), at(16), [lan], title="Chồng")
    assert "Sau" in caught.value.message
    assert "21:00 05/12/2026" in caught.value.message  # the other session, in local time


def test_buffer_exactly_equal_passes_one_minute_short_clashes(world: World) -> None:
    lan = world.streamer_ids[0]
    book(world, at(13), at(14), [lan], title="Phiên một", buffer_min=30)
    book(world, at(14, 30), at(15), [lan], title="Đúng 30 phút", buffer_min=30)
    with pytest.raises(errors.Conflict) as caught:
        book(world, at(12, 1), at(12, 31), [lan], title="Thiếu một phút", buffer_min=30)
    assert "Phiên một" in caught.value.message
    assert caught.value.fields["conflict_session_title"] == ["Phiên một"]


def test_cancelled_sessions_and_other_streamers_never_clash(world: World) -> None:
    lan, minh = world.streamer_ids
    first = book(world, at(13), at(14), [lan], title="Sẽ huỷ")
    book(world, at(13), at(14), [minh], title="Của Minh")  # different streamer: fine
    world.run(sessions_service.set_status, first, "cancelled", buffer_min=0)
    second = book(world, at(13, 30), at(14, 30), [lan], title="Thay thế")
    assert second != first
    # un-cancelling the first would now double-book Lan
    with pytest.raises(errors.Conflict) as caught:
        world.run(sessions_service.set_status, first, "planned", buffer_min=0)
    assert "Thay thế" in caught.value.message
    with world.app.app_context():
        row = extensions.db.session.get(live.LiveSession, first)
        assert row is not None and row.status == live.SessionStatus.CANCELLED


def test_edit_moving_into_a_clash_is_refused_and_nothing_changes(world: World) -> None:
    lan, minh = world.streamer_ids
    book(world, at(13), at(14), [lan], title="Của Lan")
    other = book(world, at(15), at(16), [minh], title="Của Minh")
    # adding Lan as a host is fine at 15:00, moving onto 13:30 is not
    world.run(sessions_service.update, other, {"host_ids": [lan, minh]}, buffer_min=0)
    with pytest.raises(errors.Conflict) as caught:
        world.run(
            sessions_service.update,
            other,
            {"starts_at": at(13, 30), "ends_at": at(14, 30)},
            buffer_min=0,
        )
    assert "Của Lan" in caught.value.message
    with world.app.app_context():
        row = extensions.db.session.get(live.LiveSession, other)
        assert row is not None and row.starts_at == at(15)
    # editing a session against itself is no clash
    world.run(sessions_service.update, other, {"ends_at": at(16, 30)}, buffer_min=30)
    # adding a host who is busy too close to it is a clash as well
    busy = book(world, at(18), at(19), [minh], title="Minh bận")
    world.run(sessions_service.update, busy, {"host_ids": [minh]}, buffer_min=30)
    with pytest.raises(errors.Conflict) as caught:
        world.run(sessions_service.update, busy, {"host_ids": [lan, minh]}, buffer_min=120)
    assert "Lan Anh" in caught.value.message and "Của Minh" in caught.value.message


def test_duplicate_copies_slots_and_hosts_and_is_conflict_checked(world: World) -> None:
    lan = world.streamer_ids[0]
    first = book(world, at(13), at(14), [lan], title="Chợ phiên thứ bảy")
    world.run(slots.add, first, {"product_id": world.product_ids[0], "live_price": 80_000})
    copy = world.run(sessions_service.duplicate, first, days=7, buffer_min=0)
    assert copy.starts_at == at(13, day=12)
    assert [s.code for s in copy.slots] == ["NM1"]
    assert [h.id for h in copy.hosts] == [lan]
    with pytest.raises(errors.Conflict) as caught:
        world.run(sessions_service.duplicate, first, days=7, buffer_min=0)
    assert "Chợ phiên thứ bảy" in caught.value.message
    assert caught.value.fields["conflict_session_id"] == [str(copy.id)]


def test_find_uses_the_database_query(world: World) -> None:
    lan, minh = world.streamer_ids
    book(world, at(13), at(14), [lan])
    with world.app.app_context():
        session = extensions.db.session
        club = world.club_id
        assert conflicts.find(session, club, [minh], at(13), at(14), 0) is None
        assert conflicts.find(session, club, [lan], at(14), at(15), 0) is None
        assert conflicts.find(session, club, [lan], at(14), at(15), 1) is not None
        assert conflicts.find(session, club, [lan, minh], at(12), at(13, 1), 0) is not None


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # row locks are tested
def test_concurrent_bookings_of_one_streamer_only_one_wins(
    world: World, db_url: str, app_factory: Any
) -> None:
    lan = world.streamer_ids[0]
    barrier = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []
    apps = {minute: app_factory(db_url) for minute in (0, 10)}

    def attempt(minute: int) -> None:
        with apps[minute].app_context():
            user = conftest.user_named(world.coordinator)
            session = extensions.db.session
            session.execute(sa.select(live.Streamer.id)).all()  # start the transaction
            barrier.wait()
            try:
                sessions_service.create(
                    session,
                    user,
                    {
                        "title": f"Đua {minute}",
                        "platform": "tiktok",
                        "starts_at": at(13, minute),
                        "ends_at": at(14, minute),
                        "host_ids": [lan],
                    },
                    buffer_min=0,
                )
                outcomes.append("ok")
            except errors.Conflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(m,)) for m in (0, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]


# --- time zone and validation ------------------------------------------------------------


def test_local_time_round_trip(world: World) -> None:
    start = common.local_to_utc(dt.date(2026, 12, 5), dt.time(20, 0))
    assert start == at(13)
    sid = book(world, start, start + dt.timedelta(hours=1), [world.streamer_ids[0]])
    with world.app.app_context():
        row = extensions.db.session.get(live.LiveSession, sid)
        assert row is not None
        assert row.starts_at == at(13)
        assert common.to_local(row.starts_at).strftime("%H:%M") == "20:00"


def test_session_validation_messages(world: World) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        world.run(
            sessions_service.create,
            {
                "title": "",
                "platform": "myspace",
                "starts_at": at(14),
                "ends_at": at(13),
                "host_ids": [],
                "live_url": "javascript:alert(1)",
            },
            buffer_min=0,
        )
    assert set(caught.value.fields) == {"title", "platform", "ends_at", "live_url"}


def test_status_transitions(world: World) -> None:
    sid = book(world, at(13), at(14), [world.streamer_ids[0]])
    world.run(sessions_service.set_status, sid, "live", buffer_min=0)
    with pytest.raises(errors.Conflict):
        world.run(sessions_service.set_status, sid, "planned", buffer_min=0)
    row = world.run(sessions_service.set_status, sid, "ended", buffer_min=0)
    assert row.status == live.SessionStatus.ENDED
    with pytest.raises(errors.Conflict):
        world.run(sessions_service.set_status, sid, "cancelled", buffer_min=0)


def test_streamer_is_unique_per_user(world: World) -> None:
    with world.app.app_context():
        user = conftest.user_named(world.coordinator)
        seller = conftest.user_named(world.seller)
        with pytest.raises(errors.Conflict):
            streamers.create(extensions.db.session, user, {"user_id": seller.id})
        updated = streamers.update(
            extensions.db.session, user, world.streamer_ids[0], {"tiktok_handle": "@LanAnh.OCOP"}
        )
        assert updated.tiktok_handle == "lananh.ocop"
        found = streamers.by_tiktok_handle(
            extensions.db.session, "LanAnh.ocop", club_id=world.club_id
        )
        assert found is not None and found.id == world.streamer_ids[0]
        with pytest.raises(errors.ValidationError) as caught:
            streamers.update(
                extensions.db.session, user, world.streamer_ids[1], {"tiktok_handle": "lananh.ocop"}
            )
        assert "tiktok_handle" in caught.value.fields


# --- run-of-show ---------------------------------------------------------------------------


def test_slots_defaults_codes_and_discount(world: World) -> None:
    sid = book(world, at(13), at(14), [world.streamer_ids[0]])
    first = world.run(slots.add, sid, {"product_id": world.product_ids[0], "live_price": 76_000})
    assert first.code == "NM1"
    assert first.start_offset_s == 0 and first.length_s == 600
    assert first.talking_points == "Câu chuyện: Nước mắm cá cơm Trà Cổ làm thủ công."
    with world.app.app_context():
        slot = extensions.db.session.get(live.LiveSlot, first.id)
        assert slot is not None
        off = slots.discount(slot)
        assert (off.list_price, off.amount, off.percent) == (55_000, -21_000, -38.2)
    with pytest.raises(errors.ValidationError) as caught:
        world.run(slots.add, sid, {"product_id": world.product_ids[1], "code": " nm-1 "})
    assert "NM1" in caught.value.fields["code"][0]
    third = world.run(slots.add, sid, {"product_id": world.product_ids[0], "length": "5:30"})
    assert third.code == "NM2" and third.start_offset_s == 600 and third.length_s == 330


def test_slot_overrun_and_overlap_are_refused(world: World) -> None:
    sid = book(world, at(13), at(14), [world.streamer_ids[0]])
    world.run(slots.add, sid, {"product_id": world.product_ids[0], "length": "20"})
    with pytest.raises(errors.ValidationError) as caught:
        world.run(
            slots.add,
            sid,
            {"product_id": world.product_ids[1], "start_offset": "50", "length": "12:30"},
        )
    assert "2 phút 30 giây" in caught.value.fields["length"][0]
    with pytest.raises(errors.ValidationError) as caught:
        world.run(slots.add, sid, {"product_id": world.product_ids[1], "start_offset": "19:59"})
    assert "NM1" in caught.value.fields["start_offset"][0]
    # shrinking the session under its run-of-show is refused too
    with pytest.raises(errors.ValidationError) as caught:
        world.run(sessions_service.update, sid, {"ends_at": at(13, 10)}, buffer_min=0)
    assert "10 phút" in caught.value.fields["ends_at"][0]


def test_reorder_repacks_back_to_back(world: World) -> None:
    sid = book(world, at(13), at(14), [world.streamer_ids[0]])
    a = world.run(slots.add, sid, {"product_id": world.product_ids[0], "length": "10"})
    b = world.run(slots.add, sid, {"product_id": world.product_ids[1], "length": "5"})
    c = world.run(slots.add, sid, {"product_id": world.product_ids[2], "length": "15"})
    ordered = world.run(slots.reorder, sid, [c.id, a.id, b.id])
    assert [(s.code, s.start_offset_s) for s in ordered] == [
        ("MO1", 0),
        ("NM1", 900),
        ("CT1", 1500),
    ]
    with pytest.raises(errors.ValidationError):
        world.run(slots.reorder, sid, [a.id, b.id])


def test_suggest_code_and_normalise() -> None:
    assert slots.normalise_code(" mắm-1 ") == "MAM1"
    assert slots.suggest_code("Nước mắm", {"NM1", "NM2"}) == "NM3"
    assert slots.suggest_code("!!!", set()) == "SP1"


# --- host screen -------------------------------------------------------------------------


def test_host_state_advance_extend_back(world: World) -> None:
    sid = book(world, at(13), at(14), [world.streamer_ids[0]])
    for pid in world.product_ids:
        world.run(slots.add, sid, {"product_id": pid, "length": "10"})
    times = iter([at(13, 0), at(13, 4), at(13, 9), at(13, 12), at(13, 13)])

    def clock() -> dt.datetime:
        return next(times)

    state = world.run(host.act, sid, "start", clock=clock)
    assert state["current"]["code"] == "NM1" and state["next"]["code"] == "CT1"
    assert state["current"]["ends_at"] == at(13, 10).isoformat()
    assert state["status"] == "live"
    state = world.run(host.act, sid, "extend", seconds=300, clock=clock)
    assert state["current"]["ends_at"] == at(13, 15).isoformat()
    state = world.run(host.act, sid, "next", clock=clock)
    assert state["current"]["code"] == "CT1"
    assert state["current"]["started_at"] == at(13, 9).isoformat()
    assert state["current"]["extension_s"] == 0
    state = world.run(host.act, sid, "prev", clock=clock)
    assert state["current"]["code"] == "NM1"
    with world.app.app_context():
        seller = conftest.user_named(world.seller)
        seen = host.get(extensions.db.session, seller, sid, clock=lambda: at(13, 14))
        assert seen["current"]["code"] == "NM1" and seen["version"] == 4
