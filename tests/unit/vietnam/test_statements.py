"""Bank statements as the Vietnamese banks export them: the table found below the account
details, headers read in Vietnamese, English or both, dates and amounts as banks write them,
stable transaction ids, and every problem named by its line."""

from __future__ import annotations

import datetime as dt

import pytest

from vietnam import statements
from vietnam.statements import Problem, StatementRejected, parse, parse_amount, parse_local_time

UTC = dt.UTC


def numbered(rows: list[list[str]], first: int = 1) -> list[tuple[int, list[str]]]:
    return [(first + i, row) for i, row in enumerate(rows)]


VCB = [
    ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM", "", "", "", ""],
    ["SAO KÊ TÀI KHOẢN / STATEMENT OF ACCOUNT", "", "", "", ""],
    ["Số tài khoản/Account number: 0071 0001 23456", "", "", "", ""],
    ["Từ ngày/From: 21/06/2026", "Đến ngày/To: 21/06/2026", "", "", ""],
    ["Ngày giao dịch", "Số tham chiếu", "Số tiền ghi nợ", "Số tiền ghi có", "Mô tả"],
    ["21/06/2026\n5243.65937", "5243.65937", "", "1.250.000", "MBVCB.123 DH0010429 chuyen tien"],
    ["21/06/2026 21:05:09", "5244.1", "20.000", "", "Phi SMS"],
    ["Tổng cộng", "", "20.000", "1.250.000", ""],
]


def test_a_vietcombank_statement_with_account_details_above_the_table() -> None:
    statement = parse(numbered(VCB))
    assert statement.bank == "vietcombank"
    assert statement.account_number == "00710001" + "23456"
    assert statement.header_line == 5
    assert [row.line for row in statement.rows] == [6, 7]
    first, fee = statement.rows
    assert (first.credit, first.debit, first.reference) == (1_250_000, 0, "5243.65937")
    assert first.occurred_at == dt.datetime(2026, 6, 20, 17, 0, tzinfo=UTC)  # local midnight
    assert first.content == "MBVCB.123 DH0010429 chuyen tien"
    assert first.money_in and not fee.money_in
    assert fee.occurred_at == dt.datetime(2026, 6, 21, 14, 5, 9, tzinfo=UTC)
    assert statement.skipped_lines == [8]


# Techcombank's bilingual header row (a business account's statement).
TECHCOMBANK_HEADER = [
    "STT/No.",
    "Ngày KH thực hiện/Requesting date",
    "Ngày giao dịch/Transaction date",
    "Số bút toán/Reference",
    "Tên tài khoản đối ứng/Remitter's account name",
    "Diễn giải/Description",
    "Nợ/Debit",
    "Có/Credit",
    "Số dư/Balance",
]


def test_bilingual_techcombank_headers_prefer_the_transaction_date() -> None:
    rows = [
        ["TECHCOMBANK", "", "", "", "", "", "", "", ""],
        TECHCOMBANK_HEADER,
        [
            "1",
            "20/06/2026",
            "21/06/2026 08:00",
            "FT26172001",
            "NGUYEN VAN A",
            "DH0010429 thanh toan",
            "",
            "1,250,000",
            "3,250,000",
        ],
    ]
    statement = parse(numbered(rows))
    assert statement.bank == "techcombank"
    assert statement.columns["date"] == "Ngày giao dịch/Transaction date"
    assert statement.columns["debit"] == "Nợ/Debit"  # not "STT/No."
    (row,) = statement.rows
    assert row.occurred_at == dt.datetime(2026, 6, 21, 1, 0, tzinfo=UTC)
    assert (row.credit, row.balance, row.counter_name) == (1_250_000, 3_250_000, "NGUYEN VAN A")
    assert row.transaction_id == "FT26172001|20260621|1250000|0"


def test_a_signed_amount_column_and_an_english_header_line_under_the_vietnamese_one() -> None:
    rows = [
        ["NGÂN HÀNG TMCP Á CHÂU (ACB)", "", "", "", ""],
        ["Ngày hiệu lực", "Số GD", "Diễn giải", "Số tiền", "Số dư"],
        ["Effective date", "Transaction no", "Description", "Amount", "Balance"],
        ["21-06-2026", "1001", "DH0010429", "+500.000 VND", "1.500.000"],
        ["21-06-2026", "1002", "Rut tien", "(200.000)", "1.300.000"],
    ]
    statement = parse(numbered(rows))
    assert statement.bank == "acb"
    assert [(r.credit, r.debit) for r in statement.rows] == [(500_000, 0), (0, 200_000)]
    assert statement.skipped_lines == [3]


def test_dates_and_times_as_banks_and_spreadsheets_write_them() -> None:
    expected = dt.datetime(2026, 6, 21, 13, 15, 3, tzinfo=UTC)
    assert parse_local_time("21/06/2026 20:15:03") == expected
    assert parse_local_time("2026-06-21T20:15:03") == expected
    assert parse_local_time("21.06.2026 20:15:03\nFT123") == expected
    assert parse_local_time("21/06/2026", "20:15:03") == expected
    assert parse_local_time("1/6/2026") == dt.datetime(2026, 5, 31, 17, 0, tzinfo=UTC)
    for bad in ("31/02/2026", "2026/06/21", "hôm qua", "21/06/26", "21/06/1999"):
        with pytest.raises(ValueError):
            parse_local_time(bad)


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1.250.000", 1_250_000),
        ("1,250,000", 1_250_000),
        ("1250000.00", 1_250_000),
        ("1250000", 1_250_000),
        ("1.250.000,00", 1_250_000),
        ("1,250,000.00", 1_250_000),
        ("+500.000", 500_000),
        ("-20,000", -20_000),
        ("(20.000)", -20_000),
        ("50.000 VND", 50_000),
        ("50.000 ₫", 50_000),
        ("", None),
        ("-", None),
        ("0", 0),
    ],
)
def test_amounts_as_banks_write_them(cell: str, value: int | None) -> None:
    assert parse_amount(cell) == value


@pytest.mark.parametrize("cell", ["12,5", "1.250.000,50", "abc", "1.2.3", "1,250.000.5", "9" * 20])
def test_amounts_that_do_not_read(cell: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(cell)


def test_every_problem_is_named_by_its_line_and_column() -> None:
    rows = [
        ["Ngày GD", "Số tiền ghi nợ", "Số tiền ghi có", "Nội dung"],
        ["21/06/2026", "", "100.000", "ok"],
        ["32/06/2026", "", "100.000", "bad day"],
        ["21/06/2026", "", "1.000,5", "bad amount"],
        ["", "", "100.000", "no date"],
        ["21/06/2026", "5.000", "100.000", "both"],
        ["21/06/2026", "", "", "nothing"],
    ]
    with pytest.raises(StatementRejected) as rejected:
        parse(numbered(rows, first=3))
    found = [(p.line, p.column, p.code) for p in rejected.value.problems]
    assert found == [
        (5, "Ngày GD", Problem.BAD_DATE),
        (6, "Số tiền ghi có", Problem.FRACTION),
        (7, "Ngày GD", Problem.NO_DATE),
        (8, None, Problem.BOTH_SIDES),
        (9, None, Problem.NO_AMOUNT),
    ]


def test_a_file_that_is_no_statement() -> None:
    with pytest.raises(StatementRejected) as rejected:
        parse(numbered([["Mã đơn", "SKU"], ["1", "NM-500"]]))
    assert [p.code for p in rejected.value.problems] == [Problem.NOT_A_STATEMENT]
    with pytest.raises(StatementRejected) as empty:
        parse(numbered([["Ngày giao dịch", "Ghi có", "Mô tả"], ["Tổng", "0", ""]]))
    assert [p.code for p in empty.value.problems] == [Problem.NO_TRANSACTIONS]


def test_ids_are_the_same_on_every_read_and_lookalike_rows_stay_two() -> None:
    rows = [
        ["Ngày giao dịch", "Số tiền ghi có", "Số tiền ghi nợ", "Nội dung", "Số dư"],
        ["21/06/2026 09:00", "100.000", "", "DH0010429", ""],
        ["21/06/2026 09:00", "100.000", "", "DH0010429", ""],
        ["21/06/2026 09:00", "100.000", "", "DH0010429", "900.000"],
    ]
    once = [row.transaction_id for row in parse(numbered(rows)).rows]
    again = [row.transaction_id for row in parse(numbered(rows, first=10)).rows]
    assert once == again
    assert len(set(once)) == 3
    assert once[1] == once[0] + "#2"
    # Blank lines moved around (another export of the same statement): the same ids.
    assert [r.transaction_id for r in parse([(1, rows[0]), *numbered(rows[1:], 5)]).rows] == once


def test_references_repeated_for_different_rows_stay_distinct() -> None:
    rows = [
        ["Ngày giao dịch", "Số tham chiếu", "Ghi có", "Ghi nợ", "Diễn giải"],
        ["21/06/2026", "FT1", "100.000", "", "a"],
        ["21/06/2026", "FT1", "", "1.100", "phi"],
        ["21/06/2026", "FT1", "100.000", "", "b"],
    ]
    ids = [row.transaction_id for row in parse(numbered(rows)).rows]
    assert ids == ["FT1|20260621|100000|0", "FT1|20260621|0|1100", "FT1|20260621|100000|0#2"]


def test_the_bank_is_named_only_when_one_bank_is() -> None:
    assert statements.detect_bank([["Ngân hàng TMCP Quân đội"]]) == "mbbank"
    assert statements.detect_bank([["VPBank", "Sacombank"]]) is None
    assert statements.detect_bank([["Công ty TNHH Nước mắm"]]) is None
    assert statements.detect_bank([["tài khoản MBVCB.123"]]) is None  # not a word of its own
