"""Listing packs for Postmart and Voso: zip contents, CSV, images, checklist, validation,
atomic writes, live-URL parsing, and no network code at all.

Images are real files written with Pillow into ``tmp_path``; the zip is read back with
``zipfile``/``csv``/Pillow, never through the code under test.
"""

from __future__ import annotations

import ast
import csv
import io
import os
import random
import socket
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from integrations import base, errors, pack, postmart, registry, voso

ADAPTERS = [postmart.PostmartAdapter, voso.VosoAdapter]
CONFIG = {"shop_name": "HTX Hưng Thịnh"}
TITLE_NFC = "Mật ong rừng U Minh Hạ – hũ 500 ml (OCOP 4 sao)"
DESCRIPTION = (
    "Mật ong hoa tràm nguyên chất, thu hoạch tại rừng U Minh Hạ, Cà Mau.\n"
    "- Khối lượng: 500 ml\n"
    "- Hạn dùng: 24 tháng\n"
    "=Bảo quản nơi khô ráo"
)
RED, BLUE, WHITE = (220, 20, 20), (20, 20, 220), (255, 255, 255)


# --- fixtures ---------------------------------------------------------------------


def noise_jpeg(path: Path, size: tuple[int, int], seed: int) -> Path:
    """Random pixels: JPEG compresses them badly, so the byte limit really bites."""
    data = random.Random(seed).randbytes(size[0] * size[1] * 3)
    Image.frombytes("RGB", size, data).save(path, "JPEG", quality=95)
    return path


def rotated_jpeg(path: Path) -> Path:
    """Stored 800×600, left half red, right half blue, EXIF orientation 6 (turn 90° CW).

    Shown upright it is 600 wide × 800 tall with red on top and blue below.
    """
    image = Image.new("RGB", (800, 600), BLUE)
    image.paste(RED, (0, 0, 400, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


def transparent_png(path: Path) -> Path:
    image = Image.new("RGBA", (700, 700), (0, 0, 0, 0))
    image.paste((10, 150, 10, 255), (200, 200, 500, 500))
    image.save(path, "PNG")
    return path


def small_jpeg(path: Path) -> Path:
    Image.new("RGB", (300, 200), RED).save(path, "JPEG")
    return path


@pytest.fixture
def images(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "src"
    folder.mkdir()
    return {
        "noise": noise_jpeg(folder / "noise.jpg", (1800, 1400), seed=4),
        "rotated": rotated_jpeg(folder / "rotated.jpg"),
        "png": transparent_png(folder / "alpha.png"),
        "small": small_jpeg(folder / "small.jpg"),
    }


def make_draft(paths: list[Path], **changes: object) -> base.ListingDraft:
    values: dict[str, object] = {
        "product_code": "P0042",
        # decomposed on purpose: the pack must write NFC
        "title": unicodedata.normalize("NFD", TITLE_NFC),
        "description": DESCRIPTION,
        "category_id": "Thực phẩm > Mật ong",
        "skus": (
            base.Sku("P0042-500", 185_000, 12, name="Hũ 500 ml"),
            base.Sku("P0042-1000", 340_000, 0, name="Hũ 1 lít"),
        ),
        "images": tuple(base.ImageRef(str(p)) for p in paths),
        "weight_grams": 750,
        "brand": "Hưng Thịnh",
        "attributes": {"Xuất xứ": "Cà Mau", "Hạn dùng": "24 tháng"},
    }
    values.update(changes)
    return base.ListingDraft(**values)  # type: ignore[arg-type]


@pytest.fixture(params=ADAPTERS, ids=lambda c: c.name)
def adapter(request: pytest.FixtureRequest) -> base.ChannelAdapter:
    cls: type[base.ChannelAdapter] = request.param
    return cls(CONFIG)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pack adapter tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


# --- a good pack ------------------------------------------------------------------


def test_pack_contents(
    adapter: base.ChannelAdapter, images: dict[str, Path], out_dir: Path, no_network: None
) -> None:
    spec: pack.PackSpec = adapter.SPEC  # type: ignore[attr-defined]
    draft = make_draft([images["noise"], images["rotated"], images["png"]])
    assert adapter.validate(draft) == {}
    out = out_dir / "pack.zip"
    adapter.build_pack(draft, str(out))

    files = read_zip(out)
    assert sorted(files) == sorted(
        ["san-pham.csv", "mo-ta.txt", "HUONG-DAN.txt", "anh/01.jpg", "anh/02.jpg", "anh/03.jpg"]
    )
    assert sorted(os.listdir(out_dir)) == ["pack.zip"]  # no temp file left beside it

    # CSV: BOM, header = the channel's labels in its order, one row per SKU, NFC values
    raw = files["san-pham.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    labels = [f.label for f in spec.fields]
    assert rows[0] == labels
    assert len(rows) == 1 + len(draft.skus)
    by_label = [dict(zip(labels, row, strict=True)) for row in rows[1:]]
    sku_label = next(f.label for f in spec.fields if f.source is pack.Source.SELLER_SKU)
    price_label = next(f.label for f in spec.fields if f.source is pack.Source.PRICE)
    stock_label = next(f.label for f in spec.fields if f.source is pack.Source.STOCK)
    title_label = next(f.label for f in spec.fields if f.source is pack.Source.TITLE)
    desc_label = next(f.label for f in spec.fields if f.source is pack.Source.DESCRIPTION)
    image_label = next(f.label for f in spec.fields if f.source is pack.Source.IMAGES)
    assert [r[sku_label] for r in by_label] == ["P0042-500", "P0042-1000"]
    assert [r[price_label] for r in by_label] == ["185000", "340000"]
    assert [r[stock_label] for r in by_label] == ["12", "0"]  # stock 0 written, not blanked
    assert all(r[title_label] == TITLE_NFC for r in by_label)
    assert unicodedata.is_normalized("NFC", raw[3:].decode("utf-8"))
    assert by_label[0][desc_label] == DESCRIPTION  # multi-line cell survives the round trip
    assert by_label[0][image_label] == "anh/01.jpg, anh/02.jpg, anh/03.jpg"

    # description verbatim for copying
    assert files["mo-ta.txt"].decode("utf-8-sig").replace("\r\n", "\n") == DESCRIPTION

    # images: square JPEG RGB, within the pixel and byte limits, no EXIF carried over
    image_spec = spec.images
    for name in ("anh/01.jpg", "anh/02.jpg", "anh/03.jpg"):
        data = files[name]
        assert len(data) <= image_spec.max_bytes
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "JPEG"
            assert img.mode == "RGB"
            assert img.width == img.height
            assert image_spec.min_px <= img.width <= image_spec.max_px
            assert 0x0112 not in img.getexif()

    # the noisy 1800×1400 one was too heavy at full size and quality: it still fits
    with Image.open(io.BytesIO(files["anh/01.jpg"])) as img:
        assert img.width <= image_spec.max_px

    # the rotated one is upright: red on top, blue below, white padding left and right
    with Image.open(io.BytesIO(files["anh/02.jpg"])) as img:
        side = img.width
        assert side == 800
        assert near(img.getpixel((side // 2, side // 8)), RED)
        assert near(img.getpixel((side // 2, side * 7 // 8)), BLUE)
        assert near(img.getpixel((10, side // 2)), WHITE)
        assert near(img.getpixel((side - 10, side // 2)), WHITE)

    # transparency became white, not black
    with Image.open(io.BytesIO(files["anh/03.jpg"])) as img:
        assert near(img.getpixel((5, 5)), WHITE)
        assert near(img.getpixel((img.width // 2, img.height // 2)), (10, 150, 10))

    # the checklist: seller centre, every field in order, images in order, paste URL back
    checklist = files["HUONG-DAN.txt"].decode("utf-8-sig")
    assert adapter.config["seller_centre_url"] in checklist
    assert "HTX Hưng Thịnh" in checklist
    positions = [checklist.index(f"{label} (") for label in labels]
    assert positions == sorted(positions)
    image_positions = [checklist.index(f"anh/0{i}.jpg") for i in (1, 2, 3)]
    assert image_positions == sorted(image_positions)
    assert "mo-ta.txt" in checklist
    assert "dán đường dẫn" in checklist
    assert checklist.index("dán đường dẫn") > max(image_positions)


def near(pixel: object, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def test_formula_like_cells_are_neutralised(
    adapter: base.ChannelAdapter, images: dict[str, Path], out_dir: Path
) -> None:
    out = out_dir / "p.zip"
    adapter.build_pack(make_draft([images["rotated"]], brand="=HYPERLINK(1)"), str(out))
    text = read_zip(out)["san-pham.csv"].decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text


def test_replaces_an_existing_file(
    adapter: base.ChannelAdapter, images: dict[str, Path], out_dir: Path
) -> None:
    out = out_dir / "pack.zip"
    out.write_bytes(b"")  # the app hands over an empty temp file it created
    adapter.build_pack(make_draft([images["rotated"]]), str(out))
    assert "san-pham.csv" in read_zip(out)


# --- validation -------------------------------------------------------------------


def test_every_problem_is_listed_and_nothing_is_written(
    adapter: base.ChannelAdapter, images: dict[str, Path], out_dir: Path
) -> None:
    spec: pack.PackSpec = adapter.SPEC  # type: ignore[attr-defined]
    draft = make_draft(
        [images["rotated"], images["small"], images["noise"].with_name("missing.jpg")],
        title="x" * (spec.fields[0].max_len or 0) + "y",
        description="ngắn",
        product_code="",
        weight_grams=0,
        skus=(
            base.Sku("A-1", 0, 3, name="Hũ nhỏ"),
            base.Sku("A-1", 50_000, -1, name=""),
            base.Sku("B-1\nC", 50_000, 1, name="Hũ lớn"),
        ),
    )
    out = out_dir / "pack.zip"
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter.build_pack(draft, str(out))
    fields = caught.value.fields
    assert set(fields) == {
        "title",
        "description",
        "product_code",
        "weight_grams",
        "skus",
        "skus.A-1.price",
        "skus.A-1.stock",
        "skus.A-1.name",
        "skus.B-1\nC.seller_sku",
        "images.2",
        "images.3",
    }
    # Codes and numbers, never sentences: the app words them in the reader's language.
    assert errors.Problem("sku_repeated", {"sku": "A-1"}) in [
        errors.Problem(m.code, m.params) for m in fields["skus"] if isinstance(m, errors.Problem)
    ]
    (small,) = fields["images.2"]
    assert isinstance(small, errors.Problem)
    assert (small.code, dict(small.params)) == ("image_too_small", {"min": spec.images.min_px})
    assert all(isinstance(m, errors.Problem) and m.code for ms in fields.values() for m in ms)
    assert os.listdir(out_dir) == []  # no zip, no temp file

    # validate() (what the app calls first) reports the same fields without encoding
    assert set(adapter.validate(draft)) == set(fields)


def test_too_many_and_too_few_images(adapter: base.ChannelAdapter, images: dict[str, Path]) -> None:
    spec: pack.PackSpec = adapter.SPEC  # type: ignore[attr-defined]
    many = make_draft([images["rotated"]] * (spec.images.max_count + 1))
    assert "images" in adapter.validate(many)
    none = make_draft([])
    assert "images" in adapter.validate(none)


def test_single_sku_needs_no_variant_name(
    adapter: base.ChannelAdapter, images: dict[str, Path]
) -> None:
    draft = make_draft([images["rotated"]], skus=(base.Sku("P0042", 99_000, 5),))
    assert adapter.validate(draft) == {}


def test_failure_while_writing_leaves_no_partial_zip(
    adapter: base.ChannelAdapter,
    images: dict[str, Path],
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = out_dir / "pack.zip"
    out.write_bytes(b"previous pack")
    real_writestr = zipfile.ZipFile.writestr
    calls = {"n": 0}

    def failing_writestr(self: zipfile.ZipFile, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real_writestr(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(OSError, match="disk full"):
        adapter.build_pack(make_draft([images["rotated"], images["png"]]), str(out))
    assert calls["n"] == 3
    assert sorted(os.listdir(out_dir)) == ["pack.zip"]
    assert out.read_bytes() == b"previous pack"


# --- configuration ----------------------------------------------------------------


def test_config(adapter: base.ChannelAdapter) -> None:
    cls = type(adapter)
    assert cls.kind is base.Kind.PACK
    assert cls.capabilities == frozenset({base.Capability.LISTING_PACK})
    assert registry.get(cls.name) is cls
    assert cls.secret_fields() == frozenset()
    assert adapter.config["seller_centre_url"].startswith("https://")
    with pytest.raises(errors.ValidationFailed) as caught:
        cls({})
    assert caught.value.fields == {"shop_name": [errors.Problem("required", {}, "required")]}
    with pytest.raises(errors.ValidationFailed) as caught:
        cls({**CONFIG, "seller_centre_url": "javascript:alert(1)"})
    assert set(caught.value.fields) == {"seller_centre_url"}
    with pytest.raises(errors.NotSupported):
        adapter.create_listing(
            base.Tokens("a", "b", access_expires_at=None),  # type: ignore[arg-type]
            make_draft([]),
        )


def test_voso_seller_centre_default() -> None:
    assert voso.VosoAdapter(CONFIG).config["seller_centre_url"] == "https://mc.voso.vn/"


# --- live listing reference -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "external_id", "url"),
    [
        (
            "https://postmart.vn/p/tao-dai-muong-la-htx-hung-thinh-hop-5kg-43160.html",
            "43160",
            "https://postmart.vn/p/tao-dai-muong-la-htx-hung-thinh-hop-5kg-43160.html",
        ),
        (
            "  http://www.postmart.vn/p/mat-ong-rung-12.html?utm_source=zalo#top ",
            "12",
            "https://www.postmart.vn/p/mat-ong-rung-12.html",
        ),
        (
            "postmart.vn/p/tao-43160.html",
            "43160",
            "https://postmart.vn/p/tao-43160.html",
        ),
        (
            "https://postmart.vn/p/man-loai-1-khoi-luong-5kg",
            "man-loai-1-khoi-luong-5kg",
            "https://postmart.vn/p/man-loai-1-khoi-luong-5kg",
        ),
        ("43160", "43160", ""),
    ],
)
def test_postmart_ref_good(text: str, external_id: str, url: str) -> None:
    ref = postmart.PostmartAdapter(CONFIG).parse_listing_ref(text)
    assert ref == base.RemoteListing(external_id=external_id, sku_ids={}, url=url)


@pytest.mark.parametrize(
    ("text", "external_id", "url"),
    [
        (
            "https://voso.vn/gia-treo-khung-treo-tivi-3243inch-goc-xoay-2-thanh-don-hang-loai-1-p25459.html",
            "25459",
            "https://voso.vn/gia-treo-khung-treo-tivi-3243inch-goc-xoay-2-thanh-don-hang-loai-1-p25459.html",
        ),
        (
            "https://www.voso.vn/mat-ong-p7.html?ref=share",
            "7",
            "https://www.voso.vn/mat-ong-p7.html",
        ),
        ("voso.vn/mat-ong-p7.html", "7", "https://voso.vn/mat-ong-p7.html"),
        ("25459", "25459", ""),
    ],
)
def test_voso_ref_good(text: str, external_id: str, url: str) -> None:
    ref = voso.VosoAdapter(CONFIG).parse_listing_ref(text)
    assert ref == base.RemoteListing(external_id=external_id, sku_ids={}, url=url)


BAD_COMMON = [
    "",
    "   ",
    "abc",
    "12 34",
    "1" * 13,
    "https://shopee.vn/p/abc-123.html",
    "ftp://postmart.vn/p/abc-1.html",
    "javascript:alert(1)",
    "https://postmart.vn.evil.example/p/abc-1.html",
    "https://voso.vn.evil.example/abc-p1.html",
    "https://evilpostmart.vn/p/abc-1.html",
    "https://user@postmart.vn/p/abc-1.html",
    "https://postmart.vn@evil.example/p/abc-1.html",
    "https://voso.vn:8443/abc-p1.html",
    "https://postmart.vn:8443/p/abc-1.html",
    "https://[::1/abc",
    "https://" + "a" * 3000,
]


BAD_REFS = {
    postmart.PostmartAdapter: [
        *BAD_COMMON,
        "https://voso.vn/mat-ong-p7.html",  # the other channel
        "https://postmart.vn/",
        "https://postmart.vn/p/",
        "https://postmart.vn/c/mat-ong-12.html",
        "https://tintuc.postmart.vn/p/abc-1.html",
    ],
    voso.VosoAdapter: [
        *BAD_COMMON,
        "https://postmart.vn/p/abc-1.html",  # the other channel
        "https://voso.vn/",
        "https://voso.vn/dac-san-vo-so-s3145375",
        "https://voso.vn/san-dac-san-c137",
        "https://mc.voso.vn/site/login",
        "https://voso.vn/mat-ong-p7",
        "https://voso.vn/mat-ong-p.html",
    ],
}


@pytest.mark.parametrize(
    ("adapter", "text"),
    [(adapter, text) for adapter, texts in BAD_REFS.items() for text in texts],
    ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_bad_listing_ref_is_refused_on_its_url(
    adapter: type[base.ChannelAdapter], text: str
) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        adapter(CONFIG).parse_listing_ref(text)
    assert list(caught.value.fields) == ["url"]
    (problem,) = caught.value.fields["url"]
    assert isinstance(problem, errors.Problem) and problem.code.startswith("reference_")


def test_voso_shop_page_is_named() -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        voso.VosoAdapter(CONFIG).parse_listing_ref("https://voso.vn/dac-san-vo-so-s3145375")
    (problem,) = caught.value.fields["url"]
    assert isinstance(problem, errors.Problem) and problem.code == "reference_other_page"
    assert "shop page" in problem.message  # the English log text still says which page


# --- no network code --------------------------------------------------------------

FORBIDDEN = {"requests", "httpx", "aiohttp", "urllib3", "socket", "http", "urllib.request"}


@pytest.mark.parametrize("module", [pack, postmart, voso], ids=lambda m: m.__name__)
def test_no_http_imports(module: object) -> None:
    source = Path(module.__file__).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base_name = node.module or ""
            imported.add(base_name)
            imported.update(f"{base_name}.{alias.name}" for alias in node.names)
    top_levels = {name.split(".")[0] for name in imported}
    assert not (imported & FORBIDDEN)
    assert not ({"requests", "httpx", "aiohttp", "urllib3", "socket", "http"} & top_levels)
    assert "integrations.http" not in imported


# --- the image encoder on its own -------------------------------------------------


def test_quality_then_size_lowered_until_under_the_byte_limit(tmp_path: Path) -> None:
    source = noise_jpeg(tmp_path / "n.jpg", (1000, 1000), seed=9)
    spec = pack.ImageSpec(min_px=500, max_px=1000, max_bytes=150_000, min_quality=50)
    with Image.open(source) as original:
        full = io.BytesIO()
        original.save(full, "JPEG", quality=spec.min_quality)
        assert len(full.getvalue()) > spec.max_bytes  # even the lowest quality is too big
    data = pack.prepare_image(str(source), spec)
    assert len(data) <= spec.max_bytes
    with Image.open(io.BytesIO(data)) as img:
        assert img.width == img.height
        assert spec.min_px <= img.width < 1000  # it had to shrink, but not below min_px


def test_byte_limit_out_of_reach_is_a_problem(tmp_path: Path) -> None:
    source = noise_jpeg(tmp_path / "n.jpg", (800, 800), seed=2)
    spec = pack.ImageSpec(min_px=700, max_px=800, max_bytes=5_000)
    with pytest.raises(pack.ImageRefused, match="5000 bytes") as caught:
        pack.prepare_image(str(source), spec)
    assert caught.value.code == "image_too_big" and caught.value.params == {"max": 4}


def test_not_an_image(tmp_path: Path) -> None:
    bogus = tmp_path / "x.jpg"
    bogus.write_bytes(b"not a picture")
    with pytest.raises(pack.ImageRefused, match="not a readable image") as caught:
        pack.prepare_image(str(bogus), pack.ImageSpec())
    assert caught.value.code == "image_unreadable"
