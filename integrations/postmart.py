"""Postmart (Vietnam Post): no seller API, so the adapter builds a listing pack.

Postmart publishes no seller API (see docs/marketplaces.md): sellers list through the
web site and app, often helped at the post office. This module is data on the one
listing-pack adapter (``integrations.pack``): it never makes a network call; it writes a
pack and reads back the live product URL the seller pastes.

What was checked (public pages and mirrors, see the issue report):
- product pages live at ``https://postmart.vn/p/<slug>-<id>.html`` (e.g.
  ``/p/tao-dai-muong-la-htx-hung-thinh-hop-5kg-43160.html``); an older shape without the
  id and ``.html`` (``/p/man-loai-1-khoi-luong-5kg``) is linked from a 2021 news article.
Everything marked ``# unconfirmed:`` below (and the limits, ``pack.CONSERVATIVE_LIMITS``
and ``pack.CONSERVATIVE_IMAGES``) is a conservative choice, not a published rule.
"""

from __future__ import annotations

import re

from integrations import pack

# unconfirmed: Postmart's seller-side address is not published; the site itself is the
# safe default and each account can set its own.
SELLER_CENTRE_URL = "https://postmart.vn/"

CHANNEL = pack.PackChannel(
    name="postmart",
    title="Postmart",
    seller_centre_url=SELLER_CENTRE_URL,
    seller_centre_name="trang người bán Postmart (web hoặc ứng dụng Postmart)",
    # unconfirmed: the order of Postmart's product form (the usual one) and its labels.
    hints={pack.Source.CATEGORY: "chọn danh mục gần nhất trong danh sách của Postmart"},
    url_example="https://postmart.vn/p/ten-san-pham-12345.html",
    # unconfirmed: www. and the ocop. portal serving the same /p/ product paths.
    hosts=frozenset({"postmart.vn", "www.postmart.vn", "ocop.postmart.vn"}),
    product_paths=(
        re.compile(rf"/p/(?:{pack.SLUG}-)?(?P<id>[0-9]{{1,12}})\.html", re.IGNORECASE),
        # the older shape has no numeric id: the slug is what identifies the product
        re.compile(rf"/p/(?P<id>{pack.SLUG})/?", re.IGNORECASE),
    ),
)


class PostmartAdapter(pack.PackAdapter):
    channel = CHANNEL
