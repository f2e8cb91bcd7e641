"""Order exports as the seller centres write them: TikTok Shop (CSV with BOM and a description
row, XLSX sheet OrderSKUList), Shopee (Vietnamese headers, NFD headers, rows above the header,
two headers differing only in case) and the app's own template; bad files are refused whole
with row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from app.catalog_io import results
from app.orders import exports

TIKTOK_HEADERS = [
    "Order ID",
    "Order Status",
    "Order Substatus",
    "Cancelation/Return Type",
    "Normal or Pre-order",
    "SKU ID",
    "Seller SKU",
    "Product Name",
    "Variation",
    "Quantity",
    "Sku Quantity of return",
    "SKU Unit Original Price",
    "SKU Subtotal Before Discount",
    "SKU Platform Discount",
    "SKU Seller Discount",
    "SKU Subtotal After Discount",
    "Order Amount",
    "Created Time",
    "Paid Time",
    "Buyer Username",
    "Recipient",
    "Phone #",
    "Creator Handle",
]


def _tiktok_row(**values: str) -> list[str]:
    base = dict.fromkeys(TIKTOK_HEADERS, "")
    base.update(values)
    return [base[h] for h in TIKTOK_HEADERS]


def _tiktok_rows() -> list[list[str]]:
    return [
        TIKTOK_HEADERS,
        ["Platform unique order ID."] + ["Description."] * (len(TIKTOK_HEADERS) - 1),
        _tiktok_row(
            **{
                "Order ID": "579123456789012345",
                "Order Status": "Đã vận chuyển",
                "Seller SKU": "NM-500",
                "Product Name": "Nước mắm cá cơm",
                "Variation": "Chai 500ml",
                "Quantity": "2",
                "SKU Unit Original Price": "120000",
                "SKU Subtotal Before Discount": "240000",
                "SKU Platform Discount": "10000",
                "SKU Seller Discount": "20000",
                "Created Time": "21/06/2026 20:15:03\t",
                "Buyer Username": "lan.nguyen",
                "Phone #": "(+84)912345678",
                "Creator Handle": "clb.mongcai",
            }
        ),
        _tiktok_row(
            **{
                "Order ID": "579123456789012346",
                "Order Status": "Cancelled",
                "Cancelation/Return Type": "Cancel",
                "Seller SKU": "MO-250",
                "Quantity": "1",
                "SKU Unit Original Price": "95000",
                "SKU Subtotal Before Discount": "95000",
                "Created Time": "21/06/2026 20:40:00",
            }
        ),
        _tiktok_row(
            **{
                "Order ID": "579123456789012347",
                "Order Status": "Completed",
                "Cancelation/Return Type": "Return/Refund",
                "Seller SKU": "TE-100",
                "Quantity": "1",
                "SKU Unit Original Price": "150000",
                "SKU Subtotal Before Discount": "150000",
                "Created Time": "21/06/2026 21:05:00",
            }
        ),
    ]


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


def test_tiktok_csv_with_bom_and_description_row(tmp_path: Path) -> None:
    parsed = exports.parse_file(_write_csv(tmp_path / "orders.csv", _tiktok_rows()))
    assert parsed.layout == "tiktok"
    assert [line.order_id for line in parsed.lines] == [
        "579123456789012345",
        "579123456789012346",
        "579123456789012347",
    ]
    first, cancelled, returned = parsed.lines
    assert first.row == 3
    assert first.status == "shipped"
    assert first.quantity == 2
    assert first.unit_price == 120_000
    # Seller's price for the line: subtotal before discount minus the seller's own discount.
    assert first.amount == 220_000
    # 20:15:03 in Vietnam is 13:15:03 UTC; the trailing tab of the export is ignored.
    assert first.placed_at == dt.datetime(2026, 6, 21, 13, 15, 3)
    assert first.buyer_phone == "(+84)912345678"
    assert first.buyer_user == "lan.nguyen"
    assert first.creator == "clb.mongcai"
    assert first.product_name == "Nước mắm cá cơm"
    assert cancelled.status == "cancelled"
    assert returned.status == "returned"


def test_tiktok_xlsx_sheet(tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "tiktok.xlsx", list(_tiktok_rows()), sheet="OrderSKUList")
    parsed = exports.parse_file(path)
    assert parsed.layout == "tiktok"
    assert len(parsed.lines) == 3
    assert parsed.lines[0].amount == 220_000


SHOPEE_HEADERS = [
    "Mã đơn hàng",
    "Ngày đặt hàng",
    "Trạng Thái Đơn Hàng",
    "Lý do hủy",
    "Trạng thái Trả hàng/Hoàn tiền",
    "SKU sản phẩm",
    "Tên sản phẩm",
    "SKU phân loại hàng",
    "Tên phân loại hàng",
    "Giá gốc",
    "Giá ưu đãi",
    "Số lượng",
    "Tổng số tiền Người mua thanh toán",
    "Tổng giá trị đơn hàng (VND)",
    "Tổng số tiền người mua thanh toán",
    "Người Mua",
    "Tên Người nhận",
    "Số điện thoại",
]


def _shopee_row(**values: object) -> list[object]:
    base: dict[str, object] = dict.fromkeys(SHOPEE_HEADERS, "")
    base.update(values)
    return [base[h] for h in SHOPEE_HEADERS]


def test_shopee_xlsx_with_nfd_headers_and_rows_above(tmp_path: Path) -> None:
    nfd_headers = [unicodedata.normalize("NFD", h) for h in SHOPEE_HEADERS]
    rows: list[list[object]] = [
        ["Báo cáo đơn hàng"],
        nfd_headers,
        _shopee_row(
            **{
                "Mã đơn hàng": "260621M7R5PYPN",
                "Ngày đặt hàng": "2026-06-21 20:30",
                "Trạng Thái Đơn Hàng": "Người mua xác nhận đã nhận được hàng vào 25-06-2026",
                "SKU phân loại hàng": "NM-500",
                "Giá gốc": "150.000",
                "Giá ưu đãi": "129.000",
                "Số lượng": 3,
                "Tổng số tiền Người mua thanh toán": "387.000",
                "Tổng số tiền người mua thanh toán": "999.000",
                "Người Mua": "huongtran",
                "Số điện thoại": "84 912 345 678",
            }
        ),
        _shopee_row(
            **{
                "Mã đơn hàng": "260621M7R5PYPQ",
                "Ngày đặt hàng": "2026-06-21 20:45",
                "Trạng Thái Đơn Hàng": "Đã giao",
                "Trạng thái Trả hàng/Hoàn tiền": "Đã Chấp Thuận Yêu Cầu",
                "SKU sản phẩm": "MO-250",
                "Giá gốc": 95000,
                "Số lượng": 1,
            }
        ),
        _shopee_row(
            **{
                "Mã đơn hàng": "260621M7R5PYPR",
                "Ngày đặt hàng": "2026-06-21 20:50",
                "Trạng Thái Đơn Hàng": "Đã hủy",
                "SKU sản phẩm": "TE-100",
                "Giá gốc": 150000,
                "Số lượng": 2,
            }
        ),
    ]
    parsed = exports.parse_file(_write_xlsx(tmp_path / "Order.all.xlsx", rows))
    assert parsed.layout == "shopee"
    first, returned, cancelled = parsed.lines
    assert first.row == 3
    assert first.status == "completed"
    assert first.seller_sku == "NM-500"
    assert (first.unit_price, first.quantity, first.amount) == (129_000, 3, 387_000)
    assert first.placed_at == dt.datetime(2026, 6, 21, 13, 30)
    assert first.buyer_user == "huongtran"
    assert returned.status == "returned"
    assert returned.seller_sku == "MO-250"  # falls back to the product SKU
    assert returned.amount == 95_000  # no deal price: the original price
    assert cancelled.status == "cancelled"
    assert cancelled.amount == 300_000


def test_case_twin_headers_are_not_confused() -> None:
    columns = exports._columns(SHOPEE_HEADERS)
    assert columns["Tổng số tiền Người mua thanh toán"] == 12
    assert columns["Tổng số tiền người mua thanh toán"] == 14


def test_template_csv_with_english_headers(tmp_path: Path) -> None:
    rows = [
        ["platform", "order id", "placed at", "status", "sku", "quantity", "unit price"],
        ["TikTok Shop", "M-1", "21/06/2026 20:00", "đã thanh toán", "NM-500", "2", "120.000"],
        ["shopee", "M-2", "2026-06-21 20:05", "", "MO-250", "1", "95000"],
    ]
    parsed = exports.parse_file(_write_csv(tmp_path / "don.csv", rows))
    assert parsed.layout == "template"
    assert [(line.platform, line.status, line.amount) for line in parsed.lines] == [
        ("tiktok", "paid", 240_000),
        ("shopee", "placed", 95_000),
    ]


def test_bad_rows_are_all_reported_with_row_and_column(tmp_path: Path) -> None:
    rows = _tiktok_rows()
    rows[2][TIKTOK_HEADERS.index("Quantity")] = "hai"
    rows[3][TIKTOK_HEADERS.index("Created Time")] = "hôm qua"
    rows[4][TIKTOK_HEADERS.index("SKU Unit Original Price")] = "mười nghìn"
    with pytest.raises(results.ImportFailed) as failure:
        exports.parse_file(_write_csv(tmp_path / "orders.csv", rows))
    found = {(issue.row, issue.column) for issue in failure.value.issues}
    assert found == {
        (3, "Quantity"),
        (4, "Created Time"),
        (5, "SKU Unit Original Price"),
    }
    assert "3" in failure.value.message  # "Tệp có 3 lỗi…"


def test_missing_columns_named(tmp_path: Path) -> None:
    rows = [[h for h in TIKTOK_HEADERS if h != "Created Time"], ["579123456789012345"]]
    with pytest.raises(results.ImportFailed) as failure:
        exports.parse_file(_write_csv(tmp_path / "orders.csv", rows))
    assert "Created Time" in failure.value.message


def test_unknown_file_refused(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(results.ImportFailed) as failure:
        exports.parse_file(path)
    assert "TikTok Shop" in failure.value.message


def test_unknown_status_is_an_error_not_a_guess(tmp_path: Path) -> None:
    rows = _tiktok_rows()
    rows[2][TIKTOK_HEADERS.index("Order Status")] = "Đang bay"
    with pytest.raises(results.ImportFailed) as failure:
        exports.parse_file(_write_csv(tmp_path / "orders.csv", rows))
    assert [(i.row, i.column) for i in failure.value.issues] == [(3, "Order Status")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("180000", 180_000),
        ("180.000", 180_000),
        ("180,000", 180_000),
        ("1.300.000 ₫", 1_300_000),
        ("180000.0", 180_000),
        ("VND 95,000", 95_000),
    ],
)
def test_money_forms(raw: str, expected: int) -> None:
    assert exports.parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["", "12.5", "1,23", "abc"])
def test_money_rejects(raw: str) -> None:
    with pytest.raises(ValueError):
        exports.parse_money(raw)
