"""The comment-order parser ("chốt đơn") and the comment-log reader."""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest

from analytics import comments

CODES = ["NM1", "CHE2", "NM12"]


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("chốt NM1", [("NM1", 1)]),
        ("nm1", [("NM1", 1)]),
        ("NM1 2", [("NM1", 2)]),
        ("NM1 x3", [("NM1", 3)]),
        ("NM1x3", [("NM1", 3)]),
        ("NM1 X 3", [("NM1", 3)]),
        ("NM1=2", [("NM1", 2)]),
        ("NM1: 4", [("NM1", 4)]),
        ("NM1 sl 2", [("NM1", 2)]),
        ("2 chai NM1", [("NM1", 2)]),
        ("lấy 2 nm1 nha", [("NM1", 2)]),
        ("NM1 lấy 2", [("NM1", 2)]),
        ("2 NM1 3 CHE2", [("NM1", 2), ("CHE2", 3)]),
        ("NM1 2 CHE2 3", [("NM1", 2), ("CHE2", 3)]),
        ("NM1 2 CHE2", [("NM1", 2), ("CHE2", 1)]),
        ("NM1 NM1", [("NM1", 2)]),
        ("NM12 x2", [("NM12", 2)]),
        ("NM1 500g", [("NM1", 1)]),
        ("NM1 2026", [("NM1", 1)]),
        ("NM1 0", [("NM1", 1)]),
    ],
)
def test_quantity_forms(text: str, items: list[tuple[str, int]]) -> None:
    assert list(comments.CodeMatcher(CODES).parse(text).items) == items


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("một nm1", 1),
        ("mot nm1", 1),
        ("hai chai NM1", 2),
        ("Hai Chai NM1", 2),
        ("NM1 ba", 3),
        ("bốn hộp NM1", 4),
        ("bon hop NM1", 4),
        ("năm NM1", 5),
        ("NM1 sáu", 6),
        ("NM1 bảy", 7),
        ("NM1 bay", 7),
        ("tám gói NM1", 8),
        ("chín NM1", 9),
        ("mười NM1", 10),
        ("muoi nm1", 10),
        ("bà lấy NM1", 1),  # 'bà' is not 'ba' (3)
    ],
)
def test_number_words(text: str, quantity: int) -> None:
    assert comments.CodeMatcher(CODES).parse(text).items == (("NM1", quantity),)


@pytest.mark.parametrize(
    ("text", "quantity", "phone"),
    [
        ("NM1 0912 345 678", 1, "0912345678"),
        ("0912345678 NM1", 1, "0912345678"),
        ("NM1 +84 912 345 678", 1, "0912345678"),
        ("NM1 +84 912 345 678 2", 2, "0912345678"),
        ("chốt NM1 sđt 0912.345.678", 1, "0912345678"),
        ("NM1 84912345678", 1, "0912345678"),
        ("NM1 0212 345 678", 1, None),  # not a mobile number, still not a quantity
    ],
)
def test_phone_digits_are_never_a_quantity(text: str, quantity: int, phone: str | None) -> None:
    got = comments.CodeMatcher(CODES).parse(text)
    assert got.items == (("NM1", quantity),)
    assert got.phone == phone


@pytest.mark.parametrize("text", ["NM13", "xin chào shop", "NM 1", "ANM1", "giá bao nhiêu ạ"])
def test_no_known_code_is_not_an_order(text: str) -> None:
    assert comments.CodeMatcher(CODES).parse(text).items == ()


def test_codes_with_long_digit_runs() -> None:
    matcher = comments.CodeMatcher(["SP2024", "A1"])
    assert matcher.parse("chốt sp2024 x2 và a1 3").items == (("SP2024", 2), ("A1", 3))


def test_diacritics_and_case_of_codes() -> None:
    matcher = comments.CodeMatcher(["MẬT1"])
    assert matcher.parse("chot mat1 2").items == (("MẬT1", 2),)


def _comment(minute: int, viewer: str, text: str) -> dict[str, object]:
    return {"time": pd.Timestamp(f"2026-03-01 13:{minute:02d}", tz="UTC"), "viewer": viewer,
            "text": text}  # fmt: skip


def test_parse_comments_lines_and_report() -> None:
    log = [
        _comment(1, "Lan", "Chốt NM1 2"),
        _comment(2, "Lan", "chot nm1 2"),  # the same comment again → one line
        _comment(3, "Hùng", "shop ơi giá bao nhiêu"),
        _comment(4, "Hùng", "2 chai CHE2 0987 654 321"),
        _comment(5, "Mai", "NM9 nha"),  # unknown code
        _comment(6, "Lan", "NM1 1"),  # a different comment: a second line
        _comment(7, "Tú", "lấy hai NM1"),
        _comment(8, "Lan", "sdt +84 912 345 678"),  # Lan's phone, sent separately
    ]
    result = comments.parse_comments(log, {"NM1": 101, "CHE2": 102})
    got = [(x.viewer, x.code, x.product_id, x.quantity, x.phone) for x in result.lines]
    assert got == [
        ("Lan", "NM1", 101, 2, "0912345678"),
        ("Hùng", "CHE2", 102, 2, "0987654321"),
        ("Lan", "NM1", 101, 1, "0912345678"),
        ("Tú", "NM1", 101, 2, None),
    ]
    assert result.lines[0].commented_at == pd.Timestamp("2026-03-01 13:01", tz="UTC")
    assert result.lines[0].text == "Chốt NM1 2"
    assert result.report == comments.ParseReport(
        total_comments=8,
        order_comments=5,
        duplicates=1,
        unique_commenters=4,
        lines_needing_phone=1,
    )
    frame = result.lines_frame()
    assert list(frame.columns) == [
        "viewer", "code", "product_id", "quantity", "phone", "commented_at", "text",
    ]  # fmt: skip
    assert frame["quantity"].sum() == 7


def test_repeat_by_another_viewer_is_another_line() -> None:
    log = pd.DataFrame([_comment(1, "A", "NM1"), _comment(2, "B", "NM1"), _comment(3, "A", "NM1")])
    result = comments.parse_comments(log, ["NM1"])
    assert [x.viewer for x in result.lines] == ["A", "B"]
    assert result.report.duplicates == 1


def test_comments_are_read_in_time_order() -> None:
    log = [_comment(9, "A", "NM1 3"), _comment(1, "A", "nm1 3")]
    result = comments.parse_comments(log, ["NM1"])
    assert len(result.lines) == 1 and result.lines[0].text == "nm1 3"


# ------------------------------------------------------------------------------- log reader


def test_read_csv_log_with_bom_and_vietnamese_headers() -> None:
    data = 'Thời gian,Người xem,Bình luận\n2026-03-01 20:01:05,Lan,"Chốt NM1, 2"\n'.encode(
        "utf-8-sig"
    )
    frame = comments.read_comment_log(data, fmt="csv")
    assert frame["time"].tolist() == [pd.Timestamp("2026-03-01 13:01:05", tz="UTC")]
    assert frame[["viewer", "text"]].values.tolist() == [["Lan", "Chốt NM1, 2"]]


def test_read_json_and_jsonl(tmp_path) -> None:
    items = [
        {"time": "2026-03-01T13:01:00Z", "viewer": "Lan", "text": "NM1"},
        {"time": 1772370120000, "viewer": "Hùng", "text": ""},
        {"time": "01/03/2026 20:03", "viewer": "Tú", "text": "hai NM1"},
    ]
    path = tmp_path / "log.json"
    path.write_text(json.dumps({"comments": items}), encoding="utf-8")
    frame = comments.read_comment_log(path)
    assert frame["time"].dt.strftime("%H:%M").tolist() == ["13:01", "13:02", "13:03"]
    lines = io.BytesIO("\n".join(json.dumps(i) for i in items).encode())
    assert comments.read_comment_log(lines, fmt="jsonl").equals(frame)


def test_bad_csv_lists_every_bad_line_and_returns_nothing() -> None:
    data = (
        "time,viewer,text\n"
        "2026-03-01 20:01,Lan,NM1\n"
        "yesterday,Hùng,NM1\n"  # line 3: bad time
        "2026-03-01 20:03,,CHE2\n"  # line 4: no viewer
        '2026-03-01 20:04,Mai,"two\nlines"\n'  # lines 5–6: fine
        "2026-03-01 20:05\n"  # line 7: too few cells
    )
    with pytest.raises(comments.CommentLogError) as caught:
        comments.read_comment_log(data.encode(), fmt="csv")
    assert caught.value.lines == [3, 4, 7]
    assert [(e.line, e.column) for e in caught.value.errors] == [
        (3, "time"),
        (4, "viewer"),
        (7, None),
    ]
    assert "line 3 (time)" in str(caught.value)


def test_bad_json_items_are_numbered() -> None:
    data = json.dumps([{"time": "2026-03-01T13:01:00Z", "viewer": "A"}, {"viewer": "B"}, 3])
    with pytest.raises(comments.CommentLogError) as caught:
        comments.read_comment_log(data.encode(), fmt="json")
    assert caught.value.lines == [2, 3]


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"", "csv", "empty"),
        (b"who,what\nA,B\n", "csv", "missing column(s): time, viewer, text"),
        (b"[{", "json", "invalid JSON"),
        (b"\xff\xfe\x00", "csv", "UTF-8"),
    ],
)
def test_unreadable_files(data: bytes, fmt: str, message: str) -> None:
    with pytest.raises(
        comments.CommentLogError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        comments.read_comment_log(data, fmt=fmt)


# ------------------------------------------------------------------------ times of day only

EVENING = (dt.datetime(2026, 3, 1, 20, 0), dt.datetime(2026, 3, 1, 22, 0))  # local times
LATE = (dt.datetime(2026, 3, 1, 23, 10), dt.datetime(2026, 3, 2, 1, 0))  # crosses midnight


@pytest.mark.parametrize(
    ("session", "time", "placed"),
    [
        (EVENING, dt.time(20, 5, 10), dt.datetime(2026, 3, 1, 20, 5, 10)),
        (EVENING, dt.time(19, 58), dt.datetime(2026, 3, 1, 19, 58)),  # before the start: same day
        (EVENING, dt.time(22, 30), dt.datetime(2026, 3, 1, 22, 30)),
        (LATE, dt.time(23, 10), dt.datetime(2026, 3, 1, 23, 10)),
        (LATE, dt.time(23, 59, 59), dt.datetime(2026, 3, 1, 23, 59, 59)),
        (LATE, dt.time(0, 0), dt.datetime(2026, 3, 2, 0, 0)),  # after midnight: the next day
        (LATE, dt.time(0, 20, 5), dt.datetime(2026, 3, 2, 0, 20, 5)),
        (LATE, dt.time(23, 9, 59), dt.datetime(2026, 3, 2, 23, 9, 59)),  # earlier than the start
    ],
)
def test_a_time_of_day_is_placed_on_the_sessions_date(
    session: tuple[dt.datetime, dt.datetime], time: dt.time, placed: dt.datetime
) -> None:
    assert comments.on_session_day(time, *session) == placed


def test_parse_time_of_day_needs_the_session_and_reads_it_in_local_time() -> None:
    start, end = LATE
    assert comments.parse_time("00:20:05", session_start=start, session_end=end) == pd.Timestamp(
        "2026-03-01 17:20:05", tz="UTC"
    )
    assert comments.parse_time("23:15", session_start=start, session_end=end) == pd.Timestamp(
        "2026-03-01 16:15", tz="UTC"
    )
    # Without an end the stream is taken not to cross midnight: the start's day.
    assert comments.parse_time("7:05:10.250", session_start=start) == pd.Timestamp(
        "2026-03-01 00:05:10.250", tz="UTC"
    )
    with pytest.raises(ValueError, match="needs the session"):
        comments.parse_time("19:05:10")
    for bad in ("24:00", "19:60", "7:5", "19:05:10 PM"):
        with pytest.raises(ValueError, match="not a time"):
            comments.parse_time(bad, session_start=start, session_end=end)


def test_a_log_of_times_of_day_crossing_midnight() -> None:
    data = (
        "time,viewer,text\n"
        "23:40:00,Lan,chốt NM1 2\n"
        "00:05:30,Hùng,NM1\n"
        "2026-03-01 23:50:00,Tú,NM1\n"  # full timestamps may be mixed in
    ).encode()
    frame = comments.read_comment_log(data, fmt="csv", session_start=LATE[0], session_end=LATE[1])
    assert frame["time"].tolist() == [
        pd.Timestamp("2026-03-01 16:40", tz="UTC"),
        pd.Timestamp("2026-03-01 17:05:30", tz="UTC"),
        pd.Timestamp("2026-03-01 16:50", tz="UTC"),
    ]
    result = comments.parse_comments(frame, ["NM1"])
    assert [line.viewer for line in result.lines] == ["Lan", "Tú", "Hùng"]  # in time order
    with pytest.raises(comments.CommentLogError) as refused:
        comments.read_comment_log(data, fmt="csv")  # no session: the times of day have no date
    assert refused.value.lines == [2, 3]


def test_times_outside_the_window_and_control_characters_are_refused() -> None:
    data = (
        "time,viewer,text\n"
        "2026-03-01 20:01,Lan,NM1\n"
        "2150-01-01 20:00,Lan,NM1\n"  # line 3: outside 2000–2100
        "0001-01-01 00:00,Lan,NM1\n"  # line 4: not a time pandas can hold
        '2026-03-01 20:02,"Lan\rX",NM1\n'  # lines 5–6: a CR in the name
        "2026-03-01 20:03,Hoa,NM1 \x1b[2J\n"  # line 7: an escape in the text
        '2026-03-01 20:04,Mai,"NM1\r\n2"\n'  # lines 8–9: line breaks in a text are fine
        "100000000000000000000,Tú,NM1\n"  # line 10: an epoch past any date
    ).encode()
    with pytest.raises(comments.CommentLogError) as refused:
        comments.read_comment_log(
            data,
            fmt="csv",
            earliest=dt.datetime(2000, 1, 1),
            latest=dt.datetime(2101, 1, 1),
        )
    assert [(e.line, e.column) for e in refused.value.errors] == [
        (3, "time"),
        (4, "time"),
        (5, "viewer"),
        (7, "text"),
        (10, "time"),
    ]
    assert "outside 2000-01-01 – 2100-12-31" in str(refused.value)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_nested_too_deep_is_a_row_error(fmt: str) -> None:
    with pytest.raises(comments.CommentLogError, match="nested too deeply"):
        comments.read_comment_log(("[" * 5000 + "]" * 5000).encode(), fmt=fmt)
