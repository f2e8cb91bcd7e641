"""What a new user meets on the order pages, on SQLite and PostgreSQL: the import template
(CSV with a BOM and XLSX) downloads, fills in and imports as it is; manual entry picks SKUs of
the user's club with price and stock (never another club's); platform names, not codes, in
messages; the comment review shows comment times in Vietnam time."""

from __future__ import annotations

import csv
import io
import json
import re

import flask
import openpyxl
import sqlalchemy as sa

from app import extensions
from app.models import orders
from tests import conftest
from tests.integration.app import test_orders_import as order_tests
from tests.support import catalog as builders
from tests.support import clubs as clubs_support

BOM = b"\xef\xbb\xbf"


def _import(client: flask.testing.FlaskClient, data: bytes, name: str) -> flask.Response:
    return client.post(
        "/orders/import",
        data={"file": (io.BytesIO(data), name), "session_id": ""},
        content_type="multipart/form-data",
    )


def _created(response: flask.Response) -> int:
    match = re.search(r'data-testid="count-created">(\d+)<', response.text)
    assert match, response.text[:3000]
    return int(match.group(1))


def _order_skus(app: flask.Flask) -> dict[str, list[tuple[str, int | None]]]:
    with app.app_context():
        rows = extensions.db.session.execute(
            sa.select(
                orders.Order.external_id, orders.OrderLine.seller_sku, orders.OrderLine.variant_id
            )
            .join(orders.OrderLine)
            .order_by(orders.Order.external_id, orders.OrderLine.position)
        ).all()
    found: dict[str, list[tuple[str, int | None]]] = {}
    for external_id, sku, variant_id in rows:
        found.setdefault(external_id, []).append((sku, variant_id))
    return found


def test_the_csv_template_downloads_fills_in_and_imports(
    app: flask.Flask, coordinator_shop: order_tests.Shop, client: flask.testing.FlaskClient
) -> None:
    page = client.get("/orders/import")
    assert 'data-testid="order-template-csv"' in page.text
    assert 'data-testid="order-template-columns"' in page.text
    download = client.get("/orders/import/template?format=csv")
    assert download.status_code == 200
    assert download.data.startswith(BOM)  # Excel reads Vietnamese
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows[0] == order_tests.TEMPLATE  # the exact columns the importer reads
    assert len(rows) == 2
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example["SKU"] in {"CHE-100", "NM-500", "NM-1000"}  # a product of the club
    assert example["Nền tảng"] == "TikTok Shop" and example["Trạng thái"] == "Đã thanh toán"

    # As downloaded: the example row is a valid order.
    as_is = _import(client, download.data, "mau.csv")
    assert as_is.status_code == 200 and _created(as_is) == 1

    # Filled in, as a user does: the example replaced and a second line added.
    filled = [rows[0], list(rows[1]), list(rows[1])]
    filled[1][1] = filled[2][1] = "DH-0002"
    filled[2][4] = "NM-1000"
    filled[2][6] = "2"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(filled)
    done = _import(client, buffer.getvalue().encode("utf-8-sig"), "don.csv")
    assert done.status_code == 200 and _created(done) == 1
    lines = _order_skus(app)["DH-0002"]
    assert [sku for sku, _variant in lines] == [example["SKU"], "NM-1000"]
    assert all(variant is not None for _sku, variant in lines)  # matched to the catalog


def test_the_xlsx_template_downloads_fills_in_and_imports(
    app: flask.Flask, seller_shop: order_tests.Shop, client: flask.testing.FlaskClient
) -> None:
    download = client.get("/orders/import/template?format=xlsx")
    assert download.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(download.data))
    sheet = workbook.worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == order_tests.TEMPLATE
    assert len(values) == 2
    assert values[1][8] == "0912345678"  # a phone keeps its leading 0 (a text cell)
    assert len(workbook.worksheets) == 2  # and a guide sheet
    sheet["B2"] = "DH-XLSX-1"
    sheet["G2"] = 3
    buffer = io.BytesIO()
    workbook.save(buffer)
    done = _import(client, buffer.getvalue(), "don.xlsx")
    assert done.status_code == 200 and _created(done) == 1
    with app.app_context():
        order = extensions.db.session.scalar(
            sa.select(orders.Order).where(orders.Order.external_id == "DH-XLSX-1")
        )
        assert order is not None
        assert order.platform == "tiktok" and str(order.status) == "paid"
        assert order.buyer_phone == "0912345678"
        assert [line.quantity for line in order.lines] == [3]


def test_the_template_follows_the_page_language_and_the_api_serves_it(
    app: flask.Flask, coordinator_shop: order_tests.Shop, client: flask.testing.FlaskClient
) -> None:
    client.get("/lang/en")
    english = client.get("/orders/import/template?format=csv")
    rows = list(csv.reader(io.StringIO(english.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Platform", "Order ID", "Placed at"]
    assert rows[1][3] == "paid"
    imported = _import(client, english.data, "template.csv")
    assert imported.status_code == 200 and _created(imported) == 1
    token = conftest.issue_token(app, "seller1")
    by_api = client.get(
        "/api/v1/orders/import/template?format=csv",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert by_api.status_code == 200 and by_api.data.startswith(BOM)
    bad = client.get(
        "/api/v1/orders/import/template?format=pdf", headers={"Authorization": f"Bearer {token}"}
    )
    assert bad.status_code == 422


def test_the_sku_picker_offers_the_clubs_products_with_stock_only(
    app: flask.Flask,
    shop: order_tests.Shop,
    password_hash: str,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
) -> None:
    other = clubs_support.make_other_club(app, password_hash)
    builders.make_product(
        app,
        other.coordinator,
        builders.product_data(other.producer_id, name="Mật ong Hạ Long", skus=("MO-200",)),
    )
    order_tests.enter(app, {"platform": "tiktok", "lines": [{"sku": "NM-500", "quantity": "4"}]})
    auth.login("seller1")
    page = client.get("/orders/new")
    assert page.status_code == 200
    html = page.text
    assert '<optgroup label="Nước mắm cá cơm Trà Cổ">' in html
    assert '<optgroup label="Chè Tân Cương">' in html
    assert "NM-500 — Loại 1 — 95.000 ₫ — còn 6" in html  # stock after the sale above
    assert "CHE-100 — Loại 1 — 95.000 ₫ — còn 10" in html
    assert "MO-200" not in html and "Mật ong" not in html  # another club's catalog
    assert "js/orders.js" in html and "<script>" not in html  # static file only (CSP)

    # A SKU typed in another case is still shown picked when the page comes back with errors.
    again = client.post(
        "/orders/new", data={"platform": "tiktok", "lines-0-sku": "nm-1000", "lines-0-quantity": ""}
    )
    assert again.status_code == 422
    assert re.search(r'<option [^>]*selected value="NM-1000"', again.text)
    saved = client.post(
        "/orders/new",
        data={"platform": "tiktok", "lines-0-sku": "NM-1000", "lines-0-quantity": "2"},
    )
    assert saved.status_code == 302

    auth.logout()
    auth.login(other.seller)
    theirs = client.get("/orders/new").text
    assert "MO-200 — Loại 1" in theirs and "NM-500" not in theirs


def test_a_wrong_platform_is_refused_by_name(
    seller_shop: order_tests.Shop, client: flask.testing.FlaskClient
) -> None:
    page = client.post(
        "/orders/new",
        data={"platform": "myspace", "lines-0-sku": "NM-500", "lines-0-quantity": "1"},
    )
    assert page.status_code == 422
    assert "TikTok Shop, Shopee, Lazada" in page.text
    assert "tiktok, shopee" not in page.text
    rows = [
        order_tests.TEMPLATE,
        ["Myspace", "X1", "21/06/2026 20:15", "", "NM-500", "", "1", "1000", "", "", ""],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    failed = _import(client, buffer.getvalue().encode(), "x.csv")
    assert failed.status_code == 422
    assert "TikTok Shop, Shopee" in failed.text and "tiktok, shopee" not in failed.text


def test_the_comment_review_shows_vietnam_time(
    app: flask.Flask,
    slotted_shop: order_tests.Shop,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
) -> None:
    # 20:03:05.123 on 21/06/2026 in Vietnam, as epoch seconds with a fraction (a float carries
    # nanoseconds once read), and as text.
    epoch = 1782046985.123
    log = [
        {"time": epoch, "viewer": "lan", "text": "chốt NM1 0912 345 678"},
        {"time": "21/06/2026 20:04:10", "viewer": "hoa", "text": "lấy NM1 2"},
    ]
    auth.login("coordinator1")
    uploaded = client.post(
        "/orders/comments",
        data={
            "file": (io.BytesIO(json.dumps(log).encode()), "log.json"),
            "session_id": str(slotted_shop.session_id),
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    review = client.get(uploaded.headers["Location"]).text
    assert "21/06 20:03:05" in review and "21/06 20:04:10" in review
    assert "13:03:05" not in review and "13:04:10" not in review and "UTC" not in review
    # A batch stored before times were cut to the microsecond (nanoseconds in the text).
    with app.app_context():
        db = extensions.db.session
        batch = db.scalar(sa.select(orders.CommentBatch))
        assert batch is not None
        batch.proposals = [
            {**batch.proposals[0], "time": "2026-06-21T13:03:05.123000064+00:00"},
            *batch.proposals[1:],
        ]
        db.commit()
        batch_id = batch.id
    stored = client.get(f"/orders/comments/{batch_id}").text
    assert "21/06 20:03:05" in stored and "13:03:05" not in stored
    accepted = client.post(f"/orders/comments/{batch_id}/accept", data={"keep": ["0", "1"]})
    assert accepted.status_code == 302
    with app.app_context():
        placed = extensions.db.session.scalars(
            sa.select(orders.Order.placed_at).order_by(orders.Order.placed_at)
        ).all()
    assert [formatting_time(p) for p in placed] == ["20:03:05", "20:04:10"]


def formatting_time(value: object) -> str:
    from app.core import formatting

    return formatting.local_datetime(value, "%H:%M:%S")  # type: ignore[arg-type]
