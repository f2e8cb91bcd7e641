"""Server-drawn SVG charts: well-formed, proportional, escaped, no inline styles."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.reports import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


def _fmt(value: float) -> str:
    return f"{int(value)} ₫"


def test_columns_are_proportional_with_bands() -> None:
    svg = charts.columns(
        ["20:00", "20:05", "20:10", "20:15"],
        [0, 50, 100, 25],
        title="GMV <theo> thời gian",
        fmt=_fmt,
        bands=[charts.Band(0, 2, "NM1"), charts.Band(2, 4, "CHE&1")],
        testid="t",
    )
    root = ET.fromstring(str(svg))  # well-formed XML, text escaped
    bars = root.findall("svg:rect[@class='chart-bar']", NS)
    heights = [float(b.get("height", "0")) for b in bars]
    assert [float(b.get("data-value", "0")) for b in bars] == [0, 50, 100, 25]
    assert heights[2] == 2 * heights[1] == 4 * heights[3] and heights[0] == 0
    assert root.find("svg:title", NS).text == "GMV <theo> thời gian"  # type: ignore[union-attr]
    bands = [g for g in root.findall("svg:g", NS) if "chart-band" in g.get("class", "")]
    assert [b.find("svg:text", NS).text for b in bands] == ["NM1", "CHE&1"]  # type: ignore[union-attr]
    assert "style=" not in str(svg) and root.get("data-testid") == "t"


def test_bars_handle_empty_and_zero() -> None:
    empty = ET.fromstring(str(charts.bars([], title="x", fmt=_fmt)))
    assert empty.findall("svg:rect", NS) == []
    zero = ET.fromstring(str(charts.bars([("A", 0), ("B", 0)], title="x", fmt=_fmt)))
    assert [float(r.get("width", "1")) for r in zero.findall("svg:rect", NS)] == [0, 0]
    two = ET.fromstring(str(charts.bars([("A", 300), ("B", 150)], title="x", fmt=_fmt)))
    widths = [float(r.get("width", "0")) for r in two.findall("svg:rect", NS)]
    assert widths[0] == 2 * widths[1]


def test_axis_top_is_round() -> None:
    assert charts._nice_max(860_000) == 1_000_000
    assert charts._nice_max(190_000) == 200_000
    assert charts._nice_max(0) == 1.0
    assert charts._short(1_500_000) == "1,5 tr"
    assert charts._short(15_000) == "15 k"
