"""Comment orders and audience data through the services: a comment log becomes a review batch
with its parse report; accepting makes orders (source comments) once, however often it is
clicked; discarding writes nothing; audience figures and viewer logs replace, never add."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.catalog_io import results
from app.core import errors
from app.models import live, orders
from app.orders import audience, comments
from tests import conftest
from tests.integration.app import test_orders_import as order_tests

COMMENTS = [
    {"time": "21/06/2026 20:05:00", "viewer": "lan.nguyen", "text": "chốt NM1 2 nha 0912 345 678"},
    {"time": "21/06/2026 20:05:30", "viewer": "lan.nguyen", "text": "Chốt nm1 2 nha 0912 345 678"},
    {"time": "21/06/2026 20:06:00", "viewer": "hoa", "text": "lấy hai chai NM1"},
    {"time": "21/06/2026 20:07:00", "viewer": "minh", "text": "đẹp quá"},
    {"time": "21/06/2026 20:08:00", "viewer": "hoa", "text": "sđt em 84 987 654 321"},
]


@pytest.fixture
def shop(app: flask.Flask, people: conftest.People) -> order_tests.Shop:
    made = order_tests.make_shop(app, people)
    order_tests.add_slot(app, made)
    return made


def upload(app: flask.Flask, shop: order_tests.Shop, data: bytes, name: str) -> int:
    with app.app_context():
        user = conftest.user_named("coordinator1")
        return comments.upload(extensions.db.session, user, shop.session_id, data, name).id


def accept(app: flask.Flask, batch_id: int) -> dict[str, object]:
    with app.app_context():
        user = conftest.user_named("coordinator1")
        return comments.accept(extensions.db.session, user, batch_id).to_dict()


def test_comment_batch_report_then_accept_once(shop: order_tests.Shop) -> None:
    app = shop.app
    batch_id = upload(app, shop, json.dumps(COMMENTS, ensure_ascii=False).encode(), "log.json")
    with app.app_context():
        batch = extensions.db.session.get(orders.CommentBatch, batch_id)
        assert batch is not None and batch.status == orders.BatchStatus.PENDING
        assert batch.report == {
            "total_comments": 5,
            "order_comments": 3,
            "duplicates": 1,
            "unique_commenters": 3,
            "lines_needing_phone": 0,
            "proposed_lines": 2,
        }
        assert [(p["viewer"], p["code"], p["quantity"], p["phone"]) for p in batch.proposals] == [
            ("lan.nguyen", "NM1", 2, "0912345678"),
            ("hoa", "NM1", 2, "0987654321"),
        ]
    assert order_tests.counts(app) == (0, 0, 0)  # proposals are not orders yet

    first = accept(app, batch_id)
    assert (first["created"], first["updated"]) == (2, 0)
    after = order_tests.counts(app)
    assert after == (2, 2, 4 * 79_000)
    second = accept(app, batch_id)
    assert second["created"] == 0 and second["unchanged"] == 2
    assert order_tests.counts(app) == after
    with app.app_context():
        rows = extensions.db.session.scalars(sa.select(orders.Order)).all()
        assert {row.source for row in rows} == {orders.OrderSource.COMMENTS}
        assert {row.session_id for row in rows} == {shop.session_id}
        assert {row.buyer_phone for row in rows} == {"0912345678", "0987654321"}
        assert {row.external_id for row in rows} == {
            comments.external_id(batch_id, "lan.nguyen"),
            comments.external_id(batch_id, "hoa"),
        }
        with pytest.raises(errors.Conflict):
            comments.discard(extensions.db.session, None, batch_id)


def test_discarded_batch_writes_nothing_and_cannot_be_accepted(shop: order_tests.Shop) -> None:
    app = shop.app
    csv_log = "time,viewer,text\n21/06/2026 20:05:00,lan,NM1 x3\n"
    batch_id = upload(app, shop, csv_log.encode(), "log.csv")
    with app.app_context():
        comments.discard(extensions.db.session, None, batch_id)
        with pytest.raises(errors.Conflict):
            comments.accept(extensions.db.session, None, batch_id)
    assert order_tests.counts(app) == (0, 0, 0)


def test_bad_comment_log_is_refused_by_line(shop: order_tests.Shop) -> None:
    log = "time,viewer,text\nkhông phải giờ,lan,NM1\n21/06/2026 20:05:00,,NM1\n"
    with pytest.raises(results.ImportFailed) as failed:
        upload(shop.app, shop, log.encode(), "log.csv")
    assert [issue.as_line().split(":")[0] for issue in failed.value.issues] == [
        "dòng 2, cột time",
        "dòng 3, cột viewer",
    ]
    with shop.app.app_context():
        assert extensions.db.session.scalar(sa.select(sa.func.count(orders.CommentBatch.id))) == 0


def test_audience_figures_and_viewer_log_replace_on_reimport(
    shop: order_tests.Shop, tmp_path: Path
) -> None:
    app = shop.app
    figures = order_tests.write_csv(
        tmp_path / "figures.csv",
        [
            ["Lượt xem", "Người xem", "Lượt nhấp sản phẩm", "Người xem sản phẩm"],
            ["12.500", "4000", "900", "600"],
        ],
    )
    log = order_tests.write_csv(
        tmp_path / "viewers.csv",
        [
            ["Người xem", "Vào lúc", "Rời lúc"],
            ["lan", "21/06/2026 20:00", "21/06/2026 20:30"],
            ["hoa", "21/06/2026 20:30", ""],
        ],
    )
    with app.app_context():
        db = extensions.db.session
        for _round in range(2):
            outcome = audience.import_file(db, None, shop.session_id, figures, "figures.csv")
            assert outcome == {
                "kind": "figures",
                "views": 12_500,
                "unique_viewers": 4000,
                "product_clicks": 900,
                "product_visitors": 600,
            }
            visits = audience.import_file(db, None, shop.session_id, log, "viewers.csv")
            assert (visits["kind"], visits["visits"], visits["viewers"]) == ("viewers", 2, 2)
        rows = db.scalars(sa.select(orders.ViewerVisit).order_by(orders.ViewerVisit.id)).all()
        assert len(rows) == 2
        assert rows[1].left_at == order_tests.ENDS  # no leave time: stayed to the end
        with pytest.raises(errors.ValidationError) as failed:
            audience.save_audience(
                db, None, shop.session_id, {"views": "10", "unique_viewers": "20"}
            )
        assert "unique_viewers" in failed.value.fields
        assert db.get(orders.SessionAudience, shop.session_id).views == 12_500  # type: ignore[union-attr]
    bad = order_tests.write_csv(
        tmp_path / "bad.csv",
        [["Người xem", "Vào lúc", "Rời lúc"], ["lan", "21/06/2026 20:30", "21/06/2026 20:00"]],
    )
    with app.app_context(), pytest.raises(results.ImportFailed) as refused:
        audience.import_file(extensions.db.session, None, shop.session_id, bad, "bad.csv")
    assert refused.value.issues[0].row == 2
    with app.app_context():
        count = extensions.db.session.scalar(sa.select(sa.func.count(orders.ViewerVisit.id)))
        assert count == 2  # the bad file left the log as it was


def test_a_log_of_times_of_day_is_placed_on_the_sessions_dates(shop: order_tests.Shop) -> None:
    """Times copied from a phone (no date) belong to the session's local date; for a stream
    crossing midnight, times before its start belong to the next day."""
    app = shop.app
    evening = upload(app, shop, b"time,viewer,text\n20:05:10,lan,NM1 2\n", "log.csv")
    with app.app_context():
        db = extensions.db.session
        late = live.LiveSession(
            club_id=shop.people.club_id,
            title="Đêm muộn",
            platform="tiktok",
            starts_at=dt.datetime(2026, 6, 21, 16, 0, tzinfo=dt.UTC),  # 23:00 in Vietnam
            ends_at=dt.datetime(2026, 6, 21, 18, 0, tzinfo=dt.UTC),  # 01:00 the next day
        )
        db.add(late)
        db.flush()
        slot = db.get(live.LiveSlot, db.scalar(sa.select(live.LiveSlot.id)))
        assert slot is not None
        db.add(
            live.LiveSlot(
                session_id=late.id,
                product_id=slot.product_id,
                variant_id=slot.variant_id,
                start_offset_s=0,
                length_s=900,
                live_price=79_000,
                code="NM1",
            )
        )
        db.commit()
        user = conftest.user_named("coordinator1")
        log = "thời gian,người xem,bình luận\n23:40:00,hoa,NM1\n00:15:30,minh,NM1 x2\n"
        crossing = comments.upload(db, user, late.id, log.encode(), "log.csv").id
    with app.app_context():
        db = extensions.db.session
        times = {}
        for batch_id in (evening, crossing):
            batch = db.get(orders.CommentBatch, batch_id)
            assert batch is not None
            times[batch_id] = [proposal["time"] for proposal in batch.proposals]
    assert times[evening] == ["2026-06-21T13:05:10+00:00"]
    assert times[crossing] == ["2026-06-21T16:40:00+00:00", "2026-06-21T17:15:30+00:00"]
    accept(app, crossing)
    with app.app_context():
        placed = dict(
            extensions.db.session.execute(
                sa.select(orders.Order.buyer_user, orders.Order.placed_at)
            ).all()
        )
    assert placed == {
        "hoa": dt.datetime(2026, 6, 21, 16, 40, tzinfo=dt.UTC),
        "minh": dt.datetime(2026, 6, 21, 17, 15, 30, tzinfo=dt.UTC),  # 00:15:30 on 22/06
    }
