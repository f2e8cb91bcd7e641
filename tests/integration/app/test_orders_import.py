"""Order ingestion through the services on SQLite and PostgreSQL: exports import all or
nothing and idempotently (re-import counts nothing twice, a newer export updates statuses),
session and streamer linking, SKU matching, manual entry validation and phone normalisation."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import threading
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.catalog_io import results
from app.core import errors, tenancy
from app.models import catalog, live, orders
from app.orders import exports, imports, manual, queries
from tests import conftest
from tests.support import catalog as builders
from tests.support import clubs as clubs_support
from tests.support import race

UTC = dt.UTC
# 20:00–22:00 on 21/06/2026 in Vietnam
STARTS = dt.datetime(2026, 6, 21, 13, 0, tzinfo=UTC)
ENDS = dt.datetime(2026, 6, 21, 15, 0, tzinfo=UTC)
TEMPLATE = list(exports.TEMPLATE_HEADERS)  # the columns of our own template


def tiktok_export(*lines: list[str]) -> list[list[str]]:
    """A TikTok Shop export: its headers, the row that describes them, then the order lines."""
    headers = ["Order ID", "Order Status", "Seller SKU", "Product Name", "Quantity",
               "SKU Unit Original Price", "SKU Subtotal Before Discount", "SKU Seller Discount",
               "Created Time", "Phone #", "Creator Handle"]  # fmt: skip
    return [headers, ["Platform unique order ID."] + ["…"] * (len(headers) - 1), *lines]


@dataclasses.dataclass
class Shop:
    """Two producers' products, a TikTok session with a host, and the people fixture."""

    app: flask.Flask
    people: conftest.People
    session_id: int
    streamer_id: int
    handle_streamer_id: int
    mine_product_id: int
    other_product_id: int


def streamer(
    user_id: int, club_id: int | None, name: str, tiktok_handle: str | None = None
) -> live.Streamer:
    return live.Streamer(
        user_id=user_id,
        club_id=club_id,
        display_name=name,
        platforms=[],
        tiktok_handle=tiktok_handle,
    )


def tiktok_session(club_id: int | None, title: str, host: live.Streamer) -> live.LiveSession:
    """A TikTok session in the window of the order files (20:00–22:00 on 21/06/2026)."""
    return live.LiveSession(
        club_id=club_id,
        title=title,
        platform="tiktok",
        starts_at=STARTS,
        ends_at=ENDS,
        hosts=[host],
    )


def make_shop(app: flask.Flask, people: conftest.People) -> Shop:
    coordinator = people.username("coordinator")
    mine = builders.make_product(
        app, coordinator, builders.product_data(people.producer_id, skus=("NM-500", "NM-1000"))
    )
    other = builders.make_product(
        app,
        coordinator,
        builders.product_data(people.other_producer_id, name="Chè Tân Cương", skus=("CHE-100",)),
    )
    with app.app_context():
        db = extensions.db.session
        host_user = conftest.user_named(people.username("seller"))
        admin_user = conftest.user_named(people.username("admin"))
        host = streamer(host_user.id, host_user.club_id, "Lan")
        creator = streamer(admin_user.id, host_user.club_id, "Minh", "clb.mongcai")
        row = tiktok_session(host_user.club_id, "Đặc sản Móng Cái", host)
        db.add_all([host, creator, row])
        db.commit()
        return Shop(app, people, row.id, host.id, creator.id, mine, other)


def add_slot(app: flask.Flask, shop: Shop, length_s: int = 900) -> None:
    """The NM1 slot of the shop's session: NM-500 at a live price of 79.000 ₫ from the start."""
    with app.app_context():
        db = extensions.db.session
        variant_id = db.scalar(sa.select(catalog.Variant.id).where(catalog.Variant.sku == "NM-500"))
        db.add(
            live.LiveSlot(
                session_id=shop.session_id,
                product_id=shop.mine_product_id,
                variant_id=variant_id,
                start_offset_s=0,
                length_s=length_s,
                live_price=79_000,
                code="NM1",
            )
        )
        db.commit()


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def template_rows(status_a: str = "placed") -> list[list[str]]:
    return [
        TEMPLATE,
        ["tiktok", "A1", "21/06/2026 20:15", status_a, "NM-500", "Nước mắm", "2", "95000",
         "+84 912 345 678", "lan.nguyen", "Lan"],
        ["tiktok", "A1", "21/06/2026 20:15", status_a, "CHE-100", "Chè", "1", "55000",
         "+84 912 345 678", "lan.nguyen", "Lan"],
        ["shopee", "B2", "22/06/2026 09:00", "completed", "UNKNOWN-1", "Mật ong", "3", "10000",
         "0987.654.321", "", "Hoa"],
        ["tiktok", "A3", "21/06/2026 21:59", "cancelled", "nm-1000", "Nước mắm", "1", "150000",
         "", "", ""],
    ]  # fmt: skip


def counts(app: flask.Flask) -> tuple[int, int, int]:
    with app.app_context():
        db = extensions.db.session
        return (
            db.scalar(sa.select(sa.func.count()).select_from(orders.Order)) or 0,
            db.scalar(sa.select(sa.func.count()).select_from(orders.OrderLine)) or 0,
            db.scalar(sa.select(sa.func.coalesce(sa.func.sum(orders.OrderLine.amount), 0))) or 0,
        )


def run_import(app: flask.Flask, path: Path, **kwargs: object) -> dict[str, object]:
    with app.app_context():
        user = conftest.user_named("coordinator1")
        return imports.import_file(extensions.db.session, user, path, **kwargs).to_dict()


def test_import_links_matches_and_reimport_counts_nothing_twice(shop: Shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "orders.csv", template_rows())
    first = run_import(shop.app, path)
    assert (first["created"], first["updated"], first["unchanged"]) == (3, 0, 0)
    assert first["layout"] == "template"
    assert first["unmatched"] == [{"sku": "UNKNOWN-1", "name": "Mật ong"}]
    assert first["linked_to_session"] == 2  # A1 and A3 are TikTok orders inside the window
    assert counts(shop.app) == (3, 4, 2 * 95_000 + 55_000 + 30_000 + 150_000)

    again = run_import(shop.app, path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert counts(shop.app) == (3, 4, 2 * 95_000 + 55_000 + 30_000 + 150_000)

    with shop.app.app_context():
        a1 = extensions.db.session.scalar(
            sa.select(orders.Order).where(orders.Order.external_id == "A1")
        )
        assert a1 is not None
        assert a1.session_id == shop.session_id
        assert a1.streamer_id == shop.streamer_id  # the session's host
        assert a1.buyer_phone == "0912345678"
        assert a1.buyer_phone_raw == "+84 912 345 678"
        assert a1.placed_at == dt.datetime(2026, 6, 21, 13, 15, tzinfo=UTC)
        assert [line.product_id for line in a1.lines] == [
            shop.mine_product_id,
            shop.other_product_id,
        ]
        b2 = extensions.db.session.scalar(
            sa.select(orders.Order).where(orders.Order.external_id == "B2")
        )
        assert b2 is not None and b2.session_id is None  # Shopee: no Shopee session
        assert b2.buyer_phone == "0987654321"
        assert b2.lines[0].product_id is None and b2.lines[0].seller_sku == "UNKNOWN-1"
        a3 = extensions.db.session.scalar(
            sa.select(orders.Order).where(orders.Order.external_id == "A3")
        )
        assert a3 is not None and a3.lines[0].product_id is not None  # SKU matched ignoring case
        assert a3.status == orders.OrderStatus.CANCELLED


def test_newer_export_updates_status_instead_of_adding(shop: Shop, tmp_path: Path) -> None:
    run_import(shop.app, write_csv(tmp_path / "old.csv", template_rows("placed")))
    before = counts(shop.app)
    newer = run_import(shop.app, write_csv(tmp_path / "new.csv", template_rows("completed")))
    assert (newer["created"], newer["updated"], newer["unchanged"]) == (0, 1, 2)
    assert counts(shop.app) == before
    with shop.app.app_context():
        a1 = extensions.db.session.scalar(
            sa.select(orders.Order).where(orders.Order.external_id == "A1")
        )
        assert a1 is not None
        assert a1.status == orders.OrderStatus.COMPLETED
        assert {line.status for line in a1.lines} == {orders.OrderStatus.COMPLETED}


def test_bad_file_writes_nothing(shop: Shop, tmp_path: Path) -> None:
    run_import(shop.app, write_csv(tmp_path / "good.csv", template_rows()))
    before = counts(shop.app)
    rows = template_rows("completed")
    rows[2][6] = "hai"  # quantity
    rows[3][2] = "32/13/2026"  # time
    with pytest.raises(results.ImportFailed) as failed:
        run_import(shop.app, write_csv(tmp_path / "bad.csv", rows))
    lines = [issue.as_line() for issue in failed.value.issues]
    assert any(line.startswith("dòng 3, cột Số lượng") for line in lines)
    assert any(line.startswith("dòng 4, cột Thời gian đặt") for line in lines)
    assert counts(shop.app) == before
    with shop.app.app_context():
        a1 = extensions.db.session.scalar(
            sa.select(orders.Order.status).where(orders.Order.external_id == "A1")
        )
        assert a1 == orders.OrderStatus.PLACED  # the file's good rows were not written either


def test_tiktok_creator_handle_picks_the_streamer_and_chosen_session_wins(
    shop: Shop, tmp_path: Path
) -> None:
    rows = tiktok_export(
        ["579123456789012345", "Đã vận chuyển", "NM-500", "Nước mắm", "2", "120000", "240000",
         "20000", "23/06/2026 08:00:00\t", "(+84)912345678", "@CLB.MongCai"],
    )  # fmt: skip
    result = run_import(
        shop.app, write_csv(tmp_path / "tiktok.csv", rows), session_id=shop.session_id
    )
    assert result["layout"] == "tiktok" and result["linked_to_session"] == 1
    with shop.app.app_context():
        order = extensions.db.session.scalar(sa.select(orders.Order))
        assert order is not None
        assert order.session_id == shop.session_id  # chosen, though outside the window
        assert order.streamer_id == shop.handle_streamer_id
        assert order.lines[0].amount == 220_000
        assert order.status == orders.OrderStatus.SHIPPED


def test_unknown_session_is_refused(shop: Shop, tmp_path: Path) -> None:
    with pytest.raises(errors.ValidationError) as failed:
        run_import(shop.app, write_csv(tmp_path / "o.csv", template_rows()), session_id=999)
    assert "session_id" in failed.value.fields
    assert counts(shop.app) == (0, 0, 0)


# --- manual entry --------------------------------------------------------------------------------


def enter(app: flask.Flask, data: dict[str, object]) -> int:
    with app.app_context():
        user = conftest.user_named("seller1")
        order = manual.enter_order(
            extensions.db.session,
            user,
            data,
            now=lambda: dt.datetime(2026, 6, 21, 13, 30, tzinfo=UTC),
        )
        return order.id


def test_manual_entry_reports_every_field(shop: Shop) -> None:
    with pytest.raises(errors.ValidationError) as failed:
        enter(
            shop.app,
            {
                "platform": "myspace",
                "buyer_phone": "0123",
                "placed_at": "hôm qua",
                "external_id": "có dấu cách",
                "lines": [
                    {"sku": "KHONG-CO", "quantity": "2"},
                    {"sku": "NM-500", "quantity": "0"},
                    {"sku": "NM-500", "quantity": "1", "unit_price": "-5"},
                ],
            },
        )
    assert set(failed.value.fields) == {
        "platform",
        "buyer_phone",
        "placed_at",
        "external_id",
        "lines.0.sku",
        "lines.1.quantity",
        "lines.2.unit_price",
    }
    with pytest.raises(errors.ValidationError) as empty:
        enter(shop.app, {"platform": "tiktok", "lines": []})
    assert "lines" in empty.value.fields
    assert counts(shop.app) == (0, 0, 0)


def test_manual_entry_uses_live_price_and_session_and_normalises_phone(shop: Shop) -> None:
    add_slot(shop.app, shop, length_s=600)
    order_id = enter(
        shop.app,
        {
            "session_id": shop.session_id,
            "buyer_phone": "84 912.345.678",
            "buyer_name": "Chị Lan",
            "lines": [{"sku": "nm-500", "quantity": "3"}, {"sku": "CHE-100", "quantity": "1"}],
        },
    )
    with shop.app.app_context():
        row = extensions.db.session.get(orders.Order, order_id)
        assert row is not None
        assert row.platform == "tiktok" and row.external_id.startswith("TT-")
        assert row.source == orders.OrderSource.MANUAL
        assert row.placed_at == dt.datetime(2026, 6, 21, 13, 30, tzinfo=UTC)
        assert row.buyer_phone == "0912345678" and row.buyer_phone_raw == "84 912.345.678"
        assert row.streamer_id == shop.streamer_id
        assert [(line.unit_price, line.amount) for line in row.lines] == [
            (79_000, 237_000),
            (95_000, 95_000),  # CHE-100: catalog price, not in the run-of-show
        ]
        external_id = row.external_id
    again = enter(
        shop.app,
        {
            "platform": "tiktok",
            "external_id": external_id,
            "status": "paid",
            "lines": [{"sku": "NM-500", "quantity": "3", "unit_price": "79000"}],
        },
    )
    assert again == order_id
    assert counts(shop.app)[0] == 1


def test_concurrent_imports_of_one_file_count_once(shop: Shop, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "orders.csv", template_rows())
    barrier = threading.Barrier(2)
    outcomes: list[dict[str, object] | BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            outcomes.append(run_import(shop.app, path))
        except BaseException as exc:  # reported by the assertion below
            outcomes.append(exc)

    race.run_at_once(worker, 2)
    assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes
    created = sorted(outcome["created"] for outcome in outcomes)  # type: ignore[index]
    assert sum(created) == 3  # every order created by exactly one of the two imports
    assert counts(shop.app) == (3, 4, 2 * 95_000 + 55_000 + 30_000 + 150_000)


def test_other_clubs_staff_neither_see_nor_link_to_the_clubs_orders(
    shop: Shop, other_club: clubs_support.OtherClub, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "orders.csv", template_rows())
    run_import(shop.app, path)
    with shop.app.app_context():
        db = extensions.db.session
        outsider = conftest.user_named(other_club.seller)
        outsider_scope = tenancy.scope_for(db, outsider)
        everything = queries.list_orders(db, outsider_scope, queries.OrderFilters())
        a1 = db.scalar(sa.select(orders.Order.id).where(orders.Order.external_id == "A1"))
        assert everything.total == 0
        with pytest.raises(errors.NotFound):
            queries.get_order(db, outsider_scope, a1)
        admin = tenancy.scope_for(db, conftest.user_named("admin1"))
        assert queries.list_orders(db, admin, queries.OrderFilters()).total == 3
        with pytest.raises(errors.ValidationError) as refused:
            imports.import_file(db, outsider, path, session_id=shop.session_id)
        assert "session_id" in refused.value.fields
