"""The one-language checker (tests/support/one_language.py) catches what it is meant to."""

from __future__ import annotations

from tests.support import one_language as checks

PAGE = """<!doctype html><html lang="{lang}"><head><title>{title}</title>
<style>.x {{ content: "needs" }}</style><script>var status = "failed"; // UTC</script></head>
<body><main><h1>{heading}</h1><p>{body}</p>
<input type="search" placeholder="{placeholder}"><input type="submit" value="{button}">
<img src="/a.png" alt="{alt}"><br>
<p lang="vi">Đặc sản Trà Cổ</p><p>SKU: <code>product_name</code></p>
<span data-user-text>Nước mắm cốt</span>
</main></body></html>"""


def _page(lang: str, **texts: str) -> str:
    defaults = dict(title="", heading="", body="", placeholder="", button="", alt="")
    return PAGE.format(lang=lang, **{**defaults, **texts})


def _problems(lang: str, user_data: tuple[str, ...] = (), **texts: str) -> list[str]:
    return checks.problems(checks.visible_text(_page(lang, **texts)), lang, user_data)


def test_english_on_a_vietnamese_page_is_flagged() -> None:
    found = _problems("vi", body="Ảnh: needs 1–9 images")
    assert found == ["English 'needs', 'images' in 'Ảnh: needs 1–9 images'"]
    assert _problems("vi", heading="Trạng thái: placed")
    assert _problems("vi", body="(marketplace server error HTTP 500)")
    assert _problems("vi", body="Kết quả: None")
    assert _problems("vi", button="Save")
    assert _problems("vi", placeholder="Search products")
    assert _problems("vi", alt="Product image")
    assert _problems("vi", title="Orders")


def test_vietnamese_on_an_english_page_is_flagged() -> None:
    found = _problems("en", body="Status: Đang chờ")
    assert found == ["Vietnamese 'Đang', 'chờ' in 'Status: Đang chờ'"]
    assert _problems("en", heading="Xuất danh mục")
    assert _problems("en", body="Price: 10.000 đ")  # the letter đ as a currency sign
    assert _problems("en", button="Lưu")


def test_utc_is_flagged_in_both_languages() -> None:
    assert _problems("vi", body="Hết giờ lúc 12:05 UTC") == ["UTC in 'Hết giờ lúc 12:05 UTC'"]
    assert _problems("en", body="Ends at 12:05 UTC")


def test_raw_codes_are_flagged_but_addresses_are_not() -> None:
    assert _problems("vi", body="Nền tảng: tiktok")
    assert _problems("en", body="Platform: shopee")
    assert _problems("vi", body="Lỗi [http_500]")
    assert _problems("en", body="Result: {'created_count': 2}")
    assert _problems("vi", body="Xem https://shopee.vn/product/1 hoặc shopee.vn, anh_1.jpg") == []
    assert _problems("en", body="Export to a.b@club.vn or /api/v1/products?sort=net_gmv") == []


def test_clean_pages_pass() -> None:
    assert (
        _problems(
            "vi",
            title="Sản phẩm",
            heading="Đơn hàng đã thanh toán",
            body="SKU, OCOP, Shopee, TikTok Shop, Lazada, Email, CSV, XLSX, Livestream, Video, "
            "Website, QR, VietQR, PDF, GMV, Net GMV, API: 1.090.000 ₫, 0,2 %, 20:03:05",
            placeholder="Tìm theo tên hoặc SKU",
            button="Lưu",
            alt="Ảnh sản phẩm",
        )
        == []
    )
    assert (
        _problems(
            "en",
            title="Products",
            heading="Paid orders",
            body="Price at most 1,000,000,000 đồng (Decision 148/QĐ-TTg), 20:03:05",
            placeholder="Search by name or SKU",
            button="Save",
            alt="Product photo",
        )
        == []
    )


def test_user_data_and_marked_elements_are_not_language() -> None:
    user_data = ("Nước mắm Trà Cổ 40 độ", "Người dùng seller", "HTX Nước mắm Trà Cổ")
    body = "Product: Nước mắm Trà Cổ 40 độ by HTX Nước mắm Trà Cổ"
    assert _problems("en", user_data, body=body) == []
    assert _problems("en", body=body)  # the same text, not known as user data, is flagged
    assert _problems("vi", user_data, body="Người bán: Người dùng seller (seller1)") == []
    text = checks.visible_text(_page("en"))
    assert "Trà Cổ" not in text and "Nước mắm" not in text  # lang="vi", data-user-text
    assert "needs" not in text and "UTC" not in text  # <style>, <script>
    assert "product_name" not in text and "SKU:" in text  # a literal key in <code>


def test_visible_text_reads_the_page_language_and_unclosed_elements() -> None:
    page = '<html lang="en"><body><ul><li>One<li>Two</ul><p>Three<p lang="vi">Bốn</p>Five'
    assert checks.page_language(page) == "en"
    assert checks.visible_text(page).split("\n") == ["One", "Two", "Three", "Five"]


def test_the_letter_sets() -> None:
    assert checks.has_vietnamese_letter("Ảnh") and checks.has_vietnamese_letter("đ")
    assert checks.has_vietnamese_letter("Ư") and checks.has_vietnamese_letter("ỹ")
    assert checks.has_vietnamese_letter("A\u0300")  # decomposed: compared after NFC
    assert not checks.has_vietnamese_letter("Cafe, naive, Zurich, 1,2 %, ₫, –, —")
