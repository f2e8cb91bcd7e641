"""Bank statement import (app/payments/statements.py) on SQLite and PostgreSQL: statements as
several banks export them (CSV and XLSX), every money-in row matched like a webhook's transfer,
all or nothing with the bad row's line, a second upload recording nothing twice, a transfer a
webhook service already reported, another club's orders never paid, the page and the API."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import flask
import openpyxl
import pytest
import sqlalchemy as sa
import werkzeug.datastructures
import werkzeug.test

from app import extensions
from app.catalog_io import results
from app.core import errors
from app.models import catalog, orders
from app.models import payments as models
from app.orders import manual
from app.payments import statements
from tests import conftest
from tests.integration.app import test_orders_pages as page_tests
from tests.integration.app.test_orders_import import Shop
from tests.support import clubs as clubs_support
from tests.support import payments as payment_support
from tests.unit.vietnam.test_statements import TECHCOMBANK_HEADER
from vietnam import transfers

UTC = dt.UTC
PLACED = dt.datetime(2026, 6, 21, 13, 30, tzinfo=UTC)


@dataclasses.dataclass
class Orders:
    shop: Shop
    club_id: int
    ids: list[int]
    price: int

    def code(self, index: int) -> str:
        return transfers.make_code(self.ids[index])


@pytest.fixture
def placed(shop: Shop) -> Orders:
    with shop.app.app_context():
        db = extensions.db.session
        db.execute(sa.update(catalog.Variant).values(stock=1_000))
        db.commit()
        user = conftest.user_named("seller1")
        ids = [
            manual.enter_order(
                db,
                user,
                {
                    "platform": "facebook",
                    "external_id": f"S-{n}",
                    "buyer_name": f"Khách S-{n}",
                    "lines": [{"sku": "NM-500", "quantity": "1"}],
                },
                now=lambda: PLACED,
            ).id
            for n in range(4)
        ]
        price = db.get_one(orders.Order, ids[0]).amount
        assert user.club_id is not None
        return Orders(shop, user.club_id, ids, price)


def _csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def vietcombank(o: Orders, path: Path) -> Path:
    """Vietcombank's XLSX: the bank and the account above the table, the reference under the
    date, amounts as numbers, a totals line."""
    p = o.price
    return _xlsx(
        path,
        [
            ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"],
            ["SAO KÊ TÀI KHOẢN", None, None, None, None],
            ["Số tài khoản: 0071000123456"],
            ["Từ ngày 21/06/2026 đến ngày 21/06/2026"],
            [],
            ["Ngày giao dịch", "Số tham chiếu", "Số tiền ghi nợ", "Số tiền ghi có", "Mô tả"],
            ["21/06/2026\n5243.1", "5243.1", None, p, f"MBVCB.881 {o.code(0)} chuyen tien"],
            ["21/06/2026\n5243.2", "5243.2", None, p // 2, f"{o.code(1).lower()} coc"],
            ["21/06/2026\n5243.3", "5243.3", 11_000, None, "Phi quan ly TK"],
            ["21/06/2026\n5243.4", "5243.4", None, 45_000, "ung ho quy lop"],
            ["Tổng cộng", None, 11_000, p + p // 2 + 45_000, None],
        ],
    )


def techcombank(o: Orders, path: Path) -> Path:
    """Techcombank's CSV: bilingual headers, requesting and transaction dates, comma grouping."""
    over = f"{o.price + 5_000:,}"
    return _csv(
        path,
        [
            ["TECHCOMBANK - SAO KÊ TÀI KHOẢN/ACCOUNT STATEMENT"],
            ["Số tài khoản/Account No: 19020352517013"],
            TECHCOMBANK_HEADER,
            [
                "1",
                "21/06/2026",
                "21/06/2026 20:41:05",
                "FT2617201",
                "TRAN THI B",
                f"{o.code(2)} thanh toan",
                "",
                over,
                "5,000,000",
            ],
            [
                "2",
                "21/06/2026",
                "21/06/2026 20:45:00",
                "FT2617202",
                "LE VAN C",
                "DH0000000 nham",
                "",
                "30,000",
                "5,030,000",
            ],
        ],
    )


def mbbank(o: Orders, path: Path) -> Path:
    """MB Bank's CSV with semicolons and no reference column: ids from the rows themselves."""
    return _csv(
        path,
        [
            ["NGÂN HÀNG TMCP QUÂN ĐỘI - MB"],
            ["Tài khoản: 0123456789999"],
            ["Ngày GD", "Số tiền ghi nợ", "Số tiền ghi có", "Số dư", "Nội dung"],
            ["21/06/2026 21:00", "", f"{o.price:,}".replace(",", "."), "9.000.000", o.code(3)],
            ["21/06/2026 21:00", "", f"{o.price:,}".replace(",", "."), "9.000.000", o.code(3)],
        ],
        delimiter=";",
    )


def _count(app: flask.Flask) -> int:
    with app.app_context():
        return int(
            extensions.db.session.scalar(sa.select(sa.func.count(models.BankTransaction.id))) or 0
        )


def _import(
    app: flask.Flask, path: Path, user: str = "seller1", bank: str | None = None
) -> statements.ImportReport:
    with app.app_context(), path.open("rb") as handle:
        upload = werkzeug.datastructures.FileStorage(stream=handle, filename=path.name)
        return statements.import_statement(
            extensions.db.session, conftest.user_named(user), upload, bank=bank
        )


def _order(app: flask.Flask, order_id: int) -> tuple[str, int]:
    with app.app_context():
        order = extensions.db.session.get_one(orders.Order, order_id)
        return str(order.status), order.paid_amount


def test_a_vietcombank_statement_then_the_same_file_again(placed: Orders, tmp_path: Path) -> None:
    app = placed.shop.app
    path = vietcombank(placed, tmp_path / "SaoKe_VCB.xlsx")
    report = _import(app, path)
    assert report.bank == "vietcombank" and report.provider == "statement:vietcombank"
    assert report.account_number == "0071000123456"
    assert (report.rows, report.new, report.already) == (3, 3, 0)
    assert (report.matched, report.review, report.money_out) == (2, 1, 1)
    assert [o.line for o in report.outcomes] == [7, 8, 10]
    assert _order(app, placed.ids[0]) == ("paid", placed.price)
    assert _order(app, placed.ids[1]) == ("placed", placed.price // 2)
    with app.app_context():
        sources = extensions.db.session.scalars(sa.select(models.BankTransaction.source)).all()
    assert set(sources) == {models.TransactionSource.STATEMENT}

    again = _import(app, path)
    assert (again.rows, again.new, again.already, again.matched, again.review) == (3, 0, 3, 0, 0)
    assert _order(app, placed.ids[1]) == ("placed", placed.price // 2)
    assert _count(app) == 3
    # Read as "another bank" by a person's choice: still the same rows.
    other_way = _import(app, path, bank="vietcombank")
    assert other_way.new == 0
    with pytest.raises(errors.ValidationError) as wrong:
        _import(app, path, bank="bidv")
    assert "bank" in wrong.value.fields
    assert _count(app) == 3


def test_techcombank_and_mb_bank_layouts(placed: Orders, tmp_path: Path) -> None:
    app = placed.shop.app
    tcb = _import(app, techcombank(placed, tmp_path / "tcb.csv"))
    assert tcb.bank == "techcombank"
    assert (tcb.rows, tcb.new, tcb.matched, tcb.review) == (2, 2, 1, 1)
    over = tcb.outcomes[0]
    assert over.state is models.MatchState.OVER and over.order_id == placed.ids[2]
    assert _order(app, placed.ids[2]) == ("paid", placed.price)
    with app.app_context():
        row = extensions.db.session.get_one(models.BankTransaction, over.transaction_id)
        assert (row.reference, row.counter_account_name) == ("FT2617201", "TRAN THI B")
        assert row.occurred_at == dt.datetime(2026, 6, 21, 13, 41, 5, tzinfo=UTC)
        assert row.amount - row.applied_amount == 5_000

    mb = _import(app, mbbank(placed, tmp_path / "mb.csv"))
    assert mb.bank == "mbbank"
    # Two identical rows are two transfers: the first pays, the second finds it paid (review).
    assert (mb.rows, mb.new, mb.matched, mb.review) == (2, 2, 1, 1)
    assert len({o.transaction_id for o in mb.outcomes}) == 2
    assert _import(app, mbbank(placed, tmp_path / "mb-again.csv")).already == 2


def test_a_bad_row_refuses_the_whole_file_with_its_line(placed: Orders, tmp_path: Path) -> None:
    app = placed.shop.app
    rows = [
        ["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM (BIDV)"],
        [],
        ["Ngày giao dịch", "Số tham chiếu", "Ghi nợ", "Ghi có", "Diễn giải"],
        ["21/06/2026", "A1", "", f"{placed.price}", placed.code(0)],
        ["21/13/2026", "A2", "", "100000", "thang 13"],
        ["21/06/2026", "A3", "", "12.345,67", "le dong"],
    ]
    path = _csv(tmp_path / "bidv.csv", rows)
    with pytest.raises(results.ImportFailed) as failed:
        _import(app, path)
    assert [(i.row, i.column) for i in failed.value.issues] == [
        (5, "Ngày giao dịch"),
        (6, "Ghi có"),
    ]
    assert "21/13/2026" in str(failed.value.issues[0].message)
    assert _count(app) == 0
    assert _order(app, placed.ids[0]) == ("placed", 0)

    client = app.test_client()
    token = {"Authorization": f"Bearer {conftest.issue_token(app, 'seller1')}"}
    with path.open("rb") as handle:
        answer = client.post(
            "/api/v1/payments/statements", data={"file": (handle, "bidv.csv")}, headers=token
        )
    assert answer.status_code == 422
    assert set(answer.json["error"]["fields"]) == {"rows.5.Ngày giao dịch", "rows.6.Ghi có"}
    assert _count(app) == 0
    not_a_statement = _csv(tmp_path / "orders.csv", [["Mã đơn", "SKU"], ["1", "NM-500"]])
    with pytest.raises(results.ImportFailed) as unknown:
        _import(app, not_a_statement)
    assert unknown.value.issues[0].row is None


def test_a_transfer_a_webhook_already_reported_is_not_recorded_again(
    placed: Orders, tmp_path: Path
) -> None:
    app = placed.shop.app
    with app.app_context():
        payment_support.pay(
            placed.club_id,
            "92704",
            placed.price + 5_000,
            f"{placed.code(2)} thanh toan",
            at=PLACED,
            account_number="19020352517013",
            reference="FT2617201",
        )
    report = _import(app, techcombank(placed, tmp_path / "tcb.csv"))
    assert (report.new, report.already) == (1, 1)
    assert _order(app, placed.ids[2]) == ("paid", placed.price)
    assert _count(app) == 2


def test_another_clubs_orders_are_never_paid_by_our_statement(
    placed: Orders, tmp_path: Path, other_club: clubs_support.OtherClub
) -> None:
    app = placed.shop.app
    path = vietcombank(placed, tmp_path / "vcb.xlsx")
    # The other club uploads a statement naming our orders: its rows, to its review list.
    theirs = _import(app, path, user=other_club.seller)
    assert (theirs.new, theirs.matched, theirs.review) == (3, 0, 3)
    assert _order(app, placed.ids[0]) == ("placed", 0)
    ours = _import(app, path)
    assert (ours.new, ours.matched) == (3, 2)  # the same file is new for our club
    with app.app_context():
        clubs = extensions.db.session.scalars(
            sa.select(models.BankTransaction.club_id).distinct()
        ).all()
    assert sorted(clubs) == sorted([placed.club_id, other_club.club_id])


def test_the_upload_page_and_the_api(placed: Orders, tmp_path: Path) -> None:
    app = placed.shop.app
    client = app.test_client()
    token = {"Authorization": f"Bearer {conftest.issue_token(app, 'seller1')}"}
    assert client.get("/payments/statements/import", headers=token).status_code == 200
    data = vietcombank(placed, tmp_path / "vcb.xlsx").read_bytes()
    answer = client.post(
        "/api/v1/payments/statements",
        data={"file": (io.BytesIO(data), "vcb.xlsx")},
        headers=token,
    )
    assert answer.status_code == 200, answer.json
    assert (answer.json["new"], answer.json["matched"], answer.json["review"]) == (3, 2, 1)
    assert answer.json["outcomes"][0]["order_code"] == placed.code(0)
    again = client.post(
        "/api/v1/payments/statements",
        data={"file": (io.BytesIO(data), "vcb.xlsx")},
        headers=token,
    )
    assert (again.json["new"], again.json["already"]) == (0, 3)
    producer = {"Authorization": f"Bearer {conftest.issue_token(app, 'producer1')}"}
    refused = client.post(
        "/api/v1/payments/statements",
        data={"file": (io.BytesIO(data), "vcb.xlsx")},
        headers=producer,
    )
    assert refused.status_code == 403
    assert _count(app) == 3


def test_the_upload_page_lists_what_happened(
    placed: Orders, tmp_path: Path, auth: conftest.Auth, client: flask.testing.FlaskClient
) -> None:
    auth.login("seller1")
    token = page_tests.csrf(client, "/payments/statements/import")
    data = vietcombank(placed, tmp_path / "vcb.xlsx").read_bytes()

    def upload(bank: str = "") -> werkzeug.test.TestResponse:
        return client.post(
            "/payments/statements/import",
            data={
                "csrf_token": token,
                "file": (io.BytesIO(data), "vcb.xlsx"),
                "bank": bank,
            },
            content_type="multipart/form-data",
        )

    first = upload()
    assert first.status_code == 200
    assert re.search(r'data-testid="count-new">3<', first.text)
    assert re.search(r'data-testid="count-matched">2<', first.text)
    assert re.search(r'data-testid="count-review">1<', first.text)
    assert 'data-testid="statement-bank">Vietcombank<' in first.text
    assert placed.code(0) in first.text
    again = upload()
    assert re.search(r'data-testid="count-new">0<', again.text)
    assert re.search(r'data-testid="count-already">3<', again.text)
    wrong = upload("acb")
    assert wrong.status_code == 422
    assert "không phải ACB" in wrong.text
    bad = client.post(
        "/payments/statements/import",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(b"Ngay giao dich,Ghi co,Mo ta\n99/99/2026,100,x\n"), "bad.csv"),
            "bank": "",
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert 'data-testid="import-errors"' in bad.text and "<td>2</td>" in bad.text
    assert _count(placed.shop.app) == 3
