"""Report downloads: CSV (UTF-8 with BOM, so Excel reads the Vietnamese) and XLSX.

The XLSX holds every part of a report on its own sheet — summary, each breakdown, the time
series and the order lines — with money as whole-đồng numbers formatted ``#,##0 ₫`` so the
sheet can still add them up. A CSV holds one part (``part``: summary, a breakdown's key,
series or lines). The Youth Union's club comparison is written by the same helpers (parts
``clubs`` and ``months``).

No part carries a buyer's phone number or name: the order lines name the order, club,
session, product and amounts only, so a Youth Union account's downloads hold no buyer data.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import openpyxl.cell
import openpyxl.styles
import openpyxl.utils
from flask_babel import gettext as _

from app.catalog_io import export, formats
from app.core import errors
from app.reports import clubs as club_comparison
from app.reports import dashboards, region

MONEY_FORMAT = '#,##0 "₫"'
PERCENT_FORMAT = "0.0%"


Part = tuple[str, str, list[str], list[list[Any]], list[str]]


def _parts(report: dashboards.Report) -> list[Part]:
    """(key, sheet title, headers, rows, metric name per column for number formats)."""
    names = dashboards.metrics.METRICS if report.audience_shown else dashboards.metrics.SALES
    parts = [
        (
            "summary",
            _("Tổng quan"),
            [_("Chỉ số"), _("Giá trị"), _("Hiển thị")],
            [
                [
                    str(dashboards.METRIC_LABELS[n]),
                    report.totals.get(n),
                    dashboards.show(n, report.totals.get(n)),
                ]
                for n in names
            ],
            ["", "*", ""],
        )
    ]
    for table in report.tables:
        parts.append(
            (table.key, table.title, table.headers(), table.raw_rows(), ["", *table.metrics])
        )
    if report.series is not None:
        s = report.series
        parts.append(
            (
                "series",
                _("Theo thời gian"),
                [_("Bắt đầu"), "GMV", _("Đơn"), _("Người xem TB"), _("Sản phẩm đang giới thiệu")],
                [
                    [label, gmv, orders, viewers, ", ".join(c for a, b, c in s.bands if a <= i < b)]
                    for i, (label, gmv, orders, viewers) in enumerate(
                        zip(s.labels, s.gmv, s.orders, s.viewers, strict=True)
                    )
                ],
                ["", "gmv", "orders", "average_concurrent_viewers", ""],
            )
        )
    parts.append(
        (
            "lines",
            _("Dòng đơn"),
            [
                _("Thời gian đặt"),
                _("Câu lạc bộ"),
                _("Sàn"),
                _("Mã đơn"),
                _("Phiên live"),
                "SKU",
                _("Sản phẩm"),
                _("Số lượng"),
                _("Đơn giá"),
                _("Thành tiền"),
                _("Trạng thái"),
            ],
            [
                [
                    line["placed_at"],
                    line["club"],
                    line["platform"],
                    line["order"],
                    line["session"],
                    line["sku"],
                    line["product"],
                    line["quantity"],
                    line["unit_price"],
                    line["amount"],
                    line["status"],
                ]
                for line in report.lines
            ],
            ["", "", "", "", "", "", "", "units", "gmv", "gmv", ""],
        )
    )
    return parts


def _comparison_parts(comparison: club_comparison.Comparison) -> list[Part]:
    """The club comparison: per club over the period (with the total row), and per club and
    month (with each month's total row)."""
    total = _("Tổng các CLB")
    summary_headers = [_("Câu lạc bộ")] + [
        str(club_comparison.LABELS[n]) for n in club_comparison.SUMMARY
    ]
    summary_rows = [
        [row.name] + [row.totals[n] for n in club_comparison.SUMMARY] for row in comparison.clubs
    ]
    summary_rows.append([total] + [comparison.totals[n] for n in club_comparison.SUMMARY])
    month_headers = [_("Câu lạc bộ"), _("Tháng")] + [
        str(club_comparison.LABELS[n]) for n in club_comparison.MONTHLY
    ]
    month_rows: list[list[Any]] = []
    for row in comparison.clubs:
        for month, figures in zip(comparison.months, row.months, strict=True):
            month_rows.append([row.name, month] + [figures[n] for n in club_comparison.MONTHLY])
    for month, figures in zip(comparison.months, comparison.month_totals, strict=True):
        month_rows.append([total, month] + [figures[n] for n in club_comparison.MONTHLY])
    return [
        (
            "clubs",
            _("Theo câu lạc bộ"),
            summary_headers,
            summary_rows,
            ["", *club_comparison.SUMMARY],
        ),
        ("months", _("Theo tháng"), month_headers, month_rows, ["", "", *club_comparison.MONTHLY]),
    ]


def _region_parts(view: region.RegionView) -> list[Part]:
    """The province or national view: places, months, then each breakdown."""
    names = list(region.FIGURES)
    headers = [str(region.LABELS[n]) for n in names]
    place_title = _("Tỉnh/thành") if view.level == "country" else _("Câu lạc bộ")

    def rows(items: list[region.Row]) -> list[list[Any]]:
        return [[row.label] + [row.figures.get(n) for n in names] for row in items]

    total = [[_("Tổng cộng")] + [view.totals.get(n) for n in names]]
    parts: list[Part] = [
        ("places", place_title, [place_title, *headers], rows(view.places) + total, ["", *names]),
        ("months", _("Theo tháng"), [_("Tháng"), *headers], rows(view.month_rows), ["", *names]),
    ]
    for key, title in region.BREAKDOWNS.items():
        parts.append(
            (key, str(title), [str(title), *headers], rows(view.tables[key]), ["", *names])
        )
    return parts


Printable = dashboards.Report | club_comparison.Comparison | region.RegionView


def _parts_of(item: Printable) -> list[Part]:
    if isinstance(item, club_comparison.Comparison):
        return _comparison_parts(item)
    if isinstance(item, region.RegionView):
        return _region_parts(item)
    return _parts(item)


def csv_bytes(report: Printable, part: str = "summary") -> bytes:
    for key, _title, headers, rows, _kinds in _parts_of(report):
        if key == part:
            return export.csv_bytes(headers, rows)
    raise errors.NotFound(_("Báo cáo không có phần %(part)s.", part=part))


def _cell(sheet: Any, value: Any, kind: str, row_metric: str | None = None) -> Any:
    """The catalog export's cell (no formulas, no illegal characters), plus money and
    percentage formats for the metric the column (or the summary row) holds."""
    cell = export.xlsx_cell(sheet, value)
    metric = row_metric if kind == "*" else kind
    if isinstance(value, int | float) and metric:
        if metric in dashboards.MONEY:
            cell.number_format = MONEY_FORMAT
        elif metric in dashboards.PERCENT:
            cell.number_format = PERCENT_FORMAT
    return cell


def xlsx_bytes(report: Printable) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    names: tuple[str, ...] = ()
    if isinstance(report, dashboards.Report):
        names = dashboards.metrics.METRICS if report.audience_shown else dashboards.metrics.SALES
    for key, title, headers, rows, kinds in _parts_of(report):
        sheet = workbook.create_sheet(title[:31])
        sheet.column_dimensions["A"].width = 34
        for index in range(2, len(headers) + 1):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = 18
        heading = openpyxl.cell.WriteOnlyCell(sheet, value=f"{report.title} — {report.subtitle}")
        heading.font = openpyxl.styles.Font(bold=True, size=13)
        sheet.append([heading])
        export.append_header(sheet, headers)
        for number, row in enumerate(rows):
            row_metric = names[number] if key == "summary" and names else None
            sheet.append([_cell(sheet, v, kinds[i], row_metric) for i, v in enumerate(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(report: Printable, fmt: str, part: str = "summary") -> export.Download:
    """The report as a file to send: ``fmt`` xlsx (every part) or csv (one ``part``), with the
    Content-Type every download of the app uses (``catalog_io.formats.MIMETYPES``)."""
    if fmt == "xlsx":
        return export.Download(
            f"{report.filename}.xlsx", formats.MIMETYPES["xlsx"], xlsx_bytes(report)
        )
    if fmt == "csv":
        return export.Download(
            f"{report.filename}-{part}.csv", formats.MIMETYPES["csv"], csv_bytes(report, part)
        )
    raise errors.ValidationError(
        _("Định dạng tải về phải là csv hoặc xlsx."), fields={"format": [_("csv hoặc xlsx.")]}
    )
