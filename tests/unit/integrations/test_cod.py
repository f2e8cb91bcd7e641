"""Carriers' COD payout statements: one hand-computed file per carrier layout (each with a
short payment and a delivered parcel missing from it), header synonyms, BOM, totals rows,
every problem by its line, and the matching and producer payables on a hand-computed case."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from integrations.carriers.cod import (
    ExpectedParcel,
    Finding,
    FindingKind,
    Reason,
    StatementRejected,
    producer_payables,
    read_statement,
    reconcile,
    split_transfer_fee,
)

Cell = str | int | float | dt.date | None


def csv_file(rows: list[list[str]], *, bom: bool = True, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_file(rows: list[list[Cell]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def kinds(findings: list[Finding]) -> list[tuple[str, str]]:
    return [
        (str(f.kind), f.parcel.reference if f.parcel else f.lines[0].tracking_code)
        for f in findings
    ]


# ---------------------------------------------------------------------------- GHN (CSV)

GHN_HEADER = [
    "STT",
    "Mã đơn GHN",
    "Mã đơn khách hàng",
    "Tiền thu hộ (COD)",
    "Phí vận chuyển",
    "Phí thu hộ",
    "Phí hoàn",
    "Phí bảo hiểm",
    "Tổng phí",
    "Thực nhận",
    "Ngày đối soát",
]
GHN_ROWS = [
    ["CÔNG TY CỔ PHẦN DỊCH VỤ GIAO HÀNG NHANH"],
    ["BẢNG ĐỐI SOÁT COD", "Cửa hàng: HTX Chè Shan Tuyết"],
    GHN_HEADER,  # line 3
    # 180.000 − (22.000 + 900) = 157.100
    ["1", "GA1", "DH0000013-1", "180.000", "22.000", "0", "0", "900", "22.900", "157.100",
     "21/06/2026"],
    # short: 150.000 paid of 200.000 expected; 150.000 − 22.000 = 128.000
    ["2", "GA2", "DH0000014-1", "150.000", "22.000", "0", "0", "0", "22.000", "128.000",
     "21/06/2026"],
    # returned, no COD: 0 − (22.000 + 11.000) = −33.000
    ["3", "GA3", "DH0000015-1", "0", "22.000", "0", "11.000", "0", "33.000", "-33.000",
     "21/06/2026 18:30"],
    ["Tổng cộng", "", "", "330.000", "66.000", "0", "11.000", "900", "77.900", "252.100", ""],
]  # fmt: skip
# GA4 (DH0000016-1) was delivered and is not in the file.
GHN_PARCELS = [
    ExpectedParcel("GA1", "DH0000013-1", 180_000, delivered=True, returned=False, producer_id=1),
    ExpectedParcel("GA2", "DH0000014-1", 200_000, delivered=True, returned=False, producer_id=2),
    ExpectedParcel("GA3", "DH0000015-1", 120_000, delivered=False, returned=True, producer_id=1),
    ExpectedParcel("GA4", "DH0000016-1", 90_000, delivered=True, returned=False, producer_id=2),
]


def test_ghn_statement_hand_computed() -> None:
    statement = read_statement("ghn", "doi-soat.csv", csv_file(GHN_ROWS))
    assert statement.carrier == "ghn"
    assert [line.line_no for line in statement.lines] == [4, 5, 6]  # totals (7) skipped
    first, short, returned = statement.lines
    assert (first.tracking_code, first.reference, first.cod_amount) == (
        "GA1",
        "DH0000013-1",
        180_000,
    )
    assert dict(first.fees) == {
        "shipping": 22_000,
        "cod": 0,
        "return": 0,
        "insurance": 900,
        "other": 0,
    }
    assert (first.fee_total, first.net, first.settled_at) == (22_900, 157_100, dt.date(2026, 6, 21))
    assert (short.cod_amount, short.net) == (150_000, 128_000)
    assert (returned.fee_total, returned.net) == (33_000, -33_000)
    assert returned.settled_at == dt.date(2026, 6, 21)
    # No label in the file: GHN's usual 5.500 per payout; 252.100 − 5.500 = 246.600.
    assert (statement.payout_date, statement.transfer_fee) == (None, 5_500)
    assert (statement.net_total, statement.payout) == (252_100, 246_600)

    findings = reconcile(statement.lines, GHN_PARCELS)
    assert kinds(findings) == [
        ("ok", "DH0000013-1"),
        ("short_payment", "DH0000014-1"),
        ("ok", "DH0000015-1"),  # returned: no COD expected, none paid
        ("fees", "DH0000013-1"),
        ("fees", "DH0000014-1"),
        ("returned_with_fees", "DH0000015-1"),
        ("delivered_not_paid", "DH0000016-1"),
    ]
    short_finding = findings[1]
    assert (short_finding.expected, short_finding.paid, short_finding.difference) == (
        200_000,
        150_000,
        -50_000,
    )
    # every fee counted: 22.900 + 22.000 + 33.000 = 77.900 (the file's total)
    fee_kinds = {FindingKind.FEES, FindingKind.RETURNED_WITH_FEES}
    assert sum(f.fee_total for f in findings if f.kind in fee_kinds) == 77_900
    assert findings[-1].expected == 90_000

    # Transfer fee 5.500 over 3 lines: 1.833 each, the remainder 1 on the first → 1.834.
    # Producer 1 (lines 4 and 6): 180.000 − (22.900 + 33.000) − (1.834 + 1.833) = 120.433
    # Producer 2 (line 5):        150.000 − 22.000 − 1.833 = 126.167
    payables = producer_payables(findings, [statement])
    assert [(p.producer_id, p.parcels, p.lines, p.collected, p.fees, p.transfer_fee, p.owed)
            for p in payables] == [
        (1, 2, 2, 180_000, 55_900, 3_667, 120_433),
        (2, 1, 1, 150_000, 22_000, 1_833, 126_167),
    ]  # fmt: skip
    assert sum(p.owed for p in payables) == statement.payout  # 246.600


def test_the_same_ghn_file_without_bom_and_with_semicolons_reads_the_same() -> None:
    with_bom = read_statement("ghn", "a.csv", csv_file(GHN_ROWS))
    plain = read_statement("ghn", "a.csv", csv_file(GHN_ROWS, bom=False, delimiter=";"))
    assert [(x.tracking_code, x.net) for x in plain.lines] == [
        (x.tracking_code, x.net) for x in with_bom.lines
    ]
    assert csv_file(GHN_ROWS).startswith(b"\xef\xbb\xbf")


def test_ghn_header_synonyms_bilingual_cells_and_several_other_fees() -> None:
    rows = [
        ["Mã vận đơn/Tracking code", "Mã đơn KH", "Tiền thu hộ (VNĐ)",
         "Phí vận chuyển/Shipping fee", "Phí giao lại", "Phí khác", "Thực nhận/Net amount"],
        # 200.000 − (20.000 + 5.000 + 1.000) = 174.000
        ["GB1", "DH1", "200,000", "20,000", "5,000", "1,000", "174,000"],
    ]  # fmt: skip
    (line,) = read_statement("ghn", "x.csv", csv_file(rows)).lines
    assert (line.tracking_code, line.reference) == ("GB1", "DH1")
    assert (line.fees["shipping"], line.fees["other"], line.fee_total, line.net) == (
        20_000,
        6_000,
        26_000,
        174_000,
    )
    assert line.settled_at is None


# ---------------------------------------------------------------------------- GHTK (CSV)

GHTK_ROWS = [
    ["GIAO HÀNG TIẾT KIỆM - BẢNG ĐỐI SOÁT"],
    ["Ngày chuyển khoản: 21/06/2026"],
    ["Mã đơn hàng", "Mã đơn shop", "Tiền thu hộ (VNĐ)", "Phí ship", "Phí bảo hiểm", "Phí hoàn",
     "Tiền trả shop", "Ngày đối soát"],  # line 3
    # 1.250.000 − (30.000 + 6.250) = 1.213.750
    ["S1.A1", "DH21-1", "1,250,000", "30,000", "6,250", "0", "1,213,750", "20/06/2026"],
    # short: 300.000 of 350.000; 300.000 − 30.000 = 270.000
    ["S1.A2", "DH22-1", "300,000", "30,000", "0", "0", "270,000", "20/06/2026"],
    # returned: 0 − (30.000 + 15.000) = −45.000, written in brackets
    ["S1.A3", "DH23-1", "0", "30,000", "0", "15,000", "(45,000)", "20/06/2026"],
    ["Tổng", "", "1,550,000", "90,000", "6,250", "15,000", "1,438,750", ""],
    ["Phí chuyển khoản", "3,300"],
]  # fmt: skip


def test_ghtk_statement_hand_computed() -> None:
    statement = read_statement("ghtk", "ghtk.csv", csv_file(GHTK_ROWS))
    assert [(x.line_no, x.tracking_code, x.cod_amount, x.fee_total, x.net)
            for x in statement.lines] == [
        (4, "S1.A1", 1_250_000, 36_250, 1_213_750),
        (5, "S1.A2", 300_000, 30_000, 270_000),
        (6, "S1.A3", 0, 45_000, -45_000),
    ]  # fmt: skip
    assert statement.lines[2].fees["return"] == 15_000
    # labels above and below the table; payout 1.438.750 − 3.300 = 1.435.450
    assert (statement.payout_date, statement.transfer_fee) == (dt.date(2026, 6, 21), 3_300)
    assert statement.payout == 1_435_450

    parcels = [
        ExpectedParcel("S1.A1", "DH21-1", 1_250_000, True, False, 7),
        ExpectedParcel("S1.A2", "DH22-1", 350_000, True, False, 7),
        ExpectedParcel("S1.A3", "DH23-1", 80_000, False, True, 8),
        ExpectedParcel("S1.A4", "DH24-1", 500_000, True, False, 8),
    ]
    findings = reconcile(statement.lines, parcels)
    short = [f for f in findings if f.kind == FindingKind.SHORT_PAYMENT]
    missing = [f for f in findings if f.kind == FindingKind.DELIVERED_NOT_PAID]
    assert [(f.parcel.reference, f.difference) for f in short if f.parcel] == [("DH22-1", -50_000)]
    assert [(f.parcel.reference, f.expected) for f in missing if f.parcel] == [("DH24-1", 500_000)]
    # 3.300 / 3 = 1.100 each. Producer 7: 1.550.000 − 66.250 − 2.200 = 1.481.550;
    # producer 8: 0 − 45.000 − 1.100 = −46.100 (they owe the club the return's fees).
    payables = producer_payables(findings, [statement])
    assert [(p.producer_id, p.owed) for p in payables] == [(7, 1_481_550), (8, -46_100)]


# ---------------------------------------------------------------------------- Viettel Post (XLSX)


def test_viettel_post_statement_hand_computed_from_xlsx() -> None:
    data = xlsx_file(
        [
            ["TỔNG CÔNG TY CỔ PHẦN BƯU CHÍNH VIETTEL"],
            ["CHI TIẾT BẢNG KÊ", "BK-2026-0621"],
            [],
            ["Số vận đơn", "Mã đơn hàng", "Tiền thu hộ", "Cước phí", "Phí COD", "Tổng tiền",
             "Ngày đối soát"],  # line 4
            # 500.000 − (25.000 + 5.000) = 470.000
            [1684063821201, "DH31-1", 500000, 25000, 5000, 470000, dt.datetime(2026, 6, 20)],
            # short: 200.000 of 240.000; 200.000 − (25.000 + 2.000) = 173.000
            [1684063821202, "DH32-1", 200000, 25000, 2000, 173000, dt.datetime(2026, 6, 20)],
            ["Tổng cộng", None, 700000, 50000, 7000, 643000, None],
        ]
    )  # fmt: skip
    statement = read_statement("viettelpost", "bang-ke.xlsx", data)
    first, second = statement.lines
    assert (first.line_no, first.tracking_code, first.reference) == (5, "1684063821201", "DH31-1")
    assert (first.fees["shipping"], first.fees["cod"], first.net) == (25_000, 5_000, 470_000)
    assert first.settled_at == dt.date(2026, 6, 20)
    assert (second.line_no, second.net) == (6, 173_000)
    assert (statement.transfer_fee, statement.payout) == (0, 643_000)

    parcels = [
        # booked before its tracking code was stored: matched by our reference
        ExpectedParcel("", "DH31-1", 500_000, True, False, 3),
        ExpectedParcel("1684063821202", "DH32-1", 240_000, True, False, 3),
        ExpectedParcel("1684063821203", "DH33-1", 150_000, True, False, 4),
    ]
    findings = reconcile(statement.lines, parcels)
    assert kinds(findings) == [
        ("ok", "DH31-1"),
        ("short_payment", "DH32-1"),
        ("fees", "DH31-1"),
        ("fees", "DH32-1"),
        ("delivered_not_paid", "DH33-1"),
    ]
    # producer 3: 700.000 − 57.000 = 643.000; producer 4 has no line, so nothing owed yet
    assert [(p.producer_id, p.owed) for p in producer_payables(findings, [statement])] == [
        (3, 643_000)
    ]


# ---------------------------------------------------------------------------- VNPost (XLSX)


def test_vnpost_statement_hand_computed_with_an_unknown_line() -> None:
    data = xlsx_file(
        [
            ["BƯU ĐIỆN VIỆT NAM"],
            ["BẢNG KÊ THANH TOÁN TIỀN COD", None, "Ngày chuyển tiền", "22/06/2026"],
            ["Số hiệu bưu gửi", "Mã đơn KH", "Tiền COD", "Cước", "Phí thu hộ", "Thực trả",
             "Ngày trả tiền"],  # line 3
            # 1.000.000 − (35.000 + 10.000) = 955.000 (amounts written as text)
            ["EB123456789VN", "DH41-1", "1.000.000", "35.000", "10.000", "955.000", "22/06/2026"],
            # short: 400.000 of 450.000; 400.000 − (35.000 + 4.000) = 361.000
            ["EB123456790VN", "DH42-1", 400000, 35000, 4000, 361000, "22/06/2026"],
            # none of ours: 100.000 − (20.000 + 1.000) = 79.000
            ["EB999999999VN", None, 100000, 20000, 1000, 79000, "22/06/2026"],
            ["Cộng", None, 1500000, 90000, 15000, 1395000, None],
        ]
    )  # fmt: skip
    statement = read_statement("vnpost", "bk.xlsx", data)
    assert [(x.line_no, x.net) for x in statement.lines] == [
        (4, 955_000),
        (5, 361_000),
        (6, 79_000),
    ]
    assert (statement.payout_date, statement.transfer_fee) == (dt.date(2026, 6, 22), 0)
    parcels = [
        ExpectedParcel("EB123456789VN", "DH41-1", 1_000_000, True, False, 5),
        ExpectedParcel("eb 123456790 vn", "DH42-1", 450_000, True, False, 6),  # case, spaces
        ExpectedParcel("EB123456791VN", "DH43-1", 60_000, True, False, 6),
    ]
    findings = reconcile(statement.lines, parcels)
    assert kinds(findings) == [
        ("ok", "DH41-1"),
        ("short_payment", "DH42-1"),
        ("fees", "DH41-1"),
        ("fees", "DH42-1"),
        ("delivered_not_paid", "DH43-1"),
        ("unknown_line", "EB999999999VN"),
    ]
    unknown = findings[-1]
    assert (unknown.paid, unknown.fee_total) == (100_000, 21_000)
    payables = producer_payables(findings, [statement])
    assert [(p.producer_id, p.owed) for p in payables] == [
        (5, 955_000),
        (6, 361_000),
        (None, 79_000),  # the unknown line stays with the club
    ]


# ---------------------------------------------------------------------------- problems


def rejected(carrier: str, filename: str, data: bytes) -> StatementRejected:
    with pytest.raises(StatementRejected) as caught:
        read_statement(carrier, filename, data)
    return caught.value


def test_every_problem_of_a_file_is_named_by_its_line_and_column() -> None:
    rows = [
        GHN_HEADER,
        ["1", "GA1", "DH1", "180.000", "22.000", "0", "0", "0", "22.000", "158.000", "21/06/2026"],
        ["2", "GA2", "DH2", "150.000", "12,5", "0", "0", "0", "22.000", "128.000", "21/06/2026"],
        ["3", "GA3", "DH3", "100.000", "10.000", "0", "0", "0", "10.000", "90.000", "32/06/2026"],
        ["4", "GA4", "DH4", "100.000", "10.000", "0", "0", "0", "12.000", "88.000", ""],
        ["5", "GA1", "DH5", "100.000", "10.000", "0", "0", "0", "10.000", "90.000", ""],
        ["6", "", "DH6", "100.000", "10.000", "0", "0", "0", "10.000", "90.000", ""],
        ["7", "GA7", "DH7", "abc", "10.000", "0", "0", "0", "10.000", "90.000", ""],
    ]  # fmt: skip
    problems = rejected("ghn", "bad.csv", csv_file(rows)).problems
    assert [(p.line, p.column, p.code, dict(p.params)) for p in problems] == [
        # 180.000 − 22.000 = 158.000 is right; line 2 is fine
        (3, "Phí vận chuyển", Reason.FRACTION, {"value": "12,5"}),
        (4, "Ngày đối soát", Reason.BAD_DATE, {"value": "32/06/2026"}),
        (5, "Tổng phí", Reason.FEE_TOTAL_MISMATCH, {"value": 12_000, "expected": 10_000}),
        (6, "Mã đơn GHN", Reason.DUPLICATE_TRACKING_CODE, {"value": "GA1", "first_line": 2}),
        (7, "Mã đơn GHN", Reason.NO_TRACKING_CODE, {}),
        (8, "Tiền thu hộ (COD)", Reason.BAD_AMOUNT, {"value": "abc"}),
    ]


def test_a_net_that_is_not_cod_minus_fees_is_refused_with_both_numbers() -> None:
    rows = [
        ["Số vận đơn", "Mã đơn hàng", "Tiền thu hộ", "Cước phí", "Phí COD", "Tổng tiền"],
        ["V1", "DH1", "500.000", "25.000", "5.000", "470.000"],
        ["V2", "DH2", "500.000", "25.000", "5.000", "500.000"],  # Tổng tiền = COD, not net
    ]
    (problem,) = rejected("viettelpost", "v.csv", csv_file(rows)).problems
    assert (problem.line, problem.column, problem.code) == (3, "Tổng tiền", Reason.NET_MISMATCH)
    assert dict(problem.params) == {"value": 500_000, "expected": 470_000}


def test_a_bad_statement_label_is_a_problem() -> None:
    rows = [["Ngày chuyển khoản: 31/02/2026"], *GHN_ROWS[2:]]
    (problem,) = rejected("ghn", "a.csv", csv_file(rows)).problems
    assert (problem.line, problem.column, problem.code) == (
        None,
        "Ngày chuyển khoản",
        Reason.BAD_DATE,
    )


@pytest.mark.parametrize(
    ("carrier", "filename", "data", "code", "params"),
    [
        ("jnt", "a.csv", b"x", Reason.UNKNOWN_CARRIER, {"carrier": "jnt"}),
        ("ghn", "a.xls", b"\xd0\xcf\x11\xe0rest", Reason.UNSUPPORTED_FORMAT, {"extension": "xls"}),
        ("ghn", "a.xlsx", b"\xd0\xcf\x11\xe0rest", Reason.UNSUPPORTED_FORMAT,
         {"extension": "xlsx"}),
        ("ghn", "a.pdf", b"%PDF", Reason.UNSUPPORTED_FORMAT, {"extension": "pdf"}),
        ("ghn", "a.csv", b"", Reason.EMPTY_FILE, {}),
        ("ghn", "a.csv", b"\xef\xbb\xbf\r\n,,\r\n", Reason.EMPTY_FILE, {}),
        ("ghn", "a.csv", "Mã đơn GHN,Tiền thu hộ".encode("utf-16"), Reason.NOT_UTF8,
         {"encoding": "utf-16"}),
        ("ghn", "a.csv", xlsx_file([["a"]]), Reason.EXCEL_AS_CSV, {}),
        ("ghn", "a.xlsx", b"PK\x03\x04broken", Reason.UNREADABLE, {}),
        ("ghn", "a.csv", "Ngày,Số tiền\n21/06/2026,100.000\n".encode(), Reason.UNKNOWN_LAYOUT,
         {"carrier": "ghn", "rows": 40}),
        ("ghn", "a.csv", csv_file([GHN_HEADER, ["Tổng cộng", "", "", "0"]]), Reason.NO_LINES, {}),
    ],
)  # fmt: skip
def test_whole_file_problems(
    carrier: str, filename: str, data: bytes, code: str, params: dict[str, object]
) -> None:
    (problem,) = rejected(carrier, filename, data).problems
    assert (problem.line, problem.code, dict(problem.params)) == (None, code, params)


def test_a_csv_that_is_not_utf8_names_its_line() -> None:
    data = "Mã đơn GHN,Tiền thu hộ,Thực nhận\r\nGA1,1,1\r\n".encode() + "GĂ2".encode("cp1258")
    (problem,) = rejected("ghn", "a.csv", data).problems
    assert (problem.line, problem.code) == (3, Reason.NOT_UTF8)


def test_vtp_reference_header_is_ghtk_tracking_header() -> None:
    """'Mã đơn hàng' is GHTK's tracking code but Viettel Post's reference to our order."""
    ghtk = [["Mã đơn hàng", "Tiền thu hộ", "Phí ship"], ["S1.A1", "100.000", "30.000"]]
    vtp = [["Số vận đơn", "Mã đơn hàng", "Tiền thu hộ", "Cước phí"], ["V1", "DH1", "1", "0"]]
    assert read_statement("ghtk", "g.csv", csv_file(ghtk)).lines[0].tracking_code == "S1.A1"
    line = read_statement("viettelpost", "v.csv", csv_file(vtp)).lines[0]
    assert (line.tracking_code, line.reference) == ("V1", "DH1")


# ---------------------------------------------------------------------------- reconcile


def test_lines_of_two_statements_add_up_for_one_parcel_and_fees_split_per_statement() -> None:
    first = read_statement(
        "ghn",
        "1.csv",
        csv_file(
            [
                ["Phí chuyển khoản: 10"],
                ["Mã đơn GHN", "Mã đơn khách hàng", "Tiền thu hộ", "Phí vận chuyển", "Thực nhận"],
                # a partial COD first (update_cod), the rest in a later payout
                ["GA1", "DH1", "60.000", "20.000", "40.000"],
                ["GA2", "DH2", "50.000", "20.000", "30.000"],
                ["GA3", "DH3", "50.000", "20.000", "30.000"],
            ]
        ),
    )
    second = read_statement(
        "ghn",
        "2.csv",
        csv_file(
            [
                ["Phí chuyển khoản", "5.500"],
                ["Mã đơn GHN", "Mã đơn khách hàng", "Tiền thu hộ", "Phí vận chuyển", "Thực nhận"],
                ["GX9", "DH1", "40.000", "0", "40.000"],  # another code, our reference
            ]
        ),
    )
    parcels = [
        ExpectedParcel("GA1", "DH1", 100_000, True, False, 1),
        ExpectedParcel("GA2", "DH2", 50_000, True, False, 2),
        ExpectedParcel("GA3", "DH3", 40_000, True, False, 2),
    ]
    findings = reconcile([*first.lines, *second.lines], parcels)
    payments = [f for f in findings if f.kind != FindingKind.FEES]
    assert [(str(f.kind), f.paid, len(f.lines)) for f in payments] == [
        ("ok", 100_000, 2),  # 60.000 + 40.000
        ("ok", 50_000, 1),
        ("over_payment", 50_000, 1),
    ]
    # statement 1: 10 over 3 lines → 4, 3, 3; statement 2: 5.500 on its one line.
    # producer 1: 100.000 − 20.000 − (4 + 5.500) = 74.496
    # producer 2: 100.000 − 40.000 − (3 + 3) = 59.994
    payables = producer_payables(findings, [first, second])
    assert [(p.producer_id, p.parcels, p.lines, p.transfer_fee, p.owed) for p in payables] == [
        (1, 1, 2, 5_504, 74_496),
        (2, 2, 2, 6, 59_994),
    ]
    assert sum(p.owed for p in payables) == first.payout + second.payout


def test_split_transfer_fee() -> None:
    assert split_transfer_fee(5_500, 3) == [1_834, 1_833, 1_833]
    assert split_transfer_fee(5_500, 1) == [5_500]
    assert split_transfer_fee(2, 4) == [2, 0, 0, 0]
    assert split_transfer_fee(5_500, 0) == []
    assert sum(split_transfer_fee(5_501, 7)) == 5_501


def test_a_returned_parcel_that_the_carrier_paid_cod_for_is_an_over_payment() -> None:
    rows = [
        ["Mã đơn GHN", "Tiền thu hộ", "Phí hoàn", "Thực nhận"],
        ["GA1", "80.000", "0", "80.000"],
    ]
    statement = read_statement("ghn", "r.csv", csv_file(rows))
    findings = reconcile(statement.lines, [ExpectedParcel("GA1", "DH1", 80_000, False, True, 1)])
    assert [(str(f.kind), f.expected, f.paid) for f in findings] == [("over_payment", 0, 80_000)]
