"""Postmart (Vietnam Post): no seller API, so the adapter builds a listing pack.

Postmart publishes no seller API (see docs/marketplaces.md): sellers list through the
web site and app, often helped at the post office. This module never makes a network
call; it writes a pack (``integrations.pack``) and reads back the live product URL the
seller pastes.

What was checked (public pages and mirrors, see the issue report):
- product pages live at ``https://postmart.vn/p/<slug>-<id>.html`` (e.g.
  ``/p/tao-dai-muong-la-htx-hung-thinh-hop-5kg-43160.html``); an older shape without the
  id and ``.html`` (``/p/man-loai-1-khoi-luong-5kg``) is linked from a 2021 news article.
Everything marked ``# unconfirmed:`` below is a conservative choice, not a published rule.
"""

from __future__ import annotations

import re
from typing import ClassVar

from integrations import base, pack

# unconfirmed: Postmart's seller-side address is not published; the site itself is the
# safe default and each account can set its own.
SELLER_CENTRE_URL = "https://postmart.vn/"

# unconfirmed: every limit below; chosen at or under what the big Vietnamese
# marketplaces allow so a pack that passes here is not refused for length there.
TITLE_MIN = 10
TITLE_MAX = 100
DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 3000
SKU_CODE_MAX = 50
VARIANT_NAME_MAX = 30
BRAND_MAX = 50
ATTRIBUTES_MAX = 1000
PRICE_MIN = 1_000
PRICE_MAX = 200_000_000
STOCK_MAX = 999_999
WEIGHT_MIN_G = 1
WEIGHT_MAX_G = 30_000  # unconfirmed: a parcel limit, Postmart ships by post
SKU_MAX = 50

IMAGES = pack.ImageSpec(
    min_count=1,
    max_count=8,  # unconfirmed: image count limit
    min_px=500,  # unconfirmed: smallest longer side accepted
    max_px=1200,  # unconfirmed: output side
    max_bytes=1_000_000,  # unconfirmed: per-image byte limit
)

S = pack.Source
# unconfirmed: the order of Postmart's product form; labels are the usual Vietnamese ones.
FIELDS: tuple[pack.FieldSpec, ...] = (
    pack.FieldSpec(S.TITLE, "Tên sản phẩm", min_len=TITLE_MIN, max_len=TITLE_MAX),
    pack.FieldSpec(
        S.CATEGORY,
        "Danh mục",
        required=False,
        max_len=100,
        hint="chọn danh mục gần nhất trong danh sách của Postmart",
    ),
    pack.FieldSpec(S.BRAND, "Thương hiệu", required=False, max_len=BRAND_MAX),
    pack.FieldSpec(S.PRODUCT_CODE, "Mã sản phẩm", max_len=SKU_CODE_MAX),
    pack.FieldSpec(
        S.DESCRIPTION, "Mô tả sản phẩm", min_len=DESCRIPTION_MIN, max_len=DESCRIPTION_MAX
    ),
    pack.FieldSpec(
        S.ATTRIBUTES,
        "Thông tin thêm",
        required=False,
        max_len=ATTRIBUTES_MAX,
        hint="xuất xứ, hạn sử dụng, chứng nhận OCOP… nếu biểu mẫu có ô tương ứng",
    ),
    pack.FieldSpec(
        S.WEIGHT_GRAMS, "Khối lượng (gram)", min_value=WEIGHT_MIN_G, max_value=WEIGHT_MAX_G
    ),
    pack.FieldSpec(S.IMAGES, "Hình ảnh sản phẩm"),
    pack.FieldSpec(S.VARIANT_NAME, "Tên phân loại", required=False, max_len=VARIANT_NAME_MAX),
    pack.FieldSpec(S.SELLER_SKU, "Mã SKU", max_len=SKU_CODE_MAX),
    pack.FieldSpec(S.PRICE, "Giá bán (đồng)", min_value=PRICE_MIN, max_value=PRICE_MAX),
    pack.FieldSpec(S.STOCK, "Số lượng tồn kho", min_value=0, max_value=STOCK_MAX),
)

SPEC = pack.PackSpec(
    channel_title="Postmart",
    fields=FIELDS,
    images=IMAGES,
    url_example="https://postmart.vn/p/ten-san-pham-12345.html",
    sku_max=SKU_MAX,
    seller_centre_name="trang người bán Postmart (web hoặc ứng dụng Postmart)",
)

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
REF_RULES = pack.RefRules(
    channel_title="Postmart",
    # unconfirmed: www. and the ocop. portal serving the same /p/ product paths.
    hosts=frozenset({"postmart.vn", "www.postmart.vn", "ocop.postmart.vn"}),
    product_paths=(
        re.compile(rf"/p/(?:{_SLUG}-)?(?P<id>[0-9]{{1,12}})\.html", re.IGNORECASE),
        # the older shape has no numeric id: the slug is what identifies the product
        re.compile(rf"/p/(?P<id>{_SLUG})/?", re.IGNORECASE),
    ),
    bare_id=re.compile(r"[0-9]{1,12}"),
)


class PostmartAdapter(pack.PackAdapter):
    name = "postmart"
    title = "Postmart"
    config_schema = (
        base.ConfigField(
            "shop_name", "Shop name on Postmart", help="As shown on the shop's Postmart page"
        ),
        base.ConfigField(
            "seller_centre_url",
            "Seller centre address",
            required=False,
            default=SELLER_CENTRE_URL,
            help="Where the seller signs in to add products; shown in the pack's checklist",
        ),
    )
    rules = base.Rules(
        title_min=TITLE_MIN,
        title_max=TITLE_MAX,
        description_min=DESCRIPTION_MIN,
        description_max=DESCRIPTION_MAX,
        images_min=IMAGES.min_count,
        images_max=IMAGES.max_count,
        image_min_px=IMAGES.min_px,
        image_max_bytes=IMAGES.max_bytes,
        price_min=PRICE_MIN,
        price_max=PRICE_MAX,
        sku_max=SKU_MAX,
    )
    FIELDS: ClassVar[tuple[pack.FieldSpec, ...]] = FIELDS
    IMAGE_SPEC: ClassVar[pack.ImageSpec] = IMAGES
    SPEC: ClassVar[pack.PackSpec] = SPEC
    REF_RULES: ClassVar[pack.RefRules] = REF_RULES
