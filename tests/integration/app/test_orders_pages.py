"""Order pages through the test client: the list (empty state, filters, producer isolation),
manual entry with field errors, the import page (errors table, counts, unmatched SKUs),
comment review and acceptance, audience figures, payment accounts and the VietQR transfer."""

from __future__ import annotations

import csv
import io
import json
import re

import flask
import sqlalchemy as sa
import werkzeug.test

from app import extensions
from app.models import orders
from tests import conftest
from tests.integration.app import test_orders_comments as comment_tests
from tests.integration.app import test_orders_import as order_tests
from vietnam import transfers, vietqr


def csrf(client: flask.testing.FlaskClient, url: str) -> str:
    page = client.get(url)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
        r'name="csrf_token" value="([^"]+)"', page.text
    )
    assert match, url
    return match.group(1)


def template_file(status: str = "placed") -> io.BytesIO:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(order_tests.template_rows(status))
    return io.BytesIO(buffer.getvalue().encode("utf-8-sig"))


def import_via_page(client: flask.testing.FlaskClient, status: str = "placed") -> flask.Response:
    token = csrf(client, "/orders/import")
    return client.post(
        "/orders/import",
        data={"csrf_token": token, "file": (template_file(status), "orders.csv"), "session_id": ""},
        content_type="multipart/form-data",
    )


def upload_comments(
    client: flask.testing.FlaskClient, token: str, log: bytes, session_id: int
) -> werkzeug.test.TestResponse:
    """A comment log (JSON) uploaded on the comment page for a session."""
    return client.post(
        "/orders/comments",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(log), "log.json"),
            "session_id": str(session_id),
        },
        content_type="multipart/form-data",
    )


def test_list_empty_state_then_import_counts_and_reimport(
    app: flask.Flask, coordinator_shop: order_tests.Shop, client: flask.testing.FlaskClient
) -> None:
    empty = client.get("/orders/")
    assert empty.status_code == 200
    assert 'data-testid="orders-empty"' in empty.text
    assert 'data-testid="nav-orders"' in empty.text

    first = import_via_page(client)
    assert first.status_code == 200
    assert re.search(r'data-testid="count-created">3<', first.text)
    assert "UNKNOWN-1" in first.text  # unmatched SKU reported
    again = import_via_page(client)
    assert re.search(r'data-testid="count-unchanged">3<', again.text)
    assert order_tests.counts(app)[0] == 3

    by_session = client.get(f"/orders/?session_id={coordinator_shop.session_id}")
    assert by_session.text.count('data-testid="order-row"') == 2  # A1, A3 in the window
    assert f"/orders/audience/{coordinator_shop.session_id}" in by_session.text
    listing = client.get("/orders/?platform=tiktok")
    assert listing.text.count('data-testid="order-row"') == 2
    cancelled = client.get("/orders/?status=cancelled")
    assert cancelled.text.count('data-testid="order-row"') == 1
    by_date = client.get("/orders/?date_from=2026-06-22&date_to=2026-06-22")
    assert by_date.text.count('data-testid="order-row"') == 1  # B2, placed 22/06 local


def test_import_page_lists_row_errors_and_writes_nothing(
    app: flask.Flask, seller_shop: order_tests.Shop, client: flask.testing.FlaskClient
) -> None:
    rows = order_tests.template_rows()
    rows[1][7] = "nhiều tiền"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    token = csrf(client, "/orders/import")
    response = client.post(
        "/orders/import",
        data={"csrf_token": token, "file": (io.BytesIO(buffer.getvalue().encode()), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'data-testid="import-errors"' in response.text
    assert "Đơn giá" in response.text
    assert order_tests.counts(app) == (0, 0, 0)


def test_producer_sees_only_own_lines(
    app: flask.Flask,
    coordinator_shop: order_tests.Shop,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
) -> None:
    import_via_page(client)
    auth.logout()
    auth.login("producer1")
    listing = client.get("/orders/")
    # A1 (own NM-500 + other's CHE-100) and A3 (own NM-1000); not B2 (unmatched SKU)
    assert listing.text.count('data-testid="order-row"') == 2
    with app.app_context():
        ids = dict(
            extensions.db.session.execute(
                sa.select(orders.Order.external_id, orders.Order.id)
            ).all()
        )
    detail = client.get(f"/orders/{ids['A1']}")
    assert detail.status_code == 200
    assert detail.text.count('data-testid="order-line"') == 1
    assert "NM-500" in detail.text and "CHE-100" not in detail.text
    assert re.search(r'data-testid="order-total">190\.000 ₫<', detail.text)
    assert client.get(f"/orders/{ids['B2']}").status_code == 404
    assert client.get(f"/orders/{ids['A1']}/qr.png").status_code == 404  # shared order
    assert client.get("/orders/new").status_code == 403
    assert client.get("/orders/import").status_code == 403


def test_manual_entry_form_shows_field_errors_then_saves(
    app: flask.Flask, seller_shop: order_tests.Shop, client: flask.testing.FlaskClient
) -> None:
    token = csrf(client, "/orders/new")
    bad = client.post(
        "/orders/new",
        data={
            "csrf_token": token,
            "platform": "tiktok",
            "status": "placed",
            "buyer_phone": "12345",
            "lines-0-sku": "NM-500",
            "lines-0-quantity": "không",
        },
    )
    assert bad.status_code == 422
    assert 'data-field="buyer_phone"' in bad.text
    assert 'data-field="lines-0-quantity"' in bad.text
    assert order_tests.counts(app) == (0, 0, 0)
    good = client.post(
        "/orders/new",
        data={
            "csrf_token": token,
            "session_id": str(seller_shop.session_id),
            "status": "paid",
            "buyer_phone": "+84 912 345 678",
            "placed_at": "21/06/2026 20:10",
            "lines-0-sku": "NM-500",
            "lines-0-quantity": "2",
        },
    )
    assert good.status_code == 302
    page = client.get(good.headers["Location"])
    assert re.search(r'data-testid="buyer-phone">0912345678<', page.text)
    assert re.search(r'data-testid="order-total">190\.000 ₫<', page.text)


def test_payment_account_and_vietqr_on_the_order_page(
    app: flask.Flask, coordinator_shop: order_tests.Shop, client: flask.testing.FlaskClient
) -> None:
    import_via_page(client)
    with app.app_context():
        a1 = extensions.db.session.scalar(
            sa.select(orders.Order.id).where(orders.Order.external_id == "A1")
        )
        club_id = conftest.user_named("coordinator1").club_id
    page = client.get(f"/orders/{a1}")
    assert 'data-testid="qr-problem"' in page.text  # no account yet
    assert client.get(f"/orders/{a1}/qr.png").status_code == 422

    token = csrf(client, "/orders/payments")
    refused = client.post(
        "/orders/payments",
        data={"csrf_token": token, "owner": f"club:{club_id}", "bank_bin": "123456"},
    )
    assert refused.status_code == 422
    assert 'data-field="bank_bin"' in refused.text and 'data-field="account_number"' in refused.text
    saved = client.post(
        "/orders/payments",
        data={
            "csrf_token": token,
            "owner": f"club:{club_id}",
            "bank_bin": "970436",
            "account_number": "0011 0123 45678",
            "account_name": "Câu lạc bộ Móng Cái",
        },
    )
    assert saved.status_code == 302
    accounts_page = client.get("/orders/payments")
    assert "CAU LAC BO MONG CAI" in accounts_page.text and "Vietcombank" in accounts_page.text
    page = client.get(f"/orders/{a1}")
    assert 'data-testid="vietqr"' in page.text
    assert re.search(r'data-testid="qr-amount">245\.000 ₫<', page.text)

    png = client.get(f"/orders/{a1}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")
    payload = png.headers["X-VietQR-Payload"]
    fields = vietqr.parse_payload(payload)  # raises on a bad CRC
    assert payload[-4:] == f"{vietqr.crc16_ccitt_false(payload[:-4].encode()):04X}"
    assert fields["01"] == "12" and fields["54"] == "245000" and fields["53"] == "704"
    assert fields["38"]["01"] == {"00": "970436", "01": "0011012345678"}  # type: ignore[index]
    assert fields["62"]["01"] == transfers.make_code(a1)  # type: ignore[index]
    svg = client.get(f"/orders/{a1}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_comment_review_page_accepts_once(
    app: flask.Flask,
    slotted_shop: order_tests.Shop,
    auth: conftest.Auth,
    client: flask.testing.FlaskClient,
) -> None:
    auth.login("coordinator1")
    token = csrf(client, "/orders/comments")
    log = json.dumps(comment_tests.COMMENTS, ensure_ascii=False).encode()
    uploaded = upload_comments(client, token, log, slotted_shop.session_id)
    assert uploaded.status_code == 302
    review_url = uploaded.headers["Location"]
    review = client.get(review_url)
    assert review.text.count('data-testid="proposal"') == 2
    assert re.search(r'data-testid="report-duplicates">1<', review.text)
    accept_url = review_url + "/accept"
    for _click in range(2):
        client.post(accept_url, data={"csrf_token": token, "keep": ["0"]})
    assert order_tests.counts(app) == (1, 1, 2 * 79_000)  # only the kept line, once
    assert 'data-status="accepted"' in client.get(review_url).text
    batches = client.get("/orders/comments")
    assert 'data-testid="comment-batches"' in batches.text and "log.json" in batches.text


def test_audience_form_saves_figures(
    app: flask.Flask, seller_shop: order_tests.Shop, client: flask.testing.FlaskClient
) -> None:
    url = f"/orders/audience/{seller_shop.session_id}"
    token = csrf(client, url)
    bad = client.post(url, data={"csrf_token": token, "views": "-3"})
    assert bad.status_code == 422 and 'data-field="views"' in bad.text
    ok = client.post(
        url,
        data={
            "csrf_token": token,
            "views": "5000",
            "unique_viewers": "1200",
            "product_clicks": "300",
            "product_visitors": "200",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        row = extensions.db.session.get(orders.SessionAudience, seller_shop.session_id)
        assert row is not None and (row.views, row.product_visitors) == (5000, 200)
    csv_log = "Người xem,Vào lúc,Rời lúc\nlan,21/06/2026 20:00,21/06/2026 20:30\n".encode()
    uploaded = client.post(
        url,
        data={"file-csrf_token": token, "file-file": (io.BytesIO(csv_log), "viewers.csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    assert "1 lượt" in client.get(url).text
