"""Voso (Viettel Post): no seller API, so the adapter builds a listing pack.

Voso publishes no seller API (the Viettel Post partner API covers shipping only, see
docs/marketplaces.md): suppliers ("NCC") list products by hand in the web seller centre,
"Kênh Người Bán". This module never makes a network call; it writes a pack
(``integrations.pack``) and reads back the live product URL the seller pastes.

What was checked (public pages and mirrors, see the issue report):
- voso.vn's header links "Kênh Người Bán" to ``https://mc.voso.vn/``; Voso's own guide
  for suppliers (tintuc.voso.vn) has them sign in at ``https://mc.voso.vn/site/login``;
- product pages are ``https://voso.vn/<slug>-p<id>.html`` (e.g.
  ``/gia-treo-khung-treo-tivi-...-p25459.html``); shops are ``/<slug>-s<id>`` and
  categories ``/<slug>-c<id>``.
Everything marked ``# unconfirmed:`` below is a conservative choice, not a published rule.
"""

from __future__ import annotations

import re
from typing import ClassVar

from integrations import base, pack

SELLER_CENTRE_URL = "https://mc.voso.vn/"

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
WEIGHT_MAX_G = 30_000  # unconfirmed: a parcel limit, Voso ships with Viettel Post
SKU_MAX = 50

IMAGES = pack.ImageSpec(
    min_count=1,
    max_count=8,  # unconfirmed: image count limit
    min_px=500,  # unconfirmed: smallest longer side accepted
    max_px=1200,  # unconfirmed: output side
    max_bytes=1_000_000,  # unconfirmed: per-image byte limit
)

S = pack.Source
# unconfirmed: the order of the "Kênh Người Bán" product form; usual Vietnamese labels.
FIELDS: tuple[pack.FieldSpec, ...] = (
    pack.FieldSpec(S.TITLE, "Tên sản phẩm", min_len=TITLE_MIN, max_len=TITLE_MAX),
    pack.FieldSpec(
        S.CATEGORY,
        "Ngành hàng",
        required=False,
        max_len=100,
        hint="chọn ngành hàng gần nhất trong danh sách của Voso",
    ),
    pack.FieldSpec(S.BRAND, "Thương hiệu", required=False, max_len=BRAND_MAX),
    pack.FieldSpec(S.PRODUCT_CODE, "Mã sản phẩm", max_len=SKU_CODE_MAX),
    pack.FieldSpec(S.IMAGES, "Ảnh sản phẩm"),
    pack.FieldSpec(
        S.DESCRIPTION, "Mô tả chi tiết", min_len=DESCRIPTION_MIN, max_len=DESCRIPTION_MAX
    ),
    pack.FieldSpec(
        S.ATTRIBUTES,
        "Thuộc tính sản phẩm",
        required=False,
        max_len=ATTRIBUTES_MAX,
        hint="xuất xứ, hạn sử dụng, chứng nhận OCOP… nếu biểu mẫu có ô tương ứng",
    ),
    pack.FieldSpec(
        S.WEIGHT_GRAMS, "Khối lượng (gram)", min_value=WEIGHT_MIN_G, max_value=WEIGHT_MAX_G
    ),
    pack.FieldSpec(S.VARIANT_NAME, "Phân loại hàng", required=False, max_len=VARIANT_NAME_MAX),
    pack.FieldSpec(S.SELLER_SKU, "SKU phân loại", max_len=SKU_CODE_MAX),
    pack.FieldSpec(S.PRICE, "Giá bán (đồng)", min_value=PRICE_MIN, max_value=PRICE_MAX),
    pack.FieldSpec(S.STOCK, "Tồn kho", min_value=0, max_value=STOCK_MAX),
)

SPEC = pack.PackSpec(
    channel_title="Voso",
    fields=FIELDS,
    images=IMAGES,
    url_example="https://voso.vn/ten-san-pham-p12345.html",
    sku_max=SKU_MAX,
)

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
REF_RULES = pack.RefRules(
    channel_title="Voso",
    hosts=frozenset({"voso.vn", "www.voso.vn"}),  # unconfirmed: www. (voso.vn is canonical)
    product_paths=(re.compile(rf"/(?:{_SLUG}-)?p(?P<id>[0-9]{{1,12}})\.html", re.IGNORECASE),),
    bare_id=re.compile(r"[0-9]{1,12}"),
    other_pages=(
        (re.compile(rf"/{_SLUG}-s[0-9]+/?", re.IGNORECASE), "a shop page"),
        (re.compile(rf"/{_SLUG}-c[0-9]+/?", re.IGNORECASE), "a category page"),
    ),
)


class VosoAdapter(pack.PackAdapter):
    name = "voso"
    title = "Voso"
    config_schema = (
        base.ConfigField(
            "shop_name", "Shop name on Voso", help="As shown in Kênh Người Bán (mc.voso.vn)"
        ),
        base.ConfigField(
            "seller_centre_url",
            "Seller centre address",
            required=False,
            default=SELLER_CENTRE_URL,
            help="Kênh Người Bán, where the seller signs in to add products",
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
