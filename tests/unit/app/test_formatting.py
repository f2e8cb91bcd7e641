"""How values are shown to people: Vietnam wall time, and Babel's numbers in each locale."""

from __future__ import annotations

import datetime as dt
import decimal
import fractions
import zoneinfo
from collections.abc import Callable, Iterator
from typing import Any

import flask
import pytest

from app.core import formatting
from tests.support import babel

UTC = dt.UTC
EDGE = dt.datetime(9999, 12, 31, 23, 0, tzinfo=UTC)  # already year 10000 in UTC+7
HOSTILE: list[object] = [
    None,
    0,
    -1,
    2**63,
    -(2**63),
    10**5000,  # more digits than Python writes out
    float("nan"),
    float("inf"),
    float("-inf"),
    -0.0,
    1e308,
    5e-324,
    decimal.Decimal("NaN"),
    decimal.Decimal("sNaN"),
    decimal.Decimal("Infinity"),
    decimal.Decimal("1E+999999"),
    decimal.Decimal("12500.7"),
    fractions.Fraction(1, 3),
    True,
    "1000",
    b"1",
    object(),
]


def _id(value: object) -> str:
    """A test id for any value, the same in every process (``repr`` of 10**5000 raises; a
    plain object's names its address)."""
    try:
        shown = repr(value)
    except ValueError:
        return f"<{type(value).__name__} too long to write>"
    return f"<{type(value).__name__}>" if " at 0x" in shown else shown[:40]


@pytest.fixture(scope="module")
def babel_app() -> flask.Flask:
    return babel.babel_app(__name__)


@pytest.fixture(params=["vi", "en"])
def lang(request: pytest.FixtureRequest, babel_app: flask.Flask) -> Iterator[str]:
    """Inside a request whose page is in ``vi`` or ``en``."""
    with babel_app.test_request_context():
        flask.g.lang = request.param
        yield str(request.param)


def _in(babel_app: flask.Flask, language: str, show: Callable[[], str]) -> str:
    with babel_app.test_request_context():
        flask.g.lang = language
        return show()


def _both(babel_app: flask.Flask, show: Callable[[Any], str], value: object) -> tuple[str, str]:
    """``show(value)`` on a Vietnamese page and on an English page."""
    return (
        _in(babel_app, "vi", lambda: show(value)),
        _in(babel_app, "en", lambda: show(value)),
    )


# ---------------------------------------------------------------- money and numbers


@pytest.mark.parametrize(
    ("amount", "vi", "en"),
    [
        (1_090_000, "1.090.000 ₫", "1,090,000 ₫"),
        (0, "0 ₫", "0 ₫"),
        (999, "999 ₫", "999 ₫"),
        (-25_000, "-25.000 ₫", "-25,000 ₫"),
        (10**12, "1.000.000.000.000 ₫", "1,000,000,000,000 ₫"),
        (2**63, "9.223.372.036.854.775.808 ₫", "9,223,372,036,854,775,808 ₫"),
        (decimal.Decimal("12500.7"), "12.500 ₫", "12,500 ₫"),  # whole đồng
        (None, "—", "—"),
    ],
)
def test_vnd_in_each_locale(babel_app: flask.Flask, amount: object, vi: str, en: str) -> None:
    assert _both(babel_app, formatting.vnd, amount) == (vi, en)


def test_outside_a_request_numbers_are_vietnamese() -> None:
    """The command line and the worker write Vietnamese (the default language)."""
    assert formatting.vnd(1_300_000) == "1.300.000 ₫"
    assert formatting.percent(0.002) == "0,2%"
    assert formatting.seconds(12) == "12,0 giây"


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (1_234_567, "1.234.567", "1,234,567"),
        (12.9, "12", "12"),  # whole part
        (-7, "-7", "-7"),
        (0, "0", "0"),
        (None, "—", "—"),
    ],
)
def test_number(babel_app: flask.Flask, value: object, vi: str, en: str) -> None:
    assert _both(babel_app, formatting.number, value) == (vi, en)


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (7 / 6, "1,2", "1.2"),
        (12, "12,0", "12.0"),
        (1234.56, "1.234,6", "1,234.6"),
        (-0.04, "0,0", "0.0"),  # never "-0,0"
        (None, "—", "—"),
    ],
)
def test_decimal_number(babel_app: flask.Flask, value: object, vi: str, en: str) -> None:
    assert _both(babel_app, formatting.decimal_number, value) == (vi, en)


@pytest.mark.parametrize(
    ("fraction", "vi", "en"),
    [
        (0.002, "0,2%", "0.2%"),
        (-0.101, "-10,1%", "-10.1%"),
        (0.0625, "6,3%", "6.3%"),  # half up
        (1, "100,0%", "100.0%"),
        (12.5, "1.250,0%", "1,250.0%"),
        (0, "0,0%", "0.0%"),
        (None, "—", "—"),
        (float("nan"), "—", "—"),
    ],
)
def test_percent(babel_app: flask.Flask, fraction: object, vi: str, en: str) -> None:
    assert _both(babel_app, formatting.percent, fraction) == (vi, en)


def test_seconds_and_duration(lang: str) -> None:
    point = "," if lang == "vi" else "."
    assert formatting.seconds(12).startswith(f"12{point}0 ")
    assert formatting.seconds(0.25).startswith(f"0{point}3 ")
    if lang == "vi":
        assert formatting.seconds(12) == "12,0 giây"
        assert formatting.duration(90) == "1 phút 30 giây"
        assert formatting.duration(1050) == "17 phút 30 giây"
        assert formatting.duration(3600) == "60 phút"
        assert formatting.duration(45) == "45 giây"
        assert formatting.duration(0) == "0 giây"
        assert formatting.duration(-90) == "-1 phút 30 giây"
        assert formatting.duration(2**63).startswith("153.722.867.280.912.930 phút")
    else:
        assert formatting.duration(2**63).startswith("153,722,867,280,912,930 ")
    for missing in (None, float("nan"), float("inf"), "90"):
        assert formatting.seconds(missing) == "—"  # type: ignore[arg-type]
        assert formatting.duration(missing) == "—"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (0, "0", "0"),
        (62.5, "62,5", "62.5"),
        (15_000, "15 k", "15K"),
        (1_500_000, "1,5 tr", "1.5M"),
        (2_500_000_000, "2,5 tỷ", "2.5B"),
        (None, "—", "—"),
    ],
)
def test_compact(babel_app: flask.Flask, value: object, vi: str, en: str) -> None:
    assert _both(babel_app, formatting.compact, value) == (vi, en)


@pytest.mark.parametrize("value", HOSTILE, ids=_id)
def test_number_formatters_never_raise(lang: str, value: object) -> None:
    """Every number formatter answers with text for any stored value; '—' for no figure."""
    for show in (
        formatting.number,
        formatting.vnd,
        formatting.decimal_number,
        formatting.percent,
        formatting.seconds,
        formatting.duration,
        formatting.compact,
    ):
        shown = show(value)  # type: ignore[arg-type]
        assert isinstance(shown, str) and shown, show
        if value is None or isinstance(value, bool | str | bytes) or type(value) is object:
            assert shown == "—", (show, value)


@pytest.mark.parametrize(
    "value",
    [10**5000, float("nan"), float("inf"), decimal.Decimal("NaN"), True, "1000"],
    ids=_id,
)
def test_no_figure_is_a_dash(lang: str, value: object) -> None:
    assert formatting.vnd(value) == "—"  # type: ignore[arg-type]
    assert formatting.percent(value) == "—"  # type: ignore[arg-type]


# ---------------------------------------------------------------- times


def test_utc_is_shown_in_ho_chi_minh_time() -> None:
    moment = dt.datetime(2026, 11, 28, 17, 30, tzinfo=UTC)
    assert formatting.local_datetime(moment) == "29/11/2026 00:30"
    assert formatting.local_time(moment) == "00:30"
    assert formatting.local_time(moment.replace(second=5), with_seconds=True) == "00:30:05"
    assert formatting.local_date(moment) == "29/11/2026"


def test_the_same_wall_time_in_every_language(babel_app: flask.Flask) -> None:
    """One way of writing times: the page's language does not change it."""
    moment = dt.datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
    shown = {
        lang: _in(babel_app, lang, lambda: formatting.local_datetime(moment))
        for lang in ("vi", "en")
    }
    assert shown == {"vi": "20/11/2026 20:05", "en": "20/11/2026 20:05"}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # past year 9999 in UTC+7: the wall time it is, in year 10000
        (EDGE, "01/01/10000 06:00"),
        (dt.datetime(9999, 12, 31, 23, 0), "01/01/10000 06:00"),  # naive is UTC
        (dt.datetime(9999, 12, 31, 17, 0, tzinfo=UTC), "01/01/10000 00:00"),
        (dt.datetime.max.replace(tzinfo=UTC), "01/01/10000 06:59"),
        (dt.datetime(9999, 12, 31, 16, 59, tzinfo=UTC), "31/12/9999 23:59"),
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=formatting.LOCAL_TZ), "01/01/0001 00:00"),
        (dt.date(9999, 12, 31), "31/12/9999 00:00"),
        (dt.date(1, 1, 1), "01/01/0001 00:00"),
        (None, "—"),
        ("2026-01-01", "2026-01-01"),
    ],
    ids=_id,
)
def test_local_datetime_never_raises(value: object, shown: str) -> None:
    assert formatting.local_datetime(value) == shown  # type: ignore[arg-type]


def test_the_calendars_edge_keeps_its_weekday_and_formats() -> None:
    """Past the calendar's end every directive still describes the real wall time
    (1 January 10000 is a Saturday)."""
    assert formatting.local_datetime(EDGE, "%H:%M %d/%m/%Y") == "06:00 01/01/10000"
    assert formatting.local_datetime(EDGE, "%A %j %y") == "Saturday 001 00"
    assert formatting.local_date(EDGE) == "01/01/10000"
    assert formatting.local_time(EDGE) == "06:00"


def test_before_year_one_in_vietnam_is_written_as_year_zero() -> None:
    """A time east of Vietnam on 1 January of year 1 is still 31 December of year 0 there."""
    early = dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=14)))
    assert formatting.local_date(early) == "31/12/0000"


def test_year_one_in_utc_is_readable() -> None:
    shown = formatting.local_datetime(dt.datetime(1, 1, 1, tzinfo=UTC))
    assert shown.startswith("01/01/0001 0")


@pytest.mark.parametrize(
    "value",
    [
        EDGE,
        dt.datetime.max,
        dt.datetime.min,
        dt.datetime.min.replace(tzinfo=UTC),
        dt.datetime.max.replace(tzinfo=dt.timezone(dt.timedelta(hours=-23, minutes=-59))),
        dt.datetime.min.replace(tzinfo=dt.timezone(dt.timedelta(hours=23, minutes=59))),
        dt.datetime(2026, 3, 1, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
        dt.date.max,
        dt.date.min,
    ],
    ids=_id,
)
def test_times_never_say_utc(value: dt.date) -> None:
    for fmt in (formatting.DATETIME, formatting.DATE, formatting.TIME, "%d/%m %H:%M:%S"):
        shown = formatting.local_datetime(value, fmt)
        assert shown and "UTC" not in shown and "+00" not in shown, (value, fmt, shown)


def test_local_date() -> None:
    assert formatting.local_date(dt.datetime(2026, 11, 28, 17, 30, tzinfo=UTC)) == "29/11/2026"
    assert formatting.local_date(dt.date(1, 1, 1)) == "01/01/0001"
    assert formatting.local_date(dt.datetime(9999, 12, 31, 23, 0)) == "01/01/10000"
    assert formatting.local_date(None) == "—"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-20T13:35:00+00:00", dt.datetime(2026, 11, 20, 13, 35, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999+00:00", dt.datetime.max.replace(tzinfo=UTC)),
        ("not a time", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_stored(raw: str | None, expected: dt.datetime | None) -> None:
    assert formatting.parse_stored(raw) == expected


def test_templates_get_the_formatters_and_labels(babel_app: flask.Flask) -> None:
    """``app.i18n.init_templates``: the same formatters and label tables in every template."""
    from app.core import i18n

    i18n.init_templates(babel_app)
    i18n.init_templates(babel_app)  # twice is harmless (the factory and the blueprints)
    source = (
        "{{ 1090000|vnd }} · {{ 0.002|percent }} · {{ (7 / 6)|decimal }} · {{ 1234|number }} · "
        "{{ edge|local_dt }} · {{ platform_label('tiktok') }} · {{ order_status_label('paid') }}"
    )
    shown = {
        lang: _in(babel_app, lang, lambda: flask.render_template_string(source, edge=EDGE))
        for lang in ("vi", "en")
    }
    assert shown["vi"] == (
        "1.090.000 ₫ · 0,2% · 1,2 · 1.234 · 01/01/10000 06:00 · TikTok Shop · Đã thanh toán"
    )
    assert shown["en"].startswith("1,090,000 ₫ · 0.2% · 1.2 · 1,234 · 01/01/10000 06:00 · ")
