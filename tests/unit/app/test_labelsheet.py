"""The label sheet, read the way a printer's output is: every page rendered by pdfium to pixels
and every barcode decoded (zxing-cpp; OpenCV's BarcodeDetector reads only EAN/UPC), and the
text layer read back. No database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import unicodedata
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
import zxingcpp

from app.shipping import labelsheet
from app.shipping.labelsheet import LabelData, Words
from integrations.carriers.base import Paper

A6_POINTS = (297.64, 419.53)  # 105 × 148 mm
A4_POINTS = (595.28, 841.89)  # 210 × 297 mm
BOOKED = dt.datetime(2026, 12, 4, 3, 5, tzinfo=dt.UTC)  # 10:05 in Vietnam
MANY_ITEMS = tuple(
    (f"Trà Shan tuyết cổ thụ Suối Giàng, hộp quà Tết loại {n}", n + 1) for n in range(16)
)

# (carrier, tracking code as each carrier writes it, recipient, COD)
PARCELS = [
    ("GHN", "GA99W4RREB", "Nguyễn Thị Hồng Nhung", 180_000),
    ("GHTK", "S22751394.BO.MT.2315417052", "Trần Văn Út", 0),
    ("Viettel Post", "1796445893290", "Lê Hoàng Bảo Ngọc Phương Thảo", 1_250_000),
    ("Vietnam Post", "EB123456789VN", "Phạm Thị Ánh Nguyệt", 0),
    ("GHN", "GYK7QHPD", "Đặng Quốc Huy", 95_000),
    ("GHTK", "S1876543.HN02.E23.987654321", "Bùi Thị Thùy Dương", 180_000),
    ("Viettel Post", "18002354771", "Hoàng Ngọc Trâm Anh", 0),
    ("Vietnam Post", "CP987654321VN", "Vũ Đức Thắng", 360_000),
    ("GHN", "GA7XK2M3PQ", "Ngô Thị Kiều Oanh", 42_500),
]


def _label(number: int) -> LabelData:
    carrier, tracking, recipient, cod = PARCELS[number]
    if number == 0:  # a name typed in decomposed form reads back composed
        recipient = unicodedata.normalize("NFD", recipient)
    return LabelData(
        carrier=carrier,
        tracking_code=tracking,
        sort_code=f"HN-BĐ-{number:02d}-A12",
        reference=f"DH{13 + number:07d}-1",
        sender_name="Hợp tác xã Chè Tân Cương Thái Nguyên",
        sender_phone="0912345678",
        sender_address="Xóm 3, xã Tân Cương, tỉnh Thái Nguyên",
        recipient_name=recipient,
        recipient_phone="0987654321",
        recipient_address=(
            "Số 18 ngõ 42 phố Trần Quang Diệu, phường Ô Chợ Dừa, thành phố Hà Nội, "
            "gần chợ Đống Đa, cổng sắt màu xanh, gọi trước khi giao nếu không có ai ở nhà"
        ),
        cod_amount=cod,
        weight_g=1_200 + 350 * number,
        items=MANY_ITEMS if number == 2 else (("Nước mắm Phú Quốc 40 độ đạm", number + 1),),
        note="Cho xem hàng, không cho thử" if number % 2 else "",
        booked_at=BOOKED,
    )


LABELS = [_label(n) for n in range(len(PARCELS))]


def _pages(pdf: bytes) -> list[pypdfium2.PdfPage]:
    return list(pypdfium2.PdfDocument(pdf))


def _pixels(page: pypdfium2.PdfPage, dpi: int) -> np.ndarray:
    return page.render(scale=dpi / 72, grayscale=True).to_numpy()


def _read(page: pypdfium2.PdfPage, dpi: int, kind: zxingcpp.BarcodeFormat) -> list[str]:
    return sorted(code.text for code in zxingcpp.read_barcodes(_pixels(page, dpi), formats=kind))


def _text(page: pypdfium2.PdfPage) -> str:
    return str(page.get_textpage().get_text_range())


def _render(paper: str, labels: list[LabelData] = LABELS, **options: object) -> tuple[int, bytes]:
    out = io.BytesIO()
    pages = labelsheet.render(labels, paper, out, **options)  # type: ignore[arg-type]
    return pages, out.getvalue()


@pytest.mark.parametrize(
    ("paper", "per_page", "size"), [("a6", 1, A6_POINTS), (Paper.A4, 4, A4_POINTS)]
)
def test_every_barcode_reads_back_from_the_rendered_pages(
    paper: str, per_page: int, size: tuple[float, float]
) -> None:
    count, pdf = _render(paper)
    pages = _pages(pdf)

    assert count == len(pages) == -(-len(LABELS) // per_page)  # 9 on A6, 3 on A4
    for number, page in enumerate(pages):
        assert page.get_size() == pytest.approx(size, abs=0.01)
        expected = sorted(
            label.tracking_code for label in LABELS[number * per_page : (number + 1) * per_page]
        )
        assert _read(page, 200, zxingcpp.BarcodeFormat.Code128) == expected, number
        assert _read(page, 200, zxingcpp.BarcodeFormat.QRCode) == expected, number


def test_the_longest_codes_read_at_150_dpi_too() -> None:
    longest = sorted(LABELS, key=lambda label: len(label.tracking_code))[-2:]
    _, pdf = _render("a6", longest)

    for label, page in zip(longest, _pages(pdf), strict=True):
        assert _read(page, 150, zxingcpp.BarcodeFormat.Code128) == [label.tracking_code]


def test_the_text_layer_carries_names_money_and_time() -> None:
    _, pdf = _render("a6")
    texts = [_text(page) for page in _pages(pdf)]

    for label, text in zip(LABELS, texts, strict=True):
        assert unicodedata.normalize("NFC", label.recipient_name) in text
        assert label.tracking_code in text and label.reference in text
        assert "04/12/2026 10:05" in text  # booked 03:05 UTC, shown in Vietnam time
        if label.cod_amount:
            assert "Không thu tiền" not in text
        else:
            assert "Không thu tiền" in text
    assert "180.000 ₫" in texts[0] and "180.000 ₫" in texts[5]
    assert "1.250.000 ₫" in texts[2] and "42.500 ₫" in texts[8]
    assert "1.200 g" in texts[0]
    assert "Cho xem hàng" in texts[1] and "Cho xem hàng" not in texts[0]
    # 16 items do not fit: the ones shown, then how many more.
    shown = sum(f"× {name}" in texts[2] for name, _ in MANY_ITEMS)
    assert 3 <= shown < len(MANY_ITEMS)
    assert f"+ {len(MANY_ITEMS) - shown} sản phẩm khác" in texts[2]


def test_the_captions_are_the_callers_words() -> None:
    words = Words(
        sender="Sender",
        recipient="Recipient",
        cod="Collect (COD)",
        no_cod="Nothing to collect",
        weight="Weight",
        order="Order",
        items="Contents",
        more_items="+ {count} more",
        note="Note",
        sort_code="Sort code",
        thousands=",",
    )
    _, pdf = _render("a4", LABELS[:4], words=words, qr_code=False)
    (page,) = _pages(pdf)
    text = _text(page)

    for caption in ("Sender", "Recipient", "Collect (COD)", "Nothing to collect", "Order"):
        assert caption in text
    assert "180,000 ₫" in text and "1,250,000 ₫" in text and "1,900 g" in text
    assert "+ " in text and " more" in text
    for vietnamese in ("Người gửi", "Người nhận", "Không thu tiền", "Mã đơn", "sản phẩm khác"):
        assert vietnamese not in text
    assert _read(page, 200, zxingcpp.BarcodeFormat.QRCode) == []
    assert len(_read(page, 200, zxingcpp.BarcodeFormat.Code128)) == 4


def test_a_path_is_written_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "nhan-van-chuyen.pdf"
    target.write_bytes(b"the previous sheet")

    assert labelsheet.render(LABELS, "a4", target) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nhan-van-chuyen.pdf"]
    assert len(_pages(target.read_bytes())) == 3

    # A sheet that cannot be put in place leaves nothing behind.
    folder = tmp_path / "a-folder.pdf"
    folder.mkdir()
    with pytest.raises(OSError):
        labelsheet.render(LABELS, "a6", str(folder))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder.pdf", "nhan-van-chuyen.pdf"]
    assert list(folder.iterdir()) == []


def test_nothing_to_print_or_an_unknown_paper_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "labels.pdf"
    with pytest.raises(ValueError, match="no labels"):
        labelsheet.render([], "a6", target)
    with pytest.raises(ValueError, match="a6 or a4"):
        labelsheet.render(LABELS, Paper.A5, target)
    odd = dataclasses.replace(LABELS[0], tracking_code="ĐH-01")
    with pytest.raises(ValueError, match="Code 128"):
        labelsheet.render([odd], "a6", target)
    assert list(tmp_path.iterdir()) == []
