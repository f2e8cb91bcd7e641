"""Shipping labels: one PDF of 1,000 labels, A6 (a label a page) and A4 (four a sheet).

    .venv/bin/python -m bench.shipping.labels [--labels 1000] [--repeat 3] [--out figures.json]

Makes ``--labels`` labels of the four carriers (seeded: their tracking code shapes,
Vietnamese names and addresses, two in five without cash on delivery, one to twenty items),
then for each paper renders them ``--repeat`` times with ``app.shipping.labelsheet.render`` to
a file (the atomic path write the app uses), after one small warm-up render (the fonts are
registered once per process). Reports the median wall time, labels per second, the file's
size, and the rise of the process's resident-set high-water mark over one render (Linux
``VmHWM``, reset through ``/proc/self/clear_refs`` after freed heap is handed back): reportlab
keeps the finished pages in memory until it writes the file. Each file is then opened with
pdfium: its page count is checked, and the barcodes of its first and last pages are read back
(zxing-cpp) and compared with the labels on them.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import gc
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

import pypdfium2
import zxingcpp

from app.shipping import labelsheet
from app.shipping.labelsheet import LabelData

PAPERS: dict[Literal["a6", "a4"], int] = {"a6": 1, "a4": 4}  # labels a page
HUBS = ["HN", "HCM", "ĐN"]
CODE128 = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.Code128)
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Hồng", "Ngọc", "Quốc", "Thùy", "Đức", "Minh Ánh", "Bảo"]
GIVEN = ["Nhung", "Út", "Phương Thảo", "Huy", "Dương", "Trâm Anh", "Thắng", "Oanh", "Nguyệt"]
PLACES = [
    "phường Ô Chợ Dừa, thành phố Hà Nội",
    "phường Bến Thành, Thành phố Hồ Chí Minh",
    "xã Tân Cương, tỉnh Thái Nguyên",
    "đặc khu Phú Quốc, tỉnh An Giang",
    "phường Hải Châu, thành phố Đà Nẵng",
]
PRODUCTS = [
    "Trà Shan tuyết cổ thụ Suối Giàng",
    "Nước mắm Phú Quốc 40 độ đạm",
    "Mật ong hoa nhãn Hưng Yên",
    "Bánh đậu xanh Rồng Vàng hộp quà",
    "Cà phê Robusta Cầu Đất rang mộc",
    "Gạo ST25 Sóc Trăng túi 5 kg",
]


def _tracking(carrier: str, number: int, rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    if carrier == "GHN":
        return "G" + "".join(rng.choice(letters) for _ in range(9))
    if carrier == "GHTK":
        return f"S{rng.randrange(10**7, 10**8)}.BO.MT.{rng.randrange(10**9, 10**10)}"
    if carrier == "Viettel Post":
        return str(rng.randrange(10**12, 10**13))
    return f"E{letters[number % 24]}{number:09d}VN"


def labels(count: int, seed: int = 21) -> list[LabelData]:
    """``count`` labels, the same ones for the same seed."""
    rng = random.Random(seed)
    booked = dt.datetime(2026, 12, 4, 3, 0, tzinfo=dt.UTC)
    out = []
    for number in range(count):
        carrier = ("GHN", "GHTK", "Viettel Post", "Vietnam Post")[number % 4]
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        items = tuple(
            (f"{rng.choice(PRODUCTS)} loại {k + 1}", rng.randint(1, 5))
            for k in range(rng.choice((1, 1, 2, 3, 5, 20)))
        )
        out.append(
            LabelData(
                carrier=carrier,
                tracking_code=_tracking(carrier, number, rng),
                sort_code=f"{rng.choice(HUBS)}-{rng.randint(1, 30):02d}-B{number % 9}",
                reference=f"DH{number + 1:07d}-1",
                sender_name="Hợp tác xã Chè Tân Cương Thái Nguyên",
                sender_phone="0912345678",
                sender_address="Xóm 3, xã Tân Cương, tỉnh Thái Nguyên",
                recipient_name=name,
                recipient_phone=f"09{rng.randrange(10**8):08d}",
                recipient_address=f"Số {rng.randint(1, 300)} ngõ {rng.randint(1, 99)}, "
                + rng.choice(PLACES),
                cod_amount=0 if rng.random() < 0.4 else rng.randrange(30, 3000) * 1000,
                weight_g=rng.randrange(200, 8000, 50),
                items=items,
                note=rng.choice(("", "", "Cho xem hàng, không cho thử", "Gọi trước khi giao")),
                booked_at=booked + dt.timedelta(minutes=number),
            )
        )
    return out


def _memory_kib() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def _read_back(path: Path, sheet: list[LabelData], per_page: int) -> dict[str, Any]:
    document = pypdfium2.PdfDocument(path)
    try:
        pages = len(document)
        checked = 0
        for index in sorted({0, pages - 1}):
            image = document[index].render(scale=200 / 72, grayscale=True).to_numpy()
            found = sorted(code.text for code in zxingcpp.read_barcodes(image, formats=CODE128))
            on_page = sheet[index * per_page : (index + 1) * per_page]
            assert found == sorted(label.tracking_code for label in on_page), (index, found)
            checked += len(found)
        return {"pages_read": pages, "barcodes_read_back": checked}
    finally:
        document.close()


def run(count: int, repeat: int = 3, workdir: Path | None = None) -> dict[str, Any]:
    """Figures per paper: pages, median seconds, labels per second, bytes, memory rise."""
    work = workdir or Path(tempfile.mkdtemp(prefix="bench-labels-"))
    sheet = labels(count)
    report: dict[str, Any] = {"labels": count, "repeat": repeat, "papers": {}}
    try:
        labelsheet.render(sheet[:4], "a4", work / "warm-up.pdf")
        for paper, per_page in PAPERS.items():
            target = work / f"labels-{paper}.pdf"
            seconds, rises = [], []
            for _ in range(repeat):
                gc.collect()
                ctypes.CDLL("libc.so.6").malloc_trim(0)  # so reused heap cannot hide growth
                Path("/proc/self/clear_refs").write_text("5")  # the high-water mark from now
                before = _memory_kib()["VmRSS"]
                started = time.perf_counter()
                pages = labelsheet.render(sheet, paper, target)
                seconds.append(time.perf_counter() - started)
                rises.append((_memory_kib()["VmHWM"] - before) / 1024)
            assert pages == -(-count // per_page), (paper, pages)
            median = statistics.median(seconds)
            size = target.stat().st_size
            report["papers"][paper] = {
                "pages": pages,
                "seconds": seconds,
                "median_s": median,
                "labels_per_s": count / median,
                "bytes": size,
                "kib_per_label": size / 1024 / count,
                "rss_rise_mib": max(rises),
                **_read_back(target, sheet, per_page),
            }
    finally:
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return report


def table(report: dict[str, Any]) -> str:
    lines = [
        f"{'paper':<6} {'pages':>6} {'median s':>9} {'labels/s':>9} {'MiB':>7}"
        f" {'KiB/label':>10} {'RSS rise MiB':>13}"
    ]
    for paper, f in report["papers"].items():
        lines.append(
            f"{paper:<6} {f['pages']:>6} {f['median_s']:>9.2f} {f['labels_per_s']:>9.0f}"
            f" {f['bytes'] / 2**20:>7.2f} {f['kib_per_label']:>10.1f} {f['rss_rise_mib']:>13.1f}"
        )
    lines.append(
        f"{report['labels']} labels, {report['repeat']} runs per paper; barcodes read back on the"
        " first and last pages: "
        + ", ".join(f"{p} {f['barcodes_read_back']}" for p, f in report["papers"].items())
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="timed renders per paper")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    report = run(args.labels, repeat=args.repeat)
    print(table(report))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
