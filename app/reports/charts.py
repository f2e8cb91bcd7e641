"""Small server-drawn SVG charts for the dashboards.

No JavaScript and no third-party files: the SVG is part of the page, prints, works on a
slow phone and passes the Content-Security-Policy (presentation attributes and classes only,
no ``style=``). Each chart carries a <title> and an aria-label, and every bar has a <title>
tooltip with its exact figure; the page shows the same figures in a table beside it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import markupsafe

from app.core import formatting

Format = Callable[[float], str]


@dataclasses.dataclass(frozen=True)
class Band:
    """A shaded span over the time axis (a run-of-show slot): bucket positions, 0-based,
    end exclusive, fractional allowed."""

    start: float
    end: float
    label: str


def _e(text: object) -> str:
    return str(markupsafe.escape(str(text)))


def _nice_max(value: float) -> float:
    """A round axis top at or above ``value`` (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _short(value: float) -> str:
    """Axis label, in the page's locale: 1 200 000 → vi '1,2 tr', en '1.2M'; 15 000 → '15 k'."""
    return formatting.compact(value)


def columns(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    fmt: Format,
    bands: Sequence[Band] = (),
    width: int = 720,
    height: int = 260,
    testid: str = "chart",
) -> markupsafe.Markup:
    """Vertical bars over time buckets, with optional shaded bands (product slots)."""
    left, right, top, bottom = 56, 8, 22, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(values), 1)
    step = plot_w / n
    peak = _nice_max(max([float(v) for v in values] or [0.0]))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(title)}" data-testid="{_e(testid)}">',
        f"<title>{_e(title)}</title>",
    ]
    for number, band in enumerate(bands):
        x = left + max(band.start, 0) * step
        w = max((min(band.end, n) - max(band.start, 0)) * step, 1)
        kind = "chart-band chart-band-alt" if number % 2 else "chart-band"
        parts.append(
            f'<g class="{kind}"><rect x="{x:.1f}" y="{top}" width="{w:.1f}" '
            f'height="{plot_h}"><title>{_e(band.label)}</title></rect>'
            f'<text x="{x + 3:.1f}" y="{top - 6}">{_e(band.label)}</text></g>'
        )
    for i in range(5):
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{_e(_short(value))}</text>'
        )
    label_every = max(1, math.ceil(n / 12))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * float(value) / peak if peak else 0
        x = left + i * step + step * 0.12
        parts.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{step * 0.76:.1f}" height="{h:.1f}" data-value="{float(value):g}">'
            f"<title>{_e(label)}: {_e(fmt(value))}</title></rect>"
        )
        if i % label_every == 0:
            parts.append(
                f'<text class="chart-axis" x="{x + step * 0.38:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{_e(label)}</text>'
            )
    parts.append("</svg>")
    return markupsafe.Markup("".join(parts))


def bars(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    fmt: Format,
    width: int = 720,
    row_height: int = 26,
    testid: str = "chart",
) -> markupsafe.Markup:
    """Horizontal bars, one per row (a breakdown: product, streamer, platform…)."""
    label_w, value_w = 220, 110
    height = max(len(rows), 1) * row_height + 8
    peak = max([float(v) for _, v in rows] or [0.0]) or 1.0
    plot_w = width - label_w - value_w
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(title)}" data-testid="{_e(testid)}">',
        f"<title>{_e(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_height
        w = plot_w * float(value) / peak
        shown = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text class="chart-label" x="{label_w - 8}" y="{y + row_height * 0.62:.1f}" '
            f'text-anchor="end">{_e(shown)}</text>'
            f'<rect class="chart-bar" x="{label_w}" y="{y + 3}" width="{max(w, 0):.1f}" '
            f'height="{row_height - 8}" data-value="{float(value):g}">'
            f"<title>{_e(label)}: {_e(fmt(value))}</title></rect>"
            f'<text class="chart-value" x="{label_w + w + 6:.1f}" '
            f'y="{y + row_height * 0.62:.1f}">{_e(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return markupsafe.Markup("".join(parts))
