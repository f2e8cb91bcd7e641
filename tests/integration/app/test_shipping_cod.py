"""COD statements app side (app/shipping/cod.py) on SQLite and PostgreSQL: a hand-computed
statement per carrier layout against parcels made here, a short payment flagged with the
difference, a delivered parcel missing from every statement, an unknown line, the same file
refused the second time, a bad amount refused with its line and nothing written, what the club
owes each producer, another club's statement answering 404."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from app import extensions
from app.models import catalog
from app.models import shipping as models
from app.orders import manual
from tests import conftest
from tests.integration.app.test_orders_import import Shop
from tests.support import clubs as clubs_support

HEADERS = {
    "ghn": ["Mã đơn GHN", "Mã đơn khách hàng", "Tiền thu hộ (COD)", "Phí vận chuyển",
            "Phí thu hộ", "Thực nhận"],
    "ghtk": ["Mã đơn hàng", "Mã đơn shop", "Tiền thu hộ", "Phí ship", "Phí bảo hiểm",
             "Tiền trả shop"],
    "viettelpost": ["Số vận đơn", "Mã đơn hàng", "Tiền thu hộ", "Cước phí", "Phí COD", "Tổng tiền"],
    "vnpost": ["Số hiệu bưu gửi", "Mã đơn KH", "Tiền COD", "Cước", "Phí thu hộ", "Thực trả"],
}  # fmt: skip


@dataclasses.dataclass
class Parcels:
    app: flask.Flask
    club_id: int
    mine: int  # producer ids
    other: int
    ids: dict[str, int]  # tracking code → shipment id


def _statement(carrier: str, rows: list[list[Any]], transfer_fee: int | None = 6_000) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if transfer_fee is not None:
        writer.writerow(["Phí chuyển khoản", str(transfer_fee)])
    writer.writerow(HEADERS[carrier])
    writer.writerows([[str(cell) for cell in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


@pytest.fixture
def parcels(shop: Shop) -> Parcels:
    """Delivered parcels at each carrier (one order; producers: ours and the other one)."""
    people = shop.people
    with shop.app.app_context():
        db = extensions.db.session
        db.execute(sa.update(catalog.Variant).values(stock=1_000))
        db.commit()
        order = manual.enter_order(
            db,
            conftest.user_named("seller1"),
            {
                "platform": "facebook",
                "external_id": "COD-1",
                "buyer_name": "Khách COD",
                "lines": [{"sku": "NM-500", "quantity": "1"}],
            },
        )
        rows = []
        specs = [
            # carrier, tracking, reference, cod, producer, status
            ("ghn", "GA1", "DH-1", 200_000, people.producer_id, models.ShipStatus.DELIVERED),
            ("ghn", "GA2", "DH-2", 150_000, people.other_producer_id, models.ShipStatus.DELIVERED),
            ("ghn", "GA3", "DH-3", 100_000, people.producer_id, models.ShipStatus.DELIVERED),
        ]
        for carrier in ("ghtk", "viettelpost", "vnpost"):
            for n in (1, 2):
                specs.append(
                    (
                        carrier,
                        f"{carrier.upper()}{n}",
                        f"DH-{carrier}-{n}",
                        100_000,
                        people.producer_id,
                        models.ShipStatus.DELIVERED,
                    )
                )
        for carrier, tracking, reference, cod_amount, producer, status in specs:
            rows.append(
                models.Shipment(
                    club_id=people.club_id,
                    order_id=order.id,
                    producer_id=producer,
                    carrier=carrier,
                    reference=reference,
                    tracking_code=tracking,
                    cod_amount=cod_amount,
                    status=status,
                )
            )
        db.add_all(rows)
        db.commit()
        return Parcels(
            shop.app,
            people.club_id,
            people.producer_id,
            people.other_producer_id,
            {row.tracking_code or "": row.id for row in rows},
        )


def _upload(app: flask.Flask, user: str, carrier: str, data: bytes, name: str = "kê.csv") -> Any:
    token = {"Authorization": f"Bearer {conftest.issue_token(app, user)}"}
    return app.test_client().post(
        "/api/v1/shipping/cod-statements",
        headers=token,
        data={"carrier": carrier, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _get(app: flask.Flask, user: str, url: str) -> Any:
    token = {"Authorization": f"Bearer {conftest.issue_token(app, user)}"}
    return app.test_client().get(url, headers=token)


def _counts(app: flask.Flask) -> tuple[int, int]:
    with app.app_context():
        db = extensions.db.session
        return (
            db.scalar(sa.select(sa.func.count()).select_from(models.CodStatement)) or 0,
            db.scalar(sa.select(sa.func.count()).select_from(models.CodLine)) or 0,
        )


# GHN: GA1 paid in full, GA2 paid 10,000 short, GX9 none of ours; GA3 delivered, not on it.
# Transfer fee 6,000 over 3 lines: 2,000 each.
GHN_ROWS = [
    ["GA1", "DH-1", "200.000", "22.000", "2.000", "176.000"],
    ["GA2", "DH-2", "140.000", "20.000", "1.500", "118.500"],
    ["GX9", "", "50.000", "10.000", "0", "40.000"],
]


def test_ghn_statement_flags_and_producer_payables(parcels: Parcels) -> None:
    app = parcels.app
    response = _upload(app, "coordinator1", "ghn", _statement("ghn", GHN_ROWS))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["transfer_fee"] == 6_000
    assert body["cod_total"] == 390_000
    assert body["fee_total"] == 55_500
    assert [(line["line_no"], line["state"]) for line in body["lines"]] == [
        (3, "ok"),
        (4, "short"),
        (5, "unknown"),
    ]
    short = body["lines"][1]
    assert (short["expected_cod"], short["difference"]) == (150_000, -10_000)
    assert body["lines"][0]["shipment_id"] == parcels.ids["GA1"]

    result = _get(app, "coordinator1", "/api/v1/shipping/cod-reconciliation?carrier=ghn")
    assert result.status_code == 200
    data = result.get_json()
    states = {row["tracking_code"]: (row["state"], row["difference"]) for row in data["parcels"]}
    assert states == {"GA1": ("paid", 0), "GA2": ("short", -10_000), "GA3": ("not_paid", -100_000)}
    assert [line["tracking_code"] for line in data["unknown_lines"]] == ["GX9"]
    payables = {row["producer_id"]: row for row in data["payables"]}
    # Ours: 200,000 − 24,000 − 2,000; the other producer: 140,000 − 21,500 − 2,000;
    # the unknown line stays with the club: 50,000 − 10,000 − 2,000.
    assert payables[parcels.mine]["owed"] == 174_000
    assert payables[parcels.other]["owed"] == 116_500
    assert payables[None]["owed"] == 38_000
    assert (data["collected"], data["fees"], data["transfer_fees"]) == (390_000, 55_500, 6_000)
    assert data["payout"] == 328_500

    page = _get(app, "coordinator1", "/shipping/cod/reconciliation?carrier=ghn")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-flag="short"' in text and 'data-flag="not_paid"' in text
    assert 'data-flag="unknown"' in text and "GX9" in text
    download = _get(app, "coordinator1", "/shipping/cod/reconciliation?carrier=ghn&format=csv")
    raw = download.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    owed = {row[0]: row[-1] for row in table[1:]}
    assert owed["HTX Nước mắm Trà Cổ"] == "174000"
    assert owed["HTX Chè Tân Cương"] == "116500"

    statement_id = body["id"]
    detail = _get(app, "coordinator1", f"/shipping/cod/{statement_id}")
    assert detail.status_code == 200
    assert 'data-state="short"' in detail.get_data(as_text=True)


@pytest.mark.parametrize("carrier", ["ghtk", "viettelpost", "vnpost"])
def test_each_layout_matches_and_flags_the_short_line(parcels: Parcels, carrier: str) -> None:
    code = carrier.upper()
    rows = [
        [f"{code}1", f"DH-{carrier}-1", "100.000", "18.000", "1.000", "81.000"],
        [f"{code}2", f"DH-{carrier}-2", "90.000", "18.000", "1.000", "71.000"],
    ]
    response = _upload(parcels.app, "coordinator1", carrier, _statement(carrier, rows, None))
    assert response.status_code == 201, response.get_json()
    lines = response.get_json()["lines"]
    assert [(line["state"], line["difference"]) for line in lines] == [
        ("ok", 0),
        ("short", -10_000),
    ]
    assert [line["shipment_id"] for line in lines] == [
        parcels.ids[f"{code}1"],
        parcels.ids[f"{code}2"],
    ]
    assert [line["fee_total"] for line in lines] == [19_000, 19_000]


def test_the_same_file_twice_is_refused_and_a_later_payment_is_repeated(parcels: Parcels) -> None:
    app = parcels.app
    data = _statement("ghn", GHN_ROWS)
    assert _upload(app, "coordinator1", "ghn", data).status_code == 201
    before = _counts(app)
    again = _upload(app, "seller1", "ghn", data, "other-name.csv")
    assert again.status_code == 409
    assert _counts(app) == before
    later = _upload(
        app,
        "coordinator1",
        "ghn",
        _statement("ghn", [["GA1", "DH-1", "200000", "0", "0", "200000"]]),
    )
    assert later.status_code == 201
    assert [line["state"] for line in later.get_json()["lines"]] == ["repeated"]


def test_a_bad_amount_refuses_the_file_with_its_line(parcels: Parcels) -> None:
    app = parcels.app
    rows = [GHN_ROWS[0], ["GA2", "DH-2", "14x.000", "20.000", "1.500", "118.500"]]
    response = _upload(app, "coordinator1", "ghn", _statement("ghn", rows))
    assert response.status_code == 422
    messages = response.get_json()["error"]["fields"]["file"]
    assert any(message.startswith("Dòng 4") and "14x.000" in message for message in messages)
    assert _counts(app) == (0, 0)
    page = _get(app, "coordinator1", "/shipping/cod")
    assert page.status_code == 200


def test_another_clubs_statement_is_missing(
    parcels: Parcels, other_club: clubs_support.OtherClub
) -> None:
    app = parcels.app
    statement_id = _upload(app, "coordinator1", "ghn", _statement("ghn", GHN_ROWS)).get_json()["id"]
    for url in (f"/api/v1/shipping/cod-statements/{statement_id}", f"/shipping/cod/{statement_id}"):
        assert _get(app, other_club.coordinator, url).status_code == 404
        assert _get(app, "coordinator1", url).status_code == 200
    listed = _get(app, other_club.coordinator, "/api/v1/shipping/cod-statements").get_json()
    assert listed == []
    theirs = _get(app, other_club.coordinator, "/api/v1/shipping/cod-reconciliation").get_json()
    assert theirs["parcels"] == [] and theirs["payables"] == []
    # Their import of the same file is theirs: nothing of club 1's parcels matches.
    mine_too = _upload(app, other_club.coordinator, "ghn", _statement("ghn", GHN_ROWS))
    assert mine_too.status_code == 201
    assert {line["state"] for line in mine_too.get_json()["lines"]} == {"unknown"}
