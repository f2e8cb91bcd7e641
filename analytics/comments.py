"""Comment orders ("chốt đơn"): livestream comments → proposed order lines, plus the log reader.

Rules (domain.md):

- A comment orders when it contains a run-of-show code of the session (``NM1``), with or without
  a keyword (chốt, lấy, mua, đặt). Case, word order and diacritics do not matter; a code must
  stand alone (``NM12`` is not ``NM1``) but may carry its quantity (``NM1x3``).
- Quantity: ``NM1 2``, ``NM1 x3``, ``NM1=2``, ``NM1 sl 2``, ``2 NM1``, ``2 chai NM1``, or a
  number word một…mười with or without diacritics (``hai chai NM1``, ``NM1 ba``); default 1.
  Quantities are 1–999. When the first code of a comment has a number before it, numbers are
  read before codes (``2 NM1 3 CHE2``), otherwise after them (``NM1 2 CHE2 3``). Digits of a
  phone number, of a code or of any longer number (``500g`` … ``2026``) are never a quantity.
- Phone: the first valid Vietnamese mobile number in the comment (normalised by
  :func:`vietnam.phones.mobile`), else the last one the same viewer wrote anywhere in
  the log (viewers often send it separately when the host asks); lines without one are
  counted as needing a phone.
- The same viewer repeating the same order comment (equal once folded by
  :func:`vietnam.text.fold`) is one order line.
- A comment without a known code is not an order but still counts as a comment.
- Times: full timestamps, or times of day only (``19:05:10``, as copied from a phone), which
  belong to the session's local date; for a stream crossing midnight, a time earlier than the
  start belongs to the next day (:func:`on_session_day`).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import pandas as pd

from vietnam import phones
from vietnam.text import fold, nfc

KEYWORDS = frozenset({"chot", "lay", "mua", "dat", "don", "them"})
"""Order words, transparent between a code and its quantity (``NM1 lấy 2``)."""

NUMBER_WORD_FORMS = {
    "một": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
}
"""một…mười as written; a number word reads with these diacritics or with none at all."""

NUMBER_WORDS: dict[str, int] = {}
"""Folded number word → value (filled from NUMBER_WORD_FORMS below)."""

UNITS = frozenset(
    {
        "chai", "hop", "goi", "lo", "hu", "cai", "tui", "bich", "thung", "kg", "can", "phan",
        "set", "combo", "cuon", "bao", "vi", "banh", "qua", "trai", "cay", "chiec", "doi", "bo",
        "sp", "suat", "lon", "ly", "coc", "khay", "mieng", "xau", "cap", "bom", "thanh",
    }
)  # fmt: skip
"""Unit words allowed between a number and the code it counts (``2 chai NM1``)."""

MAX_QUANTITY = 999

_PHONE_RE = re.compile(r"(?<![\w+])(?:\+?84[\s.\-]?0?|0)(?:[\s.\-]?\d){9}(?!\d)")
_LONG_NUMBER_RE = re.compile(r"\d{4,}")
_TOKEN_RE = re.compile(
    r"\x00(?P<code>\d+)\x00"
    r"|(?:(?<![a-z])x|[*×=:]|(?<![a-z])sl\s*[:=]?)\s*(?P<explicit>\d{1,3})(?!\d)"
    r"|(?<![a-z0-9])(?P<number>\d{1,3})(?![0-9a-z])"
    r"|(?P<word>[a-z]+)"
)


NUMBER_WORDS.update({fold(word): n for word, n in NUMBER_WORD_FORMS.items()})

_WORD_RE = re.compile(r"\w+")


def _drop_false_number_words(text: str) -> str:
    """Hide words that fold to a number word but carry other diacritics ('bà' is not 'ba')."""

    def check(match: re.Match[str]) -> str:
        word = match.group(0)
        folded = fold(word)
        if folded in NUMBER_WORDS and word not in NUMBER_WORD_FORMS and word != folded:
            return "_"
        return word

    return _WORD_RE.sub(check, unicodedata.normalize("NFC", text).lower())


@dataclasses.dataclass(frozen=True)
class CommentOrder:
    """What one comment orders: ``items`` (run-of-show code as given, quantity) and a phone."""

    items: tuple[tuple[str, int], ...]
    phone: str | None


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str  # code | explicit | number | unit
    value: Any


class CodeMatcher:
    """A session's run-of-show codes compiled once for many comments."""

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes: dict[str, str] = {}
        for code in codes:
            key = fold(str(code)).replace(" ", "")
            if key:
                self.codes.setdefault(key, str(code))
        ordered = sorted(self.codes, key=len, reverse=True)
        self._keys = ordered
        self._re = (
            re.compile(
                r"(?<![a-z0-9])("
                + "|".join(re.escape(k) for k in ordered)
                + r")(?=$|[^a-z0-9]|x\d)"
            )
            if ordered
            else None
        )

    def parse(self, text: str) -> CommentOrder:
        """Read one comment (see the module rules)."""
        folded = fold(_drop_false_number_words(text or ""))
        phone = None
        for match in _PHONE_RE.finditer(folded):
            phone = phone or phones.mobile(match.group(0))
        if self._re is None:
            return CommentOrder(items=(), phone=phone)
        # phone numbers can never be quantities (nor codes): blank them first
        blanked = _PHONE_RE.sub(" ", folded)
        found: list[str] = []

        def mark(match: re.Match[str]) -> str:
            found.append(self.codes[match.group(1)])
            return f" \x00{len(found) - 1}\x00 "

        marked = self._re.sub(mark, blanked)
        if not found:
            return CommentOrder(items=(), phone=phone)
        # then, with the codes taken out, any other long digit run is no quantity either
        marked = _LONG_NUMBER_RE.sub(" ", marked)
        tokens = _tokens(marked, found)
        quantities: dict[str, int] = {}
        for code, quantity in _assign(tokens):
            quantities[code] = quantities.get(code, 0) + quantity
        return CommentOrder(items=tuple(quantities.items()), phone=phone)


def _tokens(marked: str, found: list[str]) -> list[Token]:
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(marked):
        if match.group("code") is not None:
            tokens.append(Token("code", found[int(match.group("code"))]))
        elif match.group("explicit") is not None:
            tokens.append(Token("explicit", int(match.group("explicit"))))
        elif match.group("number") is not None:
            tokens.append(Token("number", int(match.group("number"))))
        else:
            word = match.group("word")
            if word in KEYWORDS:
                continue  # transparent
            if word in NUMBER_WORDS:
                tokens.append(Token("number", NUMBER_WORDS[word]))
            elif word in UNITS:
                tokens.append(Token("unit", word))
            else:
                tokens.append(Token("word", word))
    return tokens


def _usable(token: Token | None) -> bool:
    return (
        token is not None
        and token.kind in ("number", "explicit")
        and 1 <= token.value <= MAX_QUANTITY
    )


def _assign(tokens: list[Token]) -> list[tuple[str, int]]:
    """Pair every code token with its quantity token (each number used once)."""
    used: set[int] = set()

    def left_of(i: int) -> int | None:
        j = i - 1
        if j >= 0 and tokens[j].kind == "unit":
            j -= 1
        if j >= 0 and j not in used and tokens[j].kind == "number" and _usable(tokens[j]):
            return j
        return None

    def right_of(i: int) -> int | None:
        j = i + 1
        if j < len(tokens) and j not in used and _usable(tokens[j]):
            return j
        return None

    code_positions = [i for i, t in enumerate(tokens) if t.kind == "code"]
    before_first = left_of(code_positions[0]) is not None
    out: list[tuple[str, int]] = []
    for i in code_positions:
        explicit = i + 1 < len(tokens) and tokens[i + 1].kind == "explicit"
        if explicit and _usable(tokens[i + 1]) and i + 1 not in used:
            chosen: int | None = i + 1
        elif before_first:
            chosen = left_of(i)
            chosen = chosen if chosen is not None else right_of(i)
        else:
            chosen = right_of(i)
            chosen = chosen if chosen is not None else left_of(i)
        if chosen is not None:
            used.add(chosen)
        out.append((tokens[i].value, tokens[chosen].value if chosen is not None else 1))
    return out


@dataclasses.dataclass(frozen=True)
class ProposedLine:
    """One order line proposed from a comment, for review before it becomes an order."""

    viewer: str
    code: str
    product_id: Any
    quantity: int
    phone: str | None
    commented_at: Any
    text: str


@dataclasses.dataclass(frozen=True)
class ParseReport:
    """total_comments; order_comments (with a known code, repeats included); duplicates (order
    comments dropped as repeats); unique_commenters (distinct viewers over all comments);
    lines_needing_phone (proposed lines without a phone)."""

    total_comments: int
    order_comments: int
    duplicates: int
    unique_commenters: int
    lines_needing_phone: int


@dataclasses.dataclass(frozen=True)
class ParseResult:
    lines: tuple[ProposedLine, ...]
    report: ParseReport

    def lines_frame(self) -> pd.DataFrame:
        """The proposed lines as a DataFrame (columns = :class:`ProposedLine` fields)."""
        names = [f.name for f in dataclasses.fields(ProposedLine)]
        return pd.DataFrame([dataclasses.astuple(line) for line in self.lines], columns=names)


def _rows(comments: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[tuple[Any, str, str]]:
    if isinstance(comments, pd.DataFrame):
        records: Iterable[Mapping[Any, Any]] = comments.to_dict("records")
    else:
        records = comments
    rows = []
    for record in records:
        viewer = record.get("viewer")
        text = record.get("text")
        rows.append(
            (
                record.get("time"),
                "" if viewer is None or viewer != viewer else nfc(str(viewer)),
                "" if text is None or text != text else unicodedata.normalize("NFC", str(text)),
            )
        )
    return rows


def parse_comments(
    comments: pd.DataFrame | Iterable[Mapping[str, Any]],
    codes: Mapping[str, Any] | Iterable[str],
) -> ParseResult:
    """Turn a stream's comments (time, viewer, text) into proposed lines and the parse report.

    ``codes`` is the run-of-show: a mapping code → product id, or just the codes. Comments are
    read in time order (stable for equal times); lines come out in that order.
    """
    products = dict(codes) if isinstance(codes, Mapping) else {str(c): None for c in codes}
    matcher = CodeMatcher(products)
    rows = _rows(comments)
    order = sorted(range(len(rows)), key=lambda i: _sort_key(rows[i][0]))
    parsed = [(rows[i], matcher.parse(rows[i][2])) for i in order]
    last_phone: dict[str, str] = {}
    for (_, viewer, _), result in parsed:
        if result.phone:
            last_phone[viewer] = result.phone
    seen: set[tuple[str, str]] = set()
    lines: list[ProposedLine] = []
    order_comments = duplicates = 0
    for (time, viewer, text), result in parsed:
        if not result.items:
            continue
        order_comments += 1
        key = (viewer, fold(text))
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        phone = result.phone or last_phone.get(viewer)
        for code, quantity in result.items:
            lines.append(
                ProposedLine(
                    viewer=viewer,
                    code=code,
                    product_id=products.get(code),
                    quantity=quantity,
                    phone=phone,
                    commented_at=time,
                    text=text,
                )
            )
    report = ParseReport(
        total_comments=len(rows),
        order_comments=order_comments,
        duplicates=duplicates,
        unique_commenters=len({viewer for _, viewer, _ in rows if viewer}),
        lines_needing_phone=sum(1 for line in lines if line.phone is None),
    )
    return ParseResult(lines=tuple(lines), report=report)


def _sort_key(time: Any) -> Any:
    if time is None or time is pd.NaT:
        return pd.Timestamp.min.tz_localize("UTC")
    stamp = pd.Timestamp(time)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp


# ---------------------------------------------------------------------------- comment log files


@dataclasses.dataclass(frozen=True)
class LogRowError:
    """line: CSV / JSON Lines file line (header = line 1), or 1-based item of a JSON array;
    None for a whole-file problem."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = "file" if self.line is None else f"line {self.line}"
        return f"{where}{f' ({self.column})' if self.column else ''}: {self.message}"


class CommentLogError(ValueError):
    """The comment log cannot be read; nothing from it is used. ``errors`` lists every row."""

    def __init__(self, errors: list[LogRowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))

    @property
    def lines(self) -> list[int]:
        """The line (or item) numbers with errors, in file order."""
        return sorted({e.line for e in self.errors if e.line is not None})


HEADER_ALIASES = {
    "time": ("time", "timestamp", "created_at", "thoi gian", "thoigian", "gio"),
    "viewer": ("viewer", "user", "username", "nickname", "nguoi xem", "ten", "nguoi binh luan"),
    "text": ("text", "comment", "message", "content", "binh luan", "noi dung"),
}

_DMY_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_TIME_OF_DAY_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?$")
# C0/C1 control characters and the Unicode line separators (as app.text.has_controls): in a
# viewer's name they would split the CSV rows and headers the name ends up in.
_CONTROLS = frozenset(
    [chr(c) for c in range(0x00, 0x20)] + [chr(c) for c in range(0x7F, 0xA0)] + ["\u2028", "\u2029"]
)


def _has_controls(value: str, allowed: frozenset[str] = frozenset()) -> bool:
    return any(ch in _CONTROLS and ch not in allowed for ch in value)


def _local(value: dt.datetime, naive_tz: str) -> dt.datetime:
    """A naive wall-clock time in ``naive_tz`` (aware values are converted first)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(ZoneInfo(naive_tz)).replace(tzinfo=None)


def on_session_day(
    time: dt.time, session_start: dt.datetime, session_end: dt.datetime | None = None
) -> dt.datetime:
    """A time of day from a log placed on the session's local date (domain.md).

    ``session_start``/``session_end`` are the session's local wall-clock times. The time belongs
    to the start's date; for a stream that crosses midnight (it ends on a later date), a time
    earlier than the start belongs to the next day: 23:10–01:00, '00:20:05' is the next day's.
    """
    day = session_start.date()
    crosses_midnight = session_end is not None and session_end.date() > day
    if crosses_midnight and time < session_start.time():
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, time)


def parse_time(
    value: Any,
    naive_tz: str = "Asia/Ho_Chi_Minh",
    *,
    session_start: dt.datetime | None = None,
    session_end: dt.datetime | None = None,
) -> pd.Timestamp:
    """A comment time → tz-aware UTC Timestamp; raises ValueError with a readable message.

    Accepts ISO 8601 (offset or Z optional), ``DD/MM/YYYY HH:MM[:SS]``, epoch seconds or
    milliseconds, and a time of day only (``19:05:10``, as copied from a phone), which is placed
    on the session's date (:func:`on_session_day`; the session's times are then required).
    Times without an offset are in ``naive_tz`` (Vietnam by default).
    """
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        raise ValueError("time is missing")
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return pd.Timestamp(seconds, unit="s", tz="UTC")
        except (ValueError, OverflowError) as error:
            raise ValueError(f"not a time: {value!r}") from error
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        return parse_time(int(text), naive_tz)
    dmy = _DMY_RE.match(text)
    time_of_day = _TIME_OF_DAY_RE.match(text)
    if time_of_day and session_start is None:
        raise ValueError(f"a time of day without a date ({text!r}) needs the session's date")
    try:
        if dmy:
            day, month, year, hour, minute, second = dmy.groups()
            stamp = pd.Timestamp(
                dt.datetime(
                    int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
                )
            )
        elif time_of_day and session_start is not None:
            hour, minute, second, fraction = time_of_day.groups()
            clock = dt.time(
                int(hour), int(minute), int(second or 0), int((fraction or "0").ljust(6, "0"))
            )
            end = _local(session_end, naive_tz) if session_end is not None else None
            stamp = pd.Timestamp(on_session_day(clock, _local(session_start, naive_tz), end))
        else:
            stamp = pd.Timestamp(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError) as error:
        raise ValueError(f"not a time: {text!r}") from error
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(ZoneInfo(naive_tz))
    return stamp.tz_convert("UTC")


def read_comment_log(
    source: str | os.PathLike[str] | bytes | IO[bytes] | IO[str],
    fmt: str | None = None,
    naive_tz: str = "Asia/Ho_Chi_Minh",
    *,
    session_start: dt.datetime | None = None,
    session_end: dt.datetime | None = None,
    earliest: dt.datetime | None = None,
    latest: dt.datetime | None = None,
) -> pd.DataFrame:
    """Read a comment log (CSV, JSON array or JSON Lines) into columns time (UTC), viewer, text.

    All-or-nothing: every bad row is collected and one :class:`CommentLogError` lists them.
    ``fmt`` ("csv", "json", "jsonl") defaults to the file suffix. time and viewer are required
    in every row; text may be empty (it still counts as a comment). A viewer name may not hold
    control characters; a text may hold line breaks and tabs only.

    ``session_start``/``session_end``: the session's local times, which place times of day
    (:func:`parse_time`). ``earliest``/``latest`` (aware, or naive in ``naive_tz``): times
    outside ``[earliest, latest)`` are refused.
    """
    raw, fmt = _load(source, fmt)
    try:
        content = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise CommentLogError([LogRowError(None, None, f"not UTF-8 text: {error}")]) from None
    if not content.strip():
        raise CommentLogError([LogRowError(None, None, "the file is empty")])
    if fmt == "csv":
        records = _csv_records(content)
    elif fmt == "json":
        records = _json_records(content)
    elif fmt == "jsonl":
        records = _jsonl_records(content)
    else:
        raise CommentLogError([LogRowError(None, None, f"unknown format {fmt!r}")])
    window = _window(earliest, latest, naive_tz)
    errors: list[LogRowError] = []
    rows: list[tuple[pd.Timestamp, str, str]] = []
    for line, record in records:
        if isinstance(record, LogRowError):
            errors.append(record)
            continue
        row_errors: list[LogRowError] = []
        try:
            time = parse_time(
                record.get("time"),
                naive_tz,
                session_start=session_start,
                session_end=session_end,
            )
            if window is not None and not window[0] <= time < window[1]:
                row_errors.append(
                    LogRowError(
                        line,
                        "time",
                        f"{time.tz_convert(naive_tz):%Y-%m-%d %H:%M} is outside "
                        f"{window[0].tz_convert(naive_tz):%Y-%m-%d} – "
                        f"{(window[1] - pd.Timedelta(days=1)).tz_convert(naive_tz):%Y-%m-%d}",
                    )
                )
        except ValueError as error:
            row_errors.append(LogRowError(line, "time", str(error)))
        viewer = record.get("viewer")
        viewer = "" if viewer is None else nfc(str(viewer))
        if not viewer:
            row_errors.append(LogRowError(line, "viewer", "viewer is missing"))
        elif _has_controls(viewer):
            row_errors.append(LogRowError(line, "viewer", "control characters in the name"))
        text = record.get("text")
        text = "" if text is None else unicodedata.normalize("NFC", str(text))
        if _has_controls(text, frozenset("\t\n\r")):
            row_errors.append(LogRowError(line, "text", "control characters in the text"))
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append((time, viewer, text))
    if errors:
        raise CommentLogError(errors)
    frame = pd.DataFrame(rows, columns=["time", "viewer", "text"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def _window(
    earliest: dt.datetime | None, latest: dt.datetime | None, naive_tz: str
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if earliest is None and latest is None:
        return None

    def stamp(value: dt.datetime | None, default: pd.Timestamp) -> pd.Timestamp:
        if value is None:
            return default
        result = pd.Timestamp(value)
        if result.tzinfo is None:
            result = result.tz_localize(ZoneInfo(naive_tz))
        return result.tz_convert("UTC")

    return (
        stamp(earliest, pd.Timestamp.min.tz_localize("UTC")),
        stamp(latest, pd.Timestamp.max.tz_localize("UTC")),
    )


def _load(
    source: str | os.PathLike[str] | bytes | IO[bytes] | IO[str], fmt: str | None
) -> tuple[bytes | str, str | None]:
    if isinstance(source, bytes):
        return source, fmt
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.read_bytes(), fmt or path.suffix.lower().lstrip(".") or None
    name = getattr(source, "name", None)
    if fmt is None and isinstance(name, str):
        fmt = Path(name).suffix.lower().lstrip(".") or None
    return source.read(), fmt


def _column_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    folded = [fold(h) for h in header]
    found: dict[str, int] = {}
    missing = []
    for name, aliases in HEADER_ALIASES.items():
        for index, title in enumerate(folded):
            if title in aliases:
                found[name] = index
                break
        else:
            missing.append(name)
    return found, missing


def _csv_records(content: str) -> list[tuple[int, Any]]:
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        return [(1, LogRowError(1, None, f"no header row: {error}"))]
    columns, missing = _column_map(header)
    if missing:
        return [(1, LogRowError(1, None, f"missing column(s): {', '.join(missing)}"))]
    records: list[tuple[int, Any]] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            records.append((start, LogRowError(start, None, f"unreadable CSV: {error}")))
            break
        if any(cell.strip() for cell in row):
            width = max(columns.values()) + 1
            if len(row) < width:
                records.append(
                    (start, LogRowError(start, None, f"{len(row)} cells, expected {width}"))
                )
            else:
                records.append((start, {name: row[i] for name, i in columns.items()}))
        start = reader.line_num + 1
    return records


def _record(line: int, item: Any) -> tuple[int, Any]:
    if not isinstance(item, Mapping):
        return line, LogRowError(line, None, "not an object with time, viewer, text")
    lowered = {fold(str(k)): v for k, v in item.items()}
    out = {}
    for name, aliases in HEADER_ALIASES.items():
        out[name] = next((lowered[a] for a in aliases if a in lowered), None)
    return line, out


def _json_records(content: str) -> list[tuple[int, Any]]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        return [(error.lineno, LogRowError(error.lineno, None, f"invalid JSON: {error.msg}"))]
    except RecursionError:
        return [(1, LogRowError(None, None, "invalid JSON: nested too deeply"))]
    if isinstance(data, Mapping) and isinstance(data.get("comments"), list):
        data = data["comments"]
    if not isinstance(data, list):
        return [(1, LogRowError(None, None, "expected a list of comments"))]
    return [_record(index, item) for index, item in enumerate(data, start=1)]


def _jsonl_records(content: str) -> list[tuple[int, Any]]:
    records: list[tuple[int, Any]] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(_record(number, json.loads(line)))
        except json.JSONDecodeError as error:
            records.append((number, LogRowError(number, None, f"invalid JSON: {error.msg}")))
        except RecursionError:
            records.append((number, LogRowError(number, None, "invalid JSON: nested too deeply")))
    return records
