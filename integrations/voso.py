"""Voso (Viettel Post): no seller API, so the adapter builds a listing pack.

Voso publishes no seller API (the Viettel Post partner API covers shipping only, see
docs/marketplaces.md): suppliers ("NCC") list products by hand in the web seller centre,
"Kênh Người Bán". This module is data on the one listing-pack adapter
(``integrations.pack``): it never makes a network call; it writes a pack and reads back
the live product URL the seller pastes.

What was checked (public pages and mirrors, see the issue report):
- voso.vn's header links "Kênh Người Bán" to ``https://mc.voso.vn/``; Voso's own guide
  for suppliers (tintuc.voso.vn) has them sign in at ``https://mc.voso.vn/site/login``;
- product pages are ``https://voso.vn/<slug>-p<id>.html`` (e.g.
  ``/gia-treo-khung-treo-tivi-...-p25459.html``); shops are ``/<slug>-s<id>`` and
  categories ``/<slug>-c<id>``.
Everything marked ``# unconfirmed:`` below (and the limits, ``pack.CONSERVATIVE_LIMITS``
and ``pack.CONSERVATIVE_IMAGES``) is a conservative choice, not a published rule.
"""

from __future__ import annotations

import re

from integrations import pack

SELLER_CENTRE_URL = "https://mc.voso.vn/"

S = pack.Source
CHANNEL = pack.PackChannel(
    name="voso",
    title="Voso",
    shop_name_help="As shown in Kênh Người Bán (mc.voso.vn)",
    seller_centre_url=SELLER_CENTRE_URL,
    seller_centre_help="Kênh Người Bán, where the seller signs in to add products",
    # unconfirmed: the order of the "Kênh Người Bán" product form (images come before the
    # description) and the labels where it differs from the usual ones.
    order=pack.moved(pack.USUAL_ORDER, S.IMAGES, before=S.DESCRIPTION),
    labels={
        S.CATEGORY: "Ngành hàng",
        S.IMAGES: "Ảnh sản phẩm",
        S.DESCRIPTION: "Mô tả chi tiết",
        S.ATTRIBUTES: "Thuộc tính sản phẩm",
        S.VARIANT_NAME: "Phân loại hàng",
        S.SELLER_SKU: "SKU phân loại",
        S.STOCK: "Tồn kho",
    },
    hints={S.CATEGORY: "chọn ngành hàng gần nhất trong danh sách của Voso"},
    url_example="https://voso.vn/ten-san-pham-p12345.html",
    hosts=frozenset({"voso.vn", "www.voso.vn"}),  # unconfirmed: www. (voso.vn is canonical)
    product_paths=(re.compile(rf"/(?:{pack.SLUG}-)?p(?P<id>[0-9]{{1,12}})\.html", re.IGNORECASE),),
    other_pages=(
        (re.compile(rf"/{pack.SLUG}-s[0-9]+/?", re.IGNORECASE), "a shop page"),
        (re.compile(rf"/{pack.SLUG}-c[0-9]+/?", re.IGNORECASE), "a category page"),
    ),
)


class VosoAdapter(pack.PackAdapter):
    channel = CHANNEL
