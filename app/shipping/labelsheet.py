"""One PDF with every shipping label: A6 (one label a page, for thermal label printers) or A4
(four A6 labels a sheet with light cut lines, for office printers).

A pure function over plain data, with no Flask and no database, so a job worker can call it:
the caller turns its parcels into ``LabelData`` and passes the fixed captions already
translated (``Words``; the defaults are the Vietnamese ones).

Each label carries the carrier's name, a Code 128 barcode of the tracking code with the code
written below, the carrier's sort code in large type, a QR code of the tracking code
(optional), the recipient (large), the sender, the amount to collect ("180.000 ₫", or "Không
thu tiền"), the weight, the items (a long list ends with "+ 3 sản phẩm khác"), the note, the
booking time (Vietnam time, dd/mm/yyyy HH:MM) and our order code. Text is Be Vietnam Pro
(``fontpkg-be-vietnam-pro``), embedded as a subset with its Unicode map, so Vietnamese prints
and the text layer reads back. Bars are sized to the code's length: the widest that fits,
never more than ``MAX_BAR`` (0.5 mm); a 26-character GHTK code still gets 0.36 mm bars, which
read back from a 150 dpi image. Tracking codes must be printable ASCII (what Code 128 carries).

reportlab keeps the finished pages (compressed vector drawing, no images) in memory until it
writes the file: about 20 KB per label while rendering, 2–3 KB per label in the file; 1,000
labels take a few seconds (bench/shipping/labels.py, bench/README.md).
Given a path, the file appears whole or not at all (a temporary file in the same folder, then
``os.replace``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import os
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Literal

import fontpkg_be_vietnam_pro
import segno
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from integrations.carriers.base import Paper
from vietnam.zone import VIETNAM

REGULAR = "BeVietnamPro-Regular"
BOLD = "BeVietnamPro-Bold"
LABEL_WIDTH, LABEL_HEIGHT = A6  # 105 × 148 mm, in points
MARGIN = 3 * mm  # thermal printers leave about 2 mm unprinted
MAX_BAR = 0.5 * mm  # the widest Code 128 module drawn
QUIET_MODULES = 10  # Code 128's quiet zone each side, in modules
QR_QUIET_MODULES = 4
ELLIPSIS = "…"


@dataclasses.dataclass(frozen=True)
class Words:
    """The fixed captions of a label, in the reader's language (the app passes its
    translations). ``more_items`` takes ``{count}``; ``thousands`` groups money and weight."""

    sender: str = "Người gửi"
    recipient: str = "Người nhận"
    cod: str = "Thu hộ (COD)"
    no_cod: str = "Không thu tiền"
    weight: str = "Khối lượng"
    order: str = "Mã đơn"
    items: str = "Nội dung hàng"
    more_items: str = "+ {count} sản phẩm khác"
    note: str = "Ghi chú"
    sort_code: str = "Mã phân loại"
    thousands: str = "."


@dataclasses.dataclass(frozen=True)
class LabelData:
    """What one label shows. Money in whole đồng; ``booked_at`` aware (a naive time is
    taken as UTC, the way the app stores times)."""

    carrier: str  # as shown, e.g. "GHN"
    tracking_code: str
    sort_code: str
    reference: str  # our order (parcel) code
    sender_name: str
    sender_phone: str
    sender_address: str  # one line
    recipient_name: str
    recipient_phone: str
    recipient_address: str  # one line
    cod_amount: int
    weight_g: int
    items: tuple[tuple[str, int], ...]  # (name, quantity)
    note: str
    booked_at: dt.datetime


class _Layout(enum.Enum):
    A6 = (A6, 1, 1)
    A4 = (A4, 2, 2)

    @property
    def pagesize(self) -> tuple[float, float]:
        return self.value[0]

    @property
    def columns(self) -> int:
        return self.value[1]

    @property
    def rows(self) -> int:
        return self.value[2]


_LAYOUTS = {Paper.A6.value: _Layout.A6, Paper.A4.value: _Layout.A4}


@functools.cache
def _register_fonts() -> None:
    """Once per process: reportlab's font registry is global; each document embeds the
    subset of glyphs it uses."""
    folder = Path(fontpkg_be_vietnam_pro.ROOT) / "files"
    for name in (REGULAR, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))


def render(
    labels: Sequence[LabelData],
    paper: Paper | Literal["a6", "a4"],
    out: BinaryIO | str | os.PathLike[str],
    *,
    words: Words | None = None,
    qr_code: bool = True,
) -> int:
    """Draw every label into one PDF written to ``out`` (a binary file, or a path written
    atomically); return the number of pages. ValueError for no labels, a paper other than A6
    and A4, or a tracking code that is not printable ASCII (what Code 128 carries; reportlab
    would silently drop the other characters)."""
    if not labels:
        raise ValueError("no labels to render")
    layout = _LAYOUTS.get(str(paper))
    if layout is None:
        raise ValueError(f"labels are drawn on a6 or a4 paper, not {paper!r}")
    unreadable = [label.tracking_code for label in labels if not _code128_text(label.tracking_code)]
    if unreadable:
        raise ValueError(f"tracking codes Code 128 cannot carry: {unreadable[:5]!r}")
    words = words or Words()
    _register_fonts()
    if not isinstance(out, str | os.PathLike):
        return _draw(labels, layout, out, words, qr_code)
    target = Path(out)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            pages = _draw(labels, layout, stream, words, qr_code)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return pages


def _draw(
    labels: Sequence[LabelData], layout: _Layout, out: BinaryIO, words: Words, qr_code: bool
) -> int:
    canvas = Canvas(out, pagesize=layout.pagesize, pageCompression=1)
    page_width, page_height = layout.pagesize
    per_page = layout.columns * layout.rows
    cell_width, cell_height = page_width / layout.columns, page_height / layout.rows
    pages = 0
    for start in range(0, len(labels), per_page):
        if per_page > 1:
            _cut_lines(canvas, layout)
        for slot, label in enumerate(labels[start : start + per_page]):
            column, row = slot % layout.columns, slot // layout.columns
            x = column * cell_width + (cell_width - LABEL_WIDTH) / 2
            y = page_height - (row + 1) * cell_height + (cell_height - LABEL_HEIGHT) / 2
            _label(canvas, label, x, y, words, qr_code)
        canvas.showPage()
        pages += 1
    canvas.save()
    return pages


def _cut_lines(canvas: Canvas, layout: _Layout) -> None:
    page_width, page_height = layout.pagesize
    canvas.saveState()
    canvas.setStrokeGray(0.75)
    canvas.setLineWidth(0.3)
    canvas.setDash(3, 3)
    for column in range(1, layout.columns):
        x = page_width * column / layout.columns
        canvas.line(x, 0, x, page_height)
    for row in range(1, layout.rows):
        y = page_height * row / layout.rows
        canvas.line(0, y, page_width, y)
    canvas.restoreState()


def _text(value: str) -> str:
    """One NFC line: reportlab draws no combining marks, and a label has no line breaks."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _fit(value: str, font: str, size: float, width: float) -> str:
    """``value`` cut with an ellipsis to fit ``width``."""
    if pdfmetrics.stringWidth(value, font, size) <= width:
        return value
    while value and pdfmetrics.stringWidth(value + ELLIPSIS, font, size) > width:
        value = value[:-1]
    return value.rstrip() + ELLIPSIS


def _wrap(value: str, font: str, size: float, width: float, most: int) -> list[str]:
    """At most ``most`` lines of ``width``; the last one ends with an ellipsis when cut."""
    lines = [_fit(line, font, size, width) for line in simpleSplit(value, font, size, width)]
    if len(lines) > most:
        lines = [
            *lines[: most - 1],
            _fit(" ".join(lines[most - 1 :]) + ELLIPSIS, font, size, width),
        ]
    return lines


def _shrink(value: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size up to ``size`` (not below ``smallest``) at which ``value`` fits."""
    while size > smallest and pdfmetrics.stringWidth(value, font, size) > width:
        size -= 0.5
    return size


def _code128_text(value: str) -> bool:
    return bool(value.strip()) and value.isascii() and value.isprintable()


def _grouped(number: int, separator: str) -> str:
    return f"{number:,}".replace(",", separator)


def _booked(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def _barcode(value: str, width: float, height: float) -> code128.Code128:
    """Code 128 of ``value`` with its quiet zones inside ``width``, bars as wide as fit."""
    modules = code128.Code128(value, barWidth=1, quiet=0, humanReadable=False).width
    bar = min(MAX_BAR, width / (modules + 2 * QUIET_MODULES))
    return code128.Code128(
        value,
        barWidth=bar,
        barHeight=height,
        lquiet=QUIET_MODULES * bar,
        rquiet=QUIET_MODULES * bar,
        humanReadable=False,
    )


def _qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    """A QR code of ``value`` filling the square ``size`` with its 4-module quiet zone: each
    row's runs of dark modules as rectangles of one filled path (no image, no widget tree)."""
    rows = segno.make_qr(value, error="m", boost_error=False).matrix
    cell = size / (len(rows) + 2 * QR_QUIET_MODULES)
    path = canvas.beginPath()
    for number, row in enumerate(rows):
        bottom = y + size - (QR_QUIET_MODULES + number + 1) * cell
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            run = column
            while run < len(row) and row[run]:
                run += 1
            path.rect(x + (QR_QUIET_MODULES + column) * cell, bottom, (run - column) * cell, cell)
            column = run
    canvas.drawPath(path, stroke=0, fill=1)


def _label(
    canvas: Canvas, label: LabelData, x0: float, y0: float, words: Words, qr_code: bool
) -> None:
    left, right = x0 + MARGIN, x0 + LABEL_WIDTH - MARGIN
    width = right - left
    top = y0 + LABEL_HEIGHT - MARGIN
    canvas.setFillGray(0)
    canvas.setStrokeGray(0)
    canvas.setLineWidth(0.7)

    # Carrier, our order code and the booking time.
    carrier = _text(label.carrier)
    canvas.setFont(BOLD, 16)
    canvas.drawString(left + 3, top - 17, _fit(carrier, BOLD, 16, width * 0.4))
    order = _text(f"{words.order}: {label.reference}")
    canvas.setFont(BOLD, 9)
    canvas.drawRightString(right - 3, top - 10, _fit(order, BOLD, 9, width * 0.55))
    canvas.setFont(REGULAR, 7.5)
    canvas.drawRightString(right - 3, top - 19, _booked(label.booked_at))
    y = top - 23
    canvas.line(left, y, right, y)

    # The tracking code: bars, then the code in text.
    tracking = label.tracking_code  # printable ASCII (checked by render)
    bars = _barcode(tracking, width - 2, 15 * mm)  # quiet zones inside the frame
    y -= 2 * mm + bars.height
    bars.drawOn(canvas, x0 + (LABEL_WIDTH - bars.width) / 2, y)
    canvas.setFont(BOLD, 12)
    y -= 13
    canvas.drawCentredString(x0 + LABEL_WIDTH / 2, y, _fit(tracking, BOLD, 12, width))
    y -= 5
    canvas.line(left, y, right, y)

    # Sort code (large) beside the QR code.
    block = 20 * mm
    y -= 1.5 * mm + block
    sort_width = width - 4 - (block + 2 * mm if qr_code else 0)
    if qr_code:
        _qr(canvas, tracking, right - block, y, block)
    canvas.setFont(REGULAR, 7)
    canvas.drawString(left + 2, y + block - 7, _fit(_text(words.sort_code), REGULAR, 7, sort_width))
    sort_code = _text(label.sort_code)
    size = _shrink(sort_code, BOLD, 28, sort_width, 10)
    canvas.setFont(BOLD, size)
    canvas.drawString(left + 2, y + (block - 7 - size) / 2, _fit(sort_code, BOLD, size, sort_width))
    y -= 1.5 * mm
    canvas.line(left, y, right, y)

    # Recipient (large), then the sender: (caption, name, phone, address), type sizes
    # (caption, name and phone, address) and address lines.
    parties = (
        (words.recipient, label.recipient_name, label.recipient_phone, label.recipient_address),
        (words.sender, label.sender_name, label.sender_phone, label.sender_address),
    )
    for party, sizes, lines in zip(parties, ((7.5, 12, 9.5), (7, 8, 7.5)), (3, 2), strict=True):
        y = _party(canvas, party, left, y, width, sizes=sizes, address_lines=lines)

    # Bottom band: the amount to collect and the weight.
    band = y0 + MARGIN + 13 * mm
    canvas.line(left, band, right, band)
    half = width * 0.62
    canvas.setFont(REGULAR, 7.5)
    canvas.drawString(left + 2, band - 9, _fit(_text(words.cod), REGULAR, 7.5, half))
    side = width - half - 2 * mm - 2
    canvas.drawString(left + half + 2 * mm, band - 9, _fit(_text(words.weight), REGULAR, 7.5, side))
    if label.cod_amount > 0:
        amount, size = f"{_grouped(label.cod_amount, words.thousands)} ₫", 18.0
    else:
        amount, size = _text(words.no_cod), 13.0
    size = _shrink(amount, BOLD, size, half - 2 * mm, 8)
    canvas.setFont(BOLD, size)
    canvas.drawString(left + 2, band - 11 - size, _fit(amount, BOLD, size, half - 2 * mm))
    canvas.setFont(BOLD, 12)
    weight = f"{_grouped(label.weight_g, words.thousands)} g"
    canvas.drawString(left + half + 2 * mm, band - 23, _fit(weight, BOLD, 12, side))
    canvas.line(left + half, band, left + half, y0 + MARGIN)

    # Note and items in what is left above the band.
    y = _note(canvas, label.note, words, left, y, width)
    _items(canvas, label.items, words, left, y, width, band + 2)
    canvas.rect(left, y0 + MARGIN, width, LABEL_HEIGHT - 2 * MARGIN)


def _party(
    canvas: Canvas,
    party: tuple[str, str, str, str],
    left: float,
    y: float,
    width: float,
    *,
    sizes: tuple[float, float, float],
    address_lines: int,
) -> float:
    caption, name, phone, address = (_text(part) for part in party)
    small, large, body = sizes
    canvas.setFont(REGULAR, small)
    y -= small + 2
    canvas.drawString(left + 2, y, caption)
    y -= large + 1
    canvas.setFont(BOLD, large)
    canvas.drawRightString(left + width - 2, y, phone)
    room = width - pdfmetrics.stringWidth(phone, BOLD, large) - 10
    size = _shrink(name, BOLD, large, room, large * 0.75)
    canvas.setFont(BOLD, size)
    canvas.drawString(left + 2, y, _fit(name, BOLD, size, room))
    canvas.setFont(REGULAR, body)
    for line in _wrap(address, REGULAR, body, width - 4, address_lines):
        y -= body + 1.5
        canvas.drawString(left + 2, y, line)
    y -= 4
    canvas.line(left, y, left + width, y)
    return y


def _note(canvas: Canvas, note: str, words: Words, left: float, y: float, width: float) -> float:
    text = _text(note)
    if not text:
        return y
    canvas.setFont(REGULAR, 8)
    for line in _wrap(f"{_text(words.note)}: {text}", REGULAR, 8, width - 4, 2):
        y -= 9.5
        canvas.drawString(left + 2, y, line)
    y -= 3
    canvas.line(left, y, left + width, y)
    return y


def _items(
    canvas: Canvas,
    items: tuple[tuple[str, int], ...],
    words: Words,
    left: float,
    y: float,
    width: float,
    bottom: float,
) -> None:
    canvas.setFont(REGULAR, 7)
    y -= 9
    canvas.drawString(left + 2, y, _text(words.items))
    step = 9.5
    room = max(0, int((y - bottom) // step))
    shown = items if len(items) <= room else items[: max(0, room - 1)]
    canvas.setFont(REGULAR, 8)
    for name, quantity in shown:
        y -= step
        canvas.drawString(left + 2, y, _fit(f"{quantity} × {_text(name)}", REGULAR, 8, width - 4))
    if len(shown) < len(items) and room:
        y -= step
        more = _text(words.more_items.format(count=len(items) - len(shown)))
        canvas.drawString(left + 2, y, _fit(more, REGULAR, 8, width - 4))
